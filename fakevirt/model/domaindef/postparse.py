"""The QEMU driver's post-parse step for x86_64 QEMU 7.2 hosts (virDomainDefPostParse).

In libvirt's order: emulator and machine, the QEMU driver's default devices and CPU, per-device
defaults, the common fix-ups (memory, boot, console/serial aliasing, implicit controllers and
video), then addresses (virtio-serial, PCI, USB).  Running it again on its own output changes
nothing, which is what lets attach/detach re-run it as libvirt does.
"""

from __future__ import annotations

from ...errors import ErrorDomain
from ...errors import domain as errors
from ..devices import Address, Audio, Chr, Controller, Input, Memballoon, Video
from ..host import HostInfo
from . import memdevs
from .definition import CpuDef, DomainDef
from .devdefaults import device_post_parse
from .pci import assign_pci_addresses
from .pciflags import is_i440fx, is_q35
from .usb import assign_usb_addresses

VIRTIO_SERIAL_PORTS = 31


def resolve_host(d: DomainDef, host: HostInfo) -> None:
    """Arch, emulator and machine from the host's QEMU binaries."""
    guest = host.guest_for_arch(d.arch or host.arch)
    if guest is None:
        raise errors.config_unsupported(f"No emulator found for arch '{d.arch}'")
    d.arch = d.arch or guest.arch
    if d.emulator is None:
        d.emulator = guest.emulator
    if d.virt_type not in guest.domain_types:
        raise errors.config_unsupported(f"Emulator '{d.emulator}' does not support virt type '{d.virt_type}'")
    if d.os_type != "hvm":
        raise errors.config_unsupported(f"Emulator '{d.emulator}' does not support os type '{d.os_type}'")
    if not d.machine:
        d.machine = host.default_machine(guest)
    d.machine = guest.canonical_machine(d.machine)


def post_parse(d: DomainDef) -> None:
    """Apply every default libvirt's define applies; raise its errors for what it rejects.

    ``d`` already has its emulator and machine (``resolve_host``).
    """
    _assign_controller_indexes(d)
    _add_default_devices(d)
    _default_cpu(d)
    for dev in d.all_devices():
        device_post_parse(dev, d)
    _common(d)
    _assign_virtio_serial(d)
    assign_pci_addresses(d)
    assign_usb_addresses(d)
    memdevs.assign_slots(d)


def _assign_controller_indexes(d: DomainDef) -> None:
    """virDomainAssignControllerIndexes: pci controllers go after the highest, others fill gaps."""
    for c in d.controllers:
        if c.index is not None:
            continue
        if c.type == "pci":
            c.index = 0 if c.model in ("pci-root", "pcie-root") else max(
                (o.index for o in d.controllers if o.type == "pci" and o.index is not None), default=0) + 1
        else:
            used = {o.index for o in d.controllers if o.type == c.type and o.index is not None}
            c.index = next(i for i in range(len(used) + 1) if i not in used)


def _add_controller(d: DomainDef, type_: str, index: int, model: str | None) -> Controller | None:
    """virDomainDefMaybeAddController: append unless that type/index exists."""
    if d.find_controller(type_, index) is not None:
        return None
    c = Controller(type=type_, index=index, model=model)
    d.controllers.append(c)
    return c


def _add_default_devices(d: DomainDef) -> None:
    """qemuDomainDefAddDefaultDevices and the default audio backend, x86 flavour."""
    for itype in ("mouse", "keyboard"):
        if not any(i.type == itype and i.bus == "ps2" for i in d.inputs):
            d.inputs.append(Input(type=itype, bus="ps2"))
    q35, i440fx = is_q35(d.machine), is_i440fx(d.machine)
    if d.machine != "isapc" and d.find_controller("usb", 0) is None:
        c = Controller(type="usb", index=0, model="qemu-xhci" if q35 else None)
        d.controllers.append(c)
        device_post_parse(c, d)
    if q35:
        _add_controller(d, "sata", 0, None)
    root = d.find_controller("pci", 0)
    want = "pcie-root" if q35 else "pci-root" if i440fx else None
    if want is not None:
        if root is not None and root.model != want:
            raise errors.xml_error(f"The PCI controller with index='0' must be model='{want}' for this machine type, "
                                   f"but model='{root.model}' was found instead", ErrorDomain.QEMU)
        _add_controller(d, "pci", 0, want)
    if d.memballoon is None:
        d.memballoon = Memballoon(model="virtio")
    if not d.audios:
        backend: str | None = "none"
        for g in d.graphics:
            backend = {"vnc": "none", "spice": "spice", "sdl": None}.get(g.type, backend)
        if backend is not None:
            d.audios.append(Audio(id=1, type=backend))


def _default_cpu(d: DomainDef) -> None:
    """qemuDomainDefSetDefaultCPU + qemuDomainDefCPUPostParse."""
    cpu = d.cpu
    if cpu is None or (cpu.mode == "custom" and not cpu.model):
        cpu = d.cpu = cpu or CpuDef()
        cpu.mode, cpu.match, cpu.check, cpu.model = "custom", "exact", "none", "qemu64"
        cpu.model_attrs = {"fallback": "forbid", **cpu.model_attrs}
        return
    if cpu.mode == "host-passthrough" and cpu.migratable is None:
        cpu.migratable = "on"
    if cpu.check is None:
        if cpu.mode in ("host-passthrough", "maximum"):
            cpu.check = "none"
        elif cpu.mode == "host-model":
            cpu.check = "partial"
        elif cpu.mode == "custom":
            cpu.check = "none" if d.virt_type == "qemu" else "partial"


def _common(d: DomainDef) -> None:
    """virDomainDefPostParseCommon."""
    if (total := memdevs.total_memory(d)) is not None:  # NUMA cells give the memory, not <memory>
        d.memory_kib = total
    if d.memory_kib <= 0:
        raise errors.xml_error("Memory size must be specified via <memory> or in the <numa> configuration")
    if d.current_memory_kib <= 0 or d.current_memory_kib > d.memory_kib:
        d.current_memory_kib = d.memory_kib
    if bool(d.max_memory_kib) != bool(d.memory_slots):
        raise errors.xml_error("both maximum memory size and memory slot count must be specified")
    if d.max_memory_kib and d.max_memory_kib < d.memory_kib:
        raise errors.xml_error("maximum memory size must be equal or greater than the actual memory size")
    d.vcpu_attrs.setdefault("placement", "static")
    device_boot = any(getattr(dev, "boot_order", None) for dev in d.all_devices())
    if device_boot and d.boot_devs:
        raise errors.boot_order_mixed()
    if not d.boot_devs and not device_boot:
        d.boot_devs = ["hd"]
    _reject_duplicate_controllers(d)
    _console_compat(d)
    _implicit_controllers(d)
    if d.graphics and not d.videos:
        d.videos.append(Video())
    for v in d.videos:
        device_post_parse(v, d)
    if d.videos and d.videos[0].model_type != "none":
        d.videos[0].model_attrs["primary"] = "yes"
    for s in d.serials[:1]:
        device_post_parse(s, d)
    for c in d.controllers:
        if c.type == "scsi" and c.model is None:
            device_post_parse(c, d)
    _isa_serial_ports(d)


def _reject_duplicate_controllers(d: DomainDef) -> None:
    seen: set[tuple[str, int | None]] = set()
    for c in d.controllers:
        key = (c.type, c.index)
        if key in seen and c.master_startport is None:
            raise errors.xml_error(f"Multiple '{c.type}' controllers with index '{c.index}'")
        seen.add(key)


def _stub_console() -> Chr:
    return Chr(kind="console", type="pty", target_type="serial", target_attrs={"port": "0"})


def _console_compat(d: DomainDef) -> None:
    """virDomainDefAddConsoleCompat: the first serial console is an alias of serial 0."""
    if any(c.target_type == "serial" for c in d.consoles[1:]):
        raise errors.conf_unsupported("Only the first console can be a serial port")
    if d.consoles and d.consoles[0].target_type in (None, "serial"):
        first = d.consoles[0]
        if not d.serials:
            serial = Chr(kind="serial", type=first.type, sources=first.sources,
                         source_children=first.source_children, target_attrs={"port": "0"},
                         log_attrs=first.log_attrs, protocol=first.protocol)
            d.serials.append(serial)
            d.consoles[0] = _stub_console()
        elif d.serials[0].sources != first.sources or d.serials[0].type != first.type:
            d.consoles[0] = _stub_console()
        d.consoles[0].target_type = "serial"
    elif d.serials and d.serials[0].target_type in (None, "isa-serial", "system", "sclp", "spapr-vio"):
        d.consoles.insert(0, _stub_console())


def _isa_serial_ports(d: DomainDef) -> None:
    used = {s.target_attrs.get("port") for s in d.serials if s.target_attrs.get("port") is not None}
    for s in d.serials:
        if s.target_attrs.get("port") is None:
            port = next(str(i) for i in range(len(d.serials) + 1) if str(i) not in used)
            s.target_attrs = {"port": port, **s.target_attrs}
            used.add(port)


def _implicit_controllers(d: DomainDef) -> None:
    """virDomainDefAddImplicitControllers."""
    for ctype, bus in (("scsi", "scsi"), ("fdc", "fdc"), ("ide", "ide"), ("sata", "sata")):
        top = max((disk.address.num("controller") for disk in d.disks
                   if disk.target_bus == bus and disk.address is not None and disk.address.type == "drive"),
                  default=-1)
        for i in range(top + 1):
            _add_controller(d, ctype, i, None)
    for chr_ in [*d.channels, *d.consoles]:
        if chr_.target_type == "virtio":
            idx = chr_.address.num("controller") if chr_.address is not None and \
                chr_.address.type == "virtio-serial" else 0
            _add_controller(d, "virtio-serial", idx, None)
    for g in d.others:
        if g.tag == "smartcard":
            _add_controller(d, "ccid", 0, None)


def _assign_virtio_serial(d: DomainDef) -> None:
    """qemuDomainAssignVirtioSerialAddresses for channels (port 0 is kept for consoles)."""
    used: dict[int, set[int]] = {}
    for c in d.channels:
        if c.address is not None and c.address.type == "virtio-serial" and c.address.num("port"):
            used.setdefault(c.address.num("controller"), set()).add(c.address.num("port"))
    controllers = sorted(c.index or 0 for c in d.controllers if c.type == "virtio-serial")
    for c in d.channels:
        if c.target_type != "virtio":
            continue
        if c.address is not None and c.address.type == "virtio-serial" and c.address.num("port"):
            continue
        only = c.address.num("controller") if c.address is not None and "controller" in c.address.fields else None
        for ctrl in controllers if only is None else [only]:
            taken = used.setdefault(ctrl, set())
            port = next((p for p in range(1, VIRTIO_SERIAL_PORTS) if p not in taken), None)
            if port is not None:
                taken.add(port)
                c.address = Address("virtio-serial", {"controller": ctrl, "bus": 0, "port": port})
                break
        else:
            raise errors.xml_error("Unable to find a free virtio-serial port")


def common_post_parse(d: DomainDef) -> None:
    """virDomainDefPostParseCommon alone: what a driver without QEMU's callbacks (test) applies."""
    _common(d)
