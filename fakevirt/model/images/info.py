"""qemu-img info, check and map, as the dicts their ``--output=json`` prints."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from ...errors import images as err
from .bitmaps import listing
from .image import FS_BLOCK, Image, round_up

if TYPE_CHECKING:
    from .store import ImageStore

_QCOW2_SPECIFIC = {"compat": "1.1", "compression-type": "zlib", "lazy-refcounts": False,
                   "refcount-bits": 16, "corrupt": False, "extended-l2": False}


def describe(store: ImageStore, img: Image) -> dict[str, Any]:
    """One ImageInfo object; the backing file is reported, not opened."""
    out: dict[str, Any] = {"virtual-size": img.virtual_size, "filename": img.path,
                           "format": img.format, "actual-size": img.allocation,
                           "dirty-flag": False}
    if img.format == "qcow2":
        out["cluster-size"] = img.cluster_size
        data: dict[str, Any] = dict(_QCOW2_SPECIFIC)
        if img.compat_v2:  # QEMU reports the v3 features only for v3
            data = {"compat": "0.10", "compression-type": "zlib", "refcount-bits": 16}
        if img.bitmaps:
            data["bitmaps"] = listing(img)
        out["format-specific"] = {"type": "qcow2", "data": data}
    if img.snapshots:
        out["snapshots"] = [s.as_json() for s in img.snapshots]
    if img.backing is not None:
        out["backing-filename"] = img.backing
        out["full-backing-filename"] = store.backing_path(img)
        if img.backing_format is not None:
            out["backing-filename-format"] = img.backing_format
    return out


def info(store: ImageStore, path: str) -> dict[str, Any]:
    """``qemu-img info``: works on an image whose backing file is missing."""
    return describe(store, store.open(path))


def info_chain(store: ImageStore, path: str) -> list[dict[str, Any]]:
    """``qemu-img info --backing-chain``: top first; a broken chain is an error."""
    return [describe(store, img) for img in store.opened_chain(path)]


def check(store: ImageStore, path: str) -> dict[str, Any]:
    """``qemu-img check``: the chain must open; the emulator's metadata is always consistent."""
    img = store.opened_chain(path)[0]
    if img.format != "qcow2":
        raise err.check_unsupported()
    return {"filename": img.path, "format": img.format, "check-errors": 0,
            "image-end-offset": img.allocation,
            "total-clusters": -(-img.virtual_size // img.cluster_size),
            "allocated-clusters": len(img.clusters.data)}


Extent = tuple[int, int, int, bool, bool, bool]  # start, stop, depth, present, zero, data


def _raw_extents(img: Image, level: int, start: int, stop: int, out: list[Extent]) -> None:
    """A raw file is all "present"; its data is what a sparse file would hold."""
    cs = img.cluster_size
    pos = start
    for idx in img.clusters.data_in(start // cs, -(-stop // cs)):
        buf = img.clusters.data[idx]
        c0 = idx * cs
        d0, d1 = max(c0, start), min(c0 + round_up(len(buf), FS_BLOCK), c0 + cs, stop)
        if d0 >= d1:
            continue
        if d0 > pos:
            out.append((pos, d0, level, True, True, False))
        out.append((d0, d1, level, True, False, True))
        pos = d1
    if stop > pos:
        out.append((pos, stop, level, True, True, False))


def _extents(chain: Sequence[Image], level: int, start: int, stop: int, out: list[Extent]) -> None:
    if level >= len(chain):
        out.append((start, stop, level - 1, False, True, False))
        return
    img = chain[level]
    if stop > img.virtual_size:
        if start < img.virtual_size:
            _extents(chain, level, start, img.virtual_size, out)
        out.append((max(start, img.virtual_size), stop, level - 1, False, True, False))
        return
    if img.format == "raw":
        _raw_extents(img, level, start, stop, out)
        return
    cs = img.cluster_size
    pos = start
    for lo, hi, buf in img.clusters.pieces(start // cs, -(-stop // cs)):
        c0, c1 = max(lo * cs, start), min(hi * cs, stop)
        if c0 > pos:
            _extents(chain, level + 1, pos, c0, out)
        zero = not buf
        out.append((c0, c1, level, True, zero, not zero))
        pos = c1
    if stop > pos:
        _extents(chain, level + 1, pos, stop, out)


def map_extents(store: ImageStore, path: str) -> list[dict[str, Any]]:
    """``qemu-img map --output=json`` without the host "offset" of data extents."""
    chain = store.opened_chain(path)
    raw: list[Extent] = []
    if chain[0].virtual_size:
        _extents(chain, 0, 0, chain[0].virtual_size, raw)
    merged: list[Extent] = []
    for ext in raw:
        if merged and merged[-1][1] == ext[0] and merged[-1][2:] == ext[2:]:
            merged[-1] = (merged[-1][0], ext[1], *ext[2:])
        else:
            merged.append(ext)
    return [{"start": s, "length": e - s, "depth": d, "present": p, "zero": z, "data": x}
            for s, e, d, p, z, x in merged]
