"""Saving a running domain's state and restoring it: managed save and save image files."""

from __future__ import annotations

from collections.abc import Callable

from ..errors import check_flags
from ..errors import domain as errors
from .domain import Domain, Paused, Running, SavedState, Shutoff, State
from .domain_lifecycle import DomainLifecycle
from .domaindef import DomainDef
from .events import EventID, Lifecycle, ResumedDetail, StartedDetail, StoppedDetail, SuspendedDetail
from .flags.domain import DomainSaveRestoreFlags
from .guest_events.jobs import JobOperation, JobType, migration_stats
from .guest_events.stored import implicit_controllers_last

Save = DomainSaveRestoreFlags
MIGRATION_MS = 40  # what a save or dump that is not held reports as its time (migration_stats)
_SAVE_ALLOWED = Save.SAVE_BYPASS_CACHE | Save.SAVE_RUNNING | Save.SAVE_PAUSED


class DomainSaves(DomainLifecycle):
    """virDomainManagedSave, virDomainSave and virDomainRestore and their companions."""

    def _saved_state(self, dom: Domain, flags: int) -> SavedState:
        running = dom.state == State.RUNNING
        if flags & Save.SAVE_RUNNING:
            running = True
        elif flags & Save.SAVE_PAUSED:
            running = False
        assert dom.live is not None
        stored = dom.live.copy()
        implicit_controllers_last(stored)  # as the image's migratable XML reads back
        return SavedState(stored, running, dom.cpu_time_ns)

    def migrate_to_file(self, dom: Domain, operation: JobOperation, then: Callable[[], object], *,
                        live: bool = False, resumed: Running = Running.SAVE_CANCELED) -> object:
        """QEMU's migration of the guest's RAM to a file, as a save or dump shows it: the guest
        paused first (a live dump: after the first pass), two iterations, JOB_COMPLETED; then
        ``then``, the rest of the call, whose result this returns.

        A hold armed on the domain (control ``job DOMAIN hold``) stops it after the first pass:
        JobHeld goes up to the server, whose call waits for the job's end. If it fails or is
        cancelled, a guest the job paused resumes (reason ``resumed``), as libvirt's endjob does."""
        assert dom.live is not None
        was_running = dom.state == State.RUNNING
        reason = Paused.DUMP if operation == JobOperation.DUMP else Paused.SAVE
        if not live and was_running:
            self.pause_for_job(dom, reason)
        self.publish(dom, EventID.MIGRATION_ITERATION, iteration=1)
        jobs = self.driver.hypervisor.domjobs
        fraction = jobs.take_hold(dom)
        clock = self.driver.hypervisor.clock
        started = clock.now()

        def complete() -> object:
            held_ms = int((clock.now() - started) * 1000)
            self._migrated(dom, operation, live, reason, max(MIGRATION_MS, held_ms))
            return then()

        if fraction is None:
            return complete()

        def undo() -> None:
            if was_running and dom.active and dom.state == State.PAUSED:
                self.resume_after_job(dom, resumed)
        raise jobs.start(dom, operation, started, fraction, live, complete, undo)

    def _migrated(self, dom: Domain, operation: JobOperation, live: bool, reason: Paused, elapsed_ms: int) -> None:
        assert dom.live is not None
        if live and dom.state == State.RUNNING:
            self.pause_for_job(dom, reason)
        self.publish(dom, EventID.MIGRATION_ITERATION, iteration=2)
        stats = migration_stats(dom.live, operation, live, elapsed_ms)
        dom.completed_job = (JobType.COMPLETED, stats)
        self.publish(dom, EventID.JOB_COMPLETED, params=stats)

    def pause_for_job(self, dom: Domain, reason: Paused = Paused.SAVE) -> None:
        """The job's own pause: QEMU's STOP, reported as SUSPENDED (paused)."""
        dom.cpu_time_ns = self.cpu_time(dom)
        dom.set_state(State.PAUSED, reason)
        self.emit(dom, Lifecycle.SUSPENDED, SuspendedDetail.PAUSED)

    def resume_after_job(self, dom: Domain, reason: Running) -> None:
        """qemuProcessStartCPUs after a job: QEMU's RESUME, reported as RESUMED (unpaused)."""
        dom.started_at = self.driver.hypervisor.clock.now()
        dom.set_state(State.RUNNING, reason)
        self.emit(dom, Lifecycle.RESUMED, ResumedDetail.UNPAUSED)

    def managed_save(self, dom: Domain, flags: int = 0) -> None:
        """virDomainManagedSave: the state goes to the managed image; next start resumes it."""
        check_flags("qemuDomainManagedSave", flags, _SAVE_ALLOWED)
        if flags & Save.SAVE_RUNNING and flags & Save.SAVE_PAUSED:
            raise errors.save_running_paused_exclusive()
        if not dom.persistent:
            raise errors.invalid("cannot do managed save for transient domain")
        self.require_active(dom)
        saved = self._saved_state(dom, flags)

        def saved_managed() -> None:
            self.stop(dom, Shutoff.SAVED, StoppedDetail.SAVED)
            dom.managed_save = saved
        self.migrate_to_file(dom, JobOperation.SAVE, saved_managed)

    def managed_save_definition(self, dom: Domain) -> DomainDef:
        if dom.managed_save is None:
            raise errors.invalid("domain does not have managed save image")
        return dom.managed_save.definition

    def managed_save_remove(self, dom: Domain) -> None:
        dom.managed_save = None

    @staticmethod
    def managed_save_found(dom: Domain, saved: SavedState) -> None:
        """The managed save image a daemon starting up finds for ``dom``."""
        dom.managed_save = saved

    def save(self, dom: Domain, path: str, dxml: DomainDef | None, flags: int = 0) -> None:
        """virDomainSaveFlags: the state goes to an image file kept by the emulator."""
        check_flags("qemuDomainSaveFlags", flags, _SAVE_ALLOWED)
        self.require_active(dom)
        saved = self._saved_state(dom, flags)
        if dxml is not None:
            saved.definition = dxml

        def saved_file() -> None:
            self.stop(dom, Shutoff.SAVED, StoppedDetail.SAVED)
            self.saved_images[path] = saved
        self.migrate_to_file(dom, JobOperation.SAVE, saved_file)

    def restore(self, path: str, dxml: DomainDef | None, flags: int = 0) -> Domain:
        """virDomainRestoreFlags: bring a saved image back to life."""
        check_flags("qemuDomainRestoreFlags", flags, _SAVE_ALLOWED)
        saved = self.saved_images.get(path)
        if saved is None:
            raise errors.no_saved_image(path)
        d = (dxml or saved.definition).copy()
        dom, _ = self.add(d, live=True)
        dom.live = d
        running = saved.running
        if flags & Save.SAVE_RUNNING:
            running = True
        elif flags & Save.SAVE_PAUSED:
            running = False
        # even a pause asked by SAVE_PAUSED is reported as SUSPENDED restored (unlike a managed start)
        self.boot(dom, paused=not running, reason=Running.RESTORED, detail=StartedDetail.RESTORED)
        dom.cpu_time_ns = saved.cpu_time_ns
        return dom

    def saved_image_definition(self, path: str) -> DomainDef:
        saved = self.saved_images.get(path)
        if saved is None:
            raise errors.no_saved_image(path)
        return saved.definition
