"""A running disk's backing chain as libvirt sees it (the live <source> and <backingStore> nodes).

Block jobs name images by path or as "vda[3]" (target and node index), look them up from the top
or beneath an image (virStorageSourceChainLookup), and cut nodes out of the chain when a job ends.
"""

from __future__ import annotations

import posixpath
import re
from dataclasses import dataclass

from ...errors import blockjob as err
from ..device_parts import BackingStore
from ..devices import Disk

_INDEXED = re.compile(r"^(?P<dst>[^\[\]]+)\[(?P<index>\d+)\]$")


@dataclass
class Layer:
    """One image of the chain: the disk's source (node None) or a <backingStore> node."""

    path: str
    format: str
    index: int | None
    node: BackingStore | None

    @property
    def node_name(self) -> str:
        return f"libvirt-{self.index if self.index is not None else 1}-format"


def layers(disk: Disk) -> list[Layer]:
    """The disk's images, top first."""
    idx = disk.source_attrs.get("index")
    out = [Layer(disk.image_path or "", disk.driver_type or "raw",
                 int(idx) if idx is not None and idx.isdigit() else None, None)]
    for node in disk.backing.nodes() if disk.backing is not None else []:
        out.append(Layer(node.image_path or "", node.format or "raw", node.index, node))
    return out


def lookup(chain: list[Layer], name: str, dst: str, start: int = 0) -> int | None:
    """The position of ``name`` (a path or "dst[index]") in ``chain`` at or below ``start``."""
    m = _INDEXED.match(name)
    for pos in range(start, len(chain)):
        layer = chain[pos]
        if m is not None:
            if m["dst"] == dst and layer.index == int(m["index"]):
                return pos
        elif layer.path == posixpath.normpath(name):
            return pos
    return None


def find_top(chain: list[Layer], top: str | None, dst: str) -> int:
    if not top or top == dst:
        return 0
    pos = lookup(chain, top, dst)
    if pos is None:
        raise err.image_not_in_chain(top, dst)
    return pos


def find_base(chain: list[Layer], base: str | None, top: int, dst: str) -> int:
    """The base beneath ``top``: named, or the bottom of the chain."""
    if base:
        pos = lookup(chain, base, dst, top + 1)
        if pos is None:
            raise err.image_not_beneath(base, chain[top].path, dst)
        return pos
    if len(chain) <= top + 1:
        raise err.no_base(dst)
    return len(chain) - 1


def link(disk: Disk, chain: list[Layer], above: int, base: int | None) -> None:
    """Make layer ``above`` back onto layer ``base`` (None: onto nothing): the layers between leave."""
    below = chain[base].node if base is not None else BackingStore()
    node = chain[above].node
    if node is None:
        disk.backing = below
    else:
        node.backing = below


def link_config(disk: Disk | None, removed: list[str], base: str | None) -> None:
    """The same cut in a persistent definition's chain, when it describes these images."""
    if disk is None or disk.backing is None:
        return
    cfg = layers(disk)
    paths = [layer.path for layer in cfg]
    if not removed or removed[0] not in paths or removed[0] == paths[0]:
        return
    pos = paths.index(base) if base is not None and base in paths else None
    link(disk, cfg, paths.index(removed[0]) - 1, pos)
