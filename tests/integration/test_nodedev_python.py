"""Node devices and host interfaces through libvirt-python, with real-daemon twins for the shapes
and texts the reference can produce."""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator

import libvirt
import pytest

from fakevirt.model.ids import HostIdentity
from fakevirt.testing import ThreadedServer, minimal_domain_xml
from fakevirt.testing.libvirt_events import ensure_event_loop, wait_for

from .conftest import error_of

NIC = "pci_0000_00_03_0"
ETH0 = "net_eth0_" + HostIdentity.of_seed(0).nic_mac.replace(":", "_")  # the seed-0 host's NIC
VF = "pci_0000_00_10_0"
GPU = "pci_0000_00_02_0"
MDEV_XML = (f"<device><parent>{GPU}</parent><capability type='mdev'><type id='i915-GVTg_V5_8'/>"
            "<uuid>8f2d7c4e-1a3b-4c5d-9e6f-0a1b2c3d4e5f</uuid></capability></device>")
MDEV = "mdev_8f2d7c4e_1a3b_4c5d_9e6f_0a1b2c3d4e5f_0000_00_02_0"


@pytest.fixture
def conn(fakevirt_uri: str) -> Iterator[libvirt.virConnect]:
    c = libvirt.open(fakevirt_uri)
    yield c
    c.close()


@pytest.fixture
def iommu(fakevirt: ThreadedServer) -> Iterator[None]:
    """The synthetic host with VT-d on (the default host has none, like the reference machine)."""
    hv = fakevirt.hypervisor
    plain = hv.host
    assert plain is not None

    def set_host(host: object) -> None:
        hv.host = host  # type: ignore[assignment]
        hv.reset()

    fakevirt.call(set_host, dataclasses.replace(plain, iommu=True))
    yield
    fakevirt.call(set_host, plain)


@pytest.fixture
def ref(reference_uri: str) -> Iterator[libvirt.virConnect]:
    c = libvirt.open(reference_uri)
    yield c
    c.close()


# --- a Nova-style listing by capability ---------------------------------------------------------

def test_nova_lists_devices_by_capability(conn: libvirt.virConnect) -> None:
    flags = libvirt.VIR_CONNECT_LIST_NODE_DEVICES_CAP_PCI_DEV | libvirt.VIR_CONNECT_LIST_NODE_DEVICES_CAP_NET
    names = {d.name() for d in conn.listAllDevices(flags)}
    assert {NIC, VF, GPU, ETH0, "net_lo_00_00_00_00_00_00"} <= names
    assert "scsi_host0" not in names
    mdev_parents = [d.name() for d in conn.listAllDevices(libvirt.VIR_CONNECT_LIST_NODE_DEVICES_CAP_MDEV_TYPES)]
    assert mdev_parents == [GPU]
    assert conn.listDevices("fc_host", 0) == ["scsi_host1"]
    assert conn.numOfDevices("vports", 0) == 1
    assert conn.nodeDeviceLookupByName("scsi_host1").listCaps() == ["scsi_host", "fc_host", "vports"]
    assert conn.nodeDeviceLookupByName(GPU).listCaps() == ["pci", "mdev_types"]
    assert conn.nodeDeviceLookupByName(VF).parent() == "computer"
    xml = conn.nodeDeviceLookupByName(VF).XMLDesc(0)
    assert "<capability type='phys_function'>" in xml and "slot='0x03'" in xml


def test_scsi_host_by_wwn(conn: libvirt.virConnect) -> None:
    assert conn.nodeDeviceLookupSCSIHostByWWN("20000024ff3d1a2b", "21000024ff3d1a2b", 0).name() == "scsi_host1"
    assert error_of(conn.nodeDeviceLookupSCSIHostByWWN, "2", "2", 0) == (
        libvirt.VIR_ERR_INTERNAL_ERROR, libvirt.VIR_FROM_NONE, "An error occurred, but the cause is unknown")


NEGATIVE = [
    ("lookup", lambda c: c.nodeDeviceLookupByName("nope")),
    ("wwn flags", lambda c: c.nodeDeviceLookupSCSIHostByWWN("a", "b", 1)),
    ("list flags", lambda c: c.listAllDevices(1 << 29)),
    ("xml flags", lambda c: c.nodeDeviceLookupByName("computer").XMLDesc(1)),
    ("reset non-pci", lambda c: c.nodeDeviceLookupByName("computer").reset()),
    ("reattach non-pci", lambda c: c.nodeDeviceLookupByName("computer").reAttach()),
    ("detach bad stub", lambda c: c.nodeDeviceLookupByName("computer").detachFlags("foo", 0)),
    ("detach kvm", lambda c: c.nodeDeviceLookupByName("computer").detachFlags("kvm", 0)),
    ("detach no vfio", lambda c: c.nodeDeviceLookupByName("computer").detachFlags(None, 0)),
    ("detach flags", lambda c: c.nodeDeviceLookupByName("computer").detachFlags(None, 1)),
    ("set autostart", lambda c: c.nodeDeviceLookupByName("computer").setAutostart(1)),
    ("destroy", lambda c: c.nodeDeviceLookupByName("computer").destroy()),
    ("undefine", lambda c: c.nodeDeviceLookupByName("computer").undefine(0)),
    ("create", lambda c: c.nodeDeviceLookupByName("computer").create(0)),
    ("num flags", lambda c: c.numOfDevices(None, 1)),
    ("mdev no parent", lambda c: c.nodeDeviceCreateXML(
        "<device><capability type='mdev'><type id='x'/></capability></device>", 0)),
    ("mdev bad parent", lambda c: c.nodeDeviceDefineXML(
        "<device><parent>pci_0000_00_09_0</parent><capability type='mdev'><type id='x'/></capability></device>", 0)),
    ("mdev computer", lambda c: c.nodeDeviceCreateXML(
        "<device><parent>computer</parent><capability type='mdev'><type id='x'/></capability></device>", 0)),
    ("iface lookup", lambda c: c.interfaceLookupByName("nope")),
    ("iface mac", lambda c: c.interfaceLookupByMACString("00:00:00:00:00:99")),
    ("iface define", lambda c: c.interfaceDefineXML("<interface type='ethernet' name='x'/>", 0)),
    ("iface begin", lambda c: c.changeBegin(0)),
    ("iface commit", lambda c: c.changeCommit(0)),
    ("iface rollback", lambda c: c.changeRollback(0)),
    ("iface undefine", lambda c: c.interfaceLookupByName("lo").undefine()),
    ("iface create", lambda c: c.interfaceLookupByName("lo").create(0)),
    ("iface destroy", lambda c: c.interfaceLookupByName("lo").destroy(0)),
    ("iface xml flags", lambda c: c.interfaceLookupByName("lo").XMLDesc(2)),
    ("iface list flags", lambda c: c.listAllInterfaces(4)),
]


@pytest.mark.parametrize(("what", "call"), NEGATIVE, ids=[n for n, _ in NEGATIVE])
def test_errors(conn: libvirt.virConnect, what: str, call: object) -> None:
    assert callable(call)
    code, domain, message = error_of(call, conn)
    assert code != libvirt.VIR_ERR_NO_SUPPORT or what.startswith("iface")
    assert message


@pytest.mark.real
@pytest.mark.parametrize(("what", "call"), NEGATIVE, ids=[n for n, _ in NEGATIVE])
def test_errors_match_real_libvirtd(conn: libvirt.virConnect, ref: libvirt.virConnect, what: str,
                                    call: object) -> None:
    assert callable(call)
    assert error_of(call, conn) == error_of(call, ref)


@pytest.mark.real
def test_udev_devices_read_like_real_libvirtd(conn: libvirt.virConnect, ref: libvirt.virConnect) -> None:
    for c in (conn, ref):
        dev = c.nodeDeviceLookupByName("computer")
        assert (dev.isActive(), dev.isPersistent(), dev.autostart()) == (1, 1, 1)
        assert dev.listCaps() == ["system"]
        lo = c.interfaceLookupByName("lo")
        assert lo.isActive() == 0 and "lo" not in c.listInterfaces() + c.listDefinedInterfaces()
        assert lo.XMLDesc(0) == ("<interface type='ethernet' name='lo'>\n  <mtu size='65536'/>\n"
                                 "  <link state='unknown'/>\n  <mac address='00:00:00:00:00:00'/>\n</interface>\n")
        assert c.nodeDeviceLookupByName("net_lo_00_00_00_00_00_00").XMLDesc(0).startswith(
            "<device>\n  <name>net_lo_00_00_00_00_00_00</name>\n  <path>/sys/devices/virtual/net/lo</path>\n"
            "  <parent>computer</parent>\n  <capability type='net'>\n    <interface>lo</interface>\n")


# --- detach, reattach, reset, hostdevs ------------------------------------------------------------

def driver_of(conn: libvirt.virConnect, name: str) -> str | None:
    xml = conn.nodeDeviceLookupByName(name).XMLDesc(0)
    return xml.split("<driver>\n    <name>")[1].split("<")[0] if "<driver>" in xml else None


def test_detach_reattach_change_the_driver(conn: libvirt.virConnect, iommu: None) -> None:
    ensure_event_loop()
    conn = libvirt.open(conn.getURI())  # events reach connections opened after the loop
    updates: list[str] = []
    conn.nodeDeviceEventRegisterAny(conn.nodeDeviceLookupByName(NIC), libvirt.VIR_NODE_DEVICE_EVENT_ID_UPDATE,
                                    lambda c, d, o: updates.append(d.name()), None)
    dev = conn.nodeDeviceLookupByName(NIC)
    assert driver_of(conn, NIC) == "igb"
    dev.dettach()
    assert driver_of(conn, NIC) == "vfio-pci"
    dev.reset()
    dev.reAttach()
    assert driver_of(conn, NIC) == "igb"
    assert "<iommuGroup number=" in dev.XMLDesc(0)
    assert error_of(conn.nodeDeviceLookupByName("pci_0000_00_1c_0").reset) == (
        libvirt.VIR_ERR_INTERNAL_ERROR, libvirt.VIR_FROM_NONE,
        "internal error: Invalid attempt to reset PCI device 0000:00:1c.0. Only PCI endpoint devices can be reset")
    wait_for(lambda: len(updates) >= 2)
    assert updates == [NIC, NIC]


def hostdev_domain(name: str, slot: int, managed: str) -> str:
    hostdev = (f"<hostdev mode='subsystem' type='pci' managed='{managed}'><source>"
               f"<address domain='0x0000' bus='0x00' slot='0x{slot:02x}' function='0x0'/></source></hostdev>")
    return minimal_domain_xml(name).replace("</domain>", f"<devices>{hostdev}</devices></domain>")


def test_hostdev_domains(conn: libvirt.virConnect, iommu: None) -> None:
    a = conn.defineXML(hostdev_domain("a", 0x10, "yes"))
    b = conn.defineXML(hostdev_domain("b", 0x10, "yes"))
    a.create()
    assert driver_of(conn, VF) == "vfio-pci"
    assert error_of(b.create) == (libvirt.VIR_ERR_OPERATION_INVALID, libvirt.VIR_FROM_NONE,
                                  "Requested operation is not valid: PCI device 0000:00:10.0 is in use by "
                                  "driver QEMU, domain a")
    assert error_of(conn.nodeDeviceLookupByName(VF).reAttach)[2] == (
        "Requested operation is not valid: PCI device 0000:00:10.0 is in use by driver QEMU, domain a")
    a.destroy()
    assert driver_of(conn, VF) is None
    b.create()
    b.destroy()
    missing = conn.defineXML(hostdev_domain("c", 0x09, "yes"))
    assert error_of(missing.create) == (
        libvirt.VIR_ERR_SYSTEM_ERROR, libvirt.VIR_FROM_NONE,
        "Device 0000:00:09.0 not found: could not access /sys/bus/pci/devices/0000:00:09.0/config: "
        "No such file or directory")
    unmanaged = conn.defineXML(hostdev_domain("d", 0x10, "no"))
    assert error_of(unmanaged.create)[2] == (
        "Requested operation is not valid: Unmanaged PCI device 0000:00:10.0 must be manually detached from the host")
    conn.nodeDeviceLookupByName(VF).dettach()
    unmanaged.create()
    unmanaged.destroy()
    assert driver_of(conn, VF) == "vfio-pci"  # unmanaged: stays detached


def test_hostdev_needs_iommu(conn: libvirt.virConnect) -> None:
    dom = conn.defineXML(hostdev_domain("a", 0x10, "yes"))
    assert error_of(dom.create) == (libvirt.VIR_ERR_CONFIG_UNSUPPORTED, libvirt.VIR_FROM_QEMU,
                                    "unsupported configuration: host doesn't support passthrough of host PCI devices")


# --- mediated devices and events -------------------------------------------------------------------

def test_mdev_lifecycle_and_events(conn: libvirt.virConnect) -> None:
    ensure_event_loop()
    conn = libvirt.open(conn.getURI())
    seen: list[tuple[str, int]] = []
    cid = conn.nodeDeviceEventRegisterAny(None, libvirt.VIR_NODE_DEVICE_EVENT_ID_LIFECYCLE,
                                          lambda c, d, e, det, o: seen.append((d.name(), e)), None)
    dev = conn.nodeDeviceDefineXML(MDEV_XML, 0)
    assert dev.name() == MDEV and (dev.isActive(), dev.isPersistent(), dev.autostart()) == (0, 1, 0)
    assert MDEV not in conn.listDevices(None, 0)
    dev.setAutostart(1)
    dev.create(0)
    assert "<availableInstances>1</availableInstances>" in conn.nodeDeviceLookupByName(GPU).XMLDesc(0)
    assert conn.listAllDevices(libvirt.VIR_CONNECT_LIST_NODE_DEVICES_CAP_MDEV)[0].name() == MDEV
    dev.destroy()
    assert error_of(dev.destroy)[2] == f"Requested operation is not valid: Device '{MDEV}' is not active"
    dev.undefine(0)
    transient = conn.nodeDeviceCreateXML(MDEV_XML, 0)
    assert error_of(transient.undefine, 0)[2] == f"Requested operation is not valid: Node device '{MDEV}' is not defined"
    assert error_of(transient.setAutostart, 1)[2] == (
        "Requested operation is not valid: cannot set autostart for transient device")
    transient.destroy()
    assert error_of(conn.nodeDeviceLookupByName, MDEV)[0] == libvirt.VIR_ERR_NO_NODE_DEVICE
    ev = libvirt
    expected = [(MDEV, ev.VIR_NODE_DEVICE_EVENT_DEFINED), (MDEV, ev.VIR_NODE_DEVICE_EVENT_CREATED),
                (MDEV, ev.VIR_NODE_DEVICE_EVENT_DELETED), (MDEV, ev.VIR_NODE_DEVICE_EVENT_UNDEFINED),
                (MDEV, ev.VIR_NODE_DEVICE_EVENT_CREATED), (MDEV, ev.VIR_NODE_DEVICE_EVENT_DELETED)]
    wait_for(lambda: len(seen) >= len(expected))
    assert seen == expected
    conn.nodeDeviceEventDeregisterAny(cid)
