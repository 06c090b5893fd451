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

from protocol import Message, NonnullDomain, Proc, Program
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


_WIRE: dict[int, _Wire] = {
    EventID.LIFECYCLE: _Wire(
        Proc.DOMAIN_EVENT_CALLBACK_LIFECYCLE, w.DomainEventCallbackLifecycleMsg, Proc.DOMAIN_EVENT_LIFECYCLE,
        lambda d, x: w.DomainEventLifecycleMsg(dom=d, event=x["event"], detail=x["detail"])),
    EventID.REBOOT: _Wire(
        Proc.DOMAIN_EVENT_CALLBACK_REBOOT, w.DomainEventCallbackRebootMsg, Proc.DOMAIN_EVENT_REBOOT,
        lambda d, x: w.DomainEventRebootMsg(dom=d)),
    EventID.BLOCK_JOB: _Wire(  # names the image path
        Proc.DOMAIN_EVENT_CALLBACK_BLOCK_JOB, w.DomainEventCallbackBlockJobMsg, Proc.DOMAIN_EVENT_BLOCK_JOB,
        lambda d, x: w.DomainEventBlockJobMsg(dom=d, path=x["path"], type=x["type"], status=x["status"])),
}

# events that only exist in the callback form: (procedure, body from callbackID, domain, data)
_CALLBACK_ONLY: dict[int, tuple[int, Callable[[int, NonnullDomain, dict[str, Any]], Any]]] = {
    EventID.METADATA_CHANGE: (Proc.DOMAIN_EVENT_CALLBACK_METADATA_CHANGE, lambda c, d, x: (
        w.DomainEventCallbackMetadataChangeMsg(callbackID=c, dom=d, type=x["type"], nsuri=x["nsuri"]))),
    EventID.BLOCK_JOB_2: (Proc.DOMAIN_EVENT_BLOCK_JOB_2, lambda c, d, x: (  # names the target ("vda")
        w.DomainEventBlockJob2Msg(callbackID=c, dom=d, dst=x["dst"], type=x["type"], status=x["status"]))),
    EventID.AGENT_LIFECYCLE: (Proc.DOMAIN_EVENT_CALLBACK_AGENT_LIFECYCLE, lambda c, d, x: (
        w.DomainEventCallbackAgentLifecycleMsg(callbackID=c, dom=d, state=x["state"], reason=x["reason"]))),
    EventID.MIGRATION_ITERATION: (Proc.DOMAIN_EVENT_CALLBACK_MIGRATION_ITERATION, lambda c, d, x: (
        w.DomainEventCallbackMigrationIterationMsg(callbackID=c, dom=d, iteration=x["iteration"]))),
}


@relay(DomainEvent)
def domain_event_messages(client: Client, ev: DomainEvent) -> list[Message]:
    """Every message ``client`` gets for ``ev``: events of the driver instance (URI) it opened."""
    if client.driver is None or ev.uri != client.driver.uri:
        return []
    return [m for cb in list(client.event_callbacks.values()) if (m := message_for(cb, ev)) is not None]


def message_for(cb: EventCallback, ev: DomainEvent) -> Message | None:
    """The MESSAGE that delivers ev to registration cb, or None when cb does not want it."""
    if cb.event_id != ev.event_id or (cb.domain is not None and cb.domain != ev.domain.uuid):
        return None
    dom = NonnullDomain(name=ev.domain.name, uuid=ev.domain.uuid.bytes, id=ev.domain.id)
    only = _CALLBACK_ONLY.get(ev.event_id)
    if only is not None:
        if cb.legacy:
            return None  # no legacy message exists for it
        proc, build = only
        return Message(program=Program.REMOTE, procedure=proc, body=build(cb.callback_id, dom, ev.data))
    wire = _WIRE.get(ev.event_id)
    if wire is None:
        return None
    inner = wire.build(dom, ev.data)
    if cb.legacy:
        return Message(program=Program.REMOTE, procedure=wire.legacy_proc, body=inner)
    return Message(program=Program.REMOTE, procedure=wire.callback_proc,
                   body=wire.callback_msg(callbackID=cb.callback_id, msg=inner))
