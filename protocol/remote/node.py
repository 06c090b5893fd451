"""Host CPU and memory procedures: CPU map, CPU models, compare/baseline, pages, KSM, SEV, suspend."""

from __future__ import annotations

from typing import Annotated

from .._common import REMOTE_STRING_MAX, NonnullDomain, NonnullString, OptString, TypedParam
from .._xdr import UHYPER, UINT, Array, Int, Opaque, String, UHyper, UInt, struct
from ._procedures import Proc
from .connect import ConnectBaselineCpuArgs as ConnectBaselineCpuArgs
from .connect import ConnectCompareCpuArgs as ConnectCompareCpuArgs
from .connect import ConnectCompareCpuRet as ConnectCompareCpuRet
from .limits import (
    CONNECT_CPU_MODELS_MAX,
    CPU_BASELINE_MAX,
    CPUMAP_MAX,
    DOMAIN_LAUNCH_SECURITY_INFO_PARAMS_MAX,
    DOMAIN_LAUNCH_SECURITY_STATE_PARAMS_MAX,
    NODE_MAX_CELLS,
    NODE_MEMORY_PARAMETERS_MAX,
    NODE_SEV_INFO_MAX,
)


@struct
class NodeGetCpuMapArgs:
    need_map: Int
    need_online: Int
    flags: UInt


@struct
class NodeGetCpuMapRet:
    cpumap: Annotated[bytes, Opaque(CPUMAP_MAX)]
    online: UInt
    ret: Int


@struct
class ConnectGetCpuModelNamesArgs:
    arch: NonnullString
    need_results: Int
    flags: UInt


@struct
class ConnectGetCpuModelNamesRet:
    models: Annotated[tuple[str, ...], Array(String(REMOTE_STRING_MAX), CONNECT_CPU_MODELS_MAX)]
    ret: Int


@struct
class ConnectBaselineCpuRet:
    cpu: NonnullString


@struct
class ConnectCompareHypervisorCpuArgs:
    emulator: OptString
    arch: OptString
    machine: OptString
    virttype: OptString
    xmlCPU: NonnullString
    flags: UInt


@struct
class ConnectBaselineHypervisorCpuArgs:
    emulator: OptString
    arch: OptString
    machine: OptString
    virttype: OptString
    xmlCPUs: Annotated[tuple[str, ...], Array(String(REMOTE_STRING_MAX), CPU_BASELINE_MAX)]
    flags: UInt


@struct
class NodeGetFreePagesArgs:
    pages: Annotated[tuple[int, ...], Array(UINT, NODE_MAX_CELLS)]
    startCell: Int
    cellCount: UInt
    flags: UInt


@struct
class NodeGetFreePagesRet:
    counts: Annotated[tuple[int, ...], Array(UHYPER, NODE_MAX_CELLS)]


@struct
class NodeAllocPagesArgs:
    pageSizes: Annotated[tuple[int, ...], Array(UINT, NODE_MAX_CELLS)]
    pageCounts: Annotated[tuple[int, ...], Array(UHYPER, NODE_MAX_CELLS)]
    startCell: Int
    cellCount: UInt
    flags: UInt


@struct
class NodeAllocPagesRet:
    ret: Int


@struct
class NodeGetMemoryParametersArgs:
    nparams: Int
    flags: UInt


@struct
class NodeGetMemoryParametersRet:
    params: Annotated[tuple[TypedParam, ...], Array(TypedParam, NODE_MEMORY_PARAMETERS_MAX)]
    nparams: Int


@struct
class NodeSetMemoryParametersArgs:
    params: Annotated[tuple[TypedParam, ...], Array(TypedParam, NODE_MEMORY_PARAMETERS_MAX)]
    flags: UInt


@struct
class NodeGetSevInfoArgs:
    nparams: Int
    flags: UInt


@struct
class NodeGetSevInfoRet:
    params: Annotated[tuple[TypedParam, ...], Array(TypedParam, NODE_SEV_INFO_MAX)]
    nparams: Int


@struct
class DomainGetLaunchSecurityInfoArgs:
    dom: NonnullDomain
    flags: UInt


@struct
class DomainGetLaunchSecurityInfoRet:
    params: Annotated[tuple[TypedParam, ...], Array(TypedParam, DOMAIN_LAUNCH_SECURITY_INFO_PARAMS_MAX)]


@struct
class DomainSetLaunchSecurityStateArgs:
    dom: NonnullDomain
    params: Annotated[tuple[TypedParam, ...], Array(TypedParam, DOMAIN_LAUNCH_SECURITY_STATE_PARAMS_MAX)]
    flags: UInt


@struct
class NodeSuspendForDurationArgs:
    target: UInt
    duration: UHyper
    flags: UInt


DECLARATIONS = [
    (Proc.NODE_GET_CPU_MAP, NodeGetCpuMapArgs, NodeGetCpuMapRet),
    (Proc.CONNECT_GET_CPU_MODEL_NAMES, ConnectGetCpuModelNamesArgs, ConnectGetCpuModelNamesRet),
    (Proc.CONNECT_COMPARE_CPU, ConnectCompareCpuArgs, ConnectCompareCpuRet),
    (Proc.CONNECT_BASELINE_CPU, ConnectBaselineCpuArgs, ConnectBaselineCpuRet),
    (Proc.CONNECT_COMPARE_HYPERVISOR_CPU, ConnectCompareHypervisorCpuArgs, ConnectCompareCpuRet),
    (Proc.CONNECT_BASELINE_HYPERVISOR_CPU, ConnectBaselineHypervisorCpuArgs, ConnectBaselineCpuRet),
    (Proc.NODE_GET_FREE_PAGES, NodeGetFreePagesArgs, NodeGetFreePagesRet),
    (Proc.NODE_ALLOC_PAGES, NodeAllocPagesArgs, NodeAllocPagesRet),
    (Proc.NODE_GET_MEMORY_PARAMETERS, NodeGetMemoryParametersArgs, NodeGetMemoryParametersRet),
    (Proc.NODE_SET_MEMORY_PARAMETERS, NodeSetMemoryParametersArgs, None),
    (Proc.NODE_GET_SEV_INFO, NodeGetSevInfoArgs, NodeGetSevInfoRet),
    (Proc.DOMAIN_GET_LAUNCH_SECURITY_INFO, DomainGetLaunchSecurityInfoArgs, DomainGetLaunchSecurityInfoRet),
    (Proc.DOMAIN_SET_LAUNCH_SECURITY_STATE, DomainSetLaunchSecurityStateArgs, None),
    (Proc.NODE_SUSPEND_FOR_DURATION, NodeSuspendForDurationArgs, None),
]
