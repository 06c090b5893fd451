"""virNetworkUpdate's section editors (virNetworkDefUpdate* in network_conf.c) over parsed elements.

Each editor takes the definition to change, the command, the parent <ip> index and the element
already parsed by the xml layer (``parse``: a callable of the section's element parser, given the
<ip> it belongs to where that matters), and changes the definition in place or raises.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from ...errors import VirtError
from ...errors import network as err
from ..flags.network import NetworkUpdateCommand as Cmd
from ..flags.network import NetworkUpdateSection as Section
from .defs import DhcpHost, DhcpRange, DnsHost, DnsSrv, DnsTxt, ForwardIf, IPDef, NetworkDef, PortGroup

Parse = Callable[..., Any]  # (network name, [ipdef,] element[, partial]) -> section item

# the tag each section's element must have
SECTION_TAGS = {Section.IP_DHCP_HOST: "host", Section.IP_DHCP_RANGE: "range", Section.DNS_HOST: "host",
                Section.DNS_TXT: "txt", Section.DNS_SRV: "srv", Section.PORTGROUP: "portgroup",
                Section.FORWARD_INTERFACE: "interface"}
NO_SUPPORT = {Section.BRIDGE: "bridge", Section.DOMAIN: "domain", Section.IP: "ip", Section.FORWARD: "forward",
              Section.FORWARD_PF: "forward pf"}


_unsupported_op = err.update_unsupported


def no_support(d: NetworkDef, section: int) -> VirtError:
    if section in NO_SUPPORT:
        return _unsupported_op(f"can't update '{NO_SUPPORT[Section(section)]}' section of network '{d.name}'")
    return _unsupported_op("can't update unrecognized section of network")


def unknown_command(command: int) -> VirtError:
    return _unsupported_op(f"unrecognized network update command code {command}")


def _insert(items: list[Any], command: int, item: Any) -> None:
    items.insert(0 if command == Cmd.ADD_FIRST else len(items), item)


def _is_add(command: int) -> bool:
    return command in (Cmd.ADD_FIRST, Cmd.ADD_LAST)


def ip_by_index(d: NetworkDef, parent_index: int) -> IPDef:
    """virNetworkIPDefByIndex: the <ip> at the index, or (-1) the one with DHCP, else the first."""
    if parent_index >= 0:
        if parent_index >= len(d.ips):
            raise err.invalid(f"couldn't update dhcp host entry - no <ip> element found at index {parent_index} "
                              f"in network '{d.name}'")
        return d.ips[parent_index]
    found = next((ip for ip in d.ips if ip.has_dhcp), None)
    found = found or next((ip for ip in d.ips if ip.is_ipv4), None) or next(iter(d.ips), None)
    if found is None:
        raise err.invalid(f"couldn't update dhcp host entry - no <ip> element found in network '{d.name}'")
    return found


def _check_multi_dhcp(d: NetworkDef, ipdef: IPDef) -> None:
    if any(ip is not ipdef and ip.ip.version == ipdef.ip.version and ip.has_dhcp for ip in d.ips):
        label = "IPv4" if ipdef.is_ipv4 else "IPv6"
        raise err.invalid(f"dhcp is supported only for a single {label} address on each network")


def dhcp_host(d: NetworkDef, command: int, ipdef: IPDef, host: DhcpHost) -> None:
    def same(h: DhcpHost) -> bool:
        return bool((host.mac and h.mac and host.mac == h.mac) or (host.ip and host.ip == h.ip)
                    or (host.name and host.name == h.name))

    if command != Cmd.DELETE and host.ip is not None and ipdef.ip.version != (6 if ":" in host.ip else 4):
        raise err.invalid("the address family of a host entry IP must match the address family of the dhcp "
                          "element's parent")
    name = host.name if host.name is not None else "(null)"  # printf of a NULL string
    described = f"\"mac='{host.mac or 'unknown'}'\" \"name='{name}'\" \"ip='{host.ip or 'unknown'}'\""
    if command == Cmd.MODIFY:
        pos = next((i for i, h in enumerate(ipdef.hosts) if same(h)), None)
        if pos is None:
            raise err.invalid(f"couldn't locate an existing dhcp host entry with {described} in network '{d.name}'")
        ipdef.hosts[pos] = host
    elif _is_add(command):
        _check_multi_dhcp(d, ipdef)
        if any(same(h) for h in ipdef.hosts):
            raise err.invalid(f"there is an existing dhcp host entry in network '{d.name}' that matches "
                              f"\"<host mac='{host.mac or 'unknown'}' name='{name}' "
                              f"ip='{host.ip or 'unknown'}'/>\"")
        _insert(ipdef.hosts, command, host)
    elif command == Cmd.DELETE:
        pos = next((i for i, h in enumerate(ipdef.hosts)
                    if (not host.mac or not h.mac or host.mac == h.mac) and (not host.name or host.name == h.name)
                    and (not host.ip or host.ip == h.ip)), None)
        if pos is None:
            raise err.invalid(f"couldn't locate a matching dhcp host entry in network '{d.name}'")
        del ipdef.hosts[pos]
    else:
        raise unknown_command(command)


def dhcp_range(d: NetworkDef, command: int, ipdef: IPDef, rng: DhcpRange) -> None:
    pos = next((i for i, r in enumerate(ipdef.ranges) if (r.start, r.end) == (rng.start, rng.end)), None)
    if _is_add(command):
        _check_multi_dhcp(d, ipdef)
        if pos is not None:
            raise err.invalid(f"there is an existing dhcp range entry in network '{d.name}' that matches "
                              f"\"<range start='{rng.start}' end='{rng.end}'/>\"")
        _insert(ipdef.ranges, command, rng)
    elif command == Cmd.DELETE:
        if pos is None:
            raise err.invalid(f"couldn't locate a matching dhcp range entry in network '{d.name}'")
        del ipdef.ranges[pos]
    else:
        raise unknown_command(command)


def check_modifiable(section: int, command: int) -> None:
    """The sections whose entries can only be added or deleted refuse MODIFY before parsing."""
    what = {Section.IP_DHCP_RANGE: "dhcp ranges", Section.FORWARD_INTERFACE: "forward interface entries",
            Section.DNS_HOST: "DNS HOST records", Section.DNS_SRV: "DNS SRV records",
            Section.DNS_TXT: "DNS TXT records"}.get(Section(section))
    if what is not None and command == Cmd.MODIFY:
        raise _unsupported_op(f"{what} cannot be modified, only added or deleted")


def forward_interface(d: NetworkDef, command: int, iface: ForwardIf) -> None:
    ifs = d.forward.interfaces
    pos = next((i for i, f in enumerate(ifs) if f.dev == iface.dev), None)
    if _is_add(command):
        if pos is not None:
            raise err.invalid(f"there is an existing interface entry in network '{d.name}' that matches "
                              f"\"<interface dev='{iface.dev}'>\"")
        _insert(ifs, command, iface)
    elif command == Cmd.DELETE:
        if pos is None:
            raise err.invalid(f"couldn't find an interface entry in network '{d.name}' matching "
                              f"<interface dev='{iface.dev}'>")
        if ifs[pos].connections:
            raise err.invalid(f"unable to delete interface '{iface.dev}' in network '{d.name}'. It is currently "
                              f"being used  by {ifs[pos].connections} domains.")
        del ifs[pos]
    else:
        raise unknown_command(command)


def portgroup(d: NetworkDef, command: int, pg: PortGroup) -> None:
    pos = next((i for i, p in enumerate(d.portgroups) if p.name == pg.name), None)
    if command in (Cmd.MODIFY, Cmd.DELETE) and pos is None:
        raise err.invalid(f"couldn't find a portgroup entry in network '{d.name}' matching "
                          f"<portgroup name='{pg.name}'>")
    if _is_add(command) and pos is not None:
        raise err.invalid(f"there is an existing portgroup entry in network '{d.name}' that matches "
                          f"\"<portgroup name='{pg.name}'>\"")
    if command != Cmd.DELETE and pg.default and any(p.default and i != pos for i, p in enumerate(d.portgroups)):
        raise err.invalid(f"a different portgroup entry in network '{d.name}' is already set as the default. "
                          "Only one default is allowed.")
    if command == Cmd.MODIFY:
        assert pos is not None
        d.portgroups[pos] = pg
    elif _is_add(command):
        _insert(d.portgroups, command, pg)
    elif command == Cmd.DELETE:
        assert pos is not None
        del d.portgroups[pos]
    else:
        raise unknown_command(command)


def dns_host(d: NetworkDef, command: int, host: DnsHost) -> None:
    add = _is_add(command)
    found = [i for i, h in enumerate(d.dns.hosts)
             if (host.ip and h.ip == host.ip) or (not add and set(host.hostnames) & set(h.hostnames))]
    if add:
        if found:
            raise err.invalid(f"there is already at least one DNS HOST record with a matching field in network "
                              f"{d.name}")
        _insert(d.dns.hosts, command, host)
    elif command == Cmd.DELETE:
        _delete_one(d.dns.hosts, found, "a matching DNS HOST record", "multiple matching DNS HOST records were",
                    d.name)
    else:
        raise unknown_command(command)


def _delete_one(items: list[Any], found: list[int], what: str, multiple: str, name: str) -> None:
    if not found:
        raise err.invalid(f"couldn't locate {what} in network {name}")
    if len(found) > 1:
        raise err.invalid(f"{multiple} found in network {name}")
    del items[found[0]]


def dns_srv(d: NetworkDef, command: int, srv: DnsSrv) -> None:
    keys = ("domain", "service", "protocol", "target")
    found = [i for i, s in enumerate(d.dns.srvs)
             if all(getattr(srv, k) is None or getattr(srv, k) == getattr(s, k) for k in keys)]
    if _is_add(command):
        if found:
            raise err.invalid(f"there is already at least one DNS SRV record matching all specified fields in "
                              f"network {d.name}")
        _insert(d.dns.srvs, command, srv)
    elif command == Cmd.DELETE:
        _delete_one(d.dns.srvs, found, "a matching DNS SRV record",
                    "multiple DNS SRV records matching all specified fields were", d.name)
    else:
        raise unknown_command(command)


def dns_txt(d: NetworkDef, command: int, txt: DnsTxt) -> None:
    found = [i for i, t in enumerate(d.dns.txts) if t.name == txt.name]
    if _is_add(command):
        if found:
            raise err.invalid(f"there is already a DNS TXT record with name '{txt.name}' in network {d.name}")
        _insert(d.dns.txts, command, txt)
    elif command == Cmd.DELETE:
        _delete_one(d.dns.txts, found[:1], "a matching DNS TXT record", "", d.name)
    else:
        raise unknown_command(command)


ParseItem = Callable[[str, IPDef | None, bool], Any]  # (network name, the <ip> for DHCP items, partial)


def apply(d: NetworkDef, command: int, section: int, parent_index: int, parse: ParseItem) -> None:
    """virNetworkDefUpdateSection on one definition (a copy: a failure leaves the network as it was)."""
    if section not in SECTION_TAGS:
        raise no_support(d, section)
    sec = Section(section)
    if sec in (Section.IP_DHCP_HOST, Section.IP_DHCP_RANGE):
        ipdef = ip_by_index(d, parent_index)
        check_modifiable(sec, command)
        item = parse(d.name, ipdef, command == Cmd.DELETE)
        if sec == Section.IP_DHCP_HOST:
            dhcp_host(d, command, ipdef, item)
        else:
            dhcp_range(d, command, ipdef, item)
        return
    check_modifiable(sec, command)
    item = parse(d.name, None, not _is_add(command))
    editors: dict[Section, Callable[[NetworkDef, int, Any], None]] = {
        Section.FORWARD_INTERFACE: forward_interface, Section.PORTGROUP: portgroup,
        Section.DNS_HOST: dns_host, Section.DNS_SRV: dns_srv, Section.DNS_TXT: dns_txt}
    editors[sec](d, command, item)
