"""virsh schedinfo, vcpupin, emulatorpin, iothread*, numatune, memtune, perf and setvcpu against
fakevirt; texts as virsh printed them against libvirtd 9.0 (test_tuning_reference.py compares all)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from fakevirt.testing import ThreadedServer
from tests.integration.conftest import err, ok
from tests.integration.tuning_common import domain_xml, make_images, reference_host

IMAGES = "/var/lib/libvirt/images/vtune"
NAME = "vtune"


@pytest.fixture
def running(virsh: Callable[..., object], fakevirt: ThreadedServer, tmp_path: Path) -> str:
    make_images(fakevirt, IMAGES)
    (tmp_path / "d.xml").write_text(domain_xml(NAME, IMAGES))
    ok(virsh("define", str(tmp_path / "d.xml")))
    ok(virsh("start", NAME))
    return NAME


def test_schedinfo_live_and_config(virsh, running) -> None:
    ok(virsh("schedinfo", running, "--set", "cpu_shares=512"))
    live = ok(virsh("schedinfo", running))
    assert "cpu_shares     : 512\nvcpu_period    : 100000\nvcpu_quota     : -1\n" in live
    assert "cpu_shares     : 0\n" in ok(virsh("schedinfo", running, "--config"))
    assert err(virsh("schedinfo", running, "--set", "vcpu_period=10")) == (
        "error: invalid argument: value of 'vcpu_period' is out of range [1000, 1000000]")
    assert err(virsh("schedinfo", running, "--set", "foo=1")) == "error: invalid scheduler option: foo"


def test_pinning_tables(virsh, running, fakevirt) -> None:
    with reference_host(fakevirt):
        ok(virsh("vcpupin", running, "0", "1"))
        ok(virsh("iothreadpin", running, "1", "1"))
        assert ok(virsh("vcpupin", running)).splitlines()[2:4] == [" 0      1", " 1      0-1"]
        assert ok(virsh("emulatorpin", running)).splitlines()[2] == "       *: 0-1"
        assert ok(virsh("iothreadinfo", running)).splitlines()[2:4] == [" 2             0-1", " 1             1"]
        assert err(virsh("vcpupin", running, "9", "0")) == (
            "error: invalid argument: vcpu 9 is out of range of live cpu count 4")
        assert err(virsh("iothreadpin", running, "5", "1")) == "error: invalid argument: iothread 5 not found"
    assert "<vcpupin vcpu='0' cpuset='1'/>" in ok(virsh("dumpxml", running))
    assert "<vcpupin" not in ok(virsh("dumpxml", running, "--inactive"))


def test_iothreads_memtune_numatune_perf_setvcpu(virsh, running) -> None:
    ok(virsh("iothreadadd", running, "7"))
    assert err(virsh("iothreadadd", running, "7")) == (
        "error: invalid argument: an IOThread is already using iothread_id '7'")
    ok(virsh("iothreaddel", running, "7"))
    assert err(virsh("iothreaddel", running, "7")) == (
        "error: invalid argument: cannot find IOThread '7' in iothreadids list")
    ok(virsh("memtune", running, "--hard-limit", "1048576"))
    assert "hard_limit     : 1048576\nsoft_limit     : unlimited\n" in ok(virsh("memtune", running))
    ok(virsh("numatune", running, "--nodeset", "0"))
    assert err(virsh("numatune", running, "--mode", "interleave")).endswith(
        "error: Requested operation is not valid: can't change numatune mode for running domain")
    assert err(virsh("perf", running, "--enable", "cmt")).endswith(
        "error: argument unsupported: unable to enable host cpu perf event for cmt")
    ok(virsh("setvcpu", running, "2", "--enable"))
    assert "current      live           3" in ok(virsh("vcpucount", running))
    assert err(virsh("setvcpu", running, "2", "--enable")) == (
        "error: invalid argument: vcpu '2' is already in requested state")
