"""The image store over real files (--host-files): what qemu sees, read lazily, never written.

Files are made with the real qemu-img / qemu-io; the guest bytes the store reads are compared
with ``qemu-img convert -O raw`` of the same file.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import subprocess
from pathlib import Path

import pytest

from fakevirt.errors import ErrorCode
from fakevirt.errors.images import ImageError
from fakevirt.hostfiles import HostDirError, HostFiles
from fakevirt.model.images import ImageStore
from fakevirt.model.images.hostfs import HostFS, HostStat, Kind

pytestmark = pytest.mark.skipif(shutil.which("qemu-img") is None or shutil.which("qemu-io") is None,
                                reason="qemu-utils is not installed")
MiB = 1 << 20


def run(*args: str) -> None:
    subprocess.run(args, check=True, capture_output=True)


def qcow2(path: Path, size: str, *writes: str, opts: str = "", backing: Path | None = None) -> Path:
    extra = ["-o", opts] if opts else []
    if backing is not None:
        extra += ["-b", backing.name, "-F", "qcow2"]
    run("qemu-img", "create", "-q", "-f", "qcow2", *extra, str(path), size)
    if writes:
        run("qemu-io", "-f", "qcow2", *[a for w in writes for a in ("-c", w)], str(path))
    return path


def guest_bytes(path: Path, tmp: Path, snapshot: str | None = None) -> bytes:
    out = tmp / "converted.raw"
    run("qemu-img", "convert", *(["-l", snapshot] if snapshot else []), "-O", "raw", str(path), str(out))
    data = out.read_bytes()
    out.unlink()
    return data


def digest(directory: Path) -> dict[str, str]:
    return {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in sorted(directory.iterdir())}


class Counting:
    """A HostFS that counts the bytes read through it."""

    def __init__(self, inner: HostFS) -> None:
        self.inner = inner
        self.roots = inner.roots
        self.bytes_read = 0
        self.reads = 0

    def kind(self, path: str) -> Kind | None:
        return self.inner.kind(path)

    def listdir(self, path: str) -> list[tuple[str, Kind]]:
        return self.inner.listdir(path)

    def stat(self, path: str) -> HostStat:
        return self.inner.stat(path)

    def read(self, path: str, offset: int, length: int) -> bytes:
        data = self.inner.read(path, offset, length)
        self.reads += 1
        self.bytes_read += len(data)
        return data

    def extents(self, path: str, offset: int, length: int) -> list[tuple[int, int]]:
        return self.inner.extents(path, offset, length)


@pytest.fixture
def files(tmp_path: Path) -> Path:
    d = tmp_path / "images"
    d.mkdir()
    return d


def store_on(d: Path) -> ImageStore:
    return ImageStore(host=HostFiles([str(d)]))


@pytest.mark.parametrize("kind", ["plain", "compressed", "v2", "small-clusters", "zero-clusters"])
def test_qcow2_reads_what_qemu_reads(files: Path, tmp_path: Path, kind: str) -> None:
    writes = ("write -P 0xab 0 1M", "write -P 0xcd 10M 64k", "write -P 0x5a 33M 3k")
    opts = {"v2": "compat=0.10", "small-clusters": "cluster_size=4096"}.get(kind, "")
    src = qcow2(files / "a.qcow2", "64M", *writes, opts=opts)
    if kind == "compressed":
        run("qemu-img", "convert", "-c", "-O", "qcow2", str(src), str(files / "c.qcow2"))
        src.unlink()
        src = files / "c.qcow2"
    if kind == "zero-clusters":
        run("qemu-io", "-f", "qcow2", "-c", "write -z 0 512k", str(src))
    store = store_on(files)
    img = store.open(str(src))
    assert (img.format, img.virtual_size) == ("qcow2", 64 * MiB)
    assert store.read(str(src), 0, img.virtual_size) == guest_bytes(src, tmp_path)


def test_raw_sparse_file_reads_as_its_bytes(files: Path) -> None:
    raw = files / "disk.img"
    with open(raw, "wb") as f:
        f.truncate(5 * MiB + 13)
        f.seek(3 * MiB - 2)
        f.write(b"hello world")
        f.seek(5 * MiB + 10)
        f.write(b"end")
    store = store_on(files)
    img = store.open(str(raw))
    assert (img.format, img.virtual_size) == ("raw", 5 * MiB + 13)
    assert store.read(str(raw), 0, img.virtual_size) == raw.read_bytes()


def test_backing_chain_and_internal_snapshot(files: Path, tmp_path: Path) -> None:
    base = qcow2(files / "base.qcow2", "32M", "write -P 0x11 0 2M")
    top = qcow2(files / "top.qcow2", "32M", "write -P 0x22 1M 4k", backing=base)
    run("qemu-img", "snapshot", "-c", "before", str(top))
    run("qemu-io", "-f", "qcow2", "-c", "write -P 0x33 0 64k", str(top))
    store = store_on(files)
    img = store.open(str(top))
    assert (img.backing, img.backing_format) == ("base.qcow2", "qcow2")
    assert [i.path for i in store.chain(str(top))] == [str(top), str(base)]
    assert store.read(str(top), 0, 32 * MiB) == guest_bytes(top, tmp_path)
    assert [s.name for s in store.snapshot_list(str(top))] == ["before"]
    store.snapshot_apply(str(top), "before", force=True)
    snap = guest_bytes(top, tmp_path, "before")
    # the snapshot's own clusters read over the same backing file
    assert store.read(str(top), 0, 32 * MiB) == snap


def test_first_use_reads_metadata_then_one_cluster(files: Path) -> None:
    """Opening reads the header and tables, a guest read one L2 table and its clusters; a second
    read of the same range reads nothing more (copy-on-read)."""
    path = qcow2(files / "big.qcow2", "8G", "write -P 0x44 0 4M", "write -P 0x55 6G 64k")
    host = Counting(HostFiles([str(files)]))
    store = ImageStore(host=host)
    img = store.open(str(path))
    assert img.virtual_size == 8 << 30
    assert host.bytes_read < 8192  # header, extensions and a 16-entry L1: not the 4 MiB of data
    opened = host.bytes_read
    assert store.read(str(path), 6 << 30, 4096) == b"\x55" * 4096
    assert host.bytes_read - opened == 65536 + 65536  # one L2 table, one data cluster
    before = host.bytes_read
    assert store.read(str(path), 6 << 30, 65536) == b"\x55" * 65536
    assert host.bytes_read == before


def test_writes_stay_in_memory(files: Path) -> None:
    path = qcow2(files / "w.qcow2", "16M", "write -P 0x61 0 1M")
    raw = files / "w.raw"
    raw.write_bytes(b"x" * 100_000)
    before = digest(files)
    store = store_on(files)
    store.write(str(path), 4096, b"guest data", force=True)
    store.write_zeroes(str(path), 0, 65536, force=True)
    store.write(str(raw), 10, b"Y" * 70_000, force=True)
    store.resize(str(path), 32 * MiB, force=True)
    store.snapshot_create(str(path), "s")
    assert store.read(str(path), 4096, 10) == bytes(10)
    assert store.read(str(path), 65536, 4) == b"\x61" * 4
    assert store.read(str(raw), 8, 4) == b"xxYY"
    store.delete(str(raw))
    store.rename(str(path), str(files / "moved.qcow2"))
    assert store.listdir(str(files)) == [str(files / "moved.qcow2")]
    assert not store.exists(str(raw))
    assert digest(files) == before  # nothing on the host changed


def test_listing_and_confinement(files: Path, tmp_path: Path) -> None:
    (files / "sub").mkdir()
    (files / "sub" / "deep.img").write_bytes(b"d")
    (files / "top.iso").write_bytes(b"i" * 2048)
    outside = tmp_path / "outside.img"
    outside.write_bytes(b"secret")
    (files / "link.img").symlink_to(outside)
    store = store_on(files)
    assert store.listdir(str(files)) == [str(files / "sub"), str(files / "top.iso")]  # a subdirectory: a 'dir' volume
    assert store.listdir(str(files), recursive=True) == [str(files / "sub" / "deep.img"), str(files / "top.iso")]
    assert store.listdir("/", recursive=True) == store.listdir(str(files), recursive=True)
    assert store.open(str(files / "sub")).format == "dir"
    assert store.host_dir(str(files / "sub"))
    assert not store.exists(str(files / "link.img"))  # a symlink out of the roots shows nothing
    assert not store.exists(str(outside))
    with pytest.raises(ImageError) as e:
        store.open(str(outside))
    assert e.value.message == f"internal error: Could not open '{outside}': No such file or directory"


def test_without_host_files_nothing_is_read(files: Path) -> None:
    qcow2(files / "a.qcow2", "1M")
    store = ImageStore()
    assert not store.exists(str(files / "a.qcow2"))
    assert store.listdir(str(files)) == []
    assert not store.host_dir(str(files))


def test_host_files_must_be_directories(tmp_path: Path) -> None:
    with pytest.raises(HostDirError, match="not a directory"):
        HostFiles([str(tmp_path / "missing")])


@pytest.mark.parametrize(("opts", "feature"), [("compression_type=zstd", "zstd compression"),
                                               ("extended_l2=on", "extended L2 entries")])
def test_unsupported_qcow2_lists_but_refuses_reads(files: Path, opts: str, feature: str) -> None:
    path = qcow2(files / "f.qcow2", "4M", "write -P 1 0 64k", opts=opts)
    store = store_on(files)
    assert store.open(str(path)).virtual_size == 4 * MiB  # a pool still lists it with its size
    with pytest.raises(ImageError) as e:
        store.read(str(path), 0, 512)
    assert (e.value.code, e.value.message) == (
        ErrorCode.NO_SUPPORT, f"this function is not supported by the connection driver: "
                              f"fakevirt does not read qcow2 {feature} from host files")


def test_truncated_qcow2_reads_zeros_like_qemu(files: Path, tmp_path: Path) -> None:
    path = qcow2(files / "t.qcow2", "1G", "write -P 7 0 64k", "write -P 8 900M 64k")
    os.truncate(path, 5 * 65536)  # the data and part of the tables are cut off
    store = store_on(files)
    assert store.read(str(path), 900 * MiB, 65536) == guest_bytes(path, tmp_path)[900 * MiB: 901 * MiB][:65536]


def test_oversized_l1_table_lists_but_cannot_be_read(files: Path) -> None:
    path = qcow2(files / "l1.qcow2", "1G")
    with open(path, "r+b") as f:
        f.seek(36)
        f.write((0x7FFFFFFF).to_bytes(4, "big"))  # l1_size
    store = store_on(files)
    assert store.open(str(path)).virtual_size == 1 << 30
    with pytest.raises(ImageError) as e:
        store.read(str(path), 0, 512)
    assert e.value.message == f"internal error: Could not open '{path}': Active L1 table too large"


def test_zeroing_whole_regions_reads_no_tables(files: Path) -> None:
    """A write that replaces whole L2 ranges needs nothing from the file: no table is read."""
    path = qcow2(files / "z.qcow2", "4G", "write -P 1 0 1M", "write -P 2 3G 1M")
    host = Counting(HostFiles([str(files)]))
    store = ImageStore(host=host)
    store.open(str(path))
    opened = host.bytes_read
    store.write_zeroes(str(path), 0, 4 << 30, force=True)
    assert host.bytes_read == opened
    assert store.read(str(path), 3 << 30, 16) == bytes(16)


def test_raw_first_use_reads_nothing_but_the_first_sector(files: Path) -> None:
    raw = files / "big.raw"
    with open(raw, "wb") as f:
        f.truncate(1 << 40)  # a 1 TiB sparse file
        f.seek(1 << 39)
        f.write(b"middle")
    host = Counting(HostFiles([str(files)]))
    store = ImageStore(host=host)
    assert store.open(str(raw)).virtual_size == 1 << 40
    assert host.bytes_read == 512  # what the format probe looks at
    assert store.read(str(raw), (1 << 39) - 2, 8) == b"\0\0middle"
    assert host.bytes_read == 512 + 65536  # one chunk: the extents say where the data is


def test_applying_a_snapshot_keeps_the_file_sizes(files: Path) -> None:
    path = qcow2(files / "s.qcow2", "16M", "write -P 3 0 1M")
    run("qemu-img", "snapshot", "-c", "s", str(path))
    store = store_on(files)
    before = store.open(str(path)).allocation
    store.snapshot_apply(str(path), "s", force=True)
    assert store.open(str(path)).allocation == before == path.stat().st_size
