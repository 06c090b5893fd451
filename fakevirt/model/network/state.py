"""libvirt's network driver (bridge_driver.c, virnetworkobj.c) in memory: nothing on the host is touched.

A network keeps its persistent definition (``config``) and, while active, the definition it runs
with (``live``); ``define`` of an active network changes only ``config``, which applies at the
next start, as libvirt's newDef does.
"""

from __future__ import annotations

import ipaddress
import uuid as uuidlib
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from ...errors import network as err
from ..flags.network import (
    LIST_NETWORKS_ALL,
    ConnectListAllNetworksFlags,
    NetworkCreateFlags,
    NetworkDefineFlags,
    NetworkUpdateFlags,
)
from .attach import PortOps
from .defs import DhcpRange, Forward, IPDef, NetworkDef
from .events import NetworkEvent
from .events import NetworkEventLifecycleType as Lifecycle
from .ports import Leases, Port
from .update import ParseItem, apply
from .validate import check_route_collision, choose_bridge, validate

if TYPE_CHECKING:
    from ..hypervisor import Hypervisor

L = ConnectListAllNetworksFlags


@dataclass
class Network:
    """One network object (virNetworkObj)."""

    config: NetworkDef | None  # the persistent definition; None for a transient network
    live: NetworkDef | None = None
    autostart: bool = False
    ports: dict[uuidlib.UUID, Port] = field(default_factory=dict)
    leases: Leases = field(default_factory=Leases)  # by MAC

    @property
    def current(self) -> NetworkDef:
        d = self.live if self.live is not None else self.config
        assert d is not None
        return d

    @property
    def name(self) -> str:
        return self.current.name

    @property
    def uuid(self) -> uuidlib.UUID:
        return self.current.uuid

    @property
    def active(self) -> bool:
        return self.live is not None

    @property
    def persistent(self) -> bool:
        return self.config is not None

    def matches(self, flags: int) -> bool:
        """virNetworkObjMatch: every filter group given must match."""
        for yes, no, value in ((L.ACTIVE, L.INACTIVE, self.active), (L.PERSISTENT, L.TRANSIENT, self.persistent),
                               (L.AUTOSTART, L.NO_AUTOSTART, self.autostart)):
            if flags & (yes | no) and not ((flags & yes and value) or (flags & no and not value)):
                return False
        return True


class NetworkState(PortOps):
    """The network driver of one hypervisor (shared by every URI, as in a root libvirtd)."""

    def __init__(self, hv: Hypervisor, default_network: bool = False) -> None:
        self.hv = hv
        self.networks: dict[str, Network] = {}
        self.by_uuid_index: dict[uuidlib.UUID, Network] = {}
        self.taps: dict[str, tuple[str, uuidlib.UUID]] = {}  # host device of a running NIC -> (network, port)
        self.tap_owners: dict[str, uuidlib.UUID] = {}  # host device -> the domain that holds it
        host = hv.host
        assert host is not None
        address, prefix = host.nic_ipv4
        nic = ipaddress.ip_network(f"{address}/{prefix}", strict=False)
        # the host's IPv4 routes: (network address, prefix) -> interface; its NIC's and active routed networks'
        self.routes: dict[tuple[str, int], str] = {(str(nic.network_address), prefix): host.nic_name}
        if default_network:
            self.add_default()

    def add_default(self) -> Network:
        """Debian's 'default' network as the package installs it: defined, autostarted and running."""
        net = Network(config=default_network_def(self.hv.rng.uuid(), self.hv.rng.mac()), autostart=True)
        self._add(net)
        self._activate(net, net.current.copy())
        return net

    # -- lookups ---------------------------------------------------------------------------

    def __iter__(self) -> Iterator[Network]:
        return iter(list(self.networks.values()))

    def by_uuid(self, net_uuid: uuidlib.UUID, name: str | None = None) -> Network:
        net = self.by_uuid_index.get(net_uuid)
        if net is None:
            raise err.no_network_uuid(net_uuid, name)
        return net

    def list_all(self, flags: int) -> list[Network]:
        err.check_flags("networkConnectListAllNetworks", flags, LIST_NETWORKS_ALL)
        return [n for n in self.networks.values() if n.matches(flags)]

    def names(self, active: bool) -> list[str]:
        return [n.name for n in self.networks.values() if n.active == active]

    def xml_def(self, net: Network, inactive: bool) -> NetworkDef:
        """networkGetXMLDesc: INACTIVE shows the persistent definition of an active network."""
        if inactive and net.config is not None:
            return net.config
        return net.current

    def bridge_name(self, net: Network) -> str:
        if not net.current.bridge:
            raise err.no_bridge_name(net.name)
        return net.current.bridge

    # -- definition ------------------------------------------------------------------------

    def emit(self, net: Network, event: Lifecycle) -> None:
        self.hv.bus.publish(NetworkEvent(net.name, net.uuid, event))

    def _prepare(self, d: NetworkDef) -> None:
        """networkValidate: the bridge name and MAC the driver chooses, then its checks."""
        if d.routed:
            others = [x for n in self.networks.values() for x in (n.config, n.live) if x is not None]
            choose_bridge(d, others, self.host_devices())
            if d.mac is None:
                d.mac = self.hv.rng.mac()
        validate(d)

    def _assign(self, d: NetworkDef, live: bool) -> Network:
        """virNetworkObjAssignDef: same UUID must be the same name, a new UUID a new name."""
        existing = self.by_uuid_index.get(d.uuid)
        if existing is not None:
            if existing.name != d.name:
                raise err.uuid_taken(existing.name, existing.uuid)
            if live and existing.active:
                raise err.active_as(existing.name)
            return existing
        other = self.networks.get(d.name)
        if other is not None:
            raise err.name_taken(d.name, other.uuid)
        return Network(config=None)

    def _add(self, net: Network) -> None:
        self.networks[net.name] = net
        self.by_uuid_index[net.uuid] = net

    def _remove(self, net: Network) -> None:
        self.networks.pop(net.name, None)
        self.by_uuid_index.pop(net.uuid, None)

    @staticmethod
    def check_define_flags(flags: int) -> None:
        """Checked before the document is parsed."""
        err.check_flags("networkDefineXMLFlags", flags, NetworkDefineFlags.VALIDATE)

    @staticmethod
    def check_create_flags(flags: int) -> None:
        err.check_flags("networkCreateXMLFlags", flags, NetworkCreateFlags.VALIDATE)

    def define(self, d: NetworkDef, flags: int = 0) -> Network:
        """virNetworkDefineXMLFlags (an active network keeps running its live definition)."""
        self.check_define_flags(flags)
        self._prepare(d)
        net = self._assign(d, live=False)
        net.config = d
        self._add(net)
        self.emit(net, Lifecycle.DEFINED)
        return net

    def create(self, d: NetworkDef, flags: int = 0) -> Network:
        """virNetworkCreateXMLFlags: started at once; a new one is transient."""
        self.check_create_flags(flags)
        self._prepare(d)
        net = self._assign(d, live=True)
        new = net.config is None
        self._activate(net, d)
        if new:
            self._add(net)
        self.emit(net, Lifecycle.STARTED)
        return net

    def undefine(self, net: Network) -> None:
        if not net.persistent:
            raise err.undefine_transient()
        self.emit(net, Lifecycle.UNDEFINED)
        net.autostart = False
        if net.active:
            net.config = None
        else:
            self._remove(net)

    def set_autostart(self, net: Network, autostart: bool) -> None:
        if not net.persistent:
            raise err.autostart_transient()
        net.autostart = autostart

    def update(self, net: Network, command: int, section: int, parent_index: int, parse: ParseItem,
               flags: int) -> None:
        """virNetworkUpdate: CURRENT is LIVE on an active network, else CONFIG; both copies change or neither."""
        live_flag, config_flag = NetworkUpdateFlags.AFFECT_LIVE, NetworkUpdateFlags.AFFECT_CONFIG
        err.check_flags("networkUpdate", flags, live_flag | config_flag)
        if not flags & (live_flag | config_flag):
            flags |= live_flag if net.active else config_flag
        if flags & live_flag and not net.active:
            raise err.not_running()
        if flags & config_flag and not net.persistent:
            raise err.transient_config()
        live = config = None
        if flags & live_flag:
            live = net.current.copy()
            apply(live, command, section, parent_index, parse)
        if flags & config_flag:
            assert net.config is not None
            config = net.config.copy()
            apply(config, command, section, parent_index, parse)
        if live is not None:
            net.live = live
        if config is not None:
            net.config = config

    # -- lifecycle -------------------------------------------------------------------------

    def start(self, net: Network) -> None:
        """virNetworkCreate."""
        if net.active:
            raise err.already_active()
        assert net.config is not None
        self._activate(net, net.config.copy())
        self.emit(net, Lifecycle.STARTED)

    def _activate(self, net: Network, d: NetworkDef) -> None:
        if d.routed:
            check_route_collision(d, self.routes)
            self.routes.update(dict.fromkeys(_subnets(d), d.bridge or ""))
        net.live = d
        net.ports = {}
        net.leases = Leases()
        if d.routed and d.bridge:  # the driver makes the bridge (virbrN); it shows in iface-list and nodedevs
            self.hv.interfaces.add_bridge(d.bridge, d.mac or "52:54:00:00:00:00", stp=d.stp, delay=d.delay)

    def destroy(self, net: Network) -> None:
        if not net.active:
            raise err.not_active(net.name)
        for tap in [t for t, (name, _) in self.taps.items() if name == net.name]:
            self.taps[tap] = ("", uuidlib.UUID(int=0))  # the guest keeps its tap, unplugged
        if net.current.routed:
            for subnet in _subnets(net.current):
                self.routes.pop(subnet, None)
            if net.current.bridge:
                self.hv.interfaces.remove_bridge(net.current.bridge)  # with the taps still on it
        self.emit(net, Lifecycle.STOPPED)
        if not net.persistent:
            self._remove(net)
        net.live = None
        net.ports, net.leases = {}, Leases()

    # -- the host as the driver sees it ------------------------------------------------------

    def host_devices(self) -> set[str]:
        """Network devices that exist on the host: its NIC, lo, active bridges and guests' taps."""
        host = self.hv.host
        assert host is not None
        found = {"lo", host.nic_name, *self.taps}
        found.update(n.current.bridge or "" for n in self.networks.values() if n.active)
        return found


def _subnets(d: NetworkDef) -> list[tuple[str, int]]:
    """The IPv4 subnets a routed network puts in the host's routing table."""
    return [(str(ip.network().network_address), ip.effective_prefix()) for ip in d.ips if ip.is_ipv4]


def default_network_def(net_uuid: uuidlib.UUID, mac: str) -> NetworkDef:
    """/etc/libvirt/qemu/networks/default.xml as Debian installs it (libvirt-daemon-config-network)."""
    ip = IPDef("192.168.122.1", netmask="255.255.255.0", ranges=[DhcpRange("192.168.122.2", "192.168.122.254")])
    return NetworkDef("default", net_uuid, forward=Forward("nat"), bridge="virbr0", mac=mac, ips=[ip])
