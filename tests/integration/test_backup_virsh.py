"""virsh backup-begin / backup-dumpxml / domjobinfo / domjobabort against fakevirt."""

from __future__ import annotations

from pathlib import Path

from fakevirt.testing import ThreadedServer

IMG = "/var/lib/libvirt/images/bkv/vm.qcow2"
DOMAIN_XML = f"""<domain type='kvm'><name>bkv</name><memory unit='MiB'>64</memory>
<os><type arch='x86_64'>hvm</type></os><devices>
<disk type='file' device='disk'><driver name='qemu' type='qcow2'/><source file='{IMG}'/>
<target dev='vda' bus='virtio'/></disk></devices></domain>"""


def test_pull_backup_with_virsh(fakevirt: ThreadedServer, virsh, tmp_path: Path) -> None:
    fakevirt.call(lambda: fakevirt.hypervisor.images.create(IMG, "qcow2", 1 << 20))
    (tmp_path / "d.xml").write_text(DOMAIN_XML)
    assert virsh("define", str(tmp_path / "d.xml")).returncode == 0
    assert virsh("start", "bkv").returncode == 0
    (tmp_path / "b.xml").write_text(f"<domainbackup mode='pull'><server transport='unix' socket='{tmp_path}/s'/>"
                                    "</domainbackup>")
    r = virsh("backup-begin", "bkv", str(tmp_path / "b.xml"))
    assert (r.returncode, r.stdout) == (0, "Backup started\n\n")
    r = virsh("backup-dumpxml", "bkv")
    assert f"<server transport='unix' socket='{tmp_path}/s'/>" in r.stdout
    assert f"<scratch file='{IMG}." in r.stdout
    r = virsh("domjobinfo", "bkv")
    assert "Job type:         Unbounded" in r.stdout and "Operation:        Backup" in r.stdout
    assert "Temporary disk space total: 1.000 MiB" in r.stdout
    assert virsh("domjobabort", "bkv").returncode == 0
    r = virsh("domjobinfo", "bkv", "--completed")
    assert "Job type:         Completed" in r.stdout and "Error message:    Operation canceled" in r.stdout
    r = virsh("domjobabort", "bkv")
    assert r.stderr == "error: Requested operation is not valid: no job is active on the domain\n"
    r = virsh("backup-dumpxml", "bkv")
    assert r.stderr == "error: Domain backup job id not found: no domain backup job present\n"


def test_domjobinfo_without_a_backup_shows_the_last_finished_job(fakevirt: ThreadedServer, virsh,
                                                                 tmp_path: Path) -> None:
    """One completed-job record per domain, whatever the job: a save's statistics after the save."""
    fakevirt.call(lambda: fakevirt.hypervisor.images.create(IMG, "qcow2", 1 << 20))
    (tmp_path / "d.xml").write_text(DOMAIN_XML)
    assert virsh("define", str(tmp_path / "d.xml")).returncode == 0
    assert virsh("start", "bkv").returncode == 0
    r = virsh("domjobinfo", "bkv")
    assert (r.returncode, r.stdout.strip()) == (0, "Job type:         None")
    assert virsh("save", "bkv", "/var/lib/libvirt/images/bkv.save").returncode == 0
    r = virsh("domjobinfo", "bkv", "--completed")
    assert "Job type:         Completed" in r.stdout and "Operation:        Save" in r.stdout
    r = virsh("domjobabort", "bkv")
    assert r.stderr == "error: Requested operation is not valid: domain is not running\n"
