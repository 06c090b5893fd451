"""The hypervisor's block jobs: at most one per disk of a running domain, advanced by the clock.

Every block-job call first brings the jobs up to the clock (``poll``); the server also calls
``poll`` from a timer task, at the time ``poll`` says the next job changes phase, so events come
without a client asking.  Test controls: ``hold`` (at a fraction, now), ``release``, ``step``,
``fail``, ``finish``.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterator
from typing import TYPE_CHECKING

from ...errors import blockjob as err
from ...errors import check_flags
from ...errors import domain as domain_err
from ..devices import Disk, image_path
from ..domain import Domain
from ..flags.blockjob import BlockJobStatus, BlockJobType
from ..flags.blockjob import DomainBlockJobAbortFlags as Abort
from ..flags.blockjob import DomainBlockJobInfoFlags as Info
from ..flags.blockjob import DomainBlockJobSetSpeedFlags as Speed
from .events import emit_block_job
from .job import BlockJob, Phase

if TYPE_CHECKING:
    from ..hypervisor import Hypervisor, QemuDriver

MIB = 1 << 20
LLONG_MAX = (1 << 63) - 1
DEFAULT_RATE = 1 << 30  # bytes per second of clock time an unlimited job copies

DiskErrorHook = Callable[[Domain, str], None]


def bandwidth_bytes(bandwidth: int, in_bytes: bool) -> int:
    """The API's bandwidth (MiB/s unless BANDWIDTH_BYTES) in bytes/s, refused past a long long."""
    if in_bytes:
        if bandwidth > LLONG_MAX:
            raise err.bandwidth_too_large(LLONG_MAX)
        return bandwidth
    if bandwidth > LLONG_MAX >> 20:
        raise err.bandwidth_too_large(LLONG_MAX >> 20)
    return bandwidth * MIB


class BlockJobs:
    """Every running block job of the hypervisor, keyed by (driver URI, domain UUID, disk target)."""

    def __init__(self, hv: Hypervisor) -> None:
        self.hv = hv
        self.rate: float = DEFAULT_RATE
        self.jobs: dict[tuple[str, uuid.UUID, str], BlockJob] = {}
        self.wake: Callable[[], None] | None = None  # the server's timer task, told when a job starts
        self.disk_error_hooks: list[DiskErrorHook] = []  # told of a disk whose job failed (domblkerror)

    def __iter__(self) -> Iterator[BlockJob]:
        return iter(list(self.jobs.values()))

    # ---- the disk a call names -----------------------------------------------------------------

    @staticmethod
    def disk(dom: Domain, name: str) -> Disk:
        """qemuDomainDiskByName on the running definition: a target or a source path."""
        if not dom.active or dom.live is None:
            raise domain_err.not_active()
        path = image_path(name) if name.startswith("/") else None
        for disk in dom.live.disks:
            if disk.target_dev == name or (path is not None and disk.image_path == path):
                return disk
        raise err.disk_not_found(name)

    def find(self, driver: QemuDriver, dom: Domain, dst: str) -> BlockJob | None:
        self.poll()
        return self.jobs.get((driver.uri, dom.uuid, dst))

    def check_free(self, driver: QemuDriver, dom: Domain, dst: str) -> None:
        """qemuDomainDiskBlockJobIsActive: one job per disk."""
        job = self.find(driver, dom, dst)
        if job is not None:
            raise err.already_in_job(dst, job.mirror)

    def job_of(self, driver: QemuDriver, dom: Domain, name: str) -> BlockJob:
        disk = self.disk(dom, name)
        job = self.find(driver, dom, disk.target_dev)
        if job is None:
            raise err.no_job(disk.target_dev)
        return job

    # ---- the life of a job ---------------------------------------------------------------------

    def start(self, job: BlockJob) -> BlockJob:
        job.last = self.hv.clock.now()
        self.jobs[(job.driver_uri, job.dom.uuid, job.dst)] = job
        if self.wake is not None:
            self.wake()
        return job

    def poll(self) -> float | None:
        """Advance every job to the clock's time; the time the next one changes phase (None: never)."""
        now = self.hv.clock.now()
        nxt: float | None = None
        for job in self:
            if not job.dom.active or job.dom.live is not job.live:
                self._drop(job)  # QEMU went away with its jobs
                continue
            job.advance(now, self.rate)
            if job.phase is Phase.RUNNING and job.cur >= job.end:
                self._reach_end(job)
            due = job.due(now, self.rate)
            if due is not None:
                nxt = due if nxt is None else min(nxt, due)
        return nxt

    def _reach_end(self, job: BlockJob) -> None:
        job.cur = job.end
        if job.mirror:
            job.phase = Phase.READY
            job.actions.reached_end(job)
            self._emit(job, BlockJobStatus.READY, completed=False)
            return
        job.actions.reached_end(job)
        self._drop(job)
        self._emit(job, BlockJobStatus.COMPLETED, completed=True)

    def _drop(self, job: BlockJob) -> None:
        job.phase = Phase.DONE
        self.jobs.pop((job.driver_uri, job.dom.uuid, job.dst), None)

    def _emit(self, job: BlockJob, status: BlockJobStatus, *, completed: bool) -> None:
        emit_block_job(self.hv.bus, job.driver_uri, job.dom, job.actions.event_path(job, completed),
                       job.dst, job.type, status)

    # ---- virDomainGetBlockJobInfo / BlockJobSetSpeed / BlockJobAbort -----------------------------

    def info(self, driver: QemuDriver, dom: Domain, name: str, flags: int
             ) -> tuple[BlockJobType, int, int, int] | None:
        """(type, bandwidth, cur, end) of the disk's job, None without one."""
        check_flags("qemuDomainGetBlockJobInfo", flags, Info.BANDWIDTH_BYTES)
        disk = self.disk(dom, name)
        job = self.find(driver, dom, disk.target_dev)
        if job is None:
            return None
        bandwidth = job.bandwidth if flags & Info.BANDWIDTH_BYTES else -(-job.bandwidth // MIB)
        cur, end = job.info()
        return job.type, bandwidth, cur, end

    def set_speed(self, driver: QemuDriver, dom: Domain, name: str, bandwidth: int, flags: int) -> None:
        check_flags("qemuDomainBlockJobSetSpeed", flags, Speed.BANDWIDTH_BYTES)
        speed = bandwidth_bytes(bandwidth, bool(flags & Speed.BANDWIDTH_BYTES))
        job = self.job_of(driver, dom, name)
        job.bandwidth = speed
        self.poll()

    def abort(self, driver: QemuDriver, dom: Domain, name: str, flags: int) -> None:
        """qemuDomainBlockJobAbort: cancel, or with PIVOT switch a ready mirror job's disk over.

        With or without ASYNC the outcome is immediate here: QEMU's cancel takes no time in fakevirt.
        """
        check_flags("qemuDomainBlockJobAbort", flags, Abort.ASYNC | Abort.PIVOT)
        job = self.job_of(driver, dom, name)
        if flags & Abort.PIVOT:
            if not job.ready:
                raise err.not_ready_for_pivot(job.name)
            job.actions.pivot(job)
            self._drop(job)
            self._emit(job, BlockJobStatus.COMPLETED, completed=True)
            return
        job.actions.cancel(job)
        self._drop(job)
        self._emit(job, BlockJobStatus.CANCELED, completed=False)

    # ---- controls for tests (the model API; a control plane can call the same) -------------------

    def hold(self, job: BlockJob, fraction: float) -> None:
        """Put the job at ``fraction`` of its length now (unless it is past it) and keep it there."""
        self.poll()
        job.hold_at = int(job.end * fraction)
        job.move_to(job.hold_at)
        job.hold_at = max(job.hold_at, job.cur)

    def release(self, job: BlockJob) -> None:
        job.hold_at = None
        job.last = self.hv.clock.now()
        self.poll()

    def step(self, job: BlockJob, nbytes: int) -> None:
        """Move the job ``nbytes`` of its length on at once (a hold moves along)."""
        self.poll()
        if job.phase is not Phase.RUNNING:
            return
        job.move_to(job.cur + nbytes)
        if job.hold_at is not None:
            job.hold_at = max(job.hold_at, job.cur)
        self.poll()

    def finish(self, job: BlockJob) -> None:
        """Complete the copy at once (a mirror job becomes ready)."""
        job.hold_at = None
        job.move_to(job.end)
        self.poll()

    def fail(self, job: BlockJob) -> None:
        """QEMU reports an I/O error: FAILED event, the disk's error is recorded, the chain stays."""
        self.poll()
        if job.phase is Phase.DONE:
            return
        job.actions.cancel(job)
        self._drop(job)
        for hook in self.disk_error_hooks:
            hook(job.dom, job.dst)
        self._emit(job, BlockJobStatus.FAILED, completed=False)
