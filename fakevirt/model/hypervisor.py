"""The root of all emulated state: the host, and the QEMU driver instances its URIs open."""

from __future__ import annotations

from dataclasses import dataclass, field
from urllib.parse import urlsplit

from ..errors import ErrorCode, ErrorDomain, VirtError
from .clock import Clock, SystemClock
from .faults import FaultPlan
from .host import HostInfo
from .ids import Rng

PRIVILEGED_PATHS = ("/system", "/session")  # libvirtd runs as root: qemu allows both


@dataclass
class QemuDriver:
    """One QEMU driver instance, what ``qemu:///system`` or ``qemu:///session`` opens."""

    uri: str
    hypervisor: Hypervisor

    @property
    def host(self) -> HostInfo:
        return self.hypervisor.host


@dataclass
class Hypervisor:
    """Everything fakevirt emulates; a server holds exactly one, tests may make many."""

    seed: int | None = 0
    clock: Clock = field(default_factory=SystemClock)
    host: HostInfo = field(default_factory=HostInfo)
    faults: FaultPlan = field(default_factory=FaultPlan)
    drivers: dict[str, QemuDriver] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self.rng = Rng(self.seed)
        self.reset()

    def reset(self) -> None:
        """Forget every domain, pool and snapshot: a fresh host, as after a reboot."""
        self.faults.clear()
        self.drivers = {path: QemuDriver(f"qemu://{path}", self) for path in PRIVILEGED_PATHS}

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
