"""One running backup job: its definition, the frozen disks, its progress and its statistics."""

from __future__ import annotations

from dataclasses import dataclass, field

from ..domain import Domain
from ..flags.backup import DomainJobOperation
from ..flags.node import TypedParamType as T
from .definition import BackupDef, BackupDisk
from .listener import NbdListener
from .view import FrozenDisk

Param = tuple[str, int, object]  # field, virTypedParameterType, value


@dataclass(frozen=True)
class Export:
    """One NBD export of a pull-mode backup."""

    name: str
    disk: FrozenDisk
    bitmap: str | None = None  # the qemu:dirty-bitmap:NAME context it offers


@dataclass(eq=False)
class BackupJob:
    """What libvirt keeps in priv->backup plus the job's statistics."""

    uri: str
    dom: Domain
    definition: BackupDef
    started: float
    disks: dict[str, FrozenDisk] = field(default_factory=dict)  # by disk target
    reuse: bool = False
    transferred: int = 0  # push mode: bytes copied so far (paced by the clock)
    last: float = 0.0  # push mode: when ``transferred`` was last advanced
    hold_at: int | None = None  # push mode: a test holds the job at this many bytes
    errmsg: str | None = None
    listener: NbdListener | None = None  # pull mode: bound by the server, closed by its NBD service

    @property
    def backed_up(self) -> list[BackupDisk]:
        return [d for d in self.definition.disks if d.backup and d.store is not None]

    @property
    def total(self) -> int:
        """Push: the bytes QEMU's jobs copy (an incremental one: the dirty bytes); pull: the disks' size."""
        if self.definition.pull:
            return sum(v.size for v in self.disks.values())
        return sum(sum(b - a for a, b in v.dirty_ranges()) for v in self.disks.values())

    @property
    def exports(self) -> list[Export]:
        """Pull mode: the exports the NBD server offers, in disk order."""
        out = []
        for disk in self.backed_up:
            view = self.disks[disk.name]
            out.append(Export(disk.exportname or disk.name, view, disk.exportbitmap if view.dirty else None))
        return out

    def __post_init__(self) -> None:
        self.last = self.started

    def limit(self) -> int:
        return self.total if self.hold_at is None else min(self.total, self.hold_at)

    def elapsed_ms(self, now: float) -> int:
        return max(0, int((now - self.started) * 1000))

    def stats(self, now: float, completed: bool = False, success: bool = True, disks: bool = True) -> list[Param]:
        """The typed parameters of virDomainGetJobStats and of the JOB_COMPLETED event (``disks``:
        with the disks' statistics, which libvirt gathers as the disks' block jobs conclude)."""
        out: list[Param] = [("operation", T.INT, DomainJobOperation.BACKUP),
                            ("time_elapsed", T.ULLONG, self.elapsed_ms(now))]
        if disks and self.definition.pull:
            out += [("disk_temp_used", T.ULLONG, sum(v.saved_bytes for v in self.disks.values())),
                    ("disk_temp_total", T.ULLONG, self.total)]
        elif disks:
            out += [("disk_total", T.ULLONG, self.total), ("disk_processed", T.ULLONG, self.transferred),
                    ("disk_remaining", T.ULLONG, self.total - self.transferred)]
        if completed:
            out.append(("success", T.BOOLEAN, int(success)))
            if self.errmsg is not None:
                out.append(("errmsg", T.STRING, self.errmsg))
        return out
