"""USB ``<hostdev>``s at domain start: virHostdevPrepareUSBDevices (virhostdev.c) over the synthetic USB
devices, as virUSBDeviceSearch (virusb.c) finds them in sysfs.

A device is named by vendor/product, by bus/device, or both; a mandatory one must exist (a
``startupPolicy='optional'`` one may be missing: the domain starts without it). Found by vendor/product
only, its address is written into the live definition. One running domain holds each device.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from ...errors import nodedev as err
from ..devices import RawElement
from .caps import UsbDevCap

if TYPE_CHECKING:
    from ..domaindef import DomainDef
    from .state import NodeDevices

UsbAddress = tuple[int, int]  # (bus, device)


@dataclass(frozen=True)
class UsbHostdev:
    source: RawElement
    vendor: int
    product: int
    bus: int
    device: int
    required: bool


def _num(el: RawElement | None, attr: str) -> int:
    """strtoul with base 0, as virStrToLong_ui reads these numbers ('001' is octal 1)."""
    text = (el.get(attr) if el is not None else None) or "0"
    base = 16 if text[:2].lower() == "0x" else 8 if text.startswith("0") and len(text) > 1 else 10
    try:
        return int(text[2:] if base == 16 else text, base)
    except ValueError:
        return 0


def usb_hostdevs(live: DomainDef) -> list[UsbHostdev]:
    out: list[UsbHostdev] = []
    for dev in live.others:
        el: RawElement = dev.element
        if dev.tag != "hostdev" or el.get("mode", "subsystem") != "subsystem" or el.get("type") != "usb":
            continue
        source = el.find("source")
        if source is None:
            continue
        addr = source.find("address")
        out.append(UsbHostdev(source, _num(source.find("vendor"), "id"), _num(source.find("product"), "id"),
                              _num(addr, "bus"), _num(addr, "device"), el.get("startupPolicy") != "optional"))
    return out


def _devices(devs: NodeDevices) -> list[UsbDevCap]:
    return [c for d in devs.all() for c in d.caps if isinstance(c, UsbDevCap)]


def _find(devs: NodeDevices, h: UsbHostdev) -> UsbDevCap | None:
    """virHostdevFindUSBDevice: None for a missing optional device."""
    if not h.vendor and not h.bus:
        return None
    found = [c for c in _devices(devs)
             if (not h.vendor or (c.vendor, c.product) == (h.vendor, h.product))
             and (not h.bus or (c.bus, c.device) == (h.bus, h.device))]
    if len(found) > 1 and not h.bus:
        raise err.usb_multiple(h.vendor, h.product)
    if found or not h.required:
        return found[0] if found else None
    if h.vendor and h.bus:
        raise err.usb_not_found_at(h.vendor, h.product, h.bus, h.device)
    if h.vendor:
        raise err.usb_not_found(h.vendor, h.product)
    raise err.usb_not_found_by_bus(h.bus, h.device)


def acquire_usb(devs: NodeDevices, dom_name: str, live: DomainDef) -> list[UsbAddress]:
    """Check the domain's USB host devices; the addresses it is to hold (nothing is taken yet)."""
    taking: list[UsbAddress] = []
    found: list[tuple[UsbHostdev, UsbDevCap]] = []
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
        if not h.bus:
            h.source.children.append(RawElement("address", {"bus": str(cap.bus), "device": str(cap.device)}))
    return taking
