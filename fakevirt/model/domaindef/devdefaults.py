"""Per-device post-parse defaults (virDomainDeviceDefPostParse + qemuDomainDeviceDefPostParse)."""

from __future__ import annotations

from ...errors import ErrorDomain
from ...errors import domain as errors
from ..devices import (
    Address,
    Chr,
    Controller,
    Device,
    Disk,
    Graphics,
    Input,
    Interface,
    Listen,
    Video,
    disk_name_to_index,
)
from .definition import DomainDef

QEMU_XHCI_MAXPORTS = 15
_VIDEO_VRAM = {"vga": 16384, "cirrus": 16384, "vmvga": 16384, "xen": 4096, "vbox": 8192, "qxl": 65536,
               "parallels": 16384, "bochs": 16384}
_BUS_BY_PREFIX = (("hd", "ide"), ("sd", "scsi"), ("vd", "virtio"), ("xvd", "xen"), ("ubd", "uml"))


def device_post_parse(dev: Device, d: DomainDef) -> None:
    """Fill in what libvirt fills in for one device."""
    if isinstance(dev, Disk):
        disk_post_parse(dev, d)
    elif isinstance(dev, Interface):
        if dev.model is None and dev.type != "hostdev":
            dev.model = "virtio" if dev.type == "vdpa" else "rtl8139"
    elif isinstance(dev, Controller):
        controller_post_parse(dev, d)
    elif isinstance(dev, Chr):
        chr_post_parse(dev)
    elif isinstance(dev, Video):
        video_post_parse(dev)
    elif isinstance(dev, Input):
        if dev.bus is None:
            dev.bus = {"tablet": "usb", "passthrough": "virtio", "evdev": None}.get(dev.type, "ps2")
            if dev.type == "evdev":
                dev.bus = None
    elif isinstance(dev, Graphics):
        graphics_post_parse(dev)


def disk_post_parse(disk: Disk, d: DomainDef) -> None:
    if disk.target_dev.startswith("ioemu:"):
        disk.target_dev = disk.target_dev[len("ioemu:"):]
    if disk.device == "cdrom":
        disk.readonly = True
    if disk.target_bus is None:
        disk.target_bus = "ide"
        if disk.device == "floppy":
            disk.target_bus = "fdc"
        else:
            disk.target_bus = next((b for p, b in _BUS_BY_PREFIX if disk.target_dev.startswith(p)), "ide")
    if disk.address is None:
        assign_drive_address(disk, d)
    if disk.driver_name is None:
        disk.driver_name = "qemu"
    if disk.driver_type is None and disk.type != "volume":
        disk.driver_type = "raw"
    if disk.encryption is not None and disk.encryption.engine is None:
        disk.encryption.engine = "qemu"  # qemuDomainDeviceDiskDefPostParse


def assign_drive_address(disk: Disk, d: DomainDef) -> None:
    """virDomainDiskDefAssignAddress: the drive address the target name implies."""
    idx = disk_name_to_index(disk.target_dev)
    if idx < 0:
        raise errors.xml_error(f"Unknown disk name '{disk.target_dev}' and no address specified")
    bus = disk.target_bus
    if bus == "scsi":
        disk.address = Address.drive(idx // 7, 0, 0, idx % 7)
    elif bus == "ide":
        disk.address = Address.drive(idx // 4, (idx % 4) // 2, 0, idx % 2)
    elif bus == "sata":
        disk.address = Address.drive(idx // 6, 0, 0, idx % 6)
    elif bus == "fdc":
        disk.address = Address.drive(idx // 2, 0, 0, idx % 2)


def controller_post_parse(c: Controller, d: DomainDef) -> None:
    """qemuDomainControllerDefPostParse."""
    if c.type == "scsi" and c.model is None:
        c.model = "lsilogic"
    elif c.type == "usb":
        if c.model is None:
            c.model = "piix3-uhci"
        if c.model in ("qusb1", "qusb2"):
            raise errors.config_unsupported(
                f"USB controller model type 'qusb1' or 'qusb2' is not supported in {d.virt_type}")
        ports = c.attrs.get("ports")
        if c.model in ("nec-xhci", "qemu-xhci") and ports and ports.isdigit() and int(ports) > QEMU_XHCI_MAXPORTS:
            raise errors.config_unsupported(f"'{c.model}' controller only supports up to '{QEMU_XHCI_MAXPORTS}' ports")
    elif c.type == "pci":
        if c.model in ("pci-root", "pcie-root") and c.index not in (0, None):
            raise errors.xml_error("pci-root and pcie-root controllers should have index 0", ErrorDomain.QEMU)


def chr_post_parse(c: Chr) -> None:
    """qemuDomainChrDefPostParse for x86: serial ports are isa-serial unless told otherwise."""
    if c.kind == "serial":
        if c.target_type in (None, "isa-serial"):
            c.target_type = "isa-serial"
        if c.target_model is None:
            c.target_model = {"isa-serial": "isa-serial", "usb-serial": "usb-serial",
                              "pci-serial": "pci-serial", "isa-debug": "isa-debugcon"}.get(c.target_type)
    if c.type == "unix":
        for s in c.sources:
            if not s.get("path"):
                s["mode"] = "bind"
        if not c.sources:
            c.sources.append({"mode": "bind"})


def video_post_parse(v: Video) -> None:
    if v.model_type is None:
        v.model_type = "cirrus"
    t = v.model_type
    attrs = v.model_attrs
    if t == "qxl":
        attrs.setdefault("ram", "65536")
    if t in _VIDEO_VRAM:
        attrs.setdefault("vram", str(_VIDEO_VRAM[t]))
    if t == "qxl":
        attrs.setdefault("vgamem", "16384")
    if t not in ("none",):
        attrs.setdefault("heads", "1")


def graphics_post_parse(g: Graphics) -> None:
    """Port/autoport normalisation and the implicit <listen type='address'/>."""
    a = g.attrs
    if g.type == "vnc":
        port = a.get("port")
        autoport = a.get("autoport")
        if autoport is None:
            autoport = "yes" if port in (None, "-1") else "no"
        if port is None or port == "-1" or (autoport == "yes" and not port.isdigit()):
            a["port"] = "-1"  # a running domain keeps the port it was given
        a["autoport"] = autoport
    elif g.type == "spice":
        for k in ("port", "tlsPort"):
            if a.get(k) in ("-1", "0"):
                del a[k]
        if "autoport" not in a:
            a["autoport"] = "yes" if "port" not in a and "tlsPort" not in a else "no"
        if a["autoport"] == "yes":
            a.pop("port", None)
            a.pop("tlsPort", None)
    if g.type in ("vnc", "spice", "rdp") and not g.listens:
        g.listens.append(Listen("address", {}))
    if g.listens and g.listens[0].type == "address" and g.listens[0].attrs.get("address"):
        a["listen"] = g.listens[0].attrs["address"]
