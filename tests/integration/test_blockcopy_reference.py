"""One virsh blockcopy scenario run against a real libvirtd 9.0 (QEMU/TCG) and against fakevirt.

Both get the same chain (a 64 MiB qcow2 over a base, 4 MiB written in each), the same commands,
and must print the same: refusals, the <disk> with its <mirror> while the copy runs and once it
is ready, the chain after the pivot (live and persistent), a --finish, the no-job error.  Skipped
when no reference daemon is reachable.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import pytest

from fakevirt.testing import ThreadedServer
from tests.integration.domblk_common import qemu_domain_xml

pytestmark = pytest.mark.real

IMAGES_ROOT = Path("/var/lib/libvirt/images")
MIB = 1 << 20
Run = Callable[..., subprocess.CompletedProcess[str]]


def domain_xml(name: str, images: str) -> str:
    return qemu_domain_xml(name, [("vda", "qcow2", f"{images}/vm.qcow2")])


def runner(uri: str) -> Run:
    def run(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(["virsh", "-c", uri, *args], capture_output=True, text=True, timeout=300,
                              env={**os.environ, "LC_ALL": "C", "VIRSH_DEFAULT_CONNECT_URI": ""})
    return run


def disk(run: Run, name: str, *opts: str) -> str:
    x = run("dumpxml", name, *opts).stdout
    return x[x.index("    <disk"):x.index("</disk>") + 7]


def wait_ready(run: Run, name: str) -> None:
    deadline = time.monotonic() + 60
    while "ready='yes'" not in disk(run, name):
        assert time.monotonic() < deadline, "the copy never got ready"
        time.sleep(0.1)


def scenario(run: Run, name: str, images: str) -> list[str]:
    """What each step prints, with the image directory and the domain's name replaced."""
    out: list[str] = []

    def step(*args: str) -> None:
        r = run(*args)
        out.append(f"{args[0]} rc={r.returncode}\n{r.stdout}{r.stderr}")

    step("blockcopy", name, "vda", f"{images}/copy.qcow2")
    for args in (["rel.qcow2"], [f"{images}/base.qcow2"], [f"{images}/no.qcow2", "--reuse-external"],
                 [f"{images}/r.img", "--shallow", "--format", "raw"], [f"{images}/g.qcow2", "--granularity", "1000"],
                 [f"{images}/g.qcow2", "--bytes", "--bandwidth", "9223372036854775808"]):
        step("blockcopy", name, "vda", *args, "--transient-job")
    step("blockcopy", name, "vdz", f"{images}/x.qcow2", "--transient-job")
    step("blockcopy", name, "vda", f"{images}/copy.qcow2", "--transient-job", "--bandwidth", "1")
    out.append(disk(run, name))
    step("blockjob", name, "vda", "--pivot")
    step("blockcopy", name, "vda", f"{images}/copy2.qcow2", "--transient-job")
    step("blockjob", name, "vda", "--bandwidth", "0")
    wait_ready(run, name)
    out.append(disk(run, name))
    step("blockjob", name, "vda", "--pivot")
    out.append(disk(run, name))
    out.append(disk(run, name, "--inactive"))
    step("blockcopy", name, "vda", f"{images}/fin.qcow2", "--transient-job")  # --wait --finish, by hand
    wait_ready(run, name)
    step("blockjob", name, "vda", "--abort")
    out.append(disk(run, name))
    step("blockjob", name, "vda", "--abort")
    return [o.replace(images, "/IMAGES").replace(name, "NAME") for o in out]


def test_blockcopy_matches_the_reference(reference_uri: str, fakevirt: ThreadedServer, fakevirt_uri: str,
                                         tmp_path: Path) -> None:
    if shutil.which("qemu-io") is None or shutil.which("virsh") is None:
        pytest.skip("qemu-io and virsh are needed")
    ref = runner(reference_uri)
    name = f"fvref-pytest-copy-{os.getpid()}"
    images = tempfile.mkdtemp(prefix="fvref-pytest-copy-", dir=IMAGES_ROOT)
    os.chmod(images, 0o755)
    try:
        subprocess.run(["qemu-img", "create", "-q", "-f", "qcow2", f"{images}/base.qcow2", "64M"], check=True)
        subprocess.run(["qemu-io", "-f", "qcow2", "-c", "write -P 0x11 0 4M", f"{images}/base.qcow2"],
                       check=True, capture_output=True)
        subprocess.run(["qemu-img", "create", "-q", "-f", "qcow2", "-b", f"{images}/base.qcow2", "-F", "qcow2",
                        f"{images}/vm.qcow2"], check=True)
        subprocess.run(["qemu-io", "-f", "qcow2", "-c", "write -P 0x22 4M 4M", f"{images}/vm.qcow2"],
                       check=True, capture_output=True)
        xml = Path(images) / "domain.xml"
        xml.write_text(domain_xml(name, images))
        assert ref("define", str(xml)).returncode == 0
        assert ref("start", name).returncode == 0
        want = scenario(ref, name, images)
    finally:
        ref("destroy", name)
        ref("undefine", name)
        shutil.rmtree(images, ignore_errors=True)

    def mk() -> None:
        imgs = fakevirt.hypervisor.images
        imgs.create(f"{images}/base.qcow2", "qcow2", 64 * MIB)
        imgs.write(f"{images}/base.qcow2", 0, b"\x11" * (4 * MIB))
        imgs.create(f"{images}/vm.qcow2", "qcow2", None, f"{images}/base.qcow2", "qcow2")
        imgs.write(f"{images}/vm.qcow2", 4 * MIB, b"\x22" * (4 * MIB))
    fakevirt.call(mk)
    fv = runner(fakevirt_uri)
    f = tmp_path / "domain.xml"
    f.write_text(domain_xml(name, images).replace("type='qemu'", "type='kvm'", 1))
    assert fv("define", str(f)).returncode == 0 and fv("start", name).returncode == 0
    got = scenario(fv, name, images)
    assert got == want
