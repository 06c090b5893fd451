"""``qemu-img create`` for the formats the model keeps only as files: qcow, qed, vmdk, vpc, vdi.

Each function gives the file qemu-img 7.2 writes for an empty image of ``size`` bytes (already
rounded to KiB as libvirt asks for it): its capacity as the header records it, its length, its
non-zero pieces and the blocks it allocates.  UUIDs, CIDs and timestamps come from ``salt`` and
``now``, so the same model state gives the same bytes.  Pure, no I/O.
"""

from __future__ import annotations

import hashlib
import posixpath
import struct
from dataclasses import dataclass, field

from .image import FS_BLOCK, round_up

_VPC_EPOCH = 946684800  # 2000-01-01T00:00:00Z


@dataclass
class ForeignFile:
    capacity: int
    size: int
    writes: list[tuple[int, bytes]] = field(default_factory=list)
    allocation: int = FS_BLOCK


def _random(salt: str, n: int) -> bytes:
    return hashlib.sha256(salt.encode()).digest()[:n]


def _qcow(size: int, path: str, now: float) -> ForeignFile:
    l1 = -(-size // (1 << 21))  # 4 KiB clusters, 512-entry L2 tables
    head = struct.pack(">4sIQIIQBBHIQ", b"QFI\xfb", 1, 0, 0, 0, size, 12, 9, 0, 0, 48)
    end = 48 + round_up(l1 * 8, 512)
    return ForeignFile(size, end, [(0, head)], round_up(end, FS_BLOCK))  # the L1 table is written


def _qed(size: int, path: str, now: float) -> ForeignFile:
    head = struct.pack("<4sIIIQQQQQII", b"QED\0", 65536, 4, 1, 0, 0, 0, 65536, size, 0, 0)
    return ForeignFile(size, 5 * 65536, [(0, head)], FS_BLOCK + 4 * 65536)  # the L1 table is written


def _vmdk(size: int, path: str, now: float) -> ForeignFile:
    sectors = -(-size // 512)
    gts = max(1, -(-sectors // (512 * 128)))
    gd_sectors = -(-gts * 4 // 512)
    rgd, gd = 21, 21 + gd_sectors + gts * 4
    overhead = round_up(gd + gd_sectors + gts * 4, 128)
    head = struct.pack("<4sIIQQQQIQQQB4sH", b"KDMV", 1, 3, sectors, 128, 1, 20, 512, rgd, gd, overhead, 0,
                       b"\n \r\n", 0)
    cid = _random(f"vmdk {path} {now}", 4).hex()
    desc = (f"# Disk DescriptorFile\nversion=1\nCID={cid}\nparentCID=ffffffff\ncreateType=\"monolithicSparse\"\n\n"
            f"# Extent description\nRW {sectors} SPARSE \"{posixpath.basename(path)}\"\n\n"
            f"# The Disk Data Base\n#DDB\n\nddb.virtualHWVersion = \"4\"\n"
            f"ddb.geometry.cylinders = \"{sectors // (16 * 63)}\"\nddb.geometry.heads = \"16\"\n"
            f"ddb.geometry.sectors = \"63\"\nddb.adapterType = \"ide\"\nddb.toolsVersion = \"2147483647\"\n")
    writes = [(0, head), (512, desc.encode())]
    for table, first in ((rgd, rgd + gd_sectors), (gd, gd + gd_sectors)):
        writes.append((table * 512, struct.pack(f"<{gts}I", *(first + 4 * i for i in range(gts)))))
    blocks = {off // FS_BLOCK for off, data in writes for off in range(off, off + len(data), FS_BLOCK)}
    return ForeignFile(sectors * 512, overhead * 512, writes, len(blocks) * FS_BLOCK)


def _chs(total: int) -> tuple[int, int, int]:
    """QEMU vpc's calculate_geometry()."""
    if total > 65535 * 16 * 255:
        return 65535, 16, 255
    spt = 17
    cth = total // spt
    heads = max(4, (cth + 1023) // 1024)
    if cth >= heads * 1024 or heads > 16:
        spt, heads, cth = 31, 16, total // 31
    if cth >= heads * 1024:
        spt, heads, cth = 63, 16, total // 63
    return cth // heads, heads, spt


def _checksum(buf: bytes) -> int:
    return ~sum(buf) & 0xFFFFFFFF


def _vpc(size: int, path: str, now: float) -> ForeignFile:
    want = size // 512
    i = 0
    while True:
        cyl, heads, spt = _chs(want + i)
        if cyl * heads * spt >= want:
            break
        i += 1
    cap = cyl * heads * spt * 512
    entries = -(-cap // (2 * 1024 * 1024))
    bat = round_up(entries * 4, 512)
    footer = bytearray(struct.pack(">8sIIQI4sI4sQQHBBII16sB", b"conectix", 2, 0x10000, 512,
                                   int(now - _VPC_EPOCH) & 0xFFFFFFFF, b"qemu", 0x00050003, b"Wi2k", cap, cap,
                                   cyl, heads, spt, 3, 0, _random(f"vpc {path} {now}", 16), 0))
    footer[64:68] = struct.pack(">I", _checksum(bytes(footer)))
    dyn = bytearray(struct.pack(">8sQQIII", b"cxsparse", 0xFFFFFFFFFFFFFFFF, 1536, 0x10000, entries, 2 << 20))
    dyn = dyn.ljust(1024, b"\0")
    dyn[36:40] = struct.pack(">I", _checksum(bytes(dyn)))
    end = 1536 + bat
    return ForeignFile(cap, end + 512, [(0, bytes(footer)), (512, bytes(dyn)), (1536, b"\xff" * bat),
                                        (end, bytes(footer))], round_up(end + 512, FS_BLOCK))


def _vdi(size: int, path: str, now: float) -> ForeignFile:
    blocks = -(-size // (1 << 20))
    data_off = round_up(512 + blocks * 4, 512)
    head = bytearray(b"<<< QEMU VM Virtual Disk Image >>>\n".ljust(64, b"\0"))
    head += struct.pack("<IIIII", 0xBEDA107F, 0x00010001, 0x180, 1, 0) + bytes(256)
    head += struct.pack("<IIIIIIIQIIII", 512, data_off, 0, 0, 0, 512, 0, size, 1 << 20, 0, blocks, 0)
    ids = _random(f"vdi {path} {now}", 32)
    head += ids[:16] + ids[16:] + bytes(32)
    return ForeignFile(size, data_off, [(0, bytes(head)), (512, b"\xff" * (blocks * 4))],
                       round_up(data_off, FS_BLOCK))


CREATORS = {"qcow": _qcow, "qed": _qed, "vmdk": _vmdk, "vpc": _vpc, "vdi": _vdi}


def create(fmt: str, size: int, path: str, now: float) -> ForeignFile:
    """The file ``qemu-img create -f FMT PATH SIZE`` writes (``fmt`` in CREATORS)."""
    return CREATORS[fmt](size, path, now)
