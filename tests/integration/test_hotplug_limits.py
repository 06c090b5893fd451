"""Memory and vCPU hot-plug limits, PM wakeup without ACPI and perf events at start: through
libvirt-python and virsh, and the same scenarios against the reference daemon."""

from __future__ import annotations

from pathlib import Path

import libvirt
import pytest

from . import hotplug_common as hp
from .conftest import err, ok

Q, D, PERF = libvirt.VIR_FROM_QEMU, libvirt.VIR_FROM_DOMAIN, libvirt.VIR_FROM_PERF
CONF = libvirt.VIR_ERR_CONFIG_UNSUPPORTED
EXCEED = (CONF, D, "unsupported configuration: Attaching memory device with size '393216' would exceed domain's "
                   "maxMemory config size '524288'")
NO_SLOT = (CONF, Q, "unsupported configuration: no free memory device slot available")
FEW_VCPUS = (CONF, Q, "unsupported configuration: failed to find appropriate hotpluggable vcpus to reach the desired "
                      "target vcpu count")


@pytest.fixture
def conn(fakevirt_uri: str):
    c = libvirt.open(fakevirt_uri)
    yield c
    c.close()


def test_dimm_cold_plug(conn: libvirt.virConnect) -> None:
    assert hp.dimm_config(conn) == [
        "ok",
        (libvirt.VIR_ERR_XML_DETAIL, D, "can't add memory backend for guest node '1' as the guest has only '1' NUMA "
                                        "nodes configured"),
        "ok",  # the config takes a DIMM without a node; a start or hotplug would not
        NO_SLOT, EXCEED,
        ["<memory unit='KiB'>263144</memory>", "<currentMemory unit='KiB'>263144</currentMemory>",
         "<size unit='KiB'>1000</size>", "<address type='dimm' slot='0'/>", "<size unit='KiB'>131072</size>",
         "<address type='dimm' slot='1'/>"],
        (libvirt.VIR_ERR_DEVICE_MISSING, Q, "device not found: matching memory device was not found"),
        "ok",
        ["<memory unit='KiB'>262144</memory>", "<currentMemory unit='KiB'>262144</currentMemory>",
         "<size unit='KiB'>131072</size>", "<address type='dimm' slot='1'/>"],
        (CONF, D, "unsupported configuration: cannot use/hotplug a memory device when domain 'maxMemory' is not "
                  "defined"),
        (CONF, Q, "unsupported configuration: At least one numa node has to be configured when enabling memory "
                  "hotplug")]


def test_dimm_hot_plug(conn: libvirt.virConnect) -> None:
    device_add = "internal error: unable to execute QEMU command 'device_add': "
    assert hp.dimm_live(conn) == [
        (libvirt.VIR_ERR_INTERNAL_ERROR, Q, device_add + "backend memory size must be multiple of 0x200000"),
        (CONF, Q, "unsupported configuration: target NUMA node needs to be specified for memory device"),
        "ok", "ok",
        (CONF, Q, "unsupported configuration: memory device count '3' exceeds slots count '2'"),
        EXCEED,
        (CONF, Q, "unsupported configuration: memory device slot '7' exceeds slots count '2'"),
        ["<memory unit='KiB'>266240</memory>", "<currentMemory unit='KiB'>266240</currentMemory>",
         "<size unit='KiB'>131072</size>", "<alias name='dimm0'/>",
         "<address type='dimm' slot='0' base='0x100000000'/>", "<size unit='KiB'>4096</size>",
         "<alias name='dimm1'/>", "<address type='dimm' slot='1' base='0x108000000'/>"],
        (libvirt.VIR_ERR_DEVICE_MISSING, Q, "device not found: model 'dimm' memory device not present in the domain "
                                            "configuration"),
        (libvirt.VIR_ERR_INTERNAL_ERROR, Q, device_add + "memory hotplug is not enabled: missing acpi device or acpi "
                                                         "disabled")]


def test_dimm_unplug_gives_the_memory_back(conn: libvirt.virConnect) -> None:
    """The emulated guest lets go of an unplugged DIMM at once (the reference's firmware-only guest never does)."""
    with hp.cleanup(conn, "hp-unplug"):
        dom = conn.createXML(hp.domain_xml("hp-unplug"))
        dom.attachDeviceFlags(hp.dimm(131072), hp.LIVE)
        assert dom.info()[1] == 262144
        dom.detachDeviceAlias("dimm0", 0)
        assert dom.info()[1] == 131072 and "<memory model" not in dom.XMLDesc(0)
        dom.attachDeviceFlags(hp.dimm(4096), hp.LIVE)  # the freed slot and address are taken again
        assert hp.memory_lines(dom.XMLDesc(0))[-2:] == ["<alias name='dimm0'/>",
                                                        "<address type='dimm' slot='0' base='0x100000000'/>"]


def test_dimms_at_start(conn: libvirt.virConnect) -> None:
    assert hp.dimm_at_start(conn) == [
        ["<memory unit='KiB'>131072</memory>", "<currentMemory unit='KiB'>131072</currentMemory>"],
        ["<memory unit='KiB'>198656</memory>", "<size unit='KiB'>2048</size>", "<alias name='dimm1'/>",
         "<address type='dimm' slot='1' base='0x100000000'/>", "<size unit='KiB'>65536</size>",
         "<alias name='dimm0'/>", "<address type='dimm' slot='0' base='0x100200000'/>"]]


def test_vcpu_unplug_and_wakeup(conn: libvirt.virConnect) -> None:
    assert hp.vcpus_and_wakeup(conn) == [
        "ok",
        (libvirt.VIR_ERR_INVALID_ARG, Q, "invalid argument: requested vcpus is greater than max allowable vcpus for "
                                         "the live domain: 5 > 4"),
        FEW_VCPUS, "ok",
        (libvirt.VIR_ERR_INTERNAL_ERROR, Q, "internal error: unable to execute QEMU command 'device_del': CPU hot "
                                            "unplug not supported without ACPI"),
        4, FEW_VCPUS,
        (libvirt.VIR_ERR_INTERNAL_ERROR, Q, "internal error: unable to execute QEMU command 'system_wakeup': "
                                            "wake-up from suspend is not supported by this guest"),
        (libvirt.VIR_ERR_INTERNAL_ERROR, Q, "internal error: unable to execute QEMU command 'system_wakeup': "
                                            "Unable to wake up: guest is not in suspended state")]


def test_perf_events_fail_the_start(conn: libvirt.virConnect) -> None:
    assert hp.perf_at_start(conn) == [
        (libvirt.VIR_ERR_ARGUMENT_UNSUPPORTED, PERF, "argument unsupported: unable to enable host cpu perf event for "
                                                     "cmt"),
        (libvirt.VIR_ERR_SYSTEM_ERROR, PERF, "unable to open host cpu perf event for instructions: No such file or "
                                             "directory"),
        (libvirt.VIR_ERR_SYSTEM_ERROR, PERF, "unable to open host cpu perf event for cpu_cycles: No such file or "
                                             "directory"),
        0]


def test_perf_events_start_on_a_host_with_a_pmu(conn: libvirt.virConnect, fakevirt) -> None:
    tuning = fakevirt.hypervisor.system.tuning
    fakevirt.call(lambda: setattr(tuning, "host_perf", True))
    with hp.cleanup(conn, "hp-pmu"):
        dom = conn.createXML(hp.domain_xml("hp-pmu", extra="<perf><event name='cpu_cycles' enabled='yes'/></perf>"))
        assert dom.perfEvents(hp.LIVE)["cpu_cycles"] is True


def test_virsh(virsh, tmp_path: Path) -> None:
    (tmp_path / "d.xml").write_text(hp.domain_xml("hp-virsh", vcpus="<vcpu current='1'>2</vcpu>"))
    (tmp_path / "dimm.xml").write_text(hp.dimm(131072))
    (tmp_path / "big.xml").write_text(hp.dimm(524288))
    ok(virsh("create", str(tmp_path / "d.xml")))
    assert "Device attached successfully" in ok(virsh("attach-device", "hp-virsh", str(tmp_path / "dimm.xml"),
                                                      "--live"))
    assert err(virsh("attach-device", "hp-virsh", str(tmp_path / "big.xml"), "--live")) == (
        "error: Failed to attach device from " + str(tmp_path / "big.xml") + "\nerror: unsupported configuration: "
        "Attaching memory device with size '524288' would exceed domain's maxMemory config size '524288'")
    assert "Max memory:     262144 KiB" in ok(virsh("dominfo", "hp-virsh"))
    ok(virsh("detach-device", "hp-virsh", str(tmp_path / "dimm.xml"), "--live"))
    assert "Max memory:     131072 KiB" in ok(virsh("dominfo", "hp-virsh"))
    assert err(virsh("setvcpus", "hp-virsh", "3", "--live")) == (
        "error: invalid argument: requested vcpus is greater than max allowable vcpus for the live domain: 3 > 2")
    assert err(virsh("dompmwakeup", "hp-virsh")) == (
        "error: Domain 'hp-virsh' could not be woken up\nerror: internal error: unable to execute QEMU command "
        "'system_wakeup': Unable to wake up: guest is not in suspended state")


@pytest.mark.real
@pytest.mark.parametrize("scenario", [hp.dimm_config, hp.dimm_live, hp.dimm_at_start, hp.vcpus_and_wakeup,
                                      hp.perf_at_start], ids=lambda f: f.__name__)
def test_scenarios_match_reference(scenario, fakevirt_uri: str, reference_uri: str) -> None:
    mine, theirs = libvirt.open(fakevirt_uri), libvirt.open(reference_uri)
    try:
        assert scenario(mine) == scenario(theirs)
    finally:
        mine.close()
        theirs.close()
