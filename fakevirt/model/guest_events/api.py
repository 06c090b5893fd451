"""The guest-facing APIs of the QEMU driver: NMIs, keys, PM suspend/wakeup, core dumps, the
save/dump job's statistics, and the events a live device change shows."""

from __future__ import annotations

from ...errors import check_flags
from ...errors import domain as errors
from ...errors import guest as gerr
from ..devices import Device, Disk
from ..domain import Domain, Paused, Running, Shutoff, State
from ..domaindef import DomainDef
from ..domaindef.normalize import normalize
from ..events import EventID, StoppedDetail, TrayChangeReason
from ..flags.guest import (
    KEYCODE_SET_NAMES,
    DomainCoreDumpFlags,
    DomainCoreDumpFormat,
    KeycodeSet,
    NodeSuspendTarget,
)
from .jobs import JobOperation, Param, abort_job, job_stats, migration_stats
from .record import KeyPress
from .triggers import GuestEvents

Dump = DomainCoreDumpFlags
_KEYCODE_LIMIT = {KeycodeSet.LINUX: 0x300, KeycodeSet.USB: 0x100, KeycodeSet.QNUM: 0x100}  # else 0x80
_DUMP_OVERHEAD = 326483  # an ELF dump's notes and headers beside guest RAM (QEMU 7.2, 1 vCPU)


class DomainGuest(GuestEvents):
    """virDomainInjectNMI, SendKey, PMSuspendForDuration, PMWakeup, CoreDump(WithFormat), job stats."""

    def complete_stored(self, d: DomainDef) -> DomainDef:
        """A definition libvirt stored in migratable form (save image, snapshot), parsed back:
        post-parse re-adds what the migratable format leaves out (virDomainDefCopy(migratable))."""
        return normalize(d, self.driver.hypervisor.rng, self.driver.host, validate=False)

    def inject_nmi(self, dom: Domain, flags: int) -> None:
        """virDomainInjectNMI: the guest gets a non-maskable interrupt (counted for tests)."""
        check_flags("qemuDomainInjectNMI", flags, 0)
        if not dom.active:
            raise errors.not_active()
        dom.guest_input.nmis += 1

    def send_key(self, dom: Domain, codeset: int, holdtime: int, keycodes: tuple[int, ...], flags: int) -> None:
        """virDomainSendKey: the keys are pressed for ``holdtime`` ms (recorded for tests)."""
        if not keycodes:
            raise gerr.no_keycodes()
        if not 0 <= codeset < len(KeycodeSet):
            raise gerr.unsupported_codeset(codeset)
        check_flags("qemuDomainSendKey", flags, 0)
        if not dom.active:
            raise errors.not_active()
        limit = _KEYCODE_LIMIT.get(KeycodeSet(codeset), 0x80)
        for code in keycodes:
            if code >= limit and codeset != KeycodeSet.QNUM:
                raise gerr.untranslatable_keycode(code, KEYCODE_SET_NAMES[KeycodeSet(codeset)])
        dom.guest_input.keys.append(KeyPress(codeset, holdtime, tuple(keycodes)))

    def pm_suspend_for_duration(self, dom: Domain, target: int, duration: int, flags: int) -> None:
        """virDomainPMSuspendForDuration: the agent asks the guest to suspend."""
        check_flags("qemuDomainPMSuspendForDuration", flags, 0)
        if target not in list(NodeSuspendTarget):
            raise gerr.unknown_suspend_target(target)
        if duration:
            raise gerr.duration_unsupported()
        if not dom.active:
            raise errors.not_running()
        self.driver.agents.available(dom)
        self.pm_suspended(dom, disk=target == NodeSuspendTarget.DISK)

    def pm_wakeup(self, dom: Domain, flags: int) -> None:
        """virDomainPMWakeup: QEMU's system_wakeup, refused unless the guest is suspended."""
        check_flags("qemuDomainPMWakeup", flags, 0)
        if not dom.active:
            raise errors.not_active()
        if dom.live is not None and not dom.live.tuning.acpi:  # QEMU runs with -no-acpi
            raise gerr.qmp_failed("system_wakeup", "wake-up from suspend is not supported by this guest")
        if dom.state != State.PMSUSPENDED:
            raise gerr.qmp_failed("system_wakeup", "Unable to wake up: guest is not in suspended state")
        self.pm_woken(dom)

    def core_dump(self, dom: Domain, path: str, dumpformat: int, flags: int) -> None:
        """virDomainCoreDumpWithFormat: the guest's memory to ``path`` in the image store.

        The guest pauses for the dump (a live dump: for its last pass) and afterwards resumes,
        is reset, or stops as crashed (CRASH); a migration-format dump is a job with statistics.
        """
        check_flags("qemuDomainCoreDumpWithFormat", flags, Dump.DUMP_CRASH | Dump.DUMP_LIVE | Dump.DUMP_BYPASS_CACHE
                    | Dump.DUMP_RESET | Dump.DUMP_MEMORY_ONLY)
        if dumpformat not in list(DomainCoreDumpFormat):
            raise gerr.dumpformat_unsupported(dumpformat)
        memory_only = bool(flags & Dump.DUMP_MEMORY_ONLY)
        if dumpformat != DomainCoreDumpFormat.RAW and not memory_only:
            raise gerr.kdump_needs_memory_only()
        if not dom.active or dom.live is None:
            raise errors.not_active()
        was_running = dom.state == State.RUNNING
        live = dom.live

        def dumped(size: int) -> None:
            self.driver.hypervisor.images.create(path, "raw", size)
            if flags & Dump.DUMP_CRASH:
                self.stop(dom, Shutoff.CRASHED, StoppedDetail.CRASHED)
                return
            if flags & Dump.DUMP_RESET:
                self.publish(dom, EventID.REBOOT)
            if was_running:
                self.resume(dom)

        if memory_only:
            if was_running:
                self.pause_for_job(dom, Paused.DUMP)
            if dumpformat == DomainCoreDumpFormat.WIN_DMP:  # QEMU fails once the guest is stopped
                if was_running:
                    self.resume(dom)
                raise gerr.win_dump_failed()
            dumped(live.memory_kib * 1024 + _DUMP_OVERHEAD)
            return
        size = sum(v for f, _, v in migration_stats(live, JobOperation.DUMP) if f == "memory_processed"
                   and isinstance(v, int))
        self.migrate_to_file(dom, JobOperation.DUMP, lambda: dumped(size), live=bool(flags & Dump.DUMP_LIVE),
                             resumed=Running.UNPAUSED)

    def emit_tunable(self, dom: Domain, params: list[Param]) -> None:
        """The TUNABLE event of a live tuning change: the changed typed parameters, named as the
        API shows them ("cputune.vcpupin0", "blkdeviotune.total_bytes_sec", ...)."""
        self.publish(dom, EventID.TUNABLE, params=list(params))

    def job_stats(self, dom: Domain, flags: int) -> tuple[int, list[Param]]:
        """virDomainGetJobStats when no backup runs: none, or the completed save/dump job."""
        check_flags("qemuDomainGetJobStats", flags, 3)
        return job_stats(dom, flags)

    def abort_job(self, dom: Domain) -> None:
        """virDomainAbortJob when no backup runs: saves and dumps never outlive their call."""
        abort_job(dom)

    def live_device_events(self, dom: Domain, old: DomainDef, new: DomainDef, updated: Device | None) -> None:
        """What a live attach, detach or update shows: DEVICE_ADDED/REMOVED (the guest acknowledges
        an unplug at once); a media change ejects the old medium and inserts the new one, even
        the same file again (qemuDomainChangeEjectableMedia), each moving the tray."""
        before = {d.alias: d for d in old.all_devices() if d.alias}
        after = {d.alias: d for d in new.all_devices() if d.alias}
        for alias in before.keys() - after.keys():
            self.publish(dom, EventID.DEVICE_REMOVED, devAlias=alias)
        for alias in sorted(after.keys() - before.keys()):
            self.publish(dom, EventID.DEVICE_ADDED, devAlias=alias)
        if not isinstance(updated, Disk):
            return
        prev, disk = old.find_disk(updated.target_dev), new.find_disk(updated.target_dev)
        if prev is None or disk is None or disk.device not in ("cdrom", "floppy") or not (prev.source or disk.source):
            return
        if prev.source:
            self.publish(dom, EventID.TRAY_CHANGE, devAlias=disk.alias or "", reason=int(TrayChangeReason.OPEN))
        if disk.source:
            self.publish(dom, EventID.TRAY_CHANGE, devAlias=disk.alias or "", reason=int(TrayChangeReason.CLOSE))
