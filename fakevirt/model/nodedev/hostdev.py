"""Domains' ``<hostdev>`` devices: what qemuHostdevPrepareDomainDevices checks and does at start
(virhostdev.c), and what stopping gives back.

PCI host devices: the host must offer VFIO; the device must exist and not be held by another running
domain; a managed one is bound to vfio-pci at start and given back to its driver at stop, an
unmanaged one must already be bound to vfio-pci (virsh nodedev-detach). Mediated devices
(``type='mdev'``) must exist and be active, and one domain holds each.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from ...errors import nodedev as err
from .caps import MdevCap, PciAddress
from .usbhostdev import acquire_usb

if TYPE_CHECKING:
    from ..domain import Domain
    from ..domaindef import DomainDef
    from .state import NodeDevices


@dataclass(frozen=True)
class PciHostdev:
    address: PciAddress
    managed: bool


def hostdev_sources(live: DomainDef) -> tuple[list[PciHostdev], list[str]]:
    """The PCI host devices and the mediated devices (by UUID) of a definition's <hostdev>s."""
    pcis: list[PciHostdev] = []
    mdevs: list[str] = []
    for dev in live.others:
        h = dev.hostdev
        if h is not None and h.pci is not None:
            pcis.append(PciHostdev(PciAddress(*h.pci), h.managed))
        elif h is not None and h.mdev_uuid:
            mdevs.append(h.mdev_uuid)
    return pcis, mdevs


mdev_not_found = err.mdev_not_found


mdev_in_use = err.mdev_in_use


def acquire(devs: NodeDevices, dom: Domain, live: DomainDef) -> None:
    """Check every host device first (nothing changes on a refusal), then take them."""
    pcis, mdevs = hostdev_sources(live)
    if pcis and not devs.host.iommu:
        raise err.no_pci_passthrough()
    for h in pcis:
        node = devs.pci_device(h.address)
        if node is None:
            raise err.pci_not_found(str(h.address))
        holder = devs.in_use.get(h.address)
        if holder is not None and holder != dom.name:
            raise err.pci_in_use(str(h.address), holder)
        if not h.managed and node.driver != "vfio-pci":
            raise err.unmanaged_not_detached(str(h.address))
    usb = acquire_usb(devs, dom.name, live)
    mdev_names = []
    for uuid in mdevs:
        node = next((d for d in devs.all() if d.active and any(isinstance(c, MdevCap) and c.uuid == uuid
                                                                for c in d.caps)), None)
        if node is None:
            raise mdev_not_found(uuid)
        holder = devs.mdev_holders.get(node.name)
        if holder is not None and holder != dom.name:
            raise mdev_in_use(uuid, holder)
        mdev_names.append(node.name)
    for h in pcis:
        devs.in_use[h.address] = dom.name
        node = devs.pci_device(h.address)
        if h.managed and node is not None and node.driver != "vfio-pci":
            devs.managed_held.add(h.address)
            devs.bind_stub(node)
    for name in mdev_names:
        devs.mdev_holders[name] = dom.name
    for addr in usb:
        devs.usb_holders[addr] = dom.name


def release(devs: NodeDevices, dom: Domain) -> None:
    """Give back what ``dom`` holds; managed PCI devices go back to their host driver."""
    for addr, holder in list(devs.in_use.items()):
        if holder == dom.name:
            del devs.in_use[addr]
            node = devs.pci_device(addr)
            if node is not None and addr in devs.managed_held:
                devs.managed_held.discard(addr)
                devs.unbind_stub(node)
    for name, holder in list(devs.mdev_holders.items()):
        if holder == dom.name:
            del devs.mdev_holders[name]
    for usb_addr, holder in list(devs.usb_holders.items()):
        if holder == dom.name:
            del devs.usb_holders[usb_addr]
