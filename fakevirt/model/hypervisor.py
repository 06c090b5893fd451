"""The root of all emulated state: the host, and the QEMU driver instances its URIs open."""

from __future__ import annotations

from dataclasses import dataclass, field
from urllib.parse import urlsplit

from ..errors import ErrorCode, ErrorDomain, VirtError, check_flags
from .clock import Clock, SystemClock
from .domain import Domain
from .domaindef import DomainDef
from .domains import Domains
from .events import EventBus
from .faults import FaultPlan
from .flags.domain import ConnectListAllDomainsFlags
from .host import HostInfo
from .ids import Rng
from .images import ImageStore
from .nwfilters import NWFilterResource, NWFilters
from .resources import HostResource
from .secrets import SecretResource, Secrets
from .snapshots.api import DomainSnapshots
from .storage import StorageState

PRIVILEGED_PATHS = ("/system", "/session")  # libvirtd runs as root: qemu allows both
LIST_DOMAINS_FILTERS_ALL = sum(ConnectListAllDomainsFlags)  # every VIR_CONNECT_LIST_DOMAINS_* filter


@dataclass
class QemuDriver:
    """One QEMU driver instance, what ``qemu:///system`` or ``qemu:///session`` opens."""

    uri: str
    hypervisor: Hypervisor

    def __post_init__(self) -> None:
        self.reset()

    def reset(self) -> None:
        """Forget every domain (in place: open connections keep pointing here)."""
        self.domains = Domains(self)
        self.snapshots = DomainSnapshots(self)

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

    def check_disks(self, d: DomainDef | None) -> None:
        """qemuDomainDetermineDiskChain: every file disk's whole backing chain must exist."""
        if d is None:
            return
        images = self.hypervisor.images
        uid, gid = self.hypervisor.qemu_user
        for disk in d.disks:
            if disk.type not in ("file", "block") or not disk.source:
                continue
            parent = images.normpath(disk.source)
            path: str | None = parent
            seen: set[str] = set()
            while path is not None and path not in seen:
                seen.add(path)
                if not images.exists(path):
                    what = (f"storage file '{path}'" if path == parent
                            else f"backing file '{path}' of storage file '{parent}'")
                    raise VirtError.report(ErrorCode.SYSTEM_ERROR, ErrorDomain.STORAGE,
                                           f"Cannot access {what} (as uid:{uid}, gid:{gid}): "
                                           "No such file or directory")
                path = images.backing_path(images.open(path))

    def block_info(self, d: DomainDef, path: str) -> tuple[int, int, int]:
        """virDomainGetBlockInfo: (capacity, allocation, physical) of a disk by target or source."""
        disk = next((k for k in d.disks if path in (k.target_dev, k.source)), None)
        if disk is None or not disk.source:
            raise VirtError.report(ErrorCode.INVALID_ARG, ErrorDomain.QEMU,
                                   f"invalid path {path} not assigned to domain")
        images = self.hypervisor.images
        source = images.normpath(disk.source)
        if not images.exists(source):
            raise VirtError.report(ErrorCode.SYSTEM_ERROR, ErrorDomain.QEMU,
                                   f"Failed to open file '{source}': No such file or directory")
        img = images.open(source)
        physical = img.virtual_size if img.format == "raw" else img.allocation  # the file's length
        return img.virtual_size, img.allocation, physical


@dataclass
class Hypervisor:
    """Everything fakevirt emulates; a server holds exactly one, tests may make many."""

    seed: int | None = 0
    clock: Clock = field(default_factory=SystemClock)
    host: HostInfo | None = None  # default: the standard host, booted three days before now
    faults: FaultPlan = field(default_factory=FaultPlan)
    bus: EventBus = field(default_factory=EventBus)  # outlives reset(): sessions stay subscribed
    qemu_user: tuple[int, int] = (64055, 64055)  # uid/gid QEMU runs as (Debian's libvirt-qemu)
    drivers: dict[str, QemuDriver] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if self.host is None:
            self.host = HostInfo(boot_time=self.clock.now() - 3 * 86400)
        self.reset()

    def reset(self) -> None:
        """Forget every domain, pool and snapshot: exactly a fresh Hypervisor of the same seed."""
        self.rng = Rng(self.seed)  # ids generated after a reset do not depend on what ran before
        self.faults.clear()
        self.images = ImageStore(self.clock)  # the host's files: disks, pools, snapshots all share it
        self.storage = StorageState(self, self.images)  # one for /system and /session
        self.resources: list[HostResource] = []  # what a starting domain takes (networks, secrets, …)
        self.secrets = Secrets(self.bus, self.rng)
        self.resources.append(SecretResource(self.secrets))
        self.nwfilters = NWFilters(self.rng, ("lo", self.host.nic_name if self.host else "eth0"))
        self.resources.append(NWFilterResource(self.nwfilters))  # after the network's: it names the ports
        if not self.drivers:
            self.drivers = {path: QemuDriver(f"qemu://{path}", self) for path in PRIVILEGED_PATHS}
        for driver in self.drivers.values():
            driver.reset()

    @property
    def system(self) -> QemuDriver:
        return self.drivers["/system"]

    @property
    def session(self) -> QemuDriver:
        return self.drivers["/session"]

    def open(self, name: str | None) -> QemuDriver:
        """The driver a CONNECT_OPEN name selects, or libvirt's error for that name."""
        if not name:  # remote:// or a NULL name: libvirtd probes its default, the system driver
            return self.system
        parts = urlsplit(name)
        if parts.scheme != "qemu":
            raise VirtError.no_connect(name)
        if parts.netloc:
            # A server part means "go remote": libvirtd has no remote driver for itself.
            raise VirtError.no_connect(name)
        path = parts.path or "/"
        if path not in self.drivers:
            raise VirtError.report(ErrorCode.INTERNAL_ERROR, ErrorDomain.NONE,
                                   f"unexpected qemu URI path '{path}', try qemu:///system")
        return self.drivers[path]
