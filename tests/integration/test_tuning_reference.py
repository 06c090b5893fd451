"""The tuning scenario (schedinfo, memtune, blkiotune, numatune, vcpupin, emulatorpin, IOThreads,
perf, setvcpu, lifecycle actions, launch security) through virsh on fakevirt and on a real libvirtd
9.0 running the same TCG domain: every output and error text is the same.

fakevirt's host is given the reference host's shape (2 CPUs, one NUMA node) for the comparison.
"""

from __future__ import annotations

import difflib
import os
import re
import shutil
import subprocess
import tempfile
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from fakevirt.testing import ThreadedServer
from tests.integration.tuning_common import DISK_SIZE, domain_xml, make_images, reference_host

pytestmark = pytest.mark.real
NAME = f"fvref-tune-{os.getpid()}"
Run = Callable[..., tuple[int, str]]

SCENARIO: list[list[str]] = [
    ["schedinfo", NAME], ["schedinfo", NAME, "--config"], ["schedinfo", NAME, "--set", "cpu_shares=512"],
    ["schedinfo", NAME, "--set", "vcpu_period=10"], ["schedinfo", NAME, "--set", "foo=1"],
    ["schedinfo", NAME, "--set", "cpu_shares=1", "--config"], ["schedinfo", NAME, "--set", "cpu_shares=300000"],
    ["schedinfo", NAME, "--set", "vcpu_quota=1000"], ["schedinfo", NAME, "--set", "vcpu_quota=-5"],
    ["schedinfo", NAME, "--set", "emulator_period=20000", "--live", "--config"], ["schedinfo", NAME, "--config"],
    ["memtune", NAME], ["memtune", NAME, "--config"], ["memtune", NAME, "--hard-limit", "1048576"],
    ["memtune", NAME, "--soft-limit", "2000000"], ["memtune", NAME, "--hard-limit", "100000", "--config"],
    ["memtune", NAME, "--config"], ["memtune", NAME, "--min-guarantee", "100"],
    ["memtune", NAME, "--swap-hard-limit", "4000000"], ["memtune", NAME, "--hard-limit", "5000000", "--config"],
    ["memtune", NAME, "--hard-limit", "-1"], ["memtune", NAME],
    ["blkiotune", NAME], ["blkiotune", NAME, "--config"], ["blkiotune", NAME, "--weight", "500"],
    ["blkiotune", NAME, "--weight", "500", "--config"], ["blkiotune", NAME, "--device-weights", "/dev/sda,300"],
    ["blkiotune", NAME, "--device-weights", "/dev/sda,300", "--config"],
    ["blkiotune", NAME, "--device-read-iops-sec", "/dev/sda,10", "--config"],
    ["blkiotune", NAME, "--device-weights", "/dev/sdb,7", "--config"],
    ["blkiotune", NAME, "--device-weights", "/dev/sda,0", "--config"], ["blkiotune", NAME, "--config"],
    ["numatune", NAME], ["numatune", NAME, "--config"], ["numatune", NAME, "--mode", "interleave", "--config"],
    ["numatune", NAME, "--nodeset", "0"], ["numatune", NAME, "--mode", "interleave"],
    ["numatune", NAME, "--nodeset", "0", "--config"], ["numatune", NAME, "--mode", "interleave", "--config"],
    ["numatune", NAME, "--config"], ["numatune", NAME],
    ["vcpupin", NAME], ["vcpupin", NAME, "--config"], ["vcpupin", NAME, "0", "1"], ["vcpupin", NAME, "9", "0"],
    ["vcpupin", NAME, "3", "1", "--config"], ["vcpupin", NAME, "0", "5"], ["vcpupin", NAME],
    ["vcpupin", NAME, "--config"], ["vcpupin", NAME, "1"],
    ["emulatorpin", NAME], ["emulatorpin", NAME, "1"], ["emulatorpin", NAME, "0-1", "--config"], ["emulatorpin", NAME],
    ["emulatorpin", NAME, "--config"],
    ["iothreadinfo", NAME], ["iothreadinfo", NAME, "--config"], ["iothreadpin", NAME, "1", "1"],
    ["iothreadpin", NAME, "5", "1"], ["iothreadadd", NAME, "2"], ["iothreadadd", NAME, "7"],
    ["iothreadadd", NAME, "5", "--config"], ["iothreadinfo", NAME], ["iothreadinfo", NAME, "--config"],
    ["iothreaddel", NAME, "9"], ["iothreaddel", NAME, "7"], ["iothreaddel", NAME, "5", "--config"],
    ["iothreadset", NAME, "1", "--poll-max-ns", "100"], ["iothreadset", NAME, "9", "--poll-max-ns", "1"],
    ["iothreadset", NAME, "1"], ["iothreadinfo", NAME],
    ["perf", NAME], ["perf", NAME, "--enable", "cpu_cycles"], ["perf", NAME, "--enable", "cmt"],
    ["perf", NAME, "--disable", "cmt"], ["perf", NAME, "--enable", "cpu_clock", "--config"], ["perf", NAME, "--config"],
    ["setvcpu", NAME, "3", "--enable"], ["setvcpu", NAME, "3", "--enable"], ["setvcpu", NAME, "1", "--disable"],
    ["setvcpu", NAME, "9", "--enable"], ["setvcpu", NAME, "2-3", "--enable"], ["setvcpu", NAME, "0", "--disable", "--config"],
    ["setvcpu", NAME, "3", "--enable", "--config"], ["vcpucount", NAME],
    ["set-lifecycle-action", NAME, "poweroff", "restart"], ["set-lifecycle-action", NAME, "reboot", "preserve"],
    ["set-lifecycle-action", NAME, "reboot", "destroy"], ["set-lifecycle-action", NAME, "crash", "coredump-restart"],
    ["set-lifecycle-action", NAME, "poweroff", "coredump-destroy", "--config"],
    ["domlaunchsecinfo", NAME], ["dumpxml", NAME], ["dumpxml", NAME, "--inactive"],
    ["destroy", NAME], ["schedinfo", NAME], ["memtune", NAME], ["vcpupin", NAME], ["iothreadinfo", NAME],
    ["iothreadpin", NAME, "1", "0", "--live"], ["perf", NAME, "--live"],
]
# the parts of dumpxml the scenario changes: from <memory> to <os>, and the lifecycle actions
_XML_PART = re.compile(r"  <memory.*?(?=  <os>)|  <on_\w+>.*?\n", re.S)


def _virsh(uri: str) -> Run:
    virsh = shutil.which("virsh")
    if virsh is None:
        pytest.skip("virsh is not installed")

    def run(*args: str) -> tuple[int, str]:
        p = subprocess.run([virsh, "-c", uri, *args], capture_output=True, text=True, timeout=120,
                           env={**os.environ, "LC_ALL": "C", "VIRSH_DEFAULT_CONNECT_URI": ""})
        return p.returncode, p.stdout + p.stderr
    return run


@pytest.fixture
def reference(reference_uri: str) -> Iterator[Run]:
    if shutil.which("qemu-img") is None:
        pytest.skip("qemu-img is not installed")
    images = tempfile.mkdtemp(prefix="fvref-tune-", dir="/tmp")
    os.chmod(images, 0o755)
    subprocess.run(["qemu-img", "create", "-q", "-f", "qcow2", f"{images}/vm.qcow2", str(DISK_SIZE)], check=True)
    (Path(images) / "d.xml").write_text(domain_xml(NAME, images))
    run = _virsh(reference_uri)
    run("destroy", NAME)
    run("undefine", NAME)
    assert run("define", f"{images}/d.xml")[0] == 0
    try:
        yield run
    finally:
        run("destroy", NAME)
        run("undefine", NAME)
        shutil.rmtree(images, ignore_errors=True)


def replay(run: Run) -> list[tuple[list[str], int, str]]:
    assert run("start", NAME)[0] == 0
    out = []
    for argv in SCENARIO:
        rc, text = run(*argv)
        if argv[0] == "dumpxml":
            text = "".join(_XML_PART.findall(text))
        out.append((argv, rc, text))
    return out


def test_tuning_scenario_matches_libvirtd(reference: Run, fakevirt: ThreadedServer, tmp_path: Path) -> None:
    images = "/var/lib/libvirt/images/fvtune"
    make_images(fakevirt, images)
    (tmp_path / "d.xml").write_text(domain_xml(NAME, images))
    run = _virsh(fakevirt.uri())
    assert run("define", str(tmp_path / "d.xml"))[0] == 0
    with reference_host(fakevirt):
        ours = replay(run)
    theirs = replay(reference)
    for mine, real in zip(ours, theirs, strict=True):
        assert mine[0] == real[0]
        diff = "\n".join(difflib.unified_diff(real[2].splitlines(), mine[2].splitlines(), "libvirtd", "fakevirt",
                                                lineterm=""))
        assert (mine[1], mine[2]) == (real[1], real[2]), f"{mine[0]}:\n{diff}"
