"""Networks through libvirt-python: the Terraform-style flow, events, ports, lists and leases."""

from __future__ import annotations

import threading
import uuid

import libvirt
import pytest

from tests.integration.conftest import error_of

NET = """<network><name>tf</name><forward mode='nat'/>
<ip address='10.20.0.1' prefix='24'><dhcp><range start='10.20.0.100' end='10.20.0.200'/>
<host mac='52:54:00:aa:00:01' name='web' ip='10.20.0.10'/></dhcp></ip></network>"""

DOMAIN = """<domain type='qemu'><name>web</name><memory>65536</memory><os><type arch='x86_64'>hvm</type></os>
<devices><interface type='network'><mac address='52:54:00:aa:00:01'/><source network='tf'/></interface>
</devices></domain>"""


@pytest.fixture
def conn(fakevirt_uri: str):
    c = libvirt.open(fakevirt_uri)
    yield c
    c.close()


def test_terraform_flow_lease_by_interface_addresses(conn) -> None:
    net = conn.networkDefineXML(NET)
    net.create()
    net.setAutostart(True)
    dom = conn.defineXML(DOMAIN)
    dom.create()
    ifaces = dom.interfaceAddresses(libvirt.VIR_DOMAIN_INTERFACE_ADDRESSES_SRC_LEASE)
    assert ifaces == {"vnet0": {"hwaddr": "52:54:00:aa:00:01",
                                "addrs": [{"type": libvirt.VIR_IP_ADDR_TYPE_IPV4, "addr": "10.20.0.10", "prefix": 24}]}}
    leases = net.DHCPLeases()
    assert [(x["mac"], x["ipaddr"], x["hostname"], x["iface"], x["clientid"]) for x in leases] == [
        ("52:54:00:aa:00:01", "10.20.0.10", "web", "virbr0", "01:52:54:00:aa:00:01")]
    assert leases[0]["expirytime"] > 0
    assert net.DHCPLeases("52:54:00:AA:00:01") == leases
    assert net.DHCPLeases("52:54:00:aa:00:02") == []
    assert error_of(net.DHCPLeases, "nonsense")[::2] == (libvirt.VIR_ERR_INVALID_MAC, "invalid MAC address: nonsense")
    dom.destroy()
    assert net.DHCPLeases() == []
    assert error_of(dom.interfaceAddresses, 0)[::2] == (libvirt.VIR_ERR_OPERATION_INVALID,
                                                        "Requested operation is not valid: domain is not running")


def test_ports_follow_running_domains(conn) -> None:
    net = conn.networkDefineXML(NET)
    net.create()
    dom = conn.defineXML(DOMAIN)
    dom.create()
    (port,) = net.listAllPorts()
    xml = port.XMLDesc()
    assert "<name>web</name>" in xml and "<plug type='network' bridge='virbr0'/>" in xml
    assert f"portid='{port.UUIDString()}'" in dom.XMLDesc()
    assert net.portLookupByUUIDString(port.UUIDString()).UUIDString() == port.UUIDString()
    assert port.parameters() == {}
    with pytest.raises(LookupError):  # libvirt-python sets only what GetParameters listed: nothing yet
        port.setParameters({"inbound.average": 1000})
    dom.destroy()
    assert net.listAllPorts() == []
    missing = str(uuid.UUID(int=7))
    assert error_of(net.portLookupByUUIDString, missing)[::2] == (
        libvirt.VIR_ERR_NO_NETWORK_PORT, f"network port not found: Network port with UUID {missing} does not exist")
    net.destroy()
    assert error_of(net.listAllPorts)[::2] == (libvirt.VIR_ERR_OPERATION_INVALID,
                                               "Requested operation is not valid: network 'tf' is not active")


def test_list_all_filters_and_legacy_lists(conn) -> None:
    conn.networkDefineXML(NET)
    conn.networkCreateXML(NET.replace("<name>tf</name>", "<name>tr</name>").replace("10.20.0", "10.21.0"))
    names = lambda flags: sorted(n.name() for n in conn.listAllNetworks(flags))  # noqa: E731
    assert names(0) == ["tf", "tr"]
    assert names(libvirt.VIR_CONNECT_LIST_NETWORKS_ACTIVE) == ["tr"]
    assert names(libvirt.VIR_CONNECT_LIST_NETWORKS_PERSISTENT) == ["tf"]
    assert names(libvirt.VIR_CONNECT_LIST_NETWORKS_TRANSIENT | libvirt.VIR_CONNECT_LIST_NETWORKS_INACTIVE) == []
    assert names(libvirt.VIR_CONNECT_LIST_NETWORKS_NO_AUTOSTART) == ["tf", "tr"]
    assert (conn.listNetworks(), conn.listDefinedNetworks()) == (["tr"], ["tf"])
    assert (conn.numOfNetworks(), conn.numOfDefinedNetworks()) == (1, 1)
    tf = conn.networkLookupByName("tf")
    assert conn.networkLookupByUUID(tf.UUID()).name() == "tf"
    assert (tf.isActive(), tf.isPersistent(), tf.bridgeName()) == (0, 1, "virbr0")
    code, domain, message = error_of(conn.listAllNetworks, 1 << 10)
    assert (code, domain) == (libvirt.VIR_ERR_INVALID_ARG, libvirt.VIR_FROM_NETWORK)
    assert message == "unsupported flags (0x400) in function networkConnectListAllNetworks"


def test_lifecycle_events(conn) -> None:
    got: list[tuple[str, int]] = []
    done = threading.Event()

    def cb(_conn, net, event, detail, _opaque):
        got.append((net.name(), event))
        if event == libvirt.VIR_NETWORK_EVENT_UNDEFINED:
            done.set()

    libvirt.virEventRegisterDefaultImpl()
    stop = threading.Event()

    def loop() -> None:
        while not stop.is_set():
            libvirt.virEventRunDefaultImpl()

    c = libvirt.open(conn.getURI())
    runner = threading.Thread(target=loop, daemon=True)
    runner.start()
    cb_id = c.networkEventRegisterAny(None, libvirt.VIR_NETWORK_EVENT_ID_LIFECYCLE, cb, None)
    net = conn.networkDefineXML(NET)
    net.create()
    net.destroy()
    net.undefine()
    assert done.wait(10)
    c.networkEventDeregisterAny(cb_id)
    stop.set()
    conn.networkDefineXML(NET)  # wakes the loop
    runner.join(10)
    c.close()
    assert got == [("tf", libvirt.VIR_NETWORK_EVENT_DEFINED), ("tf", libvirt.VIR_NETWORK_EVENT_STARTED),
                   ("tf", libvirt.VIR_NETWORK_EVENT_STOPPED), ("tf", libvirt.VIR_NETWORK_EVENT_UNDEFINED)]
