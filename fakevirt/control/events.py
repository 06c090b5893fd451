"""Model events as the JSON lines of ``GET /v1/events``.

Each line is one object: ``{"kind": "domain", ...the event's fields}``; enumerations are given by
their libvirt name (``"event": "STOPPED", "detail": "CRASHED"``), UUIDs as text. Events the
model uses only internally (e.g. a pull backup's NBD exports) are not sent.
"""

from __future__ import annotations

import base64
import dataclasses
import enum
import json
import uuid
from typing import Any

from ..model import events as ev
from ..model.events import DomainEvent, EventID, Lifecycle
from ..model.network.events import NetworkEvent
from ..model.nodedev.events import NodeDeviceEvent
from ..model.qmp.events import MonitorEvent
from ..model.secrets.events import SecretEvent
from ..model.storage_events import PoolEvent

KINDS: dict[type, str] = {DomainEvent: "domain", PoolEvent: "storage_pool", NetworkEvent: "network",
                          SecretEvent: "secret", NodeDeviceEvent: "node_device", MonitorEvent: "qemu_monitor"}

# virDomainEventType -> its detail enumeration, so a lifecycle detail reads as a name too
_DETAILS: dict[Lifecycle, type[enum.IntEnum]] = {
    Lifecycle.DEFINED: ev.DefinedDetail, Lifecycle.UNDEFINED: ev.UndefinedDetail,
    Lifecycle.STARTED: ev.StartedDetail, Lifecycle.SUSPENDED: ev.SuspendedDetail,
    Lifecycle.RESUMED: ev.ResumedDetail, Lifecycle.STOPPED: ev.StoppedDetail,
    Lifecycle.SHUTDOWN: ev.ShutdownDetail, Lifecycle.PMSUSPENDED: ev.PMSuspendedDetail,
    Lifecycle.CRASHED: ev.CrashedDetail}


def to_json(value: Any) -> Any:
    """A JSON-able copy of a model value: dataclasses as objects, enums by name, UUIDs as text."""
    if isinstance(value, enum.Enum):
        return value.name
    if isinstance(value, (str, int, float, bool)) or value is None:
        return value
    if isinstance(value, uuid.UUID):
        return str(value)
    if isinstance(value, (bytes, bytearray)):
        return base64.b64encode(value).decode()
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {f.name: to_json(getattr(value, f.name)) for f in dataclasses.fields(value)}
    if isinstance(value, dict):
        return {str(k): to_json(v) for k, v in value.items()}
    if isinstance(value, (list, tuple, set, frozenset)):
        return [to_json(v) for v in value]
    return str(value)


def event_json(event: object) -> dict[str, Any] | None:
    """The JSON object of one published event, or None for an internal one."""
    kind = KINDS.get(type(event))
    if kind is None:
        return None
    out = {"kind": kind, **to_json(event)}
    if isinstance(event, DomainEvent) and event.event_id == EventID.LIFECYCLE:
        _name_lifecycle(out["data"])
    return out


def _name_lifecycle(data: dict[str, Any]) -> None:
    try:
        event = Lifecycle(data["event"])
        data["event"] = event.name
        data["detail"] = _DETAILS[event](data["detail"]).name
    except (KeyError, ValueError, TypeError):
        pass  # a value libvirt 9.0 has no name for stays a number


def event_line(event: object) -> bytes | None:
    """``event_json`` as one line of JSON text."""
    obj = event_json(event)
    return None if obj is None else json.dumps(obj, separators=(",", ":")).encode() + b"\n"
