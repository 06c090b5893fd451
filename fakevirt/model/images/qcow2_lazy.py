"""Read a qcow2 file (docs/interop/qcow2.txt) through a ``read(offset, length)`` function; pure.

``parse`` reads the header, its extensions, the backing file name, the active L1 table and the
snapshot table (all bounded by the header, never by the virtual size's data); ``Qcow2Source``
then gives the clusters of one L1 tree, one L2 table at a time, and reads (and inflates) one data
cluster at a time.  Encrypted images, external data files, extended L2 entries and zstd
compression are described by the header but refused when their data is read
(``errors.hostfiles.unsupported``), so a pool still lists them.
"""

from __future__ import annotations

import struct
import zlib
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field

from ...errors import hostfiles as err
from ...errors.images import ImageError
from .image import MAX_CLUSTER, MIN_CLUSTER, QCOW_MAX_L1_SIZE
from .lazy_clusters import ZERO

Reader = Callable[[int, int], bytes]  # (offset, length) -> bytes, short at the end of the file

MAGIC = b"QFI\xfb"
_V2 = struct.Struct(">4sIQIIQIIQQIIQ")  # 72 bytes
_V3 = struct.Struct(">QQQII")  # incompatible, compatible, autoclear features, refcount order, header length
EXT_END, EXT_BACKING_FORMAT = 0, 0xE2792ACA
INCOMPAT_DATA_FILE, INCOMPAT_COMPRESSION, INCOMPAT_EXTL2 = 1 << 2, 1 << 3, 1 << 4
OFFSET_MASK = 0x00FFFFFFFFFFFE00
COMPRESSED = 1 << 62
ZERO_FLAG = 1
MAX_SNAPSHOTS = 65536  # QCOW_MAX_SNAPSHOTS
MAX_SNAPSHOT_EXTRA = 1024  # QCOW_MAX_SNAPSHOT_EXTRA_DATA


@dataclass
class Snapshot:
    """One snapshot table entry: what InternalSnapshot needs, and its L1 table."""

    id: str
    name: str
    date_sec: int
    date_nsec: int
    vm_clock_ns: int
    vm_state_size: int
    virtual_size: int
    icount: int | None
    l1: list[int] = field(repr=False)


@dataclass
class Qcow2Header:
    version: int
    cluster_bits: int
    size: int
    backing: str | None
    backing_format: str | None
    l1: list[int] = field(repr=False)
    snapshots: list[Snapshot] = field(default_factory=list)
    problem: ImageError | None = None  # a feature fakevirt cannot read: raised when data is read

    @property
    def cluster_size(self) -> int:
        return 1 << self.cluster_bits


def _exact(read: Reader, offset: int, length: int) -> bytes:
    """QEMU's file driver reads zeros past the end of the file."""
    return read(offset, length).ljust(length, b"\0")


def _table(read: Reader, offset: int, entries: int, what: str) -> list[int]:
    if entries * 8 > QCOW_MAX_L1_SIZE:
        raise err.corrupt(f"{what} too large")
    return list(struct.unpack(f">{entries}Q", _exact(read, offset, entries * 8))) if entries else []


def _extensions(read: Reader, start: int, end: int) -> Iterator[tuple[int, bytes]]:
    pos = start
    while pos + 8 <= end:
        kind, length = struct.unpack(">II", _exact(read, pos, 8))
        if kind == EXT_END:
            return
        if length > end - pos - 8:
            raise err.corrupt("Invalid extension length")
        yield kind, _exact(read, pos + 8, length)
        pos += 8 + length + (-length % 8)


def parse(read: Reader) -> Qcow2Header:
    """The header, backing name and format, active L1 and snapshots of a qcow2 file."""
    head = _exact(read, 0, _V2.size)
    (magic, version, backing_off, backing_len, cluster_bits, size, crypt, l1_size, l1_off,
     _rt_off, _rt_clusters, nb_snapshots, snapshots_off) = _V2.unpack(head)
    if magic != MAGIC or version not in (2, 3):
        raise err.corrupt(f"Unsupported qcow2 version {version}")
    if not MIN_CLUSTER <= 1 << cluster_bits <= MAX_CLUSTER:
        raise err.corrupt(f"Unsupported cluster size: 2^{cluster_bits}")
    problem = err.unsupported("encrypted images") if crypt else None
    ext_start, cluster = _V2.size, 1 << cluster_bits
    if version == 3:
        incompat, _compat, _autoclear, _refcount_order, header_len = _V3.unpack(
            _exact(read, _V2.size, _V3.size))
        if incompat & INCOMPAT_DATA_FILE:
            problem = err.unsupported("external data files")
        elif incompat & INCOMPAT_EXTL2:
            problem = err.unsupported("extended L2 entries")
        elif incompat & INCOMPAT_COMPRESSION and header_len > 104 and read(104, 1) not in (b"\0", b""):
            problem = err.unsupported("zstd compression")
        ext_start = header_len
    ext_end = backing_off if backing_off else cluster
    backing_format = None
    for kind, data in _extensions(read, ext_start, ext_end):
        if kind == EXT_BACKING_FORMAT:
            backing_format = data.decode("utf-8", "replace")
    backing = None
    if backing_off and backing_len:
        backing = _exact(read, backing_off, min(backing_len, 1023)).decode("utf-8", "replace")
    snapshots = _snapshots(read, snapshots_off, min(nb_snapshots, MAX_SNAPSHOTS), size)
    return Qcow2Header(version, cluster_bits, size, backing, backing_format,
                       _table(read, l1_off, l1_size, "Active L1 table"), snapshots, problem)


def broken(read: Reader, problem: ImageError) -> Qcow2Header:
    """A header that parse() refused: its size and cluster size only, ``problem`` on reads."""
    fields = _V2.unpack(_exact(read, 0, _V2.size))
    bits = fields[4] if MIN_CLUSTER <= 1 << min(fields[4], 63) <= MAX_CLUSTER else 16
    return Qcow2Header(fields[1], bits, fields[5], None, None, [0], problem=problem)


def _snapshots(read: Reader, offset: int, count: int, size: int) -> list[Snapshot]:
    out: list[Snapshot] = []
    fixed = struct.Struct(">QIHHIIQII")
    pos = offset
    for _ in range(count):
        (l1_off, l1_size, id_len, name_len, date_sec, date_nsec, clock_ns, vm_state,
         extra_len) = fixed.unpack(_exact(read, pos, fixed.size))
        if extra_len > MAX_SNAPSHOT_EXTRA:
            raise err.corrupt("Too much extra metadata in snapshot table entry")
        extra = _exact(read, pos + fixed.size, extra_len)
        if len(extra) >= 8:
            vm_state = struct.unpack(">Q", extra[:8])[0]
        disk_size = struct.unpack(">Q", extra[8:16])[0] if len(extra) >= 16 else size
        icount: int | None = None
        if len(extra) >= 24:
            raw = struct.unpack(">Q", extra[16:24])[0]
            icount = None if raw == 0xFFFFFFFFFFFFFFFF else raw
        names = _exact(read, pos + fixed.size + extra_len, id_len + name_len)
        out.append(Snapshot(names[:id_len].decode("utf-8", "replace"), names[id_len:].decode("utf-8", "replace"),
                            date_sec, date_nsec, clock_ns, vm_state, disk_size, icount,
                            _table(read, l1_off, l1_size, "Snapshot L1 table")))
        length = fixed.size + extra_len + id_len + name_len
        pos += length + (-length % 8)
    return out


class Qcow2Source:
    """The clusters of one L1 tree of a qcow2 file (a ``ClusterSource``)."""

    zero_clusters = True

    def __init__(self, read: Reader, header: Qcow2Header, l1: list[int], size: int,
                 file_size: int = 0, disk_usage: int = 0) -> None:
        self._read = read
        self._bits = header.cluster_bits
        self._cs = header.cluster_size
        self._l1 = l1
        self._v3 = header.version == 3
        self._clusters = -(-size // self._cs)
        self.region_clusters = self._cs // 8
        self.regions = len(l1)
        self.file_size, self.disk_usage = file_size, disk_usage
        self._problem = header.problem

    def region(self, r: int) -> Iterator[tuple[int, int]]:
        if self._problem is not None:
            raise self._problem
        l2_off = self._l1[r] & OFFSET_MASK
        if not l2_off:
            return
        per = self.region_clusters
        table = self._read(l2_off, self._cs).ljust(self._cs, b"\0")
        base = r * per
        for i, entry in enumerate(struct.unpack(f">{per}Q", table)):
            idx = base + i
            if idx >= self._clusters:
                return
            if entry & COMPRESSED:
                yield idx, entry
            elif self._v3 and entry & ZERO_FLAG:
                yield idx, ZERO
            elif entry & OFFSET_MASK:
                yield idx, entry & OFFSET_MASK

    def load(self, entry: int) -> bytes:
        if not entry & COMPRESSED:
            return self._read(entry, self._cs)
        shift = 62 - (self._bits - 8)
        offset = entry & ((1 << shift) - 1)
        sectors = ((entry >> shift) & ((1 << (self._bits - 8)) - 1)) + 1
        packed = self._read(offset, sectors * 512 - (offset & 511))
        try:
            return zlib.decompressobj(-15).decompress(packed, self._cs)
        except zlib.error as e:
            raise err.corrupt(f"compressed cluster at {offset}: {e}") from None
