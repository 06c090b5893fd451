"""Network and network port procedures, network events, DHCP leases and the domain interface addresses
they feed (transcribed from remote_protocol.x into our notation)."""

from __future__ import annotations

from typing import Annotated

from .._common import (
    REMOTE_STRING_MAX,
    NonnullDomain,
    NonnullNetwork,
    NonnullString,
    OptNetwork,
    OptString,
    TypedParam,
    Uuid,
)
from .._xdr import Array, Hyper, Int, String, UInt, struct
from ._procedures import Proc
from .limits import (
    DOMAIN_INTERFACE_MAX,
    DOMAIN_IP_ADDR_MAX,
    NETWORK_DHCP_LEASES_MAX,
    NETWORK_LIST_MAX,
    NETWORK_PORT_LIST_MAX,
    NETWORK_PORT_PARAMETERS_MAX,
)


@struct
class ConnectNumOfNetworksRet:
    num: Int


@struct
class ConnectListNetworksArgs:
    maxnames: Int


@struct
class ConnectListNetworksRet:
    names: Annotated[tuple[str, ...], Array(String(REMOTE_STRING_MAX), NETWORK_LIST_MAX)]


@struct
class ConnectNumOfDefinedNetworksRet:
    num: Int


@struct
class ConnectListDefinedNetworksArgs:
    maxnames: Int


@struct
class ConnectListDefinedNetworksRet:
    names: Annotated[tuple[str, ...], Array(String(REMOTE_STRING_MAX), NETWORK_LIST_MAX)]


@struct
class NetworkLookupByUuidArgs:
    uuid: Uuid


@struct
class NetworkLookupByUuidRet:
    net: NonnullNetwork


@struct
class NetworkLookupByNameArgs:
    name: NonnullString


@struct
class NetworkLookupByNameRet:
    net: NonnullNetwork


@struct
class NetworkCreateXmlArgs:
    xml: NonnullString


@struct
class NetworkCreateXmlRet:
    net: NonnullNetwork


@struct
class NetworkCreateXmlFlagsArgs:
    xml: NonnullString
    flags: UInt


@struct
class NetworkCreateXmlFlagsRet:
    net: NonnullNetwork


@struct
class NetworkDefineXmlArgs:
    xml: NonnullString


@struct
class NetworkDefineXmlRet:
    net: NonnullNetwork


@struct
class NetworkDefineXmlFlagsArgs:
    xml: NonnullString
    flags: UInt


@struct
class NetworkDefineXmlFlagsRet:
    net: NonnullNetwork


@struct
class NetworkUndefineArgs:
    net: NonnullNetwork


@struct
class NetworkUpdateArgs:
    net: NonnullNetwork
    command: UInt
    section: UInt
    parentIndex: Int
    xml: NonnullString
    flags: UInt


@struct
class NetworkCreateArgs:
    net: NonnullNetwork


@struct
class NetworkDestroyArgs:
    net: NonnullNetwork


@struct
class NetworkGetXmlDescArgs:
    net: NonnullNetwork
    flags: UInt


@struct
class NetworkGetXmlDescRet:
    xml: NonnullString


@struct
class NetworkGetBridgeNameArgs:
    net: NonnullNetwork


@struct
class NetworkGetBridgeNameRet:
    name: NonnullString


@struct
class NetworkGetAutostartArgs:
    net: NonnullNetwork


@struct
class NetworkGetAutostartRet:
    autostart: Int


@struct
class NetworkSetAutostartArgs:
    net: NonnullNetwork
    autostart: Int


@struct
class NetworkIsActiveArgs:
    net: NonnullNetwork


@struct
class NetworkIsActiveRet:
    active: Int


@struct
class NetworkIsPersistentArgs:
    net: NonnullNetwork


@struct
class NetworkIsPersistentRet:
    persistent: Int


@struct
class ConnectListAllNetworksArgs:
    need_results: Int
    flags: UInt


@struct
class ConnectListAllNetworksRet:
    nets: Annotated[tuple[NonnullNetwork, ...], Array(NonnullNetwork, NETWORK_LIST_MAX)]
    ret: UInt


@struct
class ConnectNetworkEventRegisterAnyArgs:
    eventID: Int
    net: OptNetwork


@struct
class ConnectNetworkEventRegisterAnyRet:
    callbackID: Int


@struct
class ConnectNetworkEventDeregisterAnyArgs:
    callbackID: Int


@struct
class NetworkEventLifecycleMsg:
    callbackID: Int
    net: NonnullNetwork
    event: Int
    detail: Int


@struct
class NetworkDhcpLease:
    iface: NonnullString
    expirytime: Hyper
    type: Int
    mac: OptString
    iaid: OptString
    ipaddr: NonnullString
    prefix: UInt
    hostname: OptString
    clientid: OptString


@struct
class NetworkGetDhcpLeasesArgs:
    net: NonnullNetwork
    mac: OptString
    need_results: Int
    flags: UInt


@struct
class NetworkGetDhcpLeasesRet:
    leases: Annotated[tuple[NetworkDhcpLease, ...], Array(NetworkDhcpLease, NETWORK_DHCP_LEASES_MAX)]
    ret: UInt


@struct
class DomainIpAddr:
    type: Int
    addr: NonnullString
    prefix: UInt


@struct
class DomainInterface:
    name: NonnullString
    hwaddr: OptString
    addrs: Annotated[tuple[DomainIpAddr, ...], Array(DomainIpAddr, DOMAIN_IP_ADDR_MAX)]


@struct
class DomainInterfaceAddressesArgs:
    dom: NonnullDomain
    source: UInt
    flags: UInt


@struct
class DomainInterfaceAddressesRet:
    ifaces: Annotated[tuple[DomainInterface, ...], Array(DomainInterface, DOMAIN_INTERFACE_MAX)]


@struct
class NonnullNetworkPort:
    net: NonnullNetwork
    uuid: Uuid


@struct
class NetworkListAllPortsArgs:
    network: NonnullNetwork
    need_results: Int
    flags: UInt


@struct
class NetworkListAllPortsRet:
    ports: Annotated[tuple[NonnullNetworkPort, ...], Array(NonnullNetworkPort, NETWORK_PORT_LIST_MAX)]
    ret: UInt


@struct
class NetworkPortLookupByUuidArgs:
    network: NonnullNetwork
    uuid: Uuid


@struct
class NetworkPortLookupByUuidRet:
    port: NonnullNetworkPort


@struct
class NetworkPortCreateXmlArgs:
    network: NonnullNetwork
    xml: NonnullString
    flags: UInt


@struct
class NetworkPortCreateXmlRet:
    port: NonnullNetworkPort


@struct
class NetworkPortSetParametersArgs:
    port: NonnullNetworkPort
    params: Annotated[tuple[TypedParam, ...], Array(TypedParam, NETWORK_PORT_PARAMETERS_MAX)]
    flags: UInt


@struct
class NetworkPortGetParametersArgs:
    port: NonnullNetworkPort
    nparams: Int
    flags: UInt


@struct
class NetworkPortGetParametersRet:
    params: Annotated[tuple[TypedParam, ...], Array(TypedParam, NETWORK_PORT_PARAMETERS_MAX)]
    nparams: Int


@struct
class NetworkPortGetXmlDescArgs:
    port: NonnullNetworkPort
    flags: UInt


@struct
class NetworkPortGetXmlDescRet:
    xml: NonnullString


@struct
class NetworkPortDeleteArgs:
    port: NonnullNetworkPort
    flags: UInt


DECLARATIONS = [
    (Proc.CONNECT_NUM_OF_NETWORKS, None, ConnectNumOfNetworksRet),
    (Proc.CONNECT_LIST_NETWORKS, ConnectListNetworksArgs, ConnectListNetworksRet),
    (Proc.CONNECT_NUM_OF_DEFINED_NETWORKS, None, ConnectNumOfDefinedNetworksRet),
    (Proc.CONNECT_LIST_DEFINED_NETWORKS, ConnectListDefinedNetworksArgs, ConnectListDefinedNetworksRet),
    (Proc.NETWORK_LOOKUP_BY_UUID, NetworkLookupByUuidArgs, NetworkLookupByUuidRet),
    (Proc.NETWORK_LOOKUP_BY_NAME, NetworkLookupByNameArgs, NetworkLookupByNameRet),
    (Proc.NETWORK_CREATE_XML, NetworkCreateXmlArgs, NetworkCreateXmlRet),
    (Proc.NETWORK_CREATE_XML_FLAGS, NetworkCreateXmlFlagsArgs, NetworkCreateXmlFlagsRet),
    (Proc.NETWORK_DEFINE_XML, NetworkDefineXmlArgs, NetworkDefineXmlRet),
    (Proc.NETWORK_DEFINE_XML_FLAGS, NetworkDefineXmlFlagsArgs, NetworkDefineXmlFlagsRet),
    (Proc.NETWORK_UNDEFINE, NetworkUndefineArgs, None),
    (Proc.NETWORK_UPDATE, NetworkUpdateArgs, None),
    (Proc.NETWORK_CREATE, NetworkCreateArgs, None),
    (Proc.NETWORK_DESTROY, NetworkDestroyArgs, None),
    (Proc.NETWORK_GET_XML_DESC, NetworkGetXmlDescArgs, NetworkGetXmlDescRet),
    (Proc.NETWORK_GET_BRIDGE_NAME, NetworkGetBridgeNameArgs, NetworkGetBridgeNameRet),
    (Proc.NETWORK_GET_AUTOSTART, NetworkGetAutostartArgs, NetworkGetAutostartRet),
    (Proc.NETWORK_SET_AUTOSTART, NetworkSetAutostartArgs, None),
    (Proc.NETWORK_IS_ACTIVE, NetworkIsActiveArgs, NetworkIsActiveRet),
    (Proc.NETWORK_IS_PERSISTENT, NetworkIsPersistentArgs, NetworkIsPersistentRet),
    (Proc.CONNECT_LIST_ALL_NETWORKS, ConnectListAllNetworksArgs, ConnectListAllNetworksRet),
    (Proc.CONNECT_NETWORK_EVENT_REGISTER_ANY, ConnectNetworkEventRegisterAnyArgs, ConnectNetworkEventRegisterAnyRet),
    (Proc.CONNECT_NETWORK_EVENT_DEREGISTER_ANY, ConnectNetworkEventDeregisterAnyArgs, None),
    (Proc.NETWORK_EVENT_LIFECYCLE, NetworkEventLifecycleMsg, None),
    (Proc.NETWORK_GET_DHCP_LEASES, NetworkGetDhcpLeasesArgs, NetworkGetDhcpLeasesRet),
    (Proc.DOMAIN_INTERFACE_ADDRESSES, DomainInterfaceAddressesArgs, DomainInterfaceAddressesRet),
    (Proc.NETWORK_LIST_ALL_PORTS, NetworkListAllPortsArgs, NetworkListAllPortsRet),
    (Proc.NETWORK_PORT_LOOKUP_BY_UUID, NetworkPortLookupByUuidArgs, NetworkPortLookupByUuidRet),
    (Proc.NETWORK_PORT_CREATE_XML, NetworkPortCreateXmlArgs, NetworkPortCreateXmlRet),
    (Proc.NETWORK_PORT_SET_PARAMETERS, NetworkPortSetParametersArgs, None),
    (Proc.NETWORK_PORT_GET_PARAMETERS, NetworkPortGetParametersArgs, NetworkPortGetParametersRet),
    (Proc.NETWORK_PORT_GET_XML_DESC, NetworkPortGetXmlDescArgs, NetworkPortGetXmlDescRet),
    (Proc.NETWORK_PORT_DELETE, NetworkPortDeleteArgs, None),
]
