"""PCI connection types: what each bus accepts and what each device needs (domain_addr.h,
qemuDomainDeviceCalculatePCIConnectFlags)."""

from __future__ import annotations

from ..devices import (
    Chr,
    Controller,
    Device,
    Disk,
    GenericDevice,
    Input,
    Interface,
    Memballoon,
    RngDevice,
    Sound,
    Video,
    Watchdog,
)

AUTOASSIGN = 1 << 0
HOTPLUG = 1 << 1
INTEGRATED = 1 << 2
AGGREGATE = 1 << 3
PCI_DEVICE = 1 << 4
PCIE_DEVICE = 1 << 5
ROOT_PORT = 1 << 6
SWITCH_UP = 1 << 7
SWITCH_DOWN = 1 << 8
DMI_BRIDGE = 1 << 9
PCI_EXPANDER = 1 << 10
PCIE_EXPANDER = 1 << 11
PCI_BRIDGE = 1 << 12
PCIE_TO_PCI_BRIDGE = 1 << 13
TYPES_MASK = (PCI_DEVICE | PCIE_DEVICE | SWITCH_UP | SWITCH_DOWN | ROOT_PORT | DMI_BRIDGE | PCI_EXPANDER
              | PCIE_EXPANDER | PCI_BRIDGE | PCIE_TO_PCI_BRIDGE)
ENDPOINT = PCI_DEVICE | PCIE_DEVICE

# model -> (what plugs into it, first slot, last slot); HOTPLUG is added where allowed
BUS_FLAGS: dict[str, tuple[int, int, int]] = {
    "pci-root": (AUTOASSIGN | PCI_DEVICE | PCI_BRIDGE | PCI_EXPANDER, 1, 31),
    "pci-bridge": (AUTOASSIGN | PCI_DEVICE | PCI_BRIDGE, 1, 31),
    "pci-expander-bus": (AUTOASSIGN | PCI_DEVICE | PCI_BRIDGE, 0, 31),
    "pcie-root": (PCIE_DEVICE | ROOT_PORT | DMI_BRIDGE | PCIE_EXPANDER, 1, 31),
    "dmi-to-pci-bridge": (PCI_DEVICE | PCI_BRIDGE, 0, 31),
    "pcie-to-pci-bridge": (AUTOASSIGN | PCI_DEVICE | PCI_BRIDGE, 1, 31),
    "pcie-root-port": (AUTOASSIGN | PCIE_DEVICE | SWITCH_UP | PCIE_TO_PCI_BRIDGE, 0, 0),
    "pcie-switch-downstream-port": (AUTOASSIGN | PCIE_DEVICE | SWITCH_UP | PCIE_TO_PCI_BRIDGE, 0, 0),
    "pcie-switch-upstream-port": (SWITCH_DOWN, 0, 31),
    "pcie-expander-bus": (ROOT_PORT | DMI_BRIDGE, 0, 31),
}

_CONTROLLER_CONNECT = {
    "pci-bridge": PCI_BRIDGE, "pci-expander-bus": PCI_EXPANDER, "pcie-expander-bus": PCIE_EXPANDER,
    "dmi-to-pci-bridge": DMI_BRIDGE, "pcie-to-pci-bridge": PCIE_TO_PCI_BRIDGE,
    "pcie-root-port": ROOT_PORT | AGGREGATE, "pcie-switch-upstream-port": SWITCH_UP,
    "pcie-switch-downstream-port": SWITCH_DOWN,
}


def controller_connect_type(model: str) -> int:
    """virDomainPCIControllerModelToConnectType."""
    return _CONTROLLER_CONNECT.get(model, 0)


def model_for_bus_flags(flags: int) -> str | None:
    """virDomainPCIControllerConnectTypeToModel."""
    for bit, model in ((ROOT_PORT, "pcie-root-port"), (SWITCH_UP, "pcie-switch-upstream-port"),
                       (SWITCH_DOWN, "pcie-switch-downstream-port"), (DMI_BRIDGE, "dmi-to-pci-bridge"),
                       (PCI_EXPANDER, "pci-expander-bus"), (PCIE_EXPANDER, "pcie-expander-bus"),
                       (PCI_BRIDGE, "pci-bridge")):
        if flags & bit:
            return model
    return None


def describe_connect(flags: int) -> str:
    for bit, text in ((PCI_DEVICE, "standard PCI device"), (PCIE_DEVICE, "PCI Express device"),
                      (ROOT_PORT, "pcie-root-port"), (SWITCH_UP, "pcie-switch-upstream-port"),
                      (SWITCH_DOWN, "pcie-switch-downstream-port"), (DMI_BRIDGE, "dmi-to-pci-bridge"),
                      (PCIE_TO_PCI_BRIDGE, "pcie-to-pci-bridge"), (PCI_EXPANDER, "pci-expander-bus"),
                      (PCIE_EXPANDER, "pcie-expander-bus"), (PCI_BRIDGE, "pci-bridge")):
        if flags & bit:
            return text
    return "device"


def is_i440fx(machine: str) -> bool:
    return machine == "pc" or machine.startswith(("pc-0.", "pc-1.", "pc-i440fx-"))


def is_q35(machine: str) -> bool:
    return machine == "q35" or machine.startswith("pc-q35")


_VIRTIO_TRANSITIONAL = ("virtio-transitional",)


def connect_flags(dev: Device, pcie_root: bool) -> int:
    """What kind of slot a device needs; 0 when it is not a PCI device at all."""
    pci = PCI_DEVICE | AUTOASSIGN
    pcie = (PCIE_DEVICE | AUTOASSIGN) if pcie_root else pci
    virtio = pcie  # QEMU 7.2 has transitional virtio, so virtio follows the bus type

    def vio(model: str | None) -> int:
        return pci if model in _VIRTIO_TRANSITIONAL else virtio

    if isinstance(dev, Controller):
        return _controller_flags(dev, pci, pcie, virtio)
    if isinstance(dev, Interface):
        if dev.type == "hostdev" or dev.model == "usb-net":
            return 0
        if dev.model in ("virtio", "virtio-non-transitional"):
            return virtio
        if dev.model == "virtio-transitional":
            return pci
        if dev.model in ("e1000e", "igb", None):
            return pcie
        return pci
    if isinstance(dev, Sound):
        return pci if dev.model in ("es1370", "ac97", "ich6", "ich9") else 0
    if isinstance(dev, Disk):
        if dev.target_bus != "virtio":
            return 0
        return vio(dev.attrs.get("model"))
    if isinstance(dev, Memballoon):
        return 0 if dev.model in ("xen", "none") else vio(dev.model)
    if isinstance(dev, RngDevice):
        return vio(dev.model)
    if isinstance(dev, Watchdog):
        return pci if dev.model == "i6300esb" else 0
    if isinstance(dev, Video):
        if dev.model_type == "virtio":
            return virtio
        if dev.model_type == "bochs":
            return pcie
        if dev.model_type in ("vga", "cirrus", "vmvga", "xen", "vbox", "qxl", "parallels"):
            return pci
        return 0
    if isinstance(dev, Input):
        return vio(dev.model) if dev.bus == "virtio" else 0
    if isinstance(dev, Chr):
        return pci if dev.kind == "serial" and dev.target_type == "pci-serial" else 0
    if isinstance(dev, GenericDevice):
        return _generic_flags(dev, pci, pcie, virtio)
    return 0


def _controller_flags(c: Controller, pci: int, pcie: int, virtio: int) -> int:
    if c.type == "pci":
        return controller_connect_type(c.model or "")
    if c.type in ("sata", "ide"):
        return pci
    if c.type == "usb":
        if c.model in ("nec-xhci", "qemu-xhci"):
            return pcie
        if c.model in ("none", "qusb1", "qusb2"):
            return 0
        return pci
    if c.type == "scsi":
        if c.model in (None, "ncr53c90"):
            return 0
        if c.model in ("virtio-scsi", "virtio-non-transitional"):
            return virtio
        return pci
    if c.type == "virtio-serial":
        return pci if c.model == "virtio-transitional" else virtio
    return 0


def _generic_flags(g: GenericDevice, pci: int, pcie: int, virtio: int) -> int:
    if g.tag == "filesystem":
        if g.driver_type in ("loop", "nbd", "ploop"):
            return 0
        return pci if g.model == "virtio-transitional" else virtio
    if g.tag == "hostdev":
        if (g.mode or "subsystem") != "subsystem" or g.type not in ("pci", "scsi_host", "mdev"):
            return 0
        return pcie
    if g.tag == "shmem":
        return pci
    if g.tag == "vsock":
        return pci if g.model == "virtio-transitional" else virtio
    if g.tag == "memory":
        return virtio if g.model in ("virtio-pmem", "virtio-mem") else 0
    if g.tag == "crypto":
        return pci
    if g.tag == "panic":
        return pci | INTEGRATED if g.model == "pvpanic" else 0
    if g.tag == "iommu":
        return virtio | INTEGRATED if g.model == "virtio" else 0
    return 0
