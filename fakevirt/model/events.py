"""Events the model publishes; sessions subscribe and turn them into RPC messages."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from enum import IntEnum
from typing import Any, TypeVar


class EventID(IntEnum):
    """virDomainEventID."""

    LIFECYCLE = 0
    REBOOT = 1
    RTC_CHANGE = 2
    WATCHDOG = 3
    IO_ERROR = 4
    GRAPHICS = 5
    IO_ERROR_REASON = 6
    CONTROL_ERROR = 7
    BLOCK_JOB = 8
    DISK_CHANGE = 9
    TRAY_CHANGE = 10
    PMWAKEUP = 11
    PMSUSPEND = 12
    BALLOON_CHANGE = 13
    PMSUSPEND_DISK = 14
    DEVICE_REMOVED = 15
    BLOCK_JOB_2 = 16
    TUNABLE = 17
    AGENT_LIFECYCLE = 18
    DEVICE_ADDED = 19
    MIGRATION_ITERATION = 20
    JOB_COMPLETED = 21
    DEVICE_REMOVAL_FAILED = 22
    METADATA_CHANGE = 23
    BLOCK_THRESHOLD = 24
    MEMORY_FAILURE = 25
    MEMORY_DEVICE_SIZE_CHANGE = 26


class Lifecycle(IntEnum):
    """virDomainEventType."""

    DEFINED = 0
    UNDEFINED = 1
    STARTED = 2
    SUSPENDED = 3
    RESUMED = 4
    STOPPED = 5
    SHUTDOWN = 6
    PMSUSPENDED = 7
    CRASHED = 8


class DefinedDetail(IntEnum):
    """virDomainEventDefinedDetailType."""

    ADDED = 0
    UPDATED = 1
    RENAMED = 2
    FROM_SNAPSHOT = 3


class UndefinedDetail(IntEnum):
    """virDomainEventUndefinedDetailType."""

    REMOVED = 0
    RENAMED = 1


class StartedDetail(IntEnum):
    """virDomainEventStartedDetailType."""

    BOOTED = 0
    MIGRATED = 1
    RESTORED = 2
    FROM_SNAPSHOT = 3
    WAKEUP = 4


class SuspendedDetail(IntEnum):
    """virDomainEventSuspendedDetailType."""

    PAUSED = 0
    MIGRATED = 1
    IOERROR = 2
    WATCHDOG = 3
    RESTORED = 4
    FROM_SNAPSHOT = 5
    API_ERROR = 6
    POSTCOPY = 7
    POSTCOPY_FAILED = 8


class ResumedDetail(IntEnum):
    """virDomainEventResumedDetailType."""

    UNPAUSED = 0
    MIGRATED = 1
    FROM_SNAPSHOT = 2
    POSTCOPY = 3
    POSTCOPY_FAILED = 4


class StoppedDetail(IntEnum):
    """virDomainEventStoppedDetailType."""

    SHUTDOWN = 0
    DESTROYED = 1
    CRASHED = 2
    MIGRATED = 3
    SAVED = 4
    FAILED = 5
    FROM_SNAPSHOT = 6


class ShutdownDetail(IntEnum):
    """virDomainEventShutdownDetailType."""

    FINISHED = 0
    GUEST = 1
    HOST = 2


class PMSuspendedDetail(IntEnum):
    """virDomainEventPMSuspendedDetailType."""

    MEMORY = 0
    DISK = 1


class CrashedDetail(IntEnum):
    """virDomainEventCrashedDetailType."""

    PANICKED = 0
    CRASHLOADED = 1


class WatchdogAction(IntEnum):
    """virDomainEventWatchdogAction."""

    NONE = 0
    PAUSE = 1
    RESET = 2
    POWEROFF = 3
    SHUTDOWN = 4
    DEBUG = 5
    INJECTNMI = 6


class IOErrorAction(IntEnum):
    """virDomainEventIOErrorAction."""

    NONE = 0
    PAUSE = 1
    REPORT = 2


class GraphicsPhase(IntEnum):
    """virDomainEventGraphicsPhase."""

    CONNECT = 0
    INITIALIZE = 1
    DISCONNECT = 2


class GraphicsAddressType(IntEnum):
    """virDomainEventGraphicsAddressType."""

    IPV4 = 0
    IPV6 = 1
    UNIX = 2


class DiskChangeReason(IntEnum):
    """virConnectDomainEventDiskChangeReason."""

    MISSING_ON_START = 0
    DROP_MISSING_ON_START = 1


class TrayChangeReason(IntEnum):
    """virDomainEventTrayChangeReason."""

    OPEN = 0
    CLOSE = 1


class AgentLifecycleState(IntEnum):
    """virConnectDomainEventAgentLifecycleState."""

    CONNECTED = 1
    DISCONNECTED = 2


class AgentLifecycleReason(IntEnum):
    """virConnectDomainEventAgentLifecycleReason."""

    UNKNOWN = 0
    DOMAIN_STARTED = 1
    CHANNEL = 2


class MemoryFailureRecipient(IntEnum):
    """virDomainMemoryFailureRecipientType."""

    HYPERVISOR = 0
    GUEST = 1


class MemoryFailureAction(IntEnum):
    """virDomainMemoryFailureActionType."""

    IGNORE = 0
    INJECT = 1
    FATAL = 2
    RESET = 3


LifecycleDetail = (DefinedDetail | UndefinedDetail | StartedDetail | SuspendedDetail | ResumedDetail
                   | StoppedDetail | ShutdownDetail | PMSuspendedDetail | CrashedDetail)


@dataclass(frozen=True)
class DomainRef:
    """The domain an event is about, as it was when the event happened."""

    name: str
    uuid: uuid.UUID
    id: int


@dataclass(frozen=True)
class DomainEvent:
    """One domain event of a driver instance (``uri``); ``data`` holds the event's own fields."""

    uri: str
    event_id: EventID
    domain: DomainRef
    data: dict[str, Any] = field(default_factory=dict)


E = TypeVar("E")


class EventBus:
    """The hypervisor's one synchronous publish/subscribe for every object family's events.

    Subscribers name the event class they want (``DomainEvent``, ``PoolEvent``, …) and must not
    block: sessions queue and return. It outlives ``Hypervisor.reset()``, so sessions stay subscribed.
    """

    def __init__(self) -> None:
        self._subscribers: list[tuple[type[Any], Callable[[Any], None]]] = []

    def subscribe(self, kind: type[E], fn: Callable[[E], None]) -> Callable[[], None]:
        """Call ``fn`` with every published event that is a ``kind``; returns the unsubscriber."""
        entry = (kind, fn)
        self._subscribers.append(entry)
        return lambda: self._subscribers.remove(entry) if entry in self._subscribers else None

    def publish(self, event: object) -> None:
        for kind, fn in list(self._subscribers):
            if isinstance(event, kind):
                fn(event)
