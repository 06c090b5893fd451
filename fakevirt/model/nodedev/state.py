"""The node device driver (udev backend, with mdevctl for mediated devices) and the QEMU driver's
node device calls (detach, reattach, reset), over the synthetic device tree."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from typing import TYPE_CHECKING

from ...errors import ErrorCode, ErrorDomain, VirtError
from ...errors import nodedev as err
from ..events import EventBus
from ..flags.nodedev import CAP_FILTER_NAMES, ConnectListAllNodeDeviceFlags
from ..host import HostInfo
from ..interface import HostInterface, HostInterfaces
from . import hostdev
from .caps import MdevCap, PciAddress, PciCap, ScsiHostCap, cap_names
from .events import NodeDeviceEvent, NodeDeviceEventLifecycleType
from .tree import NodeDevice, build_tree, net_device

if TYPE_CHECKING:
    from ..domain import Domain
    from ..domaindef import DomainDef

LIST_ALL_FLAGS = sum(ConnectListAllNodeDeviceFlags)
VFIO = "vfio-pci"


class NodeDevices:
    """Every node device of the host; net devices follow the host's interfaces."""

    def __init__(self, host: HostInfo, interfaces: HostInterfaces, bus: EventBus,
                 new_uuid: Callable[[], str]) -> None:
        self.host = host
        self.bus = bus
        self._new_uuid = new_uuid
        self._devs = {d.name: d for d in build_tree(host)}
        self._net = {i.name: net_device(i, host) for i in interfaces}
        interfaces.on_change.append(self._net_changed)
        self.in_use: dict[PciAddress, str] = {}  # PCI devices running domains hold -> domain name
        self.mdev_holders: dict[str, str] = {}  # mediated devices running domains hold -> domain name
        self.usb_holders: dict[tuple[int, int], str] = {}  # USB (bus, device) running domains hold -> domain name
        self.managed_held: set[PciAddress] = set()  # bound to vfio-pci by a domain's start (managed='yes')

    def _net_changed(self, iface: HostInterface, appeared: bool) -> None:
        dev = net_device(iface, self.host)
        if appeared:
            self._net[iface.name] = dev
        else:
            self._net.pop(iface.name, None)
        event = NodeDeviceEventLifecycleType.CREATED if appeared else NodeDeviceEventLifecycleType.DELETED
        self.bus.publish(NodeDeviceEvent.lifecycle(dev.name, event))

    # --- lookups and lists ---------------------------------------------------------------------

    def all(self) -> list[NodeDevice]:
        return [*self._devs.values(), *self._net.values()]

    def get(self, name: str) -> NodeDevice:
        dev = self._devs.get(name) or next((d for d in self._net.values() if d.name == name), None)
        if dev is None:
            raise err.no_device(name)
        return dev

    def pci_device(self, addr: PciAddress) -> NodeDevice | None:
        return self._devs.get(addr.node_name)

    def names(self, cap: str | None, flags: int) -> list[str]:
        """virNodeListDevices / virNodeNumOfDevices: active devices, optionally with one capability."""
        err.check_flags("nodeListDevices", flags, 0)
        return [d.name for d in self.all() if d.active and (cap is None or cap in _all_caps(d))]

    def count(self, cap: str | None, flags: int) -> int:
        err.check_flags("nodeNumOfDevices", flags, 0)
        return len([d for d in self.all() if d.active and (cap is None or cap in _all_caps(d))])

    def list_all(self, flags: int) -> list[NodeDevice]:
        err.check_flags("nodeConnectListAllNodeDevices", flags, LIST_ALL_FLAGS)
        wanted = {name for bit, name in CAP_FILTER_NAMES.items() if flags & bit}
        active = bool(flags & ConnectListAllNodeDeviceFlags.ACTIVE)
        inactive = bool(flags & ConnectListAllNodeDeviceFlags.INACTIVE)
        return [d for d in self.all()
                if (not wanted or wanted & set(_all_caps(d)))
                and (active == inactive or d.active == active)]

    def parent(self, name: str) -> str:
        dev = self.get(name)
        if dev.parent is None:
            raise err.no_parent()
        return dev.parent

    def caps(self, name: str) -> list[str]:
        return _all_caps(self.get(name))

    def describe(self, name: str, flags: int) -> NodeDevice:
        """The device as its XML shows it: a parent of mediated devices with its free instances."""
        err.check_flags("nodeDeviceGetXMLDesc", flags, 0)
        dev = self.get(name)
        pci = dev.pci
        if pci is None or not pci.mdev_types:
            return dev
        types = tuple(replace(t, max_instances=self.available(dev, t.id)) for t in pci.mdev_types)
        return replace(dev, caps=[replace(pci, mdev_types=types) if c is pci else c for c in dev.caps])

    def scsi_host_by_wwn(self, wwnn: str, wwpn: str, flags: int) -> NodeDevice:
        err.check_flags("nodeDeviceLookupSCSIHostByWWN", flags, 0)
        for d in self.all():
            if any(isinstance(c, ScsiHostCap) and c.wwnn == wwnn and c.wwpn == wwpn for c in d.caps):
                return d
        raise VirtError.cause_unknown()

    # --- the QEMU driver: detach, reattach, reset -------------------------------------------------

    def _pci_of(self, name: str) -> tuple[NodeDevice, PciCap]:
        dev = self.get(name)
        pci = dev.pci
        if pci is None:
            raise err.not_pci(name)
        return dev, pci

    def _check_unused(self, pci: PciCap) -> None:
        holder = self.in_use.get(pci.address)
        if holder is not None:
            raise err.pci_in_use(str(pci.address), holder)

    def detach(self, name: str, driver_name: str | None, flags: int) -> None:
        """qemuNodeDeviceDetachFlags: bind the device to vfio-pci."""
        err.check_flags("qemuNodeDeviceDetachFlags", flags, 0, ErrorDomain.QEMU)
        stub = driver_name or "vfio"
        if stub not in ("vfio", "kvm"):
            raise err.unknown_stub(stub)
        if stub == "kvm":
            raise err.kvm_assignment()
        if not self.host.iommu:
            raise err.no_vfio()
        dev, pci = self._pci_of(name)
        self._check_unused(pci)
        self.bind_stub(dev)

    def reattach(self, name: str) -> None:
        """qemuNodeDeviceReAttach: give the device back to its host driver."""
        dev, pci = self._pci_of(name)
        self._check_unused(pci)
        self.unbind_stub(dev)

    def reset(self, name: str) -> None:
        dev, pci = self._pci_of(name)
        if not pci.endpoint:
            raise err.reset_non_endpoint(str(pci.address))
        if pci.address in self.in_use:
            raise err.not_resetting_active(str(pci.address))

    def bind_stub(self, dev: NodeDevice) -> None:
        if dev.driver != VFIO:
            dev.original_driver, dev.driver = dev.driver, VFIO
            self.bus.publish(NodeDeviceEvent.update(dev.name))

    def unbind_stub(self, dev: NodeDevice) -> None:
        if dev.driver == VFIO:
            dev.driver, dev.original_driver = dev.original_driver, None
            self.bus.publish(NodeDeviceEvent.update(dev.name))

    # --- mediated devices (mdevctl) ---------------------------------------------------------------

    def _mdev_parent(self, parent: str | None, type_id: str, action: str) -> tuple[NodeDevice, PciCap]:
        """nodeDeviceDefValidateMdev, then what mdevctl checks: the parent offers the type."""
        if parent is None:
            raise err.missing_parent()
        dev = self._devs.get(parent) or next((d for d in self._net.values() if d.name == parent), None)
        if dev is None:
            raise err.invalid_parent(parent)
        pci = dev.pci
        if pci is None:
            raise err.parent_without_address(parent)
        mtype = next((t for t in pci.mdev_types if t.id == type_id), None)
        if mtype is None:
            raise err.mdevctl_failed(action, f"Parent {pci.address} is not currently registered for mdev support")
        if action != "define" and self.available(dev, type_id) < 1:
            raise err.mdevctl_failed(action, f"No available instances of {type_id} on {pci.address}")
        return dev, pci

    def available(self, parent: NodeDevice, type_id: str) -> int:
        """A type's free instances: its maximum less the active mdevs of that type on the parent."""
        pci = parent.pci
        assert pci is not None
        total = next(t.max_instances for t in pci.mdev_types if t.id == type_id)
        used = sum(1 for d in self._devs.values() if d.active and d.parent == parent.name
                   and any(isinstance(c, MdevCap) and c.type_id == type_id for c in d.caps))
        return total - used

    def _new_mdev(self, parent: str | None, type_id: str, uuid: str | None, action: str,
                  attrs: tuple[tuple[str, str], ...]) -> NodeDevice:
        pdev, pci = self._mdev_parent(parent, type_id, action)
        uuid = uuid or self._new_uuid()
        addr = str(pci.address)
        name = f"mdev_{uuid.replace('-', '_')}_{addr.replace(':', '_').replace('.', '_')}"
        if name in self._devs:
            raise err.mdevctl_failed(action, f"Device {uuid} already exists")
        cap = MdevCap(type_id, uuid, addr, pci.iommu_group if pci.iommu_group is not None else 0, attrs)
        return NodeDevice(name, f"{pdev.path}/{uuid}", pdev.name, [cap], driver="vfio_mdev", persistent=False,
                          autostart=False)

    def create_xml(self, parent: str | None, type_id: str, uuid: str | None,
                   attrs: tuple[tuple[str, str], ...], flags: int) -> NodeDevice:
        """nodeDeviceCreateXML for an mdev: a transient, started mediated device."""
        err.check_flags("nodeDeviceCreateXML", flags, 0)
        dev = self._new_mdev(parent, type_id, uuid, "create", attrs)
        self._devs[dev.name] = dev
        self.bus.publish(NodeDeviceEvent.lifecycle(dev.name, NodeDeviceEventLifecycleType.CREATED))
        return dev

    def define_xml(self, parent: str | None, type_id: str, uuid: str | None,
                   attrs: tuple[tuple[str, str], ...], flags: int) -> NodeDevice:
        err.check_flags("nodeDeviceDefineXML", flags, 0)
        dev = replace(self._new_mdev(parent, type_id, uuid, "define", attrs), active=False, persistent=True)
        self._devs[dev.name] = dev
        self.bus.publish(NodeDeviceEvent.lifecycle(dev.name, NodeDeviceEventLifecycleType.DEFINED))
        return dev

    def _mdev(self, name: str, code: int) -> tuple[NodeDevice, MdevCap]:
        dev = self.get(name)
        cap = next((c for c in dev.caps if isinstance(c, MdevCap)), None)
        if cap is None:
            raise err.unsupported_type(code)
        return dev, cap

    def start(self, name: str, flags: int) -> None:
        """nodeDeviceCreate: start a defined mediated device."""
        err.check_flags("nodeDeviceCreate", flags, 0)
        dev = self.get(name)
        if dev.active:
            raise err.already_active()
        dev, cap = self._mdev(name, ErrorCode.CONFIG_UNSUPPORTED)
        assert dev.parent is not None
        if self.available(self.get(dev.parent), cap.type_id) < 1:
            raise err.mdevctl_failed("start", f"No available instances of {cap.type_id} on {cap.parent_addr}")
        dev.active = True
        self.bus.publish(NodeDeviceEvent.lifecycle(name, NodeDeviceEventLifecycleType.CREATED))

    def destroy(self, name: str) -> None:
        """nodeDeviceDestroy: stop a mediated device (a transient one is gone)."""
        dev, _cap = self._mdev(name, ErrorCode.CONFIG_UNSUPPORTED)
        if not dev.active:
            raise err.not_active(name)
        if name in self.mdev_holders:
            raise err.device_in_use(name)
        if dev.persistent:
            dev.active = False
        else:
            del self._devs[name]
        self.bus.publish(NodeDeviceEvent.lifecycle(name, NodeDeviceEventLifecycleType.DELETED))

    def undefine(self, name: str, flags: int) -> None:
        err.check_flags("nodeDeviceUndefine", flags, 0)
        dev, _cap = self._mdev(name, ErrorCode.CONFIG_UNSUPPORTED)
        if not dev.persistent:
            raise err.not_defined(name)
        dev.persistent = dev.autostart = False
        if not dev.active:
            del self._devs[name]
        self.bus.publish(NodeDeviceEvent.lifecycle(name, NodeDeviceEventLifecycleType.UNDEFINED))

    def set_autostart(self, name: str, autostart: bool) -> None:
        dev, _cap = self._mdev(name, ErrorCode.OPERATION_UNSUPPORTED)
        if not dev.persistent:
            raise err.transient_autostart()
        dev.autostart = autostart

    def autostart(self, name: str) -> bool:
        return self.get(name).autostart

    # --- HostResource: domains' <hostdev>s ----------------------------------------------------------

    def acquire(self, dom: Domain, live: DomainDef) -> None:
        hostdev.acquire(self, dom, live)

    def release(self, dom: Domain) -> None:
        hostdev.release(self, dom)

    def is_persistent(self, name: str) -> bool:
        return self.get(name).persistent


def _all_caps(dev: NodeDevice) -> list[str]:
    return [n for c in dev.caps for n in cap_names(c)]
