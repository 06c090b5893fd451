"""Domain tuning and placement: scheduler, memory, blkio and NUMA parameters, pinning, IOThreads,
perf events, lifecycle actions and virDomainSetVcpu."""

from __future__ import annotations

from typing import Any

from protocol import PROCEDURES, Proc, Program, TypedParam
from protocol.remote import domain_stats as w
from protocol.remote import domain_tuning as t
from protocol.remote.limits import (
    CPUMAPS_MAX,
    DOMAIN_BLKIO_PARAMETERS_MAX,
    DOMAIN_MEMORY_PARAMETERS_MAX,
    DOMAIN_NUMA_PARAMETERS_MAX,
    DOMAIN_SCHEDULER_PARAMETERS_MAX,
)

from ..errors import VirtError
from ..model.domain_tuning import cpumap_bytes
from ..model.flags.domain import DomainModificationImpact
from ..model.typedparams import Param
from ._client import Client
from ._registry import procedure
from .domain import resolve


def _wire(found: list[Param]) -> tuple[TypedParam, ...]:
    return tuple(TypedParam(field=f, value=(kind, value)) for f, kind, value in found)


def _model(params: tuple[TypedParam, ...]) -> list[Param]:
    return [(p.field, p.value[0], p.value[1]) for p in params]


def _check_nparams(nparams: int, limit: int) -> None:
    """remoteDispatch*: the daemon refuses a reply it could not send."""
    if nparams > limit:
        raise VirtError.daemon("nparams too large")


def _maplen(client: Client) -> int:
    return (client.opened.host.cpu_count + 7) // 8  # VIR_CPU_MAPLEN of the host's CPUs


# ---- scheduler ----------------------------------------------------------------------------------

@procedure(Proc.DOMAIN_GET_SCHEDULER_PARAMETERS)
def domain_get_scheduler_parameters(client: Client, args: w.DomainGetSchedulerParametersArgs
                                    ) -> w.DomainGetSchedulerParametersRet:
    """virDomainGetSchedulerParameters: AFFECT_CURRENT."""
    _check_nparams(args.nparams, DOMAIN_SCHEDULER_PARAMETERS_MAX)
    found = client.opened.tuning.get_scheduler(resolve(client, args.dom), args.nparams, 0)
    return w.DomainGetSchedulerParametersRet(params=_wire(found))


@procedure(Proc.DOMAIN_GET_SCHEDULER_PARAMETERS_FLAGS)
def domain_get_scheduler_parameters_flags(client: Client, args: w.DomainGetSchedulerParametersFlagsArgs
                                          ) -> w.DomainGetSchedulerParametersFlagsRet:
    """virDomainGetSchedulerParametersFlags."""
    _check_nparams(args.nparams, DOMAIN_SCHEDULER_PARAMETERS_MAX)
    found = client.opened.tuning.get_scheduler(resolve(client, args.dom), args.nparams, args.flags)
    return w.DomainGetSchedulerParametersFlagsRet(params=_wire(found))


@procedure(Proc.DOMAIN_SET_SCHEDULER_PARAMETERS)
def domain_set_scheduler_parameters(client: Client, args: t.DomainSetSchedulerParametersArgs) -> None:
    """virDomainSetSchedulerParameters: AFFECT_CURRENT."""
    client.opened.tuning.set_scheduler(resolve(client, args.dom), _model(args.params), 0)


@procedure(Proc.DOMAIN_SET_SCHEDULER_PARAMETERS_FLAGS)
def domain_set_scheduler_parameters_flags(client: Client, args: t.DomainSetSchedulerParametersFlagsArgs) -> None:
    """virDomainSetSchedulerParametersFlags."""
    client.opened.tuning.set_scheduler(resolve(client, args.dom), _model(args.params), args.flags)


# ---- memory, blkio, NUMA: one shape, three families ------------------------------------------------

def _parameter_family(family: str, get: Proc, set_: Proc, limit: int) -> None:
    """virDomainGet<Family>Parameters (nparams 0 asks for the count) and virDomainSet<Family>Parameters."""
    make_ret = PROCEDURES[(Program.REMOTE, get)].ret

    @procedure(get)
    def get_parameters(client: Client, args: Any) -> Any:
        _check_nparams(args.nparams, limit)
        found, count = getattr(client.opened.tuning, f"get_{family}")(resolve(client, args.dom), args.nparams,
                                                                     args.flags)
        return make_ret(params=_wire(found), nparams=count)

    @procedure(set_)
    def set_parameters(client: Client, args: Any) -> None:
        getattr(client.opened.tuning, f"set_{family}")(resolve(client, args.dom), _model(args.params), args.flags)


for _family, _get, _set, _limit in (
        ("memory", Proc.DOMAIN_GET_MEMORY_PARAMETERS, Proc.DOMAIN_SET_MEMORY_PARAMETERS, DOMAIN_MEMORY_PARAMETERS_MAX),
        ("blkio", Proc.DOMAIN_GET_BLKIO_PARAMETERS, Proc.DOMAIN_SET_BLKIO_PARAMETERS, DOMAIN_BLKIO_PARAMETERS_MAX),
        ("numa", Proc.DOMAIN_GET_NUMA_PARAMETERS, Proc.DOMAIN_SET_NUMA_PARAMETERS, DOMAIN_NUMA_PARAMETERS_MAX)):
    _parameter_family(_family, _get, _set, _limit)


# ---- pinning ------------------------------------------------------------------------------------

@procedure(Proc.DOMAIN_PIN_VCPU)
def domain_pin_vcpu(client: Client, args: w.DomainPinVcpuArgs) -> None:
    """virDomainPinVcpu: the running domain."""
    client.opened.tuning.pin_vcpu(resolve(client, args.dom), args.vcpu, args.cpumap,
                                  DomainModificationImpact.AFFECT_LIVE)


@procedure(Proc.DOMAIN_PIN_VCPU_FLAGS)
def domain_pin_vcpu_flags(client: Client, args: w.DomainPinVcpuFlagsArgs) -> None:
    """virDomainPinVcpuFlags."""
    client.opened.tuning.pin_vcpu(resolve(client, args.dom), args.vcpu, args.cpumap, args.flags)


@procedure(Proc.DOMAIN_GET_VCPU_PIN_INFO)
def domain_get_vcpu_pin_info(client: Client, args: w.DomainGetVcpuPinInfoArgs) -> w.DomainGetVcpuPinInfoRet:
    """virDomainGetVcpuPinInfo: one map of maplen bytes per vCPU."""
    if args.ncpumaps * args.maplen > CPUMAPS_MAX:
        raise VirtError.daemon("ncpumaps * maplen > REMOTE_CPUMAPS_MAX")
    for name, value in (("ncpumaps", args.ncpumaps), ("maplen", args.maplen)):
        if value <= 0:
            raise VirtError.bad_arg(name, "virDomainGetVcpuPinInfo", "positive")
    maps = client.opened.tuning.vcpu_pin_info(resolve(client, args.dom), args.ncpumaps, args.flags)
    return w.DomainGetVcpuPinInfoRet(cpumaps=b"".join(cpumap_bytes(m, args.maplen) for m in maps), num=len(maps))


@procedure(Proc.DOMAIN_PIN_EMULATOR)
def domain_pin_emulator(client: Client, args: t.DomainPinEmulatorArgs) -> None:
    """virDomainPinEmulator."""
    client.opened.tuning.pin_emulator(resolve(client, args.dom), args.cpumap, args.flags)


@procedure(Proc.DOMAIN_GET_EMULATOR_PIN_INFO)
def domain_get_emulator_pin_info(client: Client, args: w.DomainGetEmulatorPinInfoArgs
                                 ) -> w.DomainGetEmulatorPinInfoRet:
    """virDomainGetEmulatorPinInfo: one map."""
    if args.maplen > CPUMAPS_MAX:
        raise VirtError.daemon("maplen > REMOTE_CPUMAPS_MAX")
    if args.maplen <= 0:
        raise VirtError.bad_arg("maplen", "virDomainGetEmulatorPinInfo", "positive")
    cpus = client.opened.tuning.emulator_pin_info(resolve(client, args.dom), args.flags)
    return w.DomainGetEmulatorPinInfoRet(cpumaps=cpumap_bytes(cpus, args.maplen), ret=1)


@procedure(Proc.DOMAIN_PIN_IOTHREAD)
def domain_pin_iothread(client: Client, args: t.DomainPinIothreadArgs) -> None:
    """virDomainPinIOThread."""
    client.opened.tuning.pin_iothread(resolve(client, args.dom), args.iothreads_id, args.cpumap, args.flags)


@procedure(Proc.DOMAIN_GET_IOTHREAD_INFO)
def domain_get_iothread_info(client: Client, args: w.DomainGetIothreadInfoArgs) -> w.DomainGetIothreadInfoRet:
    """virDomainGetIOThreadInfo."""
    found = client.opened.tuning.iothread_info(resolve(client, args.dom), args.flags)
    maplen = _maplen(client)
    info = tuple(w.DomainIothreadInfo(iothread_id=i, cpumap=cpumap_bytes(cpus, maplen)) for i, cpus in found)
    return w.DomainGetIothreadInfoRet(info=info, ret=len(info))


# ---- IOThreads, perf, lifecycle, vCPUs ----------------------------------------------------------

@procedure(Proc.DOMAIN_ADD_IOTHREAD)
def domain_add_iothread(client: Client, args: t.DomainAddIothreadArgs) -> None:
    """virDomainAddIOThread."""
    client.opened.tuning.add_iothread(resolve(client, args.dom), args.iothread_id, args.flags)


@procedure(Proc.DOMAIN_DEL_IOTHREAD)
def domain_del_iothread(client: Client, args: t.DomainDelIothreadArgs) -> None:
    """virDomainDelIOThread."""
    client.opened.tuning.del_iothread(resolve(client, args.dom), args.iothread_id, args.flags)


@procedure(Proc.DOMAIN_SET_IOTHREAD_PARAMS)
def domain_set_iothread_params(client: Client, args: t.DomainSetIothreadParamsArgs) -> None:
    """virDomainSetIOThreadParams."""
    client.opened.tuning.set_iothread_params(resolve(client, args.dom), args.iothread_id, _model(args.params),
                                             args.flags)


@procedure(Proc.DOMAIN_GET_PERF_EVENTS)
def domain_get_perf_events(client: Client, args: t.DomainGetPerfEventsArgs) -> t.DomainGetPerfEventsRet:
    """virDomainGetPerfEvents."""
    return t.DomainGetPerfEventsRet(params=_wire(client.opened.tuning.get_perf(resolve(client, args.dom), args.flags)))


@procedure(Proc.DOMAIN_SET_PERF_EVENTS)
def domain_set_perf_events(client: Client, args: t.DomainSetPerfEventsArgs) -> None:
    """virDomainSetPerfEvents."""
    client.opened.tuning.set_perf(resolve(client, args.dom), _model(args.params), args.flags)


@procedure(Proc.DOMAIN_SET_LIFECYCLE_ACTION)
def domain_set_lifecycle_action(client: Client, args: t.DomainSetLifecycleActionArgs) -> None:
    """virDomainSetLifecycleAction."""
    client.opened.tuning.set_lifecycle_action(resolve(client, args.dom), args.type, args.action, args.flags)


@procedure(Proc.DOMAIN_SET_VCPU)
def domain_set_vcpu(client: Client, args: t.DomainSetVcpuArgs) -> None:
    """virDomainSetVcpu."""
    client.opened.tuning.set_vcpu(resolve(client, args.dom), args.cpumap, args.state, args.flags)
