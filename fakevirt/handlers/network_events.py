"""Network event registration, and the MESSAGE a network event becomes for one registration."""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from protocol import Message, NonnullNetwork, Proc, Program
from protocol.remote import network as w

from ..errors import VirtError
from ..model.network.events import NetworkEvent, NetworkEventID
from ._client import Client
from ._registry import procedure, relay


@dataclass(frozen=True)
class NetworkEventCallback:
    """One network event registration of one client."""

    callback_id: int
    event_id: int
    net: uuid.UUID | None = None  # only events of this network


def callbacks(client: Client) -> dict[int, NetworkEventCallback]:
    return client.family_callbacks.setdefault("network", {})


@procedure(Proc.CONNECT_NETWORK_EVENT_REGISTER_ANY)
def connect_network_event_register_any(client: Client, args: w.ConnectNetworkEventRegisterAnyArgs
                                       ) -> w.ConnectNetworkEventRegisterAnyRet:
    """virConnectNetworkEventRegisterAny."""
    if not 0 <= args.eventID < len(NetworkEventID):
        raise VirtError.daemon(f"unsupported network event ID {args.eventID}")
    client.last_callback_id += 1  # one counter for every kind of registration of this client
    cb_id = client.last_callback_id
    net = uuid.UUID(bytes=args.net.uuid) if args.net is not None else None
    callbacks(client)[cb_id] = NetworkEventCallback(cb_id, args.eventID, net)
    return w.ConnectNetworkEventRegisterAnyRet(callbackID=cb_id)


@procedure(Proc.CONNECT_NETWORK_EVENT_DEREGISTER_ANY)
def connect_network_event_deregister_any(client: Client, args: w.ConnectNetworkEventDeregisterAnyArgs) -> None:
    """virConnectNetworkEventDeregisterAny."""
    if callbacks(client).pop(args.callbackID, None) is None:
        raise VirtError.daemon(f"network event callback {args.callbackID} not registered")


@relay(NetworkEvent)
def network_event_messages(client: Client, ev: NetworkEvent) -> list[Message]:
    """remoteRelayNetworkEventLifecycle: one message per matching registration."""
    if client.driver is None and not client.hypervisor_dropped:
        return []
    out = []
    for cb in list(callbacks(client).values()):
        if cb.event_id != ev.event_id or (cb.net is not None and cb.net != ev.net_uuid):
            continue
        body = w.NetworkEventLifecycleMsg(callbackID=cb.callback_id,
                                          net=NonnullNetwork(name=ev.net_name, uuid=ev.net_uuid.bytes),
                                          event=ev.event, detail=ev.detail)
        out.append(Message(program=Program.REMOTE, procedure=Proc.NETWORK_EVENT_LIFECYCLE, body=body))
    return out
