"""libvirt-python against fakevirt: tuning and placement calls, their errors and the TUNABLE event."""

from __future__ import annotations

from collections.abc import Iterator

import libvirt
import pytest

from fakevirt.testing import ThreadedServer
from fakevirt.testing.libvirt_events import ensure_event_loop, wait_for
from tests.integration.conftest import error_of
from tests.integration.tuning_common import domain_xml, make_images

IMAGES = "/var/lib/libvirt/images/pytune"
LIVE, CONFIG = libvirt.VIR_DOMAIN_AFFECT_LIVE, libvirt.VIR_DOMAIN_AFFECT_CONFIG
INVALID, QEMU, DOMAIN = libvirt.VIR_ERR_INVALID_ARG, libvirt.VIR_FROM_QEMU, libvirt.VIR_FROM_DOMAIN


@pytest.fixture
def dom(fakevirt: ThreadedServer, fakevirt_uri: str) -> Iterator[libvirt.virDomain]:
    make_images(fakevirt, IMAGES)
    conn = libvirt.open(fakevirt_uri)
    xml = domain_xml("pytune", IMAGES).replace("<os>", "<features><acpi/></features><os>")
    d = conn.defineXML(xml)
    d.create()
    yield d
    conn.close()


def test_scheduler_parameters_and_the_tunable_event(dom: libvirt.virDomain) -> None:
    ensure_event_loop()
    conn = dom.connect()
    seen: list[dict[str, object]] = []
    cid = conn.domainEventRegisterAny(dom, libvirt.VIR_DOMAIN_EVENT_ID_TUNABLE,
                                      lambda c, d, params, opaque: seen.append(params), None)
    try:
        assert dom.schedulerType() == ("posix", 9)
        assert dom.schedulerParameters()["cpu_shares"] == 1024
        # libvirt-python reads the parameters' types with the same flags, so LIVE|CONFIG fails as on libvirtd
        assert error_of(dom.setSchedulerParametersFlags, {"cpu_shares": 300}, LIVE | CONFIG)[2] == (
            "Flags 'VIR_DOMAIN_AFFECT_LIVE' and 'VIR_DOMAIN_AFFECT_CONFIG' are mutually exclusive")
        dom.setSchedulerParametersFlags({"cpu_shares": 300, "vcpu_quota": 5000}, CONFIG)
        dom.setSchedulerParametersFlags({"cpu_shares": 300, "vcpu_quota": 5000}, LIVE)
        wait_for(lambda: seen)
        assert seen == [{"cputune.cpu_shares": 300, "cputune.vcpu_quota": 5000}]
        assert dom.schedulerParametersFlags(CONFIG) == {
            "cpu_shares": 300, "vcpu_period": 0, "vcpu_quota": 5000, "emulator_period": 0, "emulator_quota": 0,
            "global_period": 0, "global_quota": 0, "iothread_period": 0, "iothread_quota": 0}
        assert error_of(dom.setSchedulerParameters, {"vcpu_period": 999}) == (
            INVALID, QEMU, "invalid argument: value of 'vcpu_period' is out of range [1000, 1000000]")
        assert error_of(dom.setSchedulerParameters, {"cpu_shares": 1}) == (
            INVALID, libvirt.VIR_FROM_CGROUP, "invalid argument: shares '1' must be in range [2, 262144]")
        assert error_of(dom.schedulerParametersFlags, LIVE | CONFIG)[2] == (
            "Flags 'VIR_DOMAIN_AFFECT_LIVE' and 'VIR_DOMAIN_AFFECT_CONFIG' are mutually exclusive")
        dom.pinVcpu(1, (True, False))
        wait_for(lambda: len(seen) == 2)
        assert seen[1] == {"cputune.vcpupin1": "0"}
    finally:
        conn.domainEventDeregisterAny(cid)


def test_memory_numa_and_blkio_parameters(dom: libvirt.virDomain) -> None:
    dom.setMemoryParameters({"hard_limit": 1 << 20, "soft_limit": 1 << 19}, LIVE)
    assert dom.memoryParameters() == {"hard_limit": 1 << 20, "soft_limit": 1 << 19,
                                      "swap_hard_limit": 9007199254740991}
    assert error_of(dom.setMemoryParameters, {"swap_hard_limit": 1000}, LIVE) == (
        INVALID, DOMAIN, "invalid argument: memory hard_limit tunable value must be lower than or equal to swap_hard_limit")
    assert dom.numaParameters() == {"numa_mode": 0, "numa_nodeset": ""}
    dom.setNumaParameters({"numa_nodeset": "0"}, LIVE)
    assert error_of(dom.setNumaParameters, {"numa_mode": libvirt.VIR_DOMAIN_NUMATUNE_MEM_INTERLEAVE}, LIVE) == (
        libvirt.VIR_ERR_OPERATION_INVALID, QEMU, "Requested operation is not valid: can't change numatune mode for running domain")
    assert error_of(dom.blkioParameters, 0)[2] == (
        "Requested operation is not valid: blkio device weight is valid only for bfq or cfq scheduler")
    dom.setBlkioParameters({"weight": 300, "device_read_bytes_sec": "/dev/sda,1000"}, CONFIG)
    assert dom.blkioParameters(CONFIG) == {"weight": 300, "device_weight": "", "device_read_iops_sec": "",
                                           "device_write_iops_sec": "", "device_read_bytes_sec": "/dev/sda,1000",
                                           "device_write_bytes_sec": ""}
    assert "<read_bytes_sec>1000</read_bytes_sec>" in dom.XMLDesc(libvirt.VIR_DOMAIN_XML_INACTIVE)


def test_pinning_iothreads_and_vcpus(dom: libvirt.virDomain) -> None:
    ncpus = dom.connect().getInfo()[2]
    dom.pinVcpuFlags(0, (False, True), LIVE | CONFIG)
    assert dom.vcpuPinInfo(0)[0] == (False, True) + (False,) * (ncpus - 2)
    assert dom.vcpus()[1][0] == (False, True) + (False,) * (ncpus - 2)
    assert error_of(dom.pinVcpu, 0, (False, False)) == (INVALID, QEMU, "invalid argument: Empty cpu list for pinning")
    assert error_of(dom.pinVcpuFlags, 7, (True,), LIVE)[2] == "invalid argument: vcpu 7 is out of range of live cpu count 4"
    dom.pinEmulator((True,), LIVE)
    assert dom.emulatorPinInfo(LIVE) == (True,) + (False,) * (ncpus - 1)
    dom.addIOThread(3, LIVE)
    dom.pinIOThread(3, (False, False, True), LIVE)
    assert dom.ioThreadInfo(LIVE) == [(2, [True] * ncpus), (3, [False, False, True] + [False] * (ncpus - 3)),
                                      (1, [True] * ncpus)]
    assert "<iothreadpin iothread='3' cpuset='2'/>" in dom.XMLDesc()
    dom.setIOThreadParams(3, {"poll_max_ns": 100, "poll_grow": 2}, LIVE)
    assert error_of(dom.setIOThreadParams, 1, {"poll_max_ns": 100}, CONFIG) == (
        libvirt.VIR_ERR_OPERATION_UNSUPPORTED, QEMU, "Operation not supported: configuring persistent polling values is not supported")
    assert error_of(dom.addIOThread, 0, LIVE)[2] == "invalid argument: invalid value of 0 for iothread_id"
    dom.delIOThread(3, LIVE)
    assert [i for i, _ in dom.ioThreadInfo(LIVE)] == [2, 1]
    dom.setVcpu("2", 1, LIVE)
    assert dom.vcpusFlags(LIVE) == 3
    dom.setVcpu("2", 0, LIVE)  # hotplugged and the guest has ACPI: it goes again
    assert dom.vcpusFlags(LIVE) == 2
    assert error_of(dom.setVcpu, "1", 0, LIVE) == (
        libvirt.VIR_ERR_OPERATION_UNSUPPORTED, QEMU, "Operation not supported: vcpu '1' can't be unplugged")
    assert error_of(dom.setVcpu, "x", 1, LIVE)[2] == "invalid argument: Failed to parse bitmap 'x'"


def test_perf_lifecycle_and_launch_security(dom: libvirt.virDomain, fakevirt: ThreadedServer) -> None:
    assert error_of(dom.setPerfEvents, {"cpu_cycles": True}, LIVE) == (
        libvirt.VIR_ERR_SYSTEM_ERROR, libvirt.VIR_FROM_PERF,
        "unable to open host cpu perf event for cpu_cycles: No such file or directory")
    dom.setPerfEvents({"cpu_cycles": True}, CONFIG)
    assert dom.perfEvents(CONFIG)["cpu_cycles"] is True and dom.perfEvents(LIVE)["cpu_cycles"] is False
    tuning = fakevirt.hypervisor.system.tuning
    fakevirt.call(lambda: setattr(tuning, "host_perf", True))
    try:
        dom.setPerfEvents({"cache_misses": True, "cmt": False}, LIVE)
        assert fakevirt.call(lambda: tuning.enabled_perf_events(tuning.driver.domains.by_name("pytune"))) == [
            "cache_misses"]
    finally:
        fakevirt.call(lambda: setattr(tuning, "host_perf", False))
    dom.setLifecycleAction(libvirt.VIR_DOMAIN_LIFECYCLE_CRASH, libvirt.VIR_DOMAIN_LIFECYCLE_ACTION_COREDUMP_RESTART,
                           LIVE | CONFIG)
    assert "<on_crash>coredump-restart</on_crash>" in dom.XMLDesc(libvirt.VIR_DOMAIN_XML_INACTIVE)
    assert error_of(dom.setLifecycleAction, libvirt.VIR_DOMAIN_LIFECYCLE_REBOOT,
                    libvirt.VIR_DOMAIN_LIFECYCLE_ACTION_COREDUMP_DESTROY, 0) == (
        libvirt.VIR_ERR_CONFIG_UNSUPPORTED, DOMAIN,
        "unsupported configuration: Lifecycle event 'reboot' doesn't support 'coredump-destroy' action")
    assert dom.launchSecurityInfo() == {}
