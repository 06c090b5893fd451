"""Zero ranges are stored as ranges: no image operation costs time or memory proportional to a size.

Each test drives an operation over the largest image qcow2 allows (2^61 bytes with 2 MiB clusters,
2^51 with 64 KiB ones) and asserts on what is stored (data clusters plus zero runs), which stays
a handful; before zero runs existed these took hours and gigabytes.
"""

from __future__ import annotations

import pytest

from fakevirt.model.images import Image, ImageStore
from fakevirt.model.images.clusters import ClusterMap

MiB = 1024 * 1024
HUGE = [(1 << 51, 65536), (1 << 61, 2 * MiB)]  # qcow2's limits: 2^19 * cluster_size^2


def stored(img: Image) -> int:
    """Entries the model keeps for ``img``: data clusters plus runs of zero clusters."""
    return len(img.clusters.data) + len(img.clusters.zero_runs())


@pytest.fixture
def store() -> ImageStore:
    return ImageStore()


def backed(store: ImageStore, size: int, cs: int) -> Image:
    """A qcow2 base of ``size`` bytes with data at both ends, and an empty 1 MiB overlay."""
    store.create("/v/base.qcow2", "qcow2", size, cluster_size=cs)
    store.write("/v/base.qcow2", 0, b"head")
    store.write("/v/base.qcow2", size - 4, b"tail")
    return store.create("/v/top.qcow2", "qcow2", MiB, "base.qcow2", "qcow2", cluster_size=cs)


@pytest.mark.parametrize(("size", "cs"), HUGE)
def test_resize_over_a_larger_backing_file_stores_one_zero_run(store: ImageStore, size: int, cs: int) -> None:
    top = backed(store, size, cs)
    store.write("/v/top.qcow2", 0, b"mine")
    store.resize("/v/top.qcow2", size)
    assert top.virtual_size == size and stored(top) == 2
    assert store.read("/v/top.qcow2", size - 8, 8) == bytes(8)  # the backing's tail is hidden
    assert store.read("/v/top.qcow2", 0, 4) == b"mine"
    extents = store.map("/v/top.qcow2")
    assert len(extents) <= 4 and extents[-1]["zero"] and extents[-1]["present"]
    # qcow2 writes an L2 entry per zeroed cluster: the allocation grows, computed not counted
    per_l2_bytes = cs * (cs // 8)
    assert top.allocation >= (size // per_l2_bytes) * cs
    assert store.check("/v/top.qcow2")["allocated-clusters"] == 1


@pytest.mark.parametrize(("size", "cs"), HUGE)
def test_write_zeroes_and_shrink(store: ImageStore, size: int, cs: int) -> None:
    img = store.create("/v/a.qcow2", "qcow2", size, cluster_size=cs)
    store.write("/v/a.qcow2", 3 * cs + 5, b"x" * (2 * cs))
    store.write("/v/a.qcow2", cs, b"y")
    store.write_zeroes("/v/a.qcow2", cs + 1, size - cs - 1)
    assert stored(img) == 2  # the partial first cluster, then one run to the end
    assert store.read("/v/a.qcow2", 3 * cs, 2 * cs) == bytes(2 * cs) and store.read("/v/a.qcow2", cs, 2) == b"y\0"
    store.write("/v/a.qcow2", size // 2, b"mid")  # splits the run
    assert stored(img) == 4 and store.read("/v/a.qcow2", size // 2 - 1, 5) == b"\0mid\0"
    store.resize("/v/a.qcow2", size // 2 + cs, shrink=True)
    assert stored(img) == 3 and store.read("/v/a.qcow2", size // 2, 3) == b"mid"
    store.resize("/v/a.qcow2", size // 2, shrink=True)
    assert stored(img) == 2


@pytest.mark.parametrize(("size", "cs"), HUGE)
def test_chain_operations_scale_with_what_is_allocated(store: ImageStore, size: int, cs: int) -> None:
    top = backed(store, size, cs)
    store.resize("/v/top.qcow2", size)
    store.write("/v/top.qcow2", size // 3, b"three")
    # convert flattens: zeros are skipped, only data is copied
    flat = store.convert("/v/top.qcow2", "/v/flat.qcow2", cluster_size=cs)
    assert stored(flat) == 2 and store.compare("/v/top.qcow2", "/v/flat.qcow2") is None
    snap = store.snapshot_create("/v/top.qcow2", "s1")
    assert len(snap.clusters.zero_runs()) == 2 and snap.clusters.data == top.clusters.data
    # rebase onto nothing: what the old backing showed is copied up (only its data clusters)
    store.rebase("/v/flat.qcow2", None)
    store.rebase("/v/top.qcow2", None)
    assert stored(top) <= 5 and store.read("/v/top.qcow2", 0, 4) == b"head"
    assert store.compare("/v/top.qcow2", "/v/flat.qcow2") is None
    store.write("/v/flat.qcow2", size - 600, b"!")
    assert store.compare("/v/top.qcow2", "/v/flat.qcow2") == size - 1024


@pytest.mark.parametrize(("size", "cs"), HUGE)
def test_commit_of_a_mostly_empty_overlay(store: ImageStore, size: int, cs: int) -> None:
    store.create("/v/base.qcow2", "qcow2", size, cluster_size=cs)
    store.write("/v/base.qcow2", size - 4, b"tail")
    top = store.create("/v/top.qcow2", "qcow2", backing="base.qcow2", backing_fmt="qcow2", cluster_size=cs)
    store.write_zeroes("/v/top.qcow2", size // 2, size // 2)
    store.write("/v/top.qcow2", 7, b"seven")
    store.commit("/v/top.qcow2")
    base = store.open("/v/base.qcow2")
    assert stored(base) == 2 and not top.clusters
    assert store.read("/v/base.qcow2", size - 4, 4) == bytes(4) and store.read("/v/top.qcow2", 7, 5) == b"seven"


def test_sparse_download_of_a_huge_zero_run(store: ImageStore) -> None:
    from fakevirt.model.images.chain import data_ranges

    size, cs = HUGE[1]
    backed(store, size, cs)
    store.resize("/v/top.qcow2", size)
    # the backing's hidden tail may be read (it reads zeros), never the zero run in between
    assert data_ranges(store.chain("/v/top.qcow2"), size) in ([(0, cs)], [(0, cs), (size - cs, size)])


def test_cluster_map_runs() -> None:
    m = ClusterMap()
    m.zero(10, 20)
    m.set(15, b"x")
    m.zero(20, 30)
    m.set(12, b"")
    assert m.zero_runs() == [(10, 15), (16, 30)] and m.data == {15: b"x"}
    assert m.get(9) is None and m.get(10) == b"" and m[15] == b"x" and 16 in m and 30 not in m
    m.discard(11, 29)
    assert m.zero_runs() == [(10, 11), (29, 30)] and not m.data
    m.zero(11, 29)
    assert m.zero_runs() == [(10, 30)] and len(m) == 20
    assert m.pieces(12, 14) == [(12, 14, b"")] and m.l2_tables(8) == 3
    other = m.copy()
    other.set(25, b"y")
    assert m.minus(other).zero_runs() == [(25, 26)] and other.minus(m).data == {25: b"y"}
    m.discard(0)
    assert not m and m == {}
