"""qemu-img commit, rebase, convert, resize and compare over an ImageStore.

Each opens the chain the way qemu-img does (so a dangling or looping chain fails first), then
refuses what qemu-img refuses, then refuses to change what another user of an image sees
(``store.guard``) unless ``force``.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import TYPE_CHECKING

from ...errors import images as err
from . import chain as rw
from .bitmaps import record_write
from .clusters import ClusterMap
from .image import FORMATS, RAW_CHUNK, SECTOR, Image, max_size, resolve, round_up, valid_cluster_size
from .internal_snapshots import find
from .owner import Owner

if TYPE_CHECKING:
    from .store import ImageStore

_CHUNK = 4 * 1024 * 1024  # copy granularity, to bound temporary buffers


def _chunks(ranges: Sequence[tuple[int, int]]) -> Iterator[tuple[int, int]]:
    for start, stop in ranges:
        for pos in range(start, stop, _CHUNK):
            yield pos, min(pos + _CHUNK, stop)


def commit(store: ImageStore, top: str, base: str | None, *, keep_top: bool | None,
           owner: Owner | None, force: bool) -> Image:
    """Merge every layer above ``base`` into it; without ``base``, empty ``top`` afterwards.

    Like qemu-img, base is grown to top's size, ``-b`` implies ``-d``, and the images between
    base and top are left as they are (now invalid on their own), so ``base`` and each of them
    may be used by nothing but the next image up this chain.
    """
    images = store.opened_chain(top)
    head = images[0]
    if len(images) == 1:
        raise err.no_backing()
    if base is None:
        depth = 1
    else:
        wanted = store.normpath(base)
        found = [i for i, img in enumerate(images) if img.path == wanted and i > 0]
        if not found:
            raise err.base_not_in_chain(base, head.path)
        depth = found[0]
    keep = base is not None if keep_top is None else keep_top
    if not keep and depth > 1:
        raise err.commit_top_not_emptied()
    for i in range(1, depth + 1):
        store.guard(images[i].path, owner, force=force,
                    allowed=frozenset({Owner.backing(images[i - 1].path)}))
    target = images[depth]
    if target.virtual_size < head.virtual_size:
        _grow(images[depth:], head.virtual_size)
    below = images[depth:]
    for start, stop, data in rw.decide(images[:depth], 0, head.virtual_size):
        if data:
            for a, b in _chunks([(start, stop)]):
                rw.write(below, a, rw.read(images, a, b - a))
        elif data is not None:
            rw.write_zeroes(below, start, stop - start)
    if not keep:
        head.clusters = ClusterMap()
    return target


def rebase(store: ImageStore, path: str, backing: str | None, backing_fmt: str | None, *,
           safe: bool, owner: Owner | None, force: bool) -> Image:
    """Point ``path`` at a new backing file; in safe mode first copy in what would change."""
    backing = backing or None
    if backing is not None and backing_fmt is None:
        raise err.rebase_needs_format(backing)
    if not safe:
        img = store.open(path)
        store.guard(img.path, owner, force=force)
        store.set_backing(img, backing, backing_fmt)
        return img
    old = store.opened_chain(path)
    img = old[0]
    new: list[Image] = []
    if backing is not None:
        new = _open_new_backing(store, img, backing, backing_fmt)
    # Outside both backing chains' data clusters both read zeros: nothing can differ there.
    size = img.virtual_size
    done = -1
    for start, stop in rw.merged(rw.data_ranges(old[1:], size) + rw.data_ranges(new, size)):
        for idx in img.clusters_in(start, stop - start):
            if idx <= done or idx in img.clusters:
                continue
            done = idx
            a, b = img.own_extent(idx)
            before = rw.read(old, a, b - a)
            if before != rw.read(new, a, b - a):
                img.clusters.set(idx, before.rstrip(b"\0"))
                record_write(img, a, b - a)
    store.set_backing(img, backing, backing_fmt)
    return img


def _open_new_backing(store: ImageStore, img: Image, backing: str, fmt: str | None) -> list[Image]:
    prefix = f"Could not open new backing file '{backing}': "
    target = resolve(img.path, backing)
    try:
        new = store.chain(target)
    except err.ImageError as e:
        raise e.prefixed(prefix) from None
    if any(i is img for i in new):
        raise err.backing_loop(img.path).prefixed(prefix)
    if new[0].format != fmt:
        raise err.wrong_format(0, target, fmt or "", new[0].format).prefixed(prefix)
    return new


def _grow(images: Sequence[Image], size: int) -> None:
    """Grow the top of ``images``; QEMU zeroes the new area if the backing file reaches into it."""
    img = images[0]
    old = img.virtual_size
    img.virtual_size = size
    if len(images) > 1 and images[1].virtual_size > old:
        rw.write_zeroes(images, old, size - old)


def resize(store: ImageStore, path: str, size: int, *, shrink: bool, owner: Owner | None,
           force: bool) -> Image:
    """``qemu-img resize``: raw sizes round up to 512 bytes, qcow2 ones must be multiples."""
    images = store.opened_chain(path)
    img = images[0]
    if size <= 0:
        raise err.size_not_positive()
    if size < img.virtual_size and not shrink:
        raise err.shrink_needs_flag()
    if img.format == "qcow2" and size % SECTOR:
        raise err.size_not_aligned()
    size = round_up(size, SECTOR)
    if size > max_size(img.format, img.cluster_size):
        raise err.resize_too_large(img.format)
    if size < img.virtual_size:
        store.guard(img.path, owner, force=force)
        img.drop_beyond(size)
        img.virtual_size = size
    elif size > img.virtual_size:
        _grow(images, size)
    return img


def convert(store: ImageStore, src: str, dst: str, fmt: str, *, cluster_size: int | None,
            snapshot: str | None, force: bool) -> Image:
    """A standalone copy of what ``src`` (or its internal snapshot) shows; zeros are skipped."""
    if fmt not in FORMATS:
        raise err.unknown_format(dst, fmt)
    images = store.opened_chain(src)
    if snapshot is not None:
        images = [_snapshot_view(images[0], snapshot), *images[1:]]
    target = store.normpath(dst)
    if any(i.path == target for i in images):
        raise err.same_image(target, fmt)
    cs = cluster_size or (images[0].cluster_size if images[0].format == fmt == "qcow2" else 65536)
    if fmt == "qcow2" and not valid_cluster_size(cs):
        raise err.bad_cluster_size(target)
    if store.exists(target):
        store.guard(target, force=force)
    out = Image(target, fmt, images[0].virtual_size, cs if fmt == "qcow2" else RAW_CHUNK)
    if len(images) == 1 and out.cluster_size == images[0].cluster_size:
        out.clusters.data = dict(images[0].clusters.data)  # shares the buffers
    else:
        for start, stop in rw.data_ranges(images, out.virtual_size):
            for idx in out.clusters_in(start, stop - start):
                if idx not in out.clusters:
                    data = rw.read(images, *_span(out, idx)).rstrip(b"\0")
                    if data:
                        out.clusters[idx] = data
    return store.add(out, force=True)


def _span(img: Image, idx: int) -> tuple[int, int]:
    start, stop = img.own_extent(idx)
    return start, stop - start


def _snapshot_view(img: Image, name: str) -> Image:
    """The top layer as internal snapshot ``name`` (an ID or a name) holds it."""
    snap = find(img, name, by_id=True)
    if snap is None:
        raise err.snapshot_load_missing(name)
    return Image(img.path, img.format, snap.virtual_size, img.cluster_size, img.backing,
                 img.backing_format, snap.clusters)


def compare(store: ImageStore, a: str, b: str) -> int | None:
    """``qemu-img compare``: the first differing 512-byte sector's offset, or None.

    As qemu-img does without ``-s``, the part of the larger image past the smaller one's end
    must read as zeros.
    """
    one, two = store.opened_chain(a), store.opened_chain(b)
    common = min(one[0].virtual_size, two[0].virtual_size)
    ranges = rw.merged(rw.data_ranges(one, common) + rw.data_ranges(two, common))
    for start, stop in _chunks(ranges):
        x, y = rw.read(one, start, stop - start), rw.read(two, start, stop - start)
        if x != y:
            return start + next(s for s in range(0, len(x), SECTOR)
                                if x[s:s + SECTOR] != y[s:s + SECTOR])
    bigger = one if one[0].virtual_size > common else two
    for start, stop in _chunks(rw.data_ranges(bigger, bigger[0].virtual_size)):
        start = max(start, common)
        if start >= stop:
            continue
        data = rw.read(bigger, start, stop - start)
        stripped = data.lstrip(b"\0")
        if stripped:
            return (start + len(data) - len(stripped)) // SECTOR * SECTOR
    return None
