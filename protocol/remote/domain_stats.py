"""Domain statistics, tuning parameters, guest-agent and console procedures (transcribed from remote_protocol.x into our notation)."""

from __future__ import annotations

from typing import Annotated

from .._common import (
    REMOTE_STRING_MAX,
    NonnullDomain,
    NonnullString,
    OptString,
    TypedParam,
)
from .._xdr import (
    UINT,
    Array,
    Hyper,
    Int,
    Opaque,
    String,
    UHyper,
    UInt,
    struct,
)
from ._procedures import Proc
from .limits import (
    CONNECT_GET_ALL_DOMAIN_STATS_MAX,
    CPUMAP_MAX,
    CPUMAPS_MAX,
    DOMAIN_BLKIO_PARAMETERS_MAX,
    DOMAIN_BLOCK_STATS_PARAMETERS_MAX,
    DOMAIN_DISK_ERRORS_MAX,
    DOMAIN_FSFREEZE_MOUNTPOINTS_MAX,
    DOMAIN_FSINFO_DISKS_MAX,
    DOMAIN_FSINFO_MAX,
    DOMAIN_GET_CPU_STATS_MAX,
    DOMAIN_GUEST_INFO_PARAMS_MAX,
    DOMAIN_GUEST_VCPU_PARAMS_MAX,
    DOMAIN_INTERFACE_MAX,
    DOMAIN_INTERFACE_PARAMETERS_MAX,
    DOMAIN_IP_ADDR_MAX,
    DOMAIN_LIST_MAX,
    DOMAIN_MEMORY_PARAMETERS_MAX,
    DOMAIN_MEMORY_STATS_MAX,
    DOMAIN_NUMA_PARAMETERS_MAX,
    DOMAIN_SCHEDULER_PARAMETERS_MAX,
    DOMAIN_SEND_KEY_MAX,
    IOTHREAD_INFO_MAX,
)


@struct
class ConnectGetAllDomainStatsArgs:
    doms: Annotated[tuple[NonnullDomain, ...], Array(NonnullDomain, DOMAIN_LIST_MAX)]
    stats: UInt
    flags: UInt


@struct
class DomainStatsRecord:
    dom: NonnullDomain
    params: Annotated[tuple[TypedParam, ...], Array(TypedParam, CONNECT_GET_ALL_DOMAIN_STATS_MAX)]


@struct
class ConnectGetAllDomainStatsRet:
    retStats: Annotated[tuple[DomainStatsRecord, ...], Array(DomainStatsRecord, DOMAIN_LIST_MAX)]


@struct
class DomainGetSchedulerTypeArgs:
    dom: NonnullDomain


@struct
class DomainGetSchedulerTypeRet:
    type: NonnullString
    nparams: Int


@struct
class DomainMemoryStatsArgs:
    dom: NonnullDomain
    maxStats: UInt
    flags: UInt


@struct
class DomainMemoryStat:
    tag: Int
    val: UHyper


@struct
class DomainMemoryStatsRet:
    stats: Annotated[tuple[DomainMemoryStat, ...], Array(DomainMemoryStat, DOMAIN_MEMORY_STATS_MAX)]


@struct
class DomainBlockStatsArgs:
    dom: NonnullDomain
    path: NonnullString


@struct
class DomainBlockStatsRet:
    rd_req: Hyper
    rd_bytes: Hyper
    wr_req: Hyper
    wr_bytes: Hyper
    errs: Hyper


@struct
class DomainInterfaceStatsArgs:
    dom: NonnullDomain
    device: NonnullString


@struct
class DomainInterfaceStatsRet:
    rx_bytes: Hyper
    rx_packets: Hyper
    rx_errs: Hyper
    rx_drop: Hyper
    tx_bytes: Hyper
    tx_packets: Hyper
    tx_errs: Hyper
    tx_drop: Hyper


@struct
class DomainGetDiskErrorsArgs:
    dom: NonnullDomain
    maxerrors: UInt
    flags: UInt


@struct
class DomainDiskError:
    disk: NonnullString
    error: Int


@struct
class DomainGetDiskErrorsRet:
    errors: Annotated[tuple[DomainDiskError, ...], Array(DomainDiskError, DOMAIN_DISK_ERRORS_MAX)]
    nerrors: Int


@struct
class DomainSendKeyArgs:
    dom: NonnullDomain
    codeset: UInt
    holdtime: UInt
    keycodes: Annotated[tuple[int, ...], Array(UINT, DOMAIN_SEND_KEY_MAX)]
    flags: UInt


@struct
class DomainSetMemoryStatsPeriodArgs:
    dom: NonnullDomain
    period: Int
    flags: UInt


@struct
class DomainStartDirtyRateCalcArgs:
    dom: NonnullDomain
    seconds: Int
    flags: UInt


@struct
class DomainInjectNmiArgs:
    dom: NonnullDomain
    flags: UInt


@struct
class DomainGetTimeArgs:
    dom: NonnullDomain
    flags: UInt


@struct
class DomainGetTimeRet:
    seconds: Hyper
    nseconds: UInt


@struct
class DomainSetTimeArgs:
    dom: NonnullDomain
    seconds: Hyper
    nseconds: UInt
    flags: UInt


@struct
class DomainInterfaceAddressesArgs:
    dom: NonnullDomain
    source: UInt
    flags: UInt


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
class DomainInterfaceAddressesRet:
    ifaces: Annotated[tuple[DomainInterface, ...], Array(DomainInterface, DOMAIN_INTERFACE_MAX)]


@struct
class DomainGetCpuStatsArgs:
    dom: NonnullDomain
    nparams: UInt
    start_cpu: Int
    ncpus: UInt
    flags: UInt


@struct
class DomainGetCpuStatsRet:
    params: Annotated[tuple[TypedParam, ...], Array(TypedParam, DOMAIN_GET_CPU_STATS_MAX)]
    nparams: Int


@struct
class DomainGetMemoryParametersArgs:
    dom: NonnullDomain
    nparams: Int
    flags: UInt


@struct
class DomainGetMemoryParametersRet:
    params: Annotated[tuple[TypedParam, ...], Array(TypedParam, DOMAIN_MEMORY_PARAMETERS_MAX)]
    nparams: Int


@struct
class DomainSetMemoryParametersArgs:
    dom: NonnullDomain
    params: Annotated[tuple[TypedParam, ...], Array(TypedParam, DOMAIN_MEMORY_PARAMETERS_MAX)]
    flags: UInt


@struct
class DomainGetSchedulerParametersArgs:
    dom: NonnullDomain
    nparams: Int


@struct
class DomainGetSchedulerParametersRet:
    params: Annotated[tuple[TypedParam, ...], Array(TypedParam, DOMAIN_SCHEDULER_PARAMETERS_MAX)]


@struct
class DomainGetSchedulerParametersFlagsArgs:
    dom: NonnullDomain
    nparams: Int
    flags: UInt


@struct
class DomainGetSchedulerParametersFlagsRet:
    params: Annotated[tuple[TypedParam, ...], Array(TypedParam, DOMAIN_SCHEDULER_PARAMETERS_MAX)]


@struct
class DomainBlockStatsFlagsArgs:
    dom: NonnullDomain
    path: NonnullString
    nparams: Int
    flags: UInt


@struct
class DomainBlockStatsFlagsRet:
    params: Annotated[tuple[TypedParam, ...], Array(TypedParam, DOMAIN_BLOCK_STATS_PARAMETERS_MAX)]
    nparams: Int


@struct
class DomainGetBlkioParametersArgs:
    dom: NonnullDomain
    nparams: Int
    flags: UInt


@struct
class DomainGetBlkioParametersRet:
    params: Annotated[tuple[TypedParam, ...], Array(TypedParam, DOMAIN_BLKIO_PARAMETERS_MAX)]
    nparams: Int


@struct
class DomainSetBlkioParametersArgs:
    dom: NonnullDomain
    params: Annotated[tuple[TypedParam, ...], Array(TypedParam, DOMAIN_BLKIO_PARAMETERS_MAX)]
    flags: UInt


@struct
class DomainGetNumaParametersArgs:
    dom: NonnullDomain
    nparams: Int
    flags: UInt


@struct
class DomainGetNumaParametersRet:
    params: Annotated[tuple[TypedParam, ...], Array(TypedParam, DOMAIN_NUMA_PARAMETERS_MAX)]
    nparams: Int


@struct
class DomainGetInterfaceParametersArgs:
    dom: NonnullDomain
    device: NonnullString
    nparams: Int
    flags: UInt


@struct
class DomainGetInterfaceParametersRet:
    params: Annotated[tuple[TypedParam, ...], Array(TypedParam, DOMAIN_INTERFACE_PARAMETERS_MAX)]
    nparams: Int


@struct
class DomainSetInterfaceParametersArgs:
    dom: NonnullDomain
    device: NonnullString
    params: Annotated[tuple[TypedParam, ...], Array(TypedParam, DOMAIN_INTERFACE_PARAMETERS_MAX)]
    flags: UInt


@struct
class DomainCoreDumpArgs:
    dom: NonnullDomain
    to: NonnullString
    flags: UInt


@struct
class DomainCoreDumpWithFormatArgs:
    dom: NonnullDomain
    to: NonnullString
    dumpformat: UInt
    flags: UInt


@struct
class DomainPinVcpuArgs:
    dom: NonnullDomain
    vcpu: UInt
    cpumap: Annotated[bytes, Opaque(CPUMAP_MAX)]


@struct
class DomainPinVcpuFlagsArgs:
    dom: NonnullDomain
    vcpu: UInt
    cpumap: Annotated[bytes, Opaque(CPUMAP_MAX)]
    flags: UInt


@struct
class DomainGetVcpuPinInfoArgs:
    dom: NonnullDomain
    ncpumaps: Int
    maplen: Int
    flags: UInt


@struct
class DomainGetVcpuPinInfoRet:
    cpumaps: Annotated[bytes, Opaque(CPUMAPS_MAX)]
    num: Int


@struct
class DomainGetEmulatorPinInfoArgs:
    dom: NonnullDomain
    maplen: Int
    flags: UInt


@struct
class DomainGetEmulatorPinInfoRet:
    cpumaps: Annotated[bytes, Opaque(CPUMAPS_MAX)]
    ret: Int


@struct
class DomainGetIothreadInfoArgs:
    dom: NonnullDomain
    flags: UInt


@struct
class DomainIothreadInfo:
    iothread_id: UInt
    cpumap: Annotated[bytes, Opaque(CPUMAP_MAX)]


@struct
class DomainGetIothreadInfoRet:
    info: Annotated[tuple[DomainIothreadInfo, ...], Array(DomainIothreadInfo, IOTHREAD_INFO_MAX)]
    ret: UInt


@struct
class DomainSetUserPasswordArgs:
    dom: NonnullDomain
    user: OptString
    password: OptString
    flags: UInt


@struct
class DomainGetFsinfoArgs:
    dom: NonnullDomain
    flags: UInt


@struct
class DomainFsinfo:
    mountpoint: NonnullString
    name: NonnullString
    fstype: NonnullString
    dev_aliases: Annotated[tuple[str, ...], Array(String(REMOTE_STRING_MAX), DOMAIN_FSINFO_DISKS_MAX)]


@struct
class DomainGetFsinfoRet:
    info: Annotated[tuple[DomainFsinfo, ...], Array(DomainFsinfo, DOMAIN_FSINFO_MAX)]
    ret: UInt


@struct
class DomainGetGuestInfoArgs:
    dom: NonnullDomain
    types: UInt
    flags: UInt


@struct
class DomainGetGuestInfoRet:
    params: Annotated[tuple[TypedParam, ...], Array(TypedParam, DOMAIN_GUEST_INFO_PARAMS_MAX)]


@struct
class DomainGetGuestVcpusArgs:
    dom: NonnullDomain
    flags: UInt


@struct
class DomainGetGuestVcpusRet:
    params: Annotated[tuple[TypedParam, ...], Array(TypedParam, DOMAIN_GUEST_VCPU_PARAMS_MAX)]



@struct
class DomainFstrimArgs:
    dom: NonnullDomain
    mountPoint: OptString
    minimum: UHyper
    flags: UInt


@struct
class DomainFsfreezeArgs:
    dom: NonnullDomain
    mountpoints: Annotated[tuple[str, ...], Array(String(REMOTE_STRING_MAX), DOMAIN_FSFREEZE_MOUNTPOINTS_MAX)]
    flags: UInt


@struct
class DomainFsfreezeRet:
    filesystems: Int


@struct
class DomainFsthawArgs:
    dom: NonnullDomain
    mountpoints: Annotated[tuple[str, ...], Array(String(REMOTE_STRING_MAX), DOMAIN_FSFREEZE_MOUNTPOINTS_MAX)]
    flags: UInt


@struct
class DomainFsthawRet:
    filesystems: Int

DECLARATIONS = [
    (Proc.DOMAIN_FSTRIM, DomainFstrimArgs, None),
    (Proc.DOMAIN_FSFREEZE, DomainFsfreezeArgs, DomainFsfreezeRet),
    (Proc.DOMAIN_FSTHAW, DomainFsthawArgs, DomainFsthawRet),
    (Proc.CONNECT_GET_ALL_DOMAIN_STATS, ConnectGetAllDomainStatsArgs, ConnectGetAllDomainStatsRet),
    (Proc.DOMAIN_GET_SCHEDULER_TYPE, DomainGetSchedulerTypeArgs, DomainGetSchedulerTypeRet),
    (Proc.DOMAIN_MEMORY_STATS, DomainMemoryStatsArgs, DomainMemoryStatsRet),
    (Proc.DOMAIN_SET_MEMORY_STATS_PERIOD, DomainSetMemoryStatsPeriodArgs, None),
    (Proc.DOMAIN_START_DIRTY_RATE_CALC, DomainStartDirtyRateCalcArgs, None),
    (Proc.DOMAIN_BLOCK_STATS, DomainBlockStatsArgs, DomainBlockStatsRet),
    (Proc.DOMAIN_INTERFACE_STATS, DomainInterfaceStatsArgs, DomainInterfaceStatsRet),
    (Proc.DOMAIN_GET_DISK_ERRORS, DomainGetDiskErrorsArgs, DomainGetDiskErrorsRet),
    (Proc.DOMAIN_SEND_KEY, DomainSendKeyArgs, None),
    (Proc.DOMAIN_INJECT_NMI, DomainInjectNmiArgs, None),
    (Proc.DOMAIN_GET_TIME, DomainGetTimeArgs, DomainGetTimeRet),
    (Proc.DOMAIN_SET_TIME, DomainSetTimeArgs, None),
    (Proc.DOMAIN_INTERFACE_ADDRESSES, DomainInterfaceAddressesArgs, DomainInterfaceAddressesRet),
    (Proc.DOMAIN_GET_CPU_STATS, DomainGetCpuStatsArgs, DomainGetCpuStatsRet),
    (Proc.DOMAIN_GET_MEMORY_PARAMETERS, DomainGetMemoryParametersArgs, DomainGetMemoryParametersRet),
    (Proc.DOMAIN_SET_MEMORY_PARAMETERS, DomainSetMemoryParametersArgs, None),
    (Proc.DOMAIN_GET_SCHEDULER_PARAMETERS, DomainGetSchedulerParametersArgs, DomainGetSchedulerParametersRet),
    (Proc.DOMAIN_GET_SCHEDULER_PARAMETERS_FLAGS, DomainGetSchedulerParametersFlagsArgs, DomainGetSchedulerParametersFlagsRet),
    (Proc.DOMAIN_BLOCK_STATS_FLAGS, DomainBlockStatsFlagsArgs, DomainBlockStatsFlagsRet),
    (Proc.DOMAIN_GET_BLKIO_PARAMETERS, DomainGetBlkioParametersArgs, DomainGetBlkioParametersRet),
    (Proc.DOMAIN_SET_BLKIO_PARAMETERS, DomainSetBlkioParametersArgs, None),
    (Proc.DOMAIN_GET_NUMA_PARAMETERS, DomainGetNumaParametersArgs, DomainGetNumaParametersRet),
    (Proc.DOMAIN_GET_INTERFACE_PARAMETERS, DomainGetInterfaceParametersArgs, DomainGetInterfaceParametersRet),
    (Proc.DOMAIN_SET_INTERFACE_PARAMETERS, DomainSetInterfaceParametersArgs, None),
    (Proc.DOMAIN_CORE_DUMP, DomainCoreDumpArgs, None),
    (Proc.DOMAIN_CORE_DUMP_WITH_FORMAT, DomainCoreDumpWithFormatArgs, None),
    (Proc.DOMAIN_PIN_VCPU, DomainPinVcpuArgs, None),
    (Proc.DOMAIN_PIN_VCPU_FLAGS, DomainPinVcpuFlagsArgs, None),
    (Proc.DOMAIN_GET_VCPU_PIN_INFO, DomainGetVcpuPinInfoArgs, DomainGetVcpuPinInfoRet),
    (Proc.DOMAIN_GET_EMULATOR_PIN_INFO, DomainGetEmulatorPinInfoArgs, DomainGetEmulatorPinInfoRet),
    (Proc.DOMAIN_GET_IOTHREAD_INFO, DomainGetIothreadInfoArgs, DomainGetIothreadInfoRet),
    (Proc.DOMAIN_SET_USER_PASSWORD, DomainSetUserPasswordArgs, None),
    (Proc.DOMAIN_GET_FSINFO, DomainGetFsinfoArgs, DomainGetFsinfoRet),
    (Proc.DOMAIN_GET_GUEST_INFO, DomainGetGuestInfoArgs, DomainGetGuestInfoRet),
    (Proc.DOMAIN_GET_GUEST_VCPUS, DomainGetGuestVcpusArgs, DomainGetGuestVcpusRet),
]
