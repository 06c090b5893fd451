"""What OpenStack Nova's libvirt driver asks at host start (init_host / update_available_resource),
in one libvirt-python connection, with the answers checked against each other."""

from __future__ import annotations

import base64
import xml.etree.ElementTree as ET

import libvirt
import pytest

CEPH_SECRET = """<secret ephemeral='no' private='no'><usage type='ceph'><name>client.openstack secret</name></usage>
</secret>"""


def test_host_start(fakevirt_uri: str) -> None:
    conn = libvirt.open(fakevirt_uri)
    try:
        _host_start(conn)
    finally:
        conn.close()


@pytest.mark.real
def test_host_start_holds_on_reference(reference_uri: str) -> None:
    """The same questions and cross-checks against the real libvirtd (its ceph secret is removed after)."""
    conn = libvirt.open(reference_uri)
    try:
        for s in conn.listAllSecrets():
            if s.usageID() == "client.openstack secret":
                pytest.skip("the reference already has a ceph secret of that name")
        _host_start(conn, existing_secrets=len(conn.listAllSecrets()))
    finally:
        for s in conn.listAllSecrets():
            if s.usageID() == "client.openstack secret":
                s.undefine()
        conn.close()


def _host_start(conn: libvirt.virConnect, existing_secrets: int = 0) -> None:
    # versions: Nova refuses libvirt < 8.0 and QEMU < 5.2
    assert conn.getLibVersion() == 9_000_000
    assert conn.getVersion() >= 5_002_000
    assert conn.getType() == "QEMU"
    model, memory_mib, cpus, mhz, nodes, sockets, cores, threads = conn.getInfo()

    caps = ET.fromstring(conn.getCapabilities())
    host_cpu = caps.find("host/cpu")
    assert host_cpu is not None
    assert caps.findtext("host/cpu/arch") == model == "x86_64"
    cells = caps.findall("host/topology/cells/cell")
    assert len(cells) == nodes * sockets or len(cells) == nodes
    assert sum(len(c.findall("cpus/cpu")) for c in cells) == cpus == nodes * sockets * cores * threads
    assert mhz > 0 and memory_mib > 0
    assert {g.find("arch").get("name") for g in caps.findall("guest")} >= {"x86_64"}  # type: ignore[union-attr]

    count, online, n_online = conn.getCPUMap()
    assert count == cpus and n_online == sum(online) == cpus

    names = conn.getCPUModelNames("x86_64")
    host_model = caps.findtext("host/cpu/model")
    assert host_model in names and "qemu64" in names and len(names) == len(set(names))

    host_cpu_xml = ET.tostring(host_cpu, encoding="unicode")
    assert conn.compareCPU(host_cpu_xml) == libvirt.VIR_CPU_COMPARE_IDENTICAL
    baseline = ET.fromstring(conn.baselineCPU([host_cpu_xml], libvirt.VIR_CONNECT_BASELINE_CPU_EXPAND_FEATURES))
    assert baseline.findtext("model") == host_model
    host_features = {f.get("name") for f in host_cpu.findall("feature")}
    expanded = {f.get("name") for f in baseline.findall("feature")}
    # libvirt leaves out the features the OS sets (osxsave, ospke), as the real 9.0 does
    assert host_features - {"osxsave", "ospke"} <= expanded
    assert len(expanded) > len(host_features)  # the model's own features too

    domcaps = ET.fromstring(conn.getDomainCapabilities(None, "x86_64", None, "kvm", 0))
    assert domcaps.findtext("arch") == "x86_64" and domcaps.findtext("domain") == "kvm"
    assert domcaps.findtext("path") and domcaps.find("vcpu").get("max")  # type: ignore[union-attr]

    pci = conn.listAllDevices(libvirt.VIR_CONNECT_LIST_NODE_DEVICES_CAP_PCI_DEV)
    assert pci and all(d.name().startswith("pci_") for d in pci)
    for dev in pci:
        cap = ET.fromstring(dev.XMLDesc()).find("capability")
        assert cap is not None and cap.get("type") == "pci" and cap.findtext("vendor") is not None
    nets = {d.name(): ET.fromstring(d.XMLDesc()) for d in conn.listAllDevices(
        libvirt.VIR_CONNECT_LIST_NODE_DEVICES_CAP_NET)}
    host_ifaces = {i.name(): i.MACString() for i in conn.listAllInterfaces()}
    for dev_xml in nets.values():
        iface = dev_xml.findtext("capability/interface")
        if iface in host_ifaces and iface != "lo":
            assert dev_xml.findtext("capability/address") == host_ifaces[iface]
    assert any(x.findtext("capability/interface") == name for name in host_ifaces if name != "lo"
               for x in nets.values())
    for dev in conn.listAllDevices(libvirt.VIR_CONNECT_LIST_NODE_DEVICES_CAP_MDEV_TYPES):
        types = ET.fromstring(dev.XMLDesc()).findall("capability/capability[@type='mdev_types']/type")
        assert types and all(int(t.findtext("availableInstances") or -1) >= 0 for t in types)

    assert len(conn.listAllSecrets()) == existing_secrets
    with pytest.raises(libvirt.libvirtError) as e:
        conn.secretLookupByUsage(libvirt.VIR_SECRET_USAGE_TYPE_CEPH, "client.openstack secret")
    assert e.value.get_error_code() == libvirt.VIR_ERR_NO_SECRET
    secret = conn.secretDefineXML(CEPH_SECRET)
    secret.setValue(base64.b64decode("QVFBTWdYaFZ3QkNlRGhBQTlubFBhRnlmVVNhdEdENGRyRldEdlE9PQ=="))
    found = conn.secretLookupByUsage(libvirt.VIR_SECRET_USAGE_TYPE_CEPH, "client.openstack secret")
    assert found.UUIDString() == secret.UUIDString()
    assert secret.UUIDString() in [s.UUIDString() for s in conn.listAllSecrets()]
    assert len(conn.listAllSecrets()) == existing_secrets + 1
    assert found.value().startswith(b"AQAMgXhVwBCeDhAA")

    assert isinstance(conn.listAllNetworks(), list)
    assert all(n.bridgeName() for n in conn.listAllNetworks(libvirt.VIR_CONNECT_LIST_NETWORKS_ACTIVE))
    assert "lo" in host_ifaces and host_ifaces["lo"] == "00:00:00:00:00:00"
    assert all(f.name() and f.XMLDesc() for f in conn.listAllNWFilters())
