"""The groups of virConnectGetAllDomainStats (virsh domstats), as qemuDomainGetStats* fill them, in the QEMU driver's order."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from ..domain_tuning.state import live_iothreads
from ..flags.node import TypedParamType
from ..flags.stats import DomainDirtyRateStatus
from .memory import FIELD_NAMES
from .run import Background, RunStats
from .traffic import nic_counters

if TYPE_CHECKING:
    from ..domain import Domain
    from ..flags.stats import DomainMemoryStatTags

INT, UINT, LLONG, ULLONG, STRING = (TypedParamType.INT, TypedParamType.UINT, TypedParamType.LLONG,
                                    TypedParamType.ULLONG, TypedParamType.STRING)
Stat = tuple[str, int, int | str]  # field, typed-param type, value
NET_FIELDS = ("rx.bytes", "rx.pkts", "rx.errs", "rx.drop", "tx.bytes", "tx.pkts", "tx.errs", "tx.drop")


@dataclass
class CpuTimes:
    """One instant's CPU accounting of a running domain (ns)."""

    total: int
    vcpus: list[int]

    @property
    def user(self) -> int:
        return self.total * 7 // 10

    @property
    def system(self) -> int:
        return self.total - self.user


def cpu_times(total: int, vcpus: int) -> CpuTimes:
    """Guest vCPU threads get 60 % of the process's time, in equal parts; the rest is QEMU's own threads."""
    return CpuTimes(total, [total * 6 // 10 // max(1, vcpus)] * vcpus)


def state_group(dom: Domain) -> list[Stat]:
    return [("state.state", INT, int(dom.state)), ("state.reason", INT, dom.reason)]


def cpu_group(cpu: CpuTimes | None) -> list[Stat]:
    if cpu is None:
        return []
    return [("cpu.time", ULLONG, cpu.total), ("cpu.user", ULLONG, cpu.user), ("cpu.system", ULLONG, cpu.system),
            ("cpu.cache.monitor.count", UINT, 0), ("cpu.haltpoll.success.time", ULLONG, 0),
            ("cpu.haltpoll.fail.time", ULLONG, 0)]


def balloon_group(dom: Domain, memstats: list[tuple[DomainMemoryStatTags, int]] | None) -> list[Stat]:
    """memstats: virDomainMemoryStats of a running domain (its "actual" is balloon.current already)."""
    d = dom.definition
    out: list[Stat] = [("balloon.current", ULLONG, d.current_memory_kib if dom.active else d.memory_kib),
                       ("balloon.maximum", ULLONG, d.memory_kib)]
    for tag, value in memstats or []:
        if tag in FIELD_NAMES:
            out.append((f"balloon.{FIELD_NAMES[tag]}", ULLONG, value))
    return out


def vcpu_group(dom: Domain, cpu: CpuTimes | None) -> list[Stat]:
    """A vCPU counts as running (1) while its thread exists, paused guest or not, as QEMU reports it."""
    d = dom.definition
    out: list[Stat] = [("vcpu.current", UINT, d.current_vcpus), ("vcpu.maximum", UINT, d.vcpus)]
    for n, t in enumerate(cpu.vcpus if cpu is not None else []):
        out += [(f"vcpu.{n}.state", INT, 1), (f"vcpu.{n}.time", ULLONG, t), (f"vcpu.{n}.wait", ULLONG, 0),
                (f"vcpu.{n}.delay", ULLONG, t // 8)]
    return out


def interface_group(dom: Domain, rs: RunStats, bg: Background, now: float) -> list[Stat]:
    """Every NIC counts; only those with a host device (not type user) have counters, under their index."""
    if not dom.active:
        return []
    nics = dom.definition.interfaces
    out: list[Stat] = [("net.count", UINT, len(nics))]
    for n, iface in enumerate(nics):
        if not iface.target_dev:
            continue
        c = nic_counters(rs, bg, iface.target_dev, now)
        out.append((f"net.{n}.name", STRING, iface.target_dev))
        values = (c.rx_bytes, c.rx_pkts, c.rx_errs, c.rx_drop, c.tx_bytes, c.tx_pkts, c.tx_errs, c.tx_drop)
        out += [(f"net.{n}.{name}", ULLONG, v) for name, v in zip(NET_FIELDS, values, strict=True)]
    return out


def dirtyrate_group(dom: Domain, rs: RunStats) -> list[Stat]:
    if not dom.active:
        return []
    job = rs.dirty
    out: list[Stat] = [("dirtyrate.calc_status", INT, int(job.status)), ("dirtyrate.calc_start_time", LLONG, job.start_time),
                       ("dirtyrate.calc_period", INT, job.period), ("dirtyrate.calc_mode", STRING, job.mode)]
    if job.status == DomainDirtyRateStatus.DIRTYRATE_MEASURED:
        out.append(("dirtyrate.megabytes_per_second", LLONG, job.mbps))
    return out


def perf_group(dom: Domain, cpu: CpuTimes | None) -> list[Stat]:
    """The enabled perf events of a running domain (TUNE's <perf> state), counted from its CPU time."""
    if cpu is None:
        return []
    scale = {"cpu_cycles": 21, "ref_cpu_cycles": 21, "instructions": 15, "cpu_clock": 10, "task_clock": 10}
    return [(f"perf.{name}", ULLONG, cpu.total * scale.get(name, 0) // 10 + (0 if name in scale else cpu.total // 100_000))
            for name in dom.definition.tuning.perf_enabled()]


def iothread_group(dom: Domain) -> list[Stat]:
    """A running domain's IOThreads in QEMU's order, with their polling parameters."""
    threads = live_iothreads(dom.definition.tuning) if dom.active else []
    if not threads:
        return []
    out: list[Stat] = [("iothread.count", UINT, len(threads))]
    for t in threads:
        p = f"iothread.{t.id}."
        out += [(p + "poll-max-ns", ULLONG, t.poll_max_ns), (p + "poll-grow", UINT, t.poll_grow),
                (p + "poll-shrink", UINT, t.poll_shrink)]
    return out
