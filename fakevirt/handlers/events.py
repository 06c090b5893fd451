"""Domain event registration, and the MESSAGE a model event becomes for one registration.

Modern clients (REMOTE_EVENT_CALLBACK supported) register with CALLBACK_REGISTER_ANY and get
callback messages carrying their callbackID; old ones use REGISTER_ANY / REGISTER and get the
legacy messages (remote_daemon_dispatch.c remoteRelayDomainEvent*).
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from protocol import Message, NonnullDomain, Proc, Program, TypedParam
from protocol.remote import events as w

from ..errors import VirtError
from ..model.events import DomainEvent, EventID
from ._client import Client
from ._registry import procedure, relay

EVENT_ID_LAST = 27  # VIR_DOMAIN_EVENT_ID_LAST in libvirt 9.0


@dataclass(frozen=True)
class EventCallback:
    """One registration of one client."""

    callback_id: int
    event_id: int
    domain: uuid.UUID | None = None  # only events of this domain
    legacy: bool = False


def _check_event_id(event_id: int) -> None:
    if not 0 <= event_id < EVENT_ID_LAST:
        raise VirtError.daemon(f"unsupported event ID {event_id}")


def _register(client: Client, event_id: int, domain: uuid.UUID | None, legacy: bool) -> int:
    client.last_callback_id += 1
    cb = EventCallback(client.last_callback_id, event_id, domain, legacy)
    client.event_callbacks[cb.callback_id] = cb
    return cb.callback_id


def _deregister_legacy(client: Client, event_id: int) -> None:
    for cb in list(client.event_callbacks.values()):
        if cb.legacy and cb.event_id == event_id:
            del client.event_callbacks[cb.callback_id]
            return
    raise VirtError.daemon(f"domain event {event_id} not registered")


@procedure(Proc.CONNECT_DOMAIN_EVENT_CALLBACK_REGISTER_ANY)
def connect_domain_event_callback_register_any(
        client: Client, args: w.ConnectDomainEventCallbackRegisterAnyArgs) -> w.ConnectDomainEventCallbackRegisterAnyRet:
    """virConnectDomainEventRegisterAny, modern form: the server picks the callbackID."""
    _check_event_id(args.eventID)
    dom = uuid.UUID(bytes=args.dom.uuid) if args.dom is not None else None
    return w.ConnectDomainEventCallbackRegisterAnyRet(callbackID=_register(client, args.eventID, dom, False))


@procedure(Proc.CONNECT_DOMAIN_EVENT_CALLBACK_DEREGISTER_ANY)
def connect_domain_event_callback_deregister_any(
        client: Client, args: w.ConnectDomainEventCallbackDeregisterAnyArgs) -> None:
    """virConnectDomainEventDeregisterAny, modern form."""
    cb = client.event_callbacks.get(args.callbackID)
    if cb is None or cb.legacy:
        raise VirtError.daemon(f"domain event callback {args.callbackID} not registered")
    del client.event_callbacks[args.callbackID]


@procedure(Proc.CONNECT_DOMAIN_EVENT_REGISTER_ANY)
def connect_domain_event_register_any(client: Client, args: w.ConnectDomainEventRegisterAnyArgs) -> None:
    """virConnectDomainEventRegisterAny, legacy form (one registration per event ID)."""
    _check_event_id(args.eventID)
    _register(client, args.eventID, None, True)


@procedure(Proc.CONNECT_DOMAIN_EVENT_DEREGISTER_ANY)
def connect_domain_event_deregister_any(client: Client, args: w.ConnectDomainEventDeregisterAnyArgs) -> None:
    """virConnectDomainEventDeregisterAny, legacy form."""
    _check_event_id(args.eventID)
    _deregister_legacy(client, args.eventID)


@procedure(Proc.CONNECT_DOMAIN_EVENT_REGISTER)
def connect_domain_event_register(client: Client, args: None) -> w.ConnectDomainEventRegisterRet:
    """virConnectDomainEventRegister: lifecycle events, legacy messages."""
    _register(client, EventID.LIFECYCLE, None, True)
    return w.ConnectDomainEventRegisterRet(cb_registered=1)


@procedure(Proc.CONNECT_DOMAIN_EVENT_DEREGISTER)
def connect_domain_event_deregister(client: Client, args: None) -> w.ConnectDomainEventDeregisterRet:
    """virConnectDomainEventDeregister."""
    _deregister_legacy(client, EventID.LIFECYCLE)
    return w.ConnectDomainEventDeregisterRet(cb_registered=1)


@dataclass(frozen=True)
class _Wire:
    """How one event ID travels: the callback message wraps the legacy-shaped one as ``msg``."""

    callback_proc: int
    callback_msg: type
    legacy_proc: int
    build: Callable[[NonnullDomain, dict[str, Any]], Any]


def _address(family: int, node: str, service: str) -> w.DomainEventGraphicsAddress:
    return w.DomainEventGraphicsAddress(family=family, node=node, service=service)


def _graphics(d: NonnullDomain, x: dict[str, Any]) -> w.DomainEventGraphicsMsg:
    return w.DomainEventGraphicsMsg(
        dom=d, phase=x["phase"], local=_address(*x["local"]), remote=_address(*x["remote"]),
        authScheme=x["authScheme"],
        subject=tuple(w.DomainEventGraphicsIdentity(type=t, name=n) for t, n in x["subject"]))


def _params(x: dict[str, Any]) -> tuple[TypedParam, ...]:
    return tuple(TypedParam(field=f, value=(k, v)) for f, k, v in x["params"])


_WIRE: dict[int, _Wire] = {
    EventID.LIFECYCLE: _Wire(
        Proc.DOMAIN_EVENT_CALLBACK_LIFECYCLE, w.DomainEventCallbackLifecycleMsg, Proc.DOMAIN_EVENT_LIFECYCLE,
        lambda d, x: w.DomainEventLifecycleMsg(dom=d, event=x["event"], detail=x["detail"])),
    EventID.REBOOT: _Wire(
        Proc.DOMAIN_EVENT_CALLBACK_REBOOT, w.DomainEventCallbackRebootMsg, Proc.DOMAIN_EVENT_REBOOT,
        lambda d, x: w.DomainEventRebootMsg(dom=d)),
    EventID.RTC_CHANGE: _Wire(
        Proc.DOMAIN_EVENT_CALLBACK_RTC_CHANGE, w.DomainEventCallbackRtcChangeMsg, Proc.DOMAIN_EVENT_RTC_CHANGE,
        lambda d, x: w.DomainEventRtcChangeMsg(dom=d, offset=x["offset"])),
    EventID.WATCHDOG: _Wire(
        Proc.DOMAIN_EVENT_CALLBACK_WATCHDOG, w.DomainEventCallbackWatchdogMsg, Proc.DOMAIN_EVENT_WATCHDOG,
        lambda d, x: w.DomainEventWatchdogMsg(dom=d, action=x["action"])),
    EventID.IO_ERROR: _Wire(
        Proc.DOMAIN_EVENT_CALLBACK_IO_ERROR, w.DomainEventCallbackIoErrorMsg, Proc.DOMAIN_EVENT_IO_ERROR,
        lambda d, x: w.DomainEventIoErrorMsg(dom=d, srcPath=x["srcPath"], devAlias=x["devAlias"],
                                             action=x["action"])),
    EventID.GRAPHICS: _Wire(
        Proc.DOMAIN_EVENT_CALLBACK_GRAPHICS, w.DomainEventCallbackGraphicsMsg, Proc.DOMAIN_EVENT_GRAPHICS,
        _graphics),
    EventID.IO_ERROR_REASON: _Wire(
        Proc.DOMAIN_EVENT_CALLBACK_IO_ERROR_REASON, w.DomainEventCallbackIoErrorReasonMsg,
        Proc.DOMAIN_EVENT_IO_ERROR_REASON,
        lambda d, x: w.DomainEventIoErrorReasonMsg(dom=d, srcPath=x["srcPath"], devAlias=x["devAlias"],
                                                   action=x["action"], reason=x["reason"])),
    EventID.CONTROL_ERROR: _Wire(
        Proc.DOMAIN_EVENT_CALLBACK_CONTROL_ERROR, w.DomainEventCallbackControlErrorMsg,
        Proc.DOMAIN_EVENT_CONTROL_ERROR, lambda d, x: w.DomainEventControlErrorMsg(dom=d)),
    EventID.BLOCK_JOB: _Wire(  # names the image path
        Proc.DOMAIN_EVENT_CALLBACK_BLOCK_JOB, w.DomainEventCallbackBlockJobMsg, Proc.DOMAIN_EVENT_BLOCK_JOB,
        lambda d, x: w.DomainEventBlockJobMsg(dom=d, path=x["path"], type=x["type"], status=x["status"])),
    EventID.DISK_CHANGE: _Wire(
        Proc.DOMAIN_EVENT_CALLBACK_DISK_CHANGE, w.DomainEventCallbackDiskChangeMsg, Proc.DOMAIN_EVENT_DISK_CHANGE,
        lambda d, x: w.DomainEventDiskChangeMsg(dom=d, oldSrcPath=x["oldSrcPath"], newSrcPath=x["newSrcPath"],
                                                devAlias=x["devAlias"], reason=x["reason"])),
    EventID.TRAY_CHANGE: _Wire(
        Proc.DOMAIN_EVENT_CALLBACK_TRAY_CHANGE, w.DomainEventCallbackTrayChangeMsg, Proc.DOMAIN_EVENT_TRAY_CHANGE,
        lambda d, x: w.DomainEventTrayChangeMsg(dom=d, devAlias=x["devAlias"], reason=x["reason"])),
    EventID.BALLOON_CHANGE: _Wire(
        Proc.DOMAIN_EVENT_CALLBACK_BALLOON_CHANGE, w.DomainEventCallbackBalloonChangeMsg,
        Proc.DOMAIN_EVENT_BALLOON_CHANGE, lambda d, x: w.DomainEventBalloonChangeMsg(dom=d, actual=x["actual"])),
    EventID.DEVICE_REMOVED: _Wire(
        Proc.DOMAIN_EVENT_CALLBACK_DEVICE_REMOVED, w.DomainEventCallbackDeviceRemovedMsg,
        Proc.DOMAIN_EVENT_DEVICE_REMOVED, lambda d, x: w.DomainEventDeviceRemovedMsg(dom=d, devAlias=x["devAlias"])),
}

# the PM events' callback form carries a reason beside the legacy message
_PM: dict[int, tuple[int, type, int, type]] = {
    EventID.PMWAKEUP: (Proc.DOMAIN_EVENT_CALLBACK_PMWAKEUP, w.DomainEventCallbackPmwakeupMsg,
                       Proc.DOMAIN_EVENT_PMWAKEUP, w.DomainEventPmwakeupMsg),
    EventID.PMSUSPEND: (Proc.DOMAIN_EVENT_CALLBACK_PMSUSPEND, w.DomainEventCallbackPmsuspendMsg,
                        Proc.DOMAIN_EVENT_PMSUSPEND, w.DomainEventPmsuspendMsg),
    EventID.PMSUSPEND_DISK: (Proc.DOMAIN_EVENT_CALLBACK_PMSUSPEND_DISK, w.DomainEventCallbackPmsuspendDiskMsg,
                             Proc.DOMAIN_EVENT_PMSUSPEND_DISK, w.DomainEventPmsuspendDiskMsg),
}

# events that only exist in the callback form: (procedure, body from callbackID, domain, data)
_CALLBACK_ONLY: dict[int, tuple[int, Callable[[int, NonnullDomain, dict[str, Any]], Any]]] = {
    EventID.METADATA_CHANGE: (Proc.DOMAIN_EVENT_CALLBACK_METADATA_CHANGE, lambda c, d, x: (
        w.DomainEventCallbackMetadataChangeMsg(callbackID=c, dom=d, type=x["type"], nsuri=x["nsuri"]))),
    EventID.BLOCK_JOB_2: (Proc.DOMAIN_EVENT_BLOCK_JOB_2, lambda c, d, x: (  # names the target ("vda")
        w.DomainEventBlockJob2Msg(callbackID=c, dom=d, dst=x["dst"], type=x["type"], status=x["status"]))),
    EventID.BLOCK_THRESHOLD: (Proc.DOMAIN_EVENT_BLOCK_THRESHOLD, lambda c, d, x: w.DomainEventBlockThresholdMsg(
        callbackID=c, dom=d, dev=x["dev"], path=x["path"], threshold=x["threshold"], excess=x["excess"])),
    EventID.JOB_COMPLETED: (Proc.DOMAIN_EVENT_CALLBACK_JOB_COMPLETED, lambda c, d, x: w.DomainEventCallbackJobCompletedMsg(
        callbackID=c, dom=d, params=tuple(TypedParam(field=f, value=(k, v)) for f, k, v in x["params"]))),
    EventID.AGENT_LIFECYCLE: (Proc.DOMAIN_EVENT_CALLBACK_AGENT_LIFECYCLE, lambda c, d, x: (
        w.DomainEventCallbackAgentLifecycleMsg(callbackID=c, dom=d, state=x["state"], reason=x["reason"]))),
    EventID.TUNABLE: (Proc.DOMAIN_EVENT_CALLBACK_TUNABLE, lambda c, d, x: w.DomainEventCallbackTunableMsg(
        callbackID=c, dom=d, params=tuple(TypedParam(field=f, value=(k, v)) for f, k, v in x["params"]))),
    EventID.MIGRATION_ITERATION: (Proc.DOMAIN_EVENT_CALLBACK_MIGRATION_ITERATION, lambda c, d, x: (
        w.DomainEventCallbackMigrationIterationMsg(callbackID=c, dom=d, iteration=x["iteration"]))),
    EventID.TUNABLE: (Proc.DOMAIN_EVENT_CALLBACK_TUNABLE, lambda c, d, x: (
        w.DomainEventCallbackTunableMsg(callbackID=c, dom=d, params=_params(x)))),
    EventID.AGENT_LIFECYCLE: (Proc.DOMAIN_EVENT_CALLBACK_AGENT_LIFECYCLE, lambda c, d, x: (
        w.DomainEventCallbackAgentLifecycleMsg(callbackID=c, dom=d, state=x["state"], reason=x["reason"]))),
    EventID.DEVICE_ADDED: (Proc.DOMAIN_EVENT_CALLBACK_DEVICE_ADDED, lambda c, d, x: (
        w.DomainEventCallbackDeviceAddedMsg(callbackID=c, dom=d, devAlias=x["devAlias"]))),
    EventID.JOB_COMPLETED: (Proc.DOMAIN_EVENT_CALLBACK_JOB_COMPLETED, lambda c, d, x: (
        w.DomainEventCallbackJobCompletedMsg(callbackID=c, dom=d, params=_params(x)))),
    EventID.DEVICE_REMOVAL_FAILED: (Proc.DOMAIN_EVENT_CALLBACK_DEVICE_REMOVAL_FAILED, lambda c, d, x: (
        w.DomainEventCallbackDeviceRemovalFailedMsg(callbackID=c, dom=d, devAlias=x["devAlias"]))),
    EventID.BLOCK_THRESHOLD: (Proc.DOMAIN_EVENT_BLOCK_THRESHOLD, lambda c, d, x: (
        w.DomainEventBlockThresholdMsg(callbackID=c, dom=d, dev=x["dev"], path=x["path"],
                                       threshold=x["threshold"], excess=x["excess"]))),
    EventID.MEMORY_FAILURE: (Proc.DOMAIN_EVENT_MEMORY_FAILURE, lambda c, d, x: (
        w.DomainEventMemoryFailureMsg(callbackID=c, dom=d, recipient=x["recipient"], action=x["action"],
                                      flags=x["flags"]))),
    EventID.MEMORY_DEVICE_SIZE_CHANGE: (Proc.DOMAIN_EVENT_MEMORY_DEVICE_SIZE_CHANGE, lambda c, d, x: (
        w.DomainEventMemoryDeviceSizeChangeMsg(callbackID=c, dom=d, alias=x["alias"], size=x["size"]))),
}


@relay(DomainEvent)
def domain_event_messages(client: Client, ev: DomainEvent) -> list[Message]:
    """Every message ``client`` gets for ``ev``: events of the driver instance (URI) it opened."""
    if client.driver is None or ev.uri != client.driver.uri:
        return []
    return [m for cb in list(client.event_callbacks.values()) if (m := message_for(cb, ev)) is not None]


def message_for(cb: EventCallback, ev: DomainEvent) -> Message | None:
    """The MESSAGE that delivers ev to registration cb, or None when cb does not want it.

    Events newer than the callback protocol have one form, sent to legacy registrations too
    (remoteRelayDomainEvent* only look at ``legacy`` for the events that have two).
    """
    if cb.event_id != ev.event_id or (cb.domain is not None and cb.domain != ev.domain.uuid):
        return None
    dom = NonnullDomain(name=ev.domain.name, uuid=ev.domain.uuid.bytes, id=ev.domain.id)
    only = _CALLBACK_ONLY.get(ev.event_id)
    if only is not None:
        proc, build = only
        return Message(program=Program.REMOTE, procedure=proc, body=build(cb.callback_id, dom, ev.data))
    pm = _PM.get(ev.event_id)
    if pm is not None:
        cb_proc, cb_msg, legacy_proc, legacy_msg = pm
        inner = legacy_msg(dom=dom)
        if cb.legacy:
            return Message(program=Program.REMOTE, procedure=legacy_proc, body=inner)
        return Message(program=Program.REMOTE, procedure=cb_proc,
                       body=cb_msg(callbackID=cb.callback_id, reason=ev.data.get("reason", 0), msg=inner))
    wire = _WIRE.get(ev.event_id)
    if wire is None:
        return None
    inner = wire.build(dom, ev.data)
    if cb.legacy:
        return Message(program=Program.REMOTE, procedure=wire.legacy_proc, body=inner)
    return Message(program=Program.REMOTE, procedure=wire.callback_proc,
                   body=wire.callback_msg(callbackID=cb.callback_id, msg=inner))
