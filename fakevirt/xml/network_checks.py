"""The end of virNetworkDefParseXML: what the forward mode allows of the rest of the definition."""

from __future__ import annotations

import ipaddress

from ..errors import network as err
from ..model.network.defs import NetworkDef


def check_forward(d: NetworkDef) -> None:
    mode, fwd, name = d.forward.mode, d.forward, d.name
    _check_routes(d)
    if mode in ("route", "nat", "open"):
        if not d.ips:
            raise err.xml_error(f"{mode} forwarding requested, but no IP address provided for network '{name}'")
        if len(fwd.interfaces) > 1:
            raise err.xml_error(f"multiple forwarding interfaces specified for network '{name}', "
                                "only one is supported")
        if mode == "open" and fwd.interfaces:
            raise err.xml_error(f"forward dev not allowed for network '{name}' with forward mode='{mode}'")
    elif mode != "none":
        if mode != "bridge":
            for what, value in (("bridge name", d.bridge), ("bridge zone", d.bridge_zone)):
                if value:
                    raise err.xml_error(f"{what} not allowed in {mode} mode (network '{name}')")
            if d.mac_table_manager:
                raise err.xml_error(f"bridge macTableManager setting not allowed in {mode} mode (network '{name}')")
        if d.delay or d.stp_given or d.bridge_zone:
            raise err.xml_error(f"bridge delay/stp/zone options only allowed in route, nat, and isolated mode, "
                                f"not in {mode} (network '{name}')")
        if d.bridge and (fwd.interfaces or fwd.pfs):
            raise err.xml_error(f"A network with forward mode='{mode}' can specify a bridge name or a forward dev, "
                                f"but not both (network '{name}')")
    if d.mtu and not d.routed:
        raise err.xml_error(f"mtu size only allowed in open, route, nat, and isolated mode, not in {mode} "
                            f"(network '{name}')")


def _check_routes(d: NetworkDef) -> None:
    """Each static route's gateway must be on one of the network's own subnets."""
    for route in d.routes:
        for attr, what in (("address", "address"), ("gateway", "gateway")):
            if route.get(attr) is None:
                raise err.xml_error(f"{d.name}: Missing required {what} attribute in route definition")
        gw_text = route.get("gateway") or ""
        try:
            ipaddress.ip_address(route.get("address") or "")
        except ValueError:
            raise err.xml_error(f"{d.name}: Bad network address '{route.get('address')}' "
                                "in route definition") from None
        try:
            gw = ipaddress.ip_address(gw_text)
        except ValueError:
            raise err.xml_error(f"{d.name}: Bad gateway address '{gw_text}' in route definition") from None
        if not any(ip.ip.version == gw.version and gw in ip.network() for ip in d.ips):
            raise err.unsupported(f"unreachable static route gateway '{gw_text}' specified for network '{d.name}'")
