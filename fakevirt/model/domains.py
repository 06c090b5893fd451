"""The domains of one QEMU driver instance and the operations of the domain API.

Messages and codes follow libvirt 9.x's QEMU driver (qemu_driver.c) and the domain list
(virdomainobjlist.c); events are those the QEMU driver emits for the same transition.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from typing import TYPE_CHECKING

from ..errors import ErrorDomain, VirtError, check_flags
from ..errors import domain as errors
from .devices import Device, RawElement
from .domain import Domain, Paused, Running, SavedState, Shutoff, State
from .domain_settings import DomainSettings
from .domaindef import DomainDef, normalize, normalize_device, prepare_live, validate_def
from .events import (
    DefinedDetail,
    DomainEvent,
    EventID,
    Lifecycle,
    LifecycleDetail,
    ResumedDetail,
    ShutdownDetail,
    StartedDetail,
    StoppedDetail,
    SuspendedDetail,
    UndefinedDetail,
)
from .filenames import check_config_file, check_state_files
from .flags.domain import (
    DomainCreateFlags,
    DomainDefineFlags,
    DomainDestroyFlagsValues,
    DomainRebootFlagValues,
    DomainSaveRestoreFlags,
    DomainShutdownFlagValues,
    DomainUndefineFlagsValues,
    DomainXMLFlags,
)
from .images.owner import Owner
from .resources import acquire_all, release_all

if TYPE_CHECKING:
    from .hypervisor import QemuDriver

Start = DomainCreateFlags
Undefine = DomainUndefineFlagsValues
Save = DomainSaveRestoreFlags
_SAVE_ALLOWED = Save.SAVE_BYPASS_CACHE | Save.SAVE_RUNNING | Save.SAVE_PAUSED


class Domains(DomainSettings):
    """Every domain of one driver instance, by UUID, with the API operations on them."""

    def __init__(self, driver: QemuDriver) -> None:
        self.driver = driver
        self._by_uuid: dict[uuid.UUID, Domain] = {}
        self._by_name: dict[str, Domain] = {}
        self._next_id = 1
        self.saved_images: dict[str, SavedState] = {}

    # ---- lookups -----------------------------------------------------------------------------

    def __iter__(self):  # type: ignore[no-untyped-def]
        return iter(list(self._by_uuid.values()))

    def __len__(self) -> int:
        return len(self._by_uuid)

    def by_handle(self, dom_uuid: uuid.UUID, name: str) -> Domain:
        """qemuDomainObjFromDomain: handles are resolved by UUID."""
        dom = self._by_uuid.get(dom_uuid)
        if dom is None:
            raise errors.no_domain_uuid(dom_uuid, name)
        return dom

    def by_name(self, name: str) -> Domain:
        dom = self.find_name(name)
        if dom is None:
            raise errors.no_domain_name(name)
        return dom

    def by_uuid(self, dom_uuid: uuid.UUID) -> Domain:
        dom = self._by_uuid.get(dom_uuid)
        if dom is None:
            raise errors.no_domain_uuid(dom_uuid)
        return dom

    def by_id(self, dom_id: int) -> Domain:
        for dom in self._by_uuid.values():
            if dom.id == dom_id and dom_id >= 0:
                return dom
        raise errors.no_domain_id(dom_id)

    def find_name(self, name: str) -> Domain | None:
        return self._by_name.get(name)

    def _forget(self, dom: Domain, dom_uuid: uuid.UUID, name: str) -> None:
        self.driver.snapshots.forget_all(dom)
        self._by_uuid.pop(dom_uuid, None)
        if self._by_name.get(name) is dom:
            del self._by_name[name]

    # ---- events ------------------------------------------------------------------------------

    def emit(self, dom: Domain, event: Lifecycle, detail: LifecycleDetail) -> None:
        """Publish a lifecycle event of ``dom``."""
        self.driver.hypervisor.bus.publish(DomainEvent(
            self.driver.uri, EventID.LIFECYCLE, dom.ref(), {"event": int(event), "detail": int(detail)}))

    # ---- what the XML parser returned, completed ---------------------------------------------

    def complete_definition(self, d: DomainDef) -> DomainDef:
        """A parsed <domain> with libvirt's defaults and validation (see ``domaindef.normalize``)."""
        return normalize(d, self.driver.hypervisor.rng, self.driver.host)

    def complete_device(self, dom: Domain, dev: Device) -> Device:
        """A parsed device of attach/detach/update-device, with the defaults it gets in ``dom``."""
        return normalize_device(dev, dom.definition, self.driver.hypervisor.rng)

    # ---- define / undefine -------------------------------------------------------------------

    def _add(self, d: DomainDef, live: bool) -> tuple[Domain, bool]:
        """virDomainObjListAdd: refuse name/UUID clashes; returns (domain, was it new)."""
        existing = self._by_uuid.get(d.uuid)
        if existing is not None:
            if existing.name != d.name:
                raise errors.uuid_taken(existing.name, d.uuid)
            if live:
                if existing.active:
                    raise errors.invalid(f"domain '{d.name}' is already active", ErrorDomain.DOMAIN)
                if not existing.persistent:
                    raise errors.invalid(f"domain '{d.name}' is already being started", ErrorDomain.DOMAIN)
            return existing, False
        clash = self.find_name(d.name)
        if clash is not None:
            raise errors.name_taken(d.name, clash.uuid)
        dom = Domain(config=None if live else d)
        self._by_uuid[d.uuid] = dom
        self._by_name[d.name] = dom
        return dom, True

    def _unless_fails(self, dom: Domain, d: DomainDef, write: Callable[[str], None]) -> None:
        """Writing the new domain's first file failed: the domain goes away again."""
        try:
            write(d.name)
        except VirtError:
            self._forget(dom, d.uuid, d.name)
            raise

    # ---- flag checks that come before anything is parsed (virCheckFlags at the top) -------

    @staticmethod
    def check_no_flags(driver_fn: str, flags: int) -> None:
        check_flags(driver_fn, flags, 0)

    @staticmethod
    def check_define_flags(flags: int) -> None:
        check_flags("qemuDomainDefineXMLFlags", flags, DomainDefineFlags.DEFINE_VALIDATE)

    @staticmethod
    def check_create_xml_flags(flags: int) -> None:
        check_flags("qemuDomainCreateXML", flags, Start.START_PAUSED | Start.START_AUTODESTROY
                    | Start.START_VALIDATE | Start.START_RESET_NVRAM)

    @staticmethod
    def check_xml_flags(flags: int) -> None:
        x = DomainXMLFlags
        check_flags("qemuDomainGetXMLDesc", flags, x.XML_SECURE | x.XML_INACTIVE | x.XML_UPDATE_CPU | x.XML_MIGRATABLE)

    def define(self, d: DomainDef) -> Domain:
        """virDomainDefineXMLFlags (flags checked by ``check_define_flags``): add a persistent domain
        or replace its next-boot config."""
        dom, new = self._add(d, live=False)
        if new:
            self._unless_fails(dom, d, check_config_file)
        else:
            if dom.active:
                dom.config_changed = True
            dom.config = d
        self.emit(dom, Lifecycle.DEFINED, DefinedDetail.ADDED if new else DefinedDetail.UPDATED)
        return dom

    def undefine(self, dom: Domain, flags: int = 0) -> None:
        """virDomainUndefineFlags."""
        u = Undefine
        check_flags("qemuDomainUndefineFlags", flags, u.UNDEFINE_MANAGED_SAVE | u.UNDEFINE_SNAPSHOTS_METADATA
                    | u.UNDEFINE_NVRAM | u.UNDEFINE_KEEP_NVRAM | u.UNDEFINE_CHECKPOINTS_METADATA
                    | u.UNDEFINE_TPM | u.UNDEFINE_KEEP_TPM)
        if flags & u.UNDEFINE_NVRAM and flags & u.UNDEFINE_KEEP_NVRAM:
            raise errors.invalid("cannot both keep and delete nvram")
        if flags & u.UNDEFINE_TPM and flags & u.UNDEFINE_KEEP_TPM:
            raise errors.invalid("cannot both keep and delete TPM")
        if not dom.persistent:
            raise errors.invalid("cannot undefine transient domain")
        if not dom.active and dom.snapshot_count and not flags & u.UNDEFINE_SNAPSHOTS_METADATA:
            raise errors.invalid(f"cannot delete inactive domain with {dom.snapshot_count} snapshots")
        if dom.managed_save is not None:
            if not flags & u.UNDEFINE_MANAGED_SAVE:
                raise errors.invalid("Refusing to undefine while domain managed save image exists")
            dom.managed_save = None
        if flags & u.UNDEFINE_SNAPSHOTS_METADATA:
            self.driver.snapshots.forget_all(dom)
        self.emit(dom, Lifecycle.UNDEFINED, UndefinedDetail.REMOVED)
        if dom.active:
            dom.config = None  # becomes transient; goes away when it stops
            dom.autostart = False
        else:
            self._forget(dom, dom.uuid, dom.name)

    # ---- start / stop ------------------------------------------------------------------------

    def allocate_id(self) -> int:
        """The next domain ID (a revert that restarts QEMU uses one up as well)."""
        new_id = self._next_id
        self._next_id += 1
        return new_id

    def boot(self, dom: Domain, paused: bool, reason: Running, detail: StartedDetail,
             before_started: Callable[[], None] | None = None) -> None:
        """qemuProcessStart from ``dom.live`` (or its config): the STARTED event, then running or paused."""
        source = dom.live if dom.live is not None else dom.config
        assert source is not None
        new_id = self.allocate_id()  # taken even when the start fails, as in qemuProcessInit
        running = sum(1 for other in self if other.active and other is not dom)
        # what qemuProcessStart adds: aliases, pty paths, graphics ports, the live CPU and labels
        live = prepare_live(source, new_id, host=self.driver.host, pty_start=running * 8,
                            display_port=5900 + running)
        acquire_all(self.driver.hypervisor.resources, dom, live)
        dom.id, dom.live = new_id, live
        dom.config_changed = False
        self._describe_backing_chains(dom)
        self.sync_disk_users(dom)
        dom.started_at = self.driver.hypervisor.clock.now()
        dom.cpu_time_ns = 0
        if before_started is not None:
            before_started()
        self.emit(dom, Lifecycle.STARTED, detail)
        if paused:
            dom.set_state(State.PAUSED, Paused.USER)
            self.emit(dom, Lifecycle.SUSPENDED, SuspendedDetail.PAUSED)
        else:
            dom.set_state(State.RUNNING, reason)

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
                      reason=Running.RESTORED, detail=StartedDetail.RESTORED)
        else:
            dom.managed_save = None
            self.boot(dom, paused=bool(flags & Start.START_PAUSED), reason=Running.BOOTED, detail=StartedDetail.BOOTED)
        if flags & Start.START_AUTODESTROY:
            dom.autodestroy_client = client_id

    def create_transient(self, d: DomainDef, flags: int = 0, client_id: int | None = None) -> Domain:
        """virDomainCreateXML: a domain that exists only while it runs."""
        self.driver.check_disks(d)
        dom, new = self._add(d, live=True)
        if new:
            self._unless_fails(dom, d, check_state_files)
        dom.live = d
        try:
            self.boot(dom, paused=bool(flags & Start.START_PAUSED), reason=Running.BOOTED, detail=StartedDetail.BOOTED)
        except VirtError:
            if new:
                self._forget(dom, d.uuid, d.name)
            raise
        if flags & Start.START_AUTODESTROY:
            dom.autodestroy_client = client_id
        return dom

    def stop(self, dom: Domain, reason: Shutoff, detail: StoppedDetail) -> None:
        """qemuProcessStop + the STOPPED event; a transient domain disappears."""
        dom.set_state(State.SHUTOFF, reason)
        self.emit(dom, Lifecycle.STOPPED, detail)
        dom_uuid, name = dom.uuid, dom.name
        dom.id = -1
        release_all(self.driver.hypervisor.resources, dom)
        self.sync_disk_users(dom)
        if not dom.persistent:
            self.driver.snapshots.forget_all(dom)  # a transient domain's snapshots go with it
        dom.live = None
        dom.autodestroy_client = None
        dom.config_changed = False
        if not dom.persistent:
            self._forget(dom, dom_uuid, name)

    def destroy(self, dom: Domain, flags: int = 0) -> None:
        """virDomainDestroyFlags."""
        d = DomainDestroyFlagsValues
        check_flags("qemuDomainDestroyFlags", flags, d.DESTROY_GRACEFUL | d.DESTROY_REMOVE_LOGS)
        if not dom.active:
            raise errors.not_active()
        self.stop(dom, Shutoff.DESTROYED, StoppedDetail.DESTROYED)

    def shutdown(self, dom: Domain, flags: int = 0) -> None:
        """virDomainShutdownFlags: the guest obeys ACPI and powers off at once."""
        s = DomainShutdownFlagValues
        check_flags("qemuDomainShutdownFlags", flags, s.SHUTDOWN_ACPI_POWER_BTN | s.SHUTDOWN_GUEST_AGENT)
        if dom.state != State.RUNNING:
            raise errors.not_running()
        self.emit(dom, Lifecycle.SHUTDOWN, ShutdownDetail.GUEST)  # the guest powered off
        self.stop(dom, Shutoff.SHUTDOWN, StoppedDetail.SHUTDOWN)

    def reboot(self, dom: Domain, flags: int = 0) -> None:
        """virDomainReboot: the guest restarts; the domain stays active with the same id."""
        r = DomainRebootFlagValues
        check_flags("qemuDomainReboot", flags, r.REBOOT_ACPI_POWER_BTN | r.REBOOT_GUEST_AGENT | r.REBOOT_INITCTL
                    | r.REBOOT_SIGNAL | r.REBOOT_PARAVIRT)
        self.require_active(dom)
        if dom.state != State.RUNNING:
            raise errors.not_running()
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
            disk.extra = [e for e in disk.extra if e.tag != "backingStore"]
            chain = (images.chain(disk.source)[1:]
                     if disk.type == "file" and images.exists(disk.source) else [])
            index += 1
            disk.source_attrs["index"] = str(index)
            nodes = []
            for img in chain:
                index += 1
                nodes.append((img, index))
            inner = RawElement("backingStore")  # the end of the chain
            for img, idx in reversed(nodes):
                inner = RawElement("backingStore", {"type": "file", "index": str(idx)}, children=[
                    RawElement("format", {"type": img.format}), RawElement("source", {"file": img.path}), inner])
            disk.extra.append(inner)

    def sync_disk_users(self, dom: Domain) -> None:
        """Make the image store's users match the disks the domain has open right now."""
        images = self.driver.hypervisor.images
        wanted = self._disk_owners(dom) if dom.active else []
        for path, owner in dom.held_disks:
            if (path, owner) not in wanted:
                images.release(path, owner)
        for path, owner in wanted:
            if (path, owner) not in dom.held_disks:
                images.acquire(path, owner)
        dom.held_disks = wanted

    def _disk_owners(self, dom: Domain) -> list[tuple[str, Owner]]:
        """The images a running domain holds open, and the owner tag it holds them with."""
        d = dom.live
        if d is None:
            return []
        return [(disk.source, Owner.disk(str(dom.uuid), disk.target_dev)) for disk in d.disks
                if disk.type in ("file", "block") and disk.source]

    def guest_disk(self, dom: Domain, target: str) -> tuple[str, Owner]:
        """(image path, owner) of a running domain's disk, for acting as the guest."""
        self.require_active(dom)
        for path, owner in self._disk_owners(dom):
            if owner.name == target:
                return path, owner
        raise errors.path_not_assigned(target)

    def guest_write(self, dom: Domain, target: str, offset: int, data: bytes) -> None:
        """What the guest writes to its disk ``target`` lands in the top image of the chain."""
        path, owner = self.guest_disk(dom, target)
        self.driver.hypervisor.images.write(path, offset, data, owner=owner)

    def guest_read(self, dom: Domain, target: str, offset: int, length: int) -> bytes:
        """What the guest reads from its disk ``target``, through the backing chain."""
        path, _ = self.guest_disk(dom, target)
        return self.driver.hypervisor.images.read(path, offset, length)

    def client_closed(self, client_id: int) -> None:
        """Autodestroy domains of a client that went away."""
        for dom in self:
            if dom.active and dom.autodestroy_client == client_id:
                self.stop(dom, Shutoff.DESTROYED, StoppedDetail.DESTROYED)

    # ---- save / restore ----------------------------------------------------------------------

    def _saved_state(self, dom: Domain, flags: int) -> SavedState:
        running = dom.state == State.RUNNING
        if flags & Save.SAVE_RUNNING:
            running = True
        elif flags & Save.SAVE_PAUSED:
            running = False
        assert dom.live is not None
        return SavedState(dom.live.copy(), running, dom.cpu_time_ns)

    def managed_save(self, dom: Domain, flags: int = 0) -> None:
        """virDomainManagedSave: the state goes to the managed image; next start resumes it."""
        check_flags("qemuDomainManagedSave", flags, _SAVE_ALLOWED)
        if flags & Save.SAVE_RUNNING and flags & Save.SAVE_PAUSED:
            raise errors.save_running_paused_exclusive()
        if not dom.persistent:
            raise errors.invalid("cannot do managed save for transient domain")
        self.require_active(dom)
        saved = self._saved_state(dom, flags)
        self.stop(dom, Shutoff.SAVED, StoppedDetail.SAVED)
        dom.managed_save = saved

    def managed_save_definition(self, dom: Domain) -> DomainDef:
        if dom.managed_save is None:
            raise errors.invalid("domain does not have managed save image")
        return dom.managed_save.definition

    def cpu_time(self, dom: Domain) -> int:
        """Guest CPU time in ns: it runs while the domain is in the running state."""
        if dom.state == State.RUNNING:
            elapsed = self.driver.hypervisor.clock.now() - dom.started_at
            return dom.cpu_time_ns + max(0, int(elapsed * 1e9 * 0.01))  # an idle guest: 1% of a CPU
        return dom.cpu_time_ns

    def managed_save_remove(self, dom: Domain) -> None:
        dom.managed_save = None

    def save(self, dom: Domain, path: str, dxml: DomainDef | None, flags: int = 0) -> None:
        """virDomainSaveFlags: the state goes to an image file kept by the emulator."""
        check_flags("qemuDomainSaveFlags", flags, _SAVE_ALLOWED)
        self.require_active(dom)
        saved = self._saved_state(dom, flags)
        if dxml is not None:
            saved.definition = dxml
        self.stop(dom, Shutoff.SAVED, StoppedDetail.SAVED)
        self.saved_images[path] = saved

    def restore(self, path: str, dxml: DomainDef | None, flags: int = 0) -> Domain:
        """virDomainRestoreFlags: bring a saved image back to life."""
        check_flags("qemuDomainRestoreFlags", flags, _SAVE_ALLOWED)
        saved = self.saved_images.get(path)
        if saved is None:
            raise errors.no_saved_image(path)
        d = (dxml or saved.definition).copy()
        dom, _ = self._add(d, live=True)
        dom.live = d
        running = saved.running
        if flags & Save.SAVE_RUNNING:
            running = True
        elif flags & Save.SAVE_PAUSED:
            running = False
        self.boot(dom, paused=not running, reason=Running.RESTORED, detail=StartedDetail.RESTORED)
        dom.cpu_time_ns = saved.cpu_time_ns
        return dom

    def saved_image_definition(self, path: str) -> DomainDef:
        saved = self.saved_images.get(path)
        if saved is None:
            raise errors.no_saved_image(path)
        return saved.definition

    # ---- configuration -----------------------------------------------------------------------

    def set_autostart(self, dom: Domain, autostart: bool) -> None:
        if not dom.persistent:
            raise errors.invalid("cannot set autostart for transient domain")
        dom.autostart = autostart

    def rename(self, dom: Domain, new_name: str, flags: int = 0) -> None:
        """virDomainRename: inactive persistent domains only (qemuDomainRename)."""
        check_flags("qemuDomainRename", flags, 0)
        if not dom.persistent:
            raise errors.invalid("cannot rename a transient domain")
        if dom.active:
            raise errors.invalid("cannot rename active domain")
        if dom.snapshot_count:
            raise errors.invalid("cannot rename domain with snapshots")
        if new_name == dom.name:
            raise errors.invalid("Can't rename domain to itself")
        clash = self.find_name(new_name)
        if clash is not None:
            raise errors.name_in_use(new_name)
        check_config_file(new_name)
        self.emit(dom, Lifecycle.UNDEFINED, UndefinedDetail.RENAMED)
        assert dom.config is not None
        del self._by_name[dom.name]
        dom.config.name = new_name
        self._by_name[new_name] = dom
        self.emit(dom, Lifecycle.DEFINED, DefinedDetail.RENAMED)
