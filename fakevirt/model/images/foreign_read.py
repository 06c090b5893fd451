"""The guest data of the formats the model keeps as files (qcow, qed, vmdk, vpc), as QEMU's block
drivers read it from an uploaded file; pure, no I/O.

``guest_data`` gives the allocated pieces as (guest offset, bytes); what it does not name reads as
zeros.  Only the tables the header points at and the allocated data are read: the cost follows the
file's size (tables larger than the file are refused).  A file that needs what the model does not
read (encryption, a backing file, compressed or stream-optimized vmdk grains, differencing vpc)
gives None: its guest data stays zeros, as before.
"""

from __future__ import annotations

import struct
import zlib
from collections.abc import Callable

Reader = Callable[[int, int], bytes]  # (offset, length) -> bytes, zeros past the end of the file
Pieces = list[tuple[int, bytes]]
_QCOW_COMPRESSED = 1 << 63
_QED_ZERO = 1
_VPC_FREE = 0xFFFFFFFF


class _Refused(Exception):
    pass


def _table(read: Reader, file_size: int, offset: int, count: int, fmt: str) -> tuple[int, ...]:
    """``count`` table entries at ``offset`` (``fmt``: one struct letter with its byte order)."""
    size = struct.calcsize(fmt[0] + fmt[1])
    if count < 0 or offset + count * size > file_size + size:
        raise _Refused
    return struct.unpack(f"{fmt[0]}{count}{fmt[1]}", read(offset, count * size).ljust(count * size, b"\0"))


def _qcow(read: Reader, file_size: int, capacity: int) -> Pieces:
    """QEMU's qcow driver (version 1): L1 of L2 tables, deflate-compressed clusters."""
    (_m, _v, backing_off, _bl, _mtime, size, cluster_bits, l2_bits, _pad, crypt,
     l1_off) = struct.unpack(">IIQIIQBBHIQ", read(0, 48).ljust(48, b"\0"))
    if backing_off or crypt or not 9 <= cluster_bits <= 16 or not 6 <= l2_bits <= 16:
        raise _Refused
    cs, per_l2 = 1 << cluster_bits, 1 << l2_bits
    out: Pieces = []
    for i, l2_off in enumerate(_table(read, file_size, l1_off, -(-size // (cs * per_l2)), ">Q")):
        if not l2_off:
            continue
        for j, e in enumerate(_table(read, file_size, l2_off, per_l2, ">Q")):
            if not e:
                continue
            if e & _QCOW_COMPRESSED:
                csize = (e >> (63 - cluster_bits)) & (cs - 1)
                host = e & ((1 << (63 - cluster_bits)) - 1)
                try:
                    data = zlib.decompressobj(-12).decompress(read(host, csize), cs)
                except zlib.error:
                    raise _Refused from None
            else:
                data = read(e, cs)
            out.append(((i * per_l2 + j) * cs, data))
    return out


def _qed(read: Reader, file_size: int, capacity: int) -> Pieces:
    """QEMU's qed driver: L1 of L2 tables of cluster offsets (1: a zero cluster)."""
    (_m, cs, table_clusters, _hs, features, _compat, _auto, l1_off, _size,
     _bf_off, _bf_size) = struct.unpack("<4sIIIQQQQQII", read(0, 64).ljust(64, b"\0"))
    if features & ~0b110 or not 4096 <= cs <= 1 << 26 or cs & (cs - 1) or not 1 <= table_clusters <= 16:
        raise _Refused  # a backing file (or an unknown feature), or a header QEMU refuses
    per = table_clusters * cs // 8
    out: Pieces = []
    for i, l2_off in enumerate(_table(read, file_size, l1_off, per, "<Q")):
        if not l2_off or i * per * cs >= capacity:
            continue
        for j, e in enumerate(_table(read, file_size, l2_off, per, "<Q")):
            if e > _QED_ZERO:
                out.append(((i * per + j) * cs, read(e, cs)))
    return out


def _vmdk(read: Reader, file_size: int, capacity: int) -> Pieces:
    """QEMU's vmdk driver, monolithic sparse extent: grain directory of grain tables."""
    (_m, _v, flags, sectors, grain, _do, _ds, per_gt, _rgd, gd_off, _oh, _unclean, _nl,
     compress) = struct.unpack("<4sIIQQQQIQQQB4sH", read(0, 79).ljust(79, b"\0"))
    if compress or flags & (1 << 16) or gd_off == 0xFFFFFFFFFFFFFFFF or not 1 <= grain <= 128 * 1024 \
            or not 1 <= per_gt <= 1 << 16:
        raise _Refused  # stream-optimized (compressed grains, markers) is not read here
    gsize = grain * 512
    out: Pieces = []
    for i, gt in enumerate(_table(read, file_size, gd_off * 512, -(-sectors // (grain * per_gt)), "<I")):
        if not gt:
            continue
        for j, e in enumerate(_table(read, file_size, gt * 512, per_gt, "<I")):
            if e > 1:  # 1: a zero grain
                out.append(((i * per_gt + j) * gsize, read(e * 512, gsize)))
    return out


def _vpc(read: Reader, file_size: int, capacity: int) -> Pieces:
    """QEMU's vpc driver, dynamic disks: the block allocation table; block data follows each
    block's sector bitmap (QEMU reads the data whatever the bitmap says)."""
    footer = read(0, 512).ljust(512, b"\0")
    (dyn_off,) = struct.unpack(">Q", footer[16:24])
    (disk_type,) = struct.unpack(">I", footer[60:64])
    if disk_type != 3:
        raise _Refused  # fixed disks probe as raw; differencing ones need their parent
    head = read(dyn_off, 40).ljust(40, b"\0")
    if head[:8] != b"cxsparse":
        raise _Refused
    bat_off, _version, entries, block = struct.unpack(">QIII", head[16:36])
    if not 512 <= block <= 1 << 28 or block % 512:
        raise _Refused
    bitmap = -(-(block // 512) // 8 // 512) * 512 or 512
    out: Pieces = []
    for i, e in enumerate(_table(read, file_size, bat_off, entries, ">I")):
        if e != _VPC_FREE and i * block < capacity:
            out.append((i * block, read(e * 512 + bitmap, block)))
    return out


READERS: dict[str, Callable[[Reader, int, int], Pieces]] = {"qcow": _qcow, "qed": _qed, "vmdk": _vmdk, "vpc": _vpc}


def guest_data(fmt: str, read: Reader, file_size: int, capacity: int) -> Pieces | None:
    """The allocated guest data of a file of format ``fmt`` as (offset, bytes) below ``capacity``;
    None when the model does not read this file (its guest data then reads as zeros)."""
    reader = READERS.get(fmt)
    if reader is None:
        return None
    try:
        pieces = reader(read, file_size, capacity)
    except (_Refused, struct.error):
        return None
    return [(off, data[:capacity - off]) for off, data in pieces if off < capacity and data.strip(b"\0")]
