"""<disk type='volume'> under snapshots, block jobs, checkpoints, backups and media changes.

One virsh scenario runs on fakevirt and, as the `real` twin, on libvirtd 9.0 (a TCG guest on a dir
pool of its own): a snapshot over the volume and a commit back to it, a copy finished and one
pivoted, a pull, a resize, a push backup's default file name, a checkpoint refused on the volume's
qcow2 v2 image, a cdrom changed to a volume, and the errors of a stopped pool and a missing volume.
Also an internal snapshot into the volume's file, and deleting an external snapshot on top of it.
The reference's output is kept in data/volume_disk_jobs.txt; both must print it.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import time
from collections.abc import Callable
from pathlib import Path

import pytest

from fakevirt.testing import ThreadedServer
from tests.integration.conftest import reference_session

NAME, POOL = f"fvvbd-{os.getpid()}", f"fvvbp-{os.getpid()}"
GOLDEN = Path(__file__).parent / "data" / "volume_disk_jobs.txt"
Run = Callable[..., subprocess.CompletedProcess[str]]


def _runner(uri: str) -> Run:
    def run(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(["virsh", "-c", uri, *args], capture_output=True, text=True, timeout=120,
                              env={**os.environ, "LC_ALL": "C", "VIRSH_DEFAULT_CONNECT_URI": ""})
    return run


def _domain_xml() -> str:
    return f"""<domain type='qemu'><name>{NAME}</name><memory unit='MiB'>64</memory><vcpu>1</vcpu>
<os><type arch='x86_64' machine='pc'>hvm</type></os><devices><emulator>/usr/bin/qemu-system-x86_64</emulator>
<disk type='volume' device='disk'><driver name='qemu' type='qcow2'/><source pool='{POOL}' volume='d1.qcow2'/>
<target dev='vda' bus='virtio'/></disk>
<disk type='volume' device='disk' snapshot='no'><driver name='qemu' type='qcow2'/>
<source pool='{POOL}' volume='d3.qcow2'/><target dev='vdb' bus='virtio'/></disk>
<disk type='file' device='cdrom'><driver name='qemu' type='raw'/><target dev='sda' bus='sata'/><readonly/></disk>
</devices></domain>"""


def _cdrom_xml(volume: str) -> str:
    return (f"<disk type='volume' device='cdrom'><driver name='qemu' type='raw'/><source pool='{POOL}' "
            f"volume='{volume}'/><target dev='sda' bus='sata'/><readonly/></disk>")


def _scenario(run: Run, d: str, xml_dir: str) -> str:
    out: list[str] = []

    def step(*args: str) -> None:
        r = run(*args)
        # tables are as wide as their longest path: one space between columns
        text = "".join(re.sub(r"(?<=\S) {2,}", " ", line) + "\n" for line in (r.stdout + r.stderr).splitlines()
                       if not line.startswith(("Allocation:", "Physical:")) and line.strip("-"))
        out.append(f"## {' '.join(args)}\nrc={r.returncode}\n{text}")

    def disks(*opts: str) -> None:
        x = run("dumpxml", NAME, *opts).stdout
        out.append(f"## disks {' '.join(opts)}\n{x[x.index('    <disk'):x.rindex('</disk>') + 7]}\n")

    def wait_no_job() -> None:
        deadline = time.monotonic() + 60
        while "None" not in run("domjobinfo", NAME).stdout:
            assert time.monotonic() < deadline, "the backup never ended"
            time.sleep(0.1)

    for name, xml in (("dom.xml", _domain_xml()), ("cd.xml", _cdrom_xml("iso1")), ("nocd.xml", _cdrom_xml("nosuch")),
                      ("cd2.xml", _cdrom_xml("iso2"))):
        Path(xml_dir, name).write_text(xml)
    for args in (["pool-define-as", POOL, "dir", "--target", d], ["pool-build", POOL], ["pool-start", POOL],
                 ["vol-create-as", POOL, "d1.qcow2", "64M", "--format", "qcow2"],
                 ["vol-create-as", POOL, "iso1", "1M", "--format", "raw"],
                 ["vol-create-as", POOL, "iso2", "1M", "--format", "raw"],
                 ["vol-create-as", POOL, "d3.qcow2", "16M", "--format", "qcow2"],
                 ["define", f"{xml_dir}/dom.xml"], ["start", NAME]):
        assert run(*args).returncode == 0, args
    step("snapshot-create-as", NAME, "si", "--diskspec", "vdb,snapshot=internal")  # savevm into the volumes
    step("snapshot-revert", NAME, "si")
    step("snapshot-delete", NAME, "si")
    step("snapshot-create-as", NAME, "s0", "--disk-only", "--diskspec", f"vda,file={d}/s0.qcow2")
    r = run("domstats", NAME, "--block", "--backing")
    out.append("## domstats\n" + "".join(f"{line}\n" for line in r.stdout.splitlines()
                                         if line.endswith("=vda") or ".path=" in line or "backingIndex" in line))
    step("snapshot-delete", NAME, "s0")  # the volume is the source again
    disks()
    disks("--inactive")
    step("snapshot-create-as", NAME, "s1", "--disk-only", "--no-metadata")
    step("snapshot-create-as", NAME, "s2", "--disk-only", "--no-metadata", "--diskspec", f"vda,file={d}/s2.qcow2")
    disks()
    disks("--inactive")
    step("domblklist", NAME, "--details")
    step("blockcommit", NAME, "vda", "--active", "--pivot", "--wait")
    disks()
    disks("--inactive")
    step("domblklist", NAME, "--details")
    step("checkpoint-create-as", NAME, "c1")
    step("blockcopy", NAME, "vda", f"{d}/copy.qcow2", "--transient-job", "--wait", "--finish")
    step("backup-begin", NAME)
    wait_no_job()
    step("pool-refresh", POOL)
    step("vol-list", POOL)
    step("blockpull", NAME, "vda", "--wait")
    step("blockresize", NAME, "vda", "80M")
    step("domblkinfo", NAME, "vda")
    step("domblkinfo", NAME, f"{d}/d1.qcow2")
    step("domblkinfo", NAME, f"{POOL}/d1.qcow2")
    step("update-device", NAME, f"{xml_dir}/nocd.xml", "--live")
    step("update-device", NAME, f"{xml_dir}/cd.xml", "--live")
    step("domblkinfo", NAME, "sda")
    disks()
    step("blockcopy", NAME, "vda", f"{d}/copy2.qcow2", "--transient-job", "--wait", "--pivot")
    disks()
    step("domblklist", NAME, "--details")
    step("pool-destroy", POOL)
    step("update-device", NAME, f"{xml_dir}/cd2.xml", "--live")
    step("pool-start", POOL)  # a volume base deleted under a snapshot: the commit cannot relabel it
    step("snapshot-create-as", NAME, "s3", "--disk-only", "--no-metadata", "--diskspec", "vda,snapshot=no",
         "--diskspec", f"vdb,snapshot=external,file={d}/s3.qcow2")
    step("vol-delete", "--pool", POOL, "d3.qcow2")
    step("blockcommit", NAME, "vdb", "--active", "--pivot", "--wait")
    step("domblklist", NAME, "--details")
    text = "".join(out).replace(xml_dir, "/XML").replace(d, "/D").replace(NAME, "NAME").replace(POOL, "POOL")
    return re.sub(r"(d\d\.qcow2)\.\d+", r"\1.TIME", text)  # a backup's default name ends in the time


def _cleanup(run: Run) -> None:
    for args in (["destroy", NAME], ["undefine", NAME, "--snapshots-metadata"], ["pool-destroy", POOL], ["pool-undefine", POOL]):
        run(*args)


def _need_virsh() -> None:
    if shutil.which("virsh") is None:
        pytest.skip("virsh is needed")


def test_volume_disk_jobs_on_fakevirt(fakevirt: ThreadedServer, fakevirt_uri: str, tmp_path: Path) -> None:
    _need_virsh()
    got = _scenario(_runner(fakevirt_uri), "/var/lib/libvirt/images/fvvoljobs", str(tmp_path))
    assert got == GOLDEN.read_text()


@pytest.mark.real
def test_volume_disk_jobs_on_libvirtd(reference_uri: str, tmp_path: Path) -> None:
    _need_virsh()
    run = _runner(reference_uri)
    with reference_session(reference_uri, lambda _conn: _cleanup(run)) as (_conn, d):
        got = _scenario(run, d, str(tmp_path))
    if os.environ.get("FAKEVIRT_RECORD"):
        GOLDEN.write_text(got)
    assert got == GOLDEN.read_text()
