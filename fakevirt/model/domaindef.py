"""A domain's definition (virDomainDef): plain data plus the device-list rules of the QEMU driver.

No XML here: ``fakevirt.xml.domain`` parses and formats it.  The attach/detach/update methods follow
qemuDomainAttachDeviceConfig / DetachDeviceConfig / UpdateDeviceConfig (src/qemu/qemu_driver.c),
including their error codes and messages, and re-run the post-parse defaults afterwards as libvirt
does (new addresses, implicit controllers).
"""

from __future__ import annotations

import copy
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, TypeVar

from ..errors import ErrorCode, ErrorDomain, VirtError
from .devices import (
    LIVE_UNSUPPORTED,
    Audio,
    Chr,
    Controller,
    Device,
    Disk,
    GenericDevice,
    Graphics,
    Input,
    Interface,
    Memballoon,
    RawElement,
    Redirdev,
    Rng,
    Sound,
    Video,
    Watchdog,
    chr_equal,
    device_type_name,
    disk_name_to_index,
    input_equal,
    is_usb_device,
    missing_device_error,
    same_device,
)

__all__ = ["CpuDef", "DomainDef"]

_T = TypeVar("_T")


@dataclass
class CpuDef:
    """<cpu>: mode, match, check, the named model and everything else verbatim."""

    mode: str | None = None
    match: str | None = None
    check: str | None = None
    migratable: str | None = None
    attrs: dict[str, str] = field(default_factory=dict)
    model: str | None = None
    model_attrs: dict[str, str] = field(default_factory=dict)  # fallback, vendor_id
    children: list[RawElement] = field(default_factory=list)  # vendor, topology, feature, numa, ...


UINT_MAX, LLONG_MAX, ULLONG_MAX = 2**32 - 1, 2**63 - 1, 2**64 - 1
# virMemoryMaxValue(false) is LLONG_MAX bytes: a size in KiB must stay below it, rounded up
MEMORY_KIB_LIMIT = -(-LLONG_MAX // 1024)


@dataclass
class DomainDef:
    """Everything ``<domain>`` says about a guest, after the QEMU driver's post-parse defaults."""

    virt_type: str = "kvm"
    name: str = ""
    uuid: uuid.UUID = field(default_factory=lambda: uuid.UUID(int=0))
    title: str | None = None
    description: str | None = None
    metadata: dict[str, RawElement] = field(default_factory=dict)  # namespace URI -> element, in its namespace
    memory_kib: int = 0
    current_memory_kib: int = 0
    memory_attrs: dict[str, str] = field(default_factory=dict)  # dumpCore
    max_memory_kib: int = 0  # <maxMemory>, 0 when absent (the element itself stays in extras)
    memory_slots: int = 0
    vcpus: int = 1
    current_vcpus: int = 1
    vcpu_attrs: dict[str, str] = field(default_factory=dict)  # placement, cpuset
    os_type: str = "hvm"
    arch: str = "x86_64"
    machine: str = "pc-i440fx-7.2"
    os_attrs: dict[str, str] = field(default_factory=dict)  # firmware
    boot_devs: list[str] = field(default_factory=list)
    os_children: list[RawElement] = field(default_factory=list)  # loader, kernel, bootmenu, ...
    features: RawElement | None = None
    cpu: CpuDef | None = None
    live_cpu: CpuDef | None = None  # what a running guest's CPU became (shown in live XML only)
    clock: RawElement | None = None
    on_poweroff: str = "destroy"
    on_reboot: str = "restart"
    on_crash: str = "destroy"
    pm: RawElement | None = None
    extras: list[RawElement] = field(default_factory=list)  # memtune, cputune, sysinfo, resource, ...
    seclabels: list[RawElement] = field(default_factory=list)
    emulator: str | None = None
    disks: list[Disk] = field(default_factory=list)
    controllers: list[Controller] = field(default_factory=list)
    interfaces: list[Interface] = field(default_factory=list)
    serials: list[Chr] = field(default_factory=list)
    parallels: list[Chr] = field(default_factory=list)
    consoles: list[Chr] = field(default_factory=list)
    channels: list[Chr] = field(default_factory=list)
    inputs: list[Input] = field(default_factory=list)
    graphics: list[Graphics] = field(default_factory=list)
    sounds: list[Sound] = field(default_factory=list)
    audios: list[Audio] = field(default_factory=list)
    videos: list[Video] = field(default_factory=list)
    redirdevs: list[Redirdev] = field(default_factory=list)
    watchdogs: list[Watchdog] = field(default_factory=list)
    memballoon: Memballoon | None = None
    rngs: list[Rng] = field(default_factory=list)
    others: list[GenericDevice] = field(default_factory=list)  # hostdev, filesystem, tpm, ...
    live: bool = False  # a running domain's definition: changes follow the hotplug rules

    def numa_node_count(self) -> int:
        """The <cell> elements of <cpu><numa>."""
        numa = next((c for c in self.cpu.children if c.tag == "numa"), None) if self.cpu is not None else None
        return 0 if numa is None else sum(1 for c in numa.children if c.tag == "cell")

    def copy(self) -> DomainDef:
        """A deep copy: nothing is shared with this definition."""
        return copy.deepcopy(self)

    # --- lookups ---------------------------------------------------------------------------

    def find_disk(self, target_dev: str) -> Disk | None:
        return next((d for d in self.disks if d.target_dev == target_dev), None)

    def find_controller(self, type_: str, index: int) -> Controller | None:
        return next((c for c in self.controllers if c.type == type_ and c.index == index), None)

    def all_devices(self) -> list[Device]:
        """Every device, in the order libvirt formats them."""
        out: list[Device] = [*self.disks, *self.controllers, *self.interfaces, *self.serials,
                             *self.parallels, *self.consoles, *self.channels, *self.inputs,
                             *self.graphics, *self.sounds, *self.audios, *self.videos,
                             *self.redirdevs, *self.watchdogs, *self.rngs, *self.others]
        if self.memballoon is not None:
            out.append(self.memballoon)
        return out

    def find_device(self, dev: Device) -> Device | None:
        """The device of this definition that ``dev`` designates, as detach matches it, or None."""
        try:
            return self._match(dev)
        except VirtError:
            return None

    def _match(self, dev: Device) -> Device | None:
        if isinstance(dev, Disk):
            return self.find_disk(dev.target_dev)
        if isinstance(dev, Interface):
            return self.interfaces[self._net_index(dev)]
        if isinstance(dev, Controller):
            return self.find_controller(dev.type, dev.index) if dev.index is not None else None
        if isinstance(dev, Chr):
            return next((c for c in self._chr_list(dev.kind) if chr_equal(c, dev)), None)
        if isinstance(dev, Input):
            return next((i for i in self.inputs if input_equal(i, dev)), None)
        if isinstance(dev, Graphics):
            return next((g for g in self.graphics if g.type == dev.type), None)
        return next((o for o in self._same_kind(dev) if same_device(o, dev)), None)

    def _same_kind(self, dev: Device) -> list[Device]:
        if isinstance(dev, GenericDevice):
            return [o for o in self.others if o.tag == dev.tag]
        lists: dict[type, list[Any]] = {Sound: self.sounds, Audio: self.audios, Video: self.videos,
                                        Redirdev: self.redirdevs, Watchdog: self.watchdogs, Rng: self.rngs}
        if isinstance(dev, Memballoon):
            return [self.memballoon] if self.memballoon else []
        return list(lists.get(type(dev), []))

    def _chr_list(self, kind: str) -> list[Chr]:
        return {"serial": self.serials, "parallel": self.parallels, "console": self.consoles,
                "channel": self.channels}[kind]

    def _net_index(self, net: Interface) -> int:
        """virDomainNetFindIdx: match on MAC (unless generated), PCI address and alias."""
        want_mac = net.mac if not net.mac_generated else None
        want_pci = net.address if net.address is not None and net.address.is_pci else None
        found = -1
        for i, cand in enumerate(self.interfaces):
            if want_mac is not None and (cand.mac or "").lower() != want_mac.lower():
                continue
            if want_pci is not None and (cand.address is None
                                         or cand.address.pci_tuple() != want_pci.pci_tuple()):
                continue
            if net.alias and cand.alias and cand.alias != net.alias:
                continue
            if found >= 0:
                msg = (f"multiple devices matching MAC address {want_mac} found" if want_mac
                       else "multiple matching devices found")
                raise VirtError.report(ErrorCode.OPERATION_FAILED, ErrorDomain.DOMAIN, msg)
            found = i
        if found >= 0:
            return found
        addr = "(<null>)"
        if want_pci is not None:
            addr = "{:04x}:{:02x}:{:02x}.{:x}".format(*want_pci.pci_tuple())
        raise VirtError.report(
            ErrorCode.DEVICE_MISSING, ErrorDomain.DOMAIN,
            f"no device found at address '{addr}' matching MAC address '{want_mac or '(<null>)'}' "
            f"and alias '{net.alias or '(<null>)'}'")

    # --- persistent device changes (qemuDomain{Attach,Detach,Update}DeviceConfig) ------------

    def attach_device(self, dev: Device) -> None:
        """Add a parsed device, as ``attach-device --config`` (or, for a live definition,
        ``--live``) does.

        Raises:
            VirtError: duplicate target/index/MAC rules, or a device kind that cannot be added.
        """
        self._transaction(DomainDef._attach, dev)

    def _attach(self, dev: Device) -> None:
        self._check_compatible(dev)
        kind = device_type_name(dev)
        if self.live and kind in LIVE_UNSUPPORTED:
            raise _unsupported(f"live attach of device '{kind}' is not supported")
        if isinstance(dev, Disk):
            old = self.find_disk(dev.target_dev)
            if self.live:
                self._hotplug_disk(dev, old)
            elif old is not None:
                raise _invalid(f"target {dev.target_dev} already exists")
            else:
                self._insert_disk(dev)
        elif isinstance(dev, Interface):
            self.interfaces.append(dev)
        elif isinstance(dev, Controller):
            if dev.index is not None and self.find_controller(dev.type, dev.index) is not None:
                raise _invalid(f"controller index='{dev.index}' already exists")
            self.insert_controller(dev)
        elif isinstance(dev, Chr):
            self._insert_chr(dev)
        elif isinstance(dev, (Sound, Input, Redirdev, Rng, Watchdog)):
            self._attach_simple(dev)
        elif isinstance(dev, GenericDevice) and dev.tag in ("hostdev", "filesystem", "shmem", "lease",
                                                             "memory", "vsock"):
            if any(same_device(o, dev) for o in self._same_kind(dev)):
                raise _invalid("device is already in the domain configuration")
            self.others.append(dev)
        else:
            raise _unsupported(f"persistent attach of device '{kind}' is not supported")

    def _hotplug_disk(self, disk: Disk, old: Disk | None) -> None:
        """qemuDomainAttachDeviceDiskLive: a removable drive changes media, others plug in."""
        if old is not None and disk.device in ("cdrom", "floppy"):
            old.source, old.source_attrs, old.type = disk.source, disk.source_attrs, disk.type
            return
        if old is not None:
            raise VirtError.report(ErrorCode.XML_ERROR, ErrorDomain.DOMAIN,
                                   f"target '{disk.target_dev}' duplicated for disk sources "
                                   f"'{old.source or '<null>'}' and '{disk.source or '<null>'}'")
        if disk.device == "floppy":
            raise _unsupported("floppy device hotplug isn't supported")
        if disk.device == "cdrom" and disk.target_bus == "virtio":
            raise _unsupported("cdrom device with virtio bus isn't supported")
        if disk.target_bus in ("ide", "sata") and disk.address is not None:
            bus = disk.address.num("bus") if disk.target_bus == "ide" else disk.address.num("unit")
            raise VirtError.internal(f"unable to execute QEMU command 'device_add': Bus 'ide.{bus}' "
                                     "does not support hotplugging", ErrorDomain.QEMU)
        self._insert_disk(disk)

    def _check_compatible(self, dev: Device, old: Device | None = None) -> None:
        """virDomainDefCompatibleDevice: boot order and USB availability."""
        order = getattr(dev, "boot_order", None)
        if order:
            if self.boot_devs:
                raise VirtError.report(ErrorCode.CONFIG_UNSUPPORTED, ErrorDomain.DOMAIN,
                                       "per-device boot elements cannot be used together with os/boot elements")
            if any(getattr(o, "boot_order", None) == order and o is not old for o in self.all_devices()):
                raise VirtError.report(ErrorCode.CONFIG_UNSUPPORTED, ErrorDomain.DOMAIN,
                                       f"boot order {order} is already used by another device")
        usb = any(c.type == "usb" and c.model != "none" for c in self.controllers)
        if not usb and is_usb_device(dev):
            raise VirtError.report(ErrorCode.CONFIG_UNSUPPORTED, ErrorDomain.DOMAIN,
                                   "Device configuration is not compatible: Domain has no USB bus support")

    def _attach_simple(self, dev: Sound | Input | Redirdev | Rng | Watchdog) -> None:
        if isinstance(dev, Watchdog):
            if any(same_device(w, dev) for w in self.watchdogs):
                raise _invalid("device is already in the domain configuration")
            if dev.model != "i6300esb" and any(w.model == dev.model for w in self.watchdogs):
                raise _invalid(f"domain can only have one watchdog with model '{dev.model}'")
        if isinstance(dev, Rng) and dev.address is not None and any(
                d.address == dev.address for d in self.all_devices()):
            raise VirtError.report(ErrorCode.CONFIG_UNSUPPORTED, ErrorDomain.QEMU,
                                   "a device with the same address already exists ")
        {Sound: self.sounds, Input: self.inputs, Redirdev: self.redirdevs, Rng: self.rngs,
         Watchdog: self.watchdogs}[type(dev)].append(dev)  # type: ignore[attr-defined]

    def detach_device(self, dev: Device) -> Device:
        """Remove the device ``dev`` designates, as ``detach-device --config`` does; return it.

        Raises:
            VirtError: no matching device (libvirt's per-kind wording), or an unsupported kind.
        """
        return self._transaction(DomainDef._detach, dev)

    def _detach(self, dev: Device) -> Device:
        kind = device_type_name(dev)
        if self.live and kind in LIVE_UNSUPPORTED:
            raise _unsupported(f"live detach of device '{kind}' is not supported")
        if isinstance(dev, Interface):
            return self.interfaces.pop(self._net_index(dev))
        if isinstance(dev, Watchdog) and not self.watchdogs and not self.live:
            raise _missing("domain has no watchdog")
        error = missing_device_error(dev, self.live)
        if error is None:
            raise _unsupported(f"persistent detach of device '{kind}' is not supported")
        match = self._match(dev)
        if match is None:
            raise error
        if isinstance(match, Disk):
            self.disks.remove(match)
        elif isinstance(match, Chr):
            self._chr_list(match.kind).remove(match)
        else:
            self._remove(match)
        return match

    def _remove(self, dev: Device) -> None:
        lists: tuple[list[Any], ...] = (self.controllers, self.sounds, self.inputs, self.rngs,
                                        self.redirdevs, self.watchdogs, self.others)
        for lst in lists:
            if any(x is dev for x in lst):
                lst[:] = [x for x in lst if x is not dev]
                return

    def update_device(self, dev: Device) -> None:
        """Replace the matching disk, graphics or interface (``update-device --config``).

        Raises:
            VirtError: no such device, or a device kind libvirt cannot update persistently.
        """
        self._transaction(DomainDef._update, dev)

    def _update(self, dev: Device) -> None:
        if self.live and not isinstance(dev, (Disk, Graphics, Interface)):
            raise VirtError.report(ErrorCode.CONFIG_UNSUPPORTED, ErrorDomain.QEMU,
                                   f"live update of device '{device_type_name(dev)}' is not supported")
        if isinstance(dev, Disk):
            pos = next((i for i, d in enumerate(self.disks) if d.target_dev == dev.target_dev), -1)
            if pos < 0 and self.live:
                raise VirtError.internal(f"disk '{dev.target_dev}' not found", ErrorDomain.QEMU)
            if pos < 0:
                raise VirtError.invalid_arg(f"target {dev.target_dev} doesn't exist.")
            if self.live and dev.device not in ("cdrom", "floppy") and dev.source != self.disks[pos].source:
                raise VirtError.report(ErrorCode.CONFIG_UNSUPPORTED, ErrorDomain.QEMU,
                                       "disk source can be changed only in removable drives")
            if dev.address is None:
                dev.address = self.disks[pos].address
            self.disks[pos] = dev
        elif isinstance(dev, Graphics):
            pos = next((i for i, g in enumerate(self.graphics) if g.type == dev.type), -1)
            if pos < 0:
                raise VirtError.invalid_arg(f"cannot find existing graphics type '{dev.type}' device to modify")
            self.graphics[pos] = dev
        elif isinstance(dev, Interface):
            pos = self._net_index(dev)
            old = self.interfaces[pos]
            if dev.mac_generated:
                dev.mac, dev.mac_generated = old.mac, False
            if dev.address is None:
                dev.address = old.address
            self.interfaces[pos] = dev
        else:
            raise _unsupported(f"persistent update of device '{device_type_name(dev)}' is not supported")

    def _transaction(self, op: Callable[[DomainDef, Device], _T], dev: Device) -> _T:
        """Run op on a re-parsed copy and keep the result only if the post-parse accepts it."""
        work = self.copy()
        if not self.live:  # libvirt edits a re-parsed copy of the persistent definition
            work.normalize_order()
        result = op(work, dev)
        buses = sum(1 for c in work.controllers if c.type == "pci")
        work.refresh()
        if self.live:
            if sum(1 for c in work.controllers if c.type == "pci") != buses:
                raise VirtError.internal("No more available PCI slots", ErrorDomain.DOMAIN)
            from ..xml.domain_live import assign_aliases  # as the hotplug code names new devices

            assign_aliases(work, only_missing=True)
        self.__dict__.update(work.__dict__)
        return result

    def refresh(self) -> None:
        """Re-run the QEMU driver's post-parse step (virDomainDefPostParse) after a change."""
        from ..xml.domain_postparse import post_parse  # the defaults live beside the parser

        post_parse(self)

    # --- ordered insertion, as libvirt's parser and insert helpers keep the lists ----------

    def _insert_disk(self, disk: Disk) -> None:
        """virDomainDiskInsert: after the last disk on the same bus with a lower index."""
        at = -1
        new_idx = disk_name_to_index(disk.target_dev)
        for i in range(len(self.disks) - 1, -1, -1):
            cur = self.disks[i]
            if cur.target_bus != disk.target_bus:
                continue
            if disk_name_to_index(cur.target_dev) > new_idx:
                at = i
            elif at == -1:
                at = i + 1
        self.disks.insert(at if at >= 0 else len(self.disks), disk)

    def insert_controller(self, cont: Controller) -> None:
        """virDomainControllerInsertPreAlloced: grouped by type, ordered by index."""
        at = -1
        for i in range(len(self.controllers) - 1, -1, -1):
            cur = self.controllers[i]
            if cur.type != cont.type:
                continue
            if cont.index is None:
                at = i + 1
                break
            if cur.index is not None and cur.index > cont.index:
                at = i
            elif (cont.master_startport is None and cur.master_startport is not None
                  and cur.index == cont.index):
                at = i
            elif at == -1:
                at = i + 1
        self.controllers.insert(at if at >= 0 else len(self.controllers), cont)

    def _insert_chr(self, chr_: Chr) -> None:
        """qemuDomainChrInsert: a serial console also becomes the first <console>."""
        if any(chr_equal(c, chr_) for c in self._chr_list(chr_.kind)):
            raise VirtError.invalid_arg("chardev already exists")
        if chr_.kind == "console" and chr_.target_type == "serial" and self.consoles:
            raise VirtError.report(ErrorCode.OPERATION_UNSUPPORTED, ErrorDomain.QEMU,
                                   "attaching serial console is not supported")
        self._chr_list(chr_.kind).append(chr_)

    def normalize_order(self) -> None:
        """Order the lists as a format-and-parse round trip would (virDomainDefCopy)."""
        disks, self.disks = self.disks, []
        for d in disks:
            self._insert_disk(d)
        controllers, self.controllers = self.controllers, []
        for c in controllers:
            self.insert_controller(c)
        self.videos.sort(key=lambda v: not v.primary)


def _invalid(msg: str) -> VirtError:
    return VirtError.operation_invalid(msg)


def _unsupported(msg: str) -> VirtError:
    return VirtError.report(ErrorCode.OPERATION_UNSUPPORTED, ErrorDomain.QEMU, msg)


def _missing(msg: str) -> VirtError:
    return VirtError.report(ErrorCode.DEVICE_MISSING, ErrorDomain.QEMU, msg)
