"""Storage pool events (virStoragePoolEventID, virStoragePoolEventLifecycleType) as the bus carries them."""

from __future__ import annotations

import uuid as uuidlib
from dataclasses import dataclass
from enum import IntEnum


class StoragePoolEventID(IntEnum):
    LIFECYCLE = 0
    REFRESH = 1


class StoragePoolEventLifecycleType(IntEnum):
    DEFINED = 0
    UNDEFINED = 1
    STARTED = 2
    STOPPED = 3
    CREATED = 4
    DELETED = 5


@dataclass(frozen=True)
class PoolEvent:
    """One storage pool event: lifecycle (with its type; libvirt has no details) or refresh."""

    event_id: StoragePoolEventID
    pool_name: str
    pool_uuid: uuidlib.UUID
    event: int = 0  # a StoragePoolEventLifecycleType for LIFECYCLE; 0 for REFRESH
    detail: int = 0

    @classmethod
    def lifecycle(cls, name: str, pool_uuid: uuidlib.UUID, event: StoragePoolEventLifecycleType) -> PoolEvent:
        return cls(StoragePoolEventID.LIFECYCLE, name, pool_uuid, event)

    @classmethod
    def refresh(cls, name: str, pool_uuid: uuidlib.UUID) -> PoolEvent:
        return cls(StoragePoolEventID.REFRESH, name, pool_uuid)
