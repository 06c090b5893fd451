"""Node device event registration, and the MESSAGE a node device event becomes for one registration
(remoteRelayNodeDeviceEvent*). Registrations live in ``client.family_callbacks["nodedev"]``."""

from __future__ import annotations

from protocol import Message, Proc, Program
from protocol.remote import nodedev as w

from ..model.nodedev import NodeDeviceEvent, NodeDeviceEventID
from ._client import Client
from ._registry import procedure, relay
from .object_events import ObjectEventCallback, deregister, matching, register


@procedure(Proc.CONNECT_NODE_DEVICE_EVENT_REGISTER_ANY)
def connect_node_device_event_register_any(client: Client, args: w.ConnectNodeDeviceEventRegisterAnyArgs
                                           ) -> w.ConnectNodeDeviceEventRegisterAnyRet:
    """virConnectNodeDeviceEventRegisterAny."""
    only = args.dev.name if args.dev is not None else None
    return w.ConnectNodeDeviceEventRegisterAnyRet(
        callbackID=register(client, "nodedev", args.eventID, len(NodeDeviceEventID), "node device", only))


@procedure(Proc.CONNECT_NODE_DEVICE_EVENT_DEREGISTER_ANY)
def connect_node_device_event_deregister_any(client: Client, args: w.ConnectNodeDeviceEventDeregisterAnyArgs
                                             ) -> None:
    """virConnectNodeDeviceEventDeregisterAny."""
    deregister(client, "nodedev", args.callbackID, "node device")


def message_for(cb: ObjectEventCallback, ev: NodeDeviceEvent) -> Message:
    """The MESSAGE that delivers ev to registration cb."""
    dev = w.NonnullNodeDevice(name=ev.name)
    if ev.event_id == NodeDeviceEventID.LIFECYCLE:
        body: object = w.NodeDeviceEventLifecycleMsg(callbackID=cb.callback_id, dev=dev, event=ev.event, detail=0)
        return Message(program=Program.REMOTE, procedure=Proc.NODE_DEVICE_EVENT_LIFECYCLE, body=body)
    body = w.NodeDeviceEventUpdateMsg(callbackID=cb.callback_id, dev=dev)
    return Message(program=Program.REMOTE, procedure=Proc.NODE_DEVICE_EVENT_UPDATE, body=body)


@relay(NodeDeviceEvent)
def node_device_event_messages(client: Client, ev: NodeDeviceEvent) -> list[Message]:
    """Every message ``client`` should get for ``ev``, one per matching registration."""
    return [message_for(cb, ev) for cb in matching(client, "nodedev", ev.event_id, ev.name)]
