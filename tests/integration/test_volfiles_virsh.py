"""Volumes in and out as files through virsh and libvirt-python: vol-upload writes the file,
vol-download reads it, and QEMU's own tools accept what comes out."""

from __future__ import annotations

import subprocess
from pathlib import Path

import libvirt
import pytest

import fakevirt.handlers.storage  # noqa: F401  registers
import fakevirt.handlers.storage_vol  # noqa: F401  registers
from fakevirt.testing import ThreadedServer
from tests.integration import volfiles_common as vc
from tests.integration.conftest import err, ok

pytestmark = pytest.mark.skipif(not vc.have_tools(), reason="qemu-utils or xorriso missing")
POOL = "/tmp/fv-files"


@pytest.fixture
def pool(virsh) -> str:
    ok(virsh("pool-create-as", "files", "dir", "--target", POOL, "--build"))
    return "files"


def test_qcow2_upload_becomes_the_image(virsh, pool: str, tmp_path: Path) -> None:
    base = vc.make_base_qcow2(tmp_path)
    ok(virsh("vol-create-as", pool, "base", str(base.stat().st_size), "--format", "qcow2"))
    ok(virsh("vol-upload", "base", str(base), "--pool", pool))
    info = ok(virsh("vol-info", "base", "--pool", pool, "--bytes"))
    assert "Capacity:       33554432 bytes" in info and "Allocation:     1441792 bytes" in info
    ok(virsh("vol-create-as", pool, "top", "64M", "--format", "qcow2", "--backing-vol", f"{POOL}/base",
             "--backing-vol-format", "qcow2"))
    for name, sparse in (("base", ()), ("top", ("--sparse",))):
        ok(virsh("vol-download", name, str(tmp_path / name), "--pool", pool, *sparse))
    assert (tmp_path / "base").read_bytes() == base.read_bytes()
    assert subprocess.run(["qemu-img", "check", "-q", str(tmp_path / "base")]).returncode == 0
    assert subprocess.run(["qemu-img", "compare", "-q", str(base), str(tmp_path / "base")]).returncode == 0
    # The overlay's guest sees the uploaded image's data through its backing file.
    guest = vc.guest_raw(tmp_path / "top", tmp_path / "base")
    assert len(guest) == 64 << 20 and guest[:1 << 20] == b"\xab" * (1 << 20)
    assert guest[10 << 20:(10 << 20) + 65536] == b"\xcd" * 65536 and not guest[(1 << 20):10 << 20].strip(b"\0")


def test_a_qcow2_volume_downloads_as_a_qcow2_file(virsh, pool: str, fakevirt: ThreadedServer, tmp_path: Path) -> None:
    """A volume written by the guest (not uploaded) comes out as a qcow2 file qemu-img reads the same."""
    ok(virsh("vol-create-as", pool, "g.qcow2", "16M", "--format", "qcow2"))
    store = fakevirt.hypervisor.images
    fakevirt.call(store.write, f"{POOL}/g.qcow2", 5 << 20, b"guest data" * 1000)
    fakevirt.call(store.snapshot_create, f"{POOL}/g.qcow2", "snap")
    out = tmp_path / "g.qcow2"
    ok(virsh("vol-download", "g.qcow2", str(out), "--pool", pool, "--sparse"))
    assert subprocess.run(["qemu-img", "check", "-q", str(out)]).returncode == 0
    raw = tmp_path / "g.raw"
    subprocess.run(["qemu-img", "convert", "-O", "raw", str(out), str(raw)], check=True)
    assert raw.read_bytes()[5 << 20:(5 << 20) + 10000] == b"guest data" * 1000
    assert "snap" in subprocess.run(["qemu-img", "snapshot", "-l", str(out)], capture_output=True, text=True).stdout


def test_thirteen_bytes_round_trip(virsh, pool: str, tmp_path: Path) -> None:
    src, back = tmp_path / "13", tmp_path / "back"
    src.write_bytes(b"hello, world\n")
    ok(virsh("vol-create-as", pool, "t13", "13", "--format", "raw"))
    ok(virsh("vol-upload", "t13", str(src), "--pool", pool, "--offset", "0", "--length", "13"))
    ok(virsh("vol-download", "t13", str(back), "--pool", pool, "--offset", "0", "--length", "0"))
    assert back.read_bytes() == b"hello, world\n"
    ok(virsh("vol-download", "t13", str(back), "--pool", pool, "--offset", "7", "--length", "5", "--sparse"))
    assert back.read_bytes() == b"world"


def test_upload_of_a_partial_header_makes_the_file_raw(fakevirt: ThreadedServer, virsh, pool: str) -> None:
    """Five bytes over a qcow2 file's magic: the pool refresh probes raw bytes, of the file's size."""
    conn = libvirt.open(fakevirt.uri())
    vol = conn.storagePoolLookupByName(pool).createXML(vc.vol_xml("q", "qcow2", 1 << 20), 0)
    vc.upload(conn, vol, b"hello")
    assert vc.vol_summary(vol, POOL)["formats"] == ["raw"] and vol.info()[1] == 196616
    assert vc.download(conn, vol, 0, 8) == b"hello\0\0\x02"  # a v2 header: libvirt asks for compat=0.10
    conn.close()


def test_iso_volume_until_probed(virsh, pool: str, tmp_path: Path) -> None:
    iso = vc.make_iso(tmp_path)
    ok(virsh("vol-create-as", pool, "ci.iso", "10000", "--format", "iso"))
    xml = ok(virsh("vol-dumpxml", "ci.iso", "--pool", pool))
    assert "<format type='iso'/>" in xml and "<capacity unit='bytes'>10240</capacity>" in xml
    ok(virsh("pool-refresh", pool))
    assert "<format type='raw'/>" in ok(virsh("vol-dumpxml", "ci.iso", "--pool", pool))  # zeros probe as raw
    ok(virsh("vol-upload", "ci.iso", str(iso), "--pool", pool))
    assert "<format type='iso'/>" in ok(virsh("vol-dumpxml", "ci.iso", "--pool", pool))  # CD001 at 32769
    ok(virsh("vol-download", "ci.iso", str(tmp_path / "back"), "--pool", pool))
    assert (tmp_path / "back").read_bytes() == iso.read_bytes()


@pytest.mark.parametrize(("fmt", "message"), [
    ("bochs", f"internal error: Child process (/usr/bin/qemu-img create -f bochs {POOL}/v 1024K) unexpected exit "
              f"status 1: qemu-img: {POOL}/v: Format driver 'bochs' does not support image creation"),
    ("vhd", f"internal error: Child process (/usr/bin/qemu-img create -f vhd {POOL}/v 1024K) unexpected exit "
            f"status 1: qemu-img: {POOL}/v: Unknown file format 'vhd'"),
    ("ploop", "internal error: unable to find ploop, please install ploop tools"),
    ("none", "unsupported configuration: unknown volume format type none"),
])
def test_formats_libvirt_refuses(virsh, pool: str, fmt: str, message: str) -> None:
    assert err(virsh("vol-create-as", pool, "v", "1M", "--format", fmt)).splitlines()[-1] == f"error: {message}"


def test_every_creatable_format(virsh, pool: str) -> None:
    sizes = {}
    for fmt in ("raw", "iso", "qcow", "qcow2", "qed", "vmdk", "vpc", "vdi"):
        ok(virsh("vol-create-as", pool, f"v.{fmt}", "10000000", "--format", fmt))
        info = ok(virsh("vol-info", f"v.{fmt}", "--pool", pool, "--bytes"))
        sizes[fmt] = int(info.split("Capacity:")[1].split()[0])
    assert sizes == {"raw": 10000000, "iso": 10000384, "qcow": 10000384, "qcow2": 10000384, "qed": 10000384,
                     "vmdk": 10000384, "vpc": 10027008, "vdi": 10000384}
    ok(virsh("vol-create-as", pool, "d", "0", "--format", "dir"))
    assert ok(virsh("vol-info", "d", "--pool", pool)).split("Type:")[1].split()[0] == "dir"
    assert "Vol c.img cloned from v.vmdk" in ok(virsh("vol-clone", "v.vmdk", "c.img", "--pool", pool))
    assert "<format type='vmdk'/>" in ok(virsh("vol-dumpxml", "c.img", "--pool", pool))


def test_formats_qemu_img_cannot_resize(fakevirt: ThreadedServer, pool: str) -> None:
    conn = libvirt.open(fakevirt.uri())
    p = conn.storagePoolLookupByName(pool)
    for fmt in ("vmdk", "vpc", "vdi", "qcow"):
        vol = p.createXML(vc.vol_xml(f"r.{fmt}", fmt, 1 << 20), 0)
        assert vc.error_of(vol.resize, 2 << 20, 0) == (
            libvirt.VIR_ERR_INTERNAL_ERROR, libvirt.VIR_FROM_NONE,
            f"internal error: Child process (/usr/bin/qemu-img resize {POOL}/r.{fmt} 2097152) unexpected exit "
            "status 1: qemu-img: Image format driver does not support resize\n")
    qed = p.createXML(vc.vol_xml("r.qed", "qed", 1 << 20), 0)
    qed.resize(2 << 20, 0)
    assert qed.info()[1] == 2 << 20 and vc.download(conn, qed, 48, 8) == (2 << 20).to_bytes(8, "little")
    d = p.createXML(vc.vol_xml("d", "dir", 0), 0)
    assert vc.error_of(d.wipe, 0) == (libvirt.VIR_ERR_SYSTEM_ERROR, libvirt.VIR_FROM_STORAGE,
                                      f"Failed to open storage volume with path '{POOL}/d': Is a directory")
    assert vc.error_of(d.upload, conn.newStream(0), 0, 0, 0) == (
        libvirt.VIR_ERR_SYSTEM_ERROR, libvirt.VIR_FROM_STREAMS, f"Unable to open stream for '{POOL}/d': Is a directory")
    vmdk = p.storageVolLookupByName("r.vmdk")
    vmdk.wipe(0)  # a sparse file: emptied, its size kept
    assert vmdk.info() == [libvirt.VIR_STORAGE_VOL_FILE, 65536, 0]
    conn.close()
