"""--host-files through libvirt-python: volumes, lookups, a running domain's raw disk read with
blockPeek, downloads, and guest writes that never reach the real file."""

from __future__ import annotations

import hashlib
import os
import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path

import libvirt
import pytest

from fakevirt.hostfiles import HostFiles
from fakevirt.model.hypervisor import Hypervisor
from fakevirt.testing import ThreadedServer
from tests.integration.conftest import error_of

pytestmark = pytest.mark.skipif(shutil.which("qemu-img") is None, reason="qemu-utils is not installed")
MiB = 1 << 20
POOL_XML = "<pool type='dir'><name>host</name><target><path>{path}</path></target></pool>"
DOMAIN = """<domain type='kvm'><name>vm</name><memory unit='MiB'>64</memory><vcpu>1</vcpu>
<os><type arch='x86_64'>hvm</type></os><devices>
<disk type='file' device='disk'><driver name='qemu' type='raw'/><source file='{disk}'/>
<target dev='vda' bus='virtio'/></disk></devices></domain>"""


def sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


@pytest.fixture
def images(tmp_path: Path) -> Path:
    d = tmp_path / "images"
    d.mkdir()
    with open(d / "disk.raw", "wb") as f:
        f.truncate(4 * MiB)
        f.seek(MiB)
        f.write(b"boot sector" * 100)
    subprocess.run(["qemu-img", "create", "-q", "-f", "qcow2", str(d / "big.qcow2"), "1T"], check=True)
    return d


@pytest.fixture
def server(images: Path) -> Iterator[ThreadedServer]:
    with ThreadedServer(Hypervisor(host_files=HostFiles([str(images)]))) as s:
        yield s
        s.collect()


@pytest.fixture
def conn(server: ThreadedServer) -> Iterator[libvirt.virConnect]:
    c = libvirt.open(server.uri())
    yield c
    c.close()


def test_volumes_and_lookups(conn: libvirt.virConnect, images: Path) -> None:
    pool = conn.storagePoolCreateXML(POOL_XML.format(path=images), 0)
    assert sorted(v.name() for v in pool.listAllVolumes()) == ["big.qcow2", "disk.raw"]
    raw, big = images / "disk.raw", images / "big.qcow2"
    assert pool.storageVolLookupByName("disk.raw").info() == [libvirt.VIR_STORAGE_VOL_FILE, 4 * MiB,
                                                              raw.stat().st_blocks * 512]
    assert pool.storageVolLookupByName("big.qcow2").info() == [libvirt.VIR_STORAGE_VOL_FILE, 1 << 40,
                                                               big.stat().st_blocks * 512]
    assert conn.storageVolLookupByPath(str(raw)).key() == str(raw)
    assert conn.storageVolLookupByKey(str(big)).name() == "big.qcow2"
    missing = images / "nope.raw"
    assert error_of(conn.storageVolLookupByPath, str(missing)) == (
        libvirt.VIR_ERR_NO_STORAGE_VOL, libvirt.VIR_FROM_STORAGE,
        f"Storage volume not found: no storage vol with matching path '{missing}'")


def test_domain_reads_the_file_and_writes_stay_in_memory(server: ThreadedServer, conn: libvirt.virConnect,
                                                        images: Path) -> None:
    raw = images / "disk.raw"
    before = sha(raw)
    dom = conn.defineXML(DOMAIN.format(disk=raw))
    dom.create()
    assert dom.blockPeek("vda", MiB, 11, 0) == b"boot sector"
    hv = server.hypervisor
    server.call(lambda: hv.images.write(str(raw), MiB, b"GUEST WROTE", force=True))
    assert dom.blockPeek("vda", MiB, 11, 0) == b"GUEST WROTE"
    assert sha(raw) == before
    # a fresh emulated host sees the real file again
    server.call(hv.reset)
    assert server.call(lambda: hv.images.read(str(raw), MiB, 11)) == b"boot sector"


def test_download_of_a_host_raw_file(conn: libvirt.virConnect, images: Path) -> None:
    pool = conn.storagePoolCreateXML(POOL_XML.format(path=images), 0)
    vol = pool.storageVolLookupByName("disk.raw")
    stream = conn.newStream(0)
    vol.download(stream, MiB, 1100, 0)
    got = b""
    while True:
        chunk = stream.recv(65536)
        if not chunk:
            break
        got += chunk
    stream.finish()
    assert got == (images / "disk.raw").read_bytes()[MiB: MiB + 1100]


def test_a_file_added_on_the_host_appears_on_refresh(conn: libvirt.virConnect, images: Path) -> None:
    pool = conn.storagePoolCreateXML(POOL_XML.format(path=images), 0)
    (images / "later.iso").write_bytes(b"\x01" * 4096)
    assert "later.iso" not in pool.listVolumes()
    pool.refresh(0)
    assert pool.storageVolLookupByName("later.iso").info()[1] == 4096
    os.unlink(images / "later.iso")
