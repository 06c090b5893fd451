"""Persistent dirty bitmaps in the qcow2 image model (qemu-img bitmap / block-dirty-bitmap-*)."""

from __future__ import annotations

import pytest

from fakevirt.model.images import ImageError, ImageStore

P = "/img/d.qcow2"
MiB = 1 << 20


@pytest.fixture
def store() -> ImageStore:
    s = ImageStore()
    s.create(P, "qcow2", 64 * MiB)
    return s


def test_enabled_bitmap_records_guest_writes_at_its_granularity(store: ImageStore) -> None:
    store.bitmap_add(P, "ck1")
    store.bitmap_add(P, "big", granularity=1 * MiB)
    store.write(P, 65536 + 10, b"x" * 100)
    store.write_zeroes(P, 10 * MiB, 3 * 65536)
    assert store.bitmap(P, "ck1").dirty_ranges() == [(65536, 131072), (10 * MiB, 10 * MiB + 3 * 65536)]
    assert store.bitmap(P, "big").dirty_ranges() == [(0, MiB), (10 * MiB, 11 * MiB)]
    assert store.bitmap(P, "ck1").dirty_bytes(64 * MiB) == 4 * 65536


def test_disabled_bitmap_ignores_writes_and_merge_unions(store: ImageStore) -> None:
    store.bitmap_add(P, "a")
    store.bitmap_add(P, "b", enabled=False)
    store.write(P, 0, b"1")
    assert store.bitmap(P, "b").dirty_ranges() == []
    store.bitmap_merge(P, "b", "a")
    store.bitmap_enable(P, "a", False)
    store.write(P, 5 * MiB, b"2")
    assert store.bitmap(P, "a").dirty_ranges() == [(0, 65536)]
    store.bitmap_enable(P, "b")
    store.write(P, 65536, b"3")  # touches the run: joined
    assert store.bitmap(P, "b").dirty_ranges() == [(0, 131072)]
    store.bitmap_clear(P, "b")
    assert store.bitmap(P, "b").dirty_ranges() == []


def test_info_lists_bitmaps_as_qemu_img(store: ImageStore) -> None:
    assert "bitmaps" not in store.info(P)["format-specific"]["data"]
    store.bitmap_add(P, "ck1")
    store.bitmap_add(P, "ck2", granularity=131072, enabled=False)
    assert store.info(P)["format-specific"]["data"]["bitmaps"] == [
        {"flags": ["auto"], "name": "ck1", "granularity": 65536},
        {"flags": [], "name": "ck2", "granularity": 131072}]
    store.bitmap_remove(P, "ck1")
    assert [b.name for b in store.bitmaps(P)] == ["ck2"]


@pytest.mark.parametrize(("call", "text"), [
    (lambda s: s.bitmap_add(P, "ck1"), "Operation add on bitmap ck1 failed: Bitmap already exists: ck1"),
    (lambda s: s.bitmap_remove(P, "nope"), "Operation remove on bitmap nope failed: Dirty bitmap 'nope' not found"),
    (lambda s: s.bitmap_add(P, "x", granularity=1000),
     "Operation add on bitmap x failed: Granularity must be power of 2 and at least 512"),
    (lambda s: s.bitmap_add(P, "x", granularity=1 << 32),
     "Operation add on bitmap x failed: Granularity must be power of 2 and at least 512"),
    (lambda s: s.bitmap_merge(P, "ck1", "nope"), "Operation merge on bitmap ck1 failed: Dirty bitmap 'nope' not found"),
    (lambda s: s.bitmap_merge(P, "nope2", "ck1"), "Operation merge on bitmap nope2 failed: Dirty bitmap 'nope2' not found"),
])
def test_bitmap_refusals_quote_qemu_img(store: ImageStore, call, text: str) -> None:  # type: ignore[no-untyped-def]
    store.bitmap_add(P, "ck1")
    with pytest.raises(ImageError) as e:
        call(store)
    assert e.value.qemu_message == text


def test_raw_images_cannot_store_bitmaps(store: ImageStore) -> None:
    store.create("/img/r.raw", "raw", MiB)
    with pytest.raises(ImageError) as e:
        store.bitmap_add("/img/r.raw", "x")
    assert "Can't store persistent bitmaps to /img/r.raw: Operation not supported" in e.value.qemu_message


def test_commit_marks_the_base_bitmaps(store: ImageStore) -> None:
    store.bitmap_add(P, "base-bm")
    store.create("/img/top.qcow2", "qcow2", backing=P, backing_fmt="qcow2")
    store.bitmap_add("/img/top.qcow2", "top-bm")
    store.write("/img/top.qcow2", 2 * MiB, b"t")
    assert store.bitmap(P, "base-bm").dirty_ranges() == []
    store.commit("/img/top.qcow2")
    assert store.bitmap(P, "base-bm").dirty_ranges() == [(2 * MiB, 2 * MiB + 65536)]


def test_marking_a_huge_image_costs_runs_not_size() -> None:
    s = ImageStore()
    s.create(P, "qcow2", 1 << 50)
    s.bitmap_add(P, "ck", granularity=512)
    s.write_zeroes(P, 0, (1 << 50) - 512)
    assert s.bitmap(P, "ck").dirty_ranges() == [(0, (1 << 50) - 512)]
    assert s.bitmap(P, "ck").dirty_bytes(1 << 50) == (1 << 50) - 512
