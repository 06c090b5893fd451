"""Node device event registration, and the MESSAGE a node device event becomes for one registration
(remoteRelayNodeDeviceEvent*). Registrations live in ``client.family_callbacks["nodedev"]``."""

from __future__ import annotations

from dataclasses import dataclass

from protocol import Message, Proc, Program
from protocol.remote import nodedev as w

from ..errors import VirtError
from ..model.nodedev import NodeDeviceEvent, NodeDeviceEventID
from ._client import Client
from ._registry import procedure, relay


@dataclass(frozen=True)
class NodeDeviceEventCallback:
    """One node device event registration of one client."""

    callback_id: int
    event_id: int
    device: str | None = None  # only events of this device


def callbacks(client: Client) -> dict[int, NodeDeviceEventCallback]:
    return client.family_callbacks.setdefault("nodedev", {})


@procedure(Proc.CONNECT_NODE_DEVICE_EVENT_REGISTER_ANY)
def connect_node_device_event_register_any(client: Client, args: w.ConnectNodeDeviceEventRegisterAnyArgs
                                           ) -> w.ConnectNodeDeviceEventRegisterAnyRet:
    """virConnectNodeDeviceEventRegisterAny."""
    if not 0 <= args.eventID < len(NodeDeviceEventID):
        raise VirtError.daemon(f"unsupported node device event ID {args.eventID}")
    client.last_callback_id += 1  # one counter for every kind of registration of this client
    cb_id = client.last_callback_id
    callbacks(client)[cb_id] = NodeDeviceEventCallback(cb_id, args.eventID,
                                                       args.dev.name if args.dev is not None else None)
    return w.ConnectNodeDeviceEventRegisterAnyRet(callbackID=cb_id)


@procedure(Proc.CONNECT_NODE_DEVICE_EVENT_DEREGISTER_ANY)
def connect_node_device_event_deregister_any(client: Client, args: w.ConnectNodeDeviceEventDeregisterAnyArgs
                                             ) -> None:
    """virConnectNodeDeviceEventDeregisterAny."""
    if callbacks(client).pop(args.callbackID, None) is None:
        raise VirtError.daemon(f"node device event callback {args.callbackID} not registered")


def message_for(cb: NodeDeviceEventCallback, ev: NodeDeviceEvent) -> Message | None:
    """The MESSAGE that delivers ev to registration cb, or None when cb does not want it."""
    if cb.event_id != ev.event_id or (cb.device is not None and cb.device != ev.name):
        return None
    dev = w.NonnullNodeDevice(name=ev.name)
    if ev.event_id == NodeDeviceEventID.LIFECYCLE:
        body: object = w.NodeDeviceEventLifecycleMsg(callbackID=cb.callback_id, dev=dev, event=ev.event, detail=0)
        return Message(program=Program.REMOTE, procedure=Proc.NODE_DEVICE_EVENT_LIFECYCLE, body=body)
    body = w.NodeDeviceEventUpdateMsg(callbackID=cb.callback_id, dev=dev)
    return Message(program=Program.REMOTE, procedure=Proc.NODE_DEVICE_EVENT_UPDATE, body=body)


@relay(NodeDeviceEvent)
def node_device_event_messages(client: Client, ev: NodeDeviceEvent) -> list[Message]:
    """Every message ``client`` should get for ``ev``, one per matching registration."""
    if client.driver is None and not client.hypervisor_dropped:
        return []
    return [m for cb in list(callbacks(client).values()) if (m := message_for(cb, ev)) is not None]
