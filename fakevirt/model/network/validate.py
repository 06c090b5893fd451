"""networkValidate (bridge_driver.c): what the driver demands of a definition before it keeps it,
the bridge name it chooses, and the route-collision check at start."""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from ...errors import network as err
from .defs import DIRECT_MODES, NetworkDef

MAX_BRIDGE_ID = 256


def choose_bridge(d: NetworkDef, others: Iterable[NetworkDef], host_devices: Iterable[str]) -> None:
    """networkBridgeNameValidate: a given name must be free among the other networks; no name (or
    a template with %d) gets the first free ``virbrN`` that no network and no host device uses."""
    taken = {o.bridge for o in others if o.name != d.name and o.bridge}
    if d.bridge and "%d" not in d.bridge:
        if d.bridge in taken:
            raise err.bridge_in_use(d.bridge)
        return
    template = d.bridge if d.bridge and d.bridge.count("%") == 1 and "%d" in d.bridge else "virbr%d"
    taken |= set(host_devices)
    for n in range(MAX_BRIDGE_ID + 1):
        name = template.replace("%d", str(n))
        if name not in taken:
            d.bridge = name
            return
    raise err.internal(f"Bridge generation exceeded max id {MAX_BRIDGE_ID}")


def validate(d: NetworkDef) -> None:
    """The mode-dependent checks of networkValidate (after the bridge name and MAC are set)."""
    mode, name = d.forward.mode, d.name
    if "\n" in name:
        raise err.xml_error("invalid char in name: \n")
    if not d.routed:
        for present, what in ((d.mac, "<mac>"), (d.ips, "<ip>"), (d.dns.txts or d.dns.hosts or d.dns.srvs, "<dns>"),
                              (d.domain, "<domain>")):
            if present:
                raise err.unsupported(f"Unsupported {what} element in network {name} with forward mode='{mode}'")
    bandwidth_allowed = d.routed or (mode == "bridge" and d.bridge is not None)
    if d.bandwidth is not None and not bandwidth_allowed:
        raise err.unsupported(f"Unsupported network-wide <bandwidth> element in network {name} "
                              f"with forward mode='{mode}'")
    fwd = d.forward
    if mode == "hostdev" and fwd.interfaces:
        raise err.unsupported(f"hostdev network '{name}' lists '{fwd.interfaces[0].dev}' in the device pool, "
                              "but hostdev networks require all devices to be listed by PCI address, "
                              "not network device name")
    if fwd.addresses and mode != "hostdev":
        raise err.unsupported(f"network '{name}' has forward mode '{mode}'  but lists a device by PCI address "
                              "in the device pool. This is only supported for networks with forward mode 'hostdev'")
    if bool(fwd.pfs) + bool(fwd.interfaces) + bool(fwd.addresses) > 1:
        raise err.unsupported(f"<address>, <interface>, and <pf> elements of <forward> in network {name} "
                              "are mutually exclusive")
    for version, label in ((4, "IPv4"), (6, "IPv6")):
        if sum(1 for ip in d.ips if ip.ip.version == version and ip.has_dhcp) > 1:
            raise err.unsupported(f"Multiple {label} dhcp sections found -- dhcp is supported only for a "
                                  f"single {label} address on each network")
    _validate_portgroups(d, bandwidth_allowed)
    if d.vlan is not None and not _vlan_allowed(d, d.virtualport_type):
        raise err.vlan_unsupported(d.name)


def _vlan_allowed(d: NetworkDef, virtualport_type: str | None) -> bool:
    """Transparent VLANs need an SR-IOV pool or an Open vSwitch bridge (networkValidate)."""
    mode = d.forward.mode
    return mode in ("hostdev", "passthrough") or (mode == "bridge" and virtualport_type == "openvswitch")


def _validate_portgroups(d: NetworkDef, bandwidth_allowed: bool) -> None:
    default = None
    seen: set[str] = set()
    for pg in d.portgroups:
        if pg.default:
            if default is not None:
                raise err.unsupported(f"network '{d.name}' has multiple default <portgroup> elements "
                                      f"({default} and {pg.name}), but only one default is allowed")
            default = pg.name
        if pg.name in seen:
            raise err.unsupported(f"multiple <portgroup> elements with the same name ({pg.name}) "
                                  f"in network '{d.name}'")
        seen.add(pg.name)
        if (d.vlan is not None or pg.has_vlan) and not _vlan_allowed(d, pg.virtualport_type or d.virtualport_type):
            raise err.vlan_unsupported(d.name)
        if pg.bandwidth is not None and not bandwidth_allowed:
            raise err.unsupported(f"Unsupported <bandwidth> element in network '{d.name}' in portgroup "
                                  f"'{pg.name}' with forward mode='{d.forward.mode}'")


def check_route_collision(d: NetworkDef, routes: Mapping[tuple[str, int], str]) -> None:
    """networkCheckRouteCollision: an IPv4 subnet the host already routes (same network, same mask)
    through another interface. ``routes`` maps (network address, prefix) to the interface."""
    for ip in d.ips:
        if not ip.is_ipv4:
            continue
        net = ip.network()
        iface = routes.get((str(net.network_address), net.prefixlen))
        if iface is not None:
            raise err.in_use_by(iface)


def uses_direct(d: NetworkDef) -> bool:
    """A macvtap network: guests plug into a host NIC, not a bridge."""
    return d.forward.mode in DIRECT_MODES or (d.forward.mode == "bridge" and d.bridge is None)
