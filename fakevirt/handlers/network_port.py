"""Network ports (virNetworkPort*) and DHCP leases."""

from __future__ import annotations

import uuid

from protocol import Proc, TypedParam, TypedParamType
from protocol.remote import network as w
from protocol.remote.limits import NETWORK_DHCP_LEASES_MAX, NETWORK_PORT_LIST_MAX

from ..errors import connect as connect_err
from ..errors import network as err
from ..model.flags.network import NetworkPortCreateFlags
from ..model.network.ports import Port
from ..model.network.state import Network
from ..xml.network_format import format_port_xml
from ..xml.network_port import parse_port_xml
from ._client import Client
from ._lists import list_all
from ._registry import procedure
from .network import net_handle, networks, resolve_net


def port_handle(net: Network, port: Port) -> w.NonnullNetworkPort:
    return w.NonnullNetworkPort(net=net_handle(net), uuid=port.uuid.bytes)


def resolve_port(client: Client, h: w.NonnullNetworkPort) -> tuple[Network, Port]:
    net = resolve_net(client, h.net)
    return net, networks(client).port(net, uuid.UUID(bytes=h.uuid))


@procedure(Proc.NETWORK_LIST_ALL_PORTS)
def network_list_all_ports(client: Client, args: w.NetworkListAllPortsArgs) -> w.NetworkListAllPortsRet:
    net = resolve_net(client, args.network)
    found = networks(client).list_ports(net, args.flags)
    handles = list_all("network_port", found, NETWORK_PORT_LIST_MAX, args.need_results,
                       lambda f: tuple(port_handle(net, p) for p in f))
    return w.NetworkListAllPortsRet(ports=handles, ret=len(found))


@procedure(Proc.NETWORK_PORT_CREATE_XML)
def network_port_create_xml(client: Client, args: w.NetworkPortCreateXmlArgs) -> w.NetworkPortCreateXmlRet:
    """virNetworkPortCreateXML: flags, then the network, then the document, then the network's state."""
    err.check_flags("networkPortCreateXML", args.flags, int(NetworkPortCreateFlags.RECLAIM | NetworkPortCreateFlags.VALIDATE))
    net = resolve_net(client, args.network)
    port = parse_port_xml(args.xml, bool(args.flags & NetworkPortCreateFlags.VALIDATE))
    return w.NetworkPortCreateXmlRet(port=port_handle(net, networks(client).create_port(net, port, args.flags)))


@procedure(Proc.NETWORK_PORT_LOOKUP_BY_UUID)
def network_port_lookup_by_uuid(client: Client, args: w.NetworkPortLookupByUuidArgs
                                ) -> w.NetworkPortLookupByUuidRet:
    net = resolve_net(client, args.network)
    return w.NetworkPortLookupByUuidRet(port=port_handle(net, networks(client).port(net, uuid.UUID(bytes=args.uuid))))


@procedure(Proc.NETWORK_PORT_GET_XML_DESC)
def network_port_get_xml_desc(client: Client, args: w.NetworkPortGetXmlDescArgs) -> w.NetworkPortGetXmlDescRet:
    err.check_flags("networkPortGetXMLDesc", args.flags, 0)
    _, port = resolve_port(client, args.port)
    return w.NetworkPortGetXmlDescRet(xml=format_port_xml(port))


@procedure(Proc.NETWORK_PORT_GET_PARAMETERS)
def network_port_get_parameters(client: Client, args: w.NetworkPortGetParametersArgs
                                ) -> w.NetworkPortGetParametersRet:
    net, port = resolve_port(client, args.port)
    found = networks(client).port_parameters(net, port, args.flags)
    params = tuple(TypedParam(field=k, value=(TypedParamType.UINT, v)) for k, v in found)
    return w.NetworkPortGetParametersRet(params=params if args.nparams else (), nparams=len(params))


@procedure(Proc.NETWORK_PORT_SET_PARAMETERS)
def network_port_set_parameters(client: Client, args: w.NetworkPortSetParametersArgs) -> None:
    net, port = resolve_port(client, args.port)
    values = {p.field: int(p.value[1]) for p in args.params if p.value[0] == TypedParamType.UINT}
    networks(client).set_port_parameters(net, port, values, args.flags)


@procedure(Proc.NETWORK_PORT_DELETE)
def network_port_delete(client: Client, args: w.NetworkPortDeleteArgs) -> None:
    net, port = resolve_port(client, args.port)
    networks(client).delete_port(net, port, args.flags)


@procedure(Proc.NETWORK_GET_DHCP_LEASES)
def network_get_dhcp_leases(client: Client, args: w.NetworkGetDhcpLeasesArgs) -> w.NetworkGetDhcpLeasesRet:
    """virNetworkGetDHCPLeases: need_results 0 asks only for the count."""
    found = networks(client).get_leases(resolve_net(client, args.net), args.mac, args.flags)
    if len(found) > NETWORK_DHCP_LEASES_MAX:
        raise connect_err.too_many_leases(len(found), NETWORK_DHCP_LEASES_MAX)
    leases = tuple(w.NetworkDhcpLease(**x) for x in found) if args.need_results else ()
    return w.NetworkGetDhcpLeasesRet(leases=leases, ret=len(found))
