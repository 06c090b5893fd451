"""The clusters one image (or one internal snapshot) allocates.

Data clusters are immutable ``bytes`` by index (shared between trees the way qcow2 shares them by
refcount); qcow2's "reads as zero" clusters are kept as sorted runs of indices, so zeroing,
growing over a larger backing file or punching a hole costs O(runs), never O(size).  A cluster
is in at most one of the two; an index in neither is unallocated (it reads from the backing chain).
"""

from __future__ import annotations

from bisect import bisect_left, bisect_right
from collections.abc import Iterator, Mapping
from heapq import merge

_END = float("inf")

Piece = tuple[int, int, bytes]  # [first, stop) cluster indices, the data (b"": zero clusters)


def keys_in(d: Mapping[int, object], lo: int, hi: float) -> list[int]:
    """Sorted keys of ``d`` in [lo, hi): O(min(len(d), hi - lo))."""
    if len(d) < hi - lo:
        return sorted(i for i in d if lo <= i < hi)
    return [i for i in range(lo, int(hi)) if i in d]


class ClusterMap:
    """Data clusters plus runs of zero clusters; ``b""`` stands for a zero cluster everywhere."""

    __slots__ = ("_data", "_runs", "writes")

    def __init__(self) -> None:
        self._data: dict[int, bytes] = {}  # non-empty buffers only
        self._runs: list[tuple[int, int]] = []  # sorted, disjoint, never touching
        self.writes = 0  # bumped by every change: how --state tells a changed image without reading it

    @property
    def data(self) -> dict[int, bytes]:
        """The data clusters by index (a lazily read map reads all of them first)."""
        return self._data

    @data.setter
    def data(self, value: dict[int, bytes]) -> None:
        self._data = value
        self.writes += 1

    @classmethod
    def of(cls, clusters: dict[int, bytes]) -> ClusterMap:
        """From ``{index: bytes}``, ``b""`` being a zero cluster."""
        out = cls()
        for idx in sorted(clusters):
            out.set(idx, clusters[idx])
        return out

    def copy(self) -> ClusterMap:
        """A second map sharing every buffer (what an internal snapshot keeps)."""
        out = ClusterMap()
        out._data, out._runs = dict(self.data), list(self._runs)
        return out

    # -- one cluster ---------------------------------------------------------------------------

    def get(self, idx: int) -> bytes | None:
        buf = self._data.get(idx)
        if buf is not None:
            return buf
        i = bisect_right(self._runs, (idx, _END)) - 1
        return b"" if i >= 0 and self._runs[i][1] > idx else None

    def __contains__(self, idx: object) -> bool:
        return isinstance(idx, int) and self.get(idx) is not None

    def __getitem__(self, idx: int) -> bytes:
        buf = self.get(idx)
        if buf is None:
            raise KeyError(idx)
        return buf

    def __setitem__(self, idx: int, buf: bytes) -> None:
        self.set(idx, buf)

    def set(self, idx: int, buf: bytes) -> None:
        if not buf:
            self.zero(idx, idx + 1)
            return
        self._cut(idx, idx + 1)
        self._data[idx] = buf
        self.writes += 1

    # -- ranges of clusters --------------------------------------------------------------------

    def data_in(self, lo: int, hi: float) -> list[int]:
        """Sorted indices of data clusters in [lo, hi): O(min(data clusters, hi - lo))."""
        return keys_in(self._data, lo, hi)

    def _cut(self, lo: int, hi: float) -> None:
        """Remove [lo, hi) from the zero runs."""
        runs = self._runs
        i = max(bisect_right(runs, (lo, _END)) - 1, 0)
        j = i
        keep: list[tuple[int, int]] = []
        while j < len(runs) and runs[j][0] < hi:
            a, b = runs[j]
            if b <= lo:
                keep.append((a, b))
            else:
                if a < lo:
                    keep.append((a, lo))
                if b > hi:
                    keep.append((int(hi), b))
            j += 1
        runs[i:j] = keep

    def zero(self, lo: int, hi: int) -> None:
        """Make clusters [lo, hi) zero clusters."""
        if lo >= hi:
            return
        self.writes += 1
        for idx in self.data_in(lo, hi):
            del self._data[idx]
        runs = self._runs
        i = bisect_left(runs, (lo, -1))
        if i > 0 and runs[i - 1][1] >= lo:
            i -= 1
        j = i
        while j < len(runs) and runs[j][0] <= hi:
            lo, hi = min(lo, runs[j][0]), max(hi, runs[j][1])
            j += 1
        runs[i:j] = [(lo, hi)]

    def discard(self, lo: int, hi: float = _END) -> None:
        """Unallocate clusters [lo, hi) (all from ``lo`` on by default)."""
        self.writes += 1
        for idx in self.data_in(lo, hi):
            del self._data[idx]
        self._cut(lo, hi)

    def pieces(self, lo: int, hi: float = _END) -> list[Piece]:
        """The allocated clusters in [lo, hi), in order: one piece per data cluster, one per run."""
        data = [(i, i + 1, self._data[i]) for i in self.data_in(lo, hi)]
        runs = self._runs
        k = max(bisect_right(runs, (lo, _END)) - 1, 0)
        zeros: list[Piece] = []
        while k < len(runs) and runs[k][0] < hi:
            a, b = runs[k]
            if b > lo:
                zeros.append((max(a, lo), int(min(b, hi)), b""))
            k += 1
        return list(merge(data, zeros, key=lambda p: p[0]))

    def zero_runs(self) -> list[tuple[int, int]]:
        return list(self._runs)

    def minus(self, other: ClusterMap) -> ClusterMap:
        """The entries of this map that ``other`` does not hold identically (a snapshot's own)."""
        out = ClusterMap()
        out.data = {i: b for i, b in self.data.items() if other.data.get(i) is not b}
        for a, b in self._runs:
            out._runs.append((a, b))
        for a, b in other._runs:
            out._cut(a, b)
        return out

    def l2_tables(self, per_l2: int) -> int:
        """How many L2 tables (of ``per_l2`` entries) hold at least one allocated entry."""
        groups = [(i // per_l2, i // per_l2 + 1) for i in sorted(self.data)]
        groups = list(merge(groups, [(a // per_l2, (b - 1) // per_l2 + 1) for a, b in self._runs]))
        count, end = 0, -1
        for a, b in groups:
            a = max(a, end)
            if b > a:
                count += b - a
                end = b
        return count

    def host_file(self) -> tuple[int, int] | None:
        """(st_size, st_blocks * 512) of the real file these clusters are read from, what was
        written in memory added; None for emulated images."""
        return None

    # -- the whole map -------------------------------------------------------------------------

    def __bool__(self) -> bool:
        return bool(self._data or self._runs)

    def __len__(self) -> int:
        """Allocated clusters (data and zero)."""
        return len(self._data) + sum(b - a for a, b in self._runs)

    def __iter__(self) -> Iterator[int]:
        """Allocated indices in order; O(allocated clusters): for small images and tests."""
        for a, b, _ in self.pieces(0):
            yield from range(a, b)

    def items(self) -> Iterator[tuple[int, bytes]]:
        """(index, bytes) in order, zero runs expanded: O(allocated clusters), for export."""
        for a, b, buf in self.pieces(0):
            for idx in range(a, b):
                yield idx, buf

    def __eq__(self, other: object) -> bool:
        if isinstance(other, dict):
            other = ClusterMap.of(other)
        if not isinstance(other, ClusterMap):
            return NotImplemented
        return self.data == other.data and self._runs == other._runs

    __hash__ = None  # type: ignore[assignment]

    def __repr__(self) -> str:
        return f"ClusterMap({len(self.data)} data, zero runs {self._runs[:4]}{'…' if len(self._runs) > 4 else ''})"
