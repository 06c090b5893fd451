"""What a test-driver node file describes (libvirt's test driver, src/test/test_driver.c), typed.

``xml/testnode.py`` reads a ``<node>`` document into a ``NodeDefinition``; a ``TestDriver``
(or ``--preload`` for the QEMU driver) builds its objects from it.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from ..domaindef import DomainDef
from ..network.defs import NetworkDef
from ..nodedev.tree import NodeDevice
from ..storage_defs import PoolDef, VolDef

RUNNING = 1  # VIR_DOMAIN_RUNNING: a node file's domain runs unless <test:runstate> says otherwise
SHUTOFF = 5
DOMAIN_STATE_LAST = 8  # VIR_DOMAIN_LAST


@dataclass
class NodeInfo:
    """virNodeInfo of the test driver (defaultNodeInfo; /node/cpu/* and /node/memory override it)."""

    model: str = "i686"
    memory_kib: int = 3 * 1024 * 1024
    cpus: int = 16
    mhz: int = 1400
    nodes: int = 2
    sockets: int = 2
    cores: int = 2
    threads: int = 2


@dataclass(frozen=True)
class Cell:
    """One NUMA cell of the default node (a node file has none)."""

    memory_kib: int
    free_kib: int
    cpus: tuple[int, ...]
    socket: int


def default_cells() -> list[Cell]:
    """testOpenDefault's two cells of eight CPUs; cell i has (i+1) * 2 GiB, half of it free."""
    return [Cell((i + 1) * 2048 * 1024, (i + 1) * 1024 * 1024, tuple(range(i * 8, i * 8 + 8)), i)
            for i in range(2)]


@dataclass
class NodeDomain:
    """A <domain> of the node, with the test namespace's <test:runstate>, transient, managed save."""

    definition: DomainDef
    runstate: int = RUNNING
    transient: bool = False
    managed_save: bool = False


@dataclass
class NodePool:
    pool: PoolDef
    volumes: list[VolDef] = field(default_factory=list)


@dataclass
class NodeInterface:
    """An ethernet <interface> of the node (the test driver keeps it active)."""

    name: str
    mac: str | None
    mtu: int | None = None
    start_mode: str | None = None
    ipv4: tuple[str, int] | None = None  # address, prefix
    gateway: str | None = None
    type: str = "ethernet"


@dataclass
class NodeDefinition:
    """A whole node: the test driver's default, or a node file."""

    info: NodeInfo = field(default_factory=NodeInfo)
    cells: list[Cell] = field(default_factory=list)
    domains: list[NodeDomain] = field(default_factory=list)
    networks: list[NetworkDef] = field(default_factory=list)
    interfaces: list[NodeInterface] = field(default_factory=list)
    pools: list[NodePool] = field(default_factory=list)
    devices: list[NodeDevice] = field(default_factory=list)
    users: list[tuple[str, str | None]] = field(default_factory=list)  # /node/auth/user, password
