"""What a guest does on its own, with the events and state changes qemu_process.c derives from
QEMU's events (qemuProcessHandle*): tests call these to play the guest's part."""

from __future__ import annotations

from ...errors import domain as errors
from ...errors import guest as gerr
from ..devices import Disk
from ..domain import Crashed, Domain, Paused, Running, Shutoff, State
from ..domain_saves import DomainSaves
from ..domaindef import DomainDef
from ..events import (
    CrashedDetail,
    EventID,
    GraphicsAddressType,
    GraphicsPhase,
    IOErrorAction,
    Lifecycle,
    PMSuspendedDetail,
    ResumedDetail,
    ShutdownDetail,
    StartedDetail,
    StoppedDetail,
    SuspendedDetail,
    TrayChangeReason,
    WatchdogAction,
)

# <watchdog action>: what QEMU is told to do (dump is QEMU's pause plus libvirt's dump and resume)
WATCHDOG_ACTIONS = {"reset": WatchdogAction.RESET, "shutdown": WatchdogAction.SHUTDOWN,
                    "poweroff": WatchdogAction.POWEROFF, "pause": WatchdogAction.PAUSE, "dump": WatchdogAction.PAUSE,
                    "none": WatchdogAction.NONE, "inject-nmi": WatchdogAction.INJECTNMI}
# <driver error_policy/rerror_policy>: QEMU's werror/rerror (writes default to enospc, reads to report)
_POLICY = {"stop": IOErrorAction.PAUSE, "report": IOErrorAction.REPORT, "ignore": IOErrorAction.NONE}


class GuestEvents(DomainSaves):
    """The guest-originated events of a running domain."""

    def _running_guest(self, dom: Domain) -> DomainDef:
        if not dom.active or dom.live is None:
            raise errors.not_active()
        return dom.live

    def _pause(self, dom: Domain, reason: Paused, detail: SuspendedDetail) -> None:
        if dom.state == State.RUNNING:
            dom.cpu_time_ns = self.cpu_time(dom)
            dom.set_state(State.PAUSED, reason)
            self.emit(dom, Lifecycle.SUSPENDED, detail)

    def guest_reset(self, dom: Domain) -> None:
        """The guest reboots (QEMU's RESET): the REBOOT event, the domain keeps running."""
        self._running_guest(dom)
        self.publish(dom, EventID.REBOOT)

    def guest_poweroff(self, dom: Domain) -> None:
        """The guest powers itself off (QEMU's SHUTDOWN with guest: true)."""
        self._running_guest(dom)
        self.emit(dom, Lifecycle.SHUTDOWN, ShutdownDetail.GUEST)
        self.stop(dom, Shutoff.SHUTDOWN, StoppedDetail.SHUTDOWN)

    def guest_shutdown(self, dom: Domain) -> None:
        """The guest OS shuts down, then what ``<on_poweroff>`` says: the domain stops, or a restart
        action makes libvirt reset it and run its CPUs again (qemuProcessShutdownOrReboot's fake reboot)."""
        live = self._running_guest(dom)
        if live.on_poweroff not in ("restart", "rename-restart"):
            self.guest_poweroff(dom)
            return
        self.emit(dom, Lifecycle.SHUTDOWN, ShutdownDetail.GUEST)
        self._fake_reboot(dom, Running.BOOTED)

    def guest_reboot(self, dom: Domain) -> None:
        """The guest OS reboots: REBOOT, unless ``<on_reboot>destroy`` started QEMU with -no-reboot,
        which turns the reset into a guest shutdown."""
        live = self._running_guest(dom)
        if live.on_reboot == "destroy":
            self.guest_poweroff(dom)
        else:
            self.guest_reset(dom)

    def qemu_exits(self, dom: Domain) -> None:
        """QEMU ends without a SHUTDOWN event (killed, or powered off under it): libvirt assumes a crash."""
        self._running_guest(dom)
        self.stop(dom, Shutoff.CRASHED, StoppedDetail.FAILED)

    def _fake_reboot(self, dom: Domain, reason: Running) -> None:
        """qemuProcessFakeReboot: QEMU's RESET, then its CPUs run again."""
        self.publish(dom, EventID.REBOOT)
        dom.started_at = self.driver.hypervisor.clock.now()
        dom.set_state(State.RUNNING, reason)
        self.emit(dom, Lifecycle.RESUMED, ResumedDetail.UNPAUSED)

    def watchdog_fires(self, dom: Domain) -> WatchdogAction:
        """The guest's watchdog expires; QEMU does what ``<watchdog action>`` says."""
        live = self._running_guest(dom)
        if not live.watchdogs:
            raise gerr.no_guest_device("watchdog")
        configured = live.watchdogs[0].action or "reset"
        action = WATCHDOG_ACTIONS[configured]
        self.publish(dom, EventID.WATCHDOG, action=int(action))
        if action == WatchdogAction.PAUSE:
            self._pause(dom, Paused.WATCHDOG, SuspendedDetail.WATCHDOG)
            if configured == "dump":  # qemuProcessEventHandler: dump to the auto-dump path, then resume
                self.resume(dom)
        elif action == WatchdogAction.RESET:
            self.publish(dom, EventID.REBOOT)
        elif action == WatchdogAction.SHUTDOWN:
            self.guest_poweroff(dom)  # ACPI power button: the guest obeys
        elif action == WatchdogAction.POWEROFF:
            self.qemu_exits(dom)
        return action

    def io_error(self, dom: Domain, target: str, reason: str = "", write: bool = True) -> IOErrorAction:
        """An I/O error on disk ``target`` (``reason`` "enospc" for a full host disk, else "").

        The action follows the disk's error_policy (writes) or rerror_policy (reads); a pause
        stops the guest with reason ioerror.
        """
        live = self._running_guest(dom)
        disk = live.find_disk(target)
        if disk is None:
            raise gerr.no_guest_device(f"disk with target '{target}'")
        action = self._io_error_action(disk, reason, write)
        data = {"srcPath": disk.source or "", "devAlias": disk.alias or "", "action": int(action)}
        self.publish(dom, EventID.IO_ERROR, **data)
        self.publish(dom, EventID.IO_ERROR_REASON, **data, reason=reason)
        if action == IOErrorAction.PAUSE:
            self._pause(dom, Paused.IOERROR, SuspendedDetail.IOERROR)
        return action

    @staticmethod
    def _io_error_action(disk: Disk, reason: str, write: bool) -> IOErrorAction:
        policy = disk.driver_attrs.get("error_policy")
        if not write:
            policy = disk.driver_attrs.get("rerror_policy", policy or "report")
        if policy in _POLICY:
            return _POLICY[policy]
        return IOErrorAction.PAUSE if reason == "enospc" else IOErrorAction.REPORT  # enospc, or unset

    def tray_moved(self, dom: Domain, target: str, opened: bool) -> None:
        """The guest opens or closes a removable drive's tray (QEMU's DEVICE_TRAY_MOVED)."""
        disk = self._running_guest(dom).find_disk(target)
        if disk is None or disk.device not in ("cdrom", "floppy"):
            raise gerr.no_guest_device(f"removable disk with target '{target}'")
        if opened:
            disk.target_attrs["tray"] = "open"
        else:
            disk.target_attrs.pop("tray", None)
        reason = TrayChangeReason.OPEN if opened else TrayChangeReason.CLOSE
        self.publish(dom, EventID.TRAY_CHANGE, devAlias=disk.alias or "", reason=int(reason))

    def panic(self, dom: Domain) -> None:
        """The guest panics (QEMU's GUEST_PANICKED): crashed, then what ``<on_crash>`` says."""
        live = self._running_guest(dom)
        dom.cpu_time_ns = self.cpu_time(dom)
        dom.set_state(State.CRASHED, Crashed.PANICKED)
        self.emit(dom, Lifecycle.CRASHED, CrashedDetail.PANICKED)
        action = live.on_crash
        if action in ("destroy", "coredump-destroy"):
            self.stop(dom, Shutoff.CRASHED, StoppedDetail.CRASHED)
        elif action in ("restart", "coredump-restart"):
            self._fake_reboot(dom, Running.CRASHED)

    def rtc_change(self, dom: Domain, offset: int) -> None:
        """The guest sets its RTC ``offset`` seconds away from the host's clock."""
        self._running_guest(dom)
        self.publish(dom, EventID.RTC_CHANGE, offset=offset)

    def balloon_change(self, dom: Domain, actual_kib: int) -> None:
        """The guest's balloon driver reaches ``actual_kib``: the live current memory follows."""
        live = self._running_guest(dom)
        live.current_memory_kib = actual_kib
        self.publish(dom, EventID.BALLOON_CHANGE, actual=actual_kib)

    def graphics(self, dom: Domain, phase: GraphicsPhase, remote: tuple[str, str] = ("127.0.0.1", "50000"),
                 auth: str = "none", subject: tuple[tuple[str, str], ...] = ()) -> None:
        """A VNC/SPICE client connects, finishes authentication or disconnects."""
        live = self._running_guest(dom)
        if not live.graphics:
            raise gerr.no_guest_device("graphics")
        g = live.graphics[0]
        node = g.listens[0].attrs.get("address", "127.0.0.1") if g.listens else "127.0.0.1"
        local = (int(GraphicsAddressType.IPV4), node, g.attrs.get("port", "5900"))
        self.publish(dom, EventID.GRAPHICS, phase=int(phase), local=local,
                     remote=(int(GraphicsAddressType.IPV4), *remote), authScheme=auth, subject=list(subject))

    def memory_failure(self, dom: Domain, recipient: int, action: int, flags: int = 0) -> None:
        """A hardware memory error QEMU reports (MEMORY_FAILURE)."""
        self._running_guest(dom)
        self.publish(dom, EventID.MEMORY_FAILURE, recipient=recipient, action=action, flags=flags)

    def memory_device_size_change(self, dom: Domain, alias: str, size_kib: int) -> None:
        """A virtio-mem device's plugged size changed (MEMORY_DEVICE_SIZE_CHANGE)."""
        self._running_guest(dom)
        self.publish(dom, EventID.MEMORY_DEVICE_SIZE_CHANGE, alias=alias, size=size_kib)

    def device_removal_failed(self, dom: Domain, alias: str) -> None:
        """The guest refused an unplug (DEVICE_UNPLUG_GUEST_ERROR)."""
        self._running_guest(dom)
        self.publish(dom, EventID.DEVICE_REMOVAL_FAILED, devAlias=alias)

    def control_error(self, dom: Domain) -> None:
        """libvirt lost control of the domain's monitor (CONTROL_ERROR)."""
        self._running_guest(dom)
        self.publish(dom, EventID.CONTROL_ERROR)

    def pm_suspended(self, dom: Domain, disk: bool = False) -> None:
        """The guest suspends to RAM (SUSPEND) or to disk (SUSPEND_DISK, then it powers off)."""
        self._running_guest(dom)
        self.publish(dom, EventID.PMSUSPEND_DISK if disk else EventID.PMSUSPEND)
        if dom.state == State.RUNNING:
            dom.cpu_time_ns = self.cpu_time(dom)
            dom.set_state(State.PMSUSPENDED, 0)
            self.emit(dom, Lifecycle.PMSUSPENDED, PMSuspendedDetail.DISK if disk else PMSuspendedDetail.MEMORY)
        if disk:
            self.emit(dom, Lifecycle.SHUTDOWN, ShutdownDetail.GUEST)
            self.stop(dom, Shutoff.SHUTDOWN, StoppedDetail.SHUTDOWN)

    def pm_woken(self, dom: Domain) -> None:
        """The guest wakes up (QEMU's WAKEUP): running again with reason wakeup."""
        self._running_guest(dom)
        self.publish(dom, EventID.PMWAKEUP)
        if dom.state == State.PMSUSPENDED:
            dom.started_at = self.driver.hypervisor.clock.now()
            dom.set_state(State.RUNNING, Running.WAKEUP)
            self.emit(dom, Lifecycle.STARTED, StartedDetail.WAKEUP)
