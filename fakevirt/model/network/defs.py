"""A network's definition (virNetworkDef) as plain data, and the helpers that read its addresses."""

from __future__ import annotations

import copy
import ipaddress
import re
import uuid as uuidlib
from dataclasses import dataclass, field

from ..device_parts import Bandwidth
from ..devices import RawElement

_MAC_RE = re.compile(r"^[0-9a-fA-F]{1,2}(:[0-9a-fA-F]{1,2}){5}$")


def parse_mac(text: str) -> str | None:
    """virMacAddrParse, formatted back as libvirt does (lower case, two digits); None if invalid."""
    if not _MAC_RE.match(text):
        return None
    return ":".join(f"{int(p, 16):02x}" for p in text.split(":"))


# virNetworkForwardType, in libvirt's order ("none" is a network without <forward>)
FORWARD_MODES = ("none", "nat", "route", "open", "bridge", "private", "vepa", "passthrough", "hostdev")
ROUTED_MODES = ("none", "nat", "route", "open")  # libvirt makes and configures the bridge itself
DIRECT_MODES = ("private", "vepa", "passthrough")  # macvtap


@dataclass
class LeaseTime:
    """<lease expiry='N' unit='…'/> of a DHCP range or host (expiry 0: infinite, no unit)."""

    expiry: int
    unit: str = "minutes"


@dataclass
class DhcpRange:
    start: str
    end: str
    lease: LeaseTime | None = None


@dataclass
class DhcpHost:
    mac: str | None = None
    id: str | None = None
    name: str | None = None
    ip: str | None = None
    lease: LeaseTime | None = None


@dataclass
class IPDef:
    """One <ip>: the bridge's address, with its DHCP ranges and static hosts."""

    address: str
    family: str | None = None
    netmask: str | None = None
    prefix: int = 0  # 0: not given
    local_ptr: str | None = None
    tftp_root: str | None = None
    ranges: list[DhcpRange] = field(default_factory=list)
    hosts: list[DhcpHost] = field(default_factory=list)
    bootp_file: str | None = None
    bootp_server: str | None = None

    @property
    def ip(self) -> ipaddress.IPv4Address | ipaddress.IPv6Address:
        return ipaddress.ip_address(self.address)

    @property
    def is_ipv4(self) -> bool:
        return self.ip.version == 4

    def effective_prefix(self) -> int:
        """virNetworkIPDefPrefix: the prefix, the netmask's length, or the classful default."""
        if self.netmask is not None:
            return ipaddress.IPv4Network(f"0.0.0.0/{self.netmask}").prefixlen
        if self.prefix:
            return self.prefix
        if not self.is_ipv4:
            return 64
        first = int(self.ip) >> 24
        return 8 if first < 128 else 16 if first < 192 else 24 if first < 224 else 0

    def network(self) -> ipaddress.IPv4Network | ipaddress.IPv6Network:
        return ipaddress.ip_network(f"{self.address}/{self.effective_prefix()}", strict=False)

    @property
    def has_dhcp(self) -> bool:
        return bool(self.ranges or self.hosts)


@dataclass
class DnsHost:
    ip: str
    hostnames: list[str] = field(default_factory=list)


@dataclass
class DnsTxt:
    name: str
    value: str


@dataclass
class DnsSrv:
    service: str | None = None
    protocol: str | None = None
    domain: str | None = None
    target: str | None = None
    port: int | None = None
    priority: int | None = None
    weight: int | None = None


@dataclass
class Dns:
    enable: str | None = None
    forward_plain_names: str | None = None
    forwarders: list[RawElement] = field(default_factory=list)
    txts: list[DnsTxt] = field(default_factory=list)
    hosts: list[DnsHost] = field(default_factory=list)
    srvs: list[DnsSrv] = field(default_factory=list)

    def empty(self) -> bool:
        return not (self.enable or self.forward_plain_names or self.forwarders or self.txts
                    or self.hosts or self.srvs)


@dataclass
class PortGroup:
    name: str
    default: bool = False
    trust_guest_rx_filters: str | None = None
    children: list[RawElement] = field(default_factory=list)  # vlan, virtualport (opaque)
    bandwidth: Bandwidth | None = None
    has_vlan: bool = False
    virtualport_type: str | None = None


@dataclass
class ForwardIf:
    """One <interface dev=…/> of the forward device pool, with its live connection count."""

    dev: str
    connections: int = 0


@dataclass
class Forward:
    mode: str = "none"
    dev: str | None = None  # <forward dev=…/> (kept as the first interface, as libvirt does)
    managed: bool = False
    interfaces: list[ForwardIf] = field(default_factory=list)
    pfs: list[str] = field(default_factory=list)
    addresses: list[RawElement] = field(default_factory=list)  # PCI <address>es (hostdev pools)
    driver_name: str | None = None
    nat: RawElement | None = None  # <nat> kept as given (addresses, ports, ipv6)


@dataclass
class NetworkDef:
    name: str
    uuid: uuidlib.UUID
    forward: Forward = field(default_factory=Forward)
    ipv6_nogw: bool = False
    trust_guest_rx_filters: str | None = None
    metadata: RawElement | None = None
    bridge: str | None = None
    bridge_zone: str | None = None
    stp: bool = True
    stp_given: bool = False  # libvirt refuses stp/delay outside the routed modes only when given
    delay: int = 0
    mac_table_manager: str | None = None
    mtu: int = 0
    mac: str | None = None
    domain: str | None = None
    domain_local_only: str | None = None
    dns: Dns = field(default_factory=Dns)
    vlan: RawElement | None = None
    bandwidth: Bandwidth | None = None
    port_isolated: str | None = None
    ips: list[IPDef] = field(default_factory=list)
    routes: list[RawElement] = field(default_factory=list)
    virtualport: RawElement | None = None
    virtualport_type: str | None = None
    portgroups: list[PortGroup] = field(default_factory=list)

    def copy(self) -> NetworkDef:
        return copy.deepcopy(self)

    def ipv4_dhcp(self) -> IPDef | None:
        """The IPv4 <ip> that serves DHCP (networkValidate allows one)."""
        return next((ip for ip in self.ips if ip.is_ipv4 and ip.has_dhcp), None)

    @property
    def routed(self) -> bool:
        return self.forward.mode in ROUTED_MODES
