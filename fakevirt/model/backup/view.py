"""A disk as it was when a backup began, while the guest keeps writing (copy-before-write).

Before a guest write lands, the clusters it touches that were not saved yet are copied aside as
the guest saw them; a read of the view takes saved clusters from there and the rest from the live
chain.  Saved clusters are immutable ``bytes`` (usually shared with the image), and every cost is
proportional to the clusters a call touches, never to the disk's size.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from ..images import chain as rw
from ..images.bitmaps import Bitmap
from ..images.store import ImageStore

HOLE, ZERO = 1, 2  # NBD base:allocation flags
DIRTY = 1  # NBD qemu:dirty-bitmap flag


@dataclass(eq=False)
class FrozenDisk:
    """The point-in-time view of one disk (its image path) of a running backup."""

    store: ImageStore
    path: str
    size: int
    cluster: int
    saved: dict[int, bytes] = field(default_factory=dict)
    dirty: Bitmap | None = None  # incremental: what changed since the checkpoint, frozen at start

    @classmethod
    def of(cls, store: ImageStore, path: str, dirty: Bitmap | None = None) -> FrozenDisk:
        img = store.open(path)
        return cls(store, img.path, img.virtual_size, img.cluster_size, dirty=dirty)

    def before_write(self, offset: int, length: int) -> None:
        """Save the clusters a guest write of [offset, offset+length) is about to change."""
        end = min(offset + length, self.size)
        if end <= offset:
            return
        chain = self.store.chain(self.path)
        for idx in range(offset // self.cluster, -(-end // self.cluster)):
            if idx not in self.saved:
                self.saved[idx] = rw.visible_cluster(chain, idx)

    @property
    def saved_bytes(self) -> int:
        return len(self.saved) * self.cluster

    def _saved_in(self, lo: int, hi: int) -> list[int]:
        if len(self.saved) < hi - lo:
            return sorted(i for i in self.saved if lo <= i < hi)
        return [i for i in range(lo, hi) if i in self.saved]

    def read(self, offset: int, length: int) -> bytes:
        """Bytes [offset, offset+length) as they were at the start (range already checked)."""
        out = bytearray(self.store.read(self.path, offset, length))
        cs = self.cluster
        for idx in self._saved_in(offset // cs, -(-(offset + length) // cs)):
            buf = self.saved[idx].ljust(cs, b"\0")
            lo, hi = max(idx * cs, offset), min(idx * cs + cs, offset + length)
            out[lo - offset: hi - offset] = buf[lo - idx * cs: hi - idx * cs]
        return bytes(out)

    def extents(self, offset: int, length: int) -> list[tuple[int, int]]:
        """base:allocation: (length, flags) pieces covering [offset, offset+length)."""
        stop = min(offset + length, self.size)
        pieces: list[tuple[int, int, int]] = [
            (a, b, 0 if data else HOLE | ZERO)
            for a, b, data in rw.decide(self.store.chain(self.path), offset, stop)]
        cs = self.cluster
        for idx in self._saved_in(offset // cs, -(-stop // cs)):
            lo, hi = max(idx * cs, offset), min(idx * cs + cs, stop)
            pieces = _overlay(pieces, lo, hi, 0 if self.saved[idx] else HOLE | ZERO)
        return _joined(pieces)

    def dirty_extents(self, offset: int, length: int) -> list[tuple[int, int]]:
        """qemu:dirty-bitmap:NAME: (length, DIRTY or 0) pieces of [offset, offset+length)."""
        stop = min(offset + length, self.size)
        pieces: list[tuple[int, int, int]] = [(offset, stop, 0)]
        for a, b in self.dirty.runs if self.dirty is not None else []:
            if a < stop and b > offset:
                pieces = _overlay(pieces, max(a, offset), min(b, stop), DIRTY)
        return _joined(pieces)

    def dirty_ranges(self) -> list[tuple[int, int]]:
        return self.dirty.dirty_ranges(self.size) if self.dirty is not None else [(0, self.size)]


def _overlay(pieces: list[tuple[int, int, int]], lo: int, hi: int, flags: int) -> list[tuple[int, int, int]]:
    out: list[tuple[int, int, int]] = []
    for a, b, f in pieces:
        if b <= lo or a >= hi:
            out.append((a, b, f))
            continue
        if a < lo:
            out.append((a, lo, f))
        out.append((max(a, lo), min(b, hi), flags))
        if b > hi:
            out.append((hi, b, f))
    return out


def _joined(pieces: list[tuple[int, int, int]]) -> list[tuple[int, int]]:
    out: list[list[int]] = []
    for a, b, f in pieces:
        if b <= a:
            continue
        if out and out[-1][1] == f:
            out[-1][0] += b - a
        else:
            out.append([b - a, f])
    return [(n, f) for n, f in out]
