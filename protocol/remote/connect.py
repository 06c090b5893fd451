"""Connection and host procedures: open/close, features, versions, capabilities, node info."""

from __future__ import annotations

import enum
from typing import Annotated

from .._common import REMOTE_STRING_MAX, NonnullDomain, NonnullString, OptString
from .._xdr import INT, UHYPER, Array, CharArray, Enum, Int, String, UHyper, UInt, struct
from ._procedures import Proc
from .limits import (
    AUTH_TYPE_LIST_MAX,
    CPU_BASELINE_MAX,
    DOMAIN_LIST_MAX,
    NODE_CPU_STATS_MAX,
    NODE_MAX_CELLS,
    NODE_MEMORY_STATS_MAX,
)


class AuthType(enum.IntEnum):
    """remote_auth_type."""

    NONE = 0
    SASL = 1
    POLKIT = 2


@struct
class AuthListRet:
    types: Annotated[tuple[AuthType, ...], Array(Enum(AuthType), AUTH_TYPE_LIST_MAX)]


@struct
class ConnectOpenArgs:
    name: OptString
    flags: UInt


@struct
class ConnectSupportsFeatureArgs:
    feature: Int


@struct
class ConnectSupportsFeatureRet:
    supported: Int


@struct
class ConnectGetTypeRet:
    type: NonnullString


@struct
class ConnectGetVersionRet:
    hv_ver: UHyper


@struct
class ConnectGetLibVersionRet:
    lib_ver: UHyper


@struct
class ConnectGetHostnameRet:
    hostname: NonnullString


@struct
class ConnectGetUriRet:
    uri: NonnullString


@struct
class ConnectGetCapabilitiesRet:
    capabilities: NonnullString


@struct
class ConnectGetDomainCapabilitiesArgs:
    emulatorbin: OptString
    arch: OptString
    machine: OptString
    virttype: OptString
    flags: UInt


@struct
class ConnectGetDomainCapabilitiesRet:
    capabilities: NonnullString


@struct
class ConnectGetSysinfoArgs:
    flags: UInt


@struct
class ConnectGetSysinfoRet:
    sysinfo: NonnullString


@struct
class ConnectGetMaxVcpusArgs:
    type: OptString


@struct
class ConnectGetMaxVcpusRet:
    max_vcpus: Int


@struct
class ConnectIsSecureRet:
    secure: Int


@struct
class NodeGetInfoRet:
    """remote_node_get_info_ret: model is char[32], each char a 4-byte int on the wire."""

    model: Annotated[str, CharArray(32)]
    memory: UHyper
    cpus: Int
    mhz: Int
    nodes: Int
    sockets: Int
    cores: Int
    threads: Int


@struct
class NodeStat:
    """remote_node_get_cpu_stats / remote_node_get_memory_stats: one named counter."""

    field: NonnullString
    value: UHyper


@struct
class NodeGetCpuStatsArgs:
    cpuNum: Int
    nparams: Int
    flags: UInt


@struct
class NodeGetCpuStatsRet:
    params: Annotated[tuple[NodeStat, ...], Array(NodeStat, NODE_CPU_STATS_MAX)]
    nparams: Int


@struct
class NodeGetMemoryStatsArgs:
    nparams: Int
    cellNum: Int
    flags: UInt


@struct
class NodeGetMemoryStatsRet:
    params: Annotated[tuple[NodeStat, ...], Array(NodeStat, NODE_MEMORY_STATS_MAX)]
    nparams: Int


@struct
class NodeGetFreeMemoryRet:
    freeMem: UHyper


@struct
class NodeGetCellsFreeMemoryArgs:
    startCell: Int
    maxcells: Int


@struct
class NodeGetCellsFreeMemoryRet:
    cells: Annotated[tuple[int, ...], Array(UHYPER, NODE_MAX_CELLS)]


@struct
class ConnectBaselineCpuArgs:
    xmlCPUs: Annotated[tuple[str, ...], Array(String(REMOTE_STRING_MAX), CPU_BASELINE_MAX)]
    flags: UInt


@struct
class ConnectCompareCpuArgs:
    xml: NonnullString
    flags: UInt


@struct
class ConnectCompareCpuRet:
    result: Int


@struct
class ConnectListAllDomainsArgs:
    need_results: Int
    flags: UInt


@struct
class ConnectListAllDomainsRet:
    domains: Annotated[tuple[NonnullDomain, ...], Array(NonnullDomain, DOMAIN_LIST_MAX)]
    ret: UInt


@struct
class ConnectListDomainsArgs:
    maxids: Int


@struct
class ConnectListDomainsRet:
    ids: Annotated[tuple[int, ...], Array(INT, DOMAIN_LIST_MAX)]


@struct
class ConnectListDefinedDomainsArgs:
    maxnames: Int


@struct
class ConnectListDefinedDomainsRet:
    names: Annotated[tuple[str, ...], Array(String(REMOTE_STRING_MAX), DOMAIN_LIST_MAX)]


@struct
class ConnectNumOfDomainsRet:
    num: Int


DECLARATIONS = [
    (Proc.AUTH_LIST, None, AuthListRet),
    (Proc.CONNECT_OPEN, ConnectOpenArgs, None),
    (Proc.CONNECT_CLOSE, None, None),
    (Proc.CONNECT_SUPPORTS_FEATURE, ConnectSupportsFeatureArgs, ConnectSupportsFeatureRet),
    (Proc.CONNECT_GET_TYPE, None, ConnectGetTypeRet),
    (Proc.CONNECT_GET_VERSION, None, ConnectGetVersionRet),
    (Proc.CONNECT_GET_LIB_VERSION, None, ConnectGetLibVersionRet),
    (Proc.CONNECT_GET_HOSTNAME, None, ConnectGetHostnameRet),
    (Proc.CONNECT_GET_URI, None, ConnectGetUriRet),
    (Proc.CONNECT_GET_CAPABILITIES, None, ConnectGetCapabilitiesRet),
    (Proc.CONNECT_GET_DOMAIN_CAPABILITIES, ConnectGetDomainCapabilitiesArgs, ConnectGetDomainCapabilitiesRet),
    (Proc.CONNECT_GET_SYSINFO, ConnectGetSysinfoArgs, ConnectGetSysinfoRet),
    (Proc.CONNECT_GET_MAX_VCPUS, ConnectGetMaxVcpusArgs, ConnectGetMaxVcpusRet),
    (Proc.CONNECT_IS_SECURE, None, ConnectIsSecureRet),
    (Proc.CONNECT_REGISTER_CLOSE_CALLBACK, None, None),
    (Proc.CONNECT_UNREGISTER_CLOSE_CALLBACK, None, None),
    (Proc.NODE_GET_INFO, None, NodeGetInfoRet),
    (Proc.NODE_GET_CPU_STATS, NodeGetCpuStatsArgs, NodeGetCpuStatsRet),
    (Proc.NODE_GET_MEMORY_STATS, NodeGetMemoryStatsArgs, NodeGetMemoryStatsRet),
    (Proc.NODE_GET_FREE_MEMORY, None, NodeGetFreeMemoryRet),
    (Proc.NODE_GET_CELLS_FREE_MEMORY, NodeGetCellsFreeMemoryArgs, NodeGetCellsFreeMemoryRet),
    (Proc.CONNECT_LIST_ALL_DOMAINS, ConnectListAllDomainsArgs, ConnectListAllDomainsRet),
    (Proc.CONNECT_LIST_DOMAINS, ConnectListDomainsArgs, ConnectListDomainsRet),
    (Proc.CONNECT_NUM_OF_DOMAINS, None, ConnectNumOfDomainsRet),
    (Proc.CONNECT_LIST_DEFINED_DOMAINS, ConnectListDefinedDomainsArgs, ConnectListDefinedDomainsRet),
    (Proc.CONNECT_NUM_OF_DEFINED_DOMAINS, None, ConnectNumOfDomainsRet),
]
