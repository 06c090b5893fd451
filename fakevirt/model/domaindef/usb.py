"""USB port assignment (qemuDomainAssignUSBAddresses, virDomainUSBAddress* in domain_addr.c).

Every USB device without a port gets the first free one, breadth first: the root ports of a
controller, then the ports of the hubs plugged into it.  When there are more devices than ports,
libvirt first adds as many 8-port ``<hub type='usb'>`` devices as it takes.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from ...errors import domain as errors
from ..devices import Address, Device, GenericDevice
from .definition import DomainDef

HUB_PORTS = 8
MAX_DEPTH = 5
_CONTROLLER_PORTS = {None: 2, "piix3-uhci": 2, "piix4-uhci": 2, "vt82c686b-uhci": 2, "ehci": 6,
                     "ich9-ehci1": 6, "pci-ohci": 3, "nec-xhci": 4, "qemu-xhci": 4}


@dataclass
class Hub:
    """A USB bus or hub: its ports, which are taken, and the hubs plugged into them."""

    nports: int
    used: set[int] = field(default_factory=set)
    hubs: dict[int, Hub] = field(default_factory=dict)

    def free(self, depth: int = 0) -> list[int] | None:
        """virDomainUSBAddressFindFreePort: a path of port numbers to a free port."""
        for port in range(1, self.nports + 1):
            if port not in self.used:
                return [port]
        if depth >= MAX_DEPTH - 1:
            return None
        for port in sorted(self.hubs):
            sub = self.hubs[port].free(depth + 1)
            if sub is not None:
                return [port, *sub]
        return None

    def at(self, path: list[int]) -> Hub | None:
        hub: Hub | None = self
        for port in path:
            hub = hub.hubs.get(port) if hub is not None else None
        return hub


def usb_devices(d: DomainDef) -> list[Device]:
    """virDomainUSBDeviceDefForeach order: hubs, host devices, disks, inputs, serials, sounds, redirs."""
    out: list[Device] = [g for g in d.others if g.tag == "hub" and g.type == "usb"]
    out += [g for g in d.others if g.tag == "hostdev" and g.type == "usb"]
    out += [disk for disk in d.disks if disk.target_bus == "usb"]
    out += [i for i in d.inputs if i.bus == "usb"]
    out += [s for s in d.serials if s.target_type == "usb-serial"]
    out += [s for s in d.sounds if s.model == "usb"]
    out += [r for r in d.redirdevs if r.bus == "usb"]
    return out


def _ports(dev: Device) -> list[int] | None:
    a = dev.address
    if a is None or a.type != "usb" or not a.fields.get("port"):
        return None
    return [int(p) for p in str(a.fields["port"]).split(".")]


def assign_usb_addresses(d: DomainDef) -> None:
    buses: dict[int, Hub] = {}
    for c in d.controllers:
        if c.type == "usb" and c.model != "none":
            n = c.attrs.get("ports")
            buses[c.index or 0] = Hub(int(n) if n and n.isdigit() else _CONTROLLER_PORTS.get(c.model, 0))
    devices = usb_devices(d)
    if devices and not buses and any(c.type == "usb" and c.model == "none" for c in d.controllers):
        raise errors.config_unsupported("USB is disabled for this domain, but USB devices are present in the domain XML")
    available = sum(b.nports for b in buses.values()) + HUB_PORTS * sum(
        1 for dev in devices if isinstance(dev, GenericDevice) and dev.tag == "hub")
    if len(devices) > available:
        for _ in range(-(-(len(devices) - available + 1) // (HUB_PORTS - 1))):
            hub = GenericDevice(tag="hub", type="usb")
            d.others.append(hub)
            devices.insert(0, hub)
    for dev in devices:  # reserve what the configuration already says
        path = _ports(dev)
        if path is not None and dev.address is not None:
            parent = buses.get(dev.address.num("bus"))
            parent = parent.at(path[:-1]) if parent is not None else None
            if parent is not None:
                parent.used.add(path[-1])
                if isinstance(dev, GenericDevice) and dev.tag == "hub":
                    parent.hubs[path[-1]] = Hub(HUB_PORTS)
    for dev in sorted(devices, key=lambda x: not (isinstance(x, GenericDevice) and x.tag == "hub")):
        if _ports(dev) is not None:
            continue
        want = dev.address.num("bus") if dev.address is not None and "bus" in dev.address.fields else None
        for bus, root in sorted(buses.items()):
            if want is not None and bus != want:
                continue
            path = root.free()
            if path is None:
                continue
            parent = root.at(path[:-1])
            assert parent is not None
            parent.used.add(path[-1])
            if isinstance(dev, GenericDevice) and dev.tag == "hub":
                parent.hubs[path[-1]] = Hub(HUB_PORTS)
            dev.address = Address("usb", {"bus": bus, "port": ".".join(map(str, path))})
            break
        else:
            if buses:
                raise errors.conf_internal("No free USB ports")
