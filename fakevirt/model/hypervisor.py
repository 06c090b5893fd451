"""The root of all emulated state: the host, and the QEMU driver instances its URIs open."""

from __future__ import annotations

import enum
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

from ..errors import ErrorDomain, VirtError, check_flags
from ..errors import connect as connect_err
from ..errors import domain as domain_err
from .agent.api import GuestAgents
from .backup import DomainBackups, NbdBinder, UnboundNbd
from .blockdev.api import BlockDevices
from .blockdev.state import record_disk_error
from .blockjobs import BlockJobs
from .calls import CallLog
from .checkpoints.api import DomainCheckpoints
from .clock import Clock, SystemClock
from .console import GuestConsoles
from .domain import Domain
from .domain_driver import Domains
from .domain_jobs import DomainJobs
from .domain_stats import DomainStats
from .domain_tuning import DomainTuning
from .domaindef import DomainDef
from .events import DomainEvent, EventBus
from .faults import FaultPlan
from .flags.domain import ConnectListAllDomainsFlags
from .host import HostInfo
from .hostnode import HostNode
from .hoststate import HostStates
from .ids import HostIdentity, IdGenerator
from .images import ImageStore
from .images.hostfs import HostFS
from .interface import HostInterfaces
from .network.state import NetworkState
from .nodedev import NodeDevices
from .nwfilters import NWFilterResource, NWFilters
from .qmp import QemuMonitor
from .resources import HostResource
from .secondary import SECONDARY_SCHEMES, secondary_supports
from .secrets import SecretResource, Secrets
from .snapshots.api import DomainSnapshots
from .stats.run import StatsResource
from .storage import StorageState
from .typedparams import Param

if TYPE_CHECKING:
    from .testdriver.registry import NodeLoader

class Keep(enum.Enum):
    KEEP = "keep"


KEEP = Keep.KEEP  # reset(): keep the current seed
PRIVILEGED_PATHS = ("/system", "/session")  # libvirtd runs as root: qemu allows both
UDEV_IFACE_MISSING = frozenset({"virInterfaceDefineXML", "virInterfaceUndefine", "virInterfaceCreate",
                                "virInterfaceDestroy", "virInterfaceChangeBegin", "virInterfaceChangeCommit",
                                "virInterfaceChangeRollback"})
LIST_DOMAINS_FILTERS_ALL = sum(ConnectListAllDomainsFlags)  # every VIR_CONNECT_LIST_DOMAINS_* filter


@dataclass
class QemuDriver:
    """One QEMU driver instance, what ``qemu:///system`` or ``qemu:///session`` opens."""

    uri: str
    hypervisor: Hypervisor

    def __post_init__(self) -> None:
        self.reset()
        self.hypervisor.bus.subscribe(DomainEvent, lambda ev: self.monitor.domain_event(ev))
        self.hypervisor.bus.subscribe(DomainEvent, lambda ev: self.consoles.domain_event(ev))

    kind = "QEMU"  # virConnectGetType
    function_prefix = "qemu"  # its functions' names in flag errors: qemuDomainAddIOThread, …
    error_domain = ErrorDomain.QEMU  # where its own errors come from
    security_model = ("none", "0")  # virNodeGetSecurityModel: no security driver in the emulator
    security_label = ("", 0)  # virDomainGetSecurityLabel: label, enforcing

    @staticmethod
    def os_type(d: DomainDef) -> str:
        """virDomainGetOSType."""
        return d.os_type

    @property
    def version(self) -> int:
        """virConnectGetVersion."""
        return self.host.qemu_version

    @staticmethod
    def supports(api: str | None) -> bool:
        """Whether this driver serves the public API ``api``: every handled one but what libvirtd's
        udev interface backend lacks (defining, starting and stopping host interfaces)."""
        return api not in UDEV_IFACE_MISSING

    def launch_security_info(self, flags: int) -> list[Param]:
        """virDomainGetLaunchSecurityInfo."""
        return self.hypervisor.node.launch_security_info(flags)

    def release(self) -> None:
        """The connection that opened this instance closed (test drivers count their users)."""
        if self.hypervisor.parent is not None:
            self.hypervisor.parent.test_drivers.release(self)  # type: ignore[arg-type]

    def reset(self) -> None:
        """Forget every domain (in place: open connections keep pointing here)."""
        self.domains = Domains(self)
        self.snapshots = DomainSnapshots(self)
        self.blockdev = BlockDevices(self)
        self.checkpoints = DomainCheckpoints(self)
        self.backups = DomainBackups(self)
        self.agents = GuestAgents(self)
        self.stats = DomainStats(self)
        self.tuning = DomainTuning(self)
        self.monitor = QemuMonitor(self)
        self.consoles = GuestConsoles(self.uri, self.monitor.channel_answer)

    @property
    def host(self) -> HostInfo:
        host = self.hypervisor.host
        assert host is not None  # set in Hypervisor.__post_init__
        return host

    def list_all_domains(self, flags: int) -> list[Domain]:
        """virConnectListAllDomains: the domains matching every filter group in flags."""
        check_flags("qemuConnectListAllDomains", flags, LIST_DOMAINS_FILTERS_ALL)
        return [d for d in self.domains if d.matches(flags)]

    def active_domain_ids(self) -> list[int]:
        return sorted(d.id for d in self.domains if d.active)

    def inactive_domain_names(self) -> list[str]:
        return sorted(d.name for d in self.domains if not d.active)

    def volume_paths(self, d: DomainDef) -> dict[str, str]:
        """qemuProcessPrepareDomainStorage: each type='volume' disk's file by target, last disk first."""
        storage = self.hypervisor.storage
        out: dict[str, str] = {}
        for disk in reversed(d.disks):
            pool, vol = disk.source_pool, disk.source_volume
            if pool is not None and vol is not None and disk.volume_path is None:
                out[disk.target_dev] = storage.disk_volume(pool, vol).path
        return out

    def translate_volumes(self, live: DomainDef) -> None:
        """A starting domain's volume disks (or a hotplugged one) get their files, and QEMU's default
        format (raw)."""
        paths = self.volume_paths(live)
        for disk in live.disks:
            if disk.target_dev in paths:
                disk.volume_path = paths[disk.target_dev]
                disk.driver_type = disk.driver_type or "raw"

    def check_disks(self, d: DomainDef | None) -> None:
        """qemuDomainDetermineDiskChain: every local disk's whole backing chain must exist."""
        if d is None:
            return
        images = self.hypervisor.images
        uid, gid = self.hypervisor.qemu_user
        volumes = self.volume_paths(d)
        for disk in d.disks:
            parent = volumes.get(disk.target_dev) or disk.local_file
            if parent is None:
                continue
            parent = images.normpath(parent)
            path: str | None = parent
            seen: set[str] = set()
            while path is not None and path not in seen:
                seen.add(path)
                if not images.exists(path):
                    raise domain_err.broken_chain(path, parent, uid, gid)
                path = images.backing_path(images.open(path))


@dataclass
class SecondaryDriver(QemuDriver):
    """What ``network:///system`` and the other secondary drivers' URIs open (model/secondary.py)."""

    scheme: str = "network"

    def __post_init__(self) -> None:
        super().__post_init__()
        self.kind = self.scheme  # virConnectGetType falls back to the driver's name

    def supports(self, api: str | None) -> bool:  # type: ignore[override]
        return secondary_supports(self.scheme, api) and api not in UDEV_IFACE_MISSING


@dataclass
class Hypervisor:
    """Everything fakevirt emulates; a server holds exactly one, tests may make many."""

    seed: int | None = 0
    clock: Clock = field(default_factory=SystemClock)
    host: HostInfo | None = None  # default: the standard host of the seed's identity, booted 3 days ago
    faults: FaultPlan = field(default_factory=FaultPlan)
    calls: CallLog = field(default_factory=CallLog)  # the procedures answered (server/dispatch records)
    bus: EventBus = field(default_factory=EventBus)  # outlives reset(): sessions stay subscribed
    qemu_user: tuple[int, int] = (64055, 64055)  # uid/gid QEMU runs as (Debian's libvirt-qemu)
    drivers: dict[str, QemuDriver] = field(default_factory=dict)
    secondary: dict[str, SecondaryDriver] = field(default_factory=dict)  # by URI scheme
    default_network: bool = False  # Debian's libvirt-daemon-config-network: 'default' defined, active
    nbd_binder: NbdBinder = field(default_factory=UnboundNbd)  # the server's, for pull backups' listeners
    host_files: HostFS | None = None  # --host-files: real files the image store shows, read-only
    hostname: str | None = None  # default: a name drawn from the seed, like the host's UUID and NIC MAC
    parent: Hypervisor | None = None  # a test driver's own host: the hypervisor that serves it
    read_file: Callable[[str], str] | None = None  # how test:///PATH.xml reads node files (injected)

    def __post_init__(self) -> None:
        if self.host is None:
            self.host = HostInfo(boot_time=self.clock.now() - 3 * 86400).with_identity(
                HostIdentity.of_seed(self.seed, self.hostname))
        self.states = HostStates(self)  # the user's saved states: they outlive reset()
        self.domjobs = DomainJobs()  # held save/dump jobs: their calls wait in the server
        self.reset()

    def reset(self, seed: int | None | Keep = KEEP) -> None:
        """Forget every domain, pool and snapshot: exactly a fresh Hypervisor of the same seed.

        With ``seed``: a fresh Hypervisor of that seed (host identity and generated ids).
        """
        if seed is not KEEP:
            assert self.host is not None
            self.seed = seed
            self.host = self.host.with_identity(HostIdentity.of_seed(seed, self.hostname))
        self.domjobs.drop_all()
        self.rng = IdGenerator(self.seed)  # ids generated after a reset do not depend on what ran before
        self.faults.reset(self.seed)
        self.calls.clear()
        self.images = ImageStore(self.clock, self.host_files)  # the host's files: disks, pools, snapshots all share it
        self.storage = StorageState(self, self.images)  # one for /system and /session
        self.resources: list[HostResource] = []  # what a starting domain takes (networks, secrets, …)
        self.node = HostNode(self)  # page pools, KSM tunables, node suspend
        assert self.host is not None  # set in __post_init__
        self.interfaces = HostInterfaces(self.host)  # net devices: eth0, lo, the networks' bridges
        self.networks = NetworkState(self, self.default_network)
        self.nodedevs = NodeDevices(self.host, self.interfaces, self.bus, self.new_uuid)
        self.secrets = Secrets(self.bus, self.rng)
        self.nwfilters = NWFilters(self.rng, ("lo", self.host.nic_name))
        self.blockjobs = BlockJobs(self)  # every running block job, advanced by the clock
        self.blockjobs.disk_error_hooks.append(record_disk_error)  # a failed job shows in domblkerror
        # qemuProcessPrepareDomain/Host's order; the filter bindings name the taps the network gave
        self.resources += [SecretResource(self.secrets), self.networks, NWFilterResource(self.nwfilters),
                           self.nodedevs, StatsResource(self.clock.now)]
        from .testdriver.registry import TestDrivers  # the test driver builds on QemuDriver

        self.test_drivers = TestDrivers(self)
        if not self.drivers:
            self.drivers = {path: QemuDriver(f"qemu://{path}", self) for path in PRIVILEGED_PATHS}
        if not self.secondary:
            self.secondary = {s: SecondaryDriver(f"{s}:///system", self, s) for s in SECONDARY_SCHEMES}
        for driver in [*self.drivers.values(), *self.secondary.values()]:
            driver.reset()

    def new_uuid(self) -> str:
        """A UUID string from the generator (a method, not a lambda: saved states pickle the model)."""
        return str(self.rng.uuid())

    @property
    def system(self) -> QemuDriver:
        return self.drivers["/system"]

    @property
    def session(self) -> QemuDriver:
        return self.drivers["/session"]

    def open(self, name: str | None, load_node: NodeLoader | None = None) -> QemuDriver:
        """The driver a CONNECT_OPEN name selects, or libvirt's error for that name.

        ``load_node``: how a test:/// URI's node is read (``xml.testnode.node_loader``).
        """
        if not name:  # remote:// or a NULL name: libvirtd probes its default, the system driver
            return self.system
        parts = urlsplit(name)
        if parts.scheme == "test" and not parts.netloc and load_node is not None:
            return self.test_drivers.open(parts.path, load_node)
        if parts.scheme not in ("qemu", *SECONDARY_SCHEMES) or parts.netloc:
            # A server part means "go remote": libvirtd has no remote driver for itself.
            raise VirtError.no_connect(name)
        if parts.scheme in SECONDARY_SCHEMES:
            if parts.path != "/system":  # libvirtd runs as root: no session instances
                raise connect_err.unexpected_path(parts.scheme, parts.path or "/", "system")
            return self.secondary[parts.scheme]
        path = parts.path or "/"
        if path not in self.drivers:
            raise connect_err.unexpected_qemu_path(path)
        return self.drivers[path]
