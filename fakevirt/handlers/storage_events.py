"""Storage pool event registration, and the MESSAGE a pool event becomes for one registration.

Registrations are ``object_events``' (family "storage_pool"); the session turns each model
``PoolEvent`` into messages with ``storage_event_messages`` (remoteRelayStoragePoolEvent*).
"""

from __future__ import annotations

import uuid

from protocol import Message, NonnullStoragePool, Proc, Program
from protocol.remote import storage as w

from ..model.storage_events import PoolEvent, StoragePoolEventID
from ._client import Client
from ._registry import procedure, relay
from .object_events import ObjectEventCallback, deregister, matching, register


@procedure(Proc.CONNECT_STORAGE_POOL_EVENT_REGISTER_ANY)
def connect_storage_pool_event_register_any(client: Client, args: w.ConnectStoragePoolEventRegisterAnyArgs
                                            ) -> w.ConnectStoragePoolEventRegisterAnyRet:
    """virConnectStoragePoolEventRegisterAny."""
    only = uuid.UUID(bytes=args.pool.uuid) if args.pool is not None else None
    return w.ConnectStoragePoolEventRegisterAnyRet(
        callbackID=register(client, "storage_pool", args.eventID, len(StoragePoolEventID), "storage pool", only))


@procedure(Proc.CONNECT_STORAGE_POOL_EVENT_DEREGISTER_ANY)
def connect_storage_pool_event_deregister_any(client: Client, args: w.ConnectStoragePoolEventDeregisterAnyArgs
                                              ) -> None:
    """virConnectStoragePoolEventDeregisterAny."""
    deregister(client, "storage_pool", args.callbackID, "storage pool")


def message_for(cb: ObjectEventCallback, ev: PoolEvent) -> Message:
    """The MESSAGE that delivers ev to registration cb."""
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
    return [message_for(cb, ev) for cb in matching(client, "storage_pool", ev.event_id, ev.pool_uuid)]
