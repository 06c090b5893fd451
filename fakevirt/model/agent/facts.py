"""The guest's facts where a test left them unset: derived from the running definition."""

from __future__ import annotations

import ipaddress
from typing import TYPE_CHECKING

from ..devices import Disk
from ..domaindef import DomainDef
from .guest import Guest, GuestDisk, GuestFS, GuestFSDisk, GuestNIC, GuestVcpu

if TYPE_CHECKING:
    from ..hypervisor import Hypervisor

DEFAULT_FS_BYTES = 10 * 1024**3


def filesystems(guest: Guest, live: DomainDef, hv: Hypervisor) -> list[GuestFS]:
    """The first disk holds "/", every other disk one filesystem under /mnt, each ext4 on partition 1."""
    if guest.filesystems is not None:
        return guest.filesystems
    out: list[GuestFS] = []
    for disk in _disks(live):
        total = DEFAULT_FS_BYTES
        if disk.image_path and hv.images.exists(disk.image_path):
            total = hv.images.open(disk.image_path).virtual_size
        mountpoint = "/" if not out else f"/mnt/{disk.target_dev}"
        out.append(GuestFS(mountpoint, f"{disk.target_dev}1", "ext4", total, total // 4,
                           [GuestFSDisk(disk.target_dev, f"/dev/{disk.target_dev}1", disk.serial)]))
    return out


def disks(guest: Guest, live: DomainDef) -> list[GuestDisk]:
    """Each disk and its first partition (guest-get-disks lists partitions with their parent)."""
    if guest.disks is not None:
        return guest.disks
    out: list[GuestDisk] = []
    for disk in _disks(live):
        dev = f"/dev/{disk.target_dev}"
        out.append(GuestDisk(dev, target=disk.target_dev, serial=disk.serial))
        out.append(GuestDisk(f"{dev}1", partition=True, dependencies=[dev], target=disk.target_dev,
                             serial=disk.serial))
    return out


def interfaces(guest: Guest, live: DomainDef, leases: dict[str, tuple[str, int]]) -> list[GuestNIC]:
    """lo, then one NIC per <interface> (eth0, eth1, …) with its DHCP address and IPv6 link-local address."""
    if guest.interfaces is not None:
        return guest.interfaces
    out = [GuestNIC("lo", "00:00:00:00:00:00", [("ipv4", "127.0.0.1", 8), ("ipv6", "::1", 128)])]
    for i, iface in enumerate(live.interfaces):
        addrs: list[tuple[str, str, int]] = []
        if iface.mac in leases:
            ip, prefix = leases[iface.mac]
            addrs.append(("ipv4", ip, prefix))
        if iface.mac:
            addrs.append(("ipv6", link_local(iface.mac), 64))
        out.append(GuestNIC(f"eth{i}", iface.mac, addrs))
    return out


def vcpus(guest: Guest, live: DomainDef) -> list[GuestVcpu]:
    if guest.vcpus is None:
        guest.vcpus = [GuestVcpu(i, True, i != 0) for i in range(live.current_vcpus)]
    return guest.vcpus


def hostname(guest: Guest, live: DomainDef) -> str:
    return guest.hostname if guest.hostname is not None else live.name


def link_local(mac: str) -> str:
    """The EUI-64 IPv6 link-local address a Linux guest derives from its MAC."""
    b = bytes(int(x, 16) for x in mac.split(":"))
    eui = bytes([b[0] ^ 0x02, b[1], b[2], 0xFF, 0xFE, b[3], b[4], b[5]])
    return str(ipaddress.IPv6Address(b"\xfe\x80" + bytes(6) + eui))


def _disks(live: DomainDef) -> list[Disk]:
    return [d for d in live.disks if d.device == "disk" and d.target_dev]
