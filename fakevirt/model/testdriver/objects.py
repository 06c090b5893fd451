"""The test driver's secondary objects where they differ from the host drivers': networks without a
chosen bridge or MAC, interfaces that are only the node's, node devices without sysfs, stats with
only the state group.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING

from ...errors import ErrorDomain, check_flags
from ...errors import testdriver as err
from ..flags.interface import InterfaceDefineFlags
from ..flags.nodedev import ConnectListAllNodeDeviceFlags
from ..host import HostInfo
from ..interface import HostInterface, HostInterfaces
from ..network.defs import NetworkDef
from ..network.state import NetworkState
from ..nodedev import NodeDevices
from ..nodedev.tree import NodeDevice
from .node import NodeDefinition, NodeInterface

if TYPE_CHECKING:
    from ..hypervisor import Hypervisor

# testConnectListAllNodeDevices: virCheckFlags(VIR_CONNECT_LIST_NODE_DEVICES_FILTERS_CAP)
_CAP_FILTERS = sum(f for f in ConnectListAllNodeDeviceFlags
                   if f not in (ConnectListAllNodeDeviceFlags.INACTIVE, ConnectListAllNodeDeviceFlags.ACTIVE))


class TestNetworks(NetworkState):
    """testNetworkDefineXML / CreateXML: the definition as parsed, nothing chosen for it."""

    def _prepare(self, d: NetworkDef) -> None:
        pass


class TestInterfaces(HostInterfaces):
    """The node's interfaces only (bridges of its networks exist but are not listed)."""

    def __init__(self, host: HostInfo, node: NodeDefinition) -> None:
        super().__init__(host)
        for name in [i.name for i in super().__iter__()]:
            self._remove(name)
        self.listed_names = [i.name for i in node.interfaces]
        self.defs = {i.name: i for i in node.interfaces}
        self.backup: dict[str, NodeInterface] | None = None  # the definitions at virInterfaceChangeBegin
        for i in node.interfaces:
            self._add(HostInterface(i.name, i.mac or "00:00:00:00:00:00", mtu=i.mtu or 1500))

    def __iter__(self) -> Iterator[HostInterface]:
        return (i for i in super().__iter__() if i.name in self.listed_names)

    def by_name(self, name: str) -> HostInterface:
        iface = self.get(name)
        if iface is None or name not in self.defs:
            raise err.no_interface("name", name)
        return iface

    def by_mac(self, mac: str) -> HostInterface:
        found = [i for i in self if i.mac == mac]
        if not found:
            raise err.no_interface("mac", mac)
        if len(found) > 1:
            raise err.multiple_interfaces()
        return found[0]

    # -- testInterfaceDefineXML, Undefine, Create, Destroy and the change transaction ---------

    def define(self, iface: NodeInterface, flags: int) -> HostInterface:
        """A new interface is inactive; redefining one keeps its state."""
        check_flags("testInterfaceDefineXML", flags, InterfaceDefineFlags.DEFINE_VALIDATE, ErrorDomain.TEST)
        if iface.name not in self.defs:
            self.listed_names.append(iface.name)
            self._add(HostInterface(iface.name, iface.mac or "", mtu=iface.mtu or 1500, operstate="down"))
        self.defs[iface.name] = iface
        return self.by_name(iface.name)

    def undefine(self, name: str) -> None:
        """Even a running interface goes."""
        self.by_name(name)
        self.listed_names.remove(name)
        del self.defs[name]
        self._remove(name)

    def set_active(self, name: str, active: bool, flags: int) -> None:
        check_flags("testInterfaceCreate" if active else "testInterfaceDestroy", flags, 0, ErrorDomain.TEST)
        iface = self.by_name(name)
        if iface.active == active:
            raise err.operation_invalid_bare()
        iface.operstate = "up" if active else "down"

    def change_begin(self, flags: int) -> None:
        check_flags("testInterfaceChangeBegin", flags, 0, ErrorDomain.TEST)
        if self.backup is not None:
            raise err.operation_invalid("there is another transaction running.")
        self.backup = dict(self.defs)

    def change_commit(self, flags: int) -> None:
        check_flags("testInterfaceChangeCommit", flags, 0, ErrorDomain.TEST)
        if self.backup is None:
            raise err.operation_invalid("no transaction running, nothing to be committed.")
        self.backup = None

    def change_rollback(self, flags: int) -> None:
        """The interfaces as at ChangeBegin, every one inactive (the copy libvirt kept has no state)."""
        check_flags("testInterfaceChangeRollback", flags, 0, ErrorDomain.TEST)
        if self.backup is None:
            raise err.operation_invalid("no transaction running, nothing to rollback.")
        for name in list(self.defs):
            self.undefine(name)
        for iface in self.backup.values():
            self.define(iface, 0)
        self.backup = None

    def definition(self, name: str, flags: int) -> NodeInterface:
        """testInterfaceGetXMLDesc: the interface as the node defines it."""
        check_flags("testInterfaceGetXMLDesc", flags, 0, ErrorDomain.TEST)
        self.by_name(name)
        return self.defs[name]


class TestNodeDevices(NodeDevices):
    """The node's devices, as the node file gives them (no sysfs, no net devices behind them)."""

    def __init__(self, hv: Hypervisor, devices: list[NodeDevice]) -> None:
        super().__init__(hv.host or HostInfo(), hv.interfaces, hv.bus, hv.new_uuid)
        self._devs = {d.name: d for d in devices}
        self._net = {}

    def _net_changed(self, iface: HostInterface, appeared: bool) -> None:
        pass

    def list_all(self, flags: int) -> list[NodeDevice]:
        check_flags("testConnectListAllNodeDevices", flags, _CAP_FILTERS, ErrorDomain.TEST)
        return super().list_all(flags)
