"""Guest reads and writes through a backing chain (a list of images, top first).

Each layer keeps its own cluster size and virtual size: a read falls through the clusters a layer
does not hold to the layer below, and past the end of a layer reads zeros, as qcow2 does.
"""

from __future__ import annotations

from collections.abc import Sequence

from .image import Image


def _present(img: Image, lo: int, hi: int) -> list[int]:
    """Allocated cluster indices of ``img`` in [lo, hi), sorted."""
    clusters = img.clusters
    if len(clusters) < hi - lo:
        return sorted(i for i in clusters if lo <= i < hi)
    return [i for i in range(lo, hi) if i in clusters]


def _fill(chain: Sequence[Image], level: int, out: bytearray, origin: int, offset: int,
          length: int) -> None:
    """Copy guest bytes [offset, offset+length) as ``chain[level:]`` sees them into ``out``."""
    if level >= len(chain):
        return
    img = chain[level]
    end = min(offset + length, img.virtual_size)
    if end <= offset:
        return
    cs = img.cluster_size
    pos = offset
    for idx in _present(img, offset // cs, -(-end // cs)):
        start = max(idx * cs, offset)
        if start > pos:
            _fill(chain, level + 1, out, origin, pos, start - pos)
        stop = min(idx * cs + cs, end)
        buf = img.clusters[idx]
        piece = memoryview(buf)[start - idx * cs: stop - idx * cs]
        if piece:
            out[start - origin: start - origin + len(piece)] = piece
        pos = stop
    if end > pos:
        _fill(chain, level + 1, out, origin, pos, end - pos)


def read(chain: Sequence[Image], offset: int, length: int) -> bytes:
    """The guest-visible bytes of the top of ``chain`` (range already checked)."""
    out = bytearray(length)
    _fill(chain, 0, out, offset, offset, length)
    return bytes(out)


def visible_cluster(chain: Sequence[Image], idx: int) -> bytes:
    """Cluster ``idx`` of the top layer as the guest sees it, trailing zeros trimmed."""
    top = chain[0]
    own = top.clusters.get(idx)
    if own is not None:
        return own
    start, stop = top.own_extent(idx)
    return read(chain, start, stop - start).rstrip(b"\0")


def write(chain: Sequence[Image], offset: int, data: bytes | bytearray | memoryview) -> None:
    """Write into the top layer, copying partial clusters up from the chain first (COW)."""
    top = chain[0]
    view = memoryview(data)
    end = offset + len(view)
    for idx in top.clusters_in(offset, len(view)):
        c_start, c_stop = top.own_extent(idx)
        start, stop = max(offset, c_start), min(end, c_stop)
        piece = view[start - offset: stop - offset]
        if start == c_start and stop == c_stop:
            top.clusters[idx] = bytes(piece).rstrip(b"\0")
            continue
        old = visible_cluster(chain, idx)
        buf = bytearray(c_stop - c_start)
        buf[: len(old)] = old
        buf[start - c_start: stop - c_start] = piece
        top.clusters[idx] = bytes(buf).rstrip(b"\0")


def write_zeroes(chain: Sequence[Image], offset: int, length: int) -> None:
    """Make [offset, offset+length) read as zeros in the top layer (zero clusters, not data)."""
    top = chain[0]
    end = offset + length
    for idx in top.clusters_in(offset, length):
        c_start, c_stop = top.own_extent(idx)
        if offset <= c_start and c_stop <= end:
            top.clusters[idx] = b""
        else:
            start, stop = max(offset, c_start), min(end, c_stop)
            write(chain, start, bytes(stop - start))


def allocated_ranges(chain: Sequence[Image], limit: int) -> list[tuple[int, int]]:
    """Merged guest ranges below ``limit`` that some layer of ``chain`` allocates."""
    spans: list[tuple[int, int]] = []
    for img in chain:
        bound = min(limit, img.virtual_size)
        for idx in img.clusters:
            start, stop = img.own_extent(idx)
            if start < bound:
                spans.append((start, min(stop, bound)))
    spans.sort()
    merged: list[tuple[int, int]] = []
    for start, stop in spans:
        if merged and start <= merged[-1][1]:
            if stop > merged[-1][1]:
                merged[-1] = (merged[-1][0], stop)
        else:
            merged.append((start, stop))
    return merged
