"""Image files as files: libvirt's format probe, and an image's bytes as its file holds them.

An image's *file* is what ``vol-upload`` writes and ``vol-download`` reads.  For raw images it is
the guest data; for qcow2 it is the layout of qcow2.py (or, while the image is unchanged since an
upload, the uploaded bytes themselves); formats the model does not interpret (qcow, qed, vmdk, vpc,
vdi, ...) keep their file's bytes and the capacity their header gives; their guest data is what
foreign_read.py reads from an uploaded file (qcow, qed, sparse vmdk, dynamic vpc), zeros otherwise.  ``as_file`` turns an image into a raw image of its file's bytes (what an upload
writes into), ``interpret`` turns such bytes back into what libvirt's probe and qemu see.
"""

from __future__ import annotations

import struct
from collections.abc import Iterator

from . import chain as rw
from . import qcow2
from .clusters import ClusterMap
from .foreign import CREATORS, create
from .foreign_read import guest_data
from .image import RAW_CHUNK, FileCopy, Image
from .qcow2_read import Qcow2Error, read_image

# virStorageFileFormat in order: the probe tries them in this order, first match wins.
FILE_FORMATS = ("none", "raw", "dir", "bochs", "cloop", "dmg", "iso", "vpc", "vdi", "fat", "vhd", "ploop",
                "cow", "qcow", "qcow2", "qed", "vmdk")
PROBE_HEADER = 0x8200  # VIR_STORAGE_MAX_HEADER: what libvirt reads of a file to probe it


# (magic offset, magic, little endian, version offset (-2: any), version size, versions,
#  size offset (-1: the file size), size multiplier) of storage_file_probe.c's fileTypeInfo
_PROBE: dict[str, tuple[int, bytes, bool, int, int, tuple[int, ...], int, int]] = {
    "iso": (32769, b"CD001", True, -2, 0, (), -1, 1),
    "vpc": (0, b"conectix", False, 12, 4, (0x10000,), 8 + 4 + 4 + 8 + 4 + 4 + 2 + 2 + 4, 1),
    "vdi": (64, b"\x7f\x10\xda\xbe", True, 68, 4, (0x00010001,), 64 + 5 * 4 + 256 + 7 * 4, 1),
    "ploop": (0, b"WithouFreSpacExt", True, -2, 0, (), 36, 512),
    "cow": (0, b"OOOM", False, 4, 4, (2,), 4 + 4 + 1024 + 4, 1),
    "qcow": (0, b"QFI", False, 4, 4, (1,), 24, 1),
    "qcow2": (0, b"QFI", False, 4, 4, (2, 3), 24, 1),
    "qed": (0, b"QED", True, -2, 0, (), 48, 1),
    "vmdk": (0, b"KDMV", True, 4, 4, (1, 2, 3), 12, 512),
}
CREATED = tuple(CREATORS)  # made by foreign.py as qemu-img would
CREATE_UNSUPPORTED = ("bochs", "cloop", "dmg")  # qemu-img has drivers for them, read-only
CREATE_UNKNOWN = ("fat", "vhd", "cow")  # qemu-img knows no such format
OPAQUE = ("vpc", "vdi", "ploop", "cow", "qcow", "qed", "vmdk")  # probed, not interpreted
KEPT = (*OPAQUE, "dir")  # images that are only their file (a directory: an empty one)


def _int(buf: bytes, off: int, size: int, little: bool) -> int | None:
    if off + size > len(buf):
        return None
    return int.from_bytes(buf[off:off + size], "little" if little else "big")


def probe(head: bytes, file_size: int) -> tuple[str, int]:
    """virStorageFileProbeFormatFromBuf + the capacity its metadata gives: (format, capacity)."""
    head = head[:PROBE_HEADER]
    for fmt, (moff, magic, little, voff, vsize, versions, soff, mult) in _PROBE.items():
        if head[moff:moff + len(magic)] != magic:
            continue
        if voff != -2 and _int(head, voff, vsize, little) not in versions:
            continue
        size = _int(head, soff, 8, little) if soff >= 0 else None
        return fmt, file_size if size is None else size * mult
    return "raw", file_size


def state_key(img: Image) -> tuple[object, ...]:
    """What the image holds, cheaply comparable: buffers compare by identity first."""
    return (img.virtual_size, img.cluster_size, img.backing, img.backing_format,
            tuple(img.clusters.data.items()), tuple(img.clusters.zero_runs()), tuple(img.snapshots))


def file_copy_valid(img: Image) -> bool:
    """Whether the uploaded bytes kept with ``img`` are still its file."""
    return img.file is not None and (img.format in KEPT or img.file.key == state_key(img))


def _raw_of(path: str, size: int, writes: list[tuple[int, bytes]]) -> Image:
    """A raw image of a file given as (offset, bytes) writes; the rest reads as zeros.  A write
    that is a whole chunk on its own is kept as is (a data cluster of a layout: no copy)."""
    per_chunk: dict[int, list[tuple[int, bytes]]] = {}
    for off, data in writes:
        pos = 0
        while pos < len(data):
            idx, inner = divmod(off + pos, RAW_CHUNK)
            n = min(len(data) - pos, RAW_CHUNK - inner)
            per_chunk.setdefault(idx, []).append((inner, data if n == len(data) else data[pos:pos + n]))
            pos += n
    clusters = ClusterMap()
    for idx in sorted(per_chunk):
        pieces_ = per_chunk[idx]
        if len(pieces_) == 1 and pieces_[0][0] == 0:
            buf = pieces_[0][1].rstrip(b"\0")
        else:
            chunk = bytearray(RAW_CHUNK)
            for inner, piece in pieces_:
                chunk[inner:inner + len(piece)] = piece
            buf = bytes(chunk).rstrip(b"\0")
        if buf:
            clusters.set(idx, buf)
    return Image(path, "raw", size, RAW_CHUNK, clusters=clusters)


def _fresh_qcow2(img: Image) -> list[tuple[int, bytes]]:
    """The file ``qemu-img create -f qcow2 -o compat=0.10`` writes (what libvirt runs): a v2
    header, the refcount table and block in clusters 1 and 2, the empty L1 table from cluster 3."""
    cs = img.cluster_size
    l1 = -(-img.virtual_size // (cs * (cs // 8)))
    ext = name = b""
    if img.backing is not None:
        fmt = (img.backing_format or "raw").encode()
        ext = struct.pack(">II", qcow2.EXT_BACKING_FORMAT, len(fmt)) + fmt.ljust(-(-len(fmt) // 8) * 8, b"\0")
        name = img.backing.encode()
    ext += bytes(8)
    name_off = 72 + len(ext) if name else 0
    head = struct.pack(">4sIQIIQIIQQIIQ", qcow2.MAGIC, 2, name_off, len(name), cs.bit_length() - 1,
                       img.virtual_size, 0, l1, 3 * cs, cs, 1, 0, 0)
    blocks = 3 + -(-l1 * 8 // cs)
    return [(0, head + ext + name), (cs, struct.pack(">Q", 2 * cs)), (2 * cs, struct.pack(f">{blocks}H", *[1] * blocks))]


def file_of(img: Image) -> Image:
    """A raw image holding ``img``'s file bytes (``img`` itself when it is raw)."""
    if img.format == "raw":
        return img
    if img.file is not None and file_copy_valid(img):
        return img.file.raw
    if img.format == "qcow2" and img.compat_v2 and not img.clusters and not img.snapshots:
        return _raw_of(img.path, img.allocation, _fresh_qcow2(img))
    if img.format == "qcow2":
        lay = qcow2.layout(img, None if img.backing is None else (img.backing, img.backing_format or "raw"))
        return _raw_of(img.path, lay.size, lay.writes)
    return Image(img.path, "raw", 0, RAW_CHUNK)


def file_size(img: Image) -> int:
    if img.format == "qcow2" and not file_copy_valid(img):
        return img.allocation  # qcow2_allocation is the end of the layout
    return file_of(img).virtual_size


def file_allocation(img: Image) -> int | None:
    """Blocks of an uploaded file (None: the image's own accounting applies)."""
    if img.format == "raw" or img.file is None or not file_copy_valid(img):
        return None
    return img.file.raw.allocation if img.file.allocation is None else img.file.allocation


def pieces(raw: Image, start: int, stop: int, piece: int) -> Iterator[bytes | int]:
    """The bytes [start, stop) of a raw image as data pieces and holes (ints)."""
    pos = start
    for a, b in rw.data_ranges([raw], stop):
        a, b = max(a, start), min(b, stop)
        if a >= b:
            continue
        if a > pos:
            yield a - pos
        for p in range(a, b, piece):
            yield rw.read([raw], p, min(piece, b - p))
        pos = b
    if stop > pos:
        yield stop - pos


def replace(img: Image, new: Image) -> None:
    """Make ``img`` (the object everyone holds) become ``new`` in place; backing index aside."""
    for name in ("format", "virtual_size", "cluster_size", "backing", "backing_format", "clusters",
                 "snapshots", "bitmaps", "file"):
        setattr(img, name, getattr(new, name))


def as_file(img: Image) -> Image:
    """The raw image of ``img``'s file, to be written into (an upload); ``img`` is not changed."""
    raw = file_of(img)
    if raw is img:
        return img
    return Image(img.path, "raw", raw.virtual_size, RAW_CHUNK, clusters=raw.clusters.copy())


def probed_format(img: Image) -> str | None:
    """What the probe calls a raw image whose bytes it recognises without qemu reading them
    differently (an ISO 9660 image: 'iso'); None when it is plain raw."""
    if img.format != "raw":
        return None
    fmt, _ = probe(rw.read([img], 0, min(img.virtual_size, PROBE_HEADER)), img.virtual_size)
    return fmt if fmt == "iso" else None


def interpret(raw: Image) -> Image:
    """What a file of these bytes is to libvirt's probe and to qemu: raw stays ``raw``."""
    size = raw.virtual_size
    head = rw.read([raw], 0, min(size, PROBE_HEADER))
    fmt, capacity = probe(head, size)
    copy = Image(raw.path, "raw", size, RAW_CHUNK, clusters=raw.clusters.copy())
    if fmt == "qcow2":
        try:
            img = read_image(lambda off, n: rw.read([raw], off, max(0, min(n, size - off))), raw.path, size,
                             lambda off: raw.clusters.get(off // RAW_CHUNK) or b"" if off % RAW_CHUNK == 0 else None)
        except Qcow2Error:
            return raw
        img.file = FileCopy(copy, state_key(img))
        return img
    if fmt in OPAQUE:
        img = Image(raw.path, fmt, capacity, RAW_CHUNK, file=FileCopy(copy, ()))
        data = guest_data(fmt, lambda off, n: rw.read([raw], off, max(0, min(n, size - off))), size, capacity)
        if data:  # what qemu reads from it (the file itself stays what was uploaded)
            img.clusters = _raw_of(raw.path, capacity, data).clusters
        return img
    return raw



def foreign_image(path: str, fmt: str, size: int, now: float) -> Image:
    """An empty image of a format the model keeps as a file (``qemu-img create -f FMT``)."""
    made = create(fmt, size, path, now)
    raw = _raw_of(path, made.size, made.writes)
    return Image(path, fmt, made.capacity, RAW_CHUNK, file=FileCopy(raw, (), made.allocation))


def directory(path: str) -> Image:
    """A directory volume (``<format type='dir'/>``): mkdir, nothing inside."""
    return Image(path, "dir", 0, RAW_CHUNK, file=FileCopy(Image(path, "raw", 0, RAW_CHUNK), (), 0))


def resize_kept(img: Image, size: int) -> bool:
    """``qemu-img resize`` of a format kept as a file: only qed can (its header's image size)."""
    if img.format != "qed" or img.file is None:
        return False
    rw.write([img.file.raw], 48, struct.pack("<Q", size))
    img.virtual_size = size
    return True
