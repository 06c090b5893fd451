"""Starting and stopping domains (qemuProcessStart/Stop and the APIs on top of them)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from ..errors import VirtError, check_flags
from ..errors import domain as errors
from .agent.link import agent_channel
from .device_parts import chain_of
from .domain import Domain, Paused, Running, Shutoff, State
from .domain_list import DomainList
from .domaindef import DomainDef, prepare_live, validate_def
from .events import (
    AgentLifecycleReason,
    AgentLifecycleState,
    DomainEvent,
    EventID,
    Lifecycle,
    ResumedDetail,
    ShutdownDetail,
    StartedDetail,
    StoppedDetail,
    SuspendedDetail,
)
from .filenames import check_state_files
from .flags.domain import (
    DomainCreateFlags,
    DomainDestroyFlagsValues,
    DomainRebootFlagValues,
    DomainShutdownFlagValues,
)
from .resources import acquire_all, release_all

Start = DomainCreateFlags


class DomainLifecycle(DomainList):
    """Boot, start, stop, pause and resume: the transitions of a domain's state."""

    def boot(self, dom: Domain, paused: bool, reason: Running, detail: StartedDetail,
             before_started: Callable[[], None] | None = None, asked_paused: bool = False) -> None:
        """qemuProcessStart from ``dom.live`` (or its config): the STARTED event, then running or paused.

        A restore stays paused (reason migration, as its incoming state left it): SUSPENDED
        restored, or paused when a managed-save start asked for it (START_PAUSED).
        """
        source = dom.live if dom.live is not None else dom.config
        assert source is not None
        new_id = self.allocate_id()  # taken even when the start fails, as in qemuProcessInit
        self.driver.tuning.check_host_perf(source)
        running = sum(1 for other in self if other.active and other is not dom)
        # what qemuProcessStart adds: aliases, pty paths, graphics ports, the live CPU and labels
        live = prepare_live(source, new_id, host=self.driver.host, pty_start=running * 8,
                            display_port=5900 + running)
        self.driver.translate_volumes(live)
        acquire_all(self.driver.hypervisor.resources, dom, live)
        dom.id, dom.live = new_id, live
        dom.config_changed = False
        self._describe_backing_chains(dom)
        self.sync_disk_users(dom)
        dom.started_at = self.driver.hypervisor.clock.now()
        dom.cpu_time_ns = 0
        self.driver.agents.domain_started(dom)
        if before_started is not None:
            before_started()
        elif not paused and detail == StartedDetail.BOOTED:  # QEMU's RESUME precedes the STARTED event
            self.emit(dom, Lifecycle.RESUMED, ResumedDetail.UNPAUSED)
        self.emit(dom, Lifecycle.STARTED, detail)
        if detail == StartedDetail.RESTORED:  # qemuDomainSaveImageStartVM: the incoming state loaded
            dom.channel_event_pending = True
            if paused:
                dom.set_state(State.PAUSED, Paused.MIGRATION)
                self.emit(dom, Lifecycle.SUSPENDED, SuspendedDetail.PAUSED if asked_paused else SuspendedDetail.RESTORED)
            else:
                dom.set_state(State.RUNNING, reason)
                self.emit(dom, Lifecycle.RESUMED, ResumedDetail.FROM_SNAPSHOT)
                self.channel_event(dom)
        elif paused:
            dom.set_state(State.PAUSED, Paused.USER)
            self.emit(dom, Lifecycle.SUSPENDED, SuspendedDetail.PAUSED)
        else:
            dom.set_state(State.RUNNING, reason)

    def publish(self, dom: Domain, event_id: EventID, **data: Any) -> None:
        """Publish a domain event other than a lifecycle one."""
        self.driver.hypervisor.bus.publish(DomainEvent(self.driver.uri, event_id, dom.ref(), data))

    def channel_event(self, dom: Domain) -> None:
        """QEMU's VSERPORT_CHANGE once a restored guest runs: the agent channel reports closed."""
        if dom.state != State.RUNNING:
            return
        if dom.channel_event_pending and dom.live is not None and agent_channel(dom.live) is not None:
            self.publish(dom, EventID.AGENT_LIFECYCLE, state=AgentLifecycleState.DISCONNECTED,
                         reason=AgentLifecycleReason.CHANNEL)
        dom.channel_event_pending = False

    def start(self, dom: Domain, flags: int = 0, client_id: int | None = None) -> None:
        """virDomainCreateWithFlags: boot, or resume from the managed save image."""
        check_flags("qemuDomainCreateWithFlags", flags, Start.START_PAUSED | Start.START_AUTODESTROY
                    | Start.START_BYPASS_CACHE | Start.START_FORCE_BOOT | Start.START_RESET_NVRAM)
        if dom.active:
            raise errors.already_running()
        assert dom.config is not None
        saved = dom.managed_save
        resume = saved is not None and not flags & Start.START_FORCE_BOOT
        if not resume:
            # qemuProcessStartValidate: the API may have changed the config since define (setvcpus --maximum)
            validate_def(dom.config, self.driver.host)
        self.driver.check_disks(dom.config)
        if saved is not None and resume:
            dom.managed_save = None
            dom.live = saved.definition.copy()
            self.boot(dom, paused=bool(flags & Start.START_PAUSED) or not saved.running,
                      reason=Running.RESTORED, detail=StartedDetail.RESTORED,
                      asked_paused=bool(flags & Start.START_PAUSED))
        else:
            dom.managed_save = None
            self.boot(dom, paused=bool(flags & Start.START_PAUSED), reason=Running.BOOTED, detail=StartedDetail.BOOTED)
        if flags & Start.START_AUTODESTROY:
            dom.autodestroy_client = client_id

    def reconnect(self, status: DomainDef, dom_id: int, state: State, reason: int) -> Domain:
        """qemuProcessReconnect: a domain that kept running while the daemon was away comes back
        with its ID and live definition (read from its status file), without events.

        ``status`` is the live definition as its status file holds it; what the parser leaves out
        (aliases, labels) is made again the way the domain's start made it, from the pty and
        display port numbers it had.
        """
        ptys = [int(s["path"].rsplit("/", 1)[1]) for c in [*status.serials, *status.parallels, *status.channels,
                                                           *status.consoles]
                for s in c.sources if c.type == "pty" and s.get("path", "").startswith("/dev/pts/")]
        ports = [int(g.attrs["port"]) for g in status.graphics
                 if g.attrs.get("autoport") == "yes" and g.attrs.get("port", "").isdigit()]
        live = prepare_live(status, dom_id, host=self.driver.host, pty_start=min(ptys, default=0),
                            display_port=min((p for p in ports if p >= 5900), default=5900))
        for label in live.seclabels:
            if label.type == "dynamic" and label.model == "dac" and label.label is None:
                label.label = label.imagelabel = self.driver.host.dac_label
        dom, _ = self.add(live, live=True)
        acquire_all(self.driver.hypervisor.resources, dom, live)
        dom.id, dom.live = dom_id, live
        self._describe_backing_chains(dom)
        self.sync_disk_users(dom)
        dom.started_at = self.driver.hypervisor.clock.now()
        dom.set_state(state, reason)
        self.next_id = max(self.next_id, dom_id + 1)
        return dom

    def create_transient(self, d: DomainDef, flags: int = 0, client_id: int | None = None) -> Domain:
        """virDomainCreateXML: a domain that exists only while it runs."""
        self.driver.check_disks(d)
        dom, new = self.add(d, live=True)
        if new:
            self.write_first_file(dom, d, check_state_files)
        dom.live = d
        try:
            self.boot(dom, paused=bool(flags & Start.START_PAUSED), reason=Running.BOOTED, detail=StartedDetail.BOOTED)
        except VirtError:
            if new:
                self.forget(dom, d.uuid, d.name)
            raise
        if flags & Start.START_AUTODESTROY:
            dom.autodestroy_client = client_id
        return dom

    def stop(self, dom: Domain, reason: Shutoff, detail: StoppedDetail) -> None:
        """qemuProcessStop + the STOPPED event; a transient domain disappears."""
        self.driver.backups.domain_stopped(dom)
        self.driver.hypervisor.domjobs.domain_stopped(dom)
        dom.set_state(State.SHUTOFF, reason)
        dom.channel_event_pending = False
        self.emit(dom, Lifecycle.STOPPED, detail)
        dom_uuid, name = dom.uuid, dom.name
        dom.id = -1
        self.driver.agents.domain_stopped(dom)
        release_all(self.driver.hypervisor.resources, dom)
        self.sync_disk_users(dom)
        if not dom.persistent:
            self.driver.snapshots.forget_all(dom)  # a transient domain's snapshots go with it
        dom.live = None
        dom.autodestroy_client = None
        dom.config_changed = False
        if not dom.persistent:
            self.forget(dom, dom_uuid, name)

    def destroy(self, dom: Domain, flags: int = 0) -> None:
        """virDomainDestroyFlags."""
        d = DomainDestroyFlagsValues
        check_flags("qemuDomainDestroyFlags", flags, d.DESTROY_GRACEFUL | d.DESTROY_REMOVE_LOGS)
        if not dom.active:
            raise errors.not_active()
        # QEMU reports the SHUTDOWN the kill caused (guest: false): "finished after host request"
        self.emit(dom, Lifecycle.SHUTDOWN, ShutdownDetail.HOST)
        self.stop(dom, Shutoff.DESTROYED, StoppedDetail.DESTROYED)

    def shutdown(self, dom: Domain, flags: int = 0) -> None:
        """virDomainShutdownFlags: the guest obeys ACPI and powers off at once."""
        s = DomainShutdownFlagValues
        check_flags("qemuDomainShutdownFlags", flags, s.SHUTDOWN_ACPI_POWER_BTN | s.SHUTDOWN_GUEST_AGENT)
        if dom.state != State.RUNNING:
            raise errors.not_running()
        if flags & s.SHUTDOWN_GUEST_AGENT and not flags & s.SHUTDOWN_ACPI_POWER_BTN:  # the agent or nothing
            self.driver.agents.guest_power(dom, "powerdown")
        self.emit(dom, Lifecycle.SHUTDOWN, ShutdownDetail.GUEST)  # the guest powered off
        self.stop(dom, Shutoff.SHUTDOWN, StoppedDetail.SHUTDOWN)

    def reboot(self, dom: Domain, flags: int = 0) -> None:
        """virDomainReboot: the guest restarts; the domain stays active with the same id."""
        r = DomainRebootFlagValues
        check_flags("qemuDomainReboot", flags, r.REBOOT_ACPI_POWER_BTN | r.REBOOT_GUEST_AGENT | r.REBOOT_INITCTL
                    | r.REBOOT_SIGNAL | r.REBOOT_PARAVIRT)
        agent_only = flags & r.REBOOT_GUEST_AGENT and not flags & r.REBOOT_ACPI_POWER_BTN
        if not agent_only:  # qemuDomainRebootAgent checks the state itself
            self.require_active(dom)
        if dom.state != State.RUNNING:
            raise errors.not_running()
        if agent_only:
            self.driver.agents.guest_power(dom, "reboot")
        self.driver.hypervisor.bus.publish(DomainEvent(self.driver.uri, EventID.REBOOT, dom.ref()))

    def reset(self, dom: Domain, flags: int = 0) -> None:
        """virDomainReset: like pressing the reset button."""
        check_flags("qemuDomainReset", flags, 0)
        self.require_active(dom)
        if dom.state == State.CRASHED:
            dom.set_state(State.PAUSED, Paused.CRASHED)

    def suspend(self, dom: Domain) -> None:
        """virDomainSuspend: pausing a paused domain succeeds quietly, as in QEMU."""
        self.require_active(dom)
        if dom.state == State.PMSUSPENDED:
            raise errors.pmsuspended()
        if dom.state != State.PAUSED:
            dom.cpu_time_ns = self.cpu_time(dom)
            dom.set_state(State.PAUSED, Paused.USER)
            self.emit(dom, Lifecycle.SUSPENDED, SuspendedDetail.PAUSED)

    def resume(self, dom: Domain) -> None:
        """virDomainResume."""
        self.require_active(dom)
        if dom.state == State.PMSUSPENDED:
            raise errors.pmsuspended()
        if dom.state == State.RUNNING:
            raise errors.already_running()
        dom.started_at = self.driver.hypervisor.clock.now()
        dom.set_state(State.RUNNING, Running.UNPAUSED)
        self.emit(dom, Lifecycle.RESUMED, ResumedDetail.UNPAUSED)
        self.channel_event(dom)

    def cpu_time(self, dom: Domain) -> int:
        """Guest CPU time in ns: it runs while the domain is in the running state."""
        if dom.state == State.RUNNING:
            elapsed = self.driver.hypervisor.clock.now() - dom.started_at
            return dom.cpu_time_ns + max(0, int(elapsed * 1e9 * 0.01))  # an idle guest: 1% of a CPU
        return dom.cpu_time_ns

    def client_closed(self, client_id: int) -> None:
        """Autodestroy domains of a client that went away."""
        for dom in self:
            if dom.active and dom.autodestroy_client == client_id:
                self.emit(dom, Lifecycle.SHUTDOWN, ShutdownDetail.HOST)
                self.stop(dom, Shutoff.DESTROYED, StoppedDetail.DESTROYED)

    def _describe_backing_chains(self, dom: Domain) -> None:
        """What the QEMU driver detects at start: each disk's chain, node indexes, <backingStore>.

        Indexes count from the last disk up, and down each chain from its top (libvirtd 9.0).
        """
        assert dom.live is not None
        images = self.driver.hypervisor.images
        index = 0
        for disk in reversed(dom.live.disks):
            if not disk.source:
                index += 1  # an empty drive has a node too, though its XML shows no <source>
                continue
            path = disk.local_file if disk.type != "block" else None
            chain = images.chain(path)[1:] if path is not None and images.exists(path) else []
            index += 1
            disk.source_attrs["index"] = str(index)
            nodes: list[tuple[str, str, int | None]] = []
            for img in chain:
                index += 1
                nodes.append((img.path, img.format, index))
            disk.backing = chain_of(nodes)
