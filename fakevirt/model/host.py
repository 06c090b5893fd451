"""The emulated physical machine: CPU, NUMA topology, memory, QEMU binaries, SMBIOS.

Plain data plus the node APIs that read it (virNodeGetInfo, virNodeGetCPUStats,
virNodeGetMemoryStats, virNodeGetCellsFreeMemory), raising the errors libvirt's
src/util/virhostcpu.c and virhostmem.c raise.  No I/O: time comes in as an argument.
hostpages.py serves the page pools (virNodeGetFreePages, virNodeAllocPages).
"""

from __future__ import annotations

import ipaddress
import math
from dataclasses import dataclass, field, replace

from ..errors import node as node_err
from .hostdata import (
    DEFAULT_MACHINE_ALIAS,
    SKYLAKE_HOST_FEATURES,
    SKYLAKE_KVM_HOST_MODEL,
    SKYLAKE_KVM_USABLE,
    HostModel,
    Machine,
    qemu72_x86_machines,
)
from .ids import HostIdentity
from .smbios import Smbios, default_smbios

CPU_STATS_ALL_CPUS = -1  # VIR_NODE_CPU_STATS_ALL_CPUS
MEMORY_STATS_ALL_CELLS = -1  # VIR_NODE_MEMORY_STATS_ALL_CELLS
LINUX_NB_CPU_STATS = 4
USER_HZ = 100  # /proc/stat counts in 1/100 s ticks, so every CPU time is a multiple of 10 ms
NS_PER_TICK = 1_000_000_000 // USER_HZ
SYSTEM_PAGE_KIB = 4
DEFAULT_HOST_UUID = "4c4c4544-0046-4310-8044-b8c04f324a32"

# Share of each logical CPU's time (kernel = system + irq + softirq, as virHostCPUGetStatsLinux adds them).
_CPU_SHARES = (("kernel", 0.021), ("user", 0.064), ("iowait", 0.0031))


@dataclass(frozen=True, slots=True)
class HostCpu:
    """The physical CPU: what capabilities shows, and what KVM makes of it for guests."""

    model: str = "Skylake-Client-IBRS"
    vendor: str = "Intel"
    microcode: int = 240
    family: int = 6
    model_number: int = 94
    stepping: int = 3
    tsc_hz: int = 3_408_000_000
    phys_bits: int = 39
    features: tuple[str, ...] = SKYLAKE_HOST_FEATURES
    kvm_host_model: HostModel = SKYLAKE_KVM_HOST_MODEL
    kvm_usable: frozenset[str] = SKYLAKE_KVM_USABLE
    l3_cache_mib: int = 8


@dataclass(frozen=True, slots=True)
class LogicalCpu:
    """One logical CPU (hyperthread) and where it sits, as sysfs topology tells libvirt."""

    id: int
    socket_id: int
    die_id: int
    core_id: int
    siblings: tuple[int, ...]


@dataclass(frozen=True, slots=True)
class NumaCell:
    """One NUMA node: memory in KiB, its logical CPUs, reserved huge pages as (size KiB, count)."""

    id: int
    memory_kib: int
    free_kib: int
    cpus: tuple[LogicalCpu, ...]
    hugepages: tuple[tuple[int, int], ...]

    def pages(self) -> list[tuple[int, int]]:
        """(page size KiB, page count) for every size, the system page size first."""
        huge_kib = sum(size * count for size, count in self.hugepages)
        return [(SYSTEM_PAGE_KIB, (self.memory_kib - huge_kib) // SYSTEM_PAGE_KIB), *self.hugepages]


@dataclass(frozen=True, slots=True)
class GuestArch:
    """A guest architecture one QEMU binary offers: what capabilities lists under ``<guest>``."""

    arch: str
    wordsize: int
    emulator: str
    machines: tuple[Machine, ...]
    domain_types: tuple[str, ...] = ("qemu", "kvm")

    def canonical_machine(self, name: str) -> str:
        """Resolve an alias (``pc``, ``q35``) to the machine it stands for; other names unchanged."""
        return next((m.name for m in self.machines if m.alias == name), name)

    def machine(self, name: str) -> Machine | None:
        return next((m for m in self.machines if m.name == name), None)


@dataclass(frozen=True, slots=True)
class FirmwareImage:
    """A UEFI code image that a firmware descriptor offers for some machine types (fnmatch patterns)."""

    path: str
    machines: tuple[str, ...]
    secure: bool = False
    arch: str = "x86_64"


@dataclass(frozen=True, slots=True)
class NodeInfo:
    """virNodeInfo: memory in KiB; sockets are per NUMA node."""

    model: str
    memory: int
    cpus: int
    mhz: int
    nodes: int
    sockets: int
    cores: int
    threads: int


def _default_guests() -> tuple[GuestArch, ...]:
    machines = qemu72_x86_machines()
    return (GuestArch("i686", 32, "/usr/bin/qemu-system-i386", machines),
            GuestArch("x86_64", 64, "/usr/bin/qemu-system-x86_64", machines))


def _default_firmware() -> tuple[FirmwareImage, ...]:
    # Debian's ovmf descriptors: Secure Boot needs SMM, which only q35 has.
    return (FirmwareImage("/usr/share/OVMF/OVMF_CODE_4M.ms.fd", ("pc-q35-*",), secure=True),
            FirmwareImage("/usr/share/OVMF/OVMF_CODE_4M.secboot.fd", ("pc-q35-*",), secure=True),
            FirmwareImage("/usr/share/OVMF/OVMF_CODE_4M.fd", ("pc-i440fx-*", "pc-q35-*")))


@dataclass(frozen=True)
class HostInfo:
    """The emulated QEMU/KVM host; every number a node API or host document reports comes from here."""

    hostname: str = "kvm-host-01"
    uuid: str = DEFAULT_HOST_UUID
    arch: str = "x86_64"
    cpu: HostCpu = field(default_factory=HostCpu)
    mhz: int = 3400
    sockets: int = 1
    dies: int = 1
    cores: int = 4
    threads: int = 2
    numa_nodes: int = 1
    memory_kib: int = 32_617_084  # MemTotal of all nodes together
    free_kib: int = 29_806_512
    buffers_kib: int = 412_936
    cached_kib: int = 1_894_220
    hugepages: tuple[tuple[int, int], ...] = ((2048, 0), (1048576, 0))  # per node: (KiB, count)
    # virNodeAllocPages' changes to the pools: (cell, page size KiB, page count), replacing ``hugepages``
    # for that cell; the pages come out of the cell's free memory
    allocated_pages: tuple[tuple[int, int, int], ...] = ()
    boot_time: float = 1_699_913_600.0  # epoch seconds; CPU counters grow from here
    qemu_version: int = 7_002_000  # 7.2.0 as virConnectGetVersion encodes it
    libvirt_version: int = 9_000_000
    kvm_max_vcpus: int = 1024  # KVM_CAP_MAX_VCPUS
    guests: tuple[GuestArch, ...] = field(default_factory=_default_guests)
    default_machine_alias: str = DEFAULT_MACHINE_ALIAS
    firmware: tuple[FirmwareImage, ...] = field(default_factory=_default_firmware)
    fallback_loaders: tuple[str, ...] = ("/usr/share/OVMF/OVMF_CODE.fd", "/usr/share/OVMF/OVMF_CODE.secboot.fd")
    iommu: bool = False
    power_management: tuple[str, ...] = ()  # suspend_mem/_disk/_hybrid: like the reference host, none
    migration_transports: tuple[str, ...] = ("tcp", "rdma")
    dac_label: str = "+107:+107"  # the qemu user and group, as the DAC driver labels guests
    smbios: Smbios | None = None  # None = the default Dell desktop; see ``sysinfo``
    has_smbios: bool = True
    # the host's one wired NIC (udev's view); networks' address overlap checks and the interface
    # and node-device drivers report it
    nic_name: str = "eth0"
    nic_mac: str = "52:54:00:8a:3c:01"
    nic_ipv4: tuple[str, int] = ("10.0.2.15", 24)  # address, prefix
    nic_ipv6: tuple[str, int] = ("fe80::5054:ff:fe8a:3c01", 64)
    nic_pci_address: str = "0000:00:03.0"

    def __post_init__(self) -> None:
        if min(self.sockets, self.dies, self.cores, self.threads, self.numa_nodes) < 1:
            raise ValueError("topology counts must be positive")
        if self.numa_nodes > self.sockets * self.dies * self.cores:
            raise ValueError("more NUMA nodes than cores")

    def with_identity(self, ident: HostIdentity) -> HostInfo:
        """This host under another name, UUID and NIC address (its link-local address follows the MAC)."""
        return replace(self, hostname=ident.hostname, uuid=ident.uuid, nic_mac=ident.nic_mac,
                       nic_ipv6=(link_local(ident.nic_mac), self.nic_ipv6[1]))

    # --- topology ------------------------------------------------------------------------

    @property
    def cpu_count(self) -> int:
        return self.sockets * self.dies * self.cores * self.threads

    def logical_cpus(self) -> tuple[LogicalCpu, ...]:
        """Linux numbering: first thread of every core, then the second, so siblings are n and n+cores."""
        per_thread = self.sockets * self.dies * self.cores
        out = []
        for cpu_id in range(self.cpu_count):
            core_global = cpu_id % per_thread
            socket, rest = divmod(core_global, self.dies * self.cores)
            die, core = divmod(rest, self.cores)
            siblings = tuple(core_global + t * per_thread for t in range(self.threads))
            out.append(LogicalCpu(cpu_id, socket, die, core, siblings))
        return tuple(out)

    def _node_of(self, cpu: LogicalCpu) -> int:
        per_thread = self.sockets * self.dies * self.cores
        return (cpu.id % per_thread) * self.numa_nodes // per_thread

    def cells(self) -> tuple[NumaCell, ...]:
        """NUMA nodes: cores split evenly, memory split evenly (the remainder on node 0)."""
        cpus = self.logical_cpus()
        mem, mem_rest = divmod(self.memory_kib, self.numa_nodes)
        free, free_rest = divmod(self.free_kib, self.numa_nodes)
        reserved = sum(size * count for size, count in self.hugepages)
        out = []
        for n in range(self.numa_nodes):
            pools = dict(self.hugepages)
            pools.update((size, count) for cell, size, count in self.allocated_pages if cell == n)
            taken = sum(size * count for size, count in pools.items()) - reserved
            out.append(NumaCell(n, mem + (mem_rest if n == 0 else 0), free + (free_rest if n == 0 else 0) - taken,
                                tuple(c for c in cpus if self._node_of(c) == n), tuple(pools.items())))
        return tuple(out)

    def distance(self, a: int, b: int) -> int:
        """ACPI SLIT distance between two nodes."""
        return 10 if a == b else 21

    def sysinfo(self) -> Smbios | None:
        """The SMBIOS data, or None when the host has none (virConnectGetSysinfo then fails)."""
        if not self.has_smbios:
            return None
        return self.smbios if self.smbios is not None else default_smbios(self.uuid, self.sockets)

    # --- QEMU binaries -------------------------------------------------------------------

    def guest_for_arch(self, arch: str) -> GuestArch | None:
        return next((g for g in self.guests if g.arch == arch), None)

    def guest_for_emulator(self, path: str) -> GuestArch | None:
        return next((g for g in self.guests if g.emulator == path), None)

    def emulator_arches(self, guest: GuestArch) -> tuple[str, ...]:
        """Guest arches one binary runs: qemu-system-x86_64 also runs 32-bit x86 guests."""
        return (guest.arch, "i686") if guest.arch == "x86_64" else (guest.arch,)

    def default_machine(self, guest: GuestArch) -> str:
        return guest.canonical_machine(self.default_machine_alias)

    # --- virNodeGetInfo ------------------------------------------------------------------

    def node_info(self) -> NodeInfo:
        """virNodeGetInfo, with virHostCPUGetInfoPopulateLinux's fallback for odd topologies."""
        cells = self.cells()
        sockets = max(len({c.socket_id for c in cell.cpus}) for cell in cells)
        cores = max(len({c.core_id for c in cell.cpus if c.socket_id == s})
                    for cell in cells for s in {c.socket_id for c in cell.cpus})
        nodes, threads = len(cells), self.threads
        if nodes * sockets * cores * threads != self.cpu_count:
            nodes, sockets, cores, threads = 1, 1, self.cpu_count, 1
        return NodeInfo(self.arch, sum(c.memory_kib for c in cells), self.cpu_count, self.mhz,
                        nodes, sockets, cores, threads)

    def cpu_map(self) -> tuple[int, tuple[bool, ...], int]:
        """virNodeGetCPUMap: (CPU count, online flags, online count); every CPU is online."""
        return self.cpu_count, (True,) * self.cpu_count, self.cpu_count

    # --- virNodeGetCPUStats --------------------------------------------------------------

    def cpu_stats(self, cpu_num: int, now: float, nparams: int | None = None) -> list[tuple[str, int]]:
        """virNodeGetCPUStats: (field, ns) pairs for one CPU or, with -1, all of them summed.

        Args:
            cpu_num: a logical CPU id, or CPU_STATS_ALL_CPUS (-1).
            now: the current time in epoch seconds; counters grow from ``boot_time``.
            nparams: the caller's nparams when known: 0 only asks for the count, so libvirt
                skips the cpuNum check; any other value but 4 is refused.

        Raises:
            VirtError: INVALID_ARG for a negative cpuNum other than -1, a wrong nparams, or a
                CPU that does not exist — with libvirt's texts and error domains.
        """
        if cpu_num < 0 and cpu_num != CPU_STATS_ALL_CPUS:
            raise node_err.cpu_num_negative()
        if nparams is not None and nparams not in (0, LINUX_NB_CPU_STATS):
            raise node_err.cpu_stats_nparams(LINUX_NB_CPU_STATS)
        if cpu_num >= self.cpu_count and nparams != 0:
            raise node_err.cpu_num_invalid()
        # (an unknown CPU only gets here when nparams is 0, and then only the count is used)
        cpus = [cpu_num] if 0 <= cpu_num < self.cpu_count else range(self.cpu_count)
        ticks = [self._cpu_ticks(c, now) for c in cpus]
        return [(name, sum(t[name] for t in ticks) * NS_PER_TICK) for name in ("kernel", "user", "idle", "iowait")]

    def _cpu_ticks(self, cpu: int, now: float) -> dict[str, int]:
        """One CPU's /proc/stat counters: linear in uptime, floored to ticks, so never decreasing."""
        uptime_ticks = max(0.0, now - self.boot_time) * USER_HZ
        skew = 1 + ((cpu * 37) % 11 - 5) / 50  # CPUs differ a little, deterministically
        shares = {name: share * skew for name, share in _CPU_SHARES}
        shares["idle"] = 1 - sum(shares.values())
        return {name: math.floor(uptime_ticks * share) for name, share in shares.items()}

    # --- virNodeGetMemoryStats -----------------------------------------------------------

    def memory_stats(self, cell_num: int, nparams: int | None = None) -> list[tuple[str, int]]:
        """virNodeGetMemoryStats: (field, KiB) pairs for the host (-1) or one NUMA cell.

        A cell reports only total and free, as its sysfs meminfo has no Buffers/Cached lines.

        Raises:
            VirtError: INVALID_ARG for a negative cellNum other than -1, a cell past the last
                one, or a wrong nparams (0 only asks for the count).
        """
        if cell_num < 0 and cell_num != MEMORY_STATS_ALL_CELLS:
            # libvirt names the wrong argument (cpuNum) in this error's str2; so do we
            raise node_err.cell_num_negative()
        max_node = self.numa_nodes - 1
        if cell_num > max_node:
            raise node_err.cell_num_too_big(max_node)
        if cell_num == MEMORY_STATS_ALL_CELLS:
            stats = [("total", self.memory_kib), ("free", sum(c.free_kib for c in self.cells())),
                     ("buffers", self.buffers_kib), ("cached", self.cached_kib)]
        else:
            cell = self.cells()[cell_num]
            stats = [("total", cell.memory_kib), ("free", cell.free_kib)]
        if nparams is not None and nparams not in (0, len(stats)):
            raise node_err.mem_stats_nparams(len(stats))
        return stats

    # --- free memory ---------------------------------------------------------------------

    def free_memory_bytes(self) -> int:
        """virNodeGetFreeMemory: free memory of all cells, in bytes."""
        return sum(c.free_kib for c in self.cells()) * 1024

    def cells_free_memory_bytes(self, start_cell: int, max_cells: int) -> list[int]:
        """virNodeGetCellsFreeMemory: free bytes of up to max_cells cells from start_cell.

        Raises:
            VirtError: INVALID_ARG (domain DOMAIN) for start_cell < 0 or max_cells <= 0, as the
                public API checks them; INTERNAL_ERROR for a start cell past the last one.
        """
        if start_cell < 0:
            raise node_err.start_cell_negative()
        if max_cells <= 0:
            raise node_err.max_cells_not_positive()
        cells = self.cells()
        self.check_start_cell(start_cell)
        return [c.free_kib * 1024 for c in cells[start_cell:start_cell + max_cells]]

    def check_start_cell(self, start_cell: int) -> None:
        """virHostMemGetFreePages and friends: the start cell must not be past the last one."""
        last = self.numa_nodes - 1
        if start_cell > last:
            raise node_err.start_cell_out_of_range(start_cell, last)


def link_local(mac: str) -> str:
    """The fe80::/64 address the kernel derives from a MAC (modified EUI-64)."""
    b = bytes(int(x, 16) for x in mac.split(":"))
    eui = bytes([b[0] ^ 0x02, b[1], b[2], 0xFF, 0xFE, b[3], b[4], b[5]])
    return str(ipaddress.IPv6Address(b"\xfe\x80" + bytes(6) + eui))
