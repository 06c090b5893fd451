"""The "block" group of virConnectGetAllDomainStats (virsh domstats --block), from the image store and the run's counters."""

from __future__ import annotations

from typing import TYPE_CHECKING

from ..flags.node import TypedParamType
from ..images.image import round_up
from .state import state_of

if TYPE_CHECKING:
    from ..domain import Domain
    from ..images import ImageStore

UINT, ULLONG, STRING = TypedParamType.UINT, TypedParamType.ULLONG, TypedParamType.STRING
Stat = tuple[str, int, int | str]


def block_stats(images: ImageStore, dom: Domain, backing: bool = False) -> list[Stat]:
    """qemuDomainGetStatsBlock: every disk; a running one with its counters and node index.

    A running QEMU reports the file's end as allocation and its used blocks as physical; an
    inactive domain's files are looked at directly (allocation: used blocks, physical: length).
    With ``backing`` (VIR_CONNECT_GET_ALL_DOMAINS_STATS_BACKING) a running disk's backing images
    follow it as entries of their own, under the disk's name, with sizes but no counters.
    """
    d = dom.definition
    out: list[Stat] = []
    state = state_of(dom) if dom.active else None
    n = 0
    for disk in d.disks:
        p = f"block.{n}."
        out.append((p + "name", STRING, disk.target_dev))
        source = images.normpath(disk.source) if disk.source and disk.type in ("file", "block") else None
        if source is not None:
            out.append((p + "path", STRING, source))
        if state is not None:
            if source is not None and (index := disk.source_attrs.get("index")):
                out.append((p + "backingIndex", UINT, int(index)))
            c = state.disk(disk.target_dev)
            out += [(p + "rd.reqs", ULLONG, c.rd_req), (p + "rd.bytes", ULLONG, c.rd_bytes), (p + "rd.times", ULLONG, c.rd_ns),
                    (p + "wr.reqs", ULLONG, c.wr_req), (p + "wr.bytes", ULLONG, c.wr_bytes), (p + "wr.times", ULLONG, c.wr_ns),
                    (p + "fl.reqs", ULLONG, c.fl_req), (p + "fl.times", ULLONG, c.fl_ns)]
        n += 1
        if source is None or not images.exists(source):
            continue
        out += _sizes(images, source, p, state is not None)
        th = state.thresholds.get(disk.target_dev) if state is not None else None
        if th is not None:
            out.append((p + "threshold", ULLONG, th.value))
        if backing and state is not None and disk.backing is not None:
            for node in disk.backing.nodes():
                p = f"block.{n}."
                out.append((p + "name", STRING, disk.target_dev))
                path = images.normpath(node.source) if node.source else None
                if path is not None:
                    out.append((p + "path", STRING, path))
                if node.index is not None:
                    out.append((p + "backingIndex", UINT, node.index))
                n += 1
                if path is not None and images.exists(path):
                    out += _sizes(images, path, p, True)
    return [("block.count", UINT, n), *out]


def _sizes(images: ImageStore, path: str, p: str, running: bool) -> list[Stat]:
    img = images.open(path)
    length = img.virtual_size if img.format == "raw" else img.allocation
    if running:
        capacity = round_up(img.virtual_size, 512) if img.format == "raw" else img.virtual_size
        return [(p + "allocation", ULLONG, length if img.format != "raw" else img.allocation),
                (p + "capacity", ULLONG, capacity), (p + "physical", ULLONG, img.allocation)]
    return [(p + "allocation", ULLONG, img.allocation), (p + "capacity", ULLONG, img.virtual_size),
            (p + "physical", ULLONG, length)]
