"""Domains on networks: the network driver's part of qemuProcessStart/Stop (a ``HostResource``),
network ports (virNetworkPort*) and DHCP leases.

Every interface a domain starts with gets a host-side device: ``vnetN`` (a tap) for bridge plugs,
``macvtapN`` for direct ones, N the lowest free among running domains.  An interface of type
network also gets a network port and, when the network serves DHCP on IPv4, a lease: the address
of its MAC's <host> entry, or the first free address of the ranges.
"""

from __future__ import annotations

import ipaddress
import uuid as uuidlib
from typing import TYPE_CHECKING, Any

from ...errors import network as err
from ..domain_iftune import bandwidth
from ..flags.network import IPAddrType
from .defs import DhcpHost, IPDef, parse_mac
from .port_alloc import PortAlloc
from .ports import UNIT_SECONDS, Lease, Port

if TYPE_CHECKING:
    from ..devices import Interface
    from ..domain import Domain
    from ..domaindef import DomainDef
    from ..hypervisor import Hypervisor
    from .state import Network

PORT_BANDWIDTH = ("inbound.average", "inbound.peak", "inbound.floor", "inbound.burst",
                  "outbound.average", "outbound.peak", "outbound.burst")


class PortOps(PortAlloc):
    """Ports, leases and the HostResource of the network driver (mixed into NetworkState)."""

    hv: Hypervisor
    networks: dict[str, Network]
    taps: dict[str, tuple[str, uuidlib.UUID]]
    tap_owners: dict[str, uuidlib.UUID]

    def by_name(self, name: str) -> Network:
        net = self.networks.get(name)
        if net is None:
            raise err.no_network_name(name)
        return net

    # -- HostResource ------------------------------------------------------------------------

    def acquire(self, dom: Domain, live: DomainDef) -> None:
        """networkAllocatePort for each interface on a network, and a host device for every NIC."""
        taken: list[str] = []
        try:
            for iface in live.interfaces:
                tap = self.acquire_interface(dom, iface)
                if tap is not None:
                    taken.append(tap)
        except BaseException:
            for tap in taken:
                self.release_interface(dom, tap)
            raise

    def release(self, dom: Domain) -> None:
        for tap, owner in list(self.tap_owners.items()):
            if owner == dom.uuid:
                self.release_interface(dom, tap)

    def acquire_interface(self, dom: Domain, iface: Interface) -> str | None:
        """One NIC of a starting domain, or one hot-plugged into a running one: its port (and
        lease) on a network, and its host device; returns that device (None: the NIC has none)."""
        if iface.type not in ("network", "bridge", "direct", "ethernet"):
            return None
        net = port = None
        if iface.type in ("bridge", "direct") and self.hv.interfaces.get(iface.source or "") is None:
            raise err.no_bridge_device(iface.source or "") if iface.type == "bridge" else \
                err.no_link_device(iface.source or "")
        if iface.type == "network":
            net = self.by_name(iface.source or "")
            if not net.active:
                raise err.not_active(net.name)
            port = self._plug(net, dom, iface)
        direct = iface.type == "direct" or (port is not None and port.plug_type == "direct")
        if not iface.target_dev or iface.target_dev.startswith(("vnet", "macvtap")):
            iface.target_dev = self._free_device("macvtap" if direct else "vnet")
        if port is not None and net is not None:
            iface.source_attrs["portid"] = str(port.uuid)
            if port.plug_type == "network":
                iface.source_attrs["bridge"] = port.plug_dev
            self._lease(net, dom, iface)
        self.taps[iface.target_dev] = (net.name if net else "", port.uuid if port else uuidlib.UUID(int=0))
        self.tap_owners[iface.target_dev] = dom.uuid
        if port is not None and port.plug_type == "network":  # a tap on the network's own bridge
            # libvirt gives the tap the guest's MAC with 0xfe as its first byte
            self.hv.interfaces.attach_port(port.plug_dev, iface.target_dev, "fe" + (iface.mac or "")[2:])
        return iface.target_dev

    def release_interface(self, dom: Domain, tap: str) -> None:
        """Give back the host device ``tap`` of ``dom`` and its port and lease (stop or unplug)."""
        if self.tap_owners.get(tap) != dom.uuid:
            return
        net_name, port_uuid = self.taps[tap]
        net = self.networks.get(net_name)
        self._unplug(net, net.ports.get(port_uuid) if net is not None else None, tap)

    def _free_device(self, prefix: str) -> str:
        n = 0
        while f"{prefix}{n}" in self.taps:
            n += 1
        return f"{prefix}{n}"

    def _port_uuid(self, net: Network, iface: Interface) -> uuidlib.UUID:
        """A NIC that names its port keeps it (a daemon restart reconnecting a running domain)."""
        try:
            given = uuidlib.UUID(iface.source_attrs.get("portid", ""))
        except ValueError:
            return self.hv.rng.uuid()
        return given if given not in net.ports else self.hv.rng.uuid()

    def _plug(self, net: Network, dom: Domain, iface: Interface) -> Port:
        d = net.current
        group = iface.source_attrs.get("portgroup") or next((p.name for p in d.portgroups if p.default), None)
        port = Port(self._port_uuid(net, iface), net.name, dom.name, dom.uuid, iface.mac or "", "none", "",
                    group=group, trust_guest_rx_filters=iface.attrs.get("trustGuestRxFilters"))
        inbound, outbound = bandwidth(iface)  # the NIC's <bandwidth> is the port's (a floor is checked)
        port.bandwidth_inbound = {k: v for k, v in inbound.items() if v} if inbound else None
        port.bandwidth_outbound = {k: v for k, v in outbound.items() if v} if outbound else None
        self.allocate(net, port)
        net.ports[port.uuid] = port
        return port

    def _unplug(self, net: Network | None, port: Port | None, tap: str) -> None:
        self.taps.pop(tap, None)
        self.tap_owners.pop(tap, None)
        self.hv.interfaces.detach_port(tap)
        if net is None or port is None:
            return
        net.ports.pop(port.uuid, None)
        net.leases.pop(port.mac, None)
        self.release_plug(net, port)

    def _lease(self, net: Network, dom: Domain, iface: Interface) -> None:
        ipdef = net.current.ipv4_dhcp()
        if ipdef is None or not iface.mac:
            return
        host = next((h for h in ipdef.hosts if h.mac == iface.mac and h.ip), None)
        address = host.ip if host is not None else self._first_free(net, ipdef)
        if address is None:
            return  # the range is exhausted: dnsmasq answers nothing
        lease_time = (host.lease if host is not None and host.lease else None) or next(
            (r.lease for r in ipdef.ranges if r.lease is not None), None)
        lifetime = None if lease_time is None else lease_time.expiry * UNIT_SECONDS[lease_time.unit]
        # a <host> entry names the lease, else the name the guest sent with its request
        name = host.name if host is not None and host.name else (dom.guest.hostname or dom.name)
        assert address is not None
        net.leases[iface.mac] = Lease.for_mac(iface.mac, address, int(self.hv.clock.now()), lifetime, name)

    @staticmethod
    def _first_free(net: Network, ipdef: IPDef) -> str | None:
        """dnsmasq's choice, made deterministic: the lowest address of the ranges that no lease
        holds and no <host> entry reserves."""
        leased = net.leases.addresses
        reserved = {_ipv4_int(h.ip) for h in ipdef.hosts if isinstance(h, DhcpHost) and h.ip}
        reserved.add(_ipv4_int(ipdef.address))
        for r in ipdef.ranges:
            start, end = _ipv4_int(r.start), _ipv4_int(r.end)
            # one of the first len(leased) + len(reserved) + 1 addresses is free unless the range is full
            for candidate in range(start, min(end, start + len(leased) + len(reserved)) + 1):
                if candidate not in leased and candidate not in reserved:
                    return str(ipaddress.IPv4Address(candidate))
        return None

    # -- leases ----------------------------------------------------------------------------------

    def get_leases(self, net: Network, mac: str | None, flags: int) -> list[dict[str, Any]]:
        """networkGetDHCPLeases: a MAC given must parse (checked before anything else)."""
        err.check_flags("networkGetDHCPLeases", flags, 0)
        if mac is not None and parse_mac(mac) is None:
            raise err.invalid_mac(mac)
        return self.leases(net, mac)

    def leases(self, net: Network, mac: str | None) -> list[dict[str, Any]]:
        """The unexpired leases (of one MAC), as the RPC's fields."""
        if not net.active:
            return []
        now = int(self.hv.clock.now())
        d = net.current
        prefix = next((ip.effective_prefix() for ip in d.ips if ip.is_ipv4), 0)
        out = []
        if mac is None:
            candidates = list(net.leases.values())
        else:  # leases are kept by MAC: one look-up, not a walk over every lease
            wanted = parse_mac(mac)
            one = net.leases.get(wanted or "")
            candidates = [one] if one is not None and one.mac == wanted else []
        for lease in candidates:
            if 0 < lease.expiry < now:
                continue
            out.append({"iface": d.bridge or "", "expirytime": lease.expiry, "type": IPAddrType.IPV4,
                        "mac": lease.mac, "iaid": None, "ipaddr": lease.ip, "prefix": prefix,
                        "hostname": lease.hostname, "clientid": lease.client_id})
        return out

    def interface_leases(self, live: DomainDef) -> list[tuple[str, str, list[tuple[int, str, int]]]]:
        """virDomainNetDHCPInterfaces: (device, MAC, addresses) of each interface on a network with leases."""
        out = []
        for iface in live.interfaces:
            if iface.type != "network" or not iface.mac:
                continue
            found = self.leases(self.by_name(iface.source or ""), iface.mac)
            if found:
                out.append((iface.target_dev or "", iface.mac,
                            [(int(x["type"]), str(x["ipaddr"]), int(x["prefix"])) for x in found]))
        return out

    def interface_arp(self, live: DomainDef) -> list[tuple[str, str, list[tuple[int, str, int]]]]:
        """virDomainNetARPInterfaces: the host's ARP table knows each leased address (prefix 0)."""
        out = []
        for iface in live.interfaces:
            lease = self._lease_of(iface)
            if lease is not None:
                out.append((iface.target_dev or "", lease.mac, [(int(IPAddrType.IPV4), lease.ip, 0)]))
        return out

    def _lease_of(self, iface: Interface) -> Lease | None:
        """The lease the host's ARP table knows for this NIC: its own network's first, else any."""
        if not iface.mac:
            return None
        own = self.networks.get(iface.source or "") if iface.type == "network" else None
        if own is not None and iface.mac in own.leases:
            return own.leases[iface.mac]
        return next((n.leases[iface.mac] for n in self.networks.values() if iface.mac in n.leases), None)

    # -- ports -----------------------------------------------------------------------------------

    def _active_net(self, net: Network) -> Network:
        if not net.active:
            raise err.not_active(net.name)
        return net

    def list_ports(self, net: Network, flags: int) -> list[Port]:
        err.check_flags("networkListAllPorts", flags, 0)
        return list(self._active_net(net).ports.values())

    def port(self, net: Network, port_uuid: uuidlib.UUID) -> Port:
        found = net.ports.get(port_uuid)
        if found is None:
            raise err.no_port(port_uuid)
        return found

    def port_parameters(self, net: Network, port: Port, flags: int) -> list[tuple[str, int]]:
        err.check_flags("networkPortGetParameters", flags, 0)
        self._active_net(net)
        out: list[tuple[str, int]] = []
        for side, values in (("inbound", port.bandwidth_inbound), ("outbound", port.bandwidth_outbound)):
            if values is not None:
                out += [(k, values.get(k.split(".")[1], 0)) for k in PORT_BANDWIDTH if k.startswith(side)]
        return out

    def set_port_parameters(self, net: Network, port: Port, params: dict[str, int], flags: int) -> None:
        err.check_flags("networkPortSetParameters", flags, 0)
        self._active_net(net)
        inbound = {k.split(".")[1]: v for k, v in params.items() if k.startswith("inbound.")}
        outbound = {k.split(".")[1]: v for k, v in params.items() if k.startswith("outbound.")}
        port.bandwidth_inbound = inbound if inbound.get("average") or inbound.get("floor") else None
        port.bandwidth_outbound = outbound if outbound.get("average") else None

    def update_interface_bandwidth(self, iface: Interface, old_floor: int,
                                   inbound: dict[str, int] | None, outbound: dict[str, int] | None) -> None:
        """networkBandwidthUpdate: the new QoS of a running NIC on a network; a new floor must fit it."""
        net_name, port_uuid = self.taps.get(iface.target_dev or "", ("", None))
        net = self.networks.get(net_name)
        port = net.ports.get(port_uuid) if net is not None and port_uuid is not None else None
        if net is None or port is None:
            return
        new_floor = (inbound or {}).get("floor", 0)
        if new_floor and new_floor != old_floor:
            self.check_floor(net, port.mac)
        port.bandwidth_inbound, port.bandwidth_outbound = inbound, outbound

    def delete_port(self, net: Network, port: Port, flags: int) -> None:
        err.check_flags("networkPortDelete", flags, 0)
        self._active_net(net)
        tap = next((t for t, (_, p) in self.taps.items() if p == port.uuid), "")
        self._unplug(net, port, tap)


def _ipv4_int(text: str) -> int:
    return int(ipaddress.IPv4Address(text))
