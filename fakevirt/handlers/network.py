"""Networks (virNetwork*, virConnect*Networks): thin wrappers over model.network."""

from __future__ import annotations

import uuid

from protocol import NonnullNetwork, Proc
from protocol.remote import network as w
from protocol.remote.limits import NETWORK_LIST_MAX

from ..errors import network as err
from ..model.flags.network import NetworkXMLFlags
from ..model.network.defs import NetworkDef
from ..model.network.state import Network, NetworkState
from ..xml.network import parse_network_xml, update_item_parser
from ..xml.network_format import format_network_xml
from ._client import Client
from ._lists import legacy_list, list_all
from ._registry import procedure


def networks(client: Client) -> NetworkState:
    """The network driver behind the client's connection (one for every URI, as in a root libvirtd)."""
    return client.hv.networks


def net_handle(net: Network) -> NonnullNetwork:
    return NonnullNetwork(name=net.name, uuid=net.uuid.bytes)


def resolve_net(client: Client, h: NonnullNetwork) -> Network:
    """networkObjFromNetwork: by UUID, the name only in the error."""
    return networks(client).by_uuid(uuid.UUID(bytes=h.uuid), h.name)


def _parse(client: Client, xml: str) -> NetworkDef:
    return parse_network_xml(xml, client.hv.rng.uuid)


@procedure(Proc.NETWORK_LOOKUP_BY_NAME)
def network_lookup_by_name(client: Client, args: w.NetworkLookupByNameArgs) -> w.NetworkLookupByNameRet:
    return w.NetworkLookupByNameRet(net=net_handle(networks(client).by_name(args.name)))


@procedure(Proc.NETWORK_LOOKUP_BY_UUID)
def network_lookup_by_uuid(client: Client, args: w.NetworkLookupByUuidArgs) -> w.NetworkLookupByUuidRet:
    return w.NetworkLookupByUuidRet(net=net_handle(networks(client).by_uuid(uuid.UUID(bytes=args.uuid))))


@procedure(Proc.NETWORK_DEFINE_XML)
def network_define_xml(client: Client, args: w.NetworkDefineXmlArgs) -> w.NetworkDefineXmlRet:
    return w.NetworkDefineXmlRet(net=net_handle(networks(client).define(_parse(client, args.xml))))


@procedure(Proc.NETWORK_DEFINE_XML_FLAGS)
def network_define_xml_flags(client: Client, args: w.NetworkDefineXmlFlagsArgs) -> w.NetworkDefineXmlFlagsRet:
    state = networks(client)
    state.check_define_flags(args.flags)
    return w.NetworkDefineXmlFlagsRet(net=net_handle(state.define(_parse(client, args.xml), args.flags)))


@procedure(Proc.NETWORK_CREATE_XML)
def network_create_xml(client: Client, args: w.NetworkCreateXmlArgs) -> w.NetworkCreateXmlRet:
    return w.NetworkCreateXmlRet(net=net_handle(networks(client).create(_parse(client, args.xml))))


@procedure(Proc.NETWORK_CREATE_XML_FLAGS)
def network_create_xml_flags(client: Client, args: w.NetworkCreateXmlFlagsArgs) -> w.NetworkCreateXmlFlagsRet:
    state = networks(client)
    state.check_create_flags(args.flags)
    return w.NetworkCreateXmlFlagsRet(net=net_handle(state.create(_parse(client, args.xml), args.flags)))


@procedure(Proc.NETWORK_UNDEFINE)
def network_undefine(client: Client, args: w.NetworkUndefineArgs) -> None:
    networks(client).undefine(resolve_net(client, args.net))


@procedure(Proc.NETWORK_CREATE)
def network_create(client: Client, args: w.NetworkCreateArgs) -> None:
    networks(client).start(resolve_net(client, args.net))


@procedure(Proc.NETWORK_DESTROY)
def network_destroy(client: Client, args: w.NetworkDestroyArgs) -> None:
    networks(client).destroy(resolve_net(client, args.net))


@procedure(Proc.NETWORK_UPDATE)
def network_update(client: Client, args: w.NetworkUpdateArgs) -> None:
    """virNetworkUpdate: the model edits copies with the section's parser."""
    net = resolve_net(client, args.net)
    networks(client).update(net, args.command, args.section, args.parentIndex,
                            update_item_parser(args.section, args.xml), args.flags)


@procedure(Proc.NETWORK_GET_XML_DESC)
def network_get_xml_desc(client: Client, args: w.NetworkGetXmlDescArgs) -> w.NetworkGetXmlDescRet:
    err.check_flags("networkGetXMLDesc", args.flags, NetworkXMLFlags.INACTIVE)
    net = resolve_net(client, args.net)
    inactive = bool(args.flags & NetworkXMLFlags.INACTIVE)
    d = networks(client).xml_def(net, inactive)
    return w.NetworkGetXmlDescRet(xml=format_network_xml(d, len(net.ports) if net.active else 0, inactive))


@procedure(Proc.NETWORK_GET_BRIDGE_NAME)
def network_get_bridge_name(client: Client, args: w.NetworkGetBridgeNameArgs) -> w.NetworkGetBridgeNameRet:
    return w.NetworkGetBridgeNameRet(name=networks(client).bridge_name(resolve_net(client, args.net)))


@procedure(Proc.NETWORK_GET_AUTOSTART)
def network_get_autostart(client: Client, args: w.NetworkGetAutostartArgs) -> w.NetworkGetAutostartRet:
    return w.NetworkGetAutostartRet(autostart=int(resolve_net(client, args.net).autostart))


@procedure(Proc.NETWORK_SET_AUTOSTART)
def network_set_autostart(client: Client, args: w.NetworkSetAutostartArgs) -> None:
    networks(client).set_autostart(resolve_net(client, args.net), bool(args.autostart))


@procedure(Proc.NETWORK_IS_ACTIVE)
def network_is_active(client: Client, args: w.NetworkIsActiveArgs) -> w.NetworkIsActiveRet:
    return w.NetworkIsActiveRet(active=int(resolve_net(client, args.net).active))


@procedure(Proc.NETWORK_IS_PERSISTENT)
def network_is_persistent(client: Client, args: w.NetworkIsPersistentArgs) -> w.NetworkIsPersistentRet:
    return w.NetworkIsPersistentRet(persistent=int(resolve_net(client, args.net).persistent))


@procedure(Proc.CONNECT_LIST_ALL_NETWORKS)
def connect_list_all_networks(client: Client, args: w.ConnectListAllNetworksArgs) -> w.ConnectListAllNetworksRet:
    found = networks(client).list_all(args.flags)
    handles = list_all("network", found, NETWORK_LIST_MAX, args.need_results, lambda f: tuple(map(net_handle, f)))
    return w.ConnectListAllNetworksRet(nets=handles, ret=len(found))


@procedure(Proc.CONNECT_NUM_OF_NETWORKS)
def connect_num_of_networks(client: Client, args: None) -> w.ConnectNumOfNetworksRet:
    return w.ConnectNumOfNetworksRet(num=len(networks(client).names(active=True)))


@procedure(Proc.CONNECT_LIST_NETWORKS)
def connect_list_networks(client: Client, args: w.ConnectListNetworksArgs) -> w.ConnectListNetworksRet:
    names = legacy_list(lambda: networks(client).names(active=True), args.maxnames,
                        NETWORK_LIST_MAX, "NETWORK_LIST_MAX")
    return w.ConnectListNetworksRet(names=names)


@procedure(Proc.CONNECT_NUM_OF_DEFINED_NETWORKS)
def connect_num_of_defined_networks(client: Client, args: None) -> w.ConnectNumOfDefinedNetworksRet:
    return w.ConnectNumOfDefinedNetworksRet(num=len(networks(client).names(active=False)))


@procedure(Proc.CONNECT_LIST_DEFINED_NETWORKS)
def connect_list_defined_networks(client: Client, args: w.ConnectListDefinedNetworksArgs
                                  ) -> w.ConnectListDefinedNetworksRet:
    names = legacy_list(lambda: networks(client).names(active=False), args.maxnames,
                        NETWORK_LIST_MAX, "NETWORK_LIST_MAX")
    return w.ConnectListDefinedNetworksRet(names=names)


# Ports, leases and events register with this module (importing "network" registers them all).
from . import network_events, network_port  # noqa: E402, F401
