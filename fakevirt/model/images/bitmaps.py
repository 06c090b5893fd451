"""Persistent dirty bitmaps of qcow2 images (QEMU's block-dirty-bitmap-* and ``qemu-img bitmap``).

A bitmap belongs to one image, has a granularity (a power of two, 512 B .. 2 GiB) and is enabled
(it records every write into its image, whoever makes it: guest, block job, qemu-img) or disabled.
Dirty areas are kept as sorted, disjoint runs of granule-aligned byte ranges, so marking, merging
and counting cost O(runs), never O(virtual size).
"""

from __future__ import annotations

from bisect import bisect_left, bisect_right
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from ...errors import images as err

if TYPE_CHECKING:
    from .image import Image
    from .store import ImageStore

MIN_GRANULARITY, MAX_GRANULARITY = 512, 1 << 31
NAME_MAX = 1023  # bytes of a bitmap name qcow2 stores


def _round_down(n: int, to: int) -> int:
    return n // to * to


@dataclass(eq=False, slots=True)
class Bitmap:
    """One named dirty bitmap; ``runs`` are [start, stop) byte ranges, granule-aligned."""

    name: str
    granularity: int
    enabled: bool = True
    runs: list[tuple[int, int]] = field(default_factory=list)

    def mark(self, offset: int, length: int) -> None:
        """Set the granules [offset, offset+length) touches (even when disabled: for merges)."""
        if length <= 0:
            return
        g = self.granularity
        lo, hi = _round_down(offset, g), -(-(offset + length) // g) * g
        runs = self.runs
        i = bisect_left(runs, (lo, lo))
        if i > 0 and runs[i - 1][1] >= lo:
            i -= 1
        j = i
        while j < len(runs) and runs[j][0] <= hi:
            lo, hi = min(lo, runs[j][0]), max(hi, runs[j][1])
            j += 1
        runs[i:j] = [(lo, hi)]

    def is_dirty(self, offset: int) -> bool:
        i = bisect_right(self.runs, (offset, float("inf"))) - 1
        return i >= 0 and self.runs[i][1] > offset

    def dirty_ranges(self, limit: int | None = None) -> list[tuple[int, int]]:
        """The dirty byte ranges, clipped to ``limit`` (an image's virtual size)."""
        if limit is None:
            return list(self.runs)
        return [(a, min(b, limit)) for a, b in self.runs if a < limit]

    def dirty_bytes(self, limit: int) -> int:
        """What QMP's ``dirty-bitmaps[].count`` reports: granules set, in bytes, within ``limit``."""
        return sum(b - a for a, b in self.dirty_ranges(limit))

    def clear(self) -> None:
        self.runs = []

    def merge_from(self, other: Bitmap) -> None:
        """Union ``other`` into this bitmap (rounded to this bitmap's granularity)."""
        for a, b in other.runs:
            self.mark(a, b - a)

    def copy(self, name: str | None = None) -> Bitmap:
        return Bitmap(self.name if name is None else name, self.granularity, self.enabled,
                      list(self.runs))

    def as_json(self, in_use: bool = False) -> dict[str, Any]:
        """The entry of ``format-specific.data.bitmaps`` in ``qemu-img info --output=json``."""
        flags = (["in-use"] if in_use else []) + (["auto"] if self.enabled else [])
        return {"flags": flags, "name": self.name, "granularity": self.granularity}


def record_write(img: Image, offset: int, length: int) -> None:
    """A write of [offset, offset+length) into ``img``: every enabled bitmap records it."""
    for bm in img.bitmaps.values():
        if bm.enabled:
            bm.mark(offset, length)


# -- the operations on an image in a store (qemu-img bitmap / QMP block-dirty-bitmap-*) ---------


def _qcow2(store: ImageStore, path: str, op: str, name: str) -> Image:
    img = store.open(path)
    if img.format != "qcow2":
        raise err.bitmap_unsupported(op, name, img.path)
    return img


def get(store: ImageStore, path: str, name: str, op: str = "get") -> Bitmap:
    img = store.open(path)
    bm = img.bitmaps.get(name)
    if bm is None:
        raise err.bitmap_missing(op, name, name)
    return bm


def add(store: ImageStore, path: str, name: str, *, granularity: int | None = None,
        enabled: bool = True) -> Bitmap:
    """``qemu-img bitmap --add [-g G] [--disable]`` / ``block-dirty-bitmap-add persistent=on``."""
    img = _qcow2(store, path, "add", name)
    if name in img.bitmaps:
        raise err.bitmap_exists(name)
    g = img.cluster_size if granularity is None else granularity
    if not MIN_GRANULARITY <= g <= MAX_GRANULARITY or g & (g - 1):
        raise err.bitmap_granularity(name)
    if len(name.encode()) > NAME_MAX:
        raise err.bitmap_name_too_long(name, img.path)
    bm = Bitmap(name, g, enabled)
    img.bitmaps[name] = bm
    return bm


def remove(store: ImageStore, path: str, name: str) -> Bitmap:
    """``qemu-img bitmap --remove`` / ``block-dirty-bitmap-remove``."""
    img = store.open(path)
    if name not in img.bitmaps:
        raise err.bitmap_missing("remove", name, name)
    return img.bitmaps.pop(name)


def set_enabled(store: ImageStore, path: str, name: str, enabled: bool) -> Bitmap:
    """``qemu-img bitmap --enable/--disable``."""
    bm = get(store, path, name, "enable" if enabled else "disable")
    bm.enabled = enabled
    return bm


def clear(store: ImageStore, path: str, name: str) -> Bitmap:
    bm = get(store, path, name, "clear")
    bm.clear()
    return bm


def merge(store: ImageStore, path: str, target: str, source: str,
          source_path: str | None = None) -> Bitmap:
    """``qemu-img bitmap --merge SOURCE [-b SOURCE_FILE] PATH TARGET``: target |= source."""
    dst = get(store, path, target, "merge")
    src_img = store.open(path if source_path is None else source_path)
    src = src_img.bitmaps.get(source)
    if src is None:
        raise err.bitmap_missing("merge", target, source)
    dst.merge_from(src)
    return dst


def listing(img: Image, in_use: bool = False) -> list[dict[str, Any]]:
    return [bm.as_json(in_use) for bm in img.bitmaps.values()]


def chain_lookup(chain: list[Image], name: str) -> list[Bitmap]:
    """The bitmaps called ``name`` down a backing chain (top first): one checkpoint's per layer."""
    return [img.bitmaps[name] for img in chain if name in img.bitmaps]


def propagate(store: ImageStore, old_top: str, new_top: str) -> None:
    """qemuSnapshotDiskBitmapsPropagate: a new overlay gets an empty, recording twin of each
    recording bitmap of the image it covers, so checkpoints keep tracking writes."""
    new = store.open(new_top)
    for bm in store.open(old_top).bitmaps.values():
        if bm.enabled and bm.name not in new.bitmaps and new.format == "qcow2":
            new.bitmaps[bm.name] = Bitmap(bm.name, bm.granularity)


def chain_is_valid(chain: list[Image], name: str) -> bool:
    """qemuBlockBitmapChainIsValid: ``name`` is in one unbroken run of layers of the chain."""
    started = ended = False
    for img in chain:
        if name in img.bitmaps:
            if ended:
                return False
            started = True
        elif started:
            ended = True
    return started


def merged_dirty_bytes(chain: list[Image], name: str) -> int:
    """Bytes dirty in the union of the layers' bitmaps ``name`` (what ``--size`` reports)."""
    bms = chain_lookup(chain, name)
    if not bms:
        return 0
    acc = Bitmap(name, min(b.granularity for b in bms))
    for bm in bms:
        acc.merge_from(bm)
    return acc.dirty_bytes(chain[0].virtual_size)


def collapse_into(layers: list[Image], dst: Image) -> None:
    """Each bitmap name found in ``layers`` is merged into ``dst``'s bitmap of that name (made,
    recording, when missing): what libvirt does to a block commit's base and a block copy's
    target, so a checkpoint's "changed since" survives the layers going away (a raw ``dst`` has none)."""
    if dst.format != "qcow2":
        return
    for img in layers:
        for name, bm in img.bitmaps.items():
            have = dst.bitmaps.get(name)
            if have is None:
                have = dst.bitmaps[name] = Bitmap(name, bm.granularity, bm.enabled)
            have.merge_from(bm)
