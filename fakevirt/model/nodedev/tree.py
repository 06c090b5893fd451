"""The synthetic host's device tree, as the udev node-device backend of libvirt 9.0 enumerates it.

A desktop-class Skylake machine: the host bridge, an Intel GPU offering GVT-g mediated-device
types, the NIC of ``HostInfo`` (an SR-IOV capable 82576 with two virtual functions enabled), an
AHCI controller with one SATA disk, a QLogic FC HBA behind a root port (a SCSI host with
WWNs and vport support), an xHCI controller with its root hub and a USB receiver. Net devices come
from the host's interfaces (``HostInterfaces``), so networks' bridges appear here too.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from ..host import HostInfo
from ..interface import HostInterface
from .caps import (
    Cap,
    MdevType,
    NetCap,
    PciAddress,
    PciCap,
    ScsiCap,
    ScsiHostCap,
    ScsiTargetCap,
    StorageCap,
    SystemCap,
    UsbDevCap,
    UsbIfCap,
)

INTEL = (0x8086, "Intel Corporation")


@dataclass
class NodeDevice:
    """One node device: udev's view of a sysfs device (virNodeDeviceDef) and its object state."""

    name: str
    path: str | None
    parent: str | None
    caps: list[Cap]
    driver: str | None = None
    devnode: str | None = None
    active: bool = True
    persistent: bool = True  # udev's devices are; a mediated device when defined
    autostart: bool = True
    original_driver: str | None = field(default=None, repr=False)  # before a detach to vfio-pci

    @property
    def pci(self) -> PciCap | None:
        return next((c for c in self.caps if isinstance(c, PciCap)), None)


def _pci(addr: PciAddress, parent: str, klass: int, vendor: tuple[int, str], product: tuple[int, str],
         driver: str | None, sysfs_parent: str, **extra: Any) -> NodeDevice:
    cap = PciCap(klass, addr, product[0], product[1], vendor[0], vendor[1], **extra)
    return NodeDevice(addr.node_name, f"{sysfs_parent}/{addr}", parent, [cap], driver=driver)


def _gvt_types() -> tuple[MdevType, ...]:
    return (MdevType("i915-GVTg_V5_4", "GVTg_V5_4", "vfio-pci", 1),
            MdevType("i915-GVTg_V5_8", "GVTg_V5_8", "vfio-pci", 2))


def build_tree(host: HostInfo) -> list[NodeDevice]:
    """Every device but the net ones (``net_device`` adds those), parents before children."""
    root = "/sys/devices/pci0000:00"
    smb = host.sysinfo()
    system, bios = (smb.system, smb.bios) if smb is not None else (None, None)
    devs = [NodeDevice("computer", None, None, [SystemCap(
        system.product if system else None, system.manufacturer if system else None,
        system.version if system else None, system.serial if system else None, host.uuid,
        bios.vendor if bios else None, bios.version if bios else None, bios.date if bios else None)])]
    a = PciAddress.parse
    nic = a(host.nic_pci_address)
    vfs = tuple(PciAddress(nic.domain, nic.bus, 0x10, fn) for fn in (0, 2))
    groups: dict[PciAddress, int] = {}
    pcis: list[tuple[PciAddress, str, int, tuple[int, str], tuple[int, str], str | None, dict[str, Any]]] = [
        (a("0000:00:00.0"), "computer", 0x060000, INTEL,
         (0x191F, "Xeon E3-1200 v5/E3-1500 v5/6th Gen Core Processor Host Bridge/DRAM Registers"), "skl_uncore", {}),
        (a("0000:00:02.0"), "computer", 0x030000, INTEL, (0x1912, "HD Graphics 530"), "i915",
         {"mdev_types": _gvt_types()}),
        (nic, "computer", 0x020000, INTEL, (0x10C9, "82576 Gigabit Network Connection"), "igb",
         {"virt_functions": vfs, "max_vfs": 7, "pcie_link": (2.5, 4)}),
        # the virtual functions are not probed by a host driver (sriov_drivers_autoprobe=0)
        *((vf, "computer", 0x020000, INTEL, (0x10CA, "82576 Virtual Function"), None,
           {"phys_function": nic}) for vf in vfs),
        (a("0000:00:14.0"), "computer", 0x0C0330, INTEL,
         (0xA12F, "100 Series/C230 Series Chipset Family USB 3.0 xHCI Controller"), "xhci_hcd", {}),
        (a("0000:00:17.0"), "computer", 0x010601, INTEL,
         (0xA102, "Q170/Q150/B150/H170/H110/Z170/CM236 Chipset SATA Controller [AHCI Mode]"), "ahci", {}),
        (a("0000:00:1c.0"), "computer", 0x060400, INTEL,
         (0xA110, "100 Series/C230 Series Chipset Family PCI Express Root Port #1"), "pcieport",
         {"endpoint": False, "pcie_link": (8.0, 4)}),
        (a("0000:01:00.0"), "pci_0000_00_1c_0", 0x0C0400, (0x1077, "QLogic Corp."),
         (0x2532, "ISP2532-based 8Gb Fibre Channel to PCI Express HBA"), "qla2xxx", {"pcie_link": (5.0, 4)}),
    ]
    for n, (addr, *_rest) in enumerate(pcis):
        groups[addr] = n
    for addr, parent, klass, vendor, product, driver, extra in pcis:
        sysfs = root if parent == "computer" else f"{root}/0000:00:1c.0"
        if host.iommu:
            extra = {**extra, "iommu_group": groups[addr], "iommu_members": (addr,)}
        devs.append(_pci(addr, parent, klass, vendor, product, driver, sysfs, numa_node=None, **extra))
    ahci = f"{root}/0000:00:17.0/ata1/host0"
    disk_serial = "Samsung_SSD_860_EVO_500GB_S3Z2NB0K123456A"
    devs += [
        NodeDevice("scsi_host0", ahci, "pci_0000_00_17_0", [ScsiHostCap(0, unique_id=1)]),
        NodeDevice("scsi_target0_0_0", f"{ahci}/target0:0:0", "scsi_host0", [ScsiTargetCap("target0:0:0")]),
        NodeDevice("scsi_0_0_0_0", f"{ahci}/target0:0:0/0:0:0:0", "scsi_target0_0_0",
                   [ScsiCap(0, 0, 0, 0, "disk")], driver="sd"),
        NodeDevice(f"block_sda_{disk_serial}", f"{ahci}/target0:0:0/0:0:0:0/block/sda", "scsi_0_0_0_0",
                   [StorageCap("/dev/sda", "ata", "disk", "Samsung SSD 860", "ATA", disk_serial, 500_107_862_016)],
                   devnode="/dev/sda"),
        NodeDevice("scsi_host1", f"{root}/0000:00:1c.0/0000:01:00.0/host1", "pci_0000_01_00_0",
                   [ScsiHostCap(1, unique_id=2, wwnn="20000024ff3d1a2b", wwpn="21000024ff3d1a2b",
                                fabric_wwn="2001000dec9a8b41", max_vports=254)]),
    ]
    usb = f"{root}/0000:00:14.0/usb1"
    devs += [
        NodeDevice("usb_usb1", usb, "pci_0000_00_14_0",
                   [UsbDevCap(1, 1, 0x0002, "2.0 root hub", 0x1D6B, "Linux Foundation")],
                   driver="usb", devnode="/dev/bus/usb/001/001"),
        NodeDevice("usb_1_0_1_0", f"{usb}/1-0:1.0", "usb_usb1", [UsbIfCap(0, 9, 0, 0)], driver="hub"),
        NodeDevice("usb_1_4", f"{usb}/1-4", "usb_usb1",
                   [UsbDevCap(1, 2, 0xC52B, "Unifying Receiver", 0x046D, "Logitech, Inc.")],
                   driver="usb", devnode="/dev/bus/usb/001/002"),
        NodeDevice("usb_1_4_1_0", f"{usb}/1-4/1-4:1.0", "usb_1_4", [UsbIfCap(0, 3, 1, 1)], driver="usbhid"),
    ]
    return devs


def net_device_name(iface: HostInterface) -> str:
    """udevProcessNetworkInterface's name: net_<ifname>_<MAC with underscores>."""
    return f"net_{iface.name}_{iface.mac.replace(':', '_')}"


def net_device(iface: HostInterface, host: HostInfo) -> NodeDevice:
    """The node device of one host interface: the NIC's under its PCI function, others under computer."""
    parent = PciAddress.parse(host.nic_pci_address).node_name if iface.name == host.nic_name else "computer"
    speed = iface.speed if iface.operstate == "up" else None
    cap = NetCap(iface.name, iface.mac, speed, iface.operstate, iface.features)
    return NodeDevice(net_device_name(iface), iface.syspath, parent, [cap])
