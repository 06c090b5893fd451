"""virDomainInterfaceAddresses on the test driver: one made-up address per NIC, from the NIC's network
(its first DHCP range start or its address, moved by 20 per domain id and 1 per NIC) or 192.168.0.x,
whatever the source; the same list on fakevirt and, as the `real` twin, on libvirtd 9.0's test driver.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

import libvirt
import pytest

from fakevirt.testing import ThreadedServer
from tests.integration.conftest import result_or_error

NICS = """<domain type='test'><name>ifa</name><memory>65536</memory><os><type>hvm</type></os><devices>
<interface type='network'><mac address='52:54:00:11:22:33'/><source network='default'/></interface>
<interface type='user'><mac address='52:54:00:11:22:44'/></interface>
<interface type='network'><mac address='52:54:00:11:22:55'/><source network='default'/><target dev='mytap'/>
</interface></devices></domain>"""
ON = """<domain type='test'><name>d{net}</name><memory>65536</memory><os><type>hvm</type></os><devices>
<interface type='network'><mac address='52:54:00:00:00:01'/><source network='{net}'/></interface>
</devices></domain>"""
NETS = ("<network><name>v6</name><ip family='ipv6' address='2001:db8::1' prefix='64'/></network>",
        "<network><name>nm</name><ip address='10.1.2.200' netmask='255.255.0.0'/></network>")



def _scenario(uri: str) -> list[Any]:
    conn = libvirt.open(uri)
    try:
        d = conn.defineXML(NICS)
        out: list[Any] = [result_or_error(d.interfaceAddresses, 0)]
        d.create()
        out += [d.ID(), *(result_or_error(d.interfaceAddresses, source) for source in range(4)),
                result_or_error(d.interfaceAddresses, 0, 1), conn.lookupByName("test").interfaceAddresses(2)]
        for xml in NETS:
            conn.networkCreateXML(xml)
        for net in ("v6", "nm", "missing"):
            other = conn.createXML(ON.format(net=net))
            out += [other.ID(), result_or_error(other.interfaceAddresses, 0)]
        return out
    finally:
        conn.close()


def _nic(mac: str, kind: int, addr: str, prefix: int) -> dict[str, Any]:
    return {"addrs": [{"addr": addr, "prefix": prefix, "type": kind}], "hwaddr": mac}


ADDRESSES = {"testnet0": _nic("52:54:00:11:22:33", 0, "192.168.122.23", 24),
             "testnet1": _nic("52:54:00:11:22:44", 0, "192.168.0.2", 24),
             "mytap": _nic("52:54:00:11:22:55", 0, "192.168.122.25", 24)}
EXPECTED: list[Any] = [
    (55, 20, "Requested operation is not valid: domain is not running"),
    2, ADDRESSES, ADDRESSES, ADDRESSES, (74, 12, "argument unsupported: Unknown IP address data source 3"),
    (8, 12, "unsupported flags (0x1) in function testDomainInterfaceAddresses"),
    {"testnet0": _nic("aa:bb:cc:dd:ee:ff", 0, "192.168.122.3", 24)},
    3, {"testnet0": _nic("52:54:00:00:00:01", 1, "2001:db8::2a", 64)},  # the last byte only
    4, {"testnet0": _nic("52:54:00:00:00:01", 0, "10.1.3.5", 16)},  # 10.1.2.200 + 61 carries
    5, (43, 12, "Network not found: no network with matching name 'missing'"),
]


def test_interface_addresses_on_fakevirt(fakevirt: ThreadedServer) -> None:
    assert _scenario(fakevirt.uri("default").replace("qemu+", "test+")) == EXPECTED


def test_a_network_without_address_is_an_error_not_a_crash(fakevirt: ThreadedServer) -> None:
    conn = libvirt.open(fakevirt.uri("default").replace("qemu+", "test+"))
    try:
        conn.networkCreateXML("<network><name>noip</name></network>")
        dom = conn.createXML(ON.format(net="noip"))
        assert result_or_error(dom.interfaceAddresses, 0) == (1, 12, "internal error: network 'noip' has no IP address")
        assert conn.lookupByName("test").interfaceAddresses(0)["testnet0"]["hwaddr"] == "aa:bb:cc:dd:ee:ff"
    finally:
        conn.close()


def test_domifaddr_through_virsh(fakevirt: ThreadedServer, virsh) -> None:  # type: ignore[no-untyped-def]
    r = virsh("domifaddr", "test", "--source", "arp", uri=fakevirt.uri("default").replace("qemu+", "test+"))
    assert r.returncode == 0, r.stderr
    assert r.stdout.splitlines()[2].split() == ["testnet0", "aa:bb:cc:dd:ee:ff", "ipv4", "192.168.122.3/24"]


@pytest.mark.real
def test_interface_addresses_on_libvirtd(reference_uri: str) -> None:
    u = urlsplit(reference_uri)
    assert _scenario(f"test+tcp://{u.hostname}:{u.port}/default") == EXPECTED
