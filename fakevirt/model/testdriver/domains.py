"""The domains of a test-driver instance: the QEMU driver's domain model with the test driver's
differences (testDomain* in test_driver.c), recorded on libvirtd 9.0's test driver.

What differs: definitions get only libvirt's generic defaults (arch i686, no emulator, machine,
controllers or addresses beyond the drive ones), interfaces are named testnetN; starting takes
nothing from the host (no disk, network or device is checked or held); the live definition is the
config with an id; lookups fail with "Domain not found"; start, suspend and resume report the test
driver's texts.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable

from ...errors import ErrorDomain, check_flags
from ...errors import testdriver as err
from ..devices import Disk
from ..domain import Domain, Paused, Running, Shutoff, State
from ..domain_driver import Domains
from ..domaindef import DomainDef
from ..domaindef.devdefaults import assign_drive_address, graphics_post_parse
from ..domaindef.postparse import common_post_parse
from ..events import Lifecycle, ResumedDetail, StartedDetail, StoppedDetail, SuspendedDetail
from ..flags.domain import DomainCreateFlags, DomainDestroyFlagsValues
from .fixed import control_state

ARCH = "i686"  # the test driver's only guest arch
_BUS_BY_PREFIX = (("hd", "ide"), ("sd", "scsi"), ("vd", "virtio"), ("xvd", "xen"), ("ubd", "uml"))
IFNAME_MAX = 1024


def _disk_defaults(disk: Disk, d: DomainDef) -> None:
    if disk.device == "cdrom":
        disk.readonly = True
    if disk.target_bus is None:
        disk.target_bus = "fdc" if disk.device == "floppy" else next(
            (b for p, b in _BUS_BY_PREFIX if disk.target_dev.startswith(p)), "ide")
    if disk.address is None and disk.target_bus in ("ide", "scsi", "sata", "fdc"):
        assign_drive_address(disk, d)


def name_interfaces(d: DomainDef) -> None:
    """testDomainGenerateIfnames: the first free testnetN for every interface without a name."""
    for net in d.interfaces:
        if net.target_dev:
            continue
        taken = {n.target_dev for n in d.interfaces}
        net.target_dev = next((f"testnet{i}" for i in range(IFNAME_MAX) if f"testnet{i}" not in taken), None)
        if net.target_dev is None:
            raise err.xml_error(f"Exceeded max iface limit {IFNAME_MAX}")


def test_normalize(d: DomainDef, new_uuid: Callable[[], uuid.UUID], new_mac: Callable[[], str]) -> DomainDef:
    """virDomainDefParse with the test driver's xmlopt: generic post-parse, no QEMU callbacks."""
    d.normalize_order()
    if d.uuid.int == 0:
        d.uuid = new_uuid()
    for n in d.interfaces:
        if n.mac is None:
            n.mac, n.mac_generated = new_mac(), True
    d.arch = d.arch or ARCH
    for disk in d.disks:
        _disk_defaults(disk, d)
    for g in d.graphics:
        graphics_post_parse(g)
    given = {id(c) for c in d.controllers}
    common_post_parse(d)
    for c in d.controllers:  # the controllers it adds get no model: that is QEMU's callback
        if id(c) not in given:
            c.model = None
    name_interfaces(d)
    return d


class TestDomains(Domains):
    """``Domains`` with the test driver's semantics."""

    def control_info(self, dom: Domain, flags: int) -> tuple[int, int, int]:
        """testDomainGetControlInfo: a state made up from the guest clock virDomainSetTime set."""
        check_flags("testDomainGetControlInfo", flags, 0, ErrorDomain.TEST)
        self.require_active(dom)
        return control_state(self.driver.agents.clock_of(dom))  # type: ignore[attr-defined]

    def guest_hostname(self, dom: Domain, flags: int) -> str:
        """testDomainGetHostname: the domain's name and "host"."""
        check_flags("testDomainGetHostname", flags, 0, ErrorDomain.TEST)
        self.require_active(dom)
        return f"{dom.name}host"

    def complete_definition(self, d: DomainDef) -> DomainDef:
        rng = self.driver.hypervisor.rng
        return test_normalize(d, rng.uuid, rng.mac)

    def by_name(self, name: str) -> Domain:
        dom = self.find_name(name)
        if dom is None:
            raise err.no_domain()
        return dom

    def by_uuid(self, dom_uuid: uuid.UUID) -> Domain:
        dom = next((x for x in self if x.uuid == dom_uuid), None)
        if dom is None:
            raise err.no_domain()
        return dom

    def by_id(self, dom_id: int) -> Domain:
        dom = next((x for x in self if x.id == dom_id and dom_id >= 0), None)
        if dom is None:
            raise err.no_domain()
        return dom

    def boot(self, dom: Domain, paused: bool, reason: Running, detail: StartedDetail,
             before_started: Callable[[], None] | None = None, asked_paused: bool = False) -> None:
        """testDomainStartState: a new id and the config as the live definition; nothing else."""
        source = dom.live if dom.live is not None else dom.config
        assert source is not None
        if dom.active:
            raise err.already_running(dom.name)
        dom.id, dom.live = self.allocate_id(), source.copy()
        dom.config_changed = False
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
        """testDomainCreateWithFlags: boots (a managed save image is dropped: reason booted)."""
        check_flags("testDomainCreateWithFlags", flags, DomainCreateFlags.START_PAUSED, ErrorDomain.TEST)
        if dom.active:
            raise err.already_running(dom.name)
        dom.managed_save = None
        self.boot(dom, paused=bool(flags & DomainCreateFlags.START_PAUSED), reason=Running.BOOTED,
                  detail=StartedDetail.BOOTED)

    def destroy(self, dom: Domain, flags: int = 0) -> None:
        """testDomainDestroyFlags: STOPPED/DESTROYED, nothing before it."""
        check_flags("testDomainDestroyFlags", flags, DomainDestroyFlagsValues.DESTROY_GRACEFUL, ErrorDomain.TEST)
        self.require_active(dom)
        self.stop(dom, Shutoff.DESTROYED, StoppedDetail.DESTROYED)

    def shutdown(self, dom: Domain, flags: int = 0) -> None:
        """testDomainShutdownFlags: a running domain powers off at once."""
        check_flags("testDomainShutdownFlags", flags, 0, ErrorDomain.TEST)
        if dom.state != State.RUNNING:
            raise err.not_running(dom.name)
        self.stop(dom, Shutoff.SHUTDOWN, StoppedDetail.SHUTDOWN)

    def cpu_time(self, dom: Domain) -> int:
        """testDomainGetInfo: the time of day in ns, whatever the domain's state."""
        return int(self.driver.hypervisor.clock.now() * 1e9)

    def suspend(self, dom: Domain) -> None:
        """testDomainSuspend: only a running domain pauses."""
        self.require_active(dom)
        if dom.state != State.RUNNING:
            raise err.not_running(dom.name)
        dom.set_state(State.PAUSED, Paused.USER)
        self.emit(dom, Lifecycle.SUSPENDED, SuspendedDetail.PAUSED)

    def resume(self, dom: Domain) -> None:
        """testDomainResume: only a paused domain resumes."""
        self.require_active(dom)
        if dom.state != State.PAUSED:
            raise err.not_paused(dom.name)
        dom.set_state(State.RUNNING, Running.UNPAUSED)
        self.emit(dom, Lifecycle.RESUMED, ResumedDetail.UNPAUSED)
