"""Guest network and disk traffic: what a test injects plus a background rate over the run's time."""

from __future__ import annotations

from dataclasses import replace
from typing import TYPE_CHECKING

from ...errors import stats as errors
from ..blockdev.state import service_ns, state_of
from ..network.defs import parse_mac
from .run import Background, NetCounters, RunStats

if TYPE_CHECKING:
    from ..devices import Interface
    from ..domain import Domain
    from ..domaindef import DomainDef


def find_nic(d: DomainDef, device: str) -> Interface:
    """virDomainNetFind: by MAC address when ``device`` is one, else by host device name."""
    mac = parse_mac(device)
    for iface in d.interfaces:
        if (mac is not None and iface.mac is not None and parse_mac(iface.mac) == mac) or \
                (mac is None and iface.target_dev is not None and iface.target_dev == device):
            return iface
    raise errors.unknown_interface(device)


def packets(nbytes: int, size: int) -> int:
    """Frames needed for ``nbytes`` of payload, ``size`` bytes at most each."""
    return -(-nbytes // size) if nbytes > 0 else 0


def nic_counters(rs: RunStats, bg: Background, dev: str, now: float) -> NetCounters:
    """The counters of host device ``dev``: injected traffic plus the background's whole packets so far."""
    c = replace(rs.net.get(dev) or NetCounters())
    elapsed = max(0.0, now - rs.booted)
    for direction, rate in (("rx", bg.net_rx), ("tx", bg.net_tx)):
        frames = int(rate * elapsed) // bg.packet_bytes
        setattr(c, f"{direction}_bytes", getattr(c, f"{direction}_bytes") + frames * bg.packet_bytes)
        setattr(c, f"{direction}_pkts", getattr(c, f"{direction}_pkts") + frames)
    return c


def add_traffic(rs: RunStats, dev: str, rx: int, tx: int, rx_pkts: int | None, tx_pkts: int | None,
                packet_bytes: int) -> None:
    c = rs.nic(dev)
    c.rx_bytes += rx
    c.tx_bytes += tx
    c.rx_pkts += packets(rx, packet_bytes) if rx_pkts is None else rx_pkts
    c.tx_pkts += packets(tx, packet_bytes) if tx_pkts is None else tx_pkts


def accrue_disks(dom: Domain, rs: RunStats, bg: Background, now: float) -> None:
    """Bring the disks' counters (BLK's state) up to the background's whole requests so far."""
    if not (bg.disk_read or bg.disk_write) or dom.live is None:
        return
    elapsed = max(0.0, now - rs.booted)
    size = bg.request_bytes
    reads, writes = int(bg.disk_read * elapsed) // size, int(bg.disk_write * elapsed) // size
    state = state_of(dom)
    for disk in dom.live.disks:
        if not disk.source:
            continue
        target = disk.target_dev
        done_r, done_w = rs.disk_accrued.get(target, (0, 0))
        c = state.disk(target)
        new_r, new_w = max(0, reads - done_r), 0 if disk.readonly else max(0, writes - done_w)
        c.rd_req, c.rd_bytes, c.rd_ns = c.rd_req + new_r, c.rd_bytes + new_r * size, c.rd_ns + new_r * service_ns(size)
        c.wr_req, c.wr_bytes, c.wr_ns = c.wr_req + new_w, c.wr_bytes + new_w * size, c.wr_ns + new_w * service_ns(size)
        rs.disk_accrued[target] = (done_r + new_r, done_w + new_w)
