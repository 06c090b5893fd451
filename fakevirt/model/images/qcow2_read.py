"""Read a qcow2 file (docs/interop/qcow2.txt) into an Image; pure, no I/O.

The file is given as ``read(offset, length) -> bytes`` (short reads past the end are zeros), so
an uploaded volume is parsed straight from the chunks the stream wrote.  The header (v2 or v3),
the backing file name and its format extension, the active L1/L2 tree (data, zero and
zlib-compressed clusters) and every internal snapshot's tree become the model's Image; the
refcounts are implied by which buffers the trees share.  Only the metadata and the allocated
clusters are read: the cost follows the file's size, never the virtual size.
"""

from __future__ import annotations

import struct
import zlib
from collections.abc import Callable

from .clusters import ClusterMap
from .image import Image, InternalSnapshot, valid_cluster_size
from .qcow2 import EXT_BACKING_FORMAT, MAGIC

Reader = Callable[[int, int], bytes]
Chunk = Callable[[int], bytes | None]  # a whole 64 KiB chunk of the file at this offset, if the file keeps one

_V2 = struct.Struct(">4sIQIIQIIQQIIQ")
_V3 = struct.Struct(">QQQII")
_OFFSET = ((1 << 56) - 1) & ~511  # bits 9-55: a host offset
_L2_COMPRESSED = 1 << 62
_L2_ZERO = 1
_INCOMPAT_KNOWN = 0b00011  # dirty, corrupt; data file, compression type, extended L2 are refused
_MAX_SNAPSHOTS = 65536
_SCAN = 65536  # bytes of a table looked at at once


class Qcow2Error(ValueError):
    """The bytes are not a qcow2 file the model can hold (qemu would refuse it or need a feature
    the model lacks); the caller treats the file as raw bytes."""


def _table(read: Reader, offset: int, entries: int) -> list[tuple[int, int]]:
    """The non-zero entries of a table as (index, entry); zero stretches cost no Python loop."""
    data = read(offset, entries * 8).ljust(entries * 8, b"\0")
    out: list[tuple[int, int]] = []
    for base in range(0, len(data), _SCAN):
        block = data[base:base + _SCAN]
        if block.count(0) == len(block):
            continue
        first = base // 8
        out.extend((first + i, e) for i, e in enumerate(struct.unpack(f">{len(block) // 8}Q", block)) if e)
    return out


def _cluster(read: Reader, entry: int, cs: int, bits: int, chunk: Chunk | None) -> bytes:
    if entry & _L2_COMPRESSED:
        shift = 62 - (bits - 8)
        host = entry & ((1 << shift) - 1)
        sectors = ((entry >> shift) & ((1 << (bits - 8)) - 1)) + 1
        raw = read(host, sectors * 512 - (host & 511))
        try:
            data = zlib.decompressobj(-12).decompress(raw, cs)
        except zlib.error as e:
            raise Qcow2Error(f"bad compressed cluster at {host}") from e
        return data.ljust(cs, b"\0")[:cs].rstrip(b"\0")
    if chunk is not None and cs == 65536:
        buf = chunk(entry & _OFFSET)
        if buf is not None:
            return buf  # shared with the file: bytes are immutable
    return read(entry & _OFFSET, cs).rstrip(b"\0")


def _tree(read: Reader, l1_off: int, l1_size: int, size: int, cs: int, bits: int,
          seen: dict[int, bytes], chunk: Chunk | None = None) -> ClusterMap:
    """One L1/L2 tree; ``seen`` maps host offsets to buffers so shared clusters share bytes."""
    per_l2 = cs // 8
    out = ClusterMap()
    last = -(-size // cs)
    for g, l1e in _table(read, l1_off, l1_size):
        l2_off = l1e & _OFFSET
        if not l2_off:
            continue
        for i, e in _table(read, l2_off, per_l2):
            idx = g * per_l2 + i
            if idx >= last:
                continue
            host = e & _OFFSET if not e & _L2_COMPRESSED else e & ((1 << 62) - 1)
            if e & _L2_ZERO and not e & _L2_COMPRESSED:
                out.zero(idx, idx + 1)
                continue
            if host not in seen:
                seen[host] = _cluster(read, e, cs, bits, chunk)
            out.set(idx, seen[host])
    return out


def _extensions(read: Reader, start: int, cs: int) -> dict[int, bytes]:
    exts: dict[int, bytes] = {}
    pos = start
    while pos + 8 <= cs:
        kind, length = struct.unpack(">II", read(pos, 8).ljust(8, b"\0"))
        if kind == 0:
            break
        exts[kind] = read(pos + 8, length)
        pos += 8 + length + (-length % 8)
    return exts


def _snapshots(read: Reader, offset: int, count: int, cs: int, bits: int,
               seen: dict[int, bytes], chunk: Chunk | None) -> list[InternalSnapshot]:
    out: list[InternalSnapshot] = []
    pos = offset
    for _ in range(count):
        l1_off, l1_size, id_len, name_len, dsec, dnsec, clock, state32, extra = struct.unpack(
            ">QIHHIIQII", read(pos, 40).ljust(40, b"\0"))
        ext = read(pos + 40, extra).ljust(24, b"\0")
        state = struct.unpack(">Q", ext[:8])[0] if extra >= 8 else state32
        size = struct.unpack(">Q", ext[8:16])[0] if extra >= 16 else 0
        icount_raw = struct.unpack(">Q", ext[16:24])[0] if extra >= 24 else 0xFFFFFFFFFFFFFFFF
        names = read(pos + 40 + extra, id_len + name_len)
        pos += 40 + extra + id_len + name_len
        pos += -pos % 8
        clusters = _tree(read, l1_off, l1_size, size or l1_size * cs * (cs // 8), cs, bits, seen, chunk)
        out.append(InternalSnapshot(
            id=names[:id_len].decode(errors="replace"), name=names[id_len:].decode(errors="replace"),
            date_sec=dsec, date_nsec=dnsec, vm_state_size=state, vm_clock_ns=clock, virtual_size=size,
            clusters=clusters, icount=None if icount_raw == 0xFFFFFFFFFFFFFFFF else icount_raw))
    return out


def parse(read: Reader, path: str, file_size: int, chunk: Chunk | None = None) -> Image:
    """The Image a qcow2 file holds, stored at ``path``; Qcow2Error if the model cannot hold it.
    ``chunk`` gives 64 KiB data clusters without copying them, where the file keeps them whole."""
    head = read(0, _V2.size + _V3.size).ljust(_V2.size + _V3.size, b"\0")
    (magic, version, bf_off, bf_len, bits, size, crypt, l1_size, l1_off, _rt_off, _rt_clusters,
     nb_snap, snap_off) = _V2.unpack_from(head)
    if magic != MAGIC or version not in (2, 3):
        raise Qcow2Error("not a qcow2 v2/v3 header")
    cs = 1 << bits if 9 <= bits <= 21 else 0
    if not valid_cluster_size(cs) or crypt or nb_snap > _MAX_SNAPSHOTS:
        raise Qcow2Error("unsupported qcow2 header")
    header_len = 72
    if version == 3:
        incompat, _compat, _autoclear, _order, header_len = _V3.unpack_from(head, _V2.size)
        if incompat & ~_INCOMPAT_KNOWN:
            raise Qcow2Error("unsupported qcow2 feature")
    if l1_size * 8 > file_size + cs or l1_size < -(-size // (cs * (cs // 8))):
        raise Qcow2Error("L1 table does not fit")
    exts = _extensions(read, header_len, cs)
    backing = read(bf_off, bf_len).decode(errors="replace") if bf_off and bf_len else None
    bfmt_raw = exts.get(EXT_BACKING_FORMAT)
    bfmt = bfmt_raw.rstrip(b"\0").decode(errors="replace") if bfmt_raw and backing else None
    seen: dict[int, bytes] = {}
    clusters = _tree(read, l1_off, l1_size, size, cs, bits, seen, chunk)
    snaps = _snapshots(read, snap_off, nb_snap, cs, bits, seen, chunk) if nb_snap else []
    return Image(path, "qcow2", size, cs, backing, bfmt, clusters, snaps)


def probe_size(head: bytes) -> int | None:
    """The virtual size in a qcow2 header (what libvirt's probe reads), or None."""
    if len(head) < 32 or head[:4] != MAGIC:
        return None
    return int(struct.unpack(">Q", head[24:32])[0])
