"""The test driver's made-up figures: what testDomain* in test_driver.c answer instead of asking a
guest, cgroups or QEMU (recorded on libvirtd 9.0's test driver).

Fixed values: the scheduler ("fair", weight 50), block sizes, CPU statistics, two file systems on the
first disk.  Clock-driven values: block, interface and vCPU counters grow with the host's time as
libvirt derives them from gettimeofday.  Per domain: the guest clock virDomainSetTime sets (it also
drives virDomainGetControlInfo's made-up monitor states) and which file systems are frozen.
"""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from ...errors import ErrorDomain, VirtError, check_flags
from ...errors import domain as domain_errors
from ...errors import testdriver as err
from ..agent.api import GuestAgents, Interfaces
from ..blockdev.api import BlockDevices
from ..domain import Domain, State
from ..domain_stats import DomainStats
from ..flags.agent import DomainTimeFlags
from ..flags.domain import DomainModificationImpact
from ..flags.domain import DomainStatsTypes as StatsGroup
from ..flags.network import DomainInterfaceAddressesSource as Source
from ..flags.network import IPAddrType
from ..flags.node import TypedParameterFlags, TypedParamType
from ..flags.stats import DomainMemoryStatTags as Tag
from ..snapshots.align import disk_by_name
from ..stats.groups import ULLONG, Stat, state_group
from ..stats.traffic import find_nic
from ..typedparams import Param, validate
from .iothreads import PollSetting, TestIOThreads

if TYPE_CHECKING:
    from .driver import TestDriver

TEST = ErrorDomain.TEST
GUEST_EPOCH = 627319920  # testDomainObjPrivateAlloc: the guest clock until SetTime (1989-11-17 15:32 UTC)
MOUNTPOINTS = ("/", "/boot")
BLOCK_SIZES = (1099506450432, 1 << 40, 1 << 40)  # testDomainGetBlockInfo: capacity, allocation, physical
SCHED_WEIGHT = 50
CPU_TOTAL = (("cpu_time", 48772617035), ("user_time", 5540000000), ("system_time", 6460000000))
CPU_PER_CPU = ((24386308517, 23151740627), (24386308518, 23151740628))  # (cpu_time, vcpu_time) of CPU 0, 1
_U, _S = TypedParamType.UINT, TypedParamType.STRING
AFFECT = DomainModificationImpact.AFFECT_LIVE | DomainModificationImpact.AFFECT_CONFIG
STRING_OKAY = TypedParameterFlags.STRING_OKAY
BLKIO_FIELDS = ("device_weight", "device_read_iops_sec", "device_write_iops_sec", "device_read_bytes_sec",
                "device_write_bytes_sec")


@dataclass
class GuestClock:
    """testDomainObjPrivate: the guest time SetTime stored, the frozen file systems and the IOThreads'
    polling settings."""

    seconds: int = GUEST_EPOCH
    nseconds: int = 0
    frozen: dict[str, bool] = field(default_factory=lambda: dict.fromkeys(MOUNTPOINTS, False))
    iothreads: list[PollSetting] = field(default_factory=list)


def _microseconds(driver: TestDriver) -> int:
    return int(driver.hypervisor.clock.now() * 1_000_000)


def _require_active(dom: Domain) -> None:
    if not dom.active:
        raise domain_errors.not_active()


class TestGuests(GuestAgents):
    """Time, file systems and hostname of a test domain: fixed answers, no agent."""

    driver: TestDriver

    def clock_of(self, dom: Domain) -> GuestClock:
        return self.driver.guest_clocks.setdefault(str(dom.uuid), GuestClock())

    def get_time(self, dom: Domain, flags: int) -> tuple[int, int]:
        check_flags("testDomainGetTime", flags, 0, TEST)
        if dom.state != State.RUNNING:
            raise err.operation_invalid("domain is not running")
        c = self.clock_of(dom)
        return c.seconds, c.nseconds

    def set_time(self, dom: Domain, seconds: int, nseconds: int, flags: int) -> None:
        check_flags("testDomainSetTime", flags, DomainTimeFlags.TIME_SYNC, TEST)
        _require_active(dom)
        c = self.clock_of(dom)
        c.seconds, c.nseconds = seconds, nseconds

    def fs_info(self, dom: Domain, flags: int) -> list[tuple[str, str, str, list[str]]]:
        """testDomainGetFSInfo: '/' and '/boot' on partitions 1 and 2 of the first disk."""
        check_flags("testDomainGetFSInfo", flags, 0, TEST)
        _require_active(dom)
        disk = next((k for k in dom.definition.disks if k.device == "disk"), None)
        if disk is None:
            return []
        dev = disk.target_dev
        return [(mp, f"{dev}{n}", "ext4", [dev]) for n, mp in enumerate(MOUNTPOINTS, 1)]

    def _mountpoints(self, dom: Domain, fn: str, mountpoints: list[str], flags: int) -> list[str]:
        check_flags(fn, flags, 0, TEST)
        _require_active(dom)
        for mp in mountpoints:
            if mp not in MOUNTPOINTS:
                raise err.operation_invalid(f"mount point not found: {mp}")
        return list(dict.fromkeys(mountpoints)) or list(MOUNTPOINTS)

    def fs_freeze(self, dom: Domain, mountpoints: list[str], flags: int) -> int:
        """testDomainFSFreeze: how many of the named (or all) file systems it froze now."""
        frozen = self.clock_of(dom).frozen
        chosen = [mp for mp in self._mountpoints(dom, "testDomainFSFreeze", mountpoints, flags) if not frozen[mp]]
        for mp in chosen:
            frozen[mp] = True
        return len(chosen)

    def fs_thaw(self, dom: Domain, mountpoints: list[str], flags: int) -> int:
        frozen = self.clock_of(dom).frozen
        chosen = [mp for mp in self._mountpoints(dom, "testDomainFSThaw", mountpoints, flags) if frozen[mp]]
        for mp in chosen:
            frozen[mp] = False
        return len(chosen)

    def fs_trim(self, dom: Domain, mountpoint: str | None, minimum: int, flags: int) -> None:
        self._mountpoints(dom, "testDomainFSTrim", [mountpoint] if mountpoint else [], flags)


    def interface_addresses(self, dom: Domain, source: int, flags: int) -> Interfaces:
        """testDomainInterfaceAddresses: whatever the source, one made-up address per NIC.

        A NIC on a network takes the network's first DHCP range start (or its address) plus
        20 * (domain id - 1) + its index + 1; any other NIC 192.168.0.<index + 1>/24.
        """
        check_flags("testDomainInterfaceAddresses", flags, 0, TEST)
        if source not in tuple(Source):
            raise domain_errors.unknown_address_source(source, TEST)
        _require_active(dom)
        assert dom.live is not None
        found: Interfaces = []
        for i, nic in enumerate(dom.live.interfaces):
            if nic.type == "network":
                kind, addr, prefix = self._network_address(nic.source or "", 20 * (dom.id - 1) + i + 1)
            else:
                kind, addr, prefix = int(IPAddrType.IPV4), f"192.168.0.{i + 1}", 24
            found.append((nic.target_dev or "", nic.mac, [(kind, addr, prefix)]))
        return found

    def _network_address(self, name: str, offset: int) -> tuple[int, str, int]:
        net = self.driver.hypervisor.networks.networks.get(name)
        if net is None:
            raise err.no_network_name(name)
        ips = net.current.ips
        if not ips:  # libvirtd 9.0's test driver dereferences the missing address and crashes
            raise err.network_without_address(name)
        ip = ips[0]
        start = ipaddress.ip_address(ip.ranges[0].start if ip.ranges else ip.address)
        if start.version == 6:  # only the last byte moves, wrapping within it
            packed = bytearray(start.packed)
            packed[15] = (packed[15] + offset) & 0xFF
            return int(IPAddrType.IPV6), str(ipaddress.IPv6Address(bytes(packed))), ip.effective_prefix()
        return int(IPAddrType.IPV4), str(ipaddress.IPv4Address((int(start) + offset) & 0xFFFFFFFF)), \
            ip.effective_prefix()


class TestBlockDevices(BlockDevices):
    driver: TestDriver

    def info(self, dom: Domain, path: str, flags: int) -> tuple[int, int, int]:
        """testDomainGetBlockInfo: 1 TiB for any disk, running or not."""
        check_flags("testDomainGetBlockInfo", flags, 0, TEST)
        if disk_by_name(dom.definition, path) is None:
            raise err.invalid_arg(f"invalid path {path} not assigned to domain")
        return BLOCK_SIZES

    def stats(self, dom: Domain, path: str) -> tuple[int, int, int, int, int]:
        """testDomainBlockStats: counters made from the time of day."""
        if not path:
            raise err.unsupported("summary statistics are not supported yet")
        _require_active(dom)
        if disk_by_name(dom.definition, path) is None:
            raise err.invalid_arg(f"invalid path: {path}")
        base = _microseconds(self.driver)
        return base // 10, base // 20, base // 30, base // 40, base // 2_000_000

    def disk_errors(self, dom: Domain, maxerrors: int, flags: int) -> tuple[list[tuple[str, int]], int]:
        """testDomainGetDiskErrors: every disk reports an error, UNSPEC and NO_SPACE in turn."""
        check_flags("testDomainGetDiskErrors", flags, 0, TEST)
        _require_active(dom)
        disks = dom.definition.disks
        if maxerrors == 0:
            return [], len(disks)
        found = [(k.target_dev, i % 2 + 1) for i, k in enumerate(disks[:maxerrors])]
        return found, len(found)


class TestTuning(TestIOThreads):
    """The test driver's scheduler ("fair", one weight it never changes) and blkio tunables."""

    driver: TestDriver

    def scheduler_type(self, dom: Domain) -> tuple[str, int]:
        return "fair", 1

    def get_scheduler(self, dom: Domain, nparams: int, flags: int) -> list[Param]:
        check_flags("testDomainGetSchedulerParametersFlags", flags, 0, TEST)
        out: list[Param] = [("weight", _U, SCHED_WEIGHT)]
        return out[:max(nparams, 0)]

    def set_scheduler(self, dom: Domain, params: list[Param], flags: int) -> None:
        check_flags("testDomainSetSchedulerParametersFlags", flags, 0, TEST)
        validate(params, {"weight": _U})

    def get_blkio(self, dom: Domain, nparams: int, flags: int) -> tuple[list[Param], int]:
        """testDomainGetBlkioParameters: the definition's weight; no per-device values."""
        check_flags("testDomainGetBlkioParameters", flags, AFFECT | STRING_OKAY, TEST)
        if nparams == 0:
            return [], 1 + len(BLKIO_FIELDS)
        d = self.driver.domains.config_or_live(dom, flags & AFFECT)
        out: list[Param] = [("weight", _U, d.tuning.blkiotune.weight), *((n, _S, "") for n in BLKIO_FIELDS)]
        return out[:nparams], min(nparams, len(out))

    def set_blkio(self, dom: Domain, params: list[Param], flags: int) -> None:
        check_flags("testDomainSetBlkioParameters", flags, AFFECT, TEST)
        validate(params, {"weight": _U, **dict.fromkeys(BLKIO_FIELDS, _S)})
        for d in self.driver.domains.defs_for(dom, flags):
            for name, _kind, value in params:
                if name == "weight":
                    d.tuning.blkiotune.weight = int(value)  # type: ignore[call-overload]


class TestDomainStats(DomainStats):
    """Statistics of test domains: made up from the time of day and the definition."""

    driver: TestDriver

    SUPPORTED_GROUPS = StatsGroup.STATS_STATE | StatsGroup.STATS_IOTHREAD

    def unsupported_groups(self, bits: int) -> VirtError:
        return err.stats_unsupported(bits)

    def domain_stats(self, dom: Domain, groups_: int, flags: int = 0) -> list[Stat]:
        """testConnectGetAllDomainStats: the state group and the IOThreads' polling settings."""
        wanted = groups_ or self.SUPPORTED_GROUPS
        found = state_group(dom) if wanted & StatsGroup.STATS_STATE else []
        if wanted & StatsGroup.STATS_IOTHREAD:
            found += self.driver.tuning.iothread_group(dom)
        return found

    def interface_stats(self, dom: Domain, device: str) -> tuple[int, ...]:
        """testDomainInterfaceStats: rx bytes/packets/errs/drop, tx bytes/packets/errs/drop."""
        _require_active(dom)
        find_nic(dom.definition, device)
        us = _microseconds(self.driver)
        sec = us // 1_000_000
        return us // 10, us // 100, sec, sec // 2, us // 20, us // 110, sec // 3, sec // 4

    def vcpu_info(self, dom: Domain, maxinfo: int) -> list[tuple[int, int]]:
        """testDomainGetVcpus: the time of day as CPU time, the last CPU of the affinity as the CPU."""
        if not dom.active:
            raise err.operation_invalid("cannot list vcpus for an inactive domain")
        d = dom.definition
        count = min(maxinfo, d.current_vcpus)
        cpu_time = _microseconds(self.driver) // 10
        last_host_cpu = self.driver.node.info.cpus - 1  # unpinned: every CPU of the node
        pins = self.driver.tuning.vcpu_pin_info(dom, count, 0)
        return [(cpu_time, max(cpus, default=0) if v in d.tuning.cputune.vcpupin or "cpuset" in d.vcpu_attrs
                 else last_host_cpu) for v, cpus in enumerate(pins)]

    def cpu_stats(self, dom: Domain, nparams: int, start_cpu: int, ncpus: int, flags: int) -> tuple[list[Stat], int]:
        """testDomainGetCPUStats: fixed figures for the total and for two CPUs."""
        check_flags("testDomainGetCPUStats", flags, STRING_OKAY, TEST)
        _require_active(dom)
        if start_cpu == -1:
            found: list[Stat] = [(name, ULLONG, v) for name, v in CPU_TOTAL]
            found = found[:nparams]
            return found, len(found) if nparams else len(CPU_TOTAL)
        if nparams == 0:
            return [], len(CPU_PER_CPU) if ncpus == 0 else 2
        out: list[Stat] = []
        for cpu_time, vcpu_time in CPU_PER_CPU[start_cpu:start_cpu + ncpus]:
            pair: list[Stat] = [("cpu_time", ULLONG, cpu_time), ("vcpu_time", ULLONG, vcpu_time)]
            out += pair[:nparams]
        return out, min(nparams, 2)

    def memory_stats(self, dom: Domain) -> list[tuple[Tag, int]]:
        return memory_stats(dom)


def memory_stats(dom: Domain) -> list[tuple[Tag, int]]:
    """testDomainMemoryStats: figures made from the balloon's size (none without a balloon)."""
    _require_active(dom)
    d = dom.definition
    if d.memballoon is None or d.memballoon.model == "none":
        return []
    cur = d.current_memory_kib
    return [(Tag.MEMORY_STAT_ACTUAL_BALLOON, cur), (Tag.MEMORY_STAT_SWAP_IN, 0), (Tag.MEMORY_STAT_SWAP_OUT, 0),
            (Tag.MEMORY_STAT_MAJOR_FAULT, 0), (Tag.MEMORY_STAT_MINOR_FAULT, 0), (Tag.MEMORY_STAT_UNUSED, cur // 2),
            (Tag.MEMORY_STAT_AVAILABLE, cur), (Tag.MEMORY_STAT_USABLE, cur // 2),
            (Tag.MEMORY_STAT_LAST_UPDATE, GUEST_EPOCH), (Tag.MEMORY_STAT_DISK_CACHES, cur // 8),
            (Tag.MEMORY_STAT_HUGETLB_PGALLOC, 0), (Tag.MEMORY_STAT_HUGETLB_PGFAIL, 0),
            (Tag.MEMORY_STAT_RSS, cur // 2)]


def control_state(clock: GuestClock) -> tuple[int, int, int]:
    """testDomainGetControlInfo: JOB, OCCUPIED or ERROR (reason cycling) by the guest clock's seconds."""
    s = clock.seconds
    if 0 < s < 10000:
        return 1, 0, s
    if 10000 <= s < 30000:
        return 2, 0, s - 10000
    if 30000 <= s < 60000:
        return 3, s % 4, s - 30000
    return 0, 0, 0
