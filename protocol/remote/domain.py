"""Domain procedures: lookups, lifecycle, XML, memory/vCPUs, save, devices, jobs (transcribed from remote_protocol.x into our notation)."""

from __future__ import annotations

from typing import Annotated

from .._common import (
    REMOTE_STRING_MAX,
    NonnullDomain,
    NonnullString,
    OptString,
    TypedParam,
    Uuid,
)
from .._xdr import (
    Array,
    CharVarArray,
    Int,
    Opaque,
    String,
    UChar,
    UHyper,
    UInt,
    UShort,
    struct,
)
from ._procedures import Proc
from .limits import (
    CPUMAPS_MAX,
    DOMAIN_JOB_STATS_MAX,
    DOMAIN_MESSAGES_MAX,
    SECURITY_DOI_MAX,
    SECURITY_LABEL_LIST_MAX,
    SECURITY_LABEL_MAX,
    SECURITY_MODEL_MAX,
    VCPUINFO_MAX,
)


@struct
class DomainLookupByIdArgs:
    id: Int


@struct
class DomainLookupByIdRet:
    dom: NonnullDomain


@struct
class DomainLookupByNameArgs:
    name: NonnullString


@struct
class DomainLookupByNameRet:
    dom: NonnullDomain


@struct
class DomainLookupByUuidArgs:
    uuid: Uuid


@struct
class DomainLookupByUuidRet:
    dom: NonnullDomain


@struct
class DomainDefineXmlArgs:
    xml: NonnullString


@struct
class DomainDefineXmlRet:
    dom: NonnullDomain


@struct
class DomainDefineXmlFlagsArgs:
    xml: NonnullString
    flags: UInt


@struct
class DomainDefineXmlFlagsRet:
    dom: NonnullDomain


@struct
class DomainUndefineArgs:
    dom: NonnullDomain


@struct
class DomainUndefineFlagsArgs:
    dom: NonnullDomain
    flags: UInt


@struct
class DomainCreateArgs:
    dom: NonnullDomain


@struct
class DomainCreateWithFlagsArgs:
    dom: NonnullDomain
    flags: UInt


@struct
class DomainCreateWithFlagsRet:
    dom: NonnullDomain


@struct
class DomainCreateXmlArgs:
    xml_desc: NonnullString
    flags: UInt


@struct
class DomainCreateXmlRet:
    dom: NonnullDomain


@struct
class DomainDestroyArgs:
    dom: NonnullDomain


@struct
class DomainDestroyFlagsArgs:
    dom: NonnullDomain
    flags: UInt


@struct
class DomainShutdownArgs:
    dom: NonnullDomain


@struct
class DomainShutdownFlagsArgs:
    dom: NonnullDomain
    flags: UInt


@struct
class DomainRebootArgs:
    dom: NonnullDomain
    flags: UInt


@struct
class DomainResetArgs:
    dom: NonnullDomain
    flags: UInt


@struct
class DomainSuspendArgs:
    dom: NonnullDomain


@struct
class DomainResumeArgs:
    dom: NonnullDomain


@struct
class DomainPmWakeupArgs:
    dom: NonnullDomain
    flags: UInt


@struct
class DomainGetStateArgs:
    dom: NonnullDomain
    flags: UInt


@struct
class DomainGetStateRet:
    state: Int
    reason: Int


@struct
class DomainGetInfoArgs:
    dom: NonnullDomain


@struct
class DomainGetInfoRet:
    state: UChar
    maxMem: UHyper
    memory: UHyper
    nrVirtCpu: UShort
    cpuTime: UHyper


@struct
class DomainGetXmlDescArgs:
    dom: NonnullDomain
    flags: UInt


@struct
class DomainGetXmlDescRet:
    xml: NonnullString


@struct
class DomainGetAutostartArgs:
    dom: NonnullDomain


@struct
class DomainGetAutostartRet:
    autostart: Int


@struct
class DomainSetAutostartArgs:
    dom: NonnullDomain
    autostart: Int


@struct
class DomainIsActiveArgs:
    dom: NonnullDomain


@struct
class DomainIsActiveRet:
    active: Int


@struct
class DomainIsPersistentArgs:
    dom: NonnullDomain


@struct
class DomainIsPersistentRet:
    persistent: Int


@struct
class DomainIsUpdatedArgs:
    dom: NonnullDomain


@struct
class DomainIsUpdatedRet:
    updated: Int


@struct
class DomainGetOsTypeArgs:
    dom: NonnullDomain


@struct
class DomainGetOsTypeRet:
    type: NonnullString


@struct
class DomainGetMaxMemoryArgs:
    dom: NonnullDomain


@struct
class DomainGetMaxMemoryRet:
    memory: UHyper


@struct
class DomainSetMemoryArgs:
    dom: NonnullDomain
    memory: UHyper


@struct
class DomainSetMemoryFlagsArgs:
    dom: NonnullDomain
    memory: UHyper
    flags: UInt


@struct
class DomainSetMaxMemoryArgs:
    dom: NonnullDomain
    memory: UHyper


@struct
class DomainGetVcpusFlagsArgs:
    dom: NonnullDomain
    flags: UInt


@struct
class DomainGetVcpusFlagsRet:
    num: Int


@struct
class DomainSetVcpusArgs:
    dom: NonnullDomain
    nvcpus: UInt


@struct
class DomainSetVcpusFlagsArgs:
    dom: NonnullDomain
    nvcpus: UInt
    flags: UInt


@struct
class DomainGetMaxVcpusArgs:
    dom: NonnullDomain


@struct
class DomainGetMaxVcpusRet:
    num: Int


@struct
class DomainGetVcpusArgs:
    dom: NonnullDomain
    maxinfo: Int
    maplen: Int


@struct
class VcpuInfo:
    number: UInt
    state: Int
    cpu_time: UHyper
    cpu: Int


@struct
class DomainGetVcpusRet:
    info: Annotated[tuple[VcpuInfo, ...], Array(VcpuInfo, VCPUINFO_MAX)]
    cpumaps: Annotated[bytes, Opaque(CPUMAPS_MAX)]


@struct
class DomainManagedSaveArgs:
    dom: NonnullDomain
    flags: UInt


@struct
class DomainHasManagedSaveImageArgs:
    dom: NonnullDomain
    flags: UInt


@struct
class DomainHasManagedSaveImageRet:
    result: Int


@struct
class DomainManagedSaveRemoveArgs:
    dom: NonnullDomain
    flags: UInt


@struct
class DomainManagedSaveGetXmlDescArgs:
    dom: NonnullDomain
    flags: UInt


@struct
class DomainManagedSaveGetXmlDescRet:
    xml: NonnullString


@struct
class DomainSaveArgs:
    dom: NonnullDomain
    to: NonnullString


@struct
class DomainSaveFlagsArgs:
    dom: NonnullDomain
    to: NonnullString
    dxml: OptString
    flags: UInt


@struct
class DomainRestoreArgs:
    from_: NonnullString  # "from" in the .x


@struct
class DomainRestoreFlagsArgs:
    from_: NonnullString  # "from" in the .x
    dxml: OptString
    flags: UInt


@struct
class DomainSaveImageGetXmlDescArgs:
    file: NonnullString
    flags: UInt


@struct
class DomainSaveImageGetXmlDescRet:
    xml: NonnullString


@struct
class DomainRenameArgs:
    dom: NonnullDomain
    new_name: OptString
    flags: UInt


@struct
class DomainRenameRet:
    retcode: Int


@struct
class DomainGetMetadataArgs:
    dom: NonnullDomain
    type: Int
    uri: OptString
    flags: UInt


@struct
class DomainGetMetadataRet:
    metadata: NonnullString


@struct
class DomainSetMetadataArgs:
    dom: NonnullDomain
    type: Int
    metadata: OptString
    key: OptString
    uri: OptString
    flags: UInt


@struct
class DomainAttachDeviceArgs:
    dom: NonnullDomain
    xml: NonnullString


@struct
class DomainAttachDeviceFlagsArgs:
    dom: NonnullDomain
    xml: NonnullString
    flags: UInt


@struct
class DomainDetachDeviceArgs:
    dom: NonnullDomain
    xml: NonnullString


@struct
class DomainDetachDeviceFlagsArgs:
    dom: NonnullDomain
    xml: NonnullString
    flags: UInt


@struct
class DomainUpdateDeviceFlagsArgs:
    dom: NonnullDomain
    xml: NonnullString
    flags: UInt


@struct
class DomainDetachDeviceAliasArgs:
    dom: NonnullDomain
    alias: NonnullString
    flags: UInt


@struct
class DomainGetBlockInfoArgs:
    dom: NonnullDomain
    path: NonnullString
    flags: UInt


@struct
class DomainGetBlockInfoRet:
    allocation: UHyper
    capacity: UHyper
    physical: UHyper


@struct
class DomainGetSecurityLabelArgs:
    dom: NonnullDomain


@struct
class DomainGetSecurityLabelRet:
    label: Annotated[str, CharVarArray(SECURITY_LABEL_MAX)]
    enforcing: Int


@struct
class DomainGetSecurityLabelListArgs:
    dom: NonnullDomain


@struct
class DomainGetSecurityLabelListRet:
    labels: Annotated[tuple[DomainGetSecurityLabelRet, ...], Array(DomainGetSecurityLabelRet, SECURITY_LABEL_LIST_MAX)]
    ret: Int


@struct
class NodeGetSecurityModelRet:
    model: Annotated[str, CharVarArray(SECURITY_MODEL_MAX)]
    doi: Annotated[str, CharVarArray(SECURITY_DOI_MAX)]


@struct
class DomainGetHostnameArgs:
    dom: NonnullDomain
    flags: UInt


@struct
class DomainGetHostnameRet:
    hostname: NonnullString


@struct
class DomainGetMessagesArgs:
    dom: NonnullDomain
    flags: UInt


@struct
class DomainGetMessagesRet:
    msgs: Annotated[tuple[str, ...], Array(String(REMOTE_STRING_MAX), DOMAIN_MESSAGES_MAX)]


@struct
class DomainGetJobInfoArgs:
    dom: NonnullDomain


@struct
class DomainGetJobInfoRet:
    type: Int
    timeElapsed: UHyper
    timeRemaining: UHyper
    dataTotal: UHyper
    dataProcessed: UHyper
    dataRemaining: UHyper
    memTotal: UHyper
    memProcessed: UHyper
    memRemaining: UHyper
    fileTotal: UHyper
    fileProcessed: UHyper
    fileRemaining: UHyper


@struct
class DomainGetJobStatsArgs:
    dom: NonnullDomain
    flags: UInt


@struct
class DomainGetJobStatsRet:
    type: Int
    params: Annotated[tuple[TypedParam, ...], Array(TypedParam, DOMAIN_JOB_STATS_MAX)]


@struct
class DomainAbortJobArgs:
    dom: NonnullDomain


@struct
class DomainGetControlInfoArgs:
    dom: NonnullDomain
    flags: UInt


@struct
class DomainGetControlInfoRet:
    state: UInt
    details: UInt
    stateTime: UHyper


DECLARATIONS = [
    (Proc.DOMAIN_LOOKUP_BY_ID, DomainLookupByIdArgs, DomainLookupByIdRet),
    (Proc.DOMAIN_LOOKUP_BY_NAME, DomainLookupByNameArgs, DomainLookupByNameRet),
    (Proc.DOMAIN_LOOKUP_BY_UUID, DomainLookupByUuidArgs, DomainLookupByUuidRet),
    (Proc.DOMAIN_DEFINE_XML, DomainDefineXmlArgs, DomainDefineXmlRet),
    (Proc.DOMAIN_DEFINE_XML_FLAGS, DomainDefineXmlFlagsArgs, DomainDefineXmlFlagsRet),
    (Proc.DOMAIN_UNDEFINE, DomainUndefineArgs, None),
    (Proc.DOMAIN_UNDEFINE_FLAGS, DomainUndefineFlagsArgs, None),
    (Proc.DOMAIN_CREATE, DomainCreateArgs, None),
    (Proc.DOMAIN_CREATE_WITH_FLAGS, DomainCreateWithFlagsArgs, DomainCreateWithFlagsRet),
    (Proc.DOMAIN_CREATE_XML, DomainCreateXmlArgs, DomainCreateXmlRet),
    (Proc.DOMAIN_DESTROY, DomainDestroyArgs, None),
    (Proc.DOMAIN_DESTROY_FLAGS, DomainDestroyFlagsArgs, None),
    (Proc.DOMAIN_SHUTDOWN, DomainShutdownArgs, None),
    (Proc.DOMAIN_SHUTDOWN_FLAGS, DomainShutdownFlagsArgs, None),
    (Proc.DOMAIN_REBOOT, DomainRebootArgs, None),
    (Proc.DOMAIN_RESET, DomainResetArgs, None),
    (Proc.DOMAIN_SUSPEND, DomainSuspendArgs, None),
    (Proc.DOMAIN_RESUME, DomainResumeArgs, None),
    (Proc.DOMAIN_PM_WAKEUP, DomainPmWakeupArgs, None),
    (Proc.DOMAIN_GET_STATE, DomainGetStateArgs, DomainGetStateRet),
    (Proc.DOMAIN_GET_INFO, DomainGetInfoArgs, DomainGetInfoRet),
    (Proc.DOMAIN_GET_XML_DESC, DomainGetXmlDescArgs, DomainGetXmlDescRet),
    (Proc.DOMAIN_GET_AUTOSTART, DomainGetAutostartArgs, DomainGetAutostartRet),
    (Proc.DOMAIN_SET_AUTOSTART, DomainSetAutostartArgs, None),
    (Proc.DOMAIN_IS_ACTIVE, DomainIsActiveArgs, DomainIsActiveRet),
    (Proc.DOMAIN_IS_PERSISTENT, DomainIsPersistentArgs, DomainIsPersistentRet),
    (Proc.DOMAIN_IS_UPDATED, DomainIsUpdatedArgs, DomainIsUpdatedRet),
    (Proc.DOMAIN_GET_OS_TYPE, DomainGetOsTypeArgs, DomainGetOsTypeRet),
    (Proc.DOMAIN_GET_MAX_MEMORY, DomainGetMaxMemoryArgs, DomainGetMaxMemoryRet),
    (Proc.DOMAIN_SET_MEMORY, DomainSetMemoryArgs, None),
    (Proc.DOMAIN_SET_MEMORY_FLAGS, DomainSetMemoryFlagsArgs, None),
    (Proc.DOMAIN_SET_MAX_MEMORY, DomainSetMaxMemoryArgs, None),
    (Proc.DOMAIN_GET_VCPUS_FLAGS, DomainGetVcpusFlagsArgs, DomainGetVcpusFlagsRet),
    (Proc.DOMAIN_SET_VCPUS, DomainSetVcpusArgs, None),
    (Proc.DOMAIN_SET_VCPUS_FLAGS, DomainSetVcpusFlagsArgs, None),
    (Proc.DOMAIN_GET_MAX_VCPUS, DomainGetMaxVcpusArgs, DomainGetMaxVcpusRet),
    (Proc.DOMAIN_GET_VCPUS, DomainGetVcpusArgs, DomainGetVcpusRet),
    (Proc.DOMAIN_MANAGED_SAVE, DomainManagedSaveArgs, None),
    (Proc.DOMAIN_HAS_MANAGED_SAVE_IMAGE, DomainHasManagedSaveImageArgs, DomainHasManagedSaveImageRet),
    (Proc.DOMAIN_MANAGED_SAVE_REMOVE, DomainManagedSaveRemoveArgs, None),
    (Proc.DOMAIN_MANAGED_SAVE_GET_XML_DESC, DomainManagedSaveGetXmlDescArgs, DomainManagedSaveGetXmlDescRet),
    (Proc.DOMAIN_SAVE, DomainSaveArgs, None),
    (Proc.DOMAIN_SAVE_FLAGS, DomainSaveFlagsArgs, None),
    (Proc.DOMAIN_RESTORE, DomainRestoreArgs, None),
    (Proc.DOMAIN_RESTORE_FLAGS, DomainRestoreFlagsArgs, None),
    (Proc.DOMAIN_SAVE_IMAGE_GET_XML_DESC, DomainSaveImageGetXmlDescArgs, DomainSaveImageGetXmlDescRet),
    (Proc.DOMAIN_RENAME, DomainRenameArgs, DomainRenameRet),
    (Proc.DOMAIN_GET_METADATA, DomainGetMetadataArgs, DomainGetMetadataRet),
    (Proc.DOMAIN_SET_METADATA, DomainSetMetadataArgs, None),
    (Proc.DOMAIN_ATTACH_DEVICE, DomainAttachDeviceArgs, None),
    (Proc.DOMAIN_ATTACH_DEVICE_FLAGS, DomainAttachDeviceFlagsArgs, None),
    (Proc.DOMAIN_DETACH_DEVICE, DomainDetachDeviceArgs, None),
    (Proc.DOMAIN_DETACH_DEVICE_FLAGS, DomainDetachDeviceFlagsArgs, None),
    (Proc.DOMAIN_UPDATE_DEVICE_FLAGS, DomainUpdateDeviceFlagsArgs, None),
    (Proc.DOMAIN_DETACH_DEVICE_ALIAS, DomainDetachDeviceAliasArgs, None),
    (Proc.DOMAIN_GET_BLOCK_INFO, DomainGetBlockInfoArgs, DomainGetBlockInfoRet),
    (Proc.DOMAIN_GET_SECURITY_LABEL, DomainGetSecurityLabelArgs, DomainGetSecurityLabelRet),
    (Proc.DOMAIN_GET_SECURITY_LABEL_LIST, DomainGetSecurityLabelListArgs, DomainGetSecurityLabelListRet),
    (Proc.NODE_GET_SECURITY_MODEL, None, NodeGetSecurityModelRet),
    (Proc.DOMAIN_GET_HOSTNAME, DomainGetHostnameArgs, DomainGetHostnameRet),
    (Proc.DOMAIN_GET_MESSAGES, DomainGetMessagesArgs, DomainGetMessagesRet),
    (Proc.DOMAIN_GET_JOB_INFO, DomainGetJobInfoArgs, DomainGetJobInfoRet),
    (Proc.DOMAIN_GET_JOB_STATS, DomainGetJobStatsArgs, DomainGetJobStatsRet),
    (Proc.DOMAIN_ABORT_JOB, DomainAbortJobArgs, None),
    (Proc.DOMAIN_GET_CONTROL_INFO, DomainGetControlInfoArgs, DomainGetControlInfoRet),
]
