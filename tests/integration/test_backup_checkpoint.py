"""virDomainBackupBegin with a checkpoint XML: the checkpoint is created with the backup (its name
names the stores), rolled back when the backup cannot start, and incremental backups find their
checkpoint in the domain's checkpoint list (virsh and libvirt-python)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import libvirt
import pytest

from fakevirt.testing import ThreadedServer
from fakevirt.testing.libvirt_events import wait_for
from tests.integration import backup_common
from tests.integration.backup_common import domain_xml, running

IMG = "/var/lib/libvirt/images/bkc/vm.qcow2"
MIB, CS = 1 << 20, 65536



def checkpoint(name: str, bitmap: str | None = None) -> str:
    disks = f"<disks><disk name='vda' checkpoint='bitmap' bitmap='{bitmap}'/></disks>" if bitmap else ""
    return f"<domaincheckpoint><name>{name}</name>{disks}</domaincheckpoint>"


@pytest.fixture
def env(fakevirt: ThreadedServer) -> Iterator[tuple[ThreadedServer, libvirt.virDomain]]:
    with running(fakevirt, domain_xml("bkc", IMG), {IMG: 16 * MIB}) as (_, dom):
        yield fakevirt, dom


def guest_write(srv: ThreadedServer, offset: int, data: bytes) -> None:
    backup_common.guest_write(srv, "bkc", offset, data)


def test_pull_backup_creates_the_checkpoint_that_names_the_scratch(env, tmp_path: Path) -> None:
    srv, dom = env
    dom.backupBegin(f"<domainbackup mode='pull'><server transport='unix' socket='{tmp_path}/s'/></domainbackup>",
                    checkpoint("ck1"), 0)
    assert f"<scratch file='{IMG}.ck1'/>" in dom.backupGetXMLDesc()
    assert [c.getName() for c in dom.listAllCheckpoints()] == ["ck1"]
    assert "<disk name='vda' checkpoint='bitmap' bitmap='ck1'/>" in dom.checkpointLookupByName("ck1").getXMLDesc()
    guest_write(srv, 3 * CS, b"x")  # after the backup began: recorded in ck1's bitmap
    size_xml = dom.checkpointLookupByName("ck1").getXMLDesc(libvirt.VIR_DOMAIN_CHECKPOINT_XML_SIZE)
    assert f"bitmap='ck1' size='{CS}'/>" in size_xml
    dom.abortJob()
    assert [c.getName() for c in dom.listAllCheckpoints()] == ["ck1"]  # the checkpoint stays


def test_incremental_since_a_checkpoint_made_by_a_backup(env) -> None:
    srv, dom = env
    hv = srv.hypervisor
    guest_write(srv, 0, b"a" * 4 * CS)
    dom.backupBegin("<domainbackup><disks><disk name='vda' type='file'><target file='/var/lib/libvirt/images/bkc/f'/>"
                    "</disk></disks></domainbackup>", checkpoint("c1"), 0)
    guest_write(srv, 5 * CS, b"b")
    guest_write(srv, 9 * MIB, b"c")
    dom.abortJob()  # the checkpoint outlives a cancelled push
    dom.backupBegin("<domainbackup><incremental>c1</incremental></domainbackup>", checkpoint("c2"), 0)
    wait_for(lambda: dom.jobStats()["type"] == libvirt.VIR_DOMAIN_JOB_NONE, timeout=10)
    done = dom.jobStats(libvirt.VIR_DOMAIN_JOB_STATS_COMPLETED)
    assert done["disk_total"] == done["disk_processed"] == 2 * CS  # the dirty bytes, as QEMU counts them
    target = srv.call(lambda: hv.images.open(f"{IMG}.c2"))
    assert sorted(target.clusters.data) == [5, 9 * MIB // CS]
    chks = {c.getName(): c for c in dom.listAllCheckpoints()}
    assert sorted(chks) == ["c1", "c2"] and chks["c2"].getParent().getName() == "c1"


@pytest.mark.parametrize(("backup", "chk", "code", "message"), [
    ("<domainbackup><disks><disk name='vda' backup='no'/></disks></domainbackup>", checkpoint("ck2"),
     libvirt.VIR_ERR_CONFIG_UNSUPPORTED, "unsupported configuration: no disks selected for backup"),
    ("<domainbackup><incremental>nope</incremental></domainbackup>", checkpoint("ck2"),
     libvirt.VIR_ERR_NO_DOMAIN_CHECKPOINT,
     "Domain checkpoint not found: Checkpoint 'nope' for incremental backup of disk 'vda' not found"),
    ("<domainbackup/>", checkpoint("ck1"), libvirt.VIR_ERR_OPERATION_FAILED,
     "operation failed: domain moment ck1 already exists"),
    ("<domainbackup/>", checkpoint("ck2", "zz"), libvirt.VIR_ERR_CONFIG_UNSUPPORTED,
     "unsupported configuration: bitmap for disk 'vda' must match checkpoint name 'ck2'"),
])
def test_a_backup_that_cannot_start_leaves_no_new_checkpoint(env, backup, chk, code, message) -> None:
    _, dom = env
    dom.checkpointCreateXML(checkpoint("ck1"))
    with pytest.raises(libvirt.libvirtError) as e:
        dom.backupBegin(backup, chk, 0)
    assert (e.value.get_error_code(), str(e.value)) == (code, message)
    assert [c.getName() for c in dom.listAllCheckpoints()] == ["ck1"]
    assert dom.jobStats()["type"] == libvirt.VIR_DOMAIN_JOB_NONE


def test_virsh_backup_begin_with_a_checkpoint(env, virsh, tmp_path: Path) -> None:
    _, dom = env
    (tmp_path / "b.xml").write_text(f"<domainbackup mode='pull'><server transport='unix' socket='{tmp_path}/s'/>"
                                    "</domainbackup>")
    (tmp_path / "c.xml").write_text(checkpoint("vck"))
    r = virsh("backup-begin", "bkc", str(tmp_path / "b.xml"), str(tmp_path / "c.xml"))
    assert (r.returncode, r.stdout) == (0, "Backup started\n\n")
    assert virsh("checkpoint-list", "bkc", "--name").stdout == "vck\n\n"
    r = virsh("backup-begin", "bkc", str(tmp_path / "b.xml"), str(tmp_path / "c.xml"))
    assert r.stderr.startswith("error: Timed out during operation: cannot acquire state change lock")
    assert virsh("checkpoint-list", "bkc", "--name").stdout == "vck\n\n"
    assert virsh("domjobabort", "bkc").returncode == 0


def backing(srv: ThreadedServer, path: str) -> tuple[str | None, str | None]:
    info = srv.call(lambda: srv.hypervisor.images.info(path))
    return info.get("backing-filename"), info.get("backing-filename-format")


def test_stores_name_the_disk_as_their_backing_file_as_libvirt_records_them(env, tmp_path: Path) -> None:
    """The reference: a pull's scratch and an incremental push target have the disk as backing
    file (qcow2), a full push target none; the guest keeps writing to the disk meanwhile."""
    srv, dom = env
    full, inc = "/var/lib/libvirt/images/bkc/full", "/var/lib/libvirt/images/bkc/inc"
    dom.backupBegin(f"<domainbackup><disks><disk name='vda' type='file'><target file='{full}'/></disk></disks>"
                    "</domainbackup>", checkpoint("b1"), 0)
    assert backing(srv, full) == (None, None)
    wait_for(lambda: dom.jobStats()["type"] == libvirt.VIR_DOMAIN_JOB_NONE, timeout=10)
    dom.backupBegin(f"<domainbackup><incremental>b1</incremental><disks><disk name='vda' type='file'>"
                    f"<target file='{inc}'/></disk></disks></domainbackup>", None, 0)
    guest_write(srv, 0, b"during the backup")
    wait_for(lambda: dom.jobStats()["type"] == libvirt.VIR_DOMAIN_JOB_NONE, timeout=10)
    assert backing(srv, inc) == (IMG, "qcow2")
    guest_write(srv, 0, b"after it: the target naming the disk does not stop the guest")
    dom.backupBegin(f"<domainbackup mode='pull'><server transport='unix' socket='{tmp_path}/s'/></domainbackup>",
                    checkpoint("b2"), 0)
    assert backing(srv, f"{IMG}.b2") == (IMG, "qcow2")
    guest_write(srv, 0, b"x")
    dom.abortJob()


def test_incremental_from_a_checkpoint_whose_bitmap_is_gone(env) -> None:
    """As the reference after QMP block-dirty-bitmap-remove of the checkpoint's bitmap."""
    srv, dom = env
    dom.checkpointCreateXML(checkpoint("ck1"))
    srv.call(lambda: srv.hypervisor.images.bitmap_remove(IMG, "ck1"))
    with pytest.raises(libvirt.libvirtError) as e:
        dom.backupBegin("<domainbackup><incremental>ck1</incremental></domainbackup>", None, 0)
    assert (e.value.get_error_code(), e.value.get_error_domain(), str(e.value)) == (
        libvirt.VIR_ERR_CHECKPOINT_INCONSISTENT, libvirt.VIR_FROM_QEMU,
        "checkpoint inconsistent: missing or broken bitmap 'ck1' for disk 'vda'")
    assert not srv.call(lambda: srv.hypervisor.images.exists(f"{IMG}.{int(srv.hypervisor.clock.now())}"))
