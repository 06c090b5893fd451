"""--host-files: a pool on a real directory lists its subdirectories as volumes of type 'dir' and
probes its files' formats as libvirt's dir backend does (a vmdk with its header's capacity, an ISO
as iso).  The same tree on libvirtd 9.0 (`real` twin) gives the same listing."""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
from collections.abc import Iterator
from pathlib import Path

import libvirt
import pytest

from fakevirt.hostfiles import HostFiles
from fakevirt.model.hypervisor import Hypervisor
from fakevirt.testing import ThreadedServer
from tests.integration.conftest import result_or_error

pytestmark = pytest.mark.skipif(shutil.which("qemu-img") is None, reason="qemu-utils is not installed")
POOL = f"fvhostdirs-{os.getpid()}"
MiB = 1 << 20


def make_tree(root: Path) -> None:
    (root / "sub1" / "deeper").mkdir(parents=True)
    (root / "sub1" / "notes.txt").write_text("hello")
    (root / "sub2").mkdir()
    subprocess.run(["qemu-img", "create", "-q", "-f", "vmdk", str(root / "disk.vmdk"), "5M"], check=True)
    subprocess.run(["qemu-img", "create", "-q", "-f", "raw", str(root / "plain.img"), "1M"], check=True)
    iso = bytearray(64 * 1024)
    iso[0x8001:0x8006] = b"CD001"
    (root / "seed.iso").write_bytes(bytes(iso))



def _scenario(conn: libvirt.virConnect, root: Path) -> list[object]:
    pool = conn.storagePoolCreateXML(f"<pool type='dir'><name>{POOL}</name><target><path>{root}</path>"
                                     "</target></pool>")
    try:
        out: list[object] = []
        for vol in sorted(pool.listAllVolumes(), key=lambda v: v.name()):
            info = vol.info()
            xml = vol.XMLDesc()
            fmt = xml[xml.find("<format"):xml.find("/>", xml.find("<format")) + 2]
            dir_alloc = info[2] if info[0] == libvirt.VIR_STORAGE_VOL_DIR else "-"
            out.append((vol.name(), info[0], info[1], dir_alloc, fmt, vol.path()))
        sub1 = pool.storageVolLookupByName("sub1")
        out.append(sub1.XMLDesc().startswith("<volume type='dir'>\n  <name>sub1</name>"))
        out.append(result_or_error(sub1.delete))
        return out
    finally:
        pool.destroy()


EXPECTED = [
    ("disk.vmdk", 0, 5 * MiB, "-", "<format type='vmdk'/>", "/R/disk.vmdk"),
    ("plain.img", 0, MiB, "-", "<format type='raw'/>", "/R/plain.img"),
    ("seed.iso", 0, 65536, "-", "<format type='iso'/>", "/R/seed.iso"),
    ("sub1", 2, 0, 0, "<format type='dir'/>", "/R/sub1"),
    ("sub2", 2, 0, 0, "<format type='dir'/>", "/R/sub2"),
    True,
    (38, 18, "cannot remove directory '/R/sub1': Directory not empty"),
]


def test_host_directories_on_fakevirt(tmp_path: Path) -> None:
    make_tree(tmp_path)
    with ThreadedServer(Hypervisor(host_files=HostFiles([str(tmp_path)]))) as s:
        conn = libvirt.open(s.uri())
        try:
            got = _scenario(conn, tmp_path)
        finally:
            conn.close()
        s.collect()
    assert [str(x).replace(str(tmp_path), "/R") for x in got] == [str(x) for x in EXPECTED]


@pytest.fixture
def reference_tree(reference_uri: str) -> Iterator[tuple[libvirt.virConnect, Path]]:
    root = Path(tempfile.mkdtemp(prefix="fvhostdirs-", dir="/var/lib/libvirt/images"))
    os.chmod(root, 0o755)
    make_tree(root)
    conn = libvirt.open(reference_uri)
    try:
        yield conn, root
    finally:
        conn.close()
        shutil.rmtree(root, ignore_errors=True)


@pytest.mark.real
def test_host_directories_on_libvirtd(reference_tree: tuple[libvirt.virConnect, Path]) -> None:
    conn, root = reference_tree
    got = _scenario(conn, root)
    assert [str(x).replace(str(root), "/R") for x in got] == [str(x) for x in EXPECTED]
