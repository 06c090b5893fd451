"""Domain statistics: all-domain stats, memory stats, vCPU info, control info."""

from __future__ import annotations

import uuid

from protocol import Proc, TypedParam
from protocol.remote import domain as wd
from protocol.remote import domain_stats as w
from protocol.remote.limits import (
    CONNECT_GET_ALL_DOMAIN_STATS_MAX,
    CPUMAPS_MAX,
    DOMAIN_GET_CPU_STATS_NCPUS_MAX,
    DOMAIN_INTERFACE_PARAMETERS_MAX,
    DOMAIN_LIST_MAX,
    DOMAIN_MEMORY_STATS_MAX,
    NODE_CPU_STATS_MAX,
    VCPUINFO_MAX,
)

from ..errors import VirtError
from ..errors import domain as errors
from ..model import domain_iftune as iftune
from ..model import domain_stats as stats
from ..model.domain_tuning import cpumap_bytes
from ..model.flags.stats import DomainMemoryStatTags
from ..model.stats.groups import Stat
from ._client import Client
from ._registry import procedure
from .domain import nonnull_domain, resolve


@procedure(Proc.CONNECT_GET_ALL_DOMAIN_STATS)
def connect_get_all_domain_stats(client: Client, args: w.ConnectGetAllDomainStatsArgs
                                 ) -> w.ConnectGetAllDomainStatsRet:
    """virConnectGetAllDomainStats / virDomainListGetStats (when doms are given)."""
    client.opened.stats.check_request(args.stats, args.flags)
    domains = client.opened.domains
    if args.doms:
        chosen = [domains.by_handle(uuid.UUID(bytes=h.uuid), h.name) for h in args.doms]
    else:
        chosen = client.opened.list_all_domains(args.flags & stats.FILTERS)
    if len(chosen) > DOMAIN_LIST_MAX:
        raise errors.too_many_stats_records(len(chosen), DOMAIN_LIST_MAX)
    model = client.opened.stats
    records = tuple(w.DomainStatsRecord(dom=nonnull_domain(dom), params=_params(model.domain_stats(dom, args.stats, args.flags)))
                    for dom in chosen)
    return w.ConnectGetAllDomainStatsRet(retStats=records)


def _params(found: list[Stat]) -> tuple[TypedParam, ...]:
    """virTypedParamsSerialize's limit on one record's parameters."""
    if len(found) > CONNECT_GET_ALL_DOMAIN_STATS_MAX:
        raise VirtError.rpc(f"too many parameters '{len(found)}' for limit '{CONNECT_GET_ALL_DOMAIN_STATS_MAX}'")
    return tuple(TypedParam(field=f, value=(kind, value)) for f, kind, value in found)


@procedure(Proc.DOMAIN_MEMORY_STATS)
def domain_memory_stats(client: Client, args: w.DomainMemoryStatsArgs) -> w.DomainMemoryStatsRet:
    """virDomainMemoryStats: at most maxStats of the running guest's memory figures."""
    if args.maxStats > DOMAIN_MEMORY_STATS_MAX:
        raise VirtError.daemon("maxStats > REMOTE_DOMAIN_MEMORY_STATS_MAX")
    dom = resolve(client, args.dom)
    if args.maxStats == 0:  # the public API returns before asking the driver
        return w.DomainMemoryStatsRet(stats=())
    if args.flags:
        raise VirtError.unsupported_flags("qemuDomainMemoryStats", args.flags)
    pairs = client.opened.stats.memory_stats(dom)[: min(args.maxStats, len(DomainMemoryStatTags) - 1)]
    return w.DomainMemoryStatsRet(stats=tuple(w.DomainMemoryStat(tag=t, val=v) for t, v in pairs))


@procedure(Proc.DOMAIN_SET_MEMORY_STATS_PERIOD)
def domain_set_memory_stats_period(client: Client, args: w.DomainSetMemoryStatsPeriodArgs) -> None:
    """virDomainSetMemoryStatsPeriod."""
    client.opened.stats.set_memory_stats_period(resolve(client, args.dom), args.period, args.flags)


@procedure(Proc.DOMAIN_START_DIRTY_RATE_CALC)
def domain_start_dirty_rate_calc(client: Client, args: w.DomainStartDirtyRateCalcArgs) -> None:
    """virDomainStartDirtyRateCalc."""
    client.opened.stats.start_dirty_rate_calc(resolve(client, args.dom), args.seconds, args.flags)


@procedure(Proc.DOMAIN_INTERFACE_STATS)
def domain_interface_stats(client: Client, args: w.DomainInterfaceStatsArgs) -> w.DomainInterfaceStatsRet:
    """virDomainInterfaceStats: by MAC address or host device name."""
    values = client.opened.stats.interface_stats(resolve(client, args.dom), args.device)
    names = ("rx_bytes", "rx_packets", "rx_errs", "rx_drop", "tx_bytes", "tx_packets", "tx_errs", "tx_drop")
    return w.DomainInterfaceStatsRet(**dict(zip(names, values, strict=True)))


@procedure(Proc.DOMAIN_GET_CPU_STATS)
def domain_get_cpu_stats(client: Client, args: w.DomainGetCpuStatsArgs) -> w.DomainGetCpuStatsRet:
    """virDomainGetCPUStats: nparams 0 asks for a count (of parameters, or of host CPUs with ncpus 0)."""
    if args.nparams > NODE_CPU_STATS_MAX:
        raise VirtError.daemon("nparams too large")
    if args.ncpus > DOMAIN_GET_CPU_STATS_NCPUS_MAX:
        raise VirtError.daemon("ncpus too large")
    dom = resolve(client, args.dom)
    found, count = client.opened.stats.cpu_stats(dom, args.nparams, args.start_cpu, args.ncpus, args.flags)
    return w.DomainGetCpuStatsRet(params=_params(found) if args.nparams else (), nparams=count)


@procedure(Proc.DOMAIN_GET_VCPUS)
def domain_get_vcpus(client: Client, args: wd.DomainGetVcpusArgs) -> wd.DomainGetVcpusRet:
    """virDomainGetVcpus: per-vCPU state, time and host CPU, with affinity maps."""
    _check_cpumaps("maxinfo", args.maxinfo, args.maplen)
    if args.maxinfo <= 0:
        raise VirtError.bad_arg("maxinfo", "virDomainGetVcpus", "positive")
    if args.maplen < 0:
        raise VirtError.bad_arg("maplen", "virDomainGetVcpus", "nonnegative")
    dom = resolve(client, args.dom)
    found = client.opened.stats.vcpu_info(dom, args.maxinfo)
    info = tuple(wd.VcpuInfo(number=n, state=1, cpu_time=t, cpu=c) for n, (t, c) in enumerate(found))
    count = len(found)
    maps = client.opened.tuning.vcpu_pin_info(dom, count, 0)  # the live affinities
    return wd.DomainGetVcpusRet(info=info, cpumaps=b"".join(cpumap_bytes(m, args.maplen) for m in maps))


def _check_cpumaps(count_name: str, count: int, maplen: int) -> None:
    """remoteDispatch*: the reply must fit the protocol's limits."""
    if count > VCPUINFO_MAX:
        raise VirtError.daemon(f"{count_name} > REMOTE_VCPUINFO_MAX")
    if count * maplen > CPUMAPS_MAX:
        raise VirtError.daemon("maxinfo * maplen > REMOTE_CPUMAPS_MAX")


@procedure(Proc.DOMAIN_GET_CONTROL_INFO)
def domain_get_control_info(client: Client, args: wd.DomainGetControlInfoArgs) -> wd.DomainGetControlInfoRet:
    """virDomainGetControlInfo: the state of the driver's channel to QEMU."""
    state, details, state_time = client.opened.domains.control_info(resolve(client, args.dom), args.flags)
    return wd.DomainGetControlInfoRet(state=state, details=details, stateTime=state_time)


@procedure(Proc.DOMAIN_GET_SCHEDULER_TYPE)
def domain_get_scheduler_type(client: Client, args: w.DomainGetSchedulerTypeArgs) -> w.DomainGetSchedulerTypeRet:
    """virDomainGetSchedulerType: the scheduler's name and how many tunables it has."""
    kind, count = client.opened.tuning.scheduler_type(resolve(client, args.dom))
    return w.DomainGetSchedulerTypeRet(type=kind, nparams=count)


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
