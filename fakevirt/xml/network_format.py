"""``NetworkDef`` and network ports -> libvirt's documents (virNetworkDefFormatBuf, virNetworkPortDefFormatBuf)."""

from __future__ import annotations

from dataclasses import fields

from ..model.devices import RawElement
from ..model.network.defs import Dns, IPDef, LeaseTime, NetworkDef, PortGroup
from ..model.network.ports import Port
from .fmt import El, el, render

_OPEN = "open-close"  # a placeholder child: the element is written open and closed on two lines


def _render(root: El) -> str:
    return "".join(line for line in render(root).splitlines(keepends=True) if line.strip() != f"<{_OPEN}/>")


def _raw(node: RawElement) -> El:
    out = El(node.tag, dict(node.attrs), node.text)
    todo = [(node, out)]
    while todo:
        src, dst = todo.pop()
        for c in src.children:
            if c.tag == "#text":
                continue
            child = El(c.tag, dict(c.attrs), c.text)
            dst.children.append(child)
            todo.append((c, child))
    return out


def _with_lease(node: El, lease: LeaseTime | None) -> None:
    if lease is None:
        return
    if lease.expiry:
        node.add("lease", expiry=lease.expiry, unit=lease.unit)
    else:
        node.add("lease", expiry=0)


def _ip(ip: IPDef) -> El:
    attrs = {k: v for k, v in (("family", ip.family), ("address", ip.address), ("netmask", ip.netmask),
                               ("prefix", str(ip.prefix) if ip.prefix else None),
                               ("localPtr", ip.local_ptr)) if v is not None}
    node = El("ip", attrs)
    if ip.tftp_root is not None:
        node.add("tftp", root=ip.tftp_root)
    if ip.has_dhcp:
        dhcp = node.add("dhcp")
        for r in ip.ranges:
            _with_lease(dhcp.add("range", start=r.start, end=r.end), r.lease)
        for h in ip.hosts:
            hattrs = {k: v for k, v in (("mac", h.mac), ("id", h.id), ("name", h.name), ("ip", h.ip)) if v}
            host = El("host", hattrs)
            dhcp.children.append(host)
            _with_lease(host, h.lease)
        if ip.bootp_file is not None:
            bootp = dhcp.add("bootp", file=ip.bootp_file)
            if ip.bootp_server is not None:
                bootp.attrs["server"] = ip.bootp_server
    if not node.children:
        node.add(_OPEN)  # libvirt always writes <ip ...>\n</ip>
    return node


def _dns(dns: Dns) -> El | None:
    if dns.empty():
        return None
    attrs = {k: v for k, v in (("enable", dns.enable), ("forwardPlainNames", dns.forward_plain_names)) if v}
    node = El("dns", attrs)
    node.extend(_raw(f) for f in dns.forwarders)
    for t in dns.txts:
        node.add("txt", name=t.name, value=t.value)
    for s in dns.srvs:
        sattrs = {f.name: str(v) for f in fields(s) if (v := getattr(s, f.name)) is not None}
        node.children.append(El("srv", sattrs))
    for h in dns.hosts:
        host = node.add("host", ip=h.ip)
        for name in h.hostnames:
            host.add("hostname", name)
    return node


def _portgroup(pg: PortGroup) -> El:
    attrs = {"name": pg.name}
    if pg.default:
        attrs["default"] = "yes"
    if pg.trust_guest_rx_filters:
        attrs["trustGuestRxFilters"] = pg.trust_guest_rx_filters
    kept: dict[str, RawElement] = {}
    for c in pg.children:
        kept.setdefault(c.tag, c)
    node = El("portgroup", attrs, children=[_raw(kept[t]) for t in ("vlan", "virtualport") if t in kept])
    if pg.bandwidth is not None and (bw := _bandwidth(pg.bandwidth.inbound, pg.bandwidth.outbound)) is not None:
        node.children.append(bw)
    if not node.children:
        node.add(_OPEN)
    return node


def format_network_xml(d: NetworkDef, connections: int = 0, inactive: bool = False) -> str:
    root = El("network")
    if not inactive and connections:
        root.attrs["connections"] = str(connections)
    if d.ipv6_nogw:
        root.attrs["ipv6"] = "yes"
    if d.trust_guest_rx_filters:
        root.attrs["trustGuestRxFilters"] = d.trust_guest_rx_filters
    root.add("name", d.name)
    root.add("uuid", str(d.uuid))
    if d.metadata is not None:
        root.children.append(_raw(d.metadata))
    fwd = d.forward
    if fwd.mode != "none":
        node = root.add("forward")
        if fwd.interfaces and not fwd.pfs:
            node.attrs["dev"] = fwd.interfaces[0].dev
        node.attrs["mode"] = fwd.mode
        if fwd.mode == "hostdev":
            node.attrs["managed"] = "yes" if fwd.managed else "no"
        if fwd.driver_name:
            node.add("driver", name=fwd.driver_name)
        if fwd.nat is not None and (fwd.nat.children or fwd.nat.attrs):
            node.children.append(_raw(fwd.nat))
        for pf in fwd.pfs:
            node.add("pf", dev=pf)
        if not fwd.pfs or not inactive:
            for iface in fwd.interfaces:
                child = node.add("interface", dev=iface.dev)
                if not inactive and iface.connections:
                    child.attrs["connections"] = str(iface.connections)
            node.extend(_raw(a) for a in fwd.addresses)
    if d.routed or d.bridge or d.mac_table_manager:
        bridge = root.add("bridge")
        for key, value in (("name", d.bridge), ("zone", d.bridge_zone)):
            if value:
                bridge.attrs[key] = value
        if d.routed:
            bridge.attrs.update(stp="on" if d.stp else "off", delay=str(d.delay))
        if d.mac_table_manager:
            bridge.attrs["macTableManager"] = d.mac_table_manager
    if d.mtu:
        root.add("mtu", size=d.mtu)
    if d.mac:
        root.add("mac", address=d.mac)
    if d.domain:
        dom = root.add("domain", name=d.domain)
        if d.domain_local_only:
            dom.attrs["localOnly"] = d.domain_local_only
    root.extend(x for x in (_dns(d.dns),) if x is not None)
    if d.vlan is not None:
        root.children.append(_raw(d.vlan))
    if d.bandwidth is not None and (bw := _bandwidth(d.bandwidth.inbound, d.bandwidth.outbound)) is not None:
        root.children.append(bw)
    if d.port_isolated:
        root.add("port", isolated=d.port_isolated)
    root.extend(_ip(ip) for ip in d.ips)
    root.extend(_raw(r) for r in d.routes)
    if d.virtualport is not None:
        root.children.append(_raw(d.virtualport))
    root.extend(_portgroup(pg) for pg in d.portgroups)
    return _render(root)


def _bandwidth(inbound: dict[str, int] | None, outbound: dict[str, int] | None,
               class_id: int | None = None) -> El | None:
    """virNetDevBandwidthFormat: a rate shows only with an average or a floor."""
    if inbound is None and outbound is None:
        return None
    node = el("bandwidth", **({"classID": class_id} if class_id else {}))
    for tag, rate in (("inbound", inbound), ("outbound", outbound)):
        if rate and (rate.get("average") or rate.get("floor")):
            node.add(tag, **{k: rate[k] for k in ("average", "peak", "floor", "burst") if rate.get(k)})
    return node


def format_port_xml(port: Port) -> str:
    root = El("networkport")
    root.add("uuid", str(port.uuid))
    owner = root.add("owner")
    owner.add("name", port.owner_name)
    owner.add("uuid", str(port.owner_uuid))
    if port.group:
        root.add("group", port.group)
    root.add("mac", address=port.mac)
    extra = {c.tag: c for c in port.extra}
    if "virtualport" in extra:
        root.children.append(_raw(extra["virtualport"]))
    bandwidth = _bandwidth(port.bandwidth_inbound, port.bandwidth_outbound, port.class_id)
    if bandwidth is not None:
        root.children.append(bandwidth)
    if "vlan" in extra:
        root.children.append(_raw(extra["vlan"]))
    if port.isolated:
        root.add("port", isolated=port.isolated)
    if port.trust_guest_rx_filters:
        root.add("rxfilters", trustGuest=port.trust_guest_rx_filters)
    if port.plug_type != "none":
        plug = el("plug", type=port.plug_type)
        if port.plug_type in ("network", "bridge"):
            plug.attrs["bridge"] = port.plug_dev
            if port.mac_table_manager:
                plug.attrs["macTableManager"] = port.mac_table_manager
        elif port.plug_type == "direct":
            plug.attrs.update(dev=port.plug_dev, mode=port.plug_mode or "vepa")
        elif "address" in extra:
            plug.children.append(_raw(extra["address"]))
        root.children.append(plug)
    return _render(root)
