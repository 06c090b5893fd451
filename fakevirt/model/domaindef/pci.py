"""PCI address assignment of the QEMU driver (qemuDomainAssignPCIAddresses, src/conf/domain_addr.c).

Two passes, as libvirt does them: a dry run that only counts the buses the devices need and adds
the missing pcie-root-ports / pcie-to-pci-bridge / pci-bridge controllers, then the real pass
that gives every device without an address the first free slot, in libvirt's device order.
"""

from __future__ import annotations

from ...errors import domain as errors
from ..devices import Address, Controller, Device
from .definition import DomainDef
from .pciflags import (
    AUTOASSIGN,
    BUS_FLAGS,
    PCI_DEVICE,
    PCIE_DEVICE,
    connect_flags,
    controller_connect_type,
    is_i440fx,
    is_q35,
)
from .pciset import AddressSet, Bus


def wanted(dev: Device) -> bool:
    """virDeviceInfoPCIAddressIsWanted: no address yet, or an empty <address type='pci'/>."""
    a = dev.address
    return a is None or (a.type == "pci" and "bus" not in a.fields and "slot" not in a.fields
                         and "function" not in a.fields)


def present(dev: Device) -> bool:
    return dev.address is not None and dev.address.type == "pci" and not wanted(dev)


def _pci_controllers(d: DomainDef) -> list[Controller]:
    return [c for c in d.controllers if c.type == "pci"]


def assign_pci_addresses(d: DomainDef) -> None:
    """qemuDomainAssignPCIAddresses for an x86 QEMU 7.2 guest."""
    pcie = any(c.model == "pcie-root" for c in _pci_controllers(d))
    max_idx = max((c.index or 0 for c in _pci_controllers(d)), default=-1)
    nbuses = max_idx + 1
    if nbuses > 0:
        addrs = _make_set(d, nbuses, dry_run=True)
        _chipset(d, addrs, pcie)
        if any(c.model == "pci-root" for c in _pci_controllers(d)) and not all(
                b.fully_reserved() for b in addrs.buses):
            addrs.reserve_next(None, AUTOASSIGN | PCI_DEVICE)  # room for a future bridge
        _assign_slots(d, addrs, pcie)
        if max_idx <= 0 and len(addrs.buses) > max_idx + 1 and pcie:
            addrs.reserve_next(None, AUTOASSIGN | PCIE_DEVICE)  # one empty root port for hotplug
        i = 1
        while i < len(addrs.buses):
            if d.find_controller("pci", i) is None:
                cont = Controller(type="pci", index=i, model=addrs.buses[i].model)
                d.controllers.append(cont)
                if cont.model not in ("pci-root", "pcie-root"):
                    addrs.reserve_next(cont, controller_connect_type(cont.model or ""))
            i += 1
        nbuses = len(addrs.buses)
    addrs = _make_set(d, nbuses, dry_run=False)
    _chipset(d, addrs, pcie)
    _assign_slots(d, addrs, pcie)
    _set_all_multi(d)
    _controller_defaults(d)


def _make_set(d: DomainDef, nbuses: int, dry_run: bool) -> AddressSet:
    buses: list[Bus | None] = [None] * nbuses
    pcie = False
    for c in _pci_controllers(d):
        idx = c.index or 0
        if idx >= nbuses:
            raise errors.conf_internal(f"Inappropriate new pci controller index {idx} exceeds addrs array length")
        if c.model not in BUS_FLAGS:
            raise errors.conf_internal("PCI controller model was not set correctly")
        buses[idx] = Bus.of(c.model, c.target_attrs.get("hotplug") != "off")
        pcie = pcie or c.model == "pcie-root"
    if nbuses and buses[0] is None:
        buses[0] = Bus.of("pci-root")
    default = "pcie-root-port" if pcie else "pci-bridge"
    addrs = AddressSet([b if b is not None else Bus.of(default) for b in buses], dry_run)
    for dev in d.all_devices():
        if not present(dev):
            continue
        assert dev.address is not None
        a = dev.address.pci_tuple()
        if isinstance(dev, Controller) and a[:3] == (0, 0, 1) and dev.index == 0 and (
                (dev.type == "ide" and a[3] == 1)
                or (dev.type == "usb" and dev.model in (None, "piix3-uhci") and a[3] == 2)):
            if addrs.buses and not addrs.buses[0].flags & PCI_DEVICE:
                raise errors.conf_internal("Bus 0 must be PCI for integrated PIIX3 USB or IDE controllers")
            continue  # the PIIX3 functions are reserved by the chipset pass
        flags = connect_flags(dev, pcie) or PCI_DEVICE
        moved = addrs.reserve(a, flags)
        if moved != a:
            multi = dev.address.fields.get("multifunction")
            dev.address = Address.pci(*moved, multifunction=multi if isinstance(multi, str) else None)
    return addrs


def _chipset(d: DomainDef, addrs: AddressSet, pcie: bool) -> None:
    if is_i440fx(d.machine):
        _chipset_piix3(d, addrs, pcie)
    elif is_q35(d.machine):
        _chipset_q35(d, addrs, pcie)


def _fixed(dev: Device, want: tuple[int, int, int, int], msg: str) -> None:
    if present(dev):
        assert dev.address is not None
        if dev.address.pci_tuple() != want:
            raise errors.conf_internal(msg)
    else:
        dev.address = Address.pci(*want)


def _primary_video(d: DomainDef, addrs: AddressSet, slot: int, flags: int, pcie: bool) -> None:
    if not d.videos or d.videos[0].model_type in ("none", "ramfb") or not wanted(d.videos[0]):
        return
    video, want = d.videos[0], (0, 0, slot, 0)
    addrs.validate(want, flags, True)
    if addrs.buses[0].functions[slot]:
        addrs.reserve_next(video, connect_flags(video, pcie))
    else:
        addrs.reserve(want, flags)
        video.address = Address.pci(*want)


def _chipset_piix3(d: DomainDef, addrs: AddressSet, pcie: bool) -> None:
    flags = AUTOASSIGN | PCI_DEVICE
    for c in d.controllers:
        if c.type == "ide" and c.index == 0:
            _fixed(c, (0, 0, 1, 1), "Primary IDE controller must have PCI address 0:0:1.1")
        elif c.type == "usb" and c.index == 0 and c.model in (None, "piix3-uhci"):
            _fixed(c, (0, 0, 1, 2), "PIIX3 USB controller at index 0 must have PCI address 0:0:1.2")
        else:
            continue
        if addrs.buses:  # the collect pass skipped these two
            addrs.reserve(c.address.pci_tuple(), flags)  # type: ignore[union-attr]
    if addrs.buses:
        addrs.reserve((0, 0, 1, 0), flags)
        addrs.reserve((0, 0, 1, 3), flags)
    _primary_video(d, addrs, 2, flags, pcie)


def _chipset_q35(d: DomainDef, addrs: AddressSet, pcie: bool) -> None:
    flags = PCIE_DEVICE
    for c in d.controllers:
        if c.type == "sata" and c.index == 0:
            _fixed(c, (0, 0, 0x1F, 2), "Primary SATA controller must have PCI address 0:0:1f.2")
        elif c.type == "usb" and c.model == "ich9-uhci1" and c.address is None:
            for slot in (0x1D, 0x1A):
                if not addrs.buses[0].functions[slot]:
                    addrs.reserve((0, 0, slot, 0), flags)
                    c.address = Address.pci(0, 0, slot, 0, "on")
                    break
        elif c.type == "pci" and c.model == "dmi-to-pci-bridge" and c.address is None:
            if not addrs.buses[0].functions[0x1E]:
                addrs.reserve((0, 0, 0x1E, 0), flags)
                c.address = Address.pci(0, 0, 0x1E, 0)
    if addrs.buses:
        addrs.reserve((0, 0, 0x1F, 0), flags)
        addrs.reserve((0, 0, 0x1F, 3), flags)
    _primary_video(d, addrs, 1, flags, pcie)
    if not addrs.buses[0].functions[0x1B]:
        sound = next((s for s in d.sounds if s.model == "ich9" and wanted(s)), None)
        if sound is not None:
            addrs.reserve((0, 0, 0x1B, 0), flags)
            sound.address = Address.pci(0, 0, 0x1B, 0)


_USB2 = {"ich9-ehci1": (7, None), "ich9-uhci1": (0, "on"), "ich9-uhci2": (1, None), "ich9-uhci3": (2, None)}


def _assign_slots(d: DomainDef, addrs: AddressSet, pcie: bool) -> None:
    """qemuDomainAssignDevicePCISlots: the order decides who gets which slot."""

    def take(dev: Device) -> None:
        flags = connect_flags(dev, pcie)
        if flags and wanted(dev):
            addrs.reserve_next(dev, flags)

    for c in d.controllers:
        if c.type == "pci" and c.model not in ("pci-root", "pcie-root") and wanted(c):
            addrs.reserve_next(c, controller_connect_type(c.model or ""))
    for g in d.others:
        if g.tag == "filesystem":
            take(g)
    for n in d.interfaces:
        if n.type != "hostdev":
            take(n)
    for s in d.sounds:
        if s.model not in ("sb16", "pcspk", "usb"):
            take(s)
    for c in d.controllers:
        if c.type in ("pci", "fdc", "ccid") or (c.type == "usb" and c.model == "none"):
            continue
        if (c.type == "ide" and c.index == 0) or (c.type == "scsi" and c.model == "ncr53c90"):
            continue
        if not wanted(c):
            continue
        if c.type == "usb" and c.model in _USB2:
            _assign_usb2(d, c, addrs, pcie)
        else:
            take(c)
    for disk in d.disks:
        if disk.target_bus == "virtio" and not present(disk):
            if not wanted(disk):
                raise errors.config_unsupported(
                    f"virtio disk cannot have an address of type '{disk.address.type}'")  # type: ignore[union-attr]
            take(disk)
    for g in d.others:
        if g.tag == "hostdev":
            take(g)
    if d.memballoon is not None:
        take(d.memballoon)
    for r in d.rngs:
        take(r)
    for w in d.watchdogs:
        take(w)
    for v in d.videos:
        take(v)
    for tag in ("shmem",):
        for g in d.others:
            if g.tag == tag:
                take(g)
    for i in d.inputs:
        if i.bus == "virtio":
            take(i)
    for serial in d.serials:
        if serial.target_type == "pci-serial":
            take(serial)
    for tag in ("iommu", "vsock", "memory", "crypto", "panic"):
        for g in d.others:
            if g.tag == tag:
                take(g)


def _assign_usb2(d: DomainDef, c: Controller, addrs: AddressSet, pcie: bool) -> None:
    function, multi = _USB2[c.model or ""]
    mate = next((o for o in d.controllers if o.type == "usb" and o.model in _USB2 and o.index == c.index
                 and present(o)), None)
    flags = connect_flags(c, pcie)
    if mate is not None:
        assert mate.address is not None
        dom, bus, slot, _ = mate.address.pci_tuple()
        addrs.reserve((dom, bus, slot, function), flags)
        c.address = Address.pci(dom, bus, slot, function, multi)
    else:
        addrs.reserve_next(c, flags, function)
        if c.address is not None and multi:
            c.address.fields["multifunction"] = multi


def _set_all_multi(d: DomainDef) -> None:
    """virDomainPCIAddressSetAllMulti: function 0 of a shared slot says multifunction='on'."""
    used: dict[tuple[int, int, int], set[int]] = {}
    devs = [dev for dev in d.all_devices() if present(dev)]
    for dev in devs:
        a = dev.address.pci_tuple()  # type: ignore[union-attr]
        used.setdefault(a[:3], set()).add(a[3])
    for dev in devs:
        a = dev.address.pci_tuple()  # type: ignore[union-attr]
        if a[3] == 0 and len(used[a[:3]]) > 1 and "multifunction" not in dev.address.fields:  # type: ignore[union-attr]
            dev.address.fields["multifunction"] = "on"  # type: ignore[union-attr]


_MODEL_NAMES = {"pci-bridge": "pci-bridge", "dmi-to-pci-bridge": "i82801b11-bridge",
                "pcie-to-pci-bridge": "pcie-pci-bridge", "pcie-root-port": "pcie-root-port",
                "pcie-switch-upstream-port": "x3130-upstream",
                "pcie-switch-downstream-port": "xio3130-downstream",
                "pci-expander-bus": "pxb", "pcie-expander-bus": "pxb-pcie"}


def _controller_defaults(d: DomainDef) -> None:
    for c in _pci_controllers(d):
        if c.model_name is None and c.model in _MODEL_NAMES:
            c.model_name = _MODEL_NAMES[c.model]
        a = c.address.pci_tuple() if c.address is not None and c.address.is_pci else (0, 0, 0, 0)
        t = c.target_attrs
        if c.model == "pci-bridge":
            t.setdefault("chassisNr", str(c.index))
        elif c.model == "pcie-root-port":
            t.setdefault("chassis", str(c.index))
            t.setdefault("port", hex((a[2] << 3) + a[3]))
        elif c.model == "pcie-switch-downstream-port":
            t.setdefault("chassis", str(c.index))
            t.setdefault("port", hex(a[2]))
        if c.model == "pci-bridge" and (c.index or 0) <= a[1]:
            raise errors.config_unsupported(
                f"PCI controller at index {c.index} (0x{c.index:02x}) has bus='0x{a[1]:02x}', "
                "but index must be larger than bus")

