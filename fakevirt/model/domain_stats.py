"""Statistics of running domains: interface, CPU and memory stats, the balloon's polling period, the
dirty-rate job and the groups of virConnectGetAllDomainStats (the pieces are in ``model/stats``).

Everything moves with the hypervisor's clock: CPU time while the guest runs, NIC and disk traffic
injected by tests (``net_traffic``, ``guest_read``/``guest_write``) plus ``background``'s rates.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from ..errors import ErrorDomain, VirtError, check_flags
from ..errors import domain as errors
from ..errors import stats as stats_errors
from .blockdev.records import block_stats
from .domain import Domain
from .flags.domain import ConnectGetAllDomainStatsFlags, DomainModificationImpact, DomainStatsTypes
from .flags.node import TypedParameterFlags
from .flags.stats import DomainDirtyRateCalcFlags, DomainDirtyRateStatus
from .flags.stats import DomainMemoryStatTags as Tag
from .stats import groups
from .stats.groups import ULLONG, CpuTimes, Stat, cpu_times
from .stats.memory import guest_stats, rss_kib
from .stats.run import Background, DirtyRate, RunStats, run_of
from .stats.traffic import accrue_disks, add_traffic, find_nic, nic_counters

if TYPE_CHECKING:
    from .hypervisor import QemuDriver

T = DomainStatsTypes
SUPPORTED_GROUPS = sum(DomainStatsTypes)
_F = ConnectGetAllDomainStatsFlags
FILTERS = (_F.GET_ALL_DOMAINS_STATS_ACTIVE | _F.GET_ALL_DOMAINS_STATS_INACTIVE | _F.GET_ALL_DOMAINS_STATS_PERSISTENT
           | _F.GET_ALL_DOMAINS_STATS_TRANSIENT | _F.GET_ALL_DOMAINS_STATS_RUNNING | _F.GET_ALL_DOMAINS_STATS_PAUSED
           | _F.GET_ALL_DOMAINS_STATS_SHUTOFF | _F.GET_ALL_DOMAINS_STATS_OTHER)  # the list filters' bits
_ALLOWED = (FILTERS | _F.GET_ALL_DOMAINS_STATS_NOWAIT | _F.GET_ALL_DOMAINS_STATS_BACKING
            | _F.GET_ALL_DOMAINS_STATS_ENFORCE_STATS)
AFFECT_LIVE, AFFECT_CONFIG = DomainModificationImpact.AFFECT_LIVE, DomainModificationImpact.AFFECT_CONFIG
Dirty = DomainDirtyRateCalcFlags
TOTAL_CPU_FIELDS = ("cpu_time", "user_time", "system_time")
PERCPU_FIELDS = 2  # cpu_time and vcpu_time per host CPU
DIRTY_MODES = {0: "page-sampling", Dirty.DIRTYRATE_MODE_DIRTY_BITMAP: "dirty-bitmap",
               Dirty.DIRTYRATE_MODE_DIRTY_RING: "dirty-ring"}


class DomainStats:
    """The statistics calls of one driver instance, and the knobs tests turn."""

    SUPPORTED_GROUPS = SUPPORTED_GROUPS

    def check_request(self, groups_: int, flags: int) -> None:
        """virConnectGetAllDomainStats: known flags; unknown groups refused only with ENFORCE_STATS."""
        driver = self.driver
        check_flags(f"{driver.function_prefix}ConnectGetAllDomainStats", flags, _ALLOWED, driver.error_domain)
        unknown = groups_ & ~int(self.SUPPORTED_GROUPS)  # int(): ~ of an IntFlag drops bits it has no name for
        if flags & _F.GET_ALL_DOMAINS_STATS_ENFORCE_STATS and unknown:
            raise self.unsupported_groups(unknown)

    def unsupported_groups(self, bits: int) -> VirtError:
        return errors.stats_unsupported(bits)

    def __init__(self, driver: QemuDriver) -> None:
        self.driver = driver
        self.background = Background()

    @property
    def _now(self) -> float:
        return self.driver.hypervisor.clock.now()

    def _run(self, dom: Domain) -> RunStats:
        self.driver.domains.require_active(dom)
        return run_of(dom)

    # ---- what tests make the guest do ---------------------------------------------------------------

    def net_traffic(self, dom: Domain, device: str, rx: int = 0, tx: int = 0,
                    rx_pkts: int | None = None, tx_pkts: int | None = None) -> None:
        """The guest received ``rx`` and sent ``tx`` bytes on the NIC ``device`` (MAC or host device)."""
        rs = self._run(dom)
        assert dom.live is not None
        iface = find_nic(dom.live, device)
        if not iface.target_dev:
            raise stats_errors.no_interface_name()
        add_traffic(rs, iface.target_dev, rx, tx, rx_pkts, tx_pkts, self.background.packet_bytes)

    def set_dirty_rate(self, dom: Domain, mbps: int) -> None:
        """How many MiB/s the guest dirties: what the next dirty-rate measurement finds."""
        self._run(dom).dirty_rate_mbps = mbps

    def accrue(self, dom: Domain) -> None:
        """Count the background disk traffic into the disks' counters (called before they are read)."""
        if dom.active:
            accrue_disks(dom, run_of(dom), self.background, self._now)

    # ---- virDomainInterfaceStats, virDomainGetCPUStats ---------------------------------------------

    def interface_stats(self, dom: Domain, device: str) -> tuple[int, ...]:
        """qemuDomainInterfaceStats: rx bytes/packets/errs/drop, tx bytes/packets/errs/drop."""
        rs = self._run(dom)
        assert dom.live is not None
        iface = find_nic(dom.live, device)
        if not iface.target_dev:
            raise stats_errors.no_interface_name()
        c = nic_counters(rs, self.background, iface.target_dev, self._now)
        return c.rx_bytes, c.rx_pkts, c.rx_errs, c.rx_drop, c.tx_bytes, c.tx_pkts, c.tx_errs, c.tx_drop

    def vcpu_info(self, dom: Domain, maxinfo: int) -> list[tuple[int, int]]:
        """qemuDomainGetVcpus: (CPU time, host CPU) of each online vCPU, at most ``maxinfo``."""
        if not dom.active:
            raise errors.vcpu_info_inactive()
        times = self.cpu_times(dom).vcpus
        host_cpus = self.driver.host.node_info().cpus
        return [(times[n], n % host_cpus) for n in range(min(maxinfo, dom.definition.current_vcpus))]

    def cpu_times(self, dom: Domain) -> CpuTimes:
        return cpu_times(self.driver.domains.cpu_time(dom), dom.definition.current_vcpus)

    def cpu_stats(self, dom: Domain, nparams: int, start_cpu: int, ncpus: int, flags: int) -> tuple[list[Stat], int]:
        """virDomainGetCPUStats' argument rules, then qemuDomainGetCPUStats on a cgroup v2 host.

        start_cpu -1 is the total (cpu_time, user_time, system_time); per-CPU counters need
        cgroup v1's cpuacct.usage_percpu, so only their counts can be asked for here.
        """
        if start_cpu == -1 and ncpus != 1:
            raise stats_errors.ncpus_with_total()
        if start_cpu < -1:
            raise VirtError.bad_arg("start_cpu", "virDomainGetCPUStats", "nonnegative")
        if nparams and ncpus == 0:  # libvirtd allocated no array for no CPUs: the API sees a NULL one
            raise stats_errors.params_null()
        check_flags("qemuDomainGetCPUStats", flags, TypedParameterFlags.STRING_OKAY)
        self.driver.domains.require_active(dom)
        if start_cpu == -1:
            if nparams == 0:
                return [], len(TOTAL_CPU_FIELDS)
            cpu = self.cpu_times(dom)
            found: list[Stat] = [(name, ULLONG, v) for name, v in zip(TOTAL_CPU_FIELDS, (cpu.total, cpu.user, cpu.system), strict=True)]
            found = found[:nparams]
            return found, len(found)
        if nparams == 0 and ncpus != 0:
            return [], PERCPU_FIELDS
        present = self.driver.host.cpu_count
        if ncpus == 0:
            return [], present
        if start_cpu >= present:
            raise stats_errors.start_cpu_too_large(start_cpu, present - 1)
        raise stats_errors.percpu_on_cgroup_v2()

    # ---- virDomainMemoryStats, virDomainSetMemoryStatsPeriod ----------------------------------------

    def memory_stats(self, dom: Domain) -> list[tuple[Tag, int]]:
        """qemuDomainMemoryStatsInternal: the balloon's size and the guest's report, then QEMU's RSS."""
        rs = self._run(dom)
        d = dom.definition
        out: list[tuple[Tag, int]] = []
        if d.memballoon is not None and d.memballoon.model != "none":
            out = [(Tag.MEMORY_STAT_ACTUAL_BALLOON, d.current_memory_kib), *guest_stats(rs, d.current_memory_kib, self._now)]
        return [*out, (Tag.MEMORY_STAT_RSS, rss_kib(d.current_memory_kib))]

    def set_memory_stats_period(self, dom: Domain, period: int, flags: int) -> None:
        """qemuDomainSetMemoryStatsPeriod: the live balloon's polling and/or the persistent <stats period>."""
        if period < 0:
            raise VirtError.bad_arg("period", "virDomainSetMemoryStatsPeriod", "nonnegative")
        check_flags("qemuDomainSetMemoryStatsPeriod", flags, AFFECT_LIVE | AFFECT_CONFIG)
        defs = self.driver.domains.defs_for(dom, flags)
        for d in defs:
            if d.memballoon is None or d.memballoon.model == "none":
                raise stats_errors.no_balloon_for_period()
        for d in defs:
            assert d.memballoon is not None
            d.memballoon.stats_period = period
            if d is dom.live:
                rs = run_of(dom)
                rs.period, rs.period_since = period, self._now

    # ---- virDomainStartDirtyRateCalc ---------------------------------------------------------------

    def start_dirty_rate_calc(self, dom: Domain, seconds: int, flags: int) -> None:
        """qemuDomainStartDirtyRateCalc: one measurement of ``seconds`` at a time; TCG has no dirty ring."""
        if flags & Dirty.DIRTYRATE_MODE_DIRTY_BITMAP and flags & Dirty.DIRTYRATE_MODE_DIRTY_RING:
            raise VirtError.exclusive_flags("VIR_DOMAIN_DIRTYRATE_MODE_DIRTY_BITMAP", "VIR_DOMAIN_DIRTYRATE_MODE_DIRTY_RING",
                                            "virDomainStartDirtyRateCalc", ErrorDomain.DOMAIN)
        check_flags("qemuDomainStartDirtyRateCalc", flags, Dirty.DIRTYRATE_MODE_DIRTY_BITMAP | Dirty.DIRTYRATE_MODE_DIRTY_RING)
        if not 1 <= seconds <= 60:
            raise stats_errors.dirty_rate_seconds(seconds)
        rs = self._run(dom)
        if flags & Dirty.DIRTYRATE_MODE_DIRTY_RING:
            raise stats_errors.dirty_ring_unsupported()
        job = self._dirty(dom, rs)
        if job.status == DomainDirtyRateStatus.DIRTYRATE_MEASURING:
            raise stats_errors.dirty_rate_busy()
        now = self._now
        job.status, job.period, job.mode = DomainDirtyRateStatus.DIRTYRATE_MEASURING, seconds, DIRTY_MODES[flags]
        job.started_at, job.start_time, job.mbps = now, int(now - self.driver.host.boot_time), 0

    def _dirty(self, dom: Domain, rs: RunStats) -> DirtyRate:
        job = rs.dirty
        if job.status == DomainDirtyRateStatus.DIRTYRATE_MEASURING and self._now >= job.started_at + job.period:
            job.status, job.mbps = DomainDirtyRateStatus.DIRTYRATE_MEASURED, rs.dirty_rate_mbps
        return job

    # ---- virConnectGetAllDomainStats ------------------------------------------------------------------

    def domain_stats(self, dom: Domain, groups_: int, flags: int = 0) -> list[Stat]:
        """The requested stat groups (0 = all) of one domain, field names as the QEMU driver uses."""
        groups_ = groups_ or SUPPORTED_GROUPS
        now = self._now
        rs = run_of(dom)
        cpu = self.cpu_times(dom) if dom.active else None
        out: list[Stat] = []
        if groups_ & T.STATS_STATE:
            out += groups.state_group(dom)
        if groups_ & T.STATS_CPU_TOTAL:
            out += groups.cpu_group(cpu)
        if groups_ & T.STATS_BALLOON:
            out += groups.balloon_group(dom, self.memory_stats(dom) if dom.active else None)
        if groups_ & T.STATS_VCPU:
            out += groups.vcpu_group(dom, cpu)
        if groups_ & T.STATS_INTERFACE:
            out += groups.interface_group(dom, rs, self.background, now)
        if groups_ & T.STATS_BLOCK:
            self.accrue(dom)
            out += block_stats(self.driver.hypervisor.images, dom, bool(flags & _F.GET_ALL_DOMAINS_STATS_BACKING))
        if groups_ & T.STATS_PERF:
            out += groups.perf_group(dom, cpu)
        if groups_ & T.STATS_IOTHREAD:
            out += groups.iothread_group(dom)
        if groups_ & T.STATS_DIRTYRATE and dom.active:
            self._dirty(dom, rs)
            out += groups.dirtyrate_group(dom, rs)
        return out
