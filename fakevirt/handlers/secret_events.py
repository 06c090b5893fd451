"""Secret event registration, and the MESSAGE a secret event becomes for one registration
(remoteDispatchConnectSecretEvent*, remoteRelaySecretEvent*)."""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from protocol import Message, Proc, Program
from protocol.remote import secret as w

from ..errors import VirtError
from ..model.secrets import SecretEvent, SecretEventID
from ._client import Client
from ._registry import procedure, relay


@dataclass(frozen=True)
class SecretEventCallback:
    """One secret event registration of one client."""

    callback_id: int
    event_id: int
    secret: uuid.UUID | None = None  # only events of this secret


def callbacks(client: Client) -> dict[int, SecretEventCallback]:
    found: dict[int, SecretEventCallback] = client.family_callbacks.setdefault("secret", {})
    return found


@procedure(Proc.CONNECT_SECRET_EVENT_REGISTER_ANY)
def connect_secret_event_register_any(client: Client, args: w.ConnectSecretEventRegisterAnyArgs
                                      ) -> w.ConnectSecretEventRegisterAnyRet:
    """virConnectSecretEventRegisterAny (the secret need not exist: only its UUID filters)."""
    if not 0 <= args.eventID < len(SecretEventID):
        raise VirtError.daemon(f"unsupported secret event ID {args.eventID}")
    client.last_callback_id += 1  # one counter for every kind of registration of this client
    cb_id = client.last_callback_id
    secret = uuid.UUID(bytes=args.secret.uuid) if args.secret is not None else None
    callbacks(client)[cb_id] = SecretEventCallback(cb_id, args.eventID, secret)
    return w.ConnectSecretEventRegisterAnyRet(callbackID=cb_id)


@procedure(Proc.CONNECT_SECRET_EVENT_DEREGISTER_ANY)
def connect_secret_event_deregister_any(client: Client, args: w.ConnectSecretEventDeregisterAnyArgs) -> None:
    """virConnectSecretEventDeregisterAny (libvirtd 9.0's text names node devices, as here)."""
    if callbacks(client).pop(args.callbackID, None) is None:
        raise VirtError.daemon(f"node device event callback {args.callbackID} not registered")


def message_for(cb: SecretEventCallback, ev: SecretEvent) -> Message | None:
    """The MESSAGE that delivers ev to registration cb, or None when cb does not want it."""
    if cb.event_id != ev.event_id or (cb.secret is not None and cb.secret != ev.uuid):
        return None
    secret = w.NonnullSecret(uuid=ev.uuid.bytes, usageType=ev.usage_type, usageID=ev.usage_id or "")
    if ev.event_id == SecretEventID.LIFECYCLE:
        body: object = w.SecretEventLifecycleMsg(callbackID=cb.callback_id, secret=secret, event=ev.event, detail=0)
        return Message(program=Program.REMOTE, procedure=Proc.SECRET_EVENT_LIFECYCLE, body=body)
    body = w.SecretEventValueChangedMsg(callbackID=cb.callback_id, secret=secret)
    return Message(program=Program.REMOTE, procedure=Proc.SECRET_EVENT_VALUE_CHANGED, body=body)


@relay(SecretEvent)
def secret_event_messages(client: Client, ev: SecretEvent) -> list[Message]:
    """Every message ``client`` should get for ``ev``, one per matching registration."""
    if client.driver is None and not client.hypervisor_dropped:
        return []
    return [m for cb in list(callbacks(client).values()) if (m := message_for(cb, ev)) is not None]
