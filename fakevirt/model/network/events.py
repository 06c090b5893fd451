"""Network events (virNetworkEventID, virNetworkEventLifecycleType) as the bus carries them.

libvirt 9.0 has only the lifecycle event (metadata-change came in 9.7)."""

from __future__ import annotations

import uuid as uuidlib
from dataclasses import dataclass
from enum import IntEnum


class NetworkEventID(IntEnum):
    LIFECYCLE = 0


class NetworkEventLifecycleType(IntEnum):
    DEFINED = 0
    UNDEFINED = 1
    STARTED = 2
    STOPPED = 3


@dataclass(frozen=True)
class NetworkEvent:
    """One network lifecycle event (libvirt sends detail 0 for each)."""

    net_name: str
    net_uuid: uuidlib.UUID
    event: NetworkEventLifecycleType
    event_id: NetworkEventID = NetworkEventID.LIFECYCLE
    detail: int = 0
