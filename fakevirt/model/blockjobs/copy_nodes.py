"""Node indexes of a running domain's images: each new image QEMU opens gets the next one.

libvirtd numbers the images of a running domain (``index`` in the live XML, "libvirt-N-format" in
QEMU) from one counter that never goes back: an image a failed or aborted job opened keeps its
number, so the next one skips it.
"""

from __future__ import annotations

import weakref
from collections.abc import Iterator

from ..devices import Disk
from ..domaindef import DomainDef

_last: dict[int, tuple[weakref.ref[DomainDef], int]] = {}  # id(live definition) -> (it, last index)


def used_indexes(live: DomainDef) -> Iterator[int]:
    for disk in live.disks:
        if (idx := disk.source_attrs.get("index")) is not None and idx.isdigit():
            yield int(idx)
        if disk.backing is not None:
            yield from (n.index for n in disk.backing.nodes() if n.index is not None)
        if disk.mirror is not None:
            yield disk.mirror.index


def next_index(live: DomainDef) -> int:
    """The index the next image opened for ``live`` gets (and takes)."""
    for key, (ref, _) in list(_last.items()):
        if ref() is None:
            del _last[key]
    held = _last.get(id(live))
    last = held[1] if held is not None and held[0]() is live else 0
    idx = max(last, max(used_indexes(live), default=0)) + 1
    _last[id(live)] = (weakref.ref(live), idx)
    return idx


def node_of(disk: Disk) -> str:
    """The node name of the disk's active layer, as a job's name carries it."""
    return f"libvirt-{disk.source_attrs.get('index', '1')}-format"
