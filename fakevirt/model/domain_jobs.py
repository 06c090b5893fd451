"""Domain jobs a test holds: a save, managed save, core dump or external memory snapshot whose
migration of the guest's RAM to a file goes as slowly as the test wants, so its call waits while
clients watch it (domjobinfo), abort it, or wait for the state change lock it holds.

Plain state: the server's session waits for a held job with a callback (``DomainJob.on_end``);
the job's end runs the rest of the call here (``finish_call``) or keeps the error it ends with.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from enum import Enum
from typing import TYPE_CHECKING

from ..errors import VirtError
from ..errors import guest as err
from .guest_events.jobs import JobOperation

if TYPE_CHECKING:
    from .domain import Domain

# qemuMigrationJobName of each operation a held job can run (libvirtd 9.0 as Debian builds it)
_JOB_NAMES = {JobOperation.SAVE: "domain save", JobOperation.DUMP: "domain core dump",
              JobOperation.SNAPSHOT: "snapshot"}


class Phase(Enum):
    RUNNING = "running"
    COMPLETED = "completed"
    FAILED = "failed"
    CANCELLED = "cancelled"
    GONE = "gone"  # the domain stopped, or the host was reset or loaded


@dataclass(eq=False)
class DomainJob:
    """A save/dump job that started and waits for the test's say-so."""

    dom: Domain
    operation: JobOperation
    started: float  # clock seconds
    fraction: float
    live: bool
    finish_call: Callable[[], object]  # QEMU's migration completed: the rest of the call
    undo: Callable[[], None]  # it failed or was cancelled: what libvirt does then (resume the guest)
    owner_api: str = "remoteDispatchDomainSaveFlags"  # the dispatcher of the waiting call
    phase: Phase = Phase.RUNNING
    result: object = None
    error: VirtError | None = None
    _waiters: list[Callable[[], None]] = field(default_factory=list)

    def on_end(self, fn: Callable[[], None]) -> None:
        """Call ``fn`` once the job ended (at once if it has)."""
        if self.phase is Phase.RUNNING:
            self._waiters.append(fn)
        else:
            fn()

    def then(self, fn: Callable[[object], object]) -> None:
        """Map the call's result when it completes (a handler's encoding of what the model returns)."""
        finish = self.finish_call
        self.finish_call = lambda: fn(finish())

    def ended(self, error: VirtError | None) -> None:
        """The job's end is settled (phase, result): wake whoever waits for it."""
        self.error = error
        waiters, self._waiters = self._waiters, []
        for fn in waiters:
            fn()

    def outcome(self) -> object:
        """The call's result once the job ended; raises the error it ended with."""
        if self.error is not None:
            raise self.error
        return self.result

    def elapsed_ms(self, now: float) -> int:
        return max(0, int((now - self.started) * 1000))

    def describe(self, now: float) -> dict[str, object]:
        return {"domain": self.dom.name, "operation": self.operation.name.lower(), "fraction": self.fraction,
                "elapsed_ms": self.elapsed_ms(now), "phase": self.phase.value}


class JobHeld(Exception):  # noqa: N818 - a signal to the server, not an error
    """Raised out of a call whose job a test holds: the server waits for ``job`` to end."""

    def __init__(self, job: DomainJob) -> None:
        super().__init__(f"{job.operation.name} job of {job.dom.name} held")
        self.job = job


class DomainJobs:
    """The holds armed per domain and the held jobs running (hv.domjobs; outlives reset)."""

    def __init__(self) -> None:
        self.armed: dict[str, float] = {}  # domain UUID -> the fraction its next job stops at
        self.running: dict[str, DomainJob] = {}  # domain UUID -> its held job

    def arm(self, dom: Domain, fraction: float = 0.0) -> None:
        """The next save/dump of ``dom`` stops at ``fraction`` until finished, failed or aborted."""
        self.armed[str(dom.uuid)] = fraction

    def disarm(self, dom: Domain) -> bool:
        return self.armed.pop(str(dom.uuid), None) is not None

    def take_hold(self, dom: Domain) -> float | None:
        return self.armed.pop(str(dom.uuid), None)

    def job_of(self, dom: Domain) -> DomainJob | None:
        job = self.running.get(str(dom.uuid))
        return job if job is not None and job.dom is dom else None

    def holding(self, uuid: str) -> DomainJob | None:
        """The held job of the domain with this UUID string (what a call's object names)."""
        return self.running.get(uuid)

    def start(self, dom: Domain, operation: JobOperation, now: float, fraction: float, live: bool,
              finish_call: Callable[[], object], undo: Callable[[], None]) -> JobHeld:
        job = DomainJob(dom, operation, now, fraction, live, finish_call, undo)
        self.running[str(dom.uuid)] = job
        return JobHeld(job)

    # -- the test's controls ------------------------------------------------------------------------

    def step(self, job: DomainJob, fraction: float) -> None:
        job.fraction = min(1.0, max(job.fraction, fraction))

    def finish(self, job: DomainJob) -> None:
        """QEMU's migration completes: the call finishes (its reply, JOB_COMPLETED, the image)."""
        job.fraction = 1.0
        self._end(job, Phase.COMPLETED)

    def fail(self, job: DomainJob) -> None:
        self._end(job, Phase.FAILED, err.migration_job_failed(_JOB_NAMES[job.operation]))

    # -- what clients and the domain do to it --------------------------------------------------------

    def abort(self, job: DomainJob) -> None:
        """virDomainAbortJob: QEMU cancels the migration; the waiting call fails."""
        self._end(job, Phase.CANCELLED, err.migration_job_canceled(_JOB_NAMES[job.operation]))

    def domain_stopped(self, dom: Domain) -> None:
        """The domain stops under its job (destroy, a guest crash): the waiting call fails."""
        job = self.job_of(dom)
        if job is not None:
            self._end(job, Phase.GONE, err.waited_domain_stopped(), undo=False)

    def drop_all(self) -> None:
        """reset() or a state load: every waiting call ends with an error, no hold stays armed."""
        self.armed.clear()
        for job in list(self.running.values()):
            self._end(job, Phase.GONE, err.waited_domain_stopped(), undo=False)

    def _end(self, job: DomainJob, phase: Phase, error: VirtError | None = None, undo: bool = True) -> None:
        if job.phase is not Phase.RUNNING:
            return
        if self.running.get(str(job.dom.uuid)) is job:
            del self.running[str(job.dom.uuid)]
        job.phase = phase
        try:
            if phase is Phase.COMPLETED:
                job.result = job.finish_call()
            elif undo:
                job.undo()
        except VirtError as e:
            error = error or e
        job.ended(error)
