"""What a definition says about tuning and placement, typed: <cputune>, <memtune>, <blkiotune>,
<numatune>, <iothreads>/<iothreadids> and <perf> (virDomainDef's cputune, mem, blkio, numa,
iothreadids and perf fields).

A value left ``None`` was not set in the XML: the persistent definition reports 0 / "unlimited"
for it and a running domain the cgroup's default (``SCHED_LIVE_DEFAULTS``).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from ..devices import RawElement

CpuSet = frozenset[int]

# virPerfEvent, in libvirt's order (the order of `virsh perf` and of the perf stats group)
PERF_EVENTS = ("cmt", "mbmt", "mbml", "cpu_cycles", "instructions", "cache_references", "cache_misses",
               "branch_instructions", "branch_misses", "bus_cycles", "stalled_cycles_frontend",
               "stalled_cycles_backend", "ref_cpu_cycles", "cpu_clock", "task_clock", "page_faults",
               "context_switches", "cpu_migrations", "page_faults_min", "page_faults_maj",
               "alignment_faults", "emulation_faults")

# the scheduler tunables, in qemuDomainGetSchedulerParametersFlags' order, and the <cputune> child of each
SCHED_FIELDS = (("cpu_shares", "shares"), ("vcpu_period", "period"), ("vcpu_quota", "quota"),
                ("emulator_period", "emulator_period"), ("emulator_quota", "emulator_quota"),
                ("global_period", "global_period"), ("global_quota", "global_quota"),
                ("iothread_period", "iothread_period"), ("iothread_quota", "iothread_quota"))
# what the cgroup of a running domain reports for a tunable the definition leaves unset
SCHED_LIVE_DEFAULTS = {"cpu_shares": 1024, "vcpu_period": 100000, "vcpu_quota": -1, "emulator_period": 100000,
                       "emulator_quota": -1, "global_period": 100000, "global_quota": -1,
                       "iothread_period": 100000, "iothread_quota": -1}
# QEMU's defaults for an IOThread's polling (query-iothreads)
POLL_MAX_NS_DEFAULT = 32768


@dataclass
class IOThread:
    """One <iothreadids><iothread>; ``autofill`` ids were made up from <iothreads> and are not formatted."""

    id: int
    autofill: bool = True
    cpuset: CpuSet | None = None  # <cputune><iothreadpin>
    # runtime polling parameters of a running IOThread (virDomainSetIOThreadParams)
    poll_max_ns: int = POLL_MAX_NS_DEFAULT
    poll_grow: int = 0
    poll_shrink: int = 0
    thread_pool_min: int | None = None  # <iothread thread_pool_min/max>
    thread_pool_max: int | None = None


@dataclass
class CpuTune:
    """<cputune>: scheduler values by tunable name (SCHED_FIELDS), pins, and what is kept verbatim."""

    sched: dict[str, int] = field(default_factory=dict)
    vcpupin: dict[int, CpuSet] = field(default_factory=dict)
    emulatorpin: CpuSet | None = None
    rest: list[RawElement] = field(default_factory=list)  # vcpusched, iothreadsched, cachetune, ...


@dataclass
class MemTune:
    """<memtune> in KiB; None = unlimited (not set)."""

    hard_limit: int | None = None
    soft_limit: int | None = None
    swap_hard_limit: int | None = None
    min_guarantee: int | None = None


@dataclass
class BlkioDevice:
    """<blkiotune><device>: a host block device's weight and throttles (0 = not set)."""

    path: str
    weight: int = 0
    read_iops_sec: int = 0
    write_iops_sec: int = 0
    read_bytes_sec: int = 0
    write_bytes_sec: int = 0


@dataclass
class BlkioTune:
    weight: int = 0
    devices: list[BlkioDevice] = field(default_factory=list)


@dataclass
class NumaTune:
    """<numatune><memory>: mode and nodeset (or automatic placement); <memnode>s verbatim."""

    mode: str | None = None  # strict (default), preferred, interleave, restrictive
    nodeset: CpuSet | None = None
    placement: str | None = None  # static, auto
    memnodes: list[RawElement] = field(default_factory=list)


@dataclass
class Tuning:
    """Everything tunable of one definition."""

    cputune: CpuTune = field(default_factory=CpuTune)
    memtune: MemTune = field(default_factory=MemTune)
    blkiotune: BlkioTune = field(default_factory=BlkioTune)
    numatune: NumaTune = field(default_factory=NumaTune)
    iothreads: list[IOThread] = field(default_factory=list)
    perf: dict[str, bool] = field(default_factory=dict)  # event -> enabled, as <perf> lists them
    # vCPUs switched one by one (virDomainSetVcpu): the online ids in the order they came online
    # (None = the first <vcpu current>); a persistent definition keeps no order
    vcpus_online: tuple[int, ...] | None = None
    vcpus_ordered: bool = True
    acpi: bool = False  # <features><acpi/>: the guest can unplug vCPUs
    vcpus_fixed: int | None = None  # the leading vCPUs that are not hotpluggable, None = <vcpu current>

    def iothread(self, iothread_id: int) -> IOThread | None:
        return next((t for t in self.iothreads if t.id == iothread_id), None)

    def perf_enabled(self) -> list[str]:
        """The enabled perf events, in libvirt's order."""
        return [name for name in PERF_EVENTS if self.perf.get(name)]


def vcpu_affinity(tuning: Tuning, vcpu: int, host_cpus: int) -> CpuSet:
    """The host CPUs one vCPU may run on: its <vcpupin>, else the emulator's pin, else all of them."""
    pinned = tuning.cputune.vcpupin.get(vcpu)
    return pinned if pinned is not None else all_cpus(host_cpus)


def emulator_affinity(tuning: Tuning, host_cpus: int) -> CpuSet:
    pinned = tuning.cputune.emulatorpin
    return pinned if pinned is not None else all_cpus(host_cpus)


def iothread_affinity(thread: IOThread, host_cpus: int) -> CpuSet:
    return thread.cpuset if thread.cpuset is not None else all_cpus(host_cpus)


def all_cpus(host_cpus: int) -> CpuSet:
    return frozenset(range(host_cpus))


def format_cpuset(cpus: CpuSet) -> str:
    """virBitmapFormat: ranges, comma-separated ("0-3,6")."""
    out: list[str] = []
    ordered = sorted(cpus)
    i = 0
    while i < len(ordered):
        j = i
        while j + 1 < len(ordered) and ordered[j + 1] == ordered[j] + 1:
            j += 1
        out.append(str(ordered[i]) if i == j else f"{ordered[i]}-{ordered[j]}")
        i = j + 1
    return ",".join(out)


def cpumap_bytes(cpus: CpuSet, maplen: int) -> bytes:
    """A CPU bitmap of ``maplen`` bytes, as virDomainGetVcpus and the pin-info calls return."""
    out = bytearray(maplen)
    for cpu in cpus:
        if cpu // 8 < maplen:
            out[cpu // 8] |= 1 << (cpu % 8)
    return bytes(out)


def cpumap_cpus(cpumap: bytes, limit: int) -> CpuSet:
    """The CPUs a bitmap sets, the bits beyond ``limit`` bytes ignored."""
    return frozenset(i * 8 + b for i, byte in enumerate(cpumap[:limit]) for b in range(8) if byte >> b & 1)


def live_iothreads(tuning: Tuning) -> list[IOThread]:
    """A running domain's IOThreads in the order QEMU's query-iothreads lists them (its object
    table's order; on the reference: ascending ids with the lowest one last, e.g. 2 5 7 1)."""
    ordered = sorted(tuning.iothreads, key=lambda t: t.id)
    return ordered[1:] + ordered[:1]
