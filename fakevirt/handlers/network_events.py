"""Network event registration, and the MESSAGE a network event becomes for one registration."""

from __future__ import annotations

import uuid

from protocol import Message, NonnullNetwork, Proc, Program
from protocol.remote import network as w

from ..model.network.events import NetworkEvent, NetworkEventID
from ._client import Client
from ._registry import procedure, relay
from .object_events import deregister, matching, register


@procedure(Proc.CONNECT_NETWORK_EVENT_REGISTER_ANY)
def connect_network_event_register_any(client: Client, args: w.ConnectNetworkEventRegisterAnyArgs
                                       ) -> w.ConnectNetworkEventRegisterAnyRet:
    """virConnectNetworkEventRegisterAny."""
    only = uuid.UUID(bytes=args.net.uuid) if args.net is not None else None
    return w.ConnectNetworkEventRegisterAnyRet(
        callbackID=register(client, "network", args.eventID, len(NetworkEventID), "network", only))


@procedure(Proc.CONNECT_NETWORK_EVENT_DEREGISTER_ANY)
def connect_network_event_deregister_any(client: Client, args: w.ConnectNetworkEventDeregisterAnyArgs) -> None:
    """virConnectNetworkEventDeregisterAny."""
    deregister(client, "network", args.callbackID, "network")


@relay(NetworkEvent)
def network_event_messages(client: Client, ev: NetworkEvent) -> list[Message]:
    """remoteRelayNetworkEventLifecycle: one message per matching registration."""
    net = NonnullNetwork(name=ev.net_name, uuid=ev.net_uuid.bytes)
    return [Message(program=Program.REMOTE, procedure=Proc.NETWORK_EVENT_LIFECYCLE,
                    body=w.NetworkEventLifecycleMsg(callbackID=cb.callback_id, net=net, event=ev.event,
                                                    detail=ev.detail))
            for cb in matching(client, "network", ev.event_id, ev.net_uuid)]
