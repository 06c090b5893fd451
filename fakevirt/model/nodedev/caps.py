"""Node device capabilities: what the udev backend reads from sysfs and udev's database per device
(virNodeDevCapData), as plain data; ``xml/nodedev.py`` formats them."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class PciAddress:
    domain: int
    bus: int
    slot: int
    function: int

    @classmethod
    def parse(cls, text: str) -> PciAddress:
        """'0000:00:03.0' -> PciAddress."""
        dom, bus, rest = text.split(":")
        slot, fn = rest.split(".")
        return cls(int(dom, 16), int(bus, 16), int(slot, 16), int(fn, 16))

    def __str__(self) -> str:
        return f"{self.domain:04x}:{self.bus:02x}:{self.slot:02x}.{self.function:x}"

    @property
    def node_name(self) -> str:
        return "pci_" + str(self).replace(":", "_").replace(".", "_")


@dataclass(frozen=True)
class SystemCap:
    product: str | None
    vendor: str | None
    version: str | None
    serial: str | None
    uuid: str
    bios_vendor: str | None
    bios_version: str | None
    bios_date: str | None
    type: str = "system"


@dataclass(frozen=True)
class MdevType:
    id: str
    name: str | None
    device_api: str
    max_instances: int


@dataclass
class PciCap:
    klass: int
    address: PciAddress
    product: int
    product_name: str | None
    vendor: int
    vendor_name: str | None
    phys_function: PciAddress | None = None
    virt_functions: tuple[PciAddress, ...] | None = None  # None: not SR-IOV capable
    max_vfs: int = 0
    mdev_types: tuple[MdevType, ...] = ()
    iommu_group: int | None = None
    iommu_members: tuple[PciAddress, ...] = ()
    numa_node: int | None = None
    pcie_link: tuple[float, int] | None = None  # (speed GT/s, width): a PCI Express device
    endpoint: bool = True
    type: str = "pci"


@dataclass(frozen=True)
class NetCap:
    interface: str
    address: str
    speed: int | None
    state: str
    features: tuple[str, ...]
    type: str = "net"


@dataclass(frozen=True)
class UsbDevCap:
    bus: int
    device: int
    product: int
    product_name: str | None
    vendor: int
    vendor_name: str | None
    type: str = "usb_device"


@dataclass(frozen=True)
class UsbIfCap:
    number: int
    klass: int
    subclass: int
    protocol: int
    description: str | None = None
    type: str = "usb"


@dataclass
class ScsiHostCap:
    host: int
    unique_id: int | None = None
    wwnn: str | None = None  # with wwpn and fabric_wwn: an FC HBA (fc_host)
    wwpn: str | None = None
    fabric_wwn: str | None = None
    max_vports: int | None = None  # vport_ops
    vports: int = 0
    type: str = "scsi_host"


@dataclass(frozen=True)
class ScsiTargetCap:
    target: str
    type: str = "scsi_target"


@dataclass(frozen=True)
class ScsiCap:
    host: int
    bus: int
    target: int
    lun: int
    scsi_type: str
    type: str = "scsi"


@dataclass(frozen=True)
class StorageCap:
    block: str
    bus: str | None
    drive_type: str
    model: str | None
    vendor: str | None
    serial: str | None
    size: int
    logical_block_size: int = 512
    type: str = "storage"


@dataclass(frozen=True)
class MdevCap:
    type_id: str
    uuid: str
    parent_addr: str
    iommu_group: int
    attrs: tuple[tuple[str, str], ...] = field(default=())
    type: str = "mdev"


Cap = SystemCap | PciCap | NetCap | UsbDevCap | UsbIfCap | ScsiHostCap | ScsiTargetCap | ScsiCap | StorageCap | MdevCap


def cap_names(cap: Cap) -> list[str]:
    """The capability names a device answers to (virNodeDeviceCapsListExport, the list filters):
    its own, plus fc_host/vports for an FC HBA and mdev_types for a parent of mediated devices."""
    names = [cap.type]
    if isinstance(cap, ScsiHostCap):
        names += ["fc_host"] * (cap.wwnn is not None) + ["vports"] * (cap.max_vports is not None)
    if isinstance(cap, PciCap) and cap.mdev_types:
        names.append("mdev_types")
    return names
