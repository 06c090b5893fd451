"""virNetworkPortCreateXML (net-port-create) through libvirt-python and virsh.

The ``real`` twin parses the same documents on a defined, inactive network of the reference: the
parser runs before the driver asks whether the network is active, so every parse error shows there.
"""

from __future__ import annotations

import uuid
from pathlib import Path

import libvirt
import pytest

from tests.integration.conftest import error_of, ok

NET = """<network><name>{name}</name><forward mode='nat'/><ip address='192.168.{octet}.1' prefix='24'/></network>"""
PORT_UUID = "11111111-2222-3333-4444-555555555555"
OWNER = ("<uuid>11111111-2222-3333-4444-555555555555</uuid>"
         "<owner><name>vm</name><uuid>11111111-2222-3333-4444-555555555556</uuid></owner>")
HEAD = OWNER + "<mac address='52:54:00:00:00:01'/>"

BAD_DOCUMENTS = [
    ("<networkport/>", 0),
    ("<networkport><uuid>zz</uuid></networkport>", 0),
    (f"<networkport><uuid>{PORT_UUID}</uuid></networkport>", 0),
    (f"<networkport><uuid>{PORT_UUID}</uuid><owner><name>x</name></owner></networkport>", 0),
    (f"<networkport><uuid>{PORT_UUID}</uuid><owner><name>x</name><uuid>bad</uuid></owner></networkport>", 0),
    (f"<networkport>{OWNER}</networkport>", 0),
    (f"<networkport>{OWNER}<mac address='zz'/></networkport>", 0),
    (f"<networkport>{HEAD}<plug type='foo'/></networkport>", 0),
    (f"<networkport>{HEAD}<plug type='bridge'/></networkport>", 0),
    (f"<networkport>{HEAD}<plug type='direct'/></networkport>", 0),
    (f"<networkport>{HEAD}<plug type='direct' dev='eth0' mode='x'/></networkport>", 0),
    (f"<networkport>{HEAD}<plug type='bridge' bridge='b' macTableManager='x'/></networkport>", 0),
    (f"<networkport>{HEAD}<plug type='hostdev-pci'/></networkport>", 0),
    (f"<networkport>{HEAD}<rxfilters trustGuest='maybe'/></networkport>", 0),
    (f"<networkport>{HEAD}<port isolated='x'/></networkport>", 0),
    (f"<networkport>{HEAD}<bandwidth><inbound/></bandwidth></networkport>", 0),
    (f"<networkport>{HEAD}<bandwidth><inbound average='x'/></bandwidth></networkport>", 0),
    (f"<networkport>{HEAD}<bandwidth><outbound average='1' floor='2'/></bandwidth></networkport>", 0),
    (f"<networkport>{HEAD}<bandwidth><inbound peak='1' floor='2'/></bandwidth></networkport>", 0),
    (f"<networkport>{HEAD}<bandwidth classID='q'><inbound average='1'/></bandwidth></networkport>", 0),
    (f"<networkport>{HEAD}<bandwidth><inbound average='1'/><inbound average='1'/></bandwidth></networkport>", 0),
    (f"<networkport>{HEAD}<foo/></networkport>", libvirt.VIR_NETWORK_PORT_CREATE_VALIDATE),
    (f"<networkport>{HEAD}</networkport>", 4),
    (f"<networkport>{HEAD}</networkport>", 0),  # well-formed: the network is not active
    (f"<networkport>{HEAD}</networkport>", libvirt.VIR_NETWORK_PORT_CREATE_VALIDATE),
    ("<foo/>", 0),
]


@pytest.fixture
def conn(fakevirt_uri: str):
    c = libvirt.open(fakevirt_uri)
    yield c
    c.close()


def _errors(c: libvirt.virConnect, name: str) -> list[tuple[int, int, str]]:
    net = c.networkLookupByName(name)
    return [error_of(net.portCreateXML, doc, flags) for doc, flags in BAD_DOCUMENTS]


def test_parse_errors(conn) -> None:
    conn.networkDefineXML(NET.format(name="pc", octet=231))
    found = _errors(conn, "pc")
    assert found[0] == (libvirt.VIR_ERR_INTERNAL_ERROR, libvirt.VIR_FROM_NETWORK,
                        "internal error: network port has no uuid")
    assert found[7] == (libvirt.VIR_ERR_XML_ERROR, libvirt.VIR_FROM_XML,
                        "XML error: Invalid value for attribute 'type' in element 'plug': 'foo'.")
    assert found[15] == (libvirt.VIR_ERR_XML_DETAIL, libvirt.VIR_FROM_NONE,
                         "Missing mandatory average or floor attributes")
    assert found[21] == (libvirt.VIR_ERR_XML_INVALID_SCHEMA, libvirt.VIR_FROM_XML,
                         "XML document failed to validate against schema: Unable to validate doc against "
                         "/usr/share/libvirt/schemas/networkport.rng\nElement networkport has extra content: foo\n")
    assert found[22] == (libvirt.VIR_ERR_INVALID_ARG, libvirt.VIR_FROM_NETWORK,
                         "unsupported flags (0x4) in function networkPortCreateXML")
    assert found[23] == (libvirt.VIR_ERR_OPERATION_INVALID, libvirt.VIR_FROM_NETWORK,
                         "Requested operation is not valid: network 'pc' is not active")


@pytest.mark.real
def test_parse_errors_match_reference(conn, reference_uri: str) -> None:
    name = f"fvtest-{uuid.uuid4().hex[:8]}"
    conn.networkDefineXML(NET.format(name=name, octet=232))
    ref = libvirt.open(reference_uri)
    ref.networkDefineXML(NET.format(name=name, octet=232))
    try:
        assert _errors(conn, name) == _errors(ref, name)
    finally:
        ref.networkLookupByName(name).undefine()
        ref.close()


def test_create_on_running_network(conn) -> None:
    net = conn.networkDefineXML(NET.format(name="pc", octet=233))
    net.create()
    xml = (f"<networkport>{HEAD}<group>g</group><bandwidth><inbound average='100' burst='5'/></bandwidth>"
           "<rxfilters trustGuest='yes'/></networkport>")
    port = net.portCreateXML(xml)
    assert port.UUIDString() == PORT_UUID
    assert port.XMLDesc() == (
        "<networkport>\n  <uuid>11111111-2222-3333-4444-555555555555</uuid>\n  <owner>\n    <name>vm</name>\n"
        "    <uuid>11111111-2222-3333-4444-555555555556</uuid>\n  </owner>\n  <group>g</group>\n"
        "  <mac address='52:54:00:00:00:01'/>\n  <bandwidth>\n    <inbound average='100' burst='5'/>\n"
        "  </bandwidth>\n  <rxfilters trustGuest='yes'/>\n  <plug type='network' bridge='virbr0'/>\n</networkport>\n")
    assert port.parameters() == {"inbound.average": 100, "inbound.peak": 0, "inbound.floor": 0, "inbound.burst": 5}
    assert [p.UUIDString() for p in net.listAllPorts()] == [PORT_UUID]
    assert error_of(net.portCreateXML, xml)[::2] == (
        libvirt.VIR_ERR_NETWORK_PORT_EXIST,  # libvirt's client wraps the text in the code's template
        f"network port Network port with UUID {PORT_UUID} already exists exists already")
    plugged = f"<networkport>{HEAD.replace('5555<', '5557<', 1)}<plug type='network' bridge='virbr0'/></networkport>"
    assert error_of(net.portCreateXML, plugged)[::2] == (
        libvirt.VIR_ERR_INVALID_ARG, "invalid argument: Port reclaim not requested but plug type is not none")
    assert error_of(net.portCreateXML, xml.replace("5555<", "5557<", 1), libvirt.VIR_NETWORK_PORT_CREATE_RECLAIM)[::2] == (
        libvirt.VIR_ERR_INVALID_ARG, "invalid argument: Port reclaim requested but plug type is none")
    reclaimed = net.portCreateXML(plugged, libvirt.VIR_NETWORK_PORT_CREATE_RECLAIM)
    assert "<plug type='network' bridge='virbr0'/>" in reclaimed.XMLDesc()
    floor = f"<networkport>{HEAD.replace('5555<', '5558<', 1)}<bandwidth><inbound floor='10'/></bandwidth></networkport>"
    assert error_of(net.portCreateXML, floor)[::2] == (
        libvirt.VIR_ERR_OPERATION_UNSUPPORTED, "Operation not supported: Invalid use of 'floor' on interface with "
        "MAC address 52:54:00:00:00:01 - network 'pc' has no inbound QoS set")
    port.delete()
    reclaimed.delete()
    assert net.listAllPorts() == []


def test_virsh_net_port_create(virsh, tmp_path: Path) -> None:
    path = tmp_path / "net.xml"
    path.write_text(NET.format(name="pv", octet=234))
    ok(virsh("net-define", str(path)))
    ok(virsh("net-start", "pv"))
    doc = tmp_path / "port.xml"
    doc.write_text(f"<networkport>{HEAD}</networkport>")
    assert "Network port 11111111-2222-3333-4444-555555555555 created" in ok(virsh("net-port-create", "pv", str(doc)))
    assert ok(virsh("net-port-list", "pv")).split()[-1] == PORT_UUID
    assert "<plug type='network' bridge='virbr0'/>" in ok(virsh("net-port-dumpxml", "pv", PORT_UUID))


HOTPLUG_NET = """<network><name>hp</name><forward mode='nat'/><ip address='10.30.0.1' prefix='24'><dhcp>
<range start='10.30.0.100' end='10.30.0.200'/></dhcp></ip></network>"""
HOTPLUG_DOMAIN = """<domain type='qemu'><name>hp</name><memory>65536</memory><os><type arch='x86_64'>hvm</type></os>
<devices><interface type='network'><mac address='52:54:00:30:00:01'/><source network='hp'/></interface></devices>
</domain>"""
NIC = "<interface type='network'><mac address='52:54:00:30:00:02'/><source network='hp'/></interface>"


def test_hotplugged_nic_gets_and_gives_back_tap_port_and_lease(conn) -> None:
    net = conn.networkDefineXML(HOTPLUG_NET)
    net.create()
    dom = conn.defineXML(HOTPLUG_DOMAIN)
    dom.create()
    dom.attachDeviceFlags(NIC, libvirt.VIR_DOMAIN_AFFECT_LIVE)
    assert sorted(dom.interfaceAddresses(libvirt.VIR_DOMAIN_INTERFACE_ADDRESSES_SRC_LEASE)) == ["vnet0", "vnet1"]
    assert sorted(x["mac"] for x in net.DHCPLeases()) == ["52:54:00:30:00:01", "52:54:00:30:00:02"]
    ports = {p.UUIDString(): p.XMLDesc() for p in net.listAllPorts()}
    assert len(ports) == 2 and any("52:54:00:30:00:02" in x for x in ports.values())
    assert "<interface type='ethernet' name='vnet1'>" in conn.interfaceLookupByName("virbr0").XMLDesc()
    live = dom.XMLDesc()
    assert "<target dev='vnet1'/>" in live and live.count("portid=") == 2
    dom.detachDeviceFlags(NIC, libvirt.VIR_DOMAIN_AFFECT_LIVE)
    assert [x["mac"] for x in net.DHCPLeases()] == ["52:54:00:30:00:01"]
    assert len(net.listAllPorts()) == 1
    assert "vnet1" not in conn.interfaceLookupByName("virbr0").XMLDesc()
    dom.attachDeviceFlags(NIC, libvirt.VIR_DOMAIN_AFFECT_LIVE)  # the freed vnet1 is taken again
    assert "<target dev='vnet1'/>" in dom.XMLDesc()
    missing = NIC.replace("'hp'", "'nope'")
    assert error_of(dom.attachDeviceFlags, missing, libvirt.VIR_DOMAIN_AFFECT_LIVE)[::2] == (
        libvirt.VIR_ERR_NO_NETWORK, "Network not found: no network with matching name 'nope'")
    assert dom.XMLDesc().count("<interface") == 2
    dom.destroy()
    assert net.listAllPorts() == [] and net.DHCPLeases() == []


@pytest.mark.parametrize("nic", [
    "<interface type='bridge'><source bridge='br9'/></interface>",
    "<interface type='direct'><source dev='eth9' mode='vepa'/></interface>",
])
def test_missing_host_device_refuses_start(conn, nic: str) -> None:
    dom = conn.defineXML(HOTPLUG_DOMAIN.replace(HOTPLUG_DOMAIN[HOTPLUG_DOMAIN.index("<interface"):
                                                               HOTPLUG_DOMAIN.index("</devices>")], nic))
    expected = ("Cannot get interface MTU on 'br9': No such device" if "bridge" in nic
                else "Unable to get index for interface eth9: No such device")
    assert error_of(dom.create) == (libvirt.VIR_ERR_SYSTEM_ERROR, libvirt.VIR_FROM_NONE, expected)
    assert not dom.isActive()
    ok_nic = nic.replace("br9", "virbr0").replace("eth9", "eth0")
    conn.networkDefineXML(HOTPLUG_NET).create()  # its bridge virbr0 is a host interface while it runs
    dom = conn.defineXML(HOTPLUG_DOMAIN.replace("<name>hp</name>", "<name>hp2</name>").replace(
        HOTPLUG_DOMAIN[HOTPLUG_DOMAIN.index("<interface"):HOTPLUG_DOMAIN.index("</devices>")], ok_nic))
    dom.create()
    assert dom.isActive()


@pytest.mark.real
@pytest.mark.parametrize("nic", [
    "<interface type='bridge'><source bridge='br9'/></interface>",
    "<interface type='direct'><source dev='eth9' mode='vepa'/></interface>",
])
def test_missing_host_device_matches_reference(conn, reference_uri: str, nic: str) -> None:
    """The reference refuses before QEMU runs, so starting there is safe."""
    name = f"fvtest-{uuid.uuid4().hex[:8]}"
    xml = HOTPLUG_DOMAIN.replace("<name>hp</name>", f"<name>{name}</name>").replace(
        HOTPLUG_DOMAIN[HOTPLUG_DOMAIN.index("<interface"):HOTPLUG_DOMAIN.index("</devices>")], nic)
    ref = libvirt.open(reference_uri)
    theirs = ref.defineXML(xml)
    try:
        assert error_of(conn.defineXML(xml).create) == error_of(theirs.create)
    finally:
        theirs.undefine()
        ref.close()
