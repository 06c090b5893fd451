"""Secret event registration, and the MESSAGE a secret event becomes for one registration
(remoteDispatchConnectSecretEvent*, remoteRelaySecretEvent*)."""

from __future__ import annotations

import uuid

from protocol import Message, Proc, Program
from protocol.remote import secret as w

from ..model.secrets import SecretEvent, SecretEventID
from ._client import Client
from ._registry import procedure, relay
from .object_events import ObjectEventCallback, deregister, matching, register


@procedure(Proc.CONNECT_SECRET_EVENT_REGISTER_ANY)
def connect_secret_event_register_any(client: Client, args: w.ConnectSecretEventRegisterAnyArgs
                                      ) -> w.ConnectSecretEventRegisterAnyRet:
    """virConnectSecretEventRegisterAny (the secret need not exist: only its UUID filters)."""
    only = uuid.UUID(bytes=args.secret.uuid) if args.secret is not None else None
    return w.ConnectSecretEventRegisterAnyRet(
        callbackID=register(client, "secret", args.eventID, len(SecretEventID), "secret", only))


@procedure(Proc.CONNECT_SECRET_EVENT_DEREGISTER_ANY)
def connect_secret_event_deregister_any(client: Client, args: w.ConnectSecretEventDeregisterAnyArgs) -> None:
    """virConnectSecretEventDeregisterAny (libvirtd 9.0's text names node devices, as here)."""
    deregister(client, "secret", args.callbackID, "node device")


def message_for(cb: ObjectEventCallback, ev: SecretEvent) -> Message:
    """The MESSAGE that delivers ev to registration cb."""
    secret = w.NonnullSecret(uuid=ev.uuid.bytes, usageType=ev.usage_type, usageID=ev.usage_id or "")
    if ev.event_id == SecretEventID.LIFECYCLE:
        body: object = w.SecretEventLifecycleMsg(callbackID=cb.callback_id, secret=secret, event=ev.event, detail=0)
        return Message(program=Program.REMOTE, procedure=Proc.SECRET_EVENT_LIFECYCLE, body=body)
    body = w.SecretEventValueChangedMsg(callbackID=cb.callback_id, secret=secret)
    return Message(program=Program.REMOTE, procedure=Proc.SECRET_EVENT_VALUE_CHANGED, body=body)


@relay(SecretEvent)
def secret_event_messages(client: Client, ev: SecretEvent) -> list[Message]:
    """Every message ``client`` should get for ``ev``, one per matching registration."""
    return [message_for(cb, ev) for cb in matching(client, "secret", ev.event_id, ev.uuid)]
