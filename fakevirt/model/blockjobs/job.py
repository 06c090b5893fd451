"""One block job: what it still has to copy, how fast, and what it does when it gets there.

A job walks a position ``cur`` from 0 to ``end`` bytes, as QEMU's job progress does.  Only the
``work`` ranges (the clusters it must copy) cost time; everything else is skipped at once, the way
QEMU's stream and commit jobs skip what needs no copy.  Time is the hypervisor clock's: ``advance``
spends the bytes the rate allows since the last call.  A test can ``hold`` the job at a position,
``step`` it, make it ``fail`` or ``finish`` at once (see BlockJobs).
"""

from __future__ import annotations

import bisect
from dataclasses import dataclass, field
from enum import Enum
from typing import TYPE_CHECKING, Protocol

from ..flags.blockjob import JOB_NAMES, BlockJobType

if TYPE_CHECKING:
    from ..domain import Domain
    from ..domaindef import DomainDef


class Phase(Enum):
    RUNNING = "running"
    READY = "ready"  # a mirror job that copied everything: it waits for a pivot or an abort
    DONE = "done"  # completed, failed or canceled: gone from the registry


class JobActions(Protocol):
    """What a kind of job does to the images and the domain at the ends of its life."""

    def reached_end(self, job: BlockJob) -> None:
        """All copied: a job without a mirror completes here, a mirror job becomes ready."""

    def pivot(self, job: BlockJob) -> None:
        """virDomainBlockJobAbort(PIVOT) of a ready mirror job: the disk switches to the copy."""

    def cancel(self, job: BlockJob) -> None:
        """An abort without pivot: the disk stays on its chain."""

    def event_path(self, job: BlockJob, completed: bool) -> str:
        """The path the pre-9.0 BLOCK_JOB event names (the disk's active layer when the event fires)."""


@dataclass(eq=False)
class BlockJob:
    """A running block job of one disk of one running domain."""

    driver_uri: str
    dom: Domain
    live: DomainDef  # the running definition it started in (a restart makes a new one)
    dst: str  # the disk's target
    type: BlockJobType
    node: str  # the node name of the image the job is named after: "libvirt-2-format"
    end: int
    work: list[tuple[int, int]]  # sorted disjoint ranges of [0, end) that cost time
    actions: JobActions
    bandwidth: int = 0  # bytes per second, 0: unlimited
    mirror: bool = False  # a copy or active commit: it shows a <mirror> and waits for a pivot
    cur: int = 0
    phase: Phase = Phase.RUNNING
    hold_at: int | None = None  # the position it may not pass (a test's hold)
    last: float = 0.0  # clock time up to which the job has advanced
    data: dict[str, object] = field(default_factory=dict)  # what the job kind keeps (top, base, flags)
    _starts: list[int] = field(default_factory=list)

    def __post_init__(self) -> None:
        self._starts = [a for a, _ in self.work]

    @property
    def name(self) -> str:
        """QEMU's job id as libvirt names it: "commit-vda-libvirt-8-format"."""
        return f"{JOB_NAMES[self.type]}-{self.dst}-{self.node}"

    @property
    def ready(self) -> bool:
        return self.phase is Phase.READY

    def cost(self, lo: int, hi: int) -> int:
        """Bytes to copy between positions lo and hi."""
        total = 0
        i = max(0, bisect.bisect_right(self._starts, lo) - 1)
        while i < len(self.work) and self.work[i][0] < hi:
            a, b = self.work[i]
            total += max(0, min(b, hi) - max(a, lo))
            i += 1
        return total

    def reach(self, budget: float) -> int:
        """The position the job gets to from ``cur`` by copying at most ``budget`` bytes."""
        pos = self.cur
        i = max(0, bisect.bisect_right(self._starts, pos) - 1)
        while i < len(self.work):
            a, b = self.work[i]
            i += 1
            if b <= pos:
                continue
            a = max(a, pos)
            if b - a > budget:
                return a + int(budget)
            budget -= b - a
            pos = b
        return self.end

    def limit(self) -> int:
        return self.end if self.hold_at is None else min(self.end, self.hold_at)

    def advance(self, now: float, rate: float) -> None:
        """Spend the copy budget of the time since ``last`` (rate bytes/s; the job's bandwidth caps it)."""
        speed = min(rate, self.bandwidth) if self.bandwidth else rate
        elapsed = max(0.0, now - self.last)
        self.last = now
        if self.phase is not Phase.RUNNING:
            return
        self.cur = min(self.reach(elapsed * speed), self.limit())

    def move_to(self, pos: int) -> None:
        self.cur = max(self.cur, min(pos, self.end))

    def due(self, now: float, rate: float) -> float | None:
        """The clock time at which the job reaches its end or its hold, None when it will not move."""
        if self.phase is not Phase.RUNNING:
            return None
        target = self.limit()
        if target <= self.cur:
            return None if target < self.end else now
        speed = min(rate, self.bandwidth) if self.bandwidth else rate
        return self.last + self.cost(self.cur, target) / speed if speed > 0 else None

    def info(self) -> tuple[int, int]:
        """(cur, end) as qemuBlockJobInfoTranslate reports them: a job that is not ready never shows
        cur == end, and one that has not started shows 0/1 (1/1 when ready)."""
        cur, end = self.cur, self.end
        if cur == 0 and end == 0:
            return (1, 1) if self.ready else (0, 1)
        if not self.ready and cur == end:
            cur -= 1
        if self.ready:
            cur = end
        return cur, end
