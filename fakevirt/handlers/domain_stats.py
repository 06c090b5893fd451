"""Domain statistics: all-domain stats, memory stats, vCPU info, control info."""

from __future__ import annotations

import uuid

from protocol import Proc, TypedParam
from protocol.remote import domain as wd
from protocol.remote import domain_stats as w
from protocol.remote.limits import (
    CONNECT_GET_ALL_DOMAIN_STATS_MAX,
    CPUMAPS_MAX,
    DOMAIN_INTERFACE_PARAMETERS_MAX,
    DOMAIN_LIST_MAX,
    VCPUINFO_MAX,
)

from ..errors import VirtError
from ..errors import domain as errors
from ..model import domain_iftune as iftune
from ..model import domain_stats as stats
from ._client import Client
from ._registry import procedure
from .domain import nonnull_domain, resolve


@procedure(Proc.CONNECT_GET_ALL_DOMAIN_STATS)
def connect_get_all_domain_stats(client: Client, args: w.ConnectGetAllDomainStatsArgs
                                 ) -> w.ConnectGetAllDomainStatsRet:
    """virConnectGetAllDomainStats / virDomainListGetStats (when doms are given)."""
    stats.check_request(args.stats, args.flags)
    domains = client.opened.domains
    if args.doms:
        chosen = [domains.by_handle(uuid.UUID(bytes=h.uuid), h.name) for h in args.doms]
    else:
        chosen = client.opened.list_all_domains(args.flags & stats.FILTERS)
    if len(chosen) > DOMAIN_LIST_MAX:
        raise errors.too_many_stats_records(len(chosen), DOMAIN_LIST_MAX)
    records = tuple(w.DomainStatsRecord(dom=nonnull_domain(dom), params=_params(stats.domain_stats(domains, dom, args.stats, args.flags)))
                    for dom in chosen)
    return w.ConnectGetAllDomainStatsRet(retStats=records)


def _params(found: list[stats.Stat]) -> tuple[TypedParam, ...]:
    """virTypedParamsSerialize's limit on one record's parameters."""
    if len(found) > CONNECT_GET_ALL_DOMAIN_STATS_MAX:
        raise VirtError.rpc(f"too many parameters '{len(found)}' for limit '{CONNECT_GET_ALL_DOMAIN_STATS_MAX}'")
    return tuple(TypedParam(field=f, value=(kind, value)) for f, kind, value in found)


@procedure(Proc.DOMAIN_MEMORY_STATS)
def domain_memory_stats(client: Client, args: w.DomainMemoryStatsArgs) -> w.DomainMemoryStatsRet:
    """virDomainMemoryStats (running domains only)."""
    dom = resolve(client, args.dom)
    if args.flags:
        raise VirtError.unsupported_flags("qemuDomainMemoryStats", args.flags)
    client.opened.domains.require_active(dom)
    pairs = stats.memory_stats(client.opened.domains, dom)[: args.maxStats]
    return w.DomainMemoryStatsRet(stats=tuple(w.DomainMemoryStat(tag=t, val=v) for t, v in pairs))


@procedure(Proc.DOMAIN_GET_VCPUS)
def domain_get_vcpus(client: Client, args: wd.DomainGetVcpusArgs) -> wd.DomainGetVcpusRet:
    """virDomainGetVcpus: per-vCPU state, time and host CPU, with affinity maps."""
    _check_cpumaps("maxinfo", args.maxinfo, args.maplen)
    if args.maxinfo <= 0:
        raise VirtError.bad_arg("maxinfo", "virDomainGetVcpus", "positive")
    if args.maplen < 0:
        raise VirtError.bad_arg("maplen", "virDomainGetVcpus", "nonnegative")
    dom = resolve(client, args.dom)
    if not dom.active:
        raise errors.vcpu_info_inactive()
    d = dom.definition
    host_cpus = client.opened.host.node_info().cpus
    per_vcpu = client.opened.domains.cpu_time(dom) // max(1, d.current_vcpus)
    count = min(args.maxinfo, d.current_vcpus)
    info = tuple(wd.VcpuInfo(number=n, state=1, cpu_time=per_vcpu, cpu=n % host_cpus) for n in range(count))
    return wd.DomainGetVcpusRet(info=info, cpumaps=_all_cpus_map(host_cpus, args.maplen) * count)


def _check_cpumaps(count_name: str, count: int, maplen: int) -> None:
    """remoteDispatch*: the reply must fit the protocol's limits."""
    if count > VCPUINFO_MAX:
        raise VirtError.daemon(f"{count_name} > REMOTE_VCPUINFO_MAX")
    if count * maplen > CPUMAPS_MAX:
        raise VirtError.daemon("maxinfo * maplen > REMOTE_CPUMAPS_MAX")


def _all_cpus_map(host_cpus: int, maplen: int) -> bytes:
    """A CPU bitmap of maplen bytes with every host CPU set: no vCPU is pinned."""
    full = bytes([0xFF] * (host_cpus // 8) + ([(1 << (host_cpus % 8)) - 1] if host_cpus % 8 else []))
    return (full + bytes(maplen))[:maplen]


@procedure(Proc.DOMAIN_GET_VCPU_PIN_INFO)
def domain_get_vcpu_pin_info(client: Client, args: w.DomainGetVcpuPinInfoArgs) -> w.DomainGetVcpuPinInfoRet:
    """virDomainGetVcpuPinInfo: every vCPU may run on every host CPU."""
    _check_cpumaps("ncpumaps", args.ncpumaps, args.maplen)
    for name, value in (("ncpumaps", args.ncpumaps), ("maplen", args.maplen)):
        if value <= 0:
            raise VirtError.bad_arg(name, "virDomainGetVcpuPinInfo", "positive")
    dom = resolve(client, args.dom)
    d = client.opened.domains.config_or_live(dom, args.flags)
    host_cpus = client.opened.host.node_info().cpus
    count = min(args.ncpumaps, d.vcpus)
    return w.DomainGetVcpuPinInfoRet(cpumaps=_all_cpus_map(host_cpus, args.maplen) * count, num=count)


@procedure(Proc.DOMAIN_GET_CONTROL_INFO)
def domain_get_control_info(client: Client, args: wd.DomainGetControlInfoArgs) -> wd.DomainGetControlInfoRet:
    """virDomainGetControlInfo: the monitor is always free (no job is ever in progress)."""
    dom = resolve(client, args.dom)
    if args.flags:
        raise VirtError.unsupported_flags("qemuDomainGetControlInfo", args.flags)
    client.opened.domains.require_active(dom)
    return wd.DomainGetControlInfoRet(state=0, details=0, stateTime=0)


@procedure(Proc.DOMAIN_GET_SCHEDULER_TYPE)
def domain_get_scheduler_type(client: Client, args: w.DomainGetSchedulerTypeArgs) -> w.DomainGetSchedulerTypeRet:
    """virDomainGetSchedulerType: CFS with its 9 tunables, as the QEMU driver on cgroups v2 says."""
    resolve(client, args.dom)
    return w.DomainGetSchedulerTypeRet(type="posix", nparams=9)


@procedure(Proc.DOMAIN_GET_INTERFACE_PARAMETERS)
def domain_get_interface_parameters(client: Client, args: w.DomainGetInterfaceParametersArgs
                                    ) -> w.DomainGetInterfaceParametersRet:
    """virDomainGetInterfaceParameters: nparams 0 asks for the count only."""
    if args.nparams > DOMAIN_INTERFACE_PARAMETERS_MAX:
        raise VirtError.daemon("nparams too large")
    found, count = iftune.get_interface_parameters(client.opened.domains, resolve(client, args.dom), args.device,
                                                   args.nparams, args.flags)
    return w.DomainGetInterfaceParametersRet(
        params=tuple(TypedParam(field=f, value=(kind, value)) for f, kind, value in found), nparams=count)


@procedure(Proc.DOMAIN_SET_INTERFACE_PARAMETERS)
def domain_set_interface_parameters(client: Client, args: w.DomainSetInterfaceParametersArgs) -> None:
    """virDomainSetInterfaceParameters: the <bandwidth> of one interface."""
    if not args.params:
        raise VirtError.bad_arg("nparams", "virDomainSetInterfaceParameters", "positive")
    iftune.set_interface_parameters(client.opened.domains, resolve(client, args.dom), args.device,
                                    [(p.field, p.value[0], p.value[1]) for p in args.params], args.flags)
