"""A disk as it was when a backup began, while the guest keeps writing (copy-before-write).

Before a guest write lands, the clusters it touches that were not saved yet are copied aside as
the guest saw them; a read of the view takes saved clusters from there and the rest from the live
chain.  Saved clusters are immutable ``bytes`` (usually shared with the image), so a read hands
out views of them instead of copies; every cost is proportional to the clusters and runs a call
touches, never to the disk's size or to a length the client chose.
"""

from __future__ import annotations

from bisect import bisect_right
from collections.abc import Sequence
from dataclasses import dataclass, field

from ..images import chain as rw
from ..images.bitmaps import Bitmap
from ..images.image import Image
from ..images.store import ImageStore

HOLE, ZERO = 1, 2  # NBD base:allocation flags
DIRTY = 1  # NBD qemu:dirty-bitmap flag
FIRST_WINDOW = 16  # clusters a status query looks at first; the window doubles until it has enough

Segment = tuple[int, int, "memoryview | None"]  # [start, stop) guest bytes, data (zero-padded) or zeros


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

    def segments(self, offset: int, length: int) -> list[Segment]:
        """[offset, offset+length) as it was at the start, in order: views of the data (shorter
        than the segment when the rest is zeros) or None for zeros (range already checked)."""
        stop = min(offset + length, self.size)
        chain = self.store.chain(self.path)
        out: list[Segment] = []
        cs, pos = self.cluster, offset
        for idx in self._saved_in(offset // cs, -(-stop // cs)):
            lo, hi = max(idx * cs, offset), min(idx * cs + cs, stop)
            if lo > pos:
                _chain_segments(chain, pos, lo, out)
            buf = memoryview(self.saved[idx])[lo - idx * cs: hi - idx * cs]
            out.append((lo, hi, buf if buf else None))
            pos = hi
        if stop > pos:
            _chain_segments(chain, pos, stop, out)
        return out

    def read(self, offset: int, length: int) -> bytes:
        """Bytes [offset, offset+length) as they were at the start (range already checked)."""
        out = bytearray(length)
        for a, _, buf in self.segments(offset, length):
            if buf is not None:
                out[a - offset: a - offset + len(buf)] = buf
        return bytes(out)

    def extents(self, offset: int, length: int, limit: int | None = None) -> list[tuple[int, int]]:
        """base:allocation: (length, flags) pieces from ``offset``, at most ``limit`` of them.

        The range is looked at in windows that double in size until ``limit`` extents are
        complete, so a client asking for one extent of a large disk costs what that extent holds."""
        stop = min(offset + length, self.size)
        out: list[list[int]] = []
        pos, window = offset, FIRST_WINDOW * self.cluster
        while pos < stop:
            hi = min(stop, pos + window)
            for a, b, buf in self.segments(pos, hi - pos):
                flags = 0 if buf is not None else HOLE | ZERO
                if out and out[-1][1] == flags:
                    out[-1][0] += b - a
                else:
                    out.append([b - a, flags])
            pos, window = hi, window * 2
            if limit is not None and len(out) > limit:
                break
        return [(n, f) for n, f in out[:limit]]

    def dirty_extents(self, offset: int, length: int, limit: int | None = None) -> list[tuple[int, int]]:
        """qemu:dirty-bitmap:NAME: (length, DIRTY or 0) pieces from ``offset``, at most ``limit``."""
        stop = min(offset + length, self.size)
        runs = self.dirty.runs if self.dirty is not None else []
        out: list[tuple[int, int]] = []
        pos = offset
        i = max(bisect_right(runs, (offset, stop)) - 1, 0)
        while pos < stop and (limit is None or len(out) < limit):
            if i < len(runs) and runs[i][1] <= pos:
                i += 1
                continue
            if i < len(runs) and runs[i][0] <= pos:
                end, flags = min(runs[i][1], stop), DIRTY
            else:
                end, flags = min(runs[i][0] if i < len(runs) else stop, stop), 0
            out.append((end - pos, flags))
            pos = end
        return out

    def dirty_ranges(self) -> list[tuple[int, int]]:
        return self.dirty.dirty_ranges(self.size) if self.dirty is not None else [(0, self.size)]



def _chain_segments(chain: Sequence[Image], offset: int, end: int, out: list[Segment]) -> None:
    """Segments of guest bytes [offset, end) as the live chain shows them: views of its buffers."""
    for a, b, buf, at in rw.walk(chain, offset, end):
        view = memoryview(buf)[a - at: b - at] if buf else None
        out.append((a, b, view if view else None))
