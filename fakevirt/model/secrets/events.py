"""Secret events (virSecretEventID, virSecretEventLifecycleType) as the bus carries them."""

from __future__ import annotations

import uuid as uuidlib
from dataclasses import dataclass
from enum import IntEnum


class SecretEventID(IntEnum):
    LIFECYCLE = 0
    VALUE_CHANGED = 1


class SecretEventLifecycleType(IntEnum):
    DEFINED = 0
    UNDEFINED = 1


@dataclass(frozen=True)
class SecretEvent:
    """One secret event: lifecycle (with its type; libvirt has no details) or value changed."""

    event_id: SecretEventID
    uuid: uuidlib.UUID
    usage_type: int
    usage_id: str | None
    event: int = 0  # a SecretEventLifecycleType for LIFECYCLE; 0 for VALUE_CHANGED
