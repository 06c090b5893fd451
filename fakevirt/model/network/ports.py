"""Network ports (virNetworkPort*) and DHCP leases: what a running domain's interface holds."""

from __future__ import annotations

import ipaddress
import uuid as uuidlib
from collections.abc import Callable
from dataclasses import dataclass, field

from ..devices import RawElement

DEFAULT_LEASE_SECONDS = 3600  # dnsmasq's default lease time, which libvirt does not change
UNIT_SECONDS = {"seconds": 1, "minutes": 60, "hours": 3600}


@dataclass
class Port:
    """One virNetworkPortDef: the plug of one domain interface into a network."""

    uuid: uuidlib.UUID
    network: str
    owner_name: str
    owner_uuid: uuidlib.UUID
    mac: str
    plug_type: str  # none (a port created unplugged, before allocation), network, bridge, direct or hostdev-pci
    plug_dev: str  # the bridge, or the host NIC of a macvtap plug
    plug_mode: str | None = None  # macvtap mode (vepa, private, passthrough, bridge)
    group: str | None = None
    trust_guest_rx_filters: str | None = None
    bandwidth_inbound: dict[str, int] | None = None  # virNetworkPortSetParameters' inbound.* / outbound.*
    bandwidth_outbound: dict[str, int] | None = None
    class_id: int | None = None
    isolated: str | None = None  # <port isolated=…/>
    mac_table_manager: str | None = None  # of a network/bridge plug
    extra: list[RawElement] = field(default_factory=list)  # <virtualport>, <vlan> and a hostdev plug's <address>, kept
    pci: tuple[int, int, int, int] | None = None  # a hostdev plug's (domain, bus, slot, function)


@dataclass
class Lease:
    """One dnsmasq lease of a network (IPv4)."""

    mac: str
    ip: str
    expiry: int  # seconds since the epoch; 0: infinite
    hostname: str | None
    client_id: str | None

    @classmethod
    def for_mac(cls, mac: str, ip: str, now: int, lifetime: int | None, hostname: str | None) -> Lease:
        expiry = 0 if lifetime == 0 else now + (lifetime or DEFAULT_LEASE_SECONDS)
        return cls(mac, ip, expiry, hostname, f"01:{mac}")


class Leases(dict[str, Lease]):
    """A network's DHCP leases by MAC, with the set of leased IPv4 addresses kept in step, so the
    next free address is found without a walk over every lease. Change it only with ``[mac] = lease``
    and ``pop``."""

    def __init__(self) -> None:
        super().__init__()
        self.addresses: set[int] = set()

    def __setitem__(self, mac: str, lease: Lease) -> None:
        self.pop(mac, None)
        super().__setitem__(mac, lease)
        self.addresses.add(int(ipaddress.IPv4Address(lease.ip)))

    def __reduce__(self) -> tuple[Callable[[dict[str, Lease], set[int]], Leases], tuple[dict[str, Lease], set[int]]]:
        # pickled (saved host states): the leases and their addresses as they are (no address parsed again)
        return restore_leases, (dict(self), set(self.addresses))  # a copy.copy gets its own set too

    def pop(self, mac: str, default: Lease | None = None) -> Lease | None:  # type: ignore[override]
        lease = super().pop(mac, None)
        if lease is None:
            return default
        self.addresses.discard(int(ipaddress.IPv4Address(lease.ip)))
        return lease


def restore_leases(leases: dict[str, Lease], addresses: set[int]) -> Leases:
    """A pickled ``Leases`` back (its ``__reduce__``)."""
    out = Leases()
    dict.update(out, leases)
    out.addresses = addresses
    return out
