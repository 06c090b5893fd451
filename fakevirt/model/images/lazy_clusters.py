"""A cluster map read from a real file on demand: copy-on-read, writes stay in memory.

``HostClusters`` is a ``ClusterMap`` whose allocation comes from a ``ClusterSource`` (a qcow2 L2
table, a raw file's extents) one region at a time, the first time a range is looked at, and whose
data clusters are read when first read.  From then on the cluster lives in memory like any other:
a write replaces it there and never reaches the file.  Operations over a range cost what that
range holds; only whole-map operations (``data``, ``items``, ``copy`` of a full export …) read
the whole file.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import Protocol

from .clusters import ClusterMap, Piece, keys_in

ZERO = -1  # a region entry: the cluster reads as zeros without data (qcow2's zero flag)


class ClusterSource(Protocol):
    """Where a lazily read image's clusters come from (the model never opens files itself)."""

    region_clusters: int  # clusters one region() call describes
    regions: int  # regions the file describes; clusters past them are unallocated
    zero_clusters: bool  # an all-zero data cluster stays allocated (qcow2) or is a hole (raw)
    file_size: int  # st_size
    disk_usage: int  # st_blocks * 512

    def region(self, r: int) -> Iterable[tuple[int, int]]:
        """(cluster index, entry) of the allocated clusters of region ``r``; entry ZERO or a
        descriptor that load() reads."""
        ...

    def load(self, entry: int) -> bytes:
        """The cluster's bytes (at most one cluster, a missing tail reads as zeros)."""
        ...


class HostClusters(ClusterMap):
    """A ClusterMap filled from a ClusterSource as ranges are first used."""

    __slots__ = ("_src", "_resolved", "_pending", "_extra", "_cs")

    def __init__(self, src: ClusterSource, cluster_size: int) -> None:
        super().__init__()
        self._src = src
        self._cs = cluster_size
        self._resolved: set[int] = set()  # regions whose allocation is folded in
        self._pending: dict[int, int] = {}  # data clusters not read yet: index -> entry
        self._extra = 0  # clusters written in memory where the file had none

    # -- reading the file ----------------------------------------------------------------------

    def _regions(self, lo: int, hi: float) -> range:
        r = self._src.region_clusters
        last = self._src.regions if hi == float("inf") else min(self._src.regions, -(-int(hi) // r))
        return range(lo // r, last)

    def _resolve(self, lo: int, hi: float, *, overwrite: bool = False) -> None:
        """Fold the file's allocation of clusters [lo, hi) in; a region that ``overwrite``
        replaces wholly is marked resolved without reading it."""
        size = self._src.region_clusters
        for r in self._regions(lo, hi):
            if r in self._resolved:
                continue
            if overwrite and lo <= r * size and (r + 1) * size <= hi:
                self._resolved.add(r)
                continue
            entries = list(self._src.region(r))  # a failed read leaves the region unresolved
            self._resolved.add(r)
            for idx, entry in entries:
                if entry == ZERO:
                    super().zero(idx, idx + 1)
                else:
                    self._pending[idx] = entry

    def _pending_in(self, lo: int, hi: float) -> list[int]:
        return keys_in(self._pending, lo, hi)

    def _load(self, lo: int, hi: float) -> None:
        """Resolve [lo, hi) and read its data clusters into memory (copy-on-read)."""
        self._resolve(lo, hi)
        for idx in self._pending_in(lo, hi):
            buf = self._src.load(self._pending[idx]).rstrip(b"\0")
            del self._pending[idx]
            if buf:
                super().set(idx, buf)
            elif self._src.zero_clusters:
                super().zero(idx, idx + 1)

    def _load_all(self) -> None:
        self._load(0, float("inf"))

    def _drop(self, lo: int, hi: float) -> None:
        self._resolve(lo, hi, overwrite=True)
        for idx in self._pending_in(lo, hi):
            del self._pending[idx]

    # -- ClusterMap ----------------------------------------------------------------------------

    @property
    def data(self) -> dict[int, bytes]:
        self._load_all()
        return self._data

    @data.setter
    def data(self, value: dict[int, bytes]) -> None:
        self._load_all()
        self._data = value

    def get(self, idx: int) -> bytes | None:
        self._load(idx, idx + 1)
        return super().get(idx)

    def set(self, idx: int, buf: bytes) -> None:
        self._resolve(idx, idx + 1)
        if buf and idx not in self._data and self._pending.pop(idx, None) is None:
            self._extra += 1
        self._pending.pop(idx, None)
        super().set(idx, buf)

    def data_in(self, lo: int, hi: float) -> list[int]:
        self._resolve(lo, hi)
        own = super().data_in(lo, hi)
        pending = self._pending_in(lo, hi)
        return sorted(own + pending) if pending else own

    def zero(self, lo: int, hi: int) -> None:
        if lo < hi:
            self._drop(lo, hi)
        super().zero(lo, hi)

    def discard(self, lo: int, hi: float = float("inf")) -> None:
        self._drop(lo, hi)
        super().discard(lo, hi)

    def pieces(self, lo: int, hi: float = float("inf")) -> list[Piece]:
        self._load(lo, hi)
        return super().pieces(lo, hi)

    def zero_runs(self) -> list[tuple[int, int]]:
        self._resolve(0, float("inf"))
        return super().zero_runs()

    def copy(self) -> ClusterMap:
        """A second map over the same file, sharing what is already in memory."""
        out = HostClusters(self._src, self._cs)
        out._data, out._runs = dict(self._data), list(self._runs)
        out._resolved, out._pending, out._extra = set(self._resolved), dict(self._pending), self._extra
        return out

    def host_file(self) -> tuple[int, int] | None:
        grown = self._extra * self._cs
        return self._src.file_size + grown, self._src.disk_usage + grown

    def __bool__(self) -> bool:
        self._resolve(0, float("inf"))
        return bool(self._pending) or super().__bool__()

    def __len__(self) -> int:
        self._resolve(0, float("inf"))
        return len(self._pending) + super().__len__()

    def __iter__(self) -> Iterator[int]:
        self._load_all()
        return super().__iter__()

    def __repr__(self) -> str:
        return (f"HostClusters({len(self._data)} read, {len(self._pending)} pending, "
                f"{len(self._resolved)}/{self._src.regions} regions)")
