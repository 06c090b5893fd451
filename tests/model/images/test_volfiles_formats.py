"""Image files as files: libvirt's probe, the qcow2 reader, and the files qemu-img would write.

The qcow2 files read here are made by QEMU's own tools (qemu-img, qemu-io), and the files the
model writes are checked by them, so the reader and the writers follow QEMU, not each other.
"""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import pytest

from fakevirt.model.images import ImageStore, chain, foreign, formats, qcow2
from fakevirt.model.images.image import RAW_CHUNK, Image
from fakevirt.model.images.qcow2_read import Qcow2Error, read_image

needs_qemu = pytest.mark.skipif(not (shutil.which("qemu-img") and shutil.which("qemu-io")),
                                reason="qemu-utils not installed")


def raw_of(data: bytes, path: str = "/p/f") -> Image:
    img = Image(path, "raw", len(data), RAW_CHUNK)
    chain.write([img], 0, data)
    return img


def qemu_img(*args: str) -> str:
    return subprocess.run(["qemu-img", *args], check=True, capture_output=True, text=True).stdout


def qemu_io(path: Path, *cmds: str) -> None:
    subprocess.run(["qemu-io", *(a for c in cmds for a in ("-c", c)), str(path)], check=True, capture_output=True)


@pytest.mark.parametrize(("head", "expected"), [
    (b"QFI\xfb\0\0\0\x03" + bytes(16) + (5 << 20).to_bytes(8, "big"), ("qcow2", 5 << 20)),
    (b"QFI\xfb\0\0\0\x01" + bytes(16) + (7 << 20).to_bytes(8, "big"), ("qcow", 7 << 20)),
    (b"QFI\xfb\0\0\0\x09" + bytes(64), ("raw", 1000)),  # a version neither qcow nor qcow2 has
    (b"hello" + bytes(100), ("raw", 1000)),
    (b"KDMV\x01\0\0\0\x03\0\0\0" + (2048).to_bytes(8, "little"), ("vmdk", 2048 * 512)),
    (bytes(32769) + b"CD001" + bytes(10), ("iso", 1000)),
    (bytes(0x8200) + b"CD001", ("raw", 1000)),  # past VIR_STORAGE_MAX_HEADER
])
def test_probe_like_libvirt(head: bytes, expected: tuple[str, int]) -> None:
    assert formats.probe(head, 1000) == expected


@needs_qemu
def test_real_qcow2_files_read_as_qemu_sees_them(tmp_path: Path) -> None:
    """Data, zero clusters, compressed clusters, internal snapshots and the backing name."""
    f = tmp_path / "a.qcow2"
    (tmp_path / "base.img").write_bytes(b"\x99" * (8 << 20))
    qemu_img("create", "-q", "-f", "qcow2", "-b", "base.img", "-F", "raw", str(f), "8M")
    qemu_io(f, "write -P 0x11 0 100k", "write -z 1M 64k")
    qemu_img("snapshot", "-c", "first", str(f))
    qemu_io(f, "write -P 0x22 64k 64k")
    data = f.read_bytes()
    img = read_image(lambda off, n: data[off:off + n], "/p/a.qcow2", len(data))
    assert (img.virtual_size, img.backing, img.backing_format) == (8 << 20, "base.img", "raw")
    assert chain.read([img], 0, 65536) == b"\x11" * 65536
    assert chain.read([img], 65536, 65536) == b"\x22" * 65536
    assert img.clusters.get(16) == b""  # the zero cluster hides the backing file
    assert [s.name for s in img.snapshots] == ["first"]
    assert chain.read([Image("/s", "qcow2", 8 << 20, clusters=img.snapshots[0].clusters)], 65536, 8) == b"\x11" * 8
    assert img.snapshots[0].clusters.get(0) is img.clusters.get(0)  # shared, as the refcount says
    c = tmp_path / "c.qcow2"
    raw = tmp_path / "c.raw"
    raw.write_bytes(b"compress me " * 20000)
    qemu_img("convert", "-c", "-f", "raw", "-O", "qcow2", str(raw), str(c))
    cdata = c.read_bytes()
    cimg = read_image(lambda off, n: cdata[off:off + n], "/p/c.qcow2", len(cdata))
    assert chain.read([cimg], 0, 240000) == raw.read_bytes()


def test_not_qcow2_is_refused() -> None:
    with pytest.raises(Qcow2Error):
        read_image(lambda off, n: bytes(n), "/p/x", 4096)
    bad = qcow2.layout(Image("/p/q", "qcow2", 1 << 20)).writes
    head = dict(bad)[0]
    zstd = head[:72] + (1 << 3).to_bytes(8, "big") + head[80:]  # compression type: an unknown incompatible bit
    with pytest.raises(Qcow2Error):
        read_image(lambda off, n: zstd[off:off + n] if off < len(zstd) else bytes(n), "/p/q", 1 << 20)


def test_layout_reads_back_the_same_image() -> None:
    store = ImageStore()
    store.create("/p/b.qcow2", "qcow2", 1 << 20)
    img = store.create("/p/t.qcow2", "qcow2", 4 << 20, "b.qcow2", "qcow2")
    store.write(img.path, 70000, b"abc" * 1000)
    store.write_zeroes(img.path, 2 << 20, 65536)
    store.snapshot_create(img.path, "s1")
    store.write(img.path, 0, b"z" * 10)
    raw = formats.file_of(img)
    back = formats.interpret(raw)
    assert (back.format, back.virtual_size, back.backing, back.backing_format) == ("qcow2", 4 << 20, "b.qcow2", "qcow2")
    assert back.clusters == img.clusters and [s.name for s in back.snapshots] == ["s1"]
    assert back.snapshots[0].clusters == img.snapshots[0].clusters
    assert formats.file_copy_valid(back)  # downloads give the uploaded bytes back while nothing changed
    chain.write([back], 0, b"changed")
    assert not formats.file_copy_valid(back)


def test_a_huge_qcow2_file_costs_its_metadata_only() -> None:
    """2^51 bytes of virtual size: the L1 table is 32 MiB of zeros but only used entries are read."""
    img = Image("/p/h", "qcow2", 1 << 51)
    chain.write([img], (1 << 51) - 5, b"tail!")
    back = formats.interpret(formats.file_of(img))
    assert back.virtual_size == 1 << 51 and chain.read([back], (1 << 51) - 5, 5) == b"tail!"


@needs_qemu
@pytest.mark.parametrize("fmt", foreign.CREATORS)
@pytest.mark.parametrize("size", [1 << 20, 10000384, 1 << 30])
def test_foreign_files_are_what_qemu_img_reads(tmp_path: Path, fmt: str, size: int) -> None:
    made = foreign.create(fmt, size, f"/p/v.{fmt}", 1796500000.0)
    f = tmp_path / f"v.{fmt}"
    with open(f, "wb") as out:
        for off, data in made.writes:
            out.seek(off)
            out.write(data)
        out.truncate(made.size)
    info = json.loads(qemu_img("info", "--output=json", "-f", fmt, str(f)))
    assert info["virtual-size"] == made.capacity
    real = tmp_path / f"real.{fmt}"
    qemu_img("create", "-q", "-f", fmt, str(real), f"{size // 1024}K")
    assert real.stat().st_size == made.size
    assert real.stat().st_blocks * 512 == made.allocation
    assert formats.probe(f.read_bytes()[:formats.PROBE_HEADER], made.size) == (fmt, made.capacity)
