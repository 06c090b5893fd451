"""Devices of a domain definition: plain dataclasses, no XML.

What the QEMU driver interprets (targets, buses, models, addresses, MACs) is modelled as fields;
everything else a device may carry is kept verbatim as ``RawElement`` children in ``extra`` (or as
leftover attributes in ``*_attrs`` dicts), so ``dumpxml`` gives back what the user defined.
"""

from __future__ import annotations

import copy
import posixpath
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, TypeAlias

from ..errors import VirtError
from ..errors import domain as errors

if TYPE_CHECKING:
    from .blockdev.iotune import IoTune
    from .device_parts import (
        BackingStore,
        Bandwidth,
        DiskAuth,
        DiskEncryption,
        FilterRef,
        HostdevSource,
        Mirror,
    )


@dataclass
class RawElement:
    """An XML element kept as data: qualified tag, attributes in order, text, children."""

    tag: str
    attrs: dict[str, str] = field(default_factory=dict)
    text: str | None = None
    children: list[RawElement] = field(default_factory=list)

    def find(self, tag: str) -> RawElement | None:
        for c in self.children:  # a loop, not next(generator): the parsers call this most
            if c.tag == tag:
                return c
        return None

    def findall(self, tag: str) -> list[RawElement]:
        return [c for c in self.children if c.tag == tag]

    def get(self, name: str, default: str | None = None) -> str | None:
        return self.attrs.get(name, default)

    def __deepcopy__(self, memo: dict[int, object]) -> RawElement:
        """A copy made without recursion: kept elements nest as deep as the parser allows (257)."""
        top = RawElement(self.tag, dict(self.attrs), self.text)
        todo = [(self, top)]
        while todo:
            src, dst = todo.pop()
            for c in src.children:
                dst.children.append(RawElement(c.tag, dict(c.attrs), c.text))
                todo.append((c, dst.children[-1]))
        return top

    def without(self, attr: str) -> RawElement:
        """A copy of this element and everything in it, minus attribute ``attr`` everywhere."""
        return RawElement(self.tag, {k: v for k, v in self.attrs.items() if k != attr}, self.text,
                          [c.without(attr) for c in self.children])


PCI_FIELDS = ("domain", "bus", "slot", "function")


@dataclass
class Address:
    """A device's guest-side address (<address type=...>).

    ``fields`` holds ints for the numeric attributes of pci, drive, usb (bus), virtio-serial and
    ccid addresses, and strings for everything else (a usb hub port is "1.2").
    """

    type: str
    fields: dict[str, int | str] = field(default_factory=dict)

    @classmethod
    def pci(cls, domain: int, bus: int, slot: int, function: int, multifunction: str | None = None) -> Address:
        f: dict[str, int | str] = {"domain": domain, "bus": bus, "slot": slot, "function": function}
        if multifunction:
            f["multifunction"] = multifunction
        return cls("pci", f)

    @classmethod
    def drive(cls, controller: int, bus: int, target: int, unit: int) -> Address:
        return cls("drive", {"controller": controller, "bus": bus, "target": target, "unit": unit})

    def num(self, name: str, default: int = 0) -> int:
        v = self.fields.get(name, default)
        return v if isinstance(v, int) else default

    def pci_tuple(self) -> tuple[int, int, int, int]:
        return (self.num("domain"), self.num("bus"), self.num("slot"), self.num("function"))

    @property
    def is_pci(self) -> bool:
        return self.type == "pci" and all(k in self.fields for k in PCI_FIELDS)


@dataclass
class DeviceBase:
    """What every device has: the alias qemu knows it by and its guest address."""

    alias: str | None = None
    address: Address | None = None
    extra: list[RawElement] = field(default_factory=list)

    def copy(self) -> DeviceBase:
        return copy.deepcopy(self)


def image_path(path: str | None) -> str | None:
    """A disk path as a definition wrote it, as the image store names the file: normalised."""
    return posixpath.normpath(path) if path else None


@dataclass
class Disk(DeviceBase):
    """<disk>: a file, block device, network or pool volume seen by the guest as a drive."""

    type: str = "file"
    device: str = "disk"
    attrs: dict[str, str] = field(default_factory=dict)  # model, rawio, sgio, snapshot
    driver_name: str | None = None
    driver_type: str | None = None
    driver_attrs: dict[str, str] = field(default_factory=dict)  # cache, io, discard, ...
    source: str | None = None  # path, device, network name, or "pool/volume" for type='volume'
    source_attrs: dict[str, str] = field(default_factory=dict)  # protocol, startupPolicy, index
    source_children: list[RawElement] = field(default_factory=list)  # host, seclabel, reservations, ...
    has_source_element: bool = False  # <source/> without a path (an empty cdrom keeps it)
    target_dev: str = ""
    target_bus: str | None = None
    target_attrs: dict[str, str] = field(default_factory=dict)  # tray, removable, rotation_rate
    readonly: bool = False
    shareable: bool = False
    serial: str | None = None
    boot_order: int | None = None
    boot_attrs: dict[str, str] = field(default_factory=dict)  # loadparm
    auth: DiskAuth | None = None
    encryption: DiskEncryption | None = None
    backing: BackingStore | None = None  # <backingStore>: given, or what a start detected
    mirror: Mirror | None = None  # a running block copy or active commit
    iotune: IoTune | None = None
    volume_path: str | None = None  # type='volume': the volume's file while the domain runs (never formatted)

    @property
    def image_path(self) -> str | None:
        """The source as the image store names it (see ``image_path``); None without one.

        A volume disk has a path only while running, once its pool translated it (libvirt's src->path).
        """
        return image_path(self.path)

    @property
    def path(self) -> str | None:
        """virDomainDiskGetSource: the path (file, block, dir) or network name; a volume's file once translated."""
        return self.volume_path if self.type == "volume" else self.source

    @property
    def local_file(self) -> str | None:
        """The host file or device a file, block or (running, translated) volume disk opens; else None."""
        return self.image_path if self.type in ("file", "block", "volume") else None

    @property
    def source_pool(self) -> str | None:
        return self.source.split("/", 1)[0] if self.type == "volume" and self.source else None

    @property
    def source_volume(self) -> str | None:
        if self.type == "volume" and self.source and "/" in self.source:
            return self.source.split("/", 1)[1]
        return None


@dataclass
class Interface(DeviceBase):
    """<interface>: a guest NIC and how it reaches the host."""

    type: str = "network"
    attrs: dict[str, str] = field(default_factory=dict)  # trustGuestRxFilters
    mac: str | None = None
    mac_generated: bool = False  # libvirt ignores a generated MAC when matching for detach
    mac_attrs: dict[str, str] = field(default_factory=dict)
    source: str | None = None  # network, bridge or host device name
    source_attrs: dict[str, str] = field(default_factory=dict)  # mode, portgroup, ...
    source_children: list[RawElement] = field(default_factory=list)
    model: str | None = None
    target_dev: str | None = None
    target_attrs: dict[str, str] = field(default_factory=dict)
    boot_order: int | None = None
    bandwidth: Bandwidth | None = None
    filterref: FilterRef | None = None


# virDomainControllerType, in enum order: a parsed definition lists its controllers in this order
CONTROLLER_TYPES = ("ide", "fdc", "scsi", "sata", "virtio-serial", "ccid", "usb", "pci", "xenbus", "isa")


@dataclass
class Controller(DeviceBase):
    """<controller>: pci/pcie buses and ports, usb, sata, ide, scsi, virtio-serial, ..."""

    type: str = "pci"
    index: int | None = None
    model: str | None = None
    attrs: dict[str, str] = field(default_factory=dict)  # ports, vectors, maxGrantFrames
    model_name: str | None = None  # <model name='pcie-root-port'/>
    target_attrs: dict[str, str] = field(default_factory=dict)  # chassis, port, busNr, ...
    driver_attrs: dict[str, str] = field(default_factory=dict)
    master_startport: int | None = None  # usb companion controllers


@dataclass
class Chr(DeviceBase):
    """A character device: <serial>, <parallel>, <console> or <channel> (``kind``)."""

    kind: str = "serial"
    type: str = "pty"
    sources: list[dict[str, str]] = field(default_factory=list)  # udp has two <source>s
    source_children: list[RawElement] = field(default_factory=list)  # reconnect, seclabel
    tty: str | None = None  # live consoles only
    target_type: str | None = None
    target_attrs: dict[str, str] = field(default_factory=dict)  # port, name, state, address
    target_model: str | None = None
    protocol: str | None = None
    log_attrs: dict[str, str] | None = None
    port_generated: bool = False  # console port numbers are positional, not user-set


@dataclass
class Input(DeviceBase):
    """<input>: mouse, keyboard, tablet, passthrough or evdev."""

    type: str = "mouse"
    bus: str | None = None
    model: str | None = None


@dataclass
class Listen:
    """One <listen> of a graphics device."""

    type: str = "address"
    attrs: dict[str, str] = field(default_factory=dict)  # address, network, socket
    from_config: bool = False  # filled in from qemu.conf at start: hidden from inactive XML


@dataclass
class Graphics(DeviceBase):
    """<graphics>: vnc, spice, sdl, egl-headless, dbus, ..."""

    type: str = "vnc"
    attrs: dict[str, str] = field(default_factory=dict)  # port, autoport, passwd, keymap, ...
    listens: list[Listen] = field(default_factory=list)


@dataclass
class Sound(DeviceBase):
    """<sound model='...'>."""

    model: str = "ich9"


@dataclass
class Audio(DeviceBase):
    """<audio id=... type=...>: a host audio backend."""

    id: int = 1
    type: str = "none"
    attrs: dict[str, str] = field(default_factory=dict)


@dataclass
class Video(DeviceBase):
    """<video>: the guest's display adapter."""

    model_type: str | None = None
    model_attrs: dict[str, str] = field(default_factory=dict)  # ram, vram, vgamem, heads, primary
    model_children: list[RawElement] = field(default_factory=list)  # acceleration, resolution
    driver_attrs: dict[str, str] = field(default_factory=dict)

    @property
    def primary(self) -> bool:
        return self.model_attrs.get("primary") == "yes"


@dataclass
class Redirdev(DeviceBase):
    """<redirdev>: usb redirection over spicevmc or a chardev."""

    bus: str = "usb"
    type: str = "spicevmc"
    source_attrs: dict[str, str] = field(default_factory=dict)
    boot_order: int | None = None


@dataclass
class Memballoon(DeviceBase):
    """<memballoon>: the balloon driver (model 'none' disables it)."""

    model: str = "virtio"
    attrs: dict[str, str] = field(default_factory=dict)  # autodeflate, freePageReporting
    stats_period: int = 0  # <stats period>: the guest's statistics polling interval (0: none)


@dataclass
class RngDevice(DeviceBase):
    """<rng>: a virtio entropy source."""

    model: str = "virtio"
    backend_model: str = "random"
    backend_attrs: dict[str, str] = field(default_factory=dict)
    backend_text: str | None = None
    backend_children: list[RawElement] = field(default_factory=list)


@dataclass
class Watchdog(DeviceBase):
    """<watchdog model=... action=...>."""

    model: str = "i6300esb"
    action: str | None = None


@dataclass
class GenericDevice(DeviceBase):
    """Any other device (hostdev, filesystem, tpm, smartcard, hub, panic, shmem, memory, iommu,
    vsock, crypto, lease, nvram, redirfilter), kept verbatim apart from its alias and address.

    The model reads only the typed fields the parser copies out of the element; a device the model
    adds itself (a USB hub) has no element and is formatted from them."""

    tag: str = ""
    element: RawElement | None = None
    type: str | None = None  # the type attribute (hostdev, hub: usb, pci, ...)
    mode: str | None = None  # a hostdev's mode (subsystem, capabilities)
    model: str | None = None  # the model attribute (filesystem, vsock, memory, panic, iommu)
    driver_type: str | None = None  # a filesystem's <driver type=...>
    boot_order: int | None = None
    hostdev: HostdevSource | None = None  # a subsystem <hostdev>'s source, read by the node device family
    mem_size_kib: int | None = None  # a <memory> device's <target><size>
    mem_node: int | None = None  # and its <target><node>


Device: TypeAlias = (Disk | Interface | Controller | Chr | Input | Graphics | Sound | Audio | Video
                     | Redirdev | Memballoon | RngDevice | Watchdog | GenericDevice)

# libvirt's virDomainDeviceType names, as its "persistent attach of device '%s'" messages spell them
DEVICE_TYPE_NAMES: dict[type, str] = {
    Disk: "disk", Interface: "net", Controller: "controller", Chr: "chr", Input: "input",
    Graphics: "graphics", Sound: "sound", Audio: "audio", Video: "video", Redirdev: "redirdev",
    Memballoon: "memballoon", RngDevice: "rng", Watchdog: "watchdog",
}
GENERIC_TYPE_NAMES = {
    "hostdev": "hostdev", "filesystem": "fs", "tpm": "tpm", "smartcard": "smartcard", "hub": "hub",
    "panic": "panic", "shmem": "shmem", "memory": "memory", "iommu": "iommu", "vsock": "vsock",
    "crypto": "crypto", "lease": "lease", "nvram": "nvram",
}


def device_type_name(dev: Device) -> str:
    """virDomainDeviceTypeToString() of a device."""
    if isinstance(dev, GenericDevice):
        return GENERIC_TYPE_NAMES.get(dev.tag, dev.tag)
    return DEVICE_TYPE_NAMES[type(dev)]


_DISK_PREFIXES = ("fd", "hd", "vd", "sd", "xvd", "ubd")


def disk_name_to_index(name: str) -> int:
    """virDiskNameToIndex: 'vda' -> 0, 'sdaa' -> 26, 'hdb2' -> 1; -1 if it is not a disk name."""
    rest = next((name[len(p):] for p in _DISK_PREFIXES if name.startswith(p)), None)
    if rest is None:
        return -1
    i = idx = 0
    while i < len(rest) and "a" <= rest[i] <= "z":
        idx = (idx + (1 if i else 0)) * 26 + ord(rest[i]) - ord("a")
        i += 1
    if i == 0 or (rest[i:] and not rest[i:].isdigit()):
        return -1
    return idx


# --- matching, as detach-device finds the device a parsed one designates ------------------


def chr_equal(a: Chr, b: Chr) -> bool:
    """virDomainChrEquals: same kind, type, source and target."""
    if a.kind != b.kind or a.type != b.type or a.target_type != b.target_type:
        return False
    if _sources_key(a.sources) != _sources_key(b.sources):
        return False
    if a.kind == "channel":
        return a.target_attrs.get("name") == b.target_attrs.get("name")
    return a.target_attrs.get("port") == b.target_attrs.get("port") or b.port_generated


def _sources_key(sources: list[dict[str, str]]) -> list[dict[str, str]]:
    """The sources that say something (a unix socket with no path is a generated one)."""
    return [{k: v for k, v in s.items() if k != "index"} for s in sources if s.get("path") or set(s) - {"mode"}]


def input_equal(a: Input, b: Input) -> bool:
    return a.type == b.type and (a.bus or "") == (b.bus or "") and (
        b.address is None or a.address == b.address)


def same_device(a: Device, b: Device) -> bool:
    """Other kinds match on alias or address when given, else on their configuration."""
    if b.alias and a.alias:
        return a.alias == b.alias
    if b.address is not None:
        return a.address == b.address
    return _config_of(a) == _config_of(b)


def _config_of(dev: Device) -> object:
    clean = copy.copy(dev)
    clean.alias, clean.address = None, None
    return clean


# --- what detach-device says when nothing matches (qemu_driver.c / qemu_hotplug.c) -------------

# kinds the hotplug code refuses outright (qemuDomainAttachDeviceLive / DetachDeviceLive)
LIVE_UNSUPPORTED = frozenset({"sound", "video", "graphics", "hub", "smartcard", "memballoon", "nvram",
                              "tpm", "panic", "iommu", "audio", "crypto"})
_NOT_PRESENT = "device not present in domain configuration"
_CONFIG_MISSING = {"disk": None, "controller": _NOT_PRESENT, "sound": _NOT_PRESENT, "hostdev": _NOT_PRESENT,
                   "lease": _NOT_PRESENT, "input": "matching input device not found",
                   "rng": "no matching RNG device was found",
                   "redirdev": "no matching redirdev was not found",  # sic
                   "watchdog": "no matching watchdog was found",
                   "fs": "no matching filesystem device was found",
                   "shmem": "matching shmem device was not found", "memory": "matching memory device was not found"}


def missing_device_error(dev: Device, live: bool) -> VirtError | None:
    """The error for a device detach cannot find; None if the kind cannot be detached at all."""
    kind = device_type_name(dev)
    if isinstance(dev, Disk):
        msg = f"disk {dev.target_dev} not found" if live else f"no target device {dev.target_dev}"
        return errors.device_missing(msg)
    if isinstance(dev, Chr):
        if live:
            return errors.device_missing(f"chr type '{dev.kind}' device not present in domain configuration")
        return errors.invalid_arg(_NOT_PRESENT)
    if live:
        if isinstance(dev, Controller):
            msg = f"controller {dev.type}:{dev.index} not found"
        elif isinstance(dev, Watchdog):
            msg = "watchdog device not present in domain configuration"
        elif isinstance(dev, RngDevice):
            msg = f"model '{dev.backend_model}' RNG device not present in domain configuration"
        elif isinstance(dev, Redirdev):
            return errors.invalid("no matching redirdev was not found")
        else:
            msg = _CONFIG_MISSING.get(kind) or _NOT_PRESENT
        return errors.device_missing(msg)
    if kind not in _CONFIG_MISSING:
        return None
    return errors.device_missing(_CONFIG_MISSING[kind] or _NOT_PRESENT)


def is_usb_device(dev: Device) -> bool:
    """Devices that need a USB bus (virDomainDefCompatibleDevice)."""
    if isinstance(dev, (Input, Disk, Redirdev)):
        return (dev.bus if isinstance(dev, (Input, Redirdev)) else dev.target_bus) == "usb"
    if isinstance(dev, Sound):
        return dev.model == "usb"
    return isinstance(dev, GenericDevice) and dev.tag in ("hostdev", "hub") and dev.type == "usb"
