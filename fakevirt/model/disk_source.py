"""A disk's source moving into its chain and back (an overlay on top, a pivot down to a base).

A type='volume' source stays a volume: under an overlay it is a <backingStore type='volume'> naming
the pool and volume, and it comes back as the disk's own source when a commit or copy pivots to it.
A live definition keeps the volume's file beside it (``volume_path``); a persistent one has none.
"""

from __future__ import annotations

from .device_parts import BackingStore
from .devices import Disk


def as_backing(disk: Disk, index: int | None, below: BackingStore | None) -> BackingStore:
    """The <backingStore> node the disk's current source becomes under a new overlay."""
    fmt = disk.driver_type or "raw"
    if disk.type == "volume":
        attrs = {k: v for k, v in (("pool", disk.source_pool), ("volume", disk.source_volume)) if v}
        return BackingStore("volume", index, fmt, None, attrs, backing=below, volume_path=disk.volume_path)
    return BackingStore("block" if disk.type == "block" else "file", index, fmt, disk.source or "", backing=below)


def take_node(disk: Disk, node: BackingStore, *, live: bool) -> None:
    """The disk's source becomes the image ``node`` describes, with its format (not its index)."""
    if node.type == "volume":
        pool, vol = node.source_attrs.get("pool"), node.source_attrs.get("volume")
        disk.type, disk.source = "volume", f"{pool}/{vol}"
        disk.volume_path = node.volume_path if live else None
    else:
        disk.type = "block" if node.type == "block" else "file"
        disk.source, disk.volume_path = node.source, None
    disk.driver_type = node.format


def same_source(a: Disk, b: Disk) -> bool:
    """virStorageSourceIsSameLocation for a live disk and its persistent twin: one file, or one pool volume."""
    if a.type == "volume" or b.type == "volume":
        return a.type == b.type and a.source == b.source
    return a.image_path is not None and a.image_path == b.image_path
