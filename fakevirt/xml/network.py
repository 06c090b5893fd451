"""Network documents (virNetworkDefParseXML and its section parsers) -> ``NetworkDef``.

The checks here are the parser's (network_conf.c); the driver's (networkValidate) are in the model.
The section parsers are public: net-update parses one element of a section with them.
"""

from __future__ import annotations

import ipaddress
import uuid as uuidlib
from collections.abc import Callable

from ..errors import ErrorDomain
from ..errors import network as err
from ..errors import xml as xml_errors
from ..model.devices import RawElement
from ..model.flags.network import NetworkUpdateSection as S
from ..model.network.defs import (
    FORWARD_MODES,
    DhcpHost,
    DhcpRange,
    Dns,
    DnsHost,
    DnsSrv,
    DnsTxt,
    Forward,
    ForwardIf,
    IPDef,
    LeaseTime,
    NetworkDef,
    PortGroup,
    parse_mac,
)
from ..model.network.update import SECTION_TAGS
from .domain_devparts import parse_bandwidth
from .domain_parse import parse_uuid
from .network_checks import check_forward
from .parser import parse_xml

NETWORK = ErrorDomain.NETWORK


_detail = err.xml_detail
_util = err.socket_address


def parse_ip(text: str) -> ipaddress.IPv4Address | ipaddress.IPv6Address:
    """virSocketAddrParse (numeric hosts only)."""
    try:
        return ipaddress.ip_address(text)
    except ValueError:
        raise err.unparsable_address(text) from None


def _multicast(mac: str) -> bool:
    return bool(int(mac[:2], 16) & 1)


def check_range(start: str, end: str, ipdef: IPDef) -> None:
    """virSocketAddrGetRange with the network: within it, not its network or broadcast, ordered."""
    a, b = parse_ip(start), parse_ip(end)
    prefix = ipdef.effective_prefix()
    if a.version != b.version:
        raise _util(f"mismatch of address family in range {start} - {end}")
    if a.version != ipdef.ip.version:
        raise _util(f"mismatch of address family in range {start} - {end} for network {ipdef.address}")
    net = ipdef.network()
    if a not in net or b not in net:
        raise _util(f"range {start} - {end} is not entirely within network {ipdef.address}/{prefix}")
    if a.version == 4:
        assert isinstance(net, ipaddress.IPv4Network)
        if a == net.network_address:
            raise _util(f"start of range {start} - {end} in network {ipdef.address}/{prefix} is the network address")
        if b == net.broadcast_address:
            raise _util(f"end of range {start} - {end} in network {ipdef.address}/{prefix} "
                        "is the broadcast address")
        if a.packed[:2] != b.packed[:2]:
            raise _util(f"range {start} - {end} is too large (> 65535)")
    elif a.packed[:14] != b.packed[:14]:
        raise _util(f"range {start} - {end} is too large (> 65535)")
    if int(b) < int(a):
        raise _util(f"range {start} - {end} is reversed ")


def _lease(el: RawElement) -> LeaseTime | None:
    node = el.find("lease")
    if node is None:
        return None
    raw = node.get("expiry")
    if raw is None:
        return None
    if not raw.isdigit():
        raise xml_errors.invalid_value(raw, "expiry")
    expiry, given = int(raw), node.get("unit")
    unit = "minutes" if given is None else given
    if unit not in ("seconds", "minutes", "hours"):
        raise xml_errors.invalid_attribute("unit", "lease", unit)
    if expiry and ((unit == "seconds" and expiry < 120) or (unit == "minutes" and expiry < 2)):
        raise err.unsupported("The minimum lease time should be greater than 2 minutes")
    return LeaseTime(expiry, unit)


def parse_dhcp_range(net: str, ipdef: IPDef, el: RawElement) -> DhcpRange:
    start = el.get("start")
    if start is None:
        raise err.xml_error(f"Missing 'start' attribute in dhcp range for network '{net}'")
    end = el.get("end")
    if end is None:
        raise err.xml_error(f"Missing 'end' attribute in dhcp range for network '{net}'")
    check_range(start, end, ipdef)
    return DhcpRange(str(parse_ip(start)), str(parse_ip(end)), _lease(el))


def parse_dhcp_host(net: str, ipdef: IPDef, el: RawElement, partial: bool = False) -> DhcpHost:
    """virNetworkDHCPHostDefParseXML (``partial``: a search key for net-update delete/modify)."""
    mac = el.get("mac")
    if mac is not None:
        if not ipdef.is_ipv4:
            raise err.xml_error(f"Invalid to specify MAC address '{mac}' in network '{net}' IPv6 static host definition")
        parsed = parse_mac(mac)
        if parsed is None:
            raise err.xml_error(f"Cannot parse MAC address '{mac}' in network '{net}'")
        if _multicast(parsed):
            raise err.xml_error(f"expected unicast mac address, found multicast '{mac}' in network '{net}'")
        mac = parsed
    hid = el.get("id")
    if hid is not None:
        bad = next((c for c in hid if c not in "0123456789abcdefABCDEF:"), None)
        if bad is not None:
            raise err.xml_error(f"Invalid character '{bad}' in id '{hid}' of network '{net}'")
    name = el.get("name")
    if name is not None and not (name[:1].isascii() and name[:1].isalnum()):
        raise err.xml_error(f"Cannot use host name '{name}' in network '{net}'")
    ip = el.get("ip")
    if ip is not None:
        try:
            ip = str(ipaddress.ip_address(ip))
        except ValueError:
            raise err.xml_error(f"Invalid IP address in static host definition for network '{net}'") from None
    if partial:
        if not (mac or name or ip):
            raise err.xml_error("At least one of name, mac, or ip attribute must be specified for static host "
                                f"definition in network '{net}' ")
    else:
        if not ipdef.is_ipv4:
            if not (hid or name):
                raise err.xml_error(f"Static host definition in IPv6 network '{net}' must have id or name attribute")
        elif not (mac or name):
            raise err.xml_error(f"Static host definition in IPv4 network '{net}' must have mac or name attribute")
        if ip is None:
            raise err.xml_error(f"Missing IP address in static host definition for network '{net}'")
    return DhcpHost(mac, hid, name, ip, _lease(el))


def _parse_ipdef(net: str, el: RawElement) -> IPDef:
    family = el.get("family")
    address = el.get("address")
    if address is None:
        raise err.xml_error(f"Missing required address attribute in network '{net}'")
    try:
        addr = ipaddress.ip_address(address)
    except ValueError:
        raise err.xml_error(f"Invalid address '{address}' in network '{net}'") from None
    netmask = el.get("netmask")
    if netmask is not None:
        try:
            ipaddress.ip_address(netmask)
        except ValueError:
            raise err.xml_error(f"Invalid netmask '{netmask}' in network '{net}'") from None
    prefix_text = el.get("prefix")
    prefix = 0
    if prefix_text is not None:
        if not prefix_text.isdigit():
            raise xml_errors.invalid_attribute("prefix", "ip", prefix_text, "non-negative integer")
        prefix = int(prefix_text)
    if family in (None, "ipv4"):
        if addr.version != 4:
            raise err.unsupported(f"{family or 'no'} family specified for non-IPv4 address '{address}' "
                                  f"in network '{net}'")
        if netmask is not None:
            if ipaddress.ip_address(netmask).version != 4:
                raise err.unsupported(f"Invalid netmask '{netmask}' for address '{address}' in network '{net}' "
                                      "(both must be IPv4)")
            if prefix > 0:
                raise err.unsupported(f"Network '{net}' IP address cannot have both a prefix and a netmask")
        elif prefix > 32:
            raise err.unsupported(f"Invalid IPv4 prefix '{prefix}' in network '{net}'")
    elif family == "ipv6":
        if addr.version != 6:
            raise err.unsupported(f"Family 'ipv6' specified for non-IPv6 address '{address}' in network '{net}'")
        if netmask is not None:
            raise err.unsupported(f"netmask not allowed for IPv6 address '{address}' in network '{net}'")
        if prefix > 128:
            raise err.unsupported(f"Invalid IPv6 prefix '{prefix}' in network '{net}'")
    else:
        raise err.xml_error(f"Unrecognized family '{family}' in network '{net}'")
    ipdef = IPDef(str(addr), family, netmask, prefix, el.get("localPtr"))
    dhcp = el.find("dhcp")
    if dhcp is not None:
        for child in dhcp.children:
            if child.tag == "range":
                ipdef.ranges.append(parse_dhcp_range(net, ipdef, child))
            elif child.tag == "host":
                ipdef.hosts.append(parse_dhcp_host(net, ipdef, child))
            elif child.tag == "bootp" and addr.version == 4:
                ipdef.bootp_file, ipdef.bootp_server = child.get("file"), child.get("server")
    tftp = el.find("tftp")
    if tftp is not None:
        if addr.version != 4:
            raise err.unsupported(f"Unsupported <tftp> element in an IPv6 element in network '{net}'")
        ipdef.tftp_root = tftp.get("root")
    return ipdef


def parse_dns_host(net: str, el: RawElement, partial: bool = False) -> DnsHost:
    ip = el.get("ip")
    if ip is None and not partial:
        raise _detail(f"Missing IP address in network '{net}' DNS HOST record")
    if ip is not None:
        try:
            ip = str(ipaddress.ip_address(ip))
        except ValueError:
            raise _detail(f"Invalid IP address in network '{net}' DNS HOST record") from None
    names = []
    for child in el.findall("hostname"):
        if not child.text:
            raise _detail(f"Missing hostname in network '{net}' DNS HOST record")
        names.append(child.text)
    if not names and not partial:
        raise _detail(f"Missing hostname in network '{net}' DNS HOST record")
    if ip is None and not names:
        raise _detail(f"Missing ip and hostname in network '{net}' DNS HOST record")
    return DnsHost(ip or "", names)


def parse_dns_txt(net: str, el: RawElement, partial: bool = False) -> DnsTxt:
    name = el.get("name")
    if name is None:
        raise _detail(f"missing required name attribute in DNS TXT record of network {net}")
    if any(c in name for c in " ,"):
        raise _detail(f"prohibited character in DNS TXT record name '{name}' of network {net}")
    value = el.get("value")
    if value is None and not partial:
        raise _detail(f"missing required value attribute in DNS TXT record named '{name}' of network {net}")
    return DnsTxt(name, value or "")


def parse_dns_srv(net: str, el: RawElement, partial: bool = False) -> DnsSrv:
    service, protocol = el.get("service"), el.get("protocol")
    if service is None and not partial:
        raise _detail(f"missing required service attribute in DNS SRV record of network '{net}'")
    if protocol is None and not partial:
        raise _detail(f"missing required protocol attribute in DNS SRV record '{service}' of network '{net}'")
    srv = DnsSrv(service, protocol, el.get("domain"), el.get("target"))
    for attr in ("port", "priority", "weight"):
        raw = el.get(attr)
        if raw is not None:
            setattr(srv, attr, int(raw) if raw.isdigit() else 0)
    return srv


def parse_portgroup(el: RawElement) -> PortGroup:
    name = el.get("name")
    if name is None:
        raise err.xml_error("Missing required name attribute in portgroup")
    default = el.get("default")
    if default is not None and default not in ("yes", "no"):
        raise err.xml_error(f"Invalid default attribute '{default}' in portgroup")
    bandwidth = el.find("bandwidth")
    virtualport = el.find("virtualport")
    return PortGroup(name, default == "yes", el.get("trustGuestRxFilters"),
                     [c for c in el.children if c.tag in ("vlan", "virtualport")],
                     parse_bandwidth(bandwidth) if bandwidth is not None else None,
                     has_vlan=el.find("vlan") is not None,
                     virtualport_type=virtualport.get("type") if virtualport is not None else None)


def parse_forward_interface(net: str, el: RawElement) -> ForwardIf:
    dev = el.get("dev")
    if not dev:
        raise err.xml_error(f"Missing required dev attribute in <forward> <interface> element of network {net}")
    return ForwardIf(dev)


def _parse_forward(net: str, el: RawElement) -> Forward:
    mode = el.get("mode", "nat")
    if mode not in FORWARD_MODES:
        raise err.unsupported(f"unknown forwarding type '{mode}'")
    fwd = Forward(mode, managed=el.get("managed") == "yes")
    driver = el.find("driver")
    if driver is not None:
        fwd.driver_name = driver.get("name")
        if fwd.driver_name not in (None, "kvm", "vfio"):
            raise err.xml_error(f"Unknown forward <driver name='{fwd.driver_name}'/> in network {net}")
    fwd.pfs = [p.get("dev") or "" for p in el.findall("pf")]
    if len(fwd.pfs) > 1:
        raise err.xml_error(f"Only one <pf> element is allowed in <forward> of network {net}")
    if fwd.pfs and not fwd.pfs[0]:
        raise err.xml_error(f"Missing required dev attribute in <pf> element of network '{net}'")
    fwd.addresses = el.findall("address")
    nats = el.findall("nat")
    if len(nats) > 1:
        raise err.xml_error(f"Only one <nat> element is allowed in <forward> of network {net}")
    fwd.nat = nats[0] if nats and mode == "nat" else None
    dev = el.get("dev")
    if dev is not None and (fwd.pfs or fwd.addresses):
        raise err.xml_error("the <forward> 'dev' attribute cannot be used when <address> or <pf> sub-elements "
                            f"are present in network {net}")
    for child in el.findall("interface"):
        iface = parse_forward_interface(net, child)
        if not fwd.interfaces and dev is not None and iface.dev != dev:
            raise err.xml_error(f"<forward dev='{dev}'> must match first <interface dev='{iface.dev}'/> "
                                f"in network {net}")
        if any(i.dev == iface.dev for i in fwd.interfaces):
            raise err.xml_error(f"interface '{iface.dev}' can only be listed once in network {net}")
        fwd.interfaces.append(iface)
    if dev is not None and not fwd.interfaces:
        fwd.interfaces.append(ForwardIf(dev))
    return fwd


def _parse_dns(net: str, el: RawElement) -> Dns:
    dns = Dns(el.get("enable"), el.get("forwardPlainNames"))
    dns.forwarders = el.findall("forwarder")
    dns.hosts = [parse_dns_host(net, c) for c in el.findall("host")]
    dns.srvs = [parse_dns_srv(net, c) for c in el.findall("srv")]
    dns.txts = [parse_dns_txt(net, c) for c in el.findall("txt")]
    if dns.enable == "no" and (dns.forwarders or dns.hosts or dns.srvs or dns.txts):
        raise err.xml_error(f"Extra data in disabled network '{net}'")
    return dns


def parse_fragment(text: str, url: str = "(network_definition)") -> RawElement:
    """One element of a net-update section."""
    return parse_xml(text, url, NETWORK)


def parse_network_xml(text: str, new_uuid: Callable[[], uuidlib.UUID]) -> NetworkDef:
    """virNetworkDefParseString: the document, with the parser's own checks."""
    root = parse_xml(text, "(network_definition)", NETWORK)
    if root.tag != "network":
        raise xml_errors.wrong_root("network", root.tag)
    name_el = root.find("name")
    name = name_el.text if name_el is not None else None
    if not name:
        raise err.no_name()
    if "/" in name:
        raise _detail("invalid char in name: /")
    uuid_el = root.find("uuid")
    if uuid_el is not None and uuid_el.text:
        parsed = parse_uuid(uuid_el.text)
        if parsed is None:
            raise err.internal("malformed uuid element")
        net_uuid = parsed
    else:
        net_uuid = new_uuid()
    d = NetworkDef(name, net_uuid, ipv6_nogw=root.get("ipv6") == "yes",
                   trust_guest_rx_filters=root.get("trustGuestRxFilters"))
    d.metadata = root.find("metadata")
    dom = root.find("domain")
    if dom is not None:
        d.domain, d.domain_local_only = dom.get("name"), dom.get("localOnly")
    d.vlan, d.virtualport = root.find("vlan"), root.find("virtualport")
    d.virtualport_type = d.virtualport.get("type") if d.virtualport is not None else None
    if (bandwidth := root.find("bandwidth")) is not None:
        d.bandwidth = parse_bandwidth(bandwidth)
    port = root.find("port")
    d.port_isolated = port.get("isolated") if port is not None else None
    _parse_bridge(d, root.find("bridge"))
    mac = root.find("mac")
    if mac is not None and mac.get("address") is not None:
        raw = mac.get("address") or ""
        d.mac = parse_mac(raw)
        if d.mac is None:
            raise err.xml_error(f"Invalid bridge mac address '{raw}' in network '{name}'")
        if _multicast(d.mac):
            raise err.xml_error(f"Invalid multicast bridge mac address '{raw}' in network '{name}'")
    mtu = root.find("mtu")
    if mtu is not None and mtu.get("size") is not None:
        size = mtu.get("size") or ""
        if not size.isdigit():
            raise err.xml_error(f"Invalid mtu size '{size}' in network '{name}'")
        d.mtu = int(size)
    dns = root.find("dns")
    if dns is not None:
        d.dns = _parse_dns(name, dns)
    d.portgroups = [parse_portgroup(c) for c in root.findall("portgroup")]
    d.ips = [_parse_ipdef(name, c) for c in root.findall("ip")]
    d.routes = root.findall("route")
    fwd = root.find("forward")
    if fwd is not None:
        d.forward = _parse_forward(name, fwd)
    check_forward(d)
    return d


def _parse_bridge(d: NetworkDef, el: RawElement | None) -> None:
    if el is None:
        return
    d.bridge, d.bridge_zone = el.get("name"), el.get("zone")
    stp = el.get("stp")
    d.stp, d.stp_given = stp != "off", stp is not None
    delay = el.get("delay")
    if delay is not None:
        if not delay.isdigit():
            raise err.xml_error(f"Invalid delay value in network '{d.name}'")
        d.delay = int(delay)
    mtm = el.get("macTableManager")
    if mtm is not None:
        if mtm not in ("kernel", "libvirt"):
            raise err.xml_error(f"Invalid macTableManager setting '{mtm}' in network '{d.name}'")
        d.mac_table_manager = mtm


def update_item_parser(section: int, text: str) -> Callable[[str, IPDef | None, bool], object]:
    """The parser of net-update's element for ``section`` (the model calls it with the network's
    name, the <ip> a DHCP item belongs to and whether a partial element is a search key)."""
    def parse(net: str, ipdef: IPDef | None, partial: bool) -> object:
        el = parse_xml(text, "network_update_xml", NETWORK)
        tag = SECTION_TAGS[S(section)]
        if el.tag != tag:
            raise err.xml_error(f"unexpected element <{el.tag}>, expecting <{tag}>, while updating network '{net}'")
        if section == S.IP_DHCP_HOST:
            assert ipdef is not None
            return parse_dhcp_host(net, ipdef, el, partial)
        if section == S.IP_DHCP_RANGE:
            assert ipdef is not None
            return parse_dhcp_range(net, ipdef, el)
        if section == S.FORWARD_INTERFACE:
            if not el.get("dev"):
                raise err.xml_error("missing dev attribute in <interface> element")
            return parse_forward_interface(net, el)
        if section == S.PORTGROUP:
            return parse_portgroup(el)
        if section == S.DNS_HOST:
            return parse_dns_host(net, el, partial)
        if section == S.DNS_TXT:
            return parse_dns_txt(net, el, partial)
        return parse_dns_srv(net, el, partial)

    return parse
