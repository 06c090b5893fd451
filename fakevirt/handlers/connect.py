"""Connection and host procedures (virConnect*, virNode*) as libvirtd with the QEMU driver answers them."""

from __future__ import annotations

from typing import Any

from protocol import NonnullDomain, Proc
from protocol.remote import connect as w
from protocol.remote.limits import DOMAIN_LIST_MAX, NODE_CPU_STATS_MAX, NODE_MEMORY_STATS_MAX

from ..errors import VirtError
from ..errors import connect as err
from ..errors import node as node_err
from ..errors import testdriver as test_err
from ..model.hypervisor import SecondaryDriver
from ..model.secondary import SECONDARY_FEATURES, STORAGE_POOL_TYPES
from ..model.testdriver.driver import TEST_MAX_VCPUS, TestDriver
from ..xml.capabilities import capabilities_xml, storage_capabilities_xml
from ..xml.domcapabilities import domain_capabilities_xml
from ..xml.sysinfo import sysinfo_xml
from ..xml.testdriver import SYSINFO_XML, test_capabilities_xml
from ..xml.testnode import node_loader
from ._client import Client
from ._lists import legacy_list, list_all
from ._registry import procedure
from .outcome import Outcome

LIB_VERSION = 9_000_000  # libvirt 9.0.0, what the reference daemon runs

# virDrvFeature numbers (src/libvirt_internal.h)
FEATURE_FD_PASSING = 8
FEATURE_PROGRAM_KEEPALIVE = 10
FEATURE_REMOTE_EVENT_CALLBACK = 14
FEATURE_REMOTE_CLOSE_CALLBACK = 15
# What remoteDispatchConnectSupportsFeature + qemuConnectSupportsFeature answer 1 to:
# RPC-level (8, 14, 15), global (9 TYPED_PARAM_STRING, 16 NETWORK_UPDATE_HAS_CORRECT_ORDER)
# and the migration features the QEMU driver has (3, 4, 6, 7, 11, 12, 13).
SUPPORTED_FEATURES = frozenset({3, 4, 6, 7, 8, 9, 11, 12, 13, 14, 15, 16})
# testConnectSupportsFeature: 9 and 16, with the RPC-level ones libvirtd answers itself
TEST_FEATURES = frozenset({8, 9, 14, 15, 16})

CONNECT_RO = 1  # REMOTE_DRIVER_OPEN_RO / VIR_CONNECT_RO


@procedure(Proc.AUTH_LIST, before_open=True)
def auth_list(client: Client, args: None) -> w.AuthListRet:
    """remoteDispatchAuthList: no authentication on our sockets."""
    return w.AuthListRet(types=(w.AuthType.NONE,))


@procedure(Proc.CONNECT_OPEN, before_open=True)
def connect_open(client: Client, args: w.ConnectOpenArgs) -> None:
    """virConnectOpen on the daemon side: pick the driver instance the name selects.

    Read-only sticks, as in libvirtd: a client of a read-only socket, or one that opened
    read-only before, gets a read-only connection whatever flags it sends.
    """
    if client.driver is not None:
        # libvirtd drops the open hypervisor connection on the way out of this error
        client.driver.release()
        client.driver = None
        client.hypervisor_dropped = True
        raise VirtError.daemon("connection already open")
    readonly = client.readonly or client.readonly_listener or bool(args.flags & CONNECT_RO)
    root = client.hv.parent or client.hv
    client.driver = root.open(args.name, node_loader(root.read_file, root.rng.uuid))
    client.hv = client.driver.hypervisor  # a test driver's node is a host of its own
    client.hypervisor_dropped = False
    client.readonly = readonly


@procedure(Proc.CONNECT_CLOSE, before_open=True)
def connect_close(client: Client, args: None) -> Outcome:
    """virConnectClose: answered, then the connection is closed."""
    return Outcome(close=True)


@procedure(Proc.CONNECT_SUPPORTS_FEATURE, before_open=True)
def connect_supports_feature(client: Client, args: w.ConnectSupportsFeatureArgs
                             ) -> w.ConnectSupportsFeatureRet | Outcome:
    """Keepalive is asked before open and starts our pings; the rest needs an open connection."""
    if args.feature == FEATURE_PROGRAM_KEEPALIVE:
        return Outcome(w.ConnectSupportsFeatureRet(supported=1), keepalive=True)
    if client.driver is None:
        raise VirtError.not_open()
    features = (TEST_FEATURES if isinstance(client.driver, TestDriver) else
                SECONDARY_FEATURES if isinstance(client.driver, SecondaryDriver) else SUPPORTED_FEATURES)
    return w.ConnectSupportsFeatureRet(supported=int(args.feature in features))


@procedure(Proc.CONNECT_GET_TYPE)
def connect_get_type(client: Client, args: None) -> w.ConnectGetTypeRet:
    """virConnectGetType."""
    return w.ConnectGetTypeRet(type=client.opened.kind)


@procedure(Proc.CONNECT_GET_VERSION)
def connect_get_version(client: Client, args: None) -> w.ConnectGetVersionRet:
    """virConnectGetVersion: the QEMU version, major * 1,000,000 + minor * 1,000 + micro."""
    return w.ConnectGetVersionRet(hv_ver=client.opened.version)


@procedure(Proc.CONNECT_GET_LIB_VERSION)
def connect_get_lib_version(client: Client, args: None) -> w.ConnectGetLibVersionRet:
    """virConnectGetLibVersion."""
    return w.ConnectGetLibVersionRet(lib_ver=LIB_VERSION)


@procedure(Proc.CONNECT_GET_HOSTNAME)
def connect_get_hostname(client: Client, args: None) -> w.ConnectGetHostnameRet:
    """virConnectGetHostname."""
    return w.ConnectGetHostnameRet(hostname=client.opened.host.hostname)


@procedure(Proc.CONNECT_GET_URI)
def connect_get_uri(client: Client, args: None) -> w.ConnectGetUriRet:
    """virConnectGetURI (sent only by clients that opened without a URI)."""
    return w.ConnectGetUriRet(uri=client.opened.uri)


@procedure(Proc.CONNECT_GET_CAPABILITIES)
def connect_get_capabilities(client: Client, args: None) -> w.ConnectGetCapabilitiesRet:
    """virConnectGetCapabilities."""
    if isinstance(client.opened, TestDriver):
        return w.ConnectGetCapabilitiesRet(capabilities=test_capabilities_xml(client.opened.node))
    if isinstance(client.opened, SecondaryDriver):  # storage:///system: the pool types it has backends for
        return w.ConnectGetCapabilitiesRet(capabilities=storage_capabilities_xml(STORAGE_POOL_TYPES))
    return w.ConnectGetCapabilitiesRet(capabilities=capabilities_xml(client.opened.host))


@procedure(Proc.CONNECT_GET_DOMAIN_CAPABILITIES)
def connect_get_domain_capabilities(client: Client, args: w.ConnectGetDomainCapabilitiesArgs
                                    ) -> w.ConnectGetDomainCapabilitiesRet:
    """virConnectGetDomainCapabilities."""
    if isinstance(client.opened, TestDriver):
        raise test_err.no_support("virConnectGetDomainCapabilities")
    xml = domain_capabilities_xml(client.opened.host, args.emulatorbin, args.arch, args.machine,
                                  args.virttype, args.flags)
    return w.ConnectGetDomainCapabilitiesRet(capabilities=xml)


@procedure(Proc.CONNECT_GET_SYSINFO)
def connect_get_sysinfo(client: Client, args: w.ConnectGetSysinfoArgs) -> w.ConnectGetSysinfoRet:
    """virConnectGetSysinfo."""
    if args.flags:
        raise VirtError.unsupported_flags("qemuConnectGetSysinfo", args.flags)
    if isinstance(client.opened, TestDriver):
        return w.ConnectGetSysinfoRet(sysinfo=SYSINFO_XML)
    return w.ConnectGetSysinfoRet(sysinfo=sysinfo_xml(client.opened.host))


@procedure(Proc.CONNECT_GET_MAX_VCPUS)
def connect_get_max_vcpus(client: Client, args: w.ConnectGetMaxVcpusArgs) -> w.ConnectGetMaxVcpusRet:
    """virConnectGetMaxVcpus (qemuConnectGetMaxVcpus)."""
    if isinstance(client.opened, TestDriver):
        return w.ConnectGetMaxVcpusRet(max_vcpus=TEST_MAX_VCPUS)
    kind = (args.type or "qemu").lower()
    if kind == "qemu":
        return w.ConnectGetMaxVcpusRet(max_vcpus=16)
    if kind == "kvm":
        return w.ConnectGetMaxVcpusRet(max_vcpus=client.opened.host.kvm_max_vcpus)
    raise err.unknown_vcpu_type(args.type)


@procedure(Proc.CONNECT_IS_SECURE)
def connect_is_secure(client: Client, args: None) -> w.ConnectIsSecureRet:
    """virConnectIsSecure: the QEMU driver is 'trivially secure, since always inside the daemon'."""
    return w.ConnectIsSecureRet(secure=1)


@procedure(Proc.CONNECT_REGISTER_CLOSE_CALLBACK)
def connect_register_close_callback(client: Client, args: None) -> None:
    """virConnectRegisterCloseCallback."""
    client.close_callback = True


@procedure(Proc.CONNECT_UNREGISTER_CLOSE_CALLBACK)
def connect_unregister_close_callback(client: Client, args: None) -> None:
    """virConnectUnregisterCloseCallback."""
    client.close_callback = False


@procedure(Proc.NODE_GET_INFO)
def node_get_info(client: Client, args: None) -> w.NodeGetInfoRet:
    """virNodeGetInfo."""
    if isinstance(client.opened, TestDriver):
        n = client.opened.node.info
        return w.NodeGetInfoRet(model=n.model[:31], memory=n.memory_kib, cpus=_c_int(n.cpus), mhz=_c_int(n.mhz),
                                nodes=_c_int(n.nodes), sockets=_c_int(n.sockets), cores=_c_int(n.cores),
                                threads=_c_int(n.threads))
    i = client.opened.host.node_info()
    return w.NodeGetInfoRet(model=i.model, memory=i.memory, cpus=i.cpus, mhz=i.mhz, nodes=i.nodes,
                            sockets=i.sockets, cores=i.cores, threads=i.threads)


def _c_int(value: int) -> int:
    """An unsigned int of virNodeInfo as remoteDispatchNodeGetInfo puts it in the reply's int."""
    return (value + (1 << 31)) % (1 << 32) - (1 << 31)


def _stats(pairs: list[tuple[str, int]], nparams: int) -> tuple[tuple[w.NodeStat, ...], int]:
    """The two-step typed-stats protocol: nparams 0 asks only for the count."""
    if nparams == 0:
        return (), len(pairs)
    return tuple(w.NodeStat(field=k, value=v) for k, v in pairs[:nparams]), min(nparams, len(pairs))


@procedure(Proc.NODE_GET_CPU_STATS)
def node_get_cpu_stats(client: Client, args: w.NodeGetCpuStatsArgs) -> w.NodeGetCpuStatsRet:
    """virNodeGetCPUStats."""
    _check_nparams(args.nparams, NODE_CPU_STATS_MAX)
    if args.flags:
        raise VirtError.unsupported_flags("virHostCPUGetStats", args.flags)
    if isinstance(client.opened, TestDriver):
        pairs = client.opened.cpu_stats()
    else:
        pairs = client.opened.host.cpu_stats(args.cpuNum, client.hv.clock.now(), args.nparams)
    params, n = _stats(pairs, args.nparams)
    return w.NodeGetCpuStatsRet(params=params, nparams=n)


@procedure(Proc.NODE_GET_MEMORY_STATS)
def node_get_memory_stats(client: Client, args: w.NodeGetMemoryStatsArgs) -> w.NodeGetMemoryStatsRet:
    """virNodeGetMemoryStats."""
    if isinstance(client.opened, TestDriver):
        raise test_err.no_support("virNodeGetMemoryStats")
    _check_nparams(args.nparams, NODE_MEMORY_STATS_MAX)
    if args.flags:
        raise VirtError.unsupported_flags("virHostMemGetStats", args.flags)
    pairs = client.opened.host.memory_stats(args.cellNum, args.nparams)
    params, n = _stats(pairs, args.nparams)
    return w.NodeGetMemoryStatsRet(params=params, nparams=n)


def _check_nparams(nparams: int, maximum: int) -> None:
    if nparams > maximum:
        raise VirtError.daemon("nparams too large")
    if nparams < 0:
        raise node_err.cpu_stats_negative_nparams()


@procedure(Proc.NODE_GET_FREE_MEMORY)
def node_get_free_memory(client: Client, args: None) -> w.NodeGetFreeMemoryRet:
    """virNodeGetFreeMemory: bytes."""
    if isinstance(client.opened, TestDriver):
        return w.NodeGetFreeMemoryRet(freeMem=client.opened.free_memory())
    return w.NodeGetFreeMemoryRet(freeMem=client.opened.host.free_memory_bytes())


@procedure(Proc.NODE_GET_CELLS_FREE_MEMORY)
def node_get_cells_free_memory(client: Client, args: w.NodeGetCellsFreeMemoryArgs
                               ) -> w.NodeGetCellsFreeMemoryRet:
    """virNodeGetCellsFreeMemory: bytes per NUMA cell from startCell."""
    if isinstance(client.opened, TestDriver):
        return w.NodeGetCellsFreeMemoryRet(cells=tuple(client.opened.cells_free_memory(args.startCell, args.maxcells)))
    cells = client.opened.host.cells_free_memory_bytes(args.startCell, args.maxcells)
    return w.NodeGetCellsFreeMemoryRet(cells=tuple(cells))


def _handle(d: Any) -> NonnullDomain:
    return NonnullDomain(name=d.name, uuid=d.uuid.bytes, id=d.id)


@procedure(Proc.CONNECT_LIST_ALL_DOMAINS)
def connect_list_all_domains(client: Client, args: w.ConnectListAllDomainsArgs) -> w.ConnectListAllDomainsRet:
    """virConnectListAllDomains: need_results 0 asks only for the count."""
    domains = client.opened.list_all_domains(args.flags)
    handles = list_all("domain", domains, DOMAIN_LIST_MAX, args.need_results, lambda f: tuple(map(_handle, f)))
    return w.ConnectListAllDomainsRet(domains=handles, ret=len(domains))


@procedure(Proc.CONNECT_NUM_OF_DOMAINS)
def connect_num_of_domains(client: Client, args: None) -> w.ConnectNumOfDomainsRet:
    """virConnectNumOfDomains: active domains."""
    return w.ConnectNumOfDomainsRet(num=len(client.opened.active_domain_ids()))


@procedure(Proc.CONNECT_LIST_DOMAINS)
def connect_list_domains(client: Client, args: w.ConnectListDomainsArgs) -> w.ConnectListDomainsRet:
    """virConnectListDomains: ids of active domains, at most maxids."""
    ids = legacy_list(client.opened.active_domain_ids, args.maxids, DOMAIN_LIST_MAX, "DOMAIN_LIST_MAX", "maxids")
    return w.ConnectListDomainsRet(ids=ids)


@procedure(Proc.CONNECT_NUM_OF_DEFINED_DOMAINS)
def connect_num_of_defined_domains(client: Client, args: None) -> w.ConnectNumOfDomainsRet:
    """virConnectNumOfDefinedDomains: inactive persistent domains."""
    return w.ConnectNumOfDomainsRet(num=len(client.opened.inactive_domain_names()))


@procedure(Proc.CONNECT_LIST_DEFINED_DOMAINS)
def connect_list_defined_domains(client: Client, args: w.ConnectListDefinedDomainsArgs
                                 ) -> w.ConnectListDefinedDomainsRet:
    """virConnectListDefinedDomains: names of inactive domains, at most maxnames."""
    names = legacy_list(client.opened.inactive_domain_names, args.maxnames, DOMAIN_LIST_MAX, "DOMAIN_LIST_MAX")
    return w.ConnectListDefinedDomainsRet(names=names)
