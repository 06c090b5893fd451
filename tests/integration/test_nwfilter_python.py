"""Network filters and bindings through libvirt-python: the same scenarios against fakevirt and
(``real``) libvirtd 9.0, and the bindings of running domains (fakevirt only)."""

from __future__ import annotations

import re

import libvirt
import pytest

import fakevirt.handlers.nwfilter  # noqa: F401  registers
from tests.integration.conftest import error_of

NWF = libvirt.VIR_FROM_NWFILTER
B_UUID = "5ec0a1e1-0000-4000-8000-0000000000b1"
BINDING = ("<filterbinding><owner><name>fv&amp;dom</name><uuid>" + B_UUID + "</uuid></owner>"
           "<portdev name='{port}'/><mac address='52:54:00:AA:bb:0c'/><filterref filter='{filter}'>"
           "<parameter name='Z' value='1'/><parameter name='IP' value='10.0.0.1'/>"
           "<parameter name='IP' value='10.0.0.2'/><parameter name='bad' value='a b'/></filterref></filterbinding>")


@pytest.fixture(params=["fakevirt", pytest.param("real", marks=pytest.mark.real)])
def conn(request: pytest.FixtureRequest):
    """fakevirt or the reference; the filters (fv*) and bindings (fvb*) a test makes are removed."""
    uri = request.getfixturevalue("fakevirt_uri" if request.param == "fakevirt" else "reference_uri")
    c = libvirt.open(uri)
    yield c
    for b in c.listAllNWFilterBindings():
        if b.portDev().startswith("fvb"):
            b.delete()
    for _ in range(3):  # filters that reference each other go in any order
        for f in c.listAllNWFilters():
            if f.name().startswith("fv"):
                try:
                    f.undefine()
                except libvirt.libvirtError:
                    pass
    c.close()


def without_uuid(xml: str) -> str:
    return re.sub(r"<uuid>[0-9a-f-]+</uuid>", "<uuid/>", xml)


def test_a_fresh_host_has_no_filters(fakevirt_uri: str) -> None:
    """Like the reference (Debian without libvirt-daemon-config-nwfilter): no filter, no binding."""
    c = libvirt.open(fakevirt_uri)
    assert (c.listAllNWFilters(), c.listNWFilters(), c.numOfNWFilters(), c.listAllNWFilterBindings()) == ([], [], 0, [])


NORMALISED = [
    # the shapes of Debian's standard filters (libvirt-daemon-config-nwfilter, not installed on a fresh host)
    ("<filter name='fv-nms' chain='mac' priority='-800'><rule direction='out' action='return'>"
     "<mac srcmacaddr='$MAC'/></rule><rule direction='out' action='drop'><mac/></rule></filter>",
     "<filter name='fv-nms' chain='mac' priority='-800'>\n  <uuid/>\n"
     "  <rule action='return' direction='out' priority='500'>\n    <mac srcmacaddr='$MAC'/>\n  </rule>\n"
     "  <rule action='drop' direction='out' priority='500'>\n    <mac/>\n  </rule>\n</filter>\n"),
    ("<filter name='fv-dhcp' chain='ipv4'><rule action='accept' direction='out' priority='100'>"
     "<ip srcipaddr='0.0.0.0' dstipaddr='255.255.255.255' protocol='udp' srcportstart='68' dstportstart='67'/>"
     "</rule><filterref filter='fv-other'/><rule direction='inout' action='accept' priority='-500'>"
     "<mac protocolid='arp'/></rule></filter>",
     "<filter name='fv-dhcp' chain='ipv4' priority='-700'>\n  <uuid/>\n"
     "  <rule action='accept' direction='out' priority='100'>\n"
     "    <ip srcipaddr='0.0.0.0' dstipaddr='255.255.255.255' protocol='udp' srcportstart='68' dstportstart='67'/>"
     "\n  </rule>\n  <filterref filter='fv-other'/>\n  <rule action='accept' direction='inout' priority='-500'>\n"
     "    <mac protocolid='arp'/>\n  </rule>\n</filter>\n"),
    ("<filter name='fvx1' chain='ipv4'><rule action='accept' direction='in' priority='9999' statematch='FALSE'>"
     "<ip srcipaddr='10.1' srcipmask='255.255.0.0' protocol='0x6' srcportstart='0x50' dstportend='80' dscp='63' "
     "match='no'/><ip dstipaddr='1.2.3.4'/></rule></filter>",
     "<filter name='fvx1' chain='ipv4' priority='-700'>\n  <uuid/>\n"
     "  <rule action='accept' direction='in' priority='500' statematch='false'>\n"
     "    <ip match='no' srcipaddr='10.0.0.1' srcipmask='16'/>\n    <ip dstipaddr='1.2.3.4'/>\n"
     "    <ip match='no' protocol='tcp' srcportstart='0x50' dstportend='80' dscp='63'/>\n  </rule>\n</filter>\n"),
    ("<filter name='fvx2' chain='mac-x' priority='-5'><rule action='drop' direction='inout'><mac "
     "srcmacaddr='AA:bb:c:0:1:2' srcmacmask='ff:ff:ff:00:00:00' protocolid='0x0800' comment='a&lt;b'/></rule>"
     "<rule action='reject' direction='out'/><filterref filter='fvx9'><parameter name='Z' value='1'/>"
     "<parameter name='A' value='x.y'/><parameter name='A' value='2'/><parameter name='bad' value='a b'/>"
     "</filterref></filter>",
     "<filter name='fvx2' chain='mac-x' priority='-5'>\n  <uuid/>\n"
     "  <rule action='drop' direction='inout' priority='500'>\n"
     "    <mac srcmacaddr='aa:bb:0c:00:01:02' srcmacmask='ff:ff:ff:00:00:00' protocolid='ipv4' comment='a&lt;b'/>\n"
     "  </rule>\n  <rule action='reject' direction='out' priority='500'/>\n  <filterref filter='fvx9'>\n"
     "    <parameter name='A' value='x.y'/>\n    <parameter name='A' value='2'/>\n"
     "    <parameter name='Z' value='1'/>\n  </filterref>\n</filter>\n"),
    ("<filter name='fvx3' chain='stp'><rule action='accept' direction='in'><tcp srcipaddr='$IP' "
     "dstipaddr='$IP[@2]' srcipmask='$MASK[3]' state='established,NEW' flags='SYN,ACK/ALL' ipset='s' "
     "connlimit-above='10' srcportstart='22' match='no'/><tcp dstportend='9'/></rule>"
     "<rule action='accept' direction='in'><arp opcode='reply' arpsrcipmask='255.255.255.0' gratuitous='yes'/>"
     "</rule></filter>",
     "<filter name='fvx3' chain='stp'>\n  <uuid/>\n  <rule action='accept' direction='in' priority='500'>\n"
     "    <tcp match='no' srcipaddr='$IP' srcipmask='$MASK[3]' dstipaddr='$IP[@2]' connlimit-above='10' "
     "state='NEW,ESTABLISHED' ipset='s'/>\n    <tcp ipsetflags='src'/>\n"
     "    <tcp match='no' srcportstart='22' dstportend='9' flags='SYN,ACK/ALL'/>\n  </rule>\n"
     "  <rule action='accept' direction='in' priority='500'>\n"
     "    <arp opcode='Reply' arpsrcipmask='24' gratuitous='true'/>\n  </rule>\n</filter>\n"),
]


@pytest.mark.parametrize(("xml", "expected"), NORMALISED, ids=["mac-chain", "ipv4-chain", "ip", "mac-filterref", "variables-split"])
def test_rules_are_normalised_as_libvirt(conn, xml: str, expected: str) -> None:
    assert without_uuid(conn.nwfilterDefineXML(xml).XMLDesc()) == expected


ILLEGAL = libvirt.VIR_ERR_INTERNAL_ERROR


@pytest.mark.parametrize(("xml", "expected"), [
    ("<filter/>", (ILLEGAL, NWF, "internal error: filter has no name")),
    ("<filter name='fvb' chain='foo'/>", (
        libvirt.VIR_ERR_INVALID_ARG, NWF, "invalid argument: Invalid chain name 'foo'. Please use a chain name "
        "called 'root' or any of the following prefixes: mac, vlan, stp, arp, rarp, ipv4, ipv6")),
    ("<filter name='fvb' chain='rootx'/>", (ILLEGAL, libvirt.VIR_FROM_NONE,
                                            "An error occurred, but the cause is unknown")),
    ("<filter name='fvb' priority='2000'/>", (
        libvirt.VIR_ERR_INVALID_ARG, NWF, "invalid argument: Priority '2000' is outside valid range of [-1000,1000]")),
    ("<filter name='fvb'><rule action='drop'/></filter>", (
        ILLEGAL, NWF, "internal error: rule node requires direction attribute")),
    ("<filter name='fvb'><rule action='drop' direction='in'><ip srcipaddr='1.2.3.300' dstipaddr='x'/></rule>"
     "</filter>", (ILLEGAL, NWF, "internal error: dstipaddr has illegal value x")),
    ("<filter name='fvb'><rule action='drop' direction='in'><ip srcportstart='22'/></rule></filter>", (
        ILLEGAL, NWF, "internal error: IP rule with port specification requires protocol specification with "
        "protocol to be either one of tcp(6), udp(17), dccp(33), or sctp(132)")),
    ("<filter name='fvb'><rule action='drop' direction='in'><mac protocolid='100'/></rule></filter>", (
        ILLEGAL, NWF, "internal error: protocolid has illegal value 100")),
    ("<filter name='fvb'><filterref/></filter>", (ILLEGAL, NWF, "internal error: rule node requires action "
                                                               "attribute")),
])
def test_filter_parse_errors(conn, xml: str, expected: tuple[int, int, str]) -> None:
    assert error_of(conn.nwfilterDefineXML, xml) == expected


def test_define_lookups_and_refusals(conn) -> None:
    f = conn.nwfilterDefineXML("<filter name='fv-f'><filterref filter='fv-g'/></filter>")
    g = conn.nwfilterDefineXML("<filter name='fv-g'/>")
    assert error_of(conn.nwfilterDefineXML, f"<filter name='fv-g'><uuid>{g.UUIDString()}</uuid>"
                                            "<filterref filter='fv-f'/></filter>") == (
        libvirt.VIR_ERR_OPERATION_FAILED, NWF, "operation failed: filter would introduce a loop")
    assert error_of(conn.nwfilterDefineXML, "<filter name='fv-g'/>") == (
        libvirt.VIR_ERR_OPERATION_FAILED, NWF, f"operation failed: filter 'fv-g' already exists with uuid "
                                               f"{g.UUIDString()}")
    assert error_of(conn.nwfilterDefineXML, f"<filter name='fv-z'><uuid>{g.UUIDString()}</uuid></filter>") == (
        libvirt.VIR_ERR_OPERATION_FAILED, NWF, "operation failed: filter with same UUID but different name "
                                               "('fv-g') already exists")
    assert conn.nwfilterLookupByUUIDString(f.UUIDString()).name() == "fv-f"
    assert conn.nwfilterLookupByName("fv-g").UUIDString() == g.UUIDString()
    assert error_of(conn.nwfilterLookupByName, "fv-none") == (
        libvirt.VIR_ERR_NO_NWFILTER, NWF, "Network filter not found: no nwfilter with matching name 'fv-none'")
    assert error_of(g.XMLDesc, 1) == (libvirt.VIR_ERR_INVALID_ARG, NWF,
                                      "unsupported flags (0x1) in function nwfilterGetXMLDesc")
    assert error_of(conn.nwfilterDefineXMLFlags, "<filter name='fv-q'/>", 2) == (
        libvirt.VIR_ERR_INVALID_ARG, NWF, "unsupported flags (0x2) in function nwfilterDefineXMLFlags")
    assert {"fv-f", "fv-g"} <= set(conn.listNWFilters())
    assert conn.numOfNWFilters() == len(conn.listAllNWFilters())
    g.undefine()  # another filter referring to it does not keep it
    assert error_of(g.undefine) == (libvirt.VIR_ERR_NO_NWFILTER, NWF, "Network filter not found: no nwfilter with "
                                                                     f"matching uuid '{g.UUIDString()}'")


def test_bindings(conn) -> None:
    """Bindings on ports that do not exist on the host: kept, not instantiated (so not checked)."""
    b = conn.nwfilterBindingCreateXML(BINDING.format(port="fvb0", filter="fv-none"), 0)
    assert (b.portDev(), b.filterName()) == ("fvb0", "fv-none")
    assert conn.nwfilterBindingLookupByPortDev("fvb0").XMLDesc() == (
        f"<filterbinding>\n  <owner>\n    <name>fv&amp;dom</name>\n    <uuid>{B_UUID}</uuid>\n  </owner>\n"
        "  <portdev name='fvb0'/>\n  <mac address='52:54:00:aa:bb:0c'/>\n  <filterref filter='fv-none'>\n"
        "    <parameter name='IP' value='10.0.0.1'/>\n    <parameter name='IP' value='10.0.0.2'/>\n"
        "    <parameter name='Z' value='1'/>\n  </filterref>\n</filterbinding>\n")
    assert error_of(conn.nwfilterBindingCreateXML, BINDING.format(port="fvb0", filter="x"), 0) == (
        libvirt.VIR_ERR_OPERATION_FAILED, NWF, "operation failed: binding 'fvb0' already exists")
    assert error_of(conn.nwfilterBindingCreateXML, "<filterbinding><portdev name='p'/></filterbinding>", 0) == (
        ILLEGAL, NWF, "internal error: filter binding has no owner name")
    assert ("fvb0", "fv-none") in [(x.portDev(), x.filterName()) for x in conn.listAllNWFilterBindings()]
    assert error_of(conn.listAllNWFilterBindings, 1) == (
        libvirt.VIR_ERR_INVALID_ARG, NWF, "unsupported flags (0x1) in function nwfilterConnectListAllNWFilterBindings")
    b.delete()
    assert error_of(conn.nwfilterBindingLookupByPortDev, "fvb0") == (
        libvirt.VIR_ERR_NO_NWFILTER_BINDING, NWF, "Network filter binding not found: no nwfilter binding for port "
                                                  "dev 'fvb0'")


# ---- running domains (fakevirt only: the reference has no ebtables to instantiate a filter with) ---

DOMAIN = """<domain type='qemu'><name>fv-nwf</name><memory unit='MiB'>64</memory>
<os><type arch='x86_64' machine='pc'>hvm</type></os><devices>
<interface type='ethernet'><mac address='52:54:00:00:00:0a'/><target dev='fvtap0'/>
<filterref filter='fv-top'><parameter name='IP' value='10.0.0.9'/></filterref></interface>
<interface type='ethernet'><mac address='52:54:00:00:00:0b'/><target dev='fvtap1'/></interface>
</devices></domain>"""


def test_running_domain_gets_a_binding(fakevirt_uri: str) -> None:
    c = libvirt.open(fakevirt_uri)
    dom = c.defineXML(DOMAIN)
    assert error_of(dom.create) == (ILLEGAL, NWF, "internal error: referenced filter 'fv-top' is missing")
    top = c.nwfilterDefineXML("<filter name='fv-top'><filterref filter='fv-leaf'/></filter>")
    assert error_of(dom.create) == (ILLEGAL, NWF, "internal error: referenced filter 'fv-leaf' is missing")
    leaf = c.nwfilterDefineXML("<filter name='fv-leaf'><rule action='drop' direction='in'/></filter>")
    dom.create()
    assert [(b.portDev(), b.filterName()) for b in c.listAllNWFilterBindings()] == [("fvtap0", "fv-top")]
    xml = c.nwfilterBindingLookupByPortDev("fvtap0").XMLDesc()
    assert f"<name>fv-nwf</name>\n    <uuid>{dom.UUIDString()}</uuid>" in xml
    assert "<mac address='52:54:00:00:00:0a'/>" in xml and "<parameter name='IP' value='10.0.0.9'/>" in xml
    for f in (leaf, top):
        assert error_of(f.undefine) == (libvirt.VIR_ERR_OPERATION_INVALID, NWF,
                                        "Requested operation is not valid: nwfilter is in use")
    assert error_of(c.nwfilterDefineXML, f"<filter name='fv-top'><uuid>{top.UUIDString()}</uuid>"
                                         "<filterref filter='fv-gone'/></filter>") == (
        ILLEGAL, NWF, "internal error: referenced filter 'fv-gone' is missing")
    assert "fv-leaf" in c.nwfilterLookupByName("fv-top").XMLDesc()
    dom.destroy()
    assert c.listAllNWFilterBindings() == []
    leaf.undefine()
    top.undefine()
    c.close()
