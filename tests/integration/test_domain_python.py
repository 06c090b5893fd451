"""Domains through libvirt-python: flows, filters, error codes, events, read-only, two connections."""

from __future__ import annotations

import xml.etree.ElementTree as ET

import libvirt
import pytest

from fakevirt.testing import minimal_domain_xml
from fakevirt.testing.libvirt_events import ensure_event_loop, wait_for


@pytest.fixture
def conn(fakevirt_uri: str):
    c = libvirt.open(fakevirt_uri)
    yield c
    c.close()


def define(conn, name: str = "vm1"):
    return conn.defineXML(minimal_domain_xml(name))


def test_lifecycle_states_and_reasons(conn) -> None:
    dom = define(conn)
    assert dom.state() == [libvirt.VIR_DOMAIN_SHUTOFF, libvirt.VIR_DOMAIN_SHUTOFF_UNKNOWN]
    assert dom.ID() == -1 and dom.isActive() == 0 and dom.isPersistent() == 1
    dom.create()
    assert dom.state() == [libvirt.VIR_DOMAIN_RUNNING, libvirt.VIR_DOMAIN_RUNNING_BOOTED]
    assert conn.lookupByName("vm1").ID() >= 1
    dom.suspend()
    assert dom.state() == [libvirt.VIR_DOMAIN_PAUSED, libvirt.VIR_DOMAIN_PAUSED_USER]
    dom.resume()
    dom.shutdown()
    assert dom.state() == [libvirt.VIR_DOMAIN_SHUTOFF, libvirt.VIR_DOMAIN_SHUTOFF_SHUTDOWN]
    dom.createWithFlags(libvirt.VIR_DOMAIN_START_PAUSED)
    assert dom.state()[0] == libvirt.VIR_DOMAIN_PAUSED
    dom.destroy()
    assert dom.state() == [libvirt.VIR_DOMAIN_SHUTOFF, libvirt.VIR_DOMAIN_SHUTOFF_DESTROYED]
    dom.undefine()
    assert conn.listAllDomains() == []


def test_info_and_lookups(conn) -> None:
    dom = define(conn)
    state, maxmem, mem, ncpu, _ = dom.info()
    assert (state, maxmem, mem, ncpu) == (libvirt.VIR_DOMAIN_SHUTOFF, 65536, 65536, 1)
    assert conn.lookupByUUIDString(dom.UUIDString()).name() == "vm1"
    dom.create()
    assert conn.lookupByID(dom.ID()).name() == "vm1"
    assert dom.OSType() == "hvm"
    assert dom.maxMemory() == 65536


@pytest.mark.parametrize("call, code, message", [
    (lambda c: c.lookupByName("nosuch"), libvirt.VIR_ERR_NO_DOMAIN,
     "Domain not found: no domain with matching name 'nosuch'"),
    (lambda c: c.lookupByID(42), libvirt.VIR_ERR_NO_DOMAIN, "Domain not found: no domain with matching id 42"),
    (lambda c: c.lookupByUUIDString("11111111-2222-3333-4444-555555555555"), libvirt.VIR_ERR_NO_DOMAIN,
     "Domain not found: no domain with matching uuid '11111111-2222-3333-4444-555555555555'"),
    (lambda c: define(c).destroy(), libvirt.VIR_ERR_OPERATION_INVALID,
     "Requested operation is not valid: domain is not running"),
    (lambda c: c.defineXML("<domain"), libvirt.VIR_ERR_XML_DETAIL, None),
])
def test_error_codes(conn, call, code, message) -> None:
    with pytest.raises(libvirt.libvirtError) as e:
        call(conn)
    assert e.value.get_error_code() == code
    if message is not None:
        assert str(e.value) == message


def test_start_twice(conn) -> None:
    dom = define(conn)
    dom.create()
    with pytest.raises(libvirt.libvirtError) as e:
        dom.create()
    assert e.value.get_error_code() == libvirt.VIR_ERR_OPERATION_INVALID
    assert str(e.value) == "Requested operation is not valid: domain is already running"


def test_list_all_domains_filters(conn) -> None:
    a, b, c = define(conn, "a"), define(conn, "b"), define(conn, "c")
    b.create()
    c.create()
    c.suspend()
    a.setAutostart(1)
    conn.createXML(minimal_domain_xml("t"), 0)

    def names(flags: int) -> list[str]:
        return sorted(d.name() for d in conn.listAllDomains(flags))

    assert names(0) == ["a", "b", "c", "t"]
    assert names(libvirt.VIR_CONNECT_LIST_DOMAINS_ACTIVE) == ["b", "c", "t"]
    assert names(libvirt.VIR_CONNECT_LIST_DOMAINS_INACTIVE) == ["a"]
    assert names(libvirt.VIR_CONNECT_LIST_DOMAINS_PERSISTENT) == ["a", "b", "c"]
    assert names(libvirt.VIR_CONNECT_LIST_DOMAINS_TRANSIENT) == ["t"]
    assert names(libvirt.VIR_CONNECT_LIST_DOMAINS_RUNNING) == ["b", "t"]
    assert names(libvirt.VIR_CONNECT_LIST_DOMAINS_PAUSED) == ["c"]
    assert names(libvirt.VIR_CONNECT_LIST_DOMAINS_SHUTOFF) == ["a"]
    assert names(libvirt.VIR_CONNECT_LIST_DOMAINS_AUTOSTART) == ["a"]
    assert names(libvirt.VIR_CONNECT_LIST_DOMAINS_NO_AUTOSTART) == ["b", "c", "t"]
    assert names(libvirt.VIR_CONNECT_LIST_DOMAINS_NO_MANAGEDSAVE) == ["a", "b", "c", "t"]
    assert names(libvirt.VIR_CONNECT_LIST_DOMAINS_ACTIVE | libvirt.VIR_CONNECT_LIST_DOMAINS_PERSISTENT) == ["b", "c"]
    # legacy calls
    assert conn.numOfDomains() == 3 and conn.numOfDefinedDomains() == 1
    assert sorted(conn.listDefinedDomains()) == ["a"]
    assert len(conn.listDomainsID()) == 3


def test_list_all_domains_refuses_unknown_flags(conn) -> None:
    with pytest.raises(libvirt.libvirtError) as e:
        conn.listAllDomains(1 << 20)
    assert e.value.get_error_code() == libvirt.VIR_ERR_INVALID_ARG


def test_xml_desc_round_trip(conn) -> None:
    dom = define(conn)
    xml = dom.XMLDesc()
    root = ET.fromstring(xml)
    assert root.findtext("name") == "vm1" and root.findtext("uuid") == dom.UUIDString()
    assert conn.defineXML(xml).XMLDesc() == xml
    dom.create()
    live = ET.fromstring(dom.XMLDesc())
    assert live.get("id") == str(dom.ID())
    assert ET.fromstring(dom.XMLDesc(libvirt.VIR_DOMAIN_XML_INACTIVE)).get("id") is None


def test_readonly_connection(fakevirt_uri: str, conn) -> None:
    define(conn)
    ro = libvirt.openReadOnly(fakevirt_uri)
    dom = ro.lookupByName("vm1")
    assert dom.info()[0] == libvirt.VIR_DOMAIN_SHUTOFF
    for call in (dom.create, dom.undefine, lambda: ro.defineXML(minimal_domain_xml("x"))):
        with pytest.raises(libvirt.libvirtError) as e:
            call()
        assert e.value.get_error_code() == libvirt.VIR_ERR_OPERATION_DENIED
    with pytest.raises(libvirt.libvirtError) as e:
        dom.XMLDesc(libvirt.VIR_DOMAIN_XML_SECURE)
    assert e.value.get_error_code() == libvirt.VIR_ERR_OPERATION_DENIED
    ro.close()


def test_two_connections_see_each_other(fakevirt_uri: str, conn) -> None:
    other = libvirt.open(fakevirt_uri)
    define(conn, "shared")
    other.lookupByName("shared").create()
    assert conn.lookupByName("shared").isActive() == 1
    other.close()


def test_lifecycle_events_reach_every_registered_connection(fakevirt_uri: str) -> None:
    ensure_event_loop()
    c1, c2 = libvirt.open(fakevirt_uri), libvirt.open(fakevirt_uri)
    seen: dict[str, list[tuple[str, int, int]]] = {"c1": [], "c2": []}

    def callback(key: str):
        return lambda conn, dom, event, detail, opaque: seen[key].append((dom.name(), event, detail))

    ids = [c.domainEventRegisterAny(None, libvirt.VIR_DOMAIN_EVENT_ID_LIFECYCLE, callback(k), None)
           for c, k in ((c1, "c1"), (c2, "c2"))]
    dom = define(c1)
    dom.create()
    dom.suspend()
    dom.resume()
    dom.shutdown()
    dom.undefine()
    E = libvirt
    expected = [
        ("vm1", E.VIR_DOMAIN_EVENT_DEFINED, E.VIR_DOMAIN_EVENT_DEFINED_ADDED),
        ("vm1", E.VIR_DOMAIN_EVENT_RESUMED, E.VIR_DOMAIN_EVENT_RESUMED_UNPAUSED),
        ("vm1", E.VIR_DOMAIN_EVENT_STARTED, E.VIR_DOMAIN_EVENT_STARTED_BOOTED),
        ("vm1", E.VIR_DOMAIN_EVENT_SUSPENDED, E.VIR_DOMAIN_EVENT_SUSPENDED_PAUSED),
        ("vm1", E.VIR_DOMAIN_EVENT_RESUMED, E.VIR_DOMAIN_EVENT_RESUMED_UNPAUSED),
        ("vm1", E.VIR_DOMAIN_EVENT_SHUTDOWN, E.VIR_DOMAIN_EVENT_SHUTDOWN_GUEST),
        ("vm1", E.VIR_DOMAIN_EVENT_STOPPED, E.VIR_DOMAIN_EVENT_STOPPED_SHUTDOWN),
        ("vm1", E.VIR_DOMAIN_EVENT_UNDEFINED, E.VIR_DOMAIN_EVENT_UNDEFINED_REMOVED),
    ]
    wait_for(lambda: len(seen["c1"]) >= len(expected) and len(seen["c2"]) >= len(expected))
    assert seen["c1"] == expected and seen["c2"] == expected
    for c, cid in zip((c1, c2), ids, strict=True):
        c.domainEventDeregisterAny(cid)
        c.close()


def test_event_registration_errors(conn) -> None:
    ensure_event_loop()
    cid = conn.domainEventRegisterAny(None, libvirt.VIR_DOMAIN_EVENT_ID_REBOOT, lambda *a: None, None)
    conn.domainEventDeregisterAny(cid)
    with pytest.raises(libvirt.libvirtError):
        conn.domainEventDeregisterAny(cid)


def test_rename_and_clashes(conn) -> None:
    dom = define(conn, "old")
    define(conn, "taken")
    dom.rename("new", 0)
    assert conn.lookupByName("new").UUIDString() == dom.UUIDString()
    with pytest.raises(libvirt.libvirtError) as e:
        conn.lookupByName("new").rename("taken", 0)
    assert e.value.get_error_code() == libvirt.VIR_ERR_OPERATION_FAILED
    live = conn.lookupByName("new")
    live.create()
    with pytest.raises(libvirt.libvirtError) as e:
        live.rename("other", 0)
    assert str(e.value) == "Requested operation is not valid: cannot rename active domain"


def test_metadata_and_title(conn) -> None:
    dom = define(conn)
    dom.setMetadata(libvirt.VIR_DOMAIN_METADATA_DESCRIPTION, "a test VM", None, None)
    assert dom.metadata(libvirt.VIR_DOMAIN_METADATA_DESCRIPTION, None) == "a test VM"
    with pytest.raises(libvirt.libvirtError) as e:
        dom.metadata(libvirt.VIR_DOMAIN_METADATA_TITLE, None)
    assert e.value.get_error_code() == libvirt.VIR_ERR_NO_DOMAIN_METADATA
    dom.setMetadata(libvirt.VIR_DOMAIN_METADATA_ELEMENT, "<owner>me</owner>", "app", "http://example.org/app")
    # as libvirtd 9.0 answers: the element without its namespace; the document keeps it
    assert dom.metadata(libvirt.VIR_DOMAIN_METADATA_ELEMENT, "http://example.org/app") == "<owner>me</owner>"
    assert '<app:owner xmlns:app="http://example.org/app">me</app:owner>' in dom.XMLDesc()


def test_memory_vcpu_flags_and_updated(conn) -> None:
    dom = conn.defineXML(minimal_domain_xml("vm1").replace("<vcpu>1</vcpu>", "<vcpu current='1'>4</vcpu>"))
    dom.setMaxMemory(131072)
    assert dom.maxMemory() == 131072
    dom.create()
    dom.setVcpusFlags(2, libvirt.VIR_DOMAIN_AFFECT_LIVE)
    assert dom.vcpusFlags(libvirt.VIR_DOMAIN_AFFECT_LIVE) == 2
    assert dom.vcpusFlags(libvirt.VIR_DOMAIN_AFFECT_CONFIG) == 1
    assert dom.vcpusFlags(libvirt.VIR_DOMAIN_AFFECT_LIVE | libvirt.VIR_DOMAIN_VCPU_MAXIMUM) == 4
    assert dom.isUpdated() == 0
    dom.setVcpusFlags(3, libvirt.VIR_DOMAIN_AFFECT_CONFIG)
    assert dom.isUpdated() == 1
    with pytest.raises(libvirt.libvirtError) as e:
        dom.setMemoryFlags(65536, libvirt.VIR_DOMAIN_AFFECT_LIVE | libvirt.VIR_DOMAIN_MEM_MAXIMUM)
    assert e.value.get_error_code() == libvirt.VIR_ERR_OPERATION_INVALID


def test_save_image_xml_and_managed_save_remove(conn, tmp_path) -> None:
    dom = define(conn)
    dom.create()
    path = str(tmp_path / "img")
    dom.save(path)
    assert "<name>vm1</name>" in conn.saveImageGetXMLDesc(path, 0)
    conn.restore(path)
    dom.managedSave(0)
    assert dom.hasManagedSaveImage(0) == 1
    dom.managedSaveRemove(0)
    assert dom.hasManagedSaveImage(0) == 0
    dom.create()
    assert dom.state() == [libvirt.VIR_DOMAIN_RUNNING, libvirt.VIR_DOMAIN_RUNNING_BOOTED]


def test_transient_domain_cannot_be_autostarted(conn) -> None:
    dom = conn.createXML(minimal_domain_xml("t"), 0)
    with pytest.raises(libvirt.libvirtError) as e:
        dom.setAutostart(1)
    assert str(e.value) == "Requested operation is not valid: cannot set autostart for transient domain"


@pytest.mark.real
def test_lookup_errors_match_the_real_qemu_driver(fakevirt_uri: str, reference_uri: str) -> None:
    seen = []
    for uri in (fakevirt_uri, reference_uri):
        c = libvirt.open(uri)
        row = []
        for call in (lambda c=c: c.lookupByName("fv-ref-nosuch"), lambda c=c: c.lookupByID(4242),
                     lambda c=c: c.lookupByUUIDString("11111111-2222-3333-4444-555555555555"),
                     lambda c=c: c.listAllDomains(1 << 20), lambda c=c: c.defineXML("<domain"),
                     lambda c=c: c.defineXML("<network/>")):
            with pytest.raises(libvirt.libvirtError) as e:
                call()
            row.append((e.value.get_error_code(), e.value.get_error_domain(), str(e.value)))
        seen.append(row)
        c.close()
    assert seen[0] == seen[1]


INACTIVE_REFUSALS = {  # what each call on a defined, inactive domain gets: the error domain tells where it came from
    "destroy": lambda d: d.destroy(),
    "shutdown": lambda d: d.shutdown(),
    "reboot": lambda d: d.reboot(0),
    "reset": lambda d: d.reset(0),
    "suspend": lambda d: d.suspend(),
    "resume": lambda d: d.resume(),
    "setMemoryFlags live": lambda d: d.setMemoryFlags(1024, libvirt.VIR_DOMAIN_AFFECT_LIVE),
    "managedSave": lambda d: d.managedSave(0),
    "jobInfo": lambda d: d.jobInfo(),
    "memoryStats": lambda d: d.memoryStats(),
}


def inactive_refusals(uri: str, name: str) -> dict[str, tuple[int, int, str]]:
    c = libvirt.open(uri)
    dom = c.defineXML(minimal_domain_xml(name))
    got = {}
    try:
        for what, call in INACTIVE_REFUSALS.items():
            with pytest.raises(libvirt.libvirtError) as e:
                call(dom)
            got[what] = (e.value.get_error_code(), e.value.get_error_domain(), e.value.get_error_message())
    finally:
        dom.undefine()
        c.close()
    return got


def test_inactive_domain_refusals(fakevirt_uri: str) -> None:
    got = inactive_refusals(fakevirt_uri, "vm1")
    not_running = "Requested operation is not valid: domain is not running"
    assert got["destroy"] == (libvirt.VIR_ERR_OPERATION_INVALID, libvirt.VIR_FROM_DOMAIN, not_running)
    assert got["shutdown"] == (libvirt.VIR_ERR_OPERATION_INVALID, libvirt.VIR_FROM_QEMU, not_running)
    assert got["suspend"] == (libvirt.VIR_ERR_OPERATION_INVALID, libvirt.VIR_FROM_DOMAIN, not_running)


@pytest.mark.real
def test_inactive_domain_refusals_match_real_libvirtd(fakevirt_uri: str, reference_uri: str) -> None:
    assert inactive_refusals(fakevirt_uri, "vm1") == inactive_refusals(reference_uri, "fv-inactive-refusals")


def described(uri: str, name: str) -> str:
    """The <description> dumpxml shows for one set through the API with control characters in it."""
    c = libvirt.open(uri)
    dom = c.defineXML(minimal_domain_xml(name))
    try:
        dom.setMetadata(libvirt.VIR_DOMAIN_METADATA_DESCRIPTION, "a\x01b\tc<d>", None, None,
                        libvirt.VIR_DOMAIN_AFFECT_CONFIG)
        return next(line.strip() for line in dom.XMLDesc(0).splitlines() if "<description>" in line)
    finally:
        dom.undefine()
        c.close()


def test_formatting_drops_control_characters_as_libvirt_does(fakevirt_uri: str) -> None:
    assert described(fakevirt_uri, "vm1") == "<description>ab\tc&lt;d&gt;</description>"


@pytest.mark.real
def test_control_characters_match_real_libvirtd(fakevirt_uri: str, reference_uri: str) -> None:
    assert described(fakevirt_uri, "vm1") == described(reference_uri, "fv-control-chars")
