"""Node devices and host interfaces through real virsh: the tree, dumps, lists and the udev
interface backend's refusals, with real-daemon twins where the reference machine has the same."""

from __future__ import annotations

import pytest

from fakevirt.model.ids import HostIdentity
from fakevirt.testing import ThreadedServer

from .conftest import err, ok

ETH0_MAC = HostIdentity.of_seed(0).nic_mac  # the seed-0 host's NIC


def test_tree_has_every_device_kind(virsh) -> None:
    tree = ok(virsh("nodedev-list", "--tree"))
    for name in ("computer", "pci_0000_00_03_0", "net_eth0_" + ETH0_MAC.replace(":", "_"), "pci_0000_00_10_2",
                 "block_sda_Samsung_SSD_860_EVO_500GB_S3Z2NB0K123456A", "scsi_host1", "usb_1_4_1_0"):
        assert f"+- {name}\n" in tree or tree.startswith(name)
    assert ok(virsh("nodedev-list", "--cap", "storage")).split() == [
        "block_sda_Samsung_SSD_860_EVO_500GB_S3Z2NB0K123456A"]
    assert ok(virsh("nodedev-list", "--cap", "usb_device")).split() == ["usb_1_4", "usb_usb1"]


def test_bridges_of_networks_appear_as_interfaces_and_devices(virsh, fakevirt: ThreadedServer) -> None:
    ifaces = fakevirt.hypervisor.interfaces
    fakevirt.call(ifaces.add_bridge, "virbr0", "52:54:00:aa:bb:cc")
    assert "virbr0   inactive" in ok(virsh("iface-list", "--all"))
    fakevirt.call(ifaces.attach_port, "virbr0", "vnet0", "fe:54:00:11:22:33")
    assert ok(virsh("iface-dumpxml", "virbr0")) == (
        "<interface type='bridge' name='virbr0'>\n  <mtu size='1500'/>\n  <bridge stp='on' delay='0'>\n"
        "    <interface type='ethernet' name='vnet0'>\n      <link state='unknown'/>\n"
        "      <mac address='fe:54:00:11:22:33'/>\n    </interface>\n  </bridge>\n</interface>\n\n")
    assert ok(virsh("iface-list")).split()[5:] == ["eth0", "active", ETH0_MAC,
                                                    "virbr0", "active", "52:54:00:aa:bb:cc"]
    assert "net_vnet0_fe_54_00_11_22_33" in ok(virsh("nodedev-list", "--cap", "net"))
    fakevirt.call(ifaces.remove_bridge, "virbr0")
    assert "virbr0" not in ok(virsh("iface-list", "--all")) + ok(virsh("nodedev-list"))


@pytest.mark.real
@pytest.mark.parametrize("args", [
    ("iface-define", "/dev/null"), ("iface-begin",), ("iface-commit",), ("iface-rollback",),
    ("iface-undefine", "lo"), ("iface-start", "lo"), ("iface-destroy", "lo"), ("iface-dumpxml", "nope"),
    ("iface-name", "00:00:00:00:00:99"), ("iface-mac", "nope"), ("nodedev-dumpxml", "nope"),
    ("nodedev-detach", "computer"), ("nodedev-reattach", "computer"), ("nodedev-reset", "computer"),
    ("nodedev-destroy", "computer"), ("nodedev-undefine", "computer"), ("nodedev-start", "computer"),
    ("nodedev-autostart", "computer"),
])
def test_refusals_match_real_libvirtd(virsh, reference_uri: str, args: tuple[str, ...]) -> None:
    assert err(virsh(*args)) == err(virsh(*args, uri=reference_uri))


@pytest.mark.real
def test_lo_reads_like_real_libvirtd(virsh, reference_uri: str) -> None:
    for cmd in (("iface-dumpxml", "lo"), ("iface-dumpxml", "lo", "--inactive"), ("nodedev-list", "--cap", "system"),
                ("iface-mac", "lo")):
        assert ok(virsh(*cmd)) == ok(virsh(*cmd, uri=reference_uri))
