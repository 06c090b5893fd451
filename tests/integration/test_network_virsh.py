"""Networks through real virsh: lifecycle, lists, XML defaults, net-update and domains on networks.

``real`` tests run the same define-only scenarios against the reference libvirtd (networks are never
started there) and compare the outputs.
"""

from __future__ import annotations

import uuid
from pathlib import Path

import pytest

from tests.integration.conftest import err, ok

NET = """<network>
  <name>{name}</name>
  <forward mode='nat'/>
  <ip address='{prefix}.1' netmask='255.255.255.0'>
    <dhcp>
      <range start='{prefix}.2' end='{prefix}.254'/>
      <host mac='52:54:00:00:00:01' name='vm1' ip='{prefix}.10'/>
    </dhcp>
  </ip>
</network>
"""

DOMAIN = """<domain type='qemu'><name>{name}</name><memory>65536</memory>
<os><type arch='x86_64'>hvm</type></os>
<devices>{ifaces}</devices></domain>
"""


def write(tmp_path: Path, name: str, text: str) -> str:
    path = tmp_path / f"{name}.xml"
    path.write_text(text)
    return str(path)


def net_xml(tmp_path: Path, name: str, prefix: str = "192.168.150") -> str:
    return write(tmp_path, name, NET.format(name=name, prefix=prefix))


def dom_xml(tmp_path: Path, name: str, *networks: str, mac: str | None = None) -> str:
    macs = [f"<mac address='{mac}'/>" if mac and i == 0 else "" for i in range(len(networks))]
    ifaces = "".join(f"<interface type='network'>{m}<source network='{n}'/></interface>"
                     for n, m in zip(networks, macs, strict=True))
    return write(tmp_path, name, DOMAIN.format(name=name, ifaces=ifaces))


def table(text: str) -> list[list[str]]:
    return [line.split() for line in text.splitlines()[2:] if line.strip()]


def test_define_start_list_destroy_undefine(virsh, tmp_path: Path) -> None:
    """The Ansible virt_net flow: define, start, autostart, list, info, destroy, undefine."""
    assert "Network n1 defined" in ok(virsh("net-define", net_xml(tmp_path, "n1")))
    assert table(ok(virsh("net-list", "--all"))) == [["n1", "inactive", "no", "yes"]]
    assert table(ok(virsh("net-list"))) == []
    assert "Network n1 started" in ok(virsh("net-start", "n1"))
    assert "marked as autostarted" in ok(virsh("net-autostart", "n1"))
    assert table(ok(virsh("net-list"))) == [["n1", "active", "yes", "yes"]]
    assert table(ok(virsh("net-list", "--inactive"))) == []
    assert ok(virsh("net-name", ok(virsh("net-uuid", "n1")).strip())).strip() == "n1"
    info = ok(virsh("net-info", "n1"))
    assert "Active:         yes" in info and "Bridge:         virbr0" in info
    assert err(virsh("net-start", "n1")).endswith("error: Requested operation is not valid: network is already active")
    assert "Network n1 destroyed" in ok(virsh("net-destroy", "n1"))
    assert err(virsh("net-destroy", "n1")).endswith(
        "error: Requested operation is not valid: network 'n1' is not active")
    assert "Network n1 has been undefined" in ok(virsh("net-undefine", "n1"))
    assert err(virsh("net-info", "n1")).endswith("error: Network not found: no network with matching name 'n1'")


def test_defaults_in_xml(virsh, tmp_path: Path) -> None:
    ok(virsh("net-define", net_xml(tmp_path, "n1")))
    ok(virsh("net-define", net_xml(tmp_path, "n2", "192.168.151")))
    x1, x2 = ok(virsh("net-dumpxml", "n1")), ok(virsh("net-dumpxml", "n2"))
    assert "<bridge name='virbr0' stp='on' delay='0'/>" in x1
    assert "<bridge name='virbr1' stp='on' delay='0'/>" in x2
    assert "<mac address='52:54:00:" in x1
    uuid.UUID(x1.split("<uuid>")[1].split("</uuid>")[0])
    # without its UUID the same name is another network; with it, a redefinition
    assert err(virsh("net-define", net_xml(tmp_path, "n1"))).endswith(
        f"error: operation failed: network 'n1' already exists with uuid {x1.split('<uuid>')[1].split('</uuid>')[0]}")
    assert "Network n1 defined" in ok(virsh("net-define", write(tmp_path, "again", x1)))
    assert ok(virsh("net-dumpxml", "n1")) == x1


def test_transient_network(virsh, tmp_path: Path) -> None:
    assert "Network t1 created" in ok(virsh("net-create", net_xml(tmp_path, "t1")))
    assert table(ok(virsh("net-list", "--transient"))) == [["t1", "active", "no", "no"]]
    assert err(virsh("net-autostart", "t1")).endswith(
        "error: Requested operation is not valid: cannot set autostart for transient network")
    assert err(virsh("net-undefine", "t1")).endswith(
        "error: Requested operation is not valid: can't undefine transient network")
    ok(virsh("net-destroy", "t1"))
    assert table(ok(virsh("net-list", "--all"))) == []


def test_route_collision_with_active_network_and_host_nic(virsh, tmp_path: Path) -> None:
    ok(virsh("net-define", net_xml(tmp_path, "n1")))
    ok(virsh("net-define", net_xml(tmp_path, "n2")))
    ok(virsh("net-start", "n1"))
    assert err(virsh("net-start", "n2")).endswith("error: internal error: Network is already in use by interface virbr0")
    ok(virsh("net-define", net_xml(tmp_path, "n3", "10.0.2")))  # the host NIC's subnet (HostInfo.nic_ipv4)
    assert err(virsh("net-start", "n3")).endswith("error: internal error: Network is already in use by interface eth0")


def test_update_live_and_config(virsh, tmp_path: Path) -> None:
    ok(virsh("net-define", net_xml(tmp_path, "n1")))
    host = "<host mac='52:54:00:00:00:02' ip='192.168.150.11'/>"
    assert err(virsh("net-update", "n1", "add", "ip-dhcp-host", host, "--live")).endswith(
        "error: Requested operation is not valid: network is not running")
    ok(virsh("net-start", "n1"))
    ok(virsh("net-update", "n1", "add", "ip-dhcp-host", host, "--live"))
    assert host in ok(virsh("net-dumpxml", "n1"))
    assert host not in ok(virsh("net-dumpxml", "n1", "--inactive"))
    ok(virsh("net-update", "n1", "add", "ip-dhcp-host", host, "--config"))
    assert host in ok(virsh("net-dumpxml", "n1", "--inactive"))
    assert err(virsh("net-update", "n1", "add", "ip-dhcp-host", host, "--config")).endswith(
        "error: Requested operation is not valid: there is an existing dhcp host entry in network 'n1' that "
        "matches \"<host mac='52:54:00:00:00:02' name='(null)' ip='192.168.150.11'/>\"")
    ok(virsh("net-update", "n1", "delete", "ip-dhcp-host", "<host mac='52:54:00:00:00:02'/>", "--live", "--config"))
    assert host not in ok(virsh("net-dumpxml", "n1")) + ok(virsh("net-dumpxml", "n1", "--inactive"))


UPDATE_ERRORS = [
    (["add", "dns-txt", "<txt name='a' value='b'/>"], None),
    (["add", "dns-txt", "<txt name='a' value='b'/>"],
     "Requested operation is not valid: there is already a DNS TXT record with name 'a' in network {net}"),
    (["modify", "dns-txt", "<txt name='a' value='b'/>"],
     "Operation not supported: DNS TXT records cannot be modified, only added or deleted"),
    (["add", "portgroup", "<portgroup name='p'/>"], None),
    (["add", "portgroup", "<portgroup name='p'/>"],
     "Requested operation is not valid: there is an existing portgroup entry in network '{net}' that matches "
     "\"<portgroup name='p'>\""),
    (["add", "bridge", "<bridge name='x'/>"], "Operation not supported: can't update 'bridge' section of network '{net}'"),
    (["add", "ip-dhcp-range", "<range start='192.168.150.2' end='192.168.150.254'/>"],
     "Requested operation is not valid: there is an existing dhcp range entry in network '{net}' that matches "
     "\"<range start='192.168.150.2' end='192.168.150.254'/>\""),
    (["delete", "dns-host", "<host ip='1.2.3.4'/>"],
     "Requested operation is not valid: couldn't locate a matching DNS HOST record in network {net}"),
    (["modify", "ip-dhcp-host", "<host mac='52:54:00:00:00:07' ip='192.168.150.17'/>"],
     "Requested operation is not valid: couldn't locate an existing dhcp host entry with \"mac='52:54:00:00:00:07'\" "
     "\"name='(null)'\" \"ip='192.168.150.17'\" in network '{net}'"),
    (["add", "ip-dhcp-host", "<txt/>"], "XML error: unexpected element <txt>, expecting <host>, while updating "
     "network '{net}'"),
    (["add", "forward-interface", "<interface dev='eth5'/>"], None),
]


def _run_updates(virsh, net: str, uri: str | None = None) -> list[str]:
    out = []
    for args, expected in UPDATE_ERRORS:
        r = virsh("net-update", net, *args, "--config", uri=uri)
        out.append(r.stderr.strip())
        if expected is None:
            assert r.returncode == 0, r.stderr
        else:
            assert r.stderr.strip().endswith("error: " + expected.format(net=net)), r.stderr
    return out


def test_update_sections(virsh, tmp_path: Path) -> None:
    ok(virsh("net-define", net_xml(tmp_path, "n1")))
    _run_updates(virsh, "n1")
    xml = ok(virsh("net-dumpxml", "n1"))
    assert "<forward dev='eth5' mode='nat'>" in xml and "<txt name='a' value='b'/>" in xml
    assert "<portgroup name='p'>\n  </portgroup>" in xml


@pytest.mark.real
def test_update_sections_match_reference(virsh, reference_uri: str, tmp_path: Path) -> None:
    name = f"fvtest-{uuid.uuid4().hex[:8]}"
    ok(virsh("net-define", net_xml(tmp_path, name), uri=reference_uri))
    try:
        _run_updates(virsh, name, reference_uri)  # the texts the emulator test expects are the reference's
    finally:
        virsh("net-undefine", name, uri=reference_uri)


@pytest.mark.real
@pytest.mark.parametrize("body", [
    "<uuid>x</uuid>",
    "<name>a/b</name>",
    "<name>bx</name><forward mode='foo'/>",
    "<name>bx</name><forward mode='nat'/>",
    "<name>bx</name><ip address='10.1.1.1' netmask='255.255.255.0'><dhcp><range start='10.1.2.2' end='10.1.2.4'/>"
    "</dhcp></ip>",
    "<name>bx</name><uuid>nonsense</uuid>",
    "<name>bx</name><ip address='10.1.1.1' netmask='255.255.255.0'><dhcp><range start='10.1.1.9' end='10.1.1.4'/>"
    "</dhcp></ip>",
    "<name>bx</name><forward mode='bridge'/><bridge name='br0' stp='on'/>",
    "<name>bx</name><forward mode='bridge'/><ip address='10.1.1.1'/>",
    "<name>bx</name><ip address='10.1.1.1'><dhcp><host mac='01:00:00:00:00:01' ip='10.1.1.5'/></dhcp></ip>",
])
def test_define_errors_match_reference(virsh, reference_uri: str, tmp_path: Path, body: str) -> None:
    path = write(tmp_path, "bad", f"<network>{body}</network>")
    ours, theirs = virsh("net-define", path), virsh("net-define", path, uri=reference_uri)
    assert theirs.returncode == 1, "the reference accepted it: " + theirs.stdout
    assert (ours.returncode, ours.stderr) == (theirs.returncode, theirs.stderr)


def test_domain_refused_on_missing_or_inactive_network(virsh, tmp_path: Path) -> None:
    ok(virsh("net-define", net_xml(tmp_path, "n1")))
    ok(virsh("define", dom_xml(tmp_path, "d1", "n1")))
    ok(virsh("define", dom_xml(tmp_path, "d2", "nosuch")))
    assert err(virsh("start", "d1")).endswith("error: Requested operation is not valid: network 'n1' is not active")
    assert err(virsh("start", "d2")).endswith("error: Network not found: no network with matching name 'nosuch'")
    assert err(virsh("domifaddr", "d1")).endswith("error: Requested operation is not valid: domain is not running")


@pytest.mark.real
def test_domain_refusals_match_reference(virsh, reference_uri: str, tmp_path: Path) -> None:
    tag = uuid.uuid4().hex[:8]
    net, d1, d2 = f"fvnet-{tag}", f"fvdom1-{tag}", f"fvdom2-{tag}"
    results = []
    for uri in (None, reference_uri):
        ok(virsh("net-define", net_xml(tmp_path, net), uri=uri))
        ok(virsh("define", dom_xml(tmp_path, d1, net), uri=uri))
        ok(virsh("define", dom_xml(tmp_path, d2, f"nosuch-{tag}"), uri=uri))
        try:
            results.append([virsh("start", d, uri=uri).stderr for d in (d1, d2)])
        finally:
            for d in (d1, d2):
                virsh("undefine", d, uri=uri)
            virsh("net-undefine", net, uri=uri)
    assert results[0] == results[1]


def test_running_domain_gets_vnet_port_and_lease(virsh, tmp_path: Path) -> None:
    ok(virsh("net-define", net_xml(tmp_path, "n1")))
    ok(virsh("net-start", "n1"))
    ok(virsh("define", dom_xml(tmp_path, "d1", "n1", "n1", mac="52:54:00:00:00:01")))
    ok(virsh("define", dom_xml(tmp_path, "d2", "n1")))
    ok(virsh("start", "d1"))
    ok(virsh("start", "d2"))
    xml = ok(virsh("dumpxml", "d1"))
    assert "<target dev='vnet0'/>" in xml and "<target dev='vnet1'/>" in xml
    assert "bridge='virbr0'" in xml and "portid='" in xml
    assert "<target dev='vnet2'/>" in ok(virsh("dumpxml", "d2"))
    assert "<network connections='3'>" in ok(virsh("net-dumpxml", "n1"))
    leases = table(ok(virsh("net-dhcp-leases", "n1")))
    by_mac = {row[2]: row for row in leases}
    assert by_mac["52:54:00:00:00:01"][4] == "192.168.150.10/24" and by_mac["52:54:00:00:00:01"][5] == "vm1"
    assert sorted(row[4] for row in leases) == ["192.168.150.10/24", "192.168.150.2/24", "192.168.150.3/24"]
    only = table(ok(virsh("net-dhcp-leases", "n1", "--mac", "52:54:00:00:00:01")))
    assert [row[4] for row in only] == ["192.168.150.10/24"]
    addrs = table(ok(virsh("domifaddr", "d1")))
    assert addrs[0][:4] == ["vnet0", "52:54:00:00:00:01", "ipv4", "192.168.150.10/24"]
    arp = table(ok(virsh("domifaddr", "d1", "--source", "arp")))
    assert arp[0][3] == "192.168.150.10/0"
    assert err(virsh("domifaddr", "d1", "--source", "agent")).endswith(
        "error: argument unsupported: QEMU guest agent is not configured")
    ok(virsh("destroy", "d1"))
    assert len(table(ok(virsh("net-dhcp-leases", "n1")))) == 1
    ok(virsh("start", "d1"))  # the lowest free tap names again
    assert "<target dev='vnet0'/>" in ok(virsh("dumpxml", "d1"))


def test_default_network_cli(tmp_path: Path) -> None:
    """``fakevirt serve --default-network``: Debian's default network, active and autostarted."""
    from fakevirt.model.hypervisor import Hypervisor
    from fakevirt.xml.network_format import format_network_xml

    hv = Hypervisor(default_network=True)
    net = hv.networks.by_name("default")
    assert (net.active, net.autostart, net.persistent) == (True, True, True)
    xml = format_network_xml(net.current)
    assert "<bridge name='virbr0' stp='on' delay='0'/>" in xml
    assert "<range start='192.168.122.2' end='192.168.122.254'/>" in xml


def test_domif_setlink_getlink_and_domiflist(virsh, fakevirt, tmp_path) -> None:  # type: ignore[no-untyped-def]
    """A live link change keeps the running NIC's tap and port (qemuDomainChangeNet)."""
    fakevirt.call(fakevirt.hypervisor.networks.add_default)
    xml = tmp_path / "lk.xml"
    xml.write_text("<domain type='kvm'><name>lk</name><memory unit='MiB'>64</memory><vcpu>1</vcpu>"
                   "<os><type arch='x86_64'>hvm</type></os><devices><interface type='network'>"
                   "<source network='default'/><mac address='52:54:00:77:00:01'/></interface></devices></domain>")
    ok(virsh("define", str(xml)))
    assert ok(virsh("domif-getlink", "lk", "52:54:00:77:00:01", "--config")).strip() == "52:54:00:77:00:01 up"
    assert "Device updated successfully" in ok(virsh("domif-setlink", "lk", "52:54:00:77:00:01", "down", "--config"))
    assert ok(virsh("domif-getlink", "lk", "52:54:00:77:00:01", "--config")).strip() == "52:54:00:77:00:01 down"
    ok(virsh("start", "lk"))
    assert ok(virsh("domif-getlink", "lk", "vnet0")).strip() == "vnet0 down"
    ok(virsh("domif-setlink", "lk", "vnet0", "up"))
    assert ok(virsh("domif-getlink", "lk", "vnet0")).strip() == "vnet0 up"
    rows = [line.split() for line in ok(virsh("domiflist", "lk")).splitlines()[2:] if line.strip()]
    assert rows == [["vnet0", "network", "default", "rtl8139", "52:54:00:77:00:01"]]
    live = ok(virsh("dumpxml", "lk"))
    assert "<target dev='vnet0'/>" in live and "portid=" in live and "<link state='up'/>" in live
    assert len(ok(virsh("net-port-list", "default")).split()) > 2  # the port is still there


VLAN_CASES = [  # (body, refused): transparent VLANs need an SR-IOV pool or an Open vSwitch bridge
    ("<forward mode='nat'/><bridge name='vl1'/><ip address='10.77.1.1'/><portgroup name='pg'><vlan><tag id='4'/>"
     "</vlan></portgroup>", True),
    ("<bridge name='vl2'/><vlan><tag id='4'/></vlan>", True),
    ("<forward mode='bridge'/><bridge name='ovs0'/><vlan><tag id='4'/></vlan>", True),
    ("<forward mode='bridge'/><bridge name='ovs0'/><portgroup name='pg'><virtualport type='openvswitch'/>"
     "</portgroup><vlan><tag id='4'/></vlan>", True),
    ("<forward mode='bridge'/><bridge name='ovs0'/><virtualport type='openvswitch'/><vlan><tag id='4'/></vlan>",
     False),
    ("<forward mode='bridge'/><bridge name='ovs0'/><portgroup name='pg'><virtualport type='openvswitch'/>"
     "<vlan><tag id='4'/></vlan></portgroup>", False),
    ("<forward mode='hostdev' managed='yes'><pf dev='eth9'/></forward><vlan><tag id='4'/></vlan>", False),
    ("<forward mode='passthrough'><interface dev='eth9'/></forward><portgroup name='pg'><vlan><tag id='4'/>"
     "</vlan></portgroup>", False),
]


def _define_vlan(virsh, tmp_path: Path, n: int, uri: str | None = None):  # type: ignore[no-untyped-def]
    name = f"fv-vlan{n}-{uuid.uuid4().hex[:6]}"
    out = virsh("net-define", write(tmp_path, name, f"<network><name>{name}</name>{VLAN_CASES[n][0]}</network>"),
                uri=uri)
    virsh("net-undefine", name, uri=uri)
    return name, out


@pytest.mark.parametrize("n", range(len(VLAN_CASES)))
def test_vlan_only_where_the_network_type_supports_it(virsh, tmp_path: Path, n: int) -> None:
    name, out = _define_vlan(virsh, tmp_path, n)
    if VLAN_CASES[n][1]:
        assert err(out).endswith(f"error: unsupported configuration: <vlan> element specified for network {name}, "
                            "whose type doesn't support vlan configuration")
    else:
        assert ok(out).startswith(f"Network {name} defined")


@pytest.mark.real
@pytest.mark.parametrize("n", range(len(VLAN_CASES)))
def test_vlan_rules_match_reference(virsh, reference_uri: str, tmp_path: Path, n: int) -> None:
    _, theirs = _define_vlan(virsh, tmp_path, n, uri=reference_uri)
    assert (theirs.returncode == 1) == VLAN_CASES[n][1], theirs.stdout + theirs.stderr
