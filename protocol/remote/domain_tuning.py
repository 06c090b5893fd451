"""Domain tuning and placement procedures not declared elsewhere (transcribed from remote_protocol.x)."""

from __future__ import annotations

from typing import Annotated

from .._common import NonnullDomain, NonnullString, TypedParam
from .._xdr import Array, Int, Opaque, UInt, struct
from ._procedures import Proc
from .limits import (
    CPUMAP_MAX,
    DOMAIN_IOTHREAD_PARAMS_MAX,
    DOMAIN_NUMA_PARAMETERS_MAX,
    DOMAIN_PERF_EVENTS_MAX,
    DOMAIN_SCHEDULER_PARAMETERS_MAX,
)

SchedParams = Annotated[tuple[TypedParam, ...], Array(TypedParam, DOMAIN_SCHEDULER_PARAMETERS_MAX)]
PerfParams = Annotated[tuple[TypedParam, ...], Array(TypedParam, DOMAIN_PERF_EVENTS_MAX)]
Cpumap = Annotated[bytes, Opaque(CPUMAP_MAX)]


@struct
class DomainSetSchedulerParametersArgs:
    dom: NonnullDomain
    params: SchedParams


@struct
class DomainSetSchedulerParametersFlagsArgs:
    dom: NonnullDomain
    params: SchedParams
    flags: UInt


@struct
class DomainSetNumaParametersArgs:
    dom: NonnullDomain
    params: Annotated[tuple[TypedParam, ...], Array(TypedParam, DOMAIN_NUMA_PARAMETERS_MAX)]
    flags: UInt


@struct
class DomainPinEmulatorArgs:
    dom: NonnullDomain
    cpumap: Cpumap
    flags: UInt


@struct
class DomainPinIothreadArgs:
    dom: NonnullDomain
    iothreads_id: UInt
    cpumap: Cpumap
    flags: UInt


@struct
class DomainAddIothreadArgs:
    dom: NonnullDomain
    iothread_id: UInt
    flags: UInt


@struct
class DomainDelIothreadArgs:
    dom: NonnullDomain
    iothread_id: UInt
    flags: UInt


@struct
class DomainSetIothreadParamsArgs:
    dom: NonnullDomain
    iothread_id: UInt
    params: Annotated[tuple[TypedParam, ...], Array(TypedParam, DOMAIN_IOTHREAD_PARAMS_MAX)]
    flags: UInt


@struct
class DomainGetPerfEventsArgs:
    dom: NonnullDomain
    flags: UInt


@struct
class DomainGetPerfEventsRet:
    params: PerfParams


@struct
class DomainSetPerfEventsArgs:
    dom: NonnullDomain
    params: PerfParams
    flags: UInt


@struct
class DomainSetVcpuArgs:
    dom: NonnullDomain
    cpumap: NonnullString
    state: Int
    flags: UInt


@struct
class DomainSetLifecycleActionArgs:
    dom: NonnullDomain
    type: UInt
    action: UInt
    flags: UInt


DECLARATIONS = [
    (Proc.DOMAIN_SET_SCHEDULER_PARAMETERS, DomainSetSchedulerParametersArgs, None),
    (Proc.DOMAIN_SET_SCHEDULER_PARAMETERS_FLAGS, DomainSetSchedulerParametersFlagsArgs, None),
    (Proc.DOMAIN_SET_NUMA_PARAMETERS, DomainSetNumaParametersArgs, None),
    (Proc.DOMAIN_PIN_EMULATOR, DomainPinEmulatorArgs, None),
    (Proc.DOMAIN_PIN_IOTHREAD, DomainPinIothreadArgs, None),
    (Proc.DOMAIN_ADD_IOTHREAD, DomainAddIothreadArgs, None),
    (Proc.DOMAIN_DEL_IOTHREAD, DomainDelIothreadArgs, None),
    (Proc.DOMAIN_SET_IOTHREAD_PARAMS, DomainSetIothreadParamsArgs, None),
    (Proc.DOMAIN_GET_PERF_EVENTS, DomainGetPerfEventsArgs, DomainGetPerfEventsRet),
    (Proc.DOMAIN_SET_PERF_EVENTS, DomainSetPerfEventsArgs, None),
    (Proc.DOMAIN_SET_VCPU, DomainSetVcpuArgs, None),
    (Proc.DOMAIN_SET_LIFECYCLE_ACTION, DomainSetLifecycleActionArgs, None),
]
