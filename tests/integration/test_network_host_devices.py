"""A network's bridge and its guests' taps are host devices: interfaces and node devices follow them."""

from __future__ import annotations

import libvirt

from fakevirt.testing import minimal_domain_xml

NIC = ("<devices><interface type='network'><source network='default'/>"
       "<mac address='52:54:00:11:22:33'/></interface></devices></domain>")


def names(items: list) -> list[str]:  # type: ignore[type-arg]
    return sorted(i.name() for i in items)


def test_bridges_and_taps_appear_and_go(fakevirt, fakevirt_uri: str) -> None:  # type: ignore[no-untyped-def]
    fakevirt.call(fakevirt.hypervisor.networks.add_default)
    conn = libvirt.open(fakevirt_uri)
    net_cap = libvirt.VIR_CONNECT_LIST_NODE_DEVICES_CAP_NET
    assert names(conn.listAllInterfaces()) == ["eth0", "lo", "virbr0"]
    assert "net_virbr0_" in " ".join(names(conn.listAllDevices(net_cap)))
    dom = conn.defineXML(minimal_domain_xml("vm").replace("</domain>", NIC))
    dom.create()
    bridge = conn.interfaceLookupByName("virbr0").XMLDesc()
    assert "<interface type='ethernet' name='vnet0'>" in bridge and "<mac address='fe:54:00:11:22:33'/>" in bridge
    assert "net_vnet0_fe_54_00_11_22_33" in names(conn.listAllDevices(net_cap))
    dom.destroy()
    assert "vnet0" not in conn.interfaceLookupByName("virbr0").XMLDesc()
    assert "net_vnet0_fe_54_00_11_22_33" not in names(conn.listAllDevices(net_cap))
    conn.networkLookupByName("default").destroy()
    assert names(conn.listAllInterfaces()) == ["eth0", "lo"]
    assert not any(n.startswith("net_virbr0") for n in names(conn.listAllDevices(net_cap)))
    conn.close()
