"""An image file brought up to date in place, writing what changed rather than the whole image.

raw: the changed chunks are written (and dropped ones punched out) where they are. A crash can
leave part of a change that was never acknowledged, as a real disk would; what was acknowledged is
on disk already.

qcow2: nothing in use is overwritten. New data clusters and new tables (the active L1/L2s, those of
new internal snapshots, the snapshot table and refcounts counting only what is used; an existing
snapshot's tables are kept where they are) go after the end of the file and are made durable; then one sector, the header, switches to them. A crash before the switch leaves the
old header and its untouched tables (what lies after them is unreferenced, with no refcount: not a
leak); after it, the new ones, where the old tables are free clusters (refcount 0, not leaks either).
When the file has grown past twice what is in use it is rewritten whole (through a rename), so its
size stays proportional to the image.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import os
from dataclasses import dataclass, field
from pathlib import Path

from ..model.images import qcow2
from ..model.images.image import Image, round_up
from ..model.images.interop import write_image

SECTOR = 512  # the header is switched with one write no larger than this
_PUNCH_HOLE = 0x02 | 0x01  # FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE
_libc = ctypes.CDLL(ctypes.util.find_library("c") or None, use_errno=True)


@dataclass
class ImageFile:
    """What one image file holds, as the last write left it (``image`` None: unknown)."""

    image: Image | None = None  # the copy last written; it keeps its buffers (and so their ids) alive
    placed: dict[tuple[int, int], int] = field(default_factory=dict)  # qcow2: (index, id(buffer)) -> offset
    trees: dict[qcow2.TreeKey, qcow2.TreeAt] = field(default_factory=dict)  # qcow2: its snapshots' tables
    size: int = 0

    def forget(self) -> None:
        self.image, self.placed, self.trees, self.size = None, {}, {}, 0

    def written(self, img: Image, lay: qcow2.Layout | None = None) -> None:
        """``img`` is now what the file holds (``lay``: where a qcow2 file has its clusters)."""
        self.image = img
        self.placed = lay.placed if lay is not None else {}
        self.trees = lay.trees if lay is not None else {}
        self.size = lay.size if lay is not None else img.virtual_size


def backing_of(img: Image) -> tuple[str, str] | None:
    return (img.backing, img.backing_format or "") if img.backing else None


def update(path: str, img: Image, state: ImageFile) -> bool:
    """Bring the file at ``path`` from ``state`` to ``img`` in place and make it durable; False
    (nothing written) when it has to be written whole instead."""
    old = state.image
    if old is None or old.format != img.format or old.cluster_size != img.cluster_size:
        return False
    try:
        fd = os.open(path, os.O_WRONLY)
    except FileNotFoundError:
        return False
    try:
        if os.fstat(fd).st_size != state.size:
            return False
        done = _raw(fd, old, img) if img.format == "raw" else _qcow2(fd, img, state)
    finally:
        os.close(fd)
    if done and img.format == "raw":
        state.written(img)
    return done


def _raw(fd: int, old: Image, img: Image) -> bool:
    chunk, size = img.cluster_size, img.virtual_size
    before, after = old.clusters.data, img.clusters.data
    if size != old.virtual_size:
        os.ftruncate(fd, size)
    for idx, buf in after.items():
        if before.get(idx) is not buf and idx * chunk < size:
            os.pwrite(fd, bytes(buf).ljust(min(chunk, size - idx * chunk), b"\0"), idx * chunk)
    for idx in before.keys() - after.keys():
        if idx * chunk < size and _libc.fallocate(fd, _PUNCH_HOLE, ctypes.c_int64(idx * chunk),
                                                  ctypes.c_int64(min(chunk, size - idx * chunk))) != 0:
            os.pwrite(fd, bytes(min(chunk, size - idx * chunk)), idx * chunk)
    os.fdatasync(fd)
    return True


def _qcow2(fd: int, img: Image, state: ImageFile) -> bool:
    cs = img.cluster_size
    lay = qcow2.layout(img, backing_of(img), reuse=state.placed, start=round_up(state.size, cs), kept=state.trees)
    if lay.size > 2 * len(lay.refcounts) * cs + 16 * cs:  # mostly free clusters: compact instead
        return False
    header = [data for offset, data in lay.writes if offset == 0]
    if len(header) != 1 or len(header[0]) > SECTOR:
        return False
    for offset, data in lay.writes:
        if offset:
            os.pwrite(fd, data, offset)
    os.ftruncate(fd, lay.size)
    os.fdatasync(fd)  # the new tables are durable before the header points to them
    os.pwrite(fd, header[0].ljust(SECTOR, b"\0"), 0)
    os.fdatasync(fd)
    state.written(img, lay)
    return True


def write_whole(path: str, img: Image) -> qcow2.Layout | None:
    """The whole image into a new file at ``path`` (not yet durable); a qcow2 file's layout."""
    if img.format == "raw":
        write_image(img, Path(path))
        return None
    lay = qcow2.layout(img, backing_of(img))
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    try:
        for offset, data in lay.writes:
            os.pwrite(fd, data, offset)
        os.ftruncate(fd, lay.size)
    finally:
        os.close(fd)
    return lay
