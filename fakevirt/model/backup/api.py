"""virDomainBackupBegin / GetXMLDesc and the backup job (info, stats, abort, completion).

A push backup copies the disks' point-in-time data into target images at ``rate`` bytes per
second of the hypervisor's clock; ``poll()`` (called by every backup API and by the server's
ticker) completes it.  A pull backup exports the frozen disks over NBD until aborted: the model
publishes a ``BackupEvent`` and the server's NBD service opens and closes the listener.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import TYPE_CHECKING

from ...errors import VirtError, check_flags
from ...errors import backup as err
from ..blockjobs.copy_nodes import next_index
from ..checkpoints.checkpointdef import CheckpointDef
from ..domain import Domain
from ..events import DomainEvent, EventID
from ..flags.backup import BlockJobStatus, BlockJobType, DomainBackupBeginFlags, DomainGetJobStatsFlags
from ..flags.backup import DomainJobType as JobType
from ..guest_events import jobs as domain_jobs
from ..images import bitmaps
from .align import align
from .definition import BackupDef, BackupServer
from .job import BackupJob, Param
from .listener import NbdBindError, NbdListener
from .view import FrozenDisk

if TYPE_CHECKING:
    from ..hypervisor import QemuDriver
    from ..images import ImageStore

DEFAULT_RATE = 1 << 30  # push mode: bytes per second of virtual time
COPY_CHUNK = 4 << 20


@dataclass(frozen=True)
class BackupEvent:
    """A pull backup's NBD exports appear (``started``) or go away."""

    job: BackupJob
    started: bool


class DomainBackups:
    """The backup jobs of one driver instance's domains (at most one per domain)."""

    def __init__(self, driver: QemuDriver) -> None:
        self.driver = driver
        self.rate = DEFAULT_RATE
        self.jobs: dict[uuid.UUID, BackupJob] = {}

    @property
    def images(self) -> ImageStore:
        return self.driver.hypervisor.images

    def now(self) -> float:
        return self.driver.hypervisor.clock.now()

    # -- begin ----------------------------------------------------------------------------------

    def begin(self, dom: Domain, bdef: BackupDef, checkpoint: CheckpointDef | None, flags: int) -> BackupJob:
        """qemuBackupBegin: a checkpoint given with the backup is created with it (named after the
        time when unnamed; it names the stores) and rolled back when the backup cannot start."""
        check_flags("qemuBackupBegin", flags, DomainBackupBeginFlags.REUSE_EXTERNAL)
        self.poll()
        if not dom.active or dom.live is None:
            raise err.inactive()
        if dom.uuid in self.jobs:
            raise err.job_busy()
        if checkpoint is not None and checkpoint.name is None:
            checkpoint.name = str(int(self.now()))
        align(bdef, dom, checkpoint.name if checkpoint is not None and checkpoint.name else str(int(self.now())))
        chk = self.driver.checkpoints.create(dom, checkpoint, 0) if checkpoint is not None else None
        created: list[str] = []
        try:
            job = self._prepare(dom, bdef, flags, created)
            if bdef.pull:
                job.listener = self._bind(bdef)
        except VirtError:
            for path in created:
                self.images.delete(path)
            if chk is not None:
                self.driver.checkpoints.delete_checkpoint(dom, chk, 0)
            raise
        self.jobs[dom.uuid] = job
        if bdef.pull:
            self.driver.hypervisor.bus.publish(BackupEvent(job, started=True))
        return job

    def _bind(self, bdef: BackupDef) -> NbdListener:
        """nbd-server-start: the listener is bound before the call returns."""
        try:
            return self.driver.hypervisor.nbd_binder.bind(bdef.server or BackupServer())
        except NbdBindError as e:
            raise err.nbd_server_start(str(e)) from None

    def _prepare(self, dom: Domain, bdef: BackupDef, flags: int, created: list[str]) -> BackupJob:
        """qemuBackupDiskPrepareData and PrepareStorage: the frozen views and the stores (the
        paths of the stores it creates are added to ``created``)."""
        live = dom.live
        assert live is not None
        if bdef.pull:
            server = bdef.server
            if server is not None and server.transport == "tcp" and not server.port:
                raise err.tcp_port_required()
        chosen = [d for d in bdef.disks if d.backup and d.store is not None]
        if not chosen:
            raise err.no_disks_selected()
        job = BackupJob(self.driver.uri, dom, bdef, self.now(),
                        reuse=bool(flags & DomainBackupBeginFlags.REUSE_EXTERNAL))
        sources = {k.target_dev: k.path for k in live.disks}
        for disk in chosen:
            source = self.images.normpath(sources[disk.name] or "")
            if bdef.pull and disk.format not in (None, "qcow2"):
                raise err.pull_needs_qcow2(disk.name)
            disk.format = disk.format or "qcow2"
            dirty = None
            if disk.incremental is not None:
                dirty = self._dirty_since(dom, source, disk.name, disk.incremental)
                if bdef.pull:
                    disk.exportbitmap = disk.exportbitmap or f"backup-{disk.name}"
            if bdef.pull:
                disk.exportname = disk.exportname or disk.name
            job.disks[disk.name] = FrozenDisk.of(self.images, source, dirty)
        for disk in chosen:
            if self._create_store(job, disk.name, disk.store or "", disk.format or "qcow2"):
                created.append(disk.store or "")
        for disk in chosen:  # the running domain's one node counter, shared with copies and snapshots
            disk.index = next_index(live)
        return job

    def _dirty_since(self, dom: Domain, source: str, disk: str, checkpoint: str) -> bitmaps.Bitmap:
        """The union of the checkpoint's bitmap over the disk's chain, frozen now (the checkpoint
        must exist; its definition of the disks is not consulted, as libvirt does not)."""
        if checkpoint not in dom.checkpoints:
            raise err.checkpoint_not_found(checkpoint, disk)
        found = bitmaps.chain_lookup(self.images.chain(source), checkpoint)
        if not found:
            raise err.broken_bitmap(checkpoint, disk)
        out = found[0].copy(checkpoint)
        for bm in found[1:]:
            out.merge_from(bm)
        return out

    def _create_store(self, job: BackupJob, name: str, path: str, fmt: str) -> bool:
        """Push: the target; pull: the scratch image.  Returns whether it was created."""
        view = job.disks[name]
        if job.reuse:
            if not self.images.exists(path):
                raise err.reused_store_missing(path)
            return False
        if self.images.exists(path):
            raise err.store_exists(path, name)
        # libvirt names the disk as the backing file of a pull's scratch and an incremental target
        # (QEMU writes them through the backup job, so the guest's writes to the disk go on)
        disk = next(d for d in job.definition.disks if d.name == name)
        backing = (job.definition.pull or disk.backupmode == "incremental") and fmt == "qcow2"
        img = self.images.create(path, fmt, view.size, view.path if backing else None,
                                 self.images.open(view.path).format if backing else None)
        img.backing_only_named = backing
        return True

    # -- the running job --------------------------------------------------------------------------

    def job(self, dom: Domain) -> BackupJob:
        self.poll()
        job = self.jobs.get(dom.uuid)
        if job is None:
            raise err.no_backup()
        return job

    def before_guest_write(self, dom: Domain, target: str, offset: int, length: int) -> None:
        """Copy-before-write: a running backup keeps what the guest is about to overwrite."""
        job = self.jobs.get(dom.uuid)
        view = job.disks.get(target) if job is not None else None
        if view is not None:
            view.before_write(offset, length)

    def poll(self) -> None:
        """Advance every push job to the clock; finish those that are done or lost their domain."""
        now = self.now()
        for job in list(self.jobs.values()):
            if not job.dom.active:
                self.domain_stopped(job.dom)
            elif not job.definition.pull:
                job.transferred = min(job.limit(), job.transferred + int(max(0.0, now - job.last) * self.rate))
                job.last = now
                if job.transferred >= job.total:
                    self._copy_targets(job)
                    self._finish(job, JobType.COMPLETED, BlockJobStatus.COMPLETED)

    def _copy_targets(self, job: BackupJob) -> None:
        """Write the point-in-time data (all of it, or the dirty ranges) into the targets."""
        for disk in job.backed_up:
            view = job.disks[disk.name]
            target = disk.store or ""
            for start, stop in view.dirty_ranges():
                pos = start
                for length, flags in view.extents(start, stop - start):
                    if flags == 0:
                        for off in range(pos, pos + length, COPY_CHUNK):
                            n = min(COPY_CHUNK, pos + length - off)
                            self.images.write(target, off, view.read(off, n), force=True)
                    elif view.dirty is not None:
                        self.images.write_zeroes(target, pos, length, force=True)
                    pos += length

    def abort(self, dom: Domain) -> None:
        """virDomainAbortJob of a backup: a pull backup ends normally, a push one is cancelled."""
        job = self.jobs.get(dom.uuid)
        held = self.driver.hypervisor.domjobs.job_of(dom)
        if held is not None:
            self.driver.hypervisor.domjobs.abort(held)
            return
        if job is None:
            domain_jobs.abort_job(dom)  # not running, or no job: libvirt's errors
            return
        job.errmsg = "Operation canceled"
        if job.definition.pull:
            self._finish(job, JobType.COMPLETED, BlockJobStatus.CANCELED)
        else:
            self._finish(job, JobType.CANCELLED, BlockJobStatus.CANCELED)

    # -- controls for tests (like hv.blockjobs'): push progress, and failures ------------------------

    def hold(self, job: BackupJob, fraction: float) -> None:
        """Put a push job at ``fraction`` of its bytes now (unless it is past it) and keep it there."""
        self.poll()
        job.hold_at = max(job.transferred, int(job.total * fraction))
        job.transferred = min(job.hold_at, job.total)

    def release(self, job: BackupJob) -> None:
        job.hold_at = None
        job.last = self.now()
        self.poll()

    def step(self, job: BackupJob, nbytes: int) -> None:
        """Move a push job ``nbytes`` on at once (a hold moves along)."""
        self.poll()
        job.transferred = min(job.total, job.transferred + nbytes)
        if job.hold_at is not None:
            job.hold_at = max(job.hold_at, job.transferred)
        self.poll()

    def finish(self, job: BackupJob) -> None:
        """Complete a push job at once."""
        job.hold_at = None
        job.transferred = job.total
        self.poll()

    def fail(self, job: BackupJob, disk: str | None = None, errmsg: str = "Input/output error") -> None:
        """QEMU's backup block job of ``disk`` (default: the first) fails, as on a write error to the
        target or the scratch (qemuBackupNotifyBlockjobEnd): the others are cancelled, the job ends
        FAILED with QEMU's message, and the stores go as for any unfinished backup."""
        self.poll()
        if self.jobs.get(job.dom.uuid) is not job:
            return
        names = [d.name for d in job.backed_up]
        failed = disk if disk is not None else names[0]
        job.errmsg = errmsg
        if len(names) > 1:  # its events come first; the job ends when the others are cancelled
            self._emit_disk(job, failed, BlockJobStatus.FAILED)
            self._finish(job, JobType.FAILED, BlockJobStatus.CANCELED, skip=failed)
        else:
            self._finish(job, JobType.FAILED, BlockJobStatus.FAILED)

    def _emit_disk(self, job: BackupJob, disk: str, status: BlockJobStatus) -> None:
        bus, uri, dom = self.driver.hypervisor.bus, self.driver.uri, job.dom
        bus.publish(DomainEvent(uri, EventID.BLOCK_JOB, dom.ref(),
                                {"path": job.disks[disk].path, "type": BlockJobType.BACKUP, "status": status}))
        bus.publish(DomainEvent(uri, EventID.BLOCK_JOB_2, dom.ref(),
                                {"dst": disk, "type": BlockJobType.BACKUP, "status": status}))

    def domain_stopped(self, dom: Domain) -> None:
        """The domain stops under its backup (called before the STOPPED event): as the reference,
        the job ends CANCELLED with neither disk statistics (no block job concluded) nor
        block-job events."""
        job = self.jobs.get(dom.uuid)
        if job is not None:
            self._finish(job, JobType.CANCELLED, None)

    def _finish(self, job: BackupJob, kind: JobType, status: BlockJobStatus | None, skip: str | None = None) -> None:
        """qemuBackupJobTerminate: drop scratch (and unfinished targets), record, emit events
        (the block-job events of every disk but ``skip`` after JOB_COMPLETED, none without ``status``)."""
        dom = job.dom
        del self.jobs[dom.uuid]
        if job.definition.pull:
            self.driver.hypervisor.bus.publish(BackupEvent(job, started=False))
        if not job.reuse and (job.definition.pull or kind != JobType.COMPLETED):
            for disk in job.backed_up:
                if disk.store and self.images.exists(disk.store):
                    self.images.delete(disk.store)
        params = job.stats(self.now(), completed=True, success=kind == JobType.COMPLETED, disks=status is not None)
        dom.completed_job = (int(kind), list(params))  # libvirt keeps the last finished job of any kind
        self.driver.hypervisor.bus.publish(DomainEvent(self.driver.uri, EventID.JOB_COMPLETED, dom.ref(),
                                                       {"params": params}))
        for disk in job.backed_up:
            if disk.name != skip and status is not None:
                self._emit_disk(job, disk.name, status)

    # -- virDomainGetJobInfo / GetJobStats ---------------------------------------------------------

    def job_stats(self, dom: Domain, flags: int) -> tuple[JobType, list[Param]]:
        """qemuDomainGetJobStats for the backup job (type NONE when there is none)."""
        check_flags("qemuDomainGetJobStats", flags, sum(DomainGetJobStatsFlags))
        self.poll()
        job = self.jobs.get(dom.uuid)
        held = self.driver.hypervisor.domjobs.job_of(dom)
        if held is not None and dom.live is not None and not flags & DomainGetJobStatsFlags.COMPLETED:
            elapsed = held.elapsed_ms(self.now())
            return JobType.UNBOUNDED, domain_jobs.running_stats(dom.live, held.operation, held.fraction, elapsed)
        if job is None or flags & DomainGetJobStatsFlags.COMPLETED:
            kind, params = domain_jobs.job_stats(dom, flags)
            return JobType(kind), params
        return JobType.UNBOUNDED, job.stats(self.now())

    def job_info(self, dom: Domain) -> tuple[JobType, int, int, int, int, int, int]:
        """virDomainGetJobInfo: (type, elapsed ms, memory total, processed, remaining, file total,
        processed) of the running job: a held save/dump's memory, a push backup's disks."""
        self.poll()
        held = self.driver.hypervisor.domjobs.job_of(dom)
        if held is not None and dom.live is not None:
            elapsed = held.elapsed_ms(self.now())
            stats = {f: v for f, _, v in domain_jobs.running_stats(dom.live, held.operation, held.fraction, elapsed)
                     if isinstance(v, int)}
            return (JobType.UNBOUNDED, elapsed, stats["memory_total"], stats["memory_processed"],
                    stats["memory_remaining"], 0, 0)
        job = self.jobs.get(dom.uuid)
        if job is None:
            return JobType.NONE, 0, 0, 0, 0, 0, 0
        if job.definition.pull:
            return JobType.UNBOUNDED, job.elapsed_ms(self.now()), 0, 0, 0, 0, 0
        return JobType.UNBOUNDED, job.elapsed_ms(self.now()), 0, 0, 0, job.total, job.transferred
