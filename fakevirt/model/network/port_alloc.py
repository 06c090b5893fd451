"""Allocating network ports: networkAllocatePort (a new port gets its plug from the network),
networkNotifyPort (a reclaimed port keeps its plug) and virNetworkPortCreateXML on top of them.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from ...errors import network as err
from ..flags.network import NetworkPortCreateFlags as CreateFlags
from .defs import ROUTED_MODES, ForwardIf, NetworkDef, PortGroup
from .ports import Port

if TYPE_CHECKING:
    from .state import Network


def _portgroup(d: NetworkDef, name: str | None) -> PortGroup | None:
    """virPortGroupFindByName: the named group, or the default one when no name is given."""
    return next((p for p in d.portgroups if (p.name == name if name else p.default)), None)


def _has_floor(port: Port) -> bool:
    return bool(port.bandwidth_inbound and port.bandwidth_inbound.get("floor"))


class PortAlloc:
    """The plug of a port into a network (mixed into NetworkState through PortOps)."""

    def allocate(self, net: Network, port: Port) -> ForwardIf | None:
        """networkAllocatePort: fill the plug and the defaults in; returns the pool device it took."""
        if not net.active:
            raise err.not_active(net.name)
        d = net.current
        group = _portgroup(d, port.group)
        if port.trust_guest_rx_filters is None:
            port.trust_guest_rx_filters = (group.trust_guest_rx_filters if group is not None else None) \
                or d.trust_guest_rx_filters
        if port.isolated is None:
            port.isolated = d.port_isolated
        dev: ForwardIf | None = None
        if d.routed:
            port.plug_type, port.plug_dev, port.mac_table_manager = "network", d.bridge or "", d.mac_table_manager
        elif d.forward.mode == "bridge" and d.bridge:
            port.plug_type, port.plug_dev, port.mac_table_manager = "bridge", d.bridge, d.mac_table_manager
        else:
            dev = self._pool_device(net, d)
            mode = d.forward.mode if d.forward.mode in ("vepa", "private", "passthrough") else "bridge"
            port.plug_type, port.plug_dev, port.plug_mode = "direct", dev.dev if dev else (d.forward.pfs or [""])[0], mode
        if _has_floor(port):
            self.check_floor(net, port.mac)
        if dev is not None:
            dev.connections += 1
        return dev

    @staticmethod
    def check_floor(net: Network, mac: str) -> None:
        """networkCheckBandwidth: a floor needs a routed network with an inbound QoS to share."""
        d = net.current
        if d.forward.mode not in ROUTED_MODES:
            raise err.floor_unsupported(mac)
        if d.bandwidth is None or d.bandwidth.inbound is None:
            raise err.floor_no_qos(mac, net.name)

    @staticmethod
    def _pool_device(net: Network, d: NetworkDef) -> ForwardIf | None:
        pool = d.forward.interfaces
        if not pool:
            return None
        if d.forward.mode == "passthrough":  # needs a device of its own
            free = next((f for f in pool if f.connections == 0), None)
            if free is None:
                raise err.no_free_dev(net.name)
            return free
        return min(pool, key=lambda f: f.connections)

    @staticmethod
    def notify(net: Network, port: Port) -> None:
        """networkNotifyPort: a port plugged elsewhere before (RECLAIM) must match the network."""
        if not net.active:
            raise err.not_active(net.name)
        d = net.current
        if port.plug_type in ("network", "bridge") and not d.bridge:
            raise err.reclaim_no_bridge()
        if port.plug_type == "hostdev-pci":  # no network here has a PCI device pool
            raise err.reclaim_no_pci(net.name, *(port.pci or (0, 0, 0, 0)))
        if port.plug_type == "direct":
            dev = next((f for f in d.forward.interfaces if f.dev == port.plug_dev), None)
            if dev is None:
                raise err.reclaim_no_dev(net.name, port.plug_dev)
            if dev.connections and d.forward.mode == "passthrough":
                raise err.dev_claimed(net.name, port.plug_dev)
            dev.connections += 1

    def create_port(self, net: Network, port: Port, flags: int) -> Port:
        """networkPortCreateXML after the parse: the network must run, and RECLAIM goes with a plug."""
        if not net.active:
            raise err.not_active(net.name)
        reclaim = bool(flags & CreateFlags.RECLAIM)
        if (port.plug_type == "none") == reclaim:
            raise err.reclaim_mismatch(reclaim)
        if reclaim:
            self.notify(net, port)
        else:
            self.allocate(net, port)
        if port.uuid in net.ports:
            self.release_plug(net, port)
            raise err.port_exists(port.uuid)
        port.network = net.name
        net.ports[port.uuid] = port
        return port

    @staticmethod
    def release_plug(net: Network, port: Port) -> None:
        """The pool device's connection of a direct plug goes back."""
        for f in net.current.forward.interfaces:
            if port.plug_type == "direct" and f.dev == port.plug_dev and f.connections:
                f.connections -= 1
                return
