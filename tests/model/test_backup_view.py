"""The point-in-time view a backup reads: segments that share the image's buffers, and
block-status extents whose cost follows the extents asked for."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from fakevirt.model.backup import FrozenDisk
from fakevirt.model.backup.view import HOLE, ZERO
from fakevirt.model.images import ImageStore
from fakevirt.model.images.bitmaps import Bitmap

CS = 65536
BASE, TOP = "/img/base.qcow2", "/img/top.qcow2"


def chain_store() -> ImageStore:
    store = ImageStore()
    store.create(BASE, "qcow2", 64 * CS)
    store.write(BASE, 0, b"b" * (10 * CS), force=True)
    store.create(TOP, "qcow2", 80 * CS, backing=BASE, backing_fmt="qcow2")
    store.write(TOP, 3 * CS + 5, b"t" * 100, force=True)
    store.write_zeroes(TOP, 6 * CS, 2 * CS, force=True)
    store.write(TOP, 70 * CS, b"x" * CS, force=True)  # past the base's end
    return store


@settings(max_examples=40, deadline=None)
@given(writes=st.lists(st.tuples(st.integers(0, 80 * CS - 1), st.integers(1, 3 * CS)), max_size=6),
       offset=st.integers(0, 80 * CS - 1), length=st.integers(0, 20 * CS))
def test_segments_and_read_give_the_bytes_at_the_start(writes, offset, length) -> None:
    store = chain_store()
    view = FrozenDisk.of(store, TOP)
    length = min(length, 80 * CS - offset)
    before = store.read(TOP, offset, length)
    for at, n in writes:
        n = min(n, 80 * CS - at)
        view.before_write(at, n)
        store.write(TOP, at, b"w" * n, force=True)
    segs = view.segments(offset, length)
    assert [a for a, _, _ in segs] == [offset] + [b for _, b, _ in segs[:-1]] if segs else length == 0
    joined = b"".join((bytes(buf) if buf is not None else b"").ljust(b - a, b"\0") for a, b, buf in segs)
    assert joined == before == view.read(offset, length)


def test_extents_with_a_limit_are_the_complete_first_ones() -> None:
    store = chain_store()
    view = FrozenDisk.of(store, TOP)
    everything = view.extents(0, 80 * CS)
    assert everything == [(6 * CS, 0), (2 * CS, HOLE | ZERO), (2 * CS, 0), (60 * CS, HOLE | ZERO), (CS, 0),
                          (9 * CS, HOLE | ZERO)]  # zero clusters read as holes
    assert [view.extents(0, 80 * CS, n) for n in (1, 2, 3)] == [everything[:n] for n in (1, 2, 3)]
    assert view.extents(12 * CS, 80 * CS - 12 * CS, 1) == [(58 * CS, HOLE | ZERO)]


def test_one_extent_of_a_huge_sparse_disk_looks_at_few_clusters() -> None:
    store = ImageStore()
    size = 1 << 40
    store.create(TOP, "qcow2", size)
    for i in range(2000):
        store.write(TOP, i * 2 * CS, b"d", force=True)
    store.write(TOP, size - CS, b"e", force=True)
    view = FrozenDisk.of(store, TOP)
    looked: list[int] = []
    segments = view.segments

    def counting(offset: int, length: int):  # type: ignore[no-untyped-def]
        out = segments(offset, length)
        looked.append(len(out))
        return out

    view.segments = counting  # type: ignore[method-assign]
    assert view.extents(0, size, 1) == [(CS, 0)]
    assert sum(looked) <= 32
    looked.clear()
    assert view.extents(4000 * CS, size - 4000 * CS, 1) == [(size - CS - 4000 * CS, HOLE | ZERO)]
    assert sum(looked) < 64


def test_dirty_extents_follow_the_bitmap_runs() -> None:
    store = chain_store()
    bm = Bitmap("c1", CS, runs=[(2 * CS, 4 * CS), (10 * CS, 11 * CS)])
    view = FrozenDisk.of(store, TOP, bm)
    assert view.dirty_extents(CS, 20 * CS) == [(CS, 0), (2 * CS, 1), (6 * CS, 0), (CS, 1), (10 * CS, 0)]
    assert view.dirty_extents(3 * CS, 20 * CS, 2) == [(CS, 1), (6 * CS, 0)]
    assert FrozenDisk.of(store, TOP).dirty_extents(0, 5 * CS) == [(5 * CS, 0)]
