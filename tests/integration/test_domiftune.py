"""virsh domiftune / virDomainGet/SetInterfaceParameters: the <bandwidth> of one NIC."""

from __future__ import annotations

import re
import uuid
from collections.abc import Callable
from pathlib import Path

import libvirt
import pytest

from fakevirt.testing import minimal_domain_xml
from tests.integration.conftest import err, error_of, ok

NICS = """<interface type='network'><mac address='52:54:00:aa:bb:01'/><source network='{net}'/></interface>
<interface type='user'><mac address='52:54:00:aa:bb:02'/></interface>
<interface type='ethernet'><mac address='52:54:00:aa:bb:03'/><target dev='mytap0'/></interface>"""
DOMAIN = ("<domain type='qemu'><name>{name}</name><memory>65536</memory>"
          "<os><type arch='x86_64' machine='pc'>hvm</type></os><devices>" + NICS + "</devices></domain>")
ZERO = {k: 0 for k in ("inbound.average", "inbound.peak", "inbound.burst", "inbound.floor",
                       "outbound.average", "outbound.peak", "outbound.burst")}


def _bandwidth(xml: str, mac: str) -> str:
    nic = next(n for n in re.findall(r"<interface .*?</interface>", xml, re.S) if mac in n)
    found = re.search(r"<bandwidth>.*?</bandwidth>", nic, re.S)
    return re.sub(r"\s+", " ", found.group(0)) if found else ""


def _config_session(virsh: Callable[..., object], tmp_path: Path, uri: str | None) -> list[str]:
    """An inactive domain's config changed and read back: the texts both daemons must give."""
    name = f"fvtest-{uuid.uuid4().hex[:8]}"
    path = tmp_path / f"{name}.xml"
    path.write_text(DOMAIN.format(name=name, net="default"))
    ok(virsh("define", str(path), uri=uri))
    try:
        out = [ok(virsh("domiftune", name, "52:54:00:aa:bb:01", uri=uri))]
        for device in ("nosuch", "52:54:00:aa:bb:09"):
            out.append(err(virsh("domiftune", name, device, uri=uri)))
        out.append(err(virsh("domiftune", name, "52:54:00:aa:bb:02", "--inbound", "100", uri=uri)))
        out.append(err(virsh("domiftune", name, "mytap0", "--live", uri=uri)))
        out.append(err(virsh("domiftune", name, "mytap0", "--live", "--config", uri=uri)))
        ok(virsh("domiftune", name, "mytap0", "--inbound", "100,200,300,50", "--outbound", "10,20,30", "--config",
                 uri=uri))
        out.append(ok(virsh("domiftune", name, "mytap0", uri=uri)))
        out.append(_bandwidth(ok(virsh("dumpxml", name, uri=uri)), "52:54:00:aa:bb:03"))
        ok(virsh("domiftune", name, "52:54:00:AA:BB:3", "--inbound", "0", uri=uri))  # MAC, any case or width
        out.append(_bandwidth(ok(virsh("dumpxml", name, uri=uri)), "52:54:00:aa:bb:03"))
        ok(virsh("domiftune", name, "52:54:00:aa:bb:01", "--inbound", "5,0,0,7", "--config", uri=uri))
        out.append(_bandwidth(ok(virsh("dumpxml", name, uri=uri)), "52:54:00:aa:bb:01"))
        return out
    finally:
        virsh("undefine", name, uri=uri)


def test_config_of_inactive_domain(virsh, tmp_path: Path) -> None:
    out = _config_session(virsh, tmp_path, None)
    assert re.findall(r"(\S+)\s*: (\d+)", out[0]) == [(k, "0") for k in ZERO]
    assert out[1:6] == [
        "error: Unable to get interface parameters\nerror: invalid argument: 'nosuch' is not a known interface",
        "error: Unable to get interface parameters\n"
        "error: invalid argument: '52:54:00:aa:bb:09' is not a known interface",
        "error: Unable to set interface parameters\n"
        "error: unsupported configuration: setting bandwidth on interfaces of type 'user' is not implemented yet",
        "error: Unable to get number of interface parameters\n"
        "error: Requested operation is not valid: domain is not running",
        "error: Unable to get number of interface parameters\n"
        "error: Flags 'VIR_DOMAIN_AFFECT_LIVE' and 'VIR_DOMAIN_AFFECT_CONFIG' are mutually exclusive"]
    assert re.findall(r"(\S+)\s*: (\d+)", out[6]) == [
        ("inbound.average", "100"), ("inbound.peak", "200"), ("inbound.burst", "300"), ("inbound.floor", "50"),
        ("outbound.average", "10"), ("outbound.peak", "20"), ("outbound.burst", "30")]
    assert out[7] == ("<bandwidth> <inbound average='100' peak='200' floor='50' burst='300'/> "
                      "<outbound average='10' peak='20' burst='30'/> </bandwidth>")
    assert out[8] == "<bandwidth> <outbound average='10' peak='20' burst='30'/> </bandwidth>"
    assert out[9] == "<bandwidth> <inbound average='5' floor='7'/> </bandwidth>"


@pytest.mark.real
def test_config_session_matches_reference(virsh, tmp_path: Path, reference_uri: str) -> None:
    assert _config_session(virsh, tmp_path, None) == _config_session(virsh, tmp_path, reference_uri)


QOS_NET = """<network><name>{name}</name><forward mode='nat'/>{qos}
<ip address='10.{n}.0.1' prefix='24'/></network>"""


@pytest.fixture
def running(fakevirt_uri: str):
    """A running domain on a nat network without inbound QoS; yields (conn, domain, network)."""
    conn = libvirt.open(fakevirt_uri)
    net = conn.networkDefineXML(QOS_NET.format(name="plain", qos="", n=31))
    net.create()
    dom = conn.defineXML(DOMAIN.format(name="tuned", net="plain"))
    dom.create()
    yield conn, dom, net
    conn.close()


def test_live_and_config_through_python(running) -> None:
    _conn, dom, _net = running
    assert dom.interfaceParameters("vnet0", 0) == ZERO
    dom.setInterfaceParameters("vnet0", {"outbound.average": 64, "outbound.burst": 128},
                               libvirt.VIR_DOMAIN_AFFECT_LIVE)
    assert dom.interfaceParameters("vnet0", libvirt.VIR_DOMAIN_AFFECT_LIVE) == {
        **ZERO, "outbound.average": 64, "outbound.burst": 128}
    assert dom.interfaceParameters("52:54:00:aa:bb:01", libvirt.VIR_DOMAIN_AFFECT_CONFIG) == ZERO
    assert "<outbound average='64' burst='128'/>" in dom.XMLDesc()
    assert "<bandwidth>" not in dom.XMLDesc(libvirt.VIR_DOMAIN_XML_INACTIVE)
    # inbound given, outbound kept (libvirt-python asks for the count with the same flags: one at a time)
    for flags in (libvirt.VIR_DOMAIN_AFFECT_LIVE, libvirt.VIR_DOMAIN_AFFECT_CONFIG):
        dom.setInterfaceParameters("52:54:00:aa:bb:01", {"inbound.average": 10}, flags)
    assert dom.interfaceParameters("vnet0", 0) == {**ZERO, "inbound.average": 10, "outbound.average": 64,
                                                   "outbound.burst": 128}
    assert dom.interfaceParameters("52:54:00:aa:bb:01", libvirt.VIR_DOMAIN_AFFECT_CONFIG) == {
        **ZERO, "inbound.average": 10}
    assert error_of(dom.setInterfaceParameters, "vnet0", {"inbound.average": 1}, 8)[::2] == (
        libvirt.VIR_ERR_INVALID_ARG, "unsupported flags (0x8) in function qemuDomainGetInterfaceParameters")


def test_floor_needs_a_network_with_inbound_qos(running) -> None:
    conn, dom, _net = running
    code, domain, text = error_of(dom.setInterfaceParameters, "vnet0", {"inbound.floor": 5}, 0)
    assert (code, domain, text) == (
        libvirt.VIR_ERR_OPERATION_UNSUPPORTED, libvirt.VIR_FROM_NETWORK,
        "Operation not supported: Invalid use of 'floor' on interface with MAC address 52:54:00:aa:bb:01 - "
        "network 'plain' has no inbound QoS set")
    code, domain, text = error_of(dom.setInterfaceParameters, "mytap0", {"inbound.floor": 5}, 0)
    assert (code, domain, text) == (
        libvirt.VIR_ERR_OPERATION_UNSUPPORTED, libvirt.VIR_FROM_QEMU,
        "Operation not supported: Invalid use of 'floor' on interface with MAC address 52:54:00:aa:bb:03 - 'floor' "
        "is only supported for interface type 'network' with forward type 'nat', 'route', 'open' or none")
    assert dom.interfaceParameters("vnet0", 0) == ZERO  # nothing changed
    dom.setInterfaceParameters("mytap0", {"inbound.floor": 5}, libvirt.VIR_DOMAIN_AFFECT_CONFIG)  # no check there
    net = conn.networkDefineXML(QOS_NET.format(name="qos", qos="<bandwidth><inbound average='1000'/></bandwidth>",
                                               n=32))
    net.create()
    dom.attachDeviceFlags("<interface type='network'><mac address='52:54:00:aa:bb:05'/><source network='qos'/>"
                          "</interface>", libvirt.VIR_DOMAIN_AFFECT_LIVE)
    dom.setInterfaceParameters("52:54:00:aa:bb:05", {"inbound.floor": 100, "inbound.average": 200}, 0)
    assert dom.interfaceParameters("52:54:00:aa:bb:05", 0)["inbound.floor"] == 100
    (port,) = net.listAllPorts()
    assert port.parameters()["inbound.floor"] == 100


def test_a_floor_in_the_definition_is_checked_at_start(running) -> None:
    """The NIC's <bandwidth> becomes its port's: a floor on a network without inbound QoS refuses the start."""
    conn, dom, _net = running
    xml = minimal_domain_xml("floored").replace("</domain>", (
        "<devices><interface type='network'><mac address='52:54:00:aa:bb:09'/><source network='plain'/>"
        "<bandwidth><inbound average='10' floor='5'/></bandwidth></interface></devices></domain>"))
    floored = conn.defineXML(xml)
    code, domain, text = error_of(floored.create)
    assert (code, domain, text) == (
        libvirt.VIR_ERR_OPERATION_UNSUPPORTED, libvirt.VIR_FROM_NETWORK,
        "Operation not supported: Invalid use of 'floor' on interface with MAC address 52:54:00:aa:bb:09 - "
        "network 'plain' has no inbound QoS set")
    assert not floored.isActive()
    net = conn.networkDefineXML(QOS_NET.format(name="qos2", qos="<bandwidth><inbound average='1000'/></bandwidth>",
                                               n=33))
    net.create()
    floored2 = conn.defineXML(xml.replace("floored", "floored2").replace("'plain'", "'qos2'")
                              .replace("bb:09", "bb:0a"))
    floored2.create()
    (port,) = net.listAllPorts()
    assert port.parameters()["inbound.floor"] == 5 and port.parameters()["inbound.average"] == 10
