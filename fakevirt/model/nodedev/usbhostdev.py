"""USB ``<hostdev>``s at domain start: virHostdevPrepareUSBDevices (virhostdev.c) over the synthetic USB
devices, as virUSBDeviceSearch (virusb.c) finds them in sysfs.

A device is named by vendor/product, by bus/device, or both; a mandatory one must exist (a
``startupPolicy='optional'`` one may be missing: the domain starts without it). Found by vendor/product
only, its address is written into the live definition. One running domain holds each device.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from ...errors import nodedev as err
from ..device_parts import HostdevSource
from .caps import UsbDevCap

if TYPE_CHECKING:
    from ..domaindef import DomainDef
    from .state import NodeDevices

UsbAddress = tuple[int, int]  # (bus, device)


def usb_hostdevs(live: DomainDef) -> list[HostdevSource]:
    return [dev.hostdev for dev in live.others if dev.hostdev is not None and dev.hostdev.type == "usb"]


def _devices(devs: NodeDevices) -> list[UsbDevCap]:
    return [c for d in devs.all() for c in d.caps if isinstance(c, UsbDevCap)]


def _find(devs: NodeDevices, h: HostdevSource) -> UsbDevCap | None:
    """virHostdevFindUSBDevice: None for a missing optional device."""
    vendor, product, bus, device = h.usb_vendor, h.usb_product, h.usb_bus, h.usb_device
    if not vendor and not bus:
        return None
    found = [c for c in _devices(devs)
             if (not vendor or (c.vendor, c.product) == (vendor, product))
             and (not bus or (c.bus, c.device) == (bus, device))]
    if len(found) > 1 and not bus:
        raise err.usb_multiple(vendor, product)
    if found or not h.required:
        return found[0] if found else None
    if vendor and bus:
        raise err.usb_not_found_at(vendor, product, bus, device)
    if vendor:
        raise err.usb_not_found(vendor, product)
    raise err.usb_not_found_by_bus(bus, device)


def acquire_usb(devs: NodeDevices, dom_name: str, live: DomainDef) -> list[UsbAddress]:
    """Check the domain's USB host devices; the addresses it is to hold (nothing is taken yet)."""
    taking: list[UsbAddress] = []
    found: list[tuple[HostdevSource, UsbDevCap]] = []
    for h in usb_hostdevs(live):
        cap = _find(devs, h)
        if cap is None:
            continue
        if (cap.bus, cap.device) in taking:
            raise err.usb_listed_twice(cap.bus, cap.device)
        taking.append((cap.bus, cap.device))
        found.append((h, cap))
    for bus, device in taking:
        holder = devs.usb_holders.get((bus, device))
        if holder is not None and holder != dom_name:
            raise err.usb_in_use(bus, device, holder)
    for h, cap in found:
        if not h.usb_bus:
            h.found_usb = (cap.bus, cap.device)
    return taking
