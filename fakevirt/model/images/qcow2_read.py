"""Read a qcow2 file (docs/interop/qcow2.txt) through a ``read(offset, length)`` function; pure.

One reader, opened lazily: ``parse`` reads the header, its extensions, the backing file name, the
active L1 table and the snapshot table (all bounded by the header, never by the virtual size's
data); ``Qcow2Source`` then gives the clusters of one L1 tree, one L2 table at a time, and reads
(and inflates) one data cluster at a time.  A host file (``--host-files``) stays that way, read on
first use.  ``read_image`` reads everything into an Image at once, for an uploaded volume whose
bytes are already in memory: the header, every tree and the shared clusters; its cost follows the
file's size, never the virtual size.

Encrypted images, external data files, extended L2 entries and zstd compression are described by
the header but refused when their data is read (``errors.hostfiles.unsupported``), so a pool still
lists them; ``read_image`` refuses them at once (``Qcow2Error``: the upload stays raw bytes).
"""

from __future__ import annotations

import struct
import zlib
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field

from ...errors import hostfiles as err
from ...errors.images import ImageError
from .clusters import ClusterMap
from .image import MAX_CLUSTER, MIN_CLUSTER, QCOW_MAX_L1_SIZE, Image, InternalSnapshot
from .lazy_clusters import ZERO
from .qcow2 import EXT_BACKING_FORMAT, MAGIC

Reader = Callable[[int, int], bytes]  # (offset, length) -> bytes, short at the end of the file
Chunk = Callable[[int], bytes | None]  # a whole 64 KiB chunk of the file at this offset, if the file keeps one

_V2 = struct.Struct(">4sIQIIQIIQQIIQ")  # 72 bytes
_V3 = struct.Struct(">QQQII")  # incompatible, compatible, autoclear features, refcount order, header length
EXT_END = 0
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


class Qcow2Error(ValueError):
    """The bytes are not a qcow2 file the model can hold (qemu would refuse it or need a feature
    the model lacks); ``read_image``'s caller treats the file as raw bytes."""


def parse(read: Reader, file_size: int | None = None) -> Qcow2Header:
    """The header, backing name and format, active L1 and snapshots of a qcow2 file.

    ``file_size``, when known, bounds the L1 table before it is read (a table past the end of
    the file is corrupt, whatever size its header claims).
    """
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
        elif incompat & INCOMPAT_COMPRESSION:  # QEMU refuses the bit beside zlib, the default type
            zstd = header_len > 104 and read(104, 1) not in (b"\0", b"")
            problem = err.unsupported("zstd compression") if zstd else err.corrupt("compression type bit set for zlib")
        elif incompat >> 5:
            problem = err.unsupported(f"incompatible features 0x{incompat:x}")
        ext_start = header_len
    per_l1 = cluster * (cluster // 8)
    if l1_size < -(-size // per_l1) or (file_size is not None and l1_size * 8 > file_size + cluster):
        raise err.corrupt("L1 table is too small" if l1_size < -(-size // per_l1) else "L1 table does not fit")
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


def read_image(read: Reader, path: str, file_size: int, chunk: Chunk | None = None) -> Image:
    """The whole Image a qcow2 file holds, stored at ``path``; Qcow2Error if the model cannot hold it.

    ``chunk`` gives 64 KiB data clusters without copying them, where the file keeps them whole;
    clusters that several trees share (snapshots) share one buffer.
    """
    try:
        header = parse(read, file_size)
    except ImageError as e:
        raise Qcow2Error(str(e)) from None
    if header.problem is not None:
        raise Qcow2Error(str(header.problem))
    seen: dict[int, bytes] = {}
    try:
        active = _whole(read, header, header.l1, header.size, seen, chunk)
        snaps = [InternalSnapshot(id=s.id, name=s.name, date_sec=s.date_sec, date_nsec=s.date_nsec,
                                  vm_state_size=s.vm_state_size, vm_clock_ns=s.vm_clock_ns,
                                  virtual_size=s.virtual_size, icount=s.icount,
                                  clusters=_whole(read, header, s.l1, s.virtual_size, seen, chunk))
                 for s in header.snapshots]
    except ImageError as e:
        raise Qcow2Error(str(e)) from None
    return Image(path, "qcow2", header.size, header.cluster_size, header.backing, header.backing_format,
                 active, snaps, compat_v2=header.version == 2)


def _whole(read: Reader, header: Qcow2Header, l1: list[int], size: int, seen: dict[int, bytes],
           chunk: Chunk | None) -> ClusterMap:
    """Every cluster of one L1 tree, read now (``seen``: buffers by host entry, shared)."""
    source = Qcow2Source(read, header, l1, size)
    out = ClusterMap()
    for r in range(source.regions):
        for idx, entry in source.region(r):
            if entry == ZERO:
                out.zero(idx, idx + 1)
                continue
            if entry not in seen:
                whole = chunk(entry) if chunk is not None and not entry & COMPRESSED \
                    and header.cluster_size == 65536 else None
                seen[entry] = whole if whole is not None else source.load(entry).rstrip(b"\0")
            out.set(idx, seen[entry])
    return out

