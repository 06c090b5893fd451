"""The network driver's flag and value enums (libvirt-network.h), with libvirt's member names."""

from __future__ import annotations

from enum import IntEnum, IntFlag

from . import all_of


class ConnectListAllNetworksFlags(IntFlag):
    INACTIVE = 1 << 0
    ACTIVE = 1 << 1
    PERSISTENT = 1 << 2
    TRANSIENT = 1 << 3
    AUTOSTART = 1 << 4
    NO_AUTOSTART = 1 << 5


LIST_NETWORKS_ALL = all_of(ConnectListAllNetworksFlags)


class NetworkXMLFlags(IntFlag):
    INACTIVE = 1 << 0


class NetworkDefineFlags(IntFlag):
    VALIDATE = 1 << 0


class NetworkCreateFlags(IntFlag):
    VALIDATE = 1 << 0


class NetworkUpdateCommand(IntEnum):
    NONE = 0
    MODIFY = 1
    DELETE = 2
    ADD_LAST = 3
    ADD_FIRST = 4


class NetworkUpdateSection(IntEnum):
    NONE = 0
    BRIDGE = 1
    DOMAIN = 2
    IP = 3
    IP_DHCP_HOST = 4
    IP_DHCP_RANGE = 5
    FORWARD = 6
    FORWARD_INTERFACE = 7
    FORWARD_PF = 8
    PORTGROUP = 9
    DNS_HOST = 10
    DNS_TXT = 11
    DNS_SRV = 12


class NetworkUpdateFlags(IntFlag):
    AFFECT_CURRENT = 0
    AFFECT_LIVE = 1 << 0
    AFFECT_CONFIG = 1 << 1


class IPAddrType(IntEnum):
    """virIPAddrType."""

    IPV4 = 0
    IPV6 = 1


class NetworkPortCreateFlags(IntFlag):
    RECLAIM = 1 << 0
    VALIDATE = 1 << 1


class DomainInterfaceAddressesSource(IntEnum):
    LEASE = 0
    AGENT = 1
    ARP = 2
