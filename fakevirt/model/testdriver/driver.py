"""One instance of libvirt's test driver: ``test:///default`` or ``test:///PATH.xml``.

It is a ``QemuDriver`` whose ``hypervisor`` is a host of its own (its own networks, pools,
interfaces, node devices, image store and event bus), built from a ``NodeDefinition``, with
``TestDomains`` for the domain semantics that differ.
"""

from __future__ import annotations

from ...errors import ErrorDomain, check_flags
from ...errors import testdriver as err
from ..domain import State
from ..domaindef import DomainDef
from ..events import EventBus
from ..host import HostInfo
from ..hypervisor import Hypervisor, QemuDriver
from ..typedparams import Param
from .apis import supports
from .domains import TestDomains
from .fixed import GuestClock, TestBlockDevices, TestDomainStats, TestGuests, TestTuning
from .node import SHUTOFF, NodeDefinition, NodeDomain
from .objects import TestInterfaces, TestNetworks, TestNodeDevices
from .storage import TestStorage

TEST_VERSION = 2  # testConnectGetVersion: "TEST 0.0.2"
TEST_MAX_VCPUS = 32
CPU_STATS = (("user", 9797400000), ("kernel", 34678723400000), ("idle", 87264900000), ("iowait", 763600000))


def _host(hostname: str, node: NodeDefinition) -> HostInfo:
    """What the shared host models need to know of a test node."""
    first = node.interfaces[0] if node.interfaces else None
    return HostInfo(hostname=hostname, arch="i686", nic_name=first.name if first else "eth0",
                    nic_mac=(first.mac if first and first.mac else "52:54:00:8a:3c:01"),
                    nic_ipv4=(first.ipv4 if first and first.ipv4 else ("10.0.2.15", 24)))


class TestDriver(QemuDriver):
    """A test-driver instance on a host of its own, filled from ``node``."""

    kind = "TEST"
    function_prefix = "test"
    error_domain = ErrorDomain.TEST
    agents: TestGuests
    tuning: TestTuning
    security_model = ("testSecurity", "")
    security_label = ("libvirt-test", 1)

    @staticmethod
    def os_type(d: DomainDef) -> str:
        """testDomainGetOSType: always "linux"."""
        return "linux"

    def __init__(self, uri: str, root: Hypervisor, node: NodeDefinition) -> None:
        self.node = node
        host = _host(root.host.hostname if root.host else HostInfo().hostname, node)
        hv = Hypervisor(seed=root.seed, clock=root.clock, host=host, bus=EventBus(), parent=root)
        super().__init__(uri, hv)
        hv.interfaces = TestInterfaces(host, node)
        hv.nodedevs = TestNodeDevices(hv, node.devices)
        hv.networks = TestNetworks(hv)
        hv.storage = TestStorage(hv, hv.images)
        self._load(node)

    def reset(self) -> None:
        super().reset()
        self.domains = TestDomains(self)
        self.stats = TestDomainStats(self)
        self.agents = TestGuests(self)
        self.blockdev = TestBlockDevices(self)
        self.tuning = TestTuning(self)
        self.guest_clocks: dict[str, GuestClock] = {}  # by domain UUID

    @property
    def version(self) -> int:
        return TEST_VERSION

    @staticmethod
    def supports(api: str | None) -> bool:
        return supports(api)

    @staticmethod
    def launch_security_info(flags: int) -> list[Param]:
        """testDomainGetLaunchSecurityInfo: nothing, and no flag (not even STRING_OKAY, which the
        remote driver always sends)."""
        check_flags("testDomainGetLaunchSecurityInfo", flags, 0, ErrorDomain.TEST)
        return []

    def cells_free_memory(self, start: int, count: int) -> list[int]:
        """testNodeGetCellsFreeMemory: each cell's memory figure, as the test driver reports it."""
        if start < 0 or count <= 0 or start >= len(self.node.cells):
            raise err.cells_out_of_range()
        return [c.memory_kib for c in self.node.cells[start:start + count]]

    def free_memory(self) -> int:
        """testNodeGetFreeMemory: the cells' free figures summed (KiB, reported as they are)."""
        return sum(c.free_kib for c in self.node.cells)

    @staticmethod
    def cpu_stats() -> list[tuple[str, int]]:
        """testNodeGetCPUStats: fixed figures, whichever CPU is asked for."""
        return list(CPU_STATS)

    def check_disks(self, d: object) -> None:
        """The test driver starts a domain whatever its disks name."""

    def translate_volumes(self, live: object) -> None:
        """Nor does it look up the pools of volume disks."""

    def _load(self, node: NodeDefinition) -> None:
        """testOpenParse's order: domains, networks, interfaces, pools (with volumes), devices."""
        for entry in node.domains:
            self._load_domain(entry)
        hv = self.hypervisor
        for net in node.networks:
            hv.networks.start(hv.networks.define(net))
        for p in node.pools:
            pool = hv.storage.define(p.pool)
            hv.storage.start(pool)
            for vol in p.volumes:
                hv.storage.vol_create(pool, vol)

    def _load_domain(self, entry: NodeDomain) -> None:
        d = self.domains.complete_definition(entry.definition)
        if entry.transient:
            dom = self.domains.create_transient(d)
        else:
            dom = self.domains.define(d)
            if entry.runstate != SHUTOFF:
                self.domains.start(dom)
        if entry.runstate != SHUTOFF:
            dom.set_state(State(entry.runstate), 0)
        dom.managed_save = None


def test_uri(path: str) -> str:
    return f"test://{path}"
