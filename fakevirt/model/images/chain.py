"""Guest reads and writes through a backing chain (a list of images, top first).

Each layer keeps its own cluster size and virtual size: a read falls through the clusters a layer
does not hold to the layer below, and past the end of a layer reads zeros, as qcow2 does.
"""

from __future__ import annotations

from collections.abc import Sequence

from .bitmaps import record_write
from .image import Image


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
    for lo, hi, buf in img.clusters.pieces(offset // cs, -(-end // cs)):
        start = max(lo * cs, offset)
        if start > pos:
            _fill(chain, level + 1, out, origin, pos, start - pos)
        stop = min(hi * cs, end)
        piece = memoryview(buf)[start - lo * cs: stop - lo * cs]
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
    record_write(top, offset, len(view))
    for idx in top.clusters_in(offset, len(view)):
        c_start, c_stop = top.own_extent(idx)
        start, stop = max(offset, c_start), min(end, c_stop)
        piece = view[start - offset: stop - offset]
        if start == c_start and stop == c_stop:
            _store(top, idx, bytes(piece).rstrip(b"\0"))
            continue
        old = visible_cluster(chain, idx)
        buf = bytearray(c_stop - c_start)
        buf[: len(old)] = old
        buf[start - c_start: stop - c_start] = piece
        _store(top, idx, bytes(buf).rstrip(b"\0"))


def _store(img: Image, idx: int, buf: bytes) -> None:
    if buf or img.format != "raw":
        img.clusters.set(idx, buf)
    else:
        img.clusters.discard(idx, idx + 1)  # zeros in a raw file: a hole


def write_zeroes(chain: Sequence[Image], offset: int, length: int) -> None:
    """Make [offset, offset+length) read as zeros in the top layer: one run of zero clusters
    (a hole in a raw file), plus copy-on-write of the partial clusters at either end."""
    top = chain[0]
    cs, end = top.cluster_size, offset + length
    record_write(top, offset, length)
    first = -(-offset // cs)  # the clusters wholly inside, the last one possibly cut by EOF
    last = end // cs if end < top.virtual_size else -(-end // cs)
    if first >= last:
        if length:
            write(chain, offset, bytes(length))
        return
    if top.format == "raw":
        top.clusters.discard(first, last)
    else:
        top.clusters.zero(first, last)
    for a, b in ((offset, first * cs), (last * cs, end)):
        if a < b:
            write(chain, a, bytes(b - a))


def merged(spans: list[tuple[int, int]]) -> list[tuple[int, int]]:
    """Sorted ``spans`` with overlapping and touching ones joined."""
    out: list[tuple[int, int]] = []
    for start, stop in sorted(spans):
        if out and start <= out[-1][1]:
            if stop > out[-1][1]:
                out[-1] = (out[-1][0], stop)
        else:
            out.append((start, stop))
    return out


def data_ranges(chain: Sequence[Image], limit: int) -> list[tuple[int, int]]:
    """Merged guest ranges below ``limit`` where ``chain`` may read non-zero: its layers' data
    clusters.  Everything else reads as zeros; the cost is O(data clusters), never O(size)."""
    spans: list[tuple[int, int]] = []
    bound = limit
    for img in chain:
        bound = min(bound, img.virtual_size)  # a layer is never seen past an upper one's end
        cs = img.cluster_size
        for idx in img.clusters.data_in(0, -(-bound // cs)):
            spans.append((idx * cs, min(idx * cs + cs, bound)))
    return merged(spans)


Decision = tuple[int, int, bool | None]  # start, stop, data (True), zeros (False), or neither (None)
Step = tuple[int, int, "bytes | None", int]  # start, stop, the buffer there (b"": zeros, None: below
#                                               the chain) and the guest offset of its first byte


def decide(chain: Sequence[Image], start: int, stop: int) -> list[Decision]:
    """What the layers of ``chain`` themselves show in [start, stop), in order: data clusters,
    zeros (zero clusters, or past a layer's end), or None where the read falls below the chain.
    Adjacent pieces of one kind are joined; the cost is O(data clusters + zero runs)."""
    joined: list[Decision] = []
    for a, b, buf, _ in walk(chain, start, stop):
        data = None if buf is None else bool(buf)
        if joined and joined[-1][1] == a and joined[-1][2] is data:
            joined[-1] = (joined[-1][0], b, data)
        elif a < b:
            joined.append((a, b, data))
    return joined


def walk(chain: Sequence[Image], start: int, stop: int) -> list[Step]:
    """The pieces [start, stop) reads from, in order, with the buffers themselves (no copy):
    a data cluster, a run of zero clusters, zeros past a layer's end, or nothing below the chain."""
    out: list[Step] = []
    _walk(chain, 0, start, stop, out)
    return out


def _walk(chain: Sequence[Image], level: int, start: int, stop: int, out: list[Step]) -> None:
    if level >= len(chain):
        out.append((start, stop, None, start))
        return
    img = chain[level]
    end = min(stop, img.virtual_size)
    pos = start
    if end > start:
        cs = img.cluster_size
        for lo, hi, buf in img.clusters.pieces(start // cs, -(-end // cs)):
            a, b = max(lo * cs, start), min(hi * cs, end)
            if a > pos:
                _walk(chain, level + 1, pos, a, out)
            out.append((a, b, buf, lo * cs))
            pos = b
        if end > pos:
            _walk(chain, level + 1, pos, end, out)
    if stop > max(start, end):
        out.append((max(start, end), stop, b"", max(start, end)))
