"""One emulated domain: its definitions, state and reason, and what a guest does."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from enum import IntEnum
from typing import ClassVar

from .agent.guest import Guest
from .blockdev.state import BlockState
from .checkpoints.tree import CheckpointTree
from .domaindef import DomainDef
from .events import DomainRef
from .flags.domain import ConnectListAllDomainsFlags
from .guest_events.record import GuestInput
from .images.owner import Owner
from .snapshots.tree import SnapshotTree
from .stats.run import RunStats


class State(IntEnum):
    """virDomainState."""

    NOSTATE = 0
    RUNNING = 1
    BLOCKED = 2
    PAUSED = 3
    SHUTDOWN = 4
    SHUTOFF = 5
    CRASHED = 6
    PMSUSPENDED = 7


class Running(IntEnum):
    UNKNOWN = 0
    BOOTED = 1
    MIGRATED = 2
    RESTORED = 3
    FROM_SNAPSHOT = 4
    UNPAUSED = 5
    MIGRATION_CANCELED = 6
    SAVE_CANCELED = 7
    WAKEUP = 8
    CRASHED = 9


class Paused(IntEnum):
    UNKNOWN = 0
    USER = 1
    MIGRATION = 2
    SAVE = 3
    DUMP = 4
    IOERROR = 5
    WATCHDOG = 6
    FROM_SNAPSHOT = 7
    SHUTTING_DOWN = 8
    SNAPSHOT = 9
    CRASHED = 10
    STARTING_UP = 11


class Shutoff(IntEnum):
    UNKNOWN = 0
    SHUTDOWN = 1
    DESTROYED = 2
    CRASHED = 3
    MIGRATED = 4
    SAVED = 5
    FAILED = 6
    FROM_SNAPSHOT = 7
    DAEMON = 8


class Crashed(IntEnum):
    """virDomainCrashedReason (the state's reason: not the CRASHED event's detail, which starts at 0)."""

    UNKNOWN = 0
    PANICKED = 1


@dataclass
class SavedState:
    """What a save image holds: the definition and whether the guest was running or paused."""

    definition: DomainDef
    running: bool
    cpu_time_ns: int = 0


@dataclass
class Domain:
    """A domain of one driver instance.

    ``config`` is the persistent definition (None for a transient domain); ``live`` is the running
    definition while the domain is active (libvirt's vm->newDef and vm->def).
    """

    config: DomainDef | None
    live: DomainDef | None = None
    id: int = -1
    state: State = State.SHUTOFF
    reason: int = Shutoff.UNKNOWN
    autostart: bool = False
    managed_save: SavedState | None = None
    autodestroy_client: int | None = None
    cpu_time_ns: int = 0
    started_at: float = 0.0
    snapshots: SnapshotTree = field(default_factory=SnapshotTree)
    checkpoints: CheckpointTree = field(default_factory=CheckpointTree)
    held_disks: list[tuple[str, Owner]] = field(default_factory=list)  # image users
    block_state: BlockState = field(default_factory=BlockState)  # stats, thresholds, errors of this run
    guest: Guest = field(default_factory=Guest)  # the guest OS and its agent channel (model/agent)
    # the last finished job (virDomainJobType, typed parameters) that GetJobStats(COMPLETED) shows
    completed_job: tuple[int, list[tuple[str, int, object]]] | None = None
    guest_input: GuestInput = field(default_factory=GuestInput)  # NMIs and keys, for tests
    channel_event_pending: bool = False  # restored: the agent channel reports once the guest runs
    run_stats: RunStats | None = None  # CPU, NIC, balloon and dirty-rate state of this run (model/stats)
    # states keep it pickled in a loaded host until read (model/statepickle.py): this object alone holds it
    state_lazy: ClassVar[tuple[str, ...]] = ("config",)

    def keeps_pickled(self, name: str) -> bool:
        """A running domain's persistent definition: read only by --config calls and once it stops."""
        return self.live is not None

    @property
    def snapshot_count(self) -> int:
        return len(self.snapshots)

    @property
    def definition(self) -> DomainDef:
        """The definition clients see by default: live when active, config otherwise."""
        d = self.live if self.live is not None else self.config
        assert d is not None
        return d

    @property
    def name(self) -> str:
        return self.definition.name

    @property
    def uuid(self) -> uuid.UUID:
        return self.definition.uuid

    @property
    def active(self) -> bool:
        return self.id >= 0

    @property
    def persistent(self) -> bool:
        return self.config is not None

    @property
    def updated(self) -> bool:
        """virDomainIsUpdated: a config change waits for the next boot."""
        return self.active and self.persistent and self.config_changed

    config_changed: bool = False  # the persistent config changed while the domain runs

    def ref(self) -> DomainRef:
        return DomainRef(self.name, self.uuid, self.id)

    def set_state(self, state: State, reason: int) -> None:
        self.state, self.reason = state, int(reason)

    def matches(self, flags: int) -> bool:
        """virDomainObjListFilter: every filter group present in flags must accept the domain."""
        def group(yes: int, no: int, value: bool) -> bool:
            if not flags & (yes | no) or flags & (yes | no) == (yes | no):
                return True
            return value if flags & yes else not value

        f, st = ConnectListAllDomainsFlags, self.state
        if flags & (f.LIST_DOMAINS_RUNNING | f.LIST_DOMAINS_PAUSED | f.LIST_DOMAINS_SHUTOFF | f.LIST_DOMAINS_OTHER):
            if not ((flags & f.LIST_DOMAINS_RUNNING and st == State.RUNNING)
                    or (flags & f.LIST_DOMAINS_PAUSED and st == State.PAUSED)
                    or (flags & f.LIST_DOMAINS_SHUTOFF and st == State.SHUTOFF)
                    or (flags & f.LIST_DOMAINS_OTHER and st not in (State.RUNNING, State.PAUSED, State.SHUTOFF))):
                return False
        return (group(f.LIST_DOMAINS_ACTIVE, f.LIST_DOMAINS_INACTIVE, self.active)
                and group(f.LIST_DOMAINS_PERSISTENT, f.LIST_DOMAINS_TRANSIENT, self.persistent)
                and group(f.LIST_DOMAINS_MANAGEDSAVE, f.LIST_DOMAINS_NO_MANAGEDSAVE, self.managed_save is not None)
                and group(f.LIST_DOMAINS_AUTOSTART, f.LIST_DOMAINS_NO_AUTOSTART, self.autostart)
                and group(f.LIST_DOMAINS_HAS_SNAPSHOT, f.LIST_DOMAINS_NO_SNAPSHOT, self.snapshot_count > 0)
                and group(f.LIST_DOMAINS_HAS_CHECKPOINT, f.LIST_DOMAINS_NO_CHECKPOINT, len(self.checkpoints) > 0))
