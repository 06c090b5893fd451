"""Node device events (virNodeDeviceEventID, virNodeDeviceEventLifecycleType) as the bus carries them."""

from __future__ import annotations

from dataclasses import dataclass
from enum import IntEnum


class NodeDeviceEventID(IntEnum):
    LIFECYCLE = 0
    UPDATE = 1


class NodeDeviceEventLifecycleType(IntEnum):
    CREATED = 0
    DELETED = 1
    DEFINED = 2
    UNDEFINED = 3


@dataclass(frozen=True)
class NodeDeviceEvent:
    """One node device event: lifecycle (with its type; no details) or update."""

    event_id: NodeDeviceEventID
    name: str
    event: int = 0

    @classmethod
    def lifecycle(cls, name: str, event: NodeDeviceEventLifecycleType) -> NodeDeviceEvent:
        return cls(NodeDeviceEventID.LIFECYCLE, name, event)

    @classmethod
    def update(cls, name: str) -> NodeDeviceEvent:
        return cls(NodeDeviceEventID.UPDATE, name)
