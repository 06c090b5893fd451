"""Device changes to a definition: qemuDomain{Attach,Detach,Update}Device{Config,Live}.

Each change runs on a copy, then the QEMU driver's post-parse step runs again (new addresses,
implicit controllers) as libvirt does; the caller gets the new definition and the old one is left
as it was, so a refused change changes nothing.  Error codes and messages are those of
src/qemu/qemu_driver.c and qemu_hotplug.c.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

from ...errors import domain as errors
from ..devices import (
    LIVE_UNSUPPORTED,
    Chr,
    Controller,
    Device,
    Disk,
    GenericDevice,
    Graphics,
    Input,
    Interface,
    Redirdev,
    RngDevice,
    Sound,
    Watchdog,
    chr_equal,
    device_type_name,
    is_usb_device,
    missing_device_error,
    same_device,
)
from . import memdevs
from .definition import DomainDef
from .live import assign_aliases
from .memdevs import is_memory
from .postparse import post_parse

__all__ = ["attach_device", "detach_device", "update_device"]

_T = TypeVar("_T")


def attach_device(d: DomainDef, dev: Device) -> DomainDef:
    """``d`` with ``dev`` added, as ``attach-device --config`` (or, for a live definition,
    ``--live``) does.

    Raises:
        VirtError: duplicate target/index/MAC rules, or a device kind that cannot be added.
    """
    return _transaction(d, _attach, dev)[0]


def detach_device(d: DomainDef, dev: Device) -> tuple[DomainDef, Device]:
    """``d`` without the device ``dev`` designates (``detach-device --config``), and that device.

    Raises:
        VirtError: no matching device (libvirt's per-kind wording), or an unsupported kind.
    """
    return _transaction(d, _detach, dev)


def update_device(d: DomainDef, dev: Device) -> DomainDef:
    """``d`` with the matching disk, graphics or interface replaced (``update-device --config``).

    Raises:
        VirtError: no such device, or a device kind libvirt cannot update persistently.
    """
    return _transaction(d, _update, dev)[0]


def _transaction(d: DomainDef, op: Callable[[DomainDef, Device], _T], dev: Device) -> tuple[DomainDef, _T]:
    """Run op on a re-parsed copy; the copy is the result only if the post-parse accepts it."""
    work = d.copy()
    if not d.live:  # libvirt edits a re-parsed copy of the persistent definition
        work.normalize_order()
    result = op(work, dev)
    buses = sum(1 for c in work.controllers if c.type == "pci")
    post_parse(work)
    if d.live:
        if sum(1 for c in work.controllers if c.type == "pci") != buses:
            raise errors.no_pci_slots()
        assign_aliases(work, only_missing=True)  # as the hotplug code names new devices
        memdevs.place(work)
    return work, result


def _attach(d: DomainDef, dev: Device) -> None:
    _check_compatible(d, dev)
    kind = device_type_name(dev)
    if d.live and kind in LIVE_UNSUPPORTED:
        raise errors.operation_unsupported(f"live attach of device '{kind}' is not supported")
    if isinstance(dev, Disk):
        old = d.find_disk(dev.target_dev)
        if d.live:
            _hotplug_disk(d, dev, old)
        elif old is not None:
            raise errors.invalid(f"target {dev.target_dev} already exists")
        else:
            d.insert_disk(dev)
    elif isinstance(dev, Interface):
        d.interfaces.append(dev)
    elif isinstance(dev, Controller):
        if dev.index is not None and d.find_controller(dev.type, dev.index) is not None:
            raise errors.invalid(f"controller index='{dev.index}' already exists")
        d.insert_controller(dev)
    elif isinstance(dev, Chr):
        _insert_chr(d, dev)
    elif isinstance(dev, (Sound, Input, Redirdev, RngDevice, Watchdog)):
        _attach_simple(d, dev)
    elif is_memory(dev):
        memdevs.attach(d, dev)  # type: ignore[arg-type]
    elif isinstance(dev, GenericDevice) and dev.tag in ("hostdev", "filesystem", "shmem", "lease", "vsock"):
        if any(same_device(o, dev) for o in d.same_kind(dev)):
            raise errors.device_already_configured()
        d.others.append(dev)
    else:
        raise errors.operation_unsupported(f"persistent attach of device '{kind}' is not supported")

def _hotplug_disk(d: DomainDef, disk: Disk, old: Disk | None) -> None:
    """qemuDomainAttachDeviceDiskLive: a removable drive changes media, others plug in."""
    if old is not None and disk.device in ("cdrom", "floppy"):
        old.source, old.source_attrs, old.type = disk.source, disk.source_attrs, disk.type
        return
    if old is not None:
        raise errors.duplicate_disk_target(disk.target_dev, old.source, disk.source)
    if disk.device == "floppy":
        raise errors.operation_unsupported("floppy device hotplug isn't supported")
    if disk.device == "cdrom" and disk.target_bus == "virtio":
        raise errors.operation_unsupported("cdrom device with virtio bus isn't supported")
    if disk.target_bus in ("ide", "sata") and disk.address is not None:
        bus = disk.address.num("bus") if disk.target_bus == "ide" else disk.address.num("unit")
        raise errors.qemu_internal(f"unable to execute QEMU command 'device_add': Bus 'ide.{bus}' "
                                   "does not support hotplugging")
    d.insert_disk(disk)

def _check_compatible(d: DomainDef, dev: Device, old: Device | None = None) -> None:
    """virDomainDefCompatibleDevice: boot order and USB availability."""
    order = getattr(dev, "boot_order", None)
    if order:
        if d.boot_devs:
            raise errors.boot_order_mixed()
        if any(getattr(o, "boot_order", None) == order and o is not old for o in d.all_devices()):
            raise errors.conf_unsupported(f"boot order {order} is already used by another device")
    usb = any(c.type == "usb" and c.model != "none" for c in d.controllers)
    if not usb and is_usb_device(dev):
        raise errors.conf_unsupported("Device configuration is not compatible: Domain has no USB bus support")

def _attach_simple(d: DomainDef, dev: Sound | Input | Redirdev | RngDevice | Watchdog) -> None:
    if isinstance(dev, Watchdog):
        if any(same_device(w, dev) for w in d.watchdogs):
            raise errors.device_already_configured()
        if dev.model != "i6300esb" and any(w.model == dev.model for w in d.watchdogs):
            raise errors.invalid(f"domain can only have one watchdog with model '{dev.model}'")
    if isinstance(dev, RngDevice) and dev.address is not None and any(
            o.address == dev.address for o in d.all_devices()):
        raise errors.config_unsupported("a device with the same address already exists ")
    {Sound: d.sounds, Input: d.inputs, Redirdev: d.redirdevs, RngDevice: d.rngs,
     Watchdog: d.watchdogs}[type(dev)].append(dev)  # type: ignore[attr-defined]

def _detach(d: DomainDef, dev: Device) -> Device:
    kind = device_type_name(dev)
    if d.live and kind in LIVE_UNSUPPORTED:
        raise errors.operation_unsupported(f"live detach of device '{kind}' is not supported")
    if isinstance(dev, Interface):
        return d.interfaces.pop(d.net_index(dev))
    if is_memory(dev):
        return memdevs.detach(d, dev)  # type: ignore[arg-type]
    if isinstance(dev, Watchdog) and not d.watchdogs and not d.live:
        raise errors.device_missing("domain has no watchdog")
    error = missing_device_error(dev, d.live)
    if error is None:
        raise errors.operation_unsupported(f"persistent detach of device '{kind}' is not supported")
    match = d.match_device(dev)
    if match is None:
        raise error
    if isinstance(match, Disk):
        d.disks.remove(match)
    elif isinstance(match, Chr):
        d.chr_list(match.kind).remove(match)
    else:
        _remove(d, match)
    return match

def _remove(d: DomainDef, dev: Device) -> None:
    lists: tuple[list[Any], ...] = (d.controllers, d.sounds, d.inputs, d.rngs,
                                    d.redirdevs, d.watchdogs, d.others)
    for lst in lists:
        if any(x is dev for x in lst):
            lst[:] = [x for x in lst if x is not dev]
            return

def _update(d: DomainDef, dev: Device) -> None:
    if d.live and not isinstance(dev, (Disk, Graphics, Interface)):
        raise errors.config_unsupported(f"live update of device '{device_type_name(dev)}' is not supported")
    if isinstance(dev, Disk):
        pos = next((i for i, k in enumerate(d.disks) if k.target_dev == dev.target_dev), -1)
        if pos < 0 and d.live:
            raise errors.qemu_internal(f"disk '{dev.target_dev}' not found")
        if pos < 0:
            raise errors.invalid_arg(f"target {dev.target_dev} doesn't exist.")
        if d.live and dev.device not in ("cdrom", "floppy") and dev.source != d.disks[pos].source:
            raise errors.config_unsupported("disk source can be changed only in removable drives")
        if dev.address is None:
            dev.address = d.disks[pos].address
        d.disks[pos] = dev
    elif isinstance(dev, Graphics):
        pos = next((i for i, g in enumerate(d.graphics) if g.type == dev.type), -1)
        if pos < 0:
            raise errors.invalid_arg(f"cannot find existing graphics type '{dev.type}' device to modify")
        d.graphics[pos] = dev
    elif isinstance(dev, Interface):
        pos = d.net_index(dev)
        old = d.interfaces[pos]
        if dev.mac_generated:
            dev.mac, dev.mac_generated = old.mac, False
        if dev.address is None:
            dev.address = old.address
        if d.live:  # qemuDomainChangeNet keeps what the running NIC got: its tap and its network port
            dev.target_dev = dev.target_dev or old.target_dev
            if (dev.type, dev.source) == (old.type, old.source):
                for attr in ("portid", "bridge"):
                    if attr in old.source_attrs:
                        dev.source_attrs.setdefault(attr, old.source_attrs[attr])
        d.interfaces[pos] = dev
    else:
        raise errors.operation_unsupported(f"persistent update of device '{device_type_name(dev)}' is not supported")


def _insert_chr(d: DomainDef, chr_: Chr) -> None:
    """qemuDomainChrInsert: a serial console also becomes the first <console>."""
    if any(chr_equal(c, chr_) for c in d.chr_list(chr_.kind)):
        raise errors.invalid_arg("chardev already exists")
    if chr_.kind == "console" and chr_.target_type == "serial" and d.consoles:
        raise errors.operation_unsupported("attaching serial console is not supported")
    d.chr_list(chr_.kind).append(chr_)
