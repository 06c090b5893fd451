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
from ..checkpoints.checkpointdef import CheckpointDef
from ..devices import Disk
from ..domain import Domain
from ..events import DomainEvent, EventID
from ..flags.backup import BlockJobStatus, BlockJobType, DomainBackupBeginFlags, DomainGetJobStatsFlags
from ..flags.backup import DomainJobType as JobType
from ..images import bitmaps
from ..snapshots.create import max_node_index
from .definition import BackupDef, BackupDisk, BackupServer
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


@dataclass(frozen=True)
class CompletedJob:
    type: JobType
    params: list[Param]


class DomainBackups:
    """The backup jobs of one driver instance's domains (at most one per domain)."""

    def __init__(self, driver: QemuDriver) -> None:
        self.driver = driver
        self.rate = DEFAULT_RATE
        self.jobs: dict[uuid.UUID, BackupJob] = {}
        self.completed: dict[uuid.UUID, CompletedJob] = {}
        self.last_index: dict[uuid.UUID, int] = {}

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
        sources = {k.target_dev: k.source for k in live.disks}
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
        base = max(max_node_index(live), self.last_index.get(dom.uuid, 0))
        for i, disk in enumerate(chosen, start=1):
            disk.index = base + i
        self.last_index[dom.uuid] = base + len(chosen)
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
                raise VirtError.invalid_arg(f"unable to open '{path}' for backup of '{name}'")
            return False
        if self.images.exists(path):
            raise err.store_exists(path, name)
        # libvirt records the disk as the backing file; here that would make the store a user of
        # the disk and refuse the guest's writes, and nothing reads through it, so none is recorded
        self.images.create(path, fmt, view.size)
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
                job.errmsg = "domain is not running"
                self._finish(job, JobType.FAILED, BlockJobStatus.FAILED)
            elif not job.definition.pull:
                job.transferred = min(job.total, int((now - job.started) * self.rate))
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
        if job is None:
            raise err.no_job()
        job.errmsg = "Operation canceled"
        if job.definition.pull:
            self._finish(job, JobType.COMPLETED, BlockJobStatus.CANCELED)
        else:
            self._finish(job, JobType.CANCELLED, BlockJobStatus.CANCELED)

    def _finish(self, job: BackupJob, kind: JobType, status: BlockJobStatus) -> None:
        """qemuBackupJobTerminate: drop scratch (and unfinished targets), record, emit events."""
        dom = job.dom
        del self.jobs[dom.uuid]
        if job.definition.pull:
            self.driver.hypervisor.bus.publish(BackupEvent(job, started=False))
        if not job.reuse and (job.definition.pull or kind != JobType.COMPLETED):
            for disk in job.backed_up:
                if disk.store and self.images.exists(disk.store):
                    self.images.delete(disk.store)
        params = job.stats(self.now(), completed=True, success=kind == JobType.COMPLETED)
        self.completed[dom.uuid] = CompletedJob(kind, params)
        bus, uri = self.driver.hypervisor.bus, self.driver.uri
        bus.publish(DomainEvent(uri, EventID.JOB_COMPLETED, dom.ref(), {"params": params}))
        for disk in job.backed_up:
            path = job.disks[disk.name].path
            bus.publish(DomainEvent(uri, EventID.BLOCK_JOB, dom.ref(),
                                    {"path": path, "type": BlockJobType.BACKUP, "status": status}))
            bus.publish(DomainEvent(uri, EventID.BLOCK_JOB_2, dom.ref(),
                                    {"dst": disk.name, "type": BlockJobType.BACKUP, "status": status}))

    # -- virDomainGetJobInfo / GetJobStats ---------------------------------------------------------

    def job_stats(self, dom: Domain, flags: int) -> tuple[JobType, list[Param]]:
        """qemuDomainGetJobStats for the backup job (type NONE when there is none)."""
        check_flags("qemuDomainGetJobStats", flags, sum(DomainGetJobStatsFlags))
        self.poll()
        if flags & DomainGetJobStatsFlags.COMPLETED:
            done = self.completed.get(dom.uuid)
            if done is None:
                return JobType.NONE, []
            if not flags & DomainGetJobStatsFlags.KEEP_COMPLETED:
                del self.completed[dom.uuid]
            return done.type, list(done.params)
        if not dom.active:
            raise VirtError.operation_invalid("domain is not running")
        job = self.jobs.get(dom.uuid)
        if job is None:
            return JobType.NONE, []
        return JobType.UNBOUNDED, job.stats(self.now())

    def job_info(self, dom: Domain) -> tuple[JobType, int, int, int]:
        """(type, elapsed ms, file total, file processed) of virDomainGetJobInfo."""
        self.poll()
        job = self.jobs.get(dom.uuid)
        if job is None:
            return JobType.NONE, 0, 0, 0
        if job.definition.pull:
            return JobType.UNBOUNDED, job.elapsed_ms(self.now()), 0, 0
        return JobType.UNBOUNDED, job.elapsed_ms(self.now()), job.total, job.transferred


def align(bdef: BackupDef, dom: Domain, suffix: str) -> None:
    """virDomainBackupAlignDisks: every domain disk gets an entry; targets get default names."""
    live = dom.live
    assert live is not None
    if not live.disks:
        raise err.no_domain_disks()
    by_target = {k.target_dev: k for k in live.disks}
    seen: set[str] = set()
    for disk in bdef.disks:
        if disk.name not in by_target:
            raise err.no_disk_named(disk.name)
        if disk.name in seen:
            raise err.disk_twice(disk.name)
        seen.add(disk.name)
        if disk.backupmode == "incremental" and disk.incremental is None and bdef.incremental is None:
            raise err.incremental_unset(disk.name)
        if disk.backup:
            _assign_store(disk, by_target[disk.name], suffix)
    backup_all = not bdef.disks
    for k in live.disks:
        if k.target_dev in seen:
            continue
        disk = BackupDisk(name=k.target_dev, backup=False)
        if backup_all and k.source and not k.readonly:
            disk.backup = True
            _assign_store(disk, k, suffix)
        bdef.disks.append(disk)
    for disk in bdef.disks:
        if not disk.backup:
            continue
        if disk.backupmode is None:
            disk.backupmode = "incremental" if (bdef.incremental or disk.incremental) else "full"
        if disk.incremental is None and disk.backupmode == "incremental":
            disk.incremental = bdef.incremental


def _assign_store(disk: BackupDisk, domdisk: Disk, suffix: str) -> None:
    if not domdisk.source:
        if disk.store is not None:
            raise err.no_media(disk.name)
    elif disk.store is None:
        if domdisk.type != "file":
            raise err.no_file_name(disk.name)
        disk.store = f"{domdisk.source}.{suffix}"

