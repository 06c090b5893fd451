"""Domain event registration procedures and the event messages the server sends (transcribed from remote_protocol.x into our notation)."""

from __future__ import annotations

from typing import Annotated

from .._common import (
    NonnullDomain,
    NonnullString,
    OptDomain,
    OptString,
    TypedParam,
)
from .._xdr import (
    Array,
    Hyper,
    Int,
    UHyper,
    UInt,
    struct,
)
from ._procedures import Proc
from .limits import DOMAIN_EVENT_GRAPHICS_IDENTITY_MAX, DOMAIN_EVENT_TUNABLE_MAX, DOMAIN_JOB_STATS_MAX


@struct
class ConnectDomainEventRegisterRet:
    cb_registered: Int


@struct
class ConnectDomainEventDeregisterRet:
    cb_registered: Int


@struct
class ConnectDomainEventRegisterAnyArgs:
    eventID: Int


@struct
class ConnectDomainEventDeregisterAnyArgs:
    eventID: Int


@struct
class ConnectDomainEventCallbackRegisterAnyArgs:
    eventID: Int
    dom: OptDomain


@struct
class ConnectDomainEventCallbackRegisterAnyRet:
    callbackID: Int


@struct
class ConnectDomainEventCallbackDeregisterAnyArgs:
    callbackID: Int


@struct
class DomainEventBalloonChangeMsg:
    dom: NonnullDomain
    actual: UHyper


@struct
class DomainEventBlockJobMsg:
    dom: NonnullDomain
    path: NonnullString
    type: Int
    status: Int


@struct
class DomainEventBlockJob2Msg:
    callbackID: Int
    dom: NonnullDomain
    dst: NonnullString
    type: Int
    status: Int


@struct
class DomainEventBlockThresholdMsg:
    callbackID: Int
    dom: NonnullDomain
    dev: NonnullString
    path: OptString
    threshold: UHyper
    excess: UHyper


@struct
class DomainEventCallbackAgentLifecycleMsg:
    callbackID: Int
    dom: NonnullDomain
    state: Int
    reason: Int


@struct
class DomainEventCallbackBalloonChangeMsg:
    callbackID: Int
    msg: DomainEventBalloonChangeMsg


@struct
class DomainEventCallbackBlockJobMsg:
    callbackID: Int
    msg: DomainEventBlockJobMsg


@struct
class DomainEventControlErrorMsg:
    dom: NonnullDomain


@struct
class DomainEventCallbackControlErrorMsg:
    callbackID: Int
    msg: DomainEventControlErrorMsg


@struct
class DomainEventCallbackDeviceAddedMsg:
    callbackID: Int
    dom: NonnullDomain
    devAlias: NonnullString


@struct
class DomainEventCallbackDeviceRemovalFailedMsg:
    callbackID: Int
    dom: NonnullDomain
    devAlias: NonnullString


@struct
class DomainEventDeviceRemovedMsg:
    dom: NonnullDomain
    devAlias: NonnullString


@struct
class DomainEventCallbackDeviceRemovedMsg:
    callbackID: Int
    msg: DomainEventDeviceRemovedMsg


@struct
class DomainEventDiskChangeMsg:
    dom: NonnullDomain
    oldSrcPath: OptString
    newSrcPath: OptString
    devAlias: NonnullString
    reason: Int


@struct
class DomainEventCallbackDiskChangeMsg:
    callbackID: Int
    msg: DomainEventDiskChangeMsg


@struct
class DomainEventGraphicsAddress:
    family: Int
    node: NonnullString
    service: NonnullString


@struct
class DomainEventGraphicsIdentity:
    type: NonnullString
    name: NonnullString


@struct
class DomainEventGraphicsMsg:
    dom: NonnullDomain
    phase: Int
    local: DomainEventGraphicsAddress
    remote: DomainEventGraphicsAddress
    authScheme: NonnullString
    subject: Annotated[tuple[DomainEventGraphicsIdentity, ...], Array(DomainEventGraphicsIdentity, DOMAIN_EVENT_GRAPHICS_IDENTITY_MAX)]


@struct
class DomainEventCallbackGraphicsMsg:
    callbackID: Int
    msg: DomainEventGraphicsMsg


@struct
class DomainEventIoErrorMsg:
    dom: NonnullDomain
    srcPath: NonnullString
    devAlias: NonnullString
    action: Int


@struct
class DomainEventCallbackIoErrorMsg:
    callbackID: Int
    msg: DomainEventIoErrorMsg


@struct
class DomainEventIoErrorReasonMsg:
    dom: NonnullDomain
    srcPath: NonnullString
    devAlias: NonnullString
    action: Int
    reason: NonnullString


@struct
class DomainEventCallbackIoErrorReasonMsg:
    callbackID: Int
    msg: DomainEventIoErrorReasonMsg


@struct
class DomainEventCallbackJobCompletedMsg:
    callbackID: Int
    dom: NonnullDomain
    params: Annotated[tuple[TypedParam, ...], Array(TypedParam, DOMAIN_JOB_STATS_MAX)]


@struct
class DomainEventLifecycleMsg:
    dom: NonnullDomain
    event: Int
    detail: Int


@struct
class DomainEventCallbackLifecycleMsg:
    callbackID: Int
    msg: DomainEventLifecycleMsg


@struct
class DomainEventCallbackMetadataChangeMsg:
    callbackID: Int
    dom: NonnullDomain
    type: Int
    nsuri: OptString


@struct
class DomainEventCallbackMigrationIterationMsg:
    callbackID: Int
    dom: NonnullDomain
    iteration: Int


@struct
class DomainEventPmsuspendMsg:
    dom: NonnullDomain


@struct
class DomainEventCallbackPmsuspendMsg:
    callbackID: Int
    reason: Int
    msg: DomainEventPmsuspendMsg


@struct
class DomainEventPmsuspendDiskMsg:
    dom: NonnullDomain


@struct
class DomainEventCallbackPmsuspendDiskMsg:
    callbackID: Int
    reason: Int
    msg: DomainEventPmsuspendDiskMsg


@struct
class DomainEventPmwakeupMsg:
    dom: NonnullDomain


@struct
class DomainEventCallbackPmwakeupMsg:
    callbackID: Int
    reason: Int
    msg: DomainEventPmwakeupMsg


@struct
class DomainEventRebootMsg:
    dom: NonnullDomain


@struct
class DomainEventCallbackRebootMsg:
    callbackID: Int
    msg: DomainEventRebootMsg


@struct
class DomainEventRtcChangeMsg:
    dom: NonnullDomain
    offset: Hyper


@struct
class DomainEventCallbackRtcChangeMsg:
    callbackID: Int
    msg: DomainEventRtcChangeMsg


@struct
class DomainEventTrayChangeMsg:
    dom: NonnullDomain
    devAlias: NonnullString
    reason: Int


@struct
class DomainEventCallbackTrayChangeMsg:
    callbackID: Int
    msg: DomainEventTrayChangeMsg


@struct
class DomainEventCallbackTunableMsg:
    callbackID: Int
    dom: NonnullDomain
    params: Annotated[tuple[TypedParam, ...], Array(TypedParam, DOMAIN_EVENT_TUNABLE_MAX)]


@struct
class DomainEventWatchdogMsg:
    dom: NonnullDomain
    action: Int


@struct
class DomainEventCallbackWatchdogMsg:
    callbackID: Int
    msg: DomainEventWatchdogMsg


@struct
class DomainEventMemoryDeviceSizeChangeMsg:
    callbackID: Int
    dom: NonnullDomain
    alias: NonnullString
    size: UHyper


@struct
class DomainEventMemoryFailureMsg:
    callbackID: Int
    dom: NonnullDomain
    recipient: Int
    action: Int
    flags: UInt


DECLARATIONS = [
    (Proc.CONNECT_DOMAIN_EVENT_REGISTER, None, ConnectDomainEventRegisterRet),
    (Proc.CONNECT_DOMAIN_EVENT_DEREGISTER, None, ConnectDomainEventDeregisterRet),
    (Proc.CONNECT_DOMAIN_EVENT_REGISTER_ANY, ConnectDomainEventRegisterAnyArgs, None),
    (Proc.CONNECT_DOMAIN_EVENT_DEREGISTER_ANY, ConnectDomainEventDeregisterAnyArgs, None),
    (Proc.CONNECT_DOMAIN_EVENT_CALLBACK_REGISTER_ANY, ConnectDomainEventCallbackRegisterAnyArgs, ConnectDomainEventCallbackRegisterAnyRet),
    (Proc.CONNECT_DOMAIN_EVENT_CALLBACK_DEREGISTER_ANY, ConnectDomainEventCallbackDeregisterAnyArgs, None),
    (Proc.DOMAIN_EVENT_BALLOON_CHANGE, DomainEventBalloonChangeMsg, None),
    (Proc.DOMAIN_EVENT_BLOCK_JOB, DomainEventBlockJobMsg, None),
    (Proc.DOMAIN_EVENT_BLOCK_JOB_2, DomainEventBlockJob2Msg, None),
    (Proc.DOMAIN_EVENT_BLOCK_THRESHOLD, DomainEventBlockThresholdMsg, None),
    (Proc.DOMAIN_EVENT_CALLBACK_AGENT_LIFECYCLE, DomainEventCallbackAgentLifecycleMsg, None),
    (Proc.DOMAIN_EVENT_CALLBACK_BALLOON_CHANGE, DomainEventCallbackBalloonChangeMsg, None),
    (Proc.DOMAIN_EVENT_CALLBACK_BLOCK_JOB, DomainEventCallbackBlockJobMsg, None),
    (Proc.DOMAIN_EVENT_CALLBACK_CONTROL_ERROR, DomainEventCallbackControlErrorMsg, None),
    (Proc.DOMAIN_EVENT_CALLBACK_DEVICE_ADDED, DomainEventCallbackDeviceAddedMsg, None),
    (Proc.DOMAIN_EVENT_CALLBACK_DEVICE_REMOVAL_FAILED, DomainEventCallbackDeviceRemovalFailedMsg, None),
    (Proc.DOMAIN_EVENT_CALLBACK_DEVICE_REMOVED, DomainEventCallbackDeviceRemovedMsg, None),
    (Proc.DOMAIN_EVENT_CALLBACK_DISK_CHANGE, DomainEventCallbackDiskChangeMsg, None),
    (Proc.DOMAIN_EVENT_CALLBACK_GRAPHICS, DomainEventCallbackGraphicsMsg, None),
    (Proc.DOMAIN_EVENT_CALLBACK_IO_ERROR, DomainEventCallbackIoErrorMsg, None),
    (Proc.DOMAIN_EVENT_CALLBACK_IO_ERROR_REASON, DomainEventCallbackIoErrorReasonMsg, None),
    (Proc.DOMAIN_EVENT_CALLBACK_JOB_COMPLETED, DomainEventCallbackJobCompletedMsg, None),
    (Proc.DOMAIN_EVENT_CALLBACK_LIFECYCLE, DomainEventCallbackLifecycleMsg, None),
    (Proc.DOMAIN_EVENT_CALLBACK_METADATA_CHANGE, DomainEventCallbackMetadataChangeMsg, None),
    (Proc.DOMAIN_EVENT_CALLBACK_MIGRATION_ITERATION, DomainEventCallbackMigrationIterationMsg, None),
    (Proc.DOMAIN_EVENT_CALLBACK_PMSUSPEND, DomainEventCallbackPmsuspendMsg, None),
    (Proc.DOMAIN_EVENT_CALLBACK_PMSUSPEND_DISK, DomainEventCallbackPmsuspendDiskMsg, None),
    (Proc.DOMAIN_EVENT_CALLBACK_PMWAKEUP, DomainEventCallbackPmwakeupMsg, None),
    (Proc.DOMAIN_EVENT_CALLBACK_REBOOT, DomainEventCallbackRebootMsg, None),
    (Proc.DOMAIN_EVENT_CALLBACK_RTC_CHANGE, DomainEventCallbackRtcChangeMsg, None),
    (Proc.DOMAIN_EVENT_CALLBACK_TRAY_CHANGE, DomainEventCallbackTrayChangeMsg, None),
    (Proc.DOMAIN_EVENT_CALLBACK_TUNABLE, DomainEventCallbackTunableMsg, None),
    (Proc.DOMAIN_EVENT_CALLBACK_WATCHDOG, DomainEventCallbackWatchdogMsg, None),
    (Proc.DOMAIN_EVENT_CONTROL_ERROR, DomainEventControlErrorMsg, None),
    (Proc.DOMAIN_EVENT_DEVICE_REMOVED, DomainEventDeviceRemovedMsg, None),
    (Proc.DOMAIN_EVENT_DISK_CHANGE, DomainEventDiskChangeMsg, None),
    (Proc.DOMAIN_EVENT_GRAPHICS, DomainEventGraphicsMsg, None),
    (Proc.DOMAIN_EVENT_IO_ERROR, DomainEventIoErrorMsg, None),
    (Proc.DOMAIN_EVENT_IO_ERROR_REASON, DomainEventIoErrorReasonMsg, None),
    (Proc.DOMAIN_EVENT_LIFECYCLE, DomainEventLifecycleMsg, None),
    (Proc.DOMAIN_EVENT_MEMORY_DEVICE_SIZE_CHANGE, DomainEventMemoryDeviceSizeChangeMsg, None),
    (Proc.DOMAIN_EVENT_MEMORY_FAILURE, DomainEventMemoryFailureMsg, None),
    (Proc.DOMAIN_EVENT_PMSUSPEND, DomainEventPmsuspendMsg, None),
    (Proc.DOMAIN_EVENT_PMSUSPEND_DISK, DomainEventPmsuspendDiskMsg, None),
    (Proc.DOMAIN_EVENT_PMWAKEUP, DomainEventPmwakeupMsg, None),
    (Proc.DOMAIN_EVENT_REBOOT, DomainEventRebootMsg, None),
    (Proc.DOMAIN_EVENT_RTC_CHANGE, DomainEventRtcChangeMsg, None),
    (Proc.DOMAIN_EVENT_TRAY_CHANGE, DomainEventTrayChangeMsg, None),
    (Proc.DOMAIN_EVENT_WATCHDOG, DomainEventWatchdogMsg, None),
]
