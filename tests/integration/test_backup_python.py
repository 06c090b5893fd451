"""Backups through libvirt-python: push (full, incremental), pull over NBD read by real NBD clients
(qemu-img, nbdinfo), the job's stats/info/abort, JOB_COMPLETED, and libvirt's errors."""

from __future__ import annotations

import shutil
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import libvirt
import pytest

from fakevirt.model.images.interop import export_chain
from fakevirt.testing import ThreadedServer
from fakevirt.testing.libvirt_events import ensure_event_loop, wait_for

IMG = "/var/lib/libvirt/images/bk/vm.qcow2"
MIB = 1 << 20
DOMAIN_XML = f"""<domain type='kvm'><name>bk1</name><memory unit='MiB'>64</memory>
<os><type arch='x86_64'>hvm</type></os><devices>
<disk type='file' device='disk'><driver name='qemu' type='qcow2'/><source file='{IMG}'/>
<target dev='vda' bus='virtio'/></disk>
<disk type='file' device='cdrom'><driver name='qemu' type='raw'/><target dev='hdc' bus='ide'/><readonly/></disk>
</devices></domain>"""


@pytest.fixture
def env(fakevirt: ThreadedServer) -> Iterator[tuple[ThreadedServer, libvirt.virDomain]]:
    hv = fakevirt.hypervisor

    def setup() -> None:
        hv.images.create(IMG, "qcow2", 64 * MIB)
        hv.images.write(IMG, 0, b"A" * 70000, force=True)
        hv.images.write(IMG, 10 * MIB, b"B" * 4096, force=True)

    fakevirt.call(setup)
    conn = libvirt.open(fakevirt.uri())
    dom = conn.defineXML(DOMAIN_XML)
    dom.create()
    yield fakevirt, dom
    conn.close()


def guest_write(srv: ThreadedServer, offset: int, data: bytes) -> None:
    hv = srv.hypervisor
    srv.call(lambda: hv.system.domains.guest_write(hv.system.domains.by_name("bk1"), "vda", offset, data))


def guest_read(srv: ThreadedServer, offset: int, length: int) -> bytes:
    hv = srv.hypervisor
    return srv.call(lambda: hv.system.domains.guest_read(hv.system.domains.by_name("bk1"), "vda", offset, length))


def wait_done(dom: libvirt.virDomain) -> dict[str, Any]:
    deadline = time.monotonic() + 10
    while dom.jobStats()["type"] != libvirt.VIR_DOMAIN_JOB_NONE:
        assert time.monotonic() < deadline
        time.sleep(0.02)
    return dom.jobStats(libvirt.VIR_DOMAIN_JOB_STATS_COMPLETED)


def export(srv: ThreadedServer, path: str, where: Path) -> Path:
    return srv.call(lambda: export_chain(srv.hypervisor.images, path, where))[0]


needs_qemu_img = pytest.mark.skipif(shutil.which("qemu-img") is None, reason="qemu-img is not installed")


def test_pull_backup_serves_point_in_time_data_while_the_guest_writes(env, tmp_path: Path) -> None:
    srv, dom = env
    before = guest_read(srv, 0, 64 * MIB)
    sock = tmp_path / "nbd.sock"
    dom.backupBegin(f"<domainbackup mode='pull'><server transport='unix' socket='{sock}'/></domainbackup>", None, 0)
    guest_write(srv, 100, b"changed after the backup began")
    guest_write(srv, 20 * MIB, b"C" * 65536)
    assert guest_read(srv, 100, 7) == b"changed"
    out = tmp_path / "pulled.raw"
    uri = f"nbd+unix:///vda?socket={sock}"
    subprocess.run(["qemu-img", "convert", "-f", "raw", "-O", "raw", uri, str(out)], check=True, timeout=30)
    assert out.read_bytes() == before
    listing = subprocess.run(["nbdinfo", "--map", uri], capture_output=True, text=True, timeout=30)
    if listing.returncode == 0:  # libnbd-bin installed
        assert listing.stdout.split()[:4] == ["0", "131072", "0", "data"]
    stats = dom.jobStats()
    assert stats["type"] == libvirt.VIR_DOMAIN_JOB_UNBOUNDED
    assert stats["disk_temp_total"] == 64 * MIB and stats["disk_temp_used"] == 2 * 65536
    dom.abortJob()
    done = dom.jobStats(libvirt.VIR_DOMAIN_JOB_STATS_COMPLETED)
    assert done["type"] == libvirt.VIR_DOMAIN_JOB_COMPLETED and done["errmsg"] == "Operation canceled"
    wait_for(lambda: not sock.exists())  # the listener closes in the server's own task


def test_pull_backup_xml_fills_defaults(env, tmp_path: Path) -> None:
    srv, dom = env
    dom.backupBegin(f"<domainbackup mode='pull'><server transport='unix' socket='{tmp_path}/s'/>"
                    f"<disks><disk name='vda' type='file'><scratch file='{tmp_path}/scratch'/></disk></disks>"
                    "</domainbackup>", None, 0)
    assert dom.backupGetXMLDesc() == f"""<domainbackup mode='pull'>
  <server transport='unix' socket='{tmp_path}/s'/>
  <disks>
    <disk name='vda' backup='yes' type='file' backupmode='full' exportname='vda' index='3'>
      <driver type='qcow2'/>
      <scratch file='{tmp_path}/scratch'/>
    </disk>
    <disk name='hdc' backup='no'/>
  </disks>
</domainbackup>
"""
    with pytest.raises(libvirt.libvirtError) as e:
        dom.backupBegin("<domainbackup/>", None, 0)
    assert e.value.get_error_code() == libvirt.VIR_ERR_OPERATION_TIMEOUT
    assert str(e.value) == ("Timed out during operation: cannot acquire state change lock "
                            "(held by monitor=remoteDispatchDomainBackupBegin)")
    dom.abortJob()
    assert not srv.call(lambda: srv.hypervisor.images.exists(f"{tmp_path}/scratch"))


@needs_qemu_img
def test_push_full_then_incremental_restores_the_disk(env, tmp_path: Path) -> None:
    srv, dom = env
    hv = srv.hypervisor
    full = "/var/lib/libvirt/images/bk/full.qcow2"
    dom.backupBegin(f"<domainbackup><disks><disk name='vda' type='file'><target file='{full}'/></disk>"
                    "</disks></domainbackup>", "<domaincheckpoint><name>cp1</name></domaincheckpoint>", 0)
    done = wait_done(dom)
    assert done["success"] and done["disk_processed"] == done["disk_total"] == 64 * MIB
    guest_write(srv, 5 * MIB, b"D" * 100)
    guest_write(srv, 0, b"E" * 10)
    inc = "/var/lib/libvirt/images/bk/inc.qcow2"
    dom.backupBegin(f"<domainbackup><incremental>cp1</incremental><disks><disk name='vda' type='file'>"
                    f"<target file='{inc}'/></disk></disks></domainbackup>", None, 0)
    wait_done(dom)
    inc_img = srv.call(lambda: hv.images.open(inc))
    assert sorted(inc_img.clusters.data) == [0, 80]  # only the dirtied clusters
    # restore: the incremental's clusters on top of the full backup
    srv.call(lambda: hv.images.set_backing(inc_img, full, "qcow2"))
    disk_file, restored = export(srv, IMG, tmp_path / "disk"), export(srv, inc, tmp_path / "restored")
    r = subprocess.run(["qemu-img", "compare", str(disk_file), str(restored)], capture_output=True, text=True)
    assert r.returncode == 0, r.stdout + r.stderr


def test_job_completed_event(env) -> None:
    srv, _ = env
    ensure_event_loop()
    conn = libvirt.open(srv.uri())
    dom = conn.lookupByName("bk1")
    seen: list[tuple[str, Any]] = []
    conn.domainEventRegisterAny(dom, libvirt.VIR_DOMAIN_EVENT_ID_JOB_COMPLETED,
                                lambda c, d, params, o: seen.append(("job", params)), None)
    conn.domainEventRegisterAny(dom, libvirt.VIR_DOMAIN_EVENT_ID_BLOCK_JOB_2,
                                lambda c, d, dst, t, s, o: seen.append(("block", (dst, t, s))), None)
    dom.backupBegin("<domainbackup><disks><disk name='vda' type='file'>"
                    "<target file='/var/lib/libvirt/images/bk/ev.qcow2'/></disk></disks></domainbackup>", None, 0)
    wait_for(lambda: len(seen) >= 2, timeout=10)
    assert seen[0][0] == "job" and seen[0][1]["operation"] == libvirt.VIR_DOMAIN_JOB_OPERATION_BACKUP
    assert seen[0][1]["success"] and seen[0][1]["disk_total"] == 64 * MIB
    conn.close()
    assert seen[1] == ("block", ("vda", libvirt.VIR_DOMAIN_BLOCK_JOB_TYPE_BACKUP, libvirt.VIR_DOMAIN_BLOCK_JOB_COMPLETED))


@pytest.mark.parametrize(("xml", "code", "message"), [
    ("<domainbackup mode='pull'><server name='localhost'/></domainbackup>", libvirt.VIR_ERR_OPERATION_UNSUPPORTED,
     "Operation not supported: <domainbackup> must specify TCP port for now"),
    ("<domainbackup><incremental>nope</incremental></domainbackup>", libvirt.VIR_ERR_NO_DOMAIN_CHECKPOINT,
     "Domain checkpoint not found: Checkpoint 'nope' for incremental backup of disk 'vda' not found"),
    ("<domainbackup><disks><disk name='vda' backup='no'/></disks></domainbackup>", libvirt.VIR_ERR_CONFIG_UNSUPPORTED,
     "unsupported configuration: no disks selected for backup"),
    ("<foo/>", libvirt.VIR_ERR_XML_ERROR, "XML error: expecting root element of 'domainbackup', not 'foo'"),
    ("<domainbackup mode='bogus'/>", libvirt.VIR_ERR_XML_INVALID_SCHEMA,
     "XML document failed to validate against schema: Unable to validate doc against "
     "/usr/share/libvirt/schemas/domainbackup.rng\nInvalid attribute mode for element domainbackup\n"),
    ("<domainbackup><bogus/></domainbackup>", libvirt.VIR_ERR_XML_INVALID_SCHEMA,
     "XML document failed to validate against schema: Unable to validate doc against "
     "/usr/share/libvirt/schemas/domainbackup.rng\nElement domainbackup has extra content: bogus\n"),
    ("<domainbackup><disks><disk name='vdz'/></disks></domainbackup>", libvirt.VIR_ERR_XML_INVALID_SCHEMA,
     "XML document failed to validate against schema: Unable to validate doc against "
     "/usr/share/libvirt/schemas/domainbackup.rng\nExtra element disks in interleave\n"
     "Element domainbackup failed to validate content\n"),
])
def test_begin_errors(env, xml: str, code: int, message: str) -> None:
    _, dom = env
    with pytest.raises(libvirt.libvirtError) as e:
        dom.backupBegin(xml, None, 0)
    assert (e.value.get_error_code(), str(e.value)) == (code, message)


def test_no_job_errors(env) -> None:
    _, dom = env
    with pytest.raises(libvirt.libvirtError) as e:
        dom.abortJob()
    assert (e.value.get_error_code(), str(e.value)) == (
        libvirt.VIR_ERR_OPERATION_INVALID, "Requested operation is not valid: no job is active on the domain")
    with pytest.raises(libvirt.libvirtError) as e:
        dom.backupGetXMLDesc()
    assert (e.value.get_error_code(), str(e.value)) == (
        libvirt.VIR_ERR_NO_DOMAIN_BACKUP, "Domain backup job id not found: no domain backup job present")
    with pytest.raises(libvirt.libvirtError) as e:
        dom.backupBegin("<domainbackup/>", None, 4)
    assert str(e.value) == "unsupported flags (0x4) in function qemuBackupBegin"
    assert dom.jobStats() == {"type": libvirt.VIR_DOMAIN_JOB_NONE}
    dom.destroy()
    with pytest.raises(libvirt.libvirtError) as e:
        dom.backupBegin("<domainbackup/>", None, 0)
    assert str(e.value) == "Operation not supported: cannot perform disk backup for inactive domain"
