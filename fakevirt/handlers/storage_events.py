"""Storage pool event registration, and the MESSAGE a pool event becomes for one registration.

Registrations live on the client (``storage_event_callbacks``); the session turns each model
``PoolEvent`` into messages with ``storage_event_messages`` (remoteRelayStoragePoolEvent*).
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from protocol import Message, NonnullStoragePool, Proc, Program
from protocol.remote import storage as w

from ..errors import VirtError
from ..model.storage_events import PoolEvent, StoragePoolEventID
from ._client import Client
from ._registry import procedure, relay


@dataclass(frozen=True)
class PoolEventCallback:
    """One storage pool event registration of one client."""

    callback_id: int
    event_id: int
    pool: uuid.UUID | None = None  # only events of this pool


def callbacks(client: Client) -> dict[int, PoolEventCallback]:
    """The client's pool event registrations (kept apart from its domain event callbacks)."""
    found: dict[int, PoolEventCallback] = client.pool_event_callbacks
    return found


@procedure(Proc.CONNECT_STORAGE_POOL_EVENT_REGISTER_ANY)
def connect_storage_pool_event_register_any(client: Client, args: w.ConnectStoragePoolEventRegisterAnyArgs
                                            ) -> w.ConnectStoragePoolEventRegisterAnyRet:
    """virConnectStoragePoolEventRegisterAny."""
    if not 0 <= args.eventID < len(StoragePoolEventID):
        raise VirtError.daemon(f"unsupported storage pool event ID {args.eventID}")
    cbs = callbacks(client)
    client.last_callback_id += 1  # one counter for every kind of registration of this client
    cb_id = client.last_callback_id
    pool = uuid.UUID(bytes=args.pool.uuid) if args.pool is not None else None
    cbs[cb_id] = PoolEventCallback(cb_id, args.eventID, pool)
    return w.ConnectStoragePoolEventRegisterAnyRet(callbackID=cb_id)


@procedure(Proc.CONNECT_STORAGE_POOL_EVENT_DEREGISTER_ANY)
def connect_storage_pool_event_deregister_any(client: Client, args: w.ConnectStoragePoolEventDeregisterAnyArgs
                                              ) -> None:
    """virConnectStoragePoolEventDeregisterAny."""
    if callbacks(client).pop(args.callbackID, None) is None:
        raise VirtError.daemon(f"storage pool event callback {args.callbackID} not registered")


def message_for(cb: PoolEventCallback, ev: PoolEvent) -> Message | None:
    """The MESSAGE that delivers ev to registration cb, or None when cb does not want it."""
    if cb.event_id != ev.event_id or (cb.pool is not None and cb.pool != ev.pool_uuid):
        return None
    pool = NonnullStoragePool(name=ev.pool_name, uuid=ev.pool_uuid.bytes)
    if ev.event_id == StoragePoolEventID.LIFECYCLE:
        body: object = w.StoragePoolEventLifecycleMsg(callbackID=cb.callback_id, pool=pool, event=ev.event,
                                                      detail=ev.detail)
        return Message(program=Program.REMOTE, procedure=Proc.STORAGE_POOL_EVENT_LIFECYCLE, body=body)
    body = w.StoragePoolEventRefreshMsg(callbackID=cb.callback_id, pool=pool)
    return Message(program=Program.REMOTE, procedure=Proc.STORAGE_POOL_EVENT_REFRESH, body=body)


@relay(PoolEvent)
def storage_event_messages(client: Client, ev: PoolEvent) -> list[Message]:
    """Every message ``client`` should get for ``ev``, one per matching registration (storage is one
    driver for every URI, as in a root libvirtd)."""
    if client.driver is None and not client.hypervisor_dropped:
        return []
    out = []
    for cb in list(callbacks(client).values()):
        message = message_for(cb, ev)
        if message is not None:
            out.append(message)
    return out
