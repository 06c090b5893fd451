"""Size and name limits of volumes through real clients, checked against a real libvirtd.

The emulated pools live on one synthetic ext4 filesystem (largest file 16 TiB - 4 KiB, names of
at most 255 bytes); qcow2 images end at 2^51 bytes with 64 KiB clusters.  The same scenario runs
against fakevirt (expected results below) and, when reachable, the reference libvirtd.
"""

from __future__ import annotations

import os
import shutil
import uuid
from collections.abc import Callable
from pathlib import Path

import libvirt
import pytest

import fakevirt.handlers.storage  # noqa: F401  registers
import fakevirt.handlers.storage_vol  # noqa: F401  registers

FS_MAX = (1 << 44) - 4096
QCOW2_MAX = 1 << 51
MiB = 1 << 20
NONE, STORAGE, STREAMS = libvirt.VIR_FROM_NONE, libvirt.VIR_FROM_STORAGE, libvirt.VIR_FROM_STREAMS
SYSTEM, INTERNAL = libvirt.VIR_ERR_SYSTEM_ERROR, libvirt.VIR_ERR_INTERNAL_ERROR
LONG = "n" * 256

Outcome = tuple[object, ...]


def outcome(pool_path: str, fn: Callable[[], object]) -> Outcome:
    try:
        return ("ok", fn())
    except libvirt.libvirtError as e:
        return (e.get_error_code(), e.get_error_domain(), e.get_error_message().replace(pool_path, "P"))


def vol_xml(name: str, cap: int | str, fmt: str, alloc: int | None = 0) -> str:
    a = "" if alloc is None else f"<allocation>{alloc}</allocation>"
    return (f"<volume><name>{name}</name><capacity>{cap}</capacity>{a}"
            f"<target><format type='{fmt}'/></target></volume>")


def upload(conn: libvirt.virConnect, vol: libvirt.virStorageVol, steps: list[tuple[str, int]],
           length: int = 0, sparse: bool = True) -> int:
    """Send data ('d', n) and holes ('h', n); returns the capacity afterwards."""
    st = conn.newStream()
    vol.upload(st, 0, length, libvirt.VIR_STORAGE_VOL_UPLOAD_SPARSE_STREAM if sparse else 0)
    try:
        for kind, n in steps:
            st.send(b"x" * n) if kind == "d" else st.sendHole(n)
        st.finish()
    except libvirt.libvirtError:
        st.abort()
        raise
    return vol.info()[1]


def scenario(conn: libvirt.virConnect, pool: libvirt.virStoragePool, path: str) -> dict[str, Outcome]:
    def create(name: str, cap: int | str, fmt: str, alloc: int | None = 0) -> Callable[[], object]:
        return lambda: pool.createXML(vol_xml(name, cap, fmt, alloc), 0).info()[1]

    out = {
        "raw at the largest file": outcome(path, create("max.raw", FS_MAX, "raw")),
        "raw past it": outcome(path, create("big.raw", FS_MAX + 1, "raw")),
        "raw to the byte": outcome(path, create("odd.raw", MiB + 1, "raw")),
        "raw preallocated past the free space": outcome(path, create("full.raw", 1 << 40, "raw", None)),
        "qcow2 at its limit": outcome(path, create("max.qcow2", QCOW2_MAX, "qcow2")),
        "qcow2 past it": outcome(path, create("big.qcow2", QCOW2_MAX + 1, "qcow2")),
        "qcow2 in KiB": outcome(path, create("odd.qcow2", MiB + 1, "qcow2")),
        "raw name too long": outcome(path, create(LONG, 1024, "raw")),
        "qcow2 name too long": outcome(path, create(LONG, 1024, "qcow2")),
        "capacity past LLONG_MAX": outcome(path, create("o.raw", 1 << 63, "raw")),
    }
    raw = pool.createXML(vol_xml("r.raw", MiB, "raw"), 0)
    qcow2 = pool.createXML(vol_xml("r.qcow2", MiB, "qcow2"), 0)
    out["raw resize past the largest file"] = outcome(path, lambda: raw.resize(FS_MAX + 1))
    out["raw resize to the byte"] = outcome(path, lambda: (raw.resize(MiB + 1), raw.info()[1])[1])
    out["qcow2 resize in sectors"] = outcome(path, lambda: (qcow2.resize(MiB + 1), qcow2.info()[1])[1])
    out["qcow2 resize past its limit"] = outcome(path, lambda: qcow2.resize(QCOW2_MAX + 1))
    out["upload past --length"] = outcome(path, lambda: upload(conn, raw, [("d", 600), ("d", 401)], 1000))
    out["holes past --length are cut"] = outcome(path, lambda: upload(conn, raw, [("h", 600), ("h", 600)], 1000))
    out["a hole truncates a raw file"] = outcome(path, lambda: upload(conn, raw, [("d", 10), ("h", 10), ("d", 10)]))
    out["upload offset past the largest file"] = outcome(
        path, lambda: raw.upload(conn.newStream(), FS_MAX + 4096, 0, 0))
    return out


def qemu_img(args: str, message: str) -> Outcome:
    return (INTERNAL, NONE, f"internal error: Child process (/usr/bin/qemu-img {args}) unexpected exit status 1: "
            f"qemu-img: {message}\n")


EXPECTED: dict[str, Outcome] = {
    "raw at the largest file": ("ok", FS_MAX),
    "raw past it": (SYSTEM, STORAGE, "cannot extend file 'P/big.raw': File too large"),
    "raw to the byte": ("ok", MiB + 1),
    "raw preallocated past the free space": (
        SYSTEM, STORAGE, "cannot allocate 1099511627776 bytes in file 'P/full.raw': No space left on device"),
    "qcow2 at its limit": ("ok", QCOW2_MAX),
    "qcow2 past it": qemu_img(
        "create -f qcow2 -o compat=0.10 P/big.qcow2 2199023255553K",
        "P/big.qcow2: The image size is too large for file format 'qcow2' (try using a larger cluster size)"),
    "qcow2 in KiB": ("ok", MiB + 1024),
    "raw name too long": (SYSTEM, STORAGE, f"Failed to create file 'P/{LONG}': File name too long"),
    "qcow2 name too long": qemu_img(
        f"create -f qcow2 -o compat=0.10 P/{LONG} 1K", f"P/{LONG}: Could not create 'P/{LONG}': File name too long"),
    "capacity past LLONG_MAX": (libvirt.VIR_ERR_OVERFLOW, NONE, "numerical overflow: value too large: "
                                "9223372036854775808"),
    "raw resize past the largest file": (SYSTEM, NONE, "Failed to truncate file 'P/r.raw': File too large"),
    "raw resize to the byte": ("ok", MiB + 1),
    "qcow2 resize in sectors": ("ok", MiB + 512),
    "qcow2 resize past its limit": qemu_img(f"resize P/r.qcow2 {QCOW2_MAX + 512}",
                                            "Failed to grow the L1 table: File too large"),
    "upload past --length": (SYSTEM, STREAMS, "cannot write to stream: No space left on device"),
    "holes past --length are cut": ("ok", 1000),
    "a hole truncates a raw file": ("ok", 30),
    "upload offset past the largest file": (
        SYSTEM, STREAMS, f"Unable to seek P/r.raw to {FS_MAX + 4096}: Invalid argument"),
}


@pytest.fixture
def fv(fakevirt_uri: str):
    conn = libvirt.open(fakevirt_uri)
    pool = conn.storagePoolCreateXML("<pool type='dir'><name>lim</name><target><path>/tmp/fv-lim</path>"
                                     "</target></pool>", libvirt.VIR_STORAGE_POOL_CREATE_WITH_BUILD)
    yield conn, pool
    conn.close()


def test_limits(fv) -> None:
    conn, pool = fv
    assert scenario(conn, pool, "/tmp/fv-lim") == EXPECTED


def test_a_failed_create_leaves_no_volume(fv) -> None:
    conn, pool = fv
    with pytest.raises(libvirt.libvirtError):
        pool.createXML(vol_xml("big.qcow2", QCOW2_MAX + 1, "qcow2"), 0)
    with pytest.raises(libvirt.libvirtError):
        pool.createXML(vol_xml(LONG, 1, "raw"), 0)
    assert pool.listVolumes() == []


def test_hole_into_a_huge_backed_qcow2_volume(fv, fakevirt) -> None:
    """An upload writes the volume's file: a STREAM_HOLE of the overlay's virtual size (2^51) lies
    past the largest file and fails as on libvirtd; the overlay stays as it was, cheaply."""
    conn, pool = fv
    pool.createXML(vol_xml("base.qcow2", QCOW2_MAX, "qcow2"), 0)
    top = pool.createXML("<volume><name>top.qcow2</name><capacity>2251799813685248</capacity><target>"
                         "<format type='qcow2'/></target><backingStore><path>/tmp/fv-lim/base.qcow2</path>"
                         "<format type='qcow2'/></backingStore></volume>", 0)
    st = conn.newStream()
    top.upload(st, 0, 0, libvirt.VIR_STORAGE_VOL_UPLOAD_SPARSE_STREAM)
    st.sendHole(QCOW2_MAX - 2)
    with pytest.raises(libvirt.libvirtError) as e:
        st.finish()
    assert e.value.get_error_message() == "unable to seek in /tmp/fv-lim/top.qcow2: Invalid argument"
    img = fakevirt.call(fakevirt.hypervisor.images.open, "/tmp/fv-lim/top.qcow2")
    assert (img.format, img.virtual_size, img.backing) == ("qcow2", QCOW2_MAX, "/tmp/fv-lim/base.qcow2")
    assert not img.clusters and top.info()[1] == QCOW2_MAX
    top.resize(QCOW2_MAX)  # already there; a wipe of a sparse volume is cheap too
    top.wipe()


def test_virsh_sparse_upload_sets_a_raw_volume_to_the_file_size(virsh, fv, tmp_path: Path) -> None:
    src = tmp_path / "sparse"
    with open(src, "wb") as f:
        f.write(os.urandom(4096))
        f.truncate(65536)
    r = virsh("vol-create-as", "lim", "s.raw", "1M", "--format", "raw", "--allocation", "0")
    assert r.returncode == 0, r.stderr
    r = virsh("vol-upload", "s.raw", str(src), "--pool", "lim", "--sparse")
    assert r.returncode == 0, r.stderr
    assert "Capacity:       65536 bytes" in virsh("vol-info", "s.raw", "--pool", "lim", "--bytes").stdout
    r = virsh("vol-create-as", "lim", "h.raw", str(FS_MAX + 1), "--format", "raw", "--allocation", "0")
    assert r.stderr.strip() == ("error: Failed to create vol h.raw\n"
                                "error: cannot extend file '/tmp/fv-lim/h.raw': File too large")


@pytest.mark.real
def test_limits_match_real_libvirtd(reference_uri: str) -> None:
    conn = libvirt.open(reference_uri)
    path = f"/tmp/fv-lim-{uuid.uuid4().hex[:8]}"
    pool = conn.storagePoolCreateXML(f"<pool type='dir'><name>{Path(path).name}</name><target><path>{path}"
                                     "</path></target></pool>", libvirt.VIR_STORAGE_POOL_CREATE_WITH_BUILD)
    try:
        got = scenario(conn, pool, path)
    finally:
        for vol in pool.listAllVolumes():
            vol.delete()
        pool.destroy()
        shutil.rmtree(path, ignore_errors=True)
        conn.close()
    assert got == EXPECTED
