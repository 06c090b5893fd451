"""The "block" group of virConnectGetAllDomainStats (virsh domstats --block), from the image store and the run's counters."""

from __future__ import annotations

from typing import TYPE_CHECKING

from ..flags.node import TypedParamType
from ..images.image import Image, round_up
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
    follow it as entries of the same name with their node index and sizes but no counters; QEMU
    never wrote them (allocation 0) unless a block job did.
    """
    d = dom.definition
    out: list[Stat] = []
    state = state_of(dom) if dom.active else None
    n = 0
    for disk in d.disks:
        p = f"block.{n}."
        n += 1
        out.append((p + "name", STRING, disk.target_dev))
        source = images.normpath(disk.local_file) if disk.local_file else None
        if source is not None:
            out.append((p + "path", STRING, source))
        if state is not None:
            if source is not None and (index := disk.source_attrs.get("index")):
                out.append((p + "backingIndex", UINT, int(index)))
            c = state.disk(disk.target_dev)
            out += [(p + "rd.reqs", ULLONG, c.rd_req), (p + "rd.bytes", ULLONG, c.rd_bytes), (p + "rd.times", ULLONG, c.rd_ns),
                    (p + "wr.reqs", ULLONG, c.wr_req), (p + "wr.bytes", ULLONG, c.wr_bytes), (p + "wr.times", ULLONG, c.wr_ns),
                    (p + "fl.reqs", ULLONG, c.fl_req), (p + "fl.times", ULLONG, c.fl_ns)]
        if source is None or not images.exists(source):
            continue
        img = images.open(source)
        length = img.virtual_size if img.format == "raw" else img.allocation
        if state is None:
            out += [(p + "allocation", ULLONG, img.allocation), (p + "capacity", ULLONG, img.virtual_size),
                    (p + "physical", ULLONG, length)]
            continue
        out += _running_sizes(p, img, length if img.format != "raw" else img.allocation)
        th = state.thresholds.get(disk.target_dev)
        if th is not None:
            out.append((p + "threshold", ULLONG, th.value))
        for node in disk.backing.nodes() if backing and disk.backing is not None else []:
            path = node.image_path
            if path is None or node.index is None:
                continue
            p = f"block.{n}."
            n += 1
            out += [(p + "name", STRING, disk.target_dev), (p + "path", STRING, path),
                    (p + "backingIndex", UINT, node.index)]
            if images.exists(path):
                out += _running_sizes(p, images.open(path), 0)
            th = state.thresholds.get(f"{disk.target_dev}[{node.index}]")
            if th is not None:
                out.append((p + "threshold", ULLONG, th.value))
    return [("block.count", UINT, n), *out]


def _running_sizes(p: str, img: Image, allocation: int) -> list[Stat]:
    capacity = round_up(img.virtual_size, 512) if img.format == "raw" else img.virtual_size
    return [(p + "allocation", ULLONG, allocation), (p + "capacity", ULLONG, capacity),
            (p + "physical", ULLONG, img.allocation)]
