"""Statistics of a domain as virConnectGetAllDomainStats and friends report them."""

from __future__ import annotations

from typing import TYPE_CHECKING

from ..errors import check_flags
from ..errors import domain as errors
from .blockdev.records import block_stats
from .domain import Domain, State
from .flags.domain import ConnectGetAllDomainStatsFlags, DomainStatsTypes

if TYPE_CHECKING:
    from .domain_driver import Domains

T = DomainStatsTypes
SUPPORTED_GROUPS = sum(DomainStatsTypes)
_F = ConnectGetAllDomainStatsFlags
FILTERS = (_F.GET_ALL_DOMAINS_STATS_ACTIVE | _F.GET_ALL_DOMAINS_STATS_INACTIVE | _F.GET_ALL_DOMAINS_STATS_PERSISTENT
           | _F.GET_ALL_DOMAINS_STATS_TRANSIENT | _F.GET_ALL_DOMAINS_STATS_RUNNING | _F.GET_ALL_DOMAINS_STATS_PAUSED
           | _F.GET_ALL_DOMAINS_STATS_SHUTOFF | _F.GET_ALL_DOMAINS_STATS_OTHER)  # the list filters' bits
_ALLOWED = (FILTERS | _F.GET_ALL_DOMAINS_STATS_NOWAIT | _F.GET_ALL_DOMAINS_STATS_BACKING
            | _F.GET_ALL_DOMAINS_STATS_ENFORCE_STATS)

MEMSTAT_ACTUAL_BALLOON, MEMSTAT_RSS = 6, 7  # virDomainMemoryStatTags

# typed-parameter value kinds (virTypedParameterType)
INT, UINT, LLONG, ULLONG = 1, 2, 3, 4

Stat = tuple[str, int, int | str]  # field, typed-param type, value


def check_request(groups: int, flags: int) -> None:
    """qemuConnectGetAllDomainStats: known flags; unknown groups refused only with ENFORCE_STATS."""
    check_flags("qemuConnectGetAllDomainStats", flags, _ALLOWED)
    if flags & _F.GET_ALL_DOMAINS_STATS_ENFORCE_STATS and groups & ~SUPPORTED_GROUPS:
        raise errors.stats_unsupported(groups & ~SUPPORTED_GROUPS)


def domain_stats(domains: Domains, dom: Domain, groups: int, flags: int = 0) -> list[Stat]:
    """The requested stat groups (0 = all) of one domain, field names as the QEMU driver uses."""
    groups = groups or SUPPORTED_GROUPS
    d = dom.definition
    out: list[Stat] = []
    if groups & T.STATS_STATE:
        out += [("state.state", INT, int(dom.state)), ("state.reason", INT, dom.reason)]
    if groups & T.STATS_CPU_TOTAL and dom.active:
        total = domains.cpu_time(dom)
        out += [("cpu.time", ULLONG, total), ("cpu.user", ULLONG, total * 7 // 10),
                ("cpu.system", ULLONG, total * 3 // 10)]
    if groups & T.STATS_BALLOON:
        current = d.current_memory_kib if dom.active else d.memory_kib
        out += [("balloon.current", ULLONG, current), ("balloon.maximum", ULLONG, d.memory_kib)]
    if groups & T.STATS_VCPU:
        out += [("vcpu.current", UINT, d.current_vcpus), ("vcpu.maximum", UINT, d.vcpus)]
        if dom.active:
            per_vcpu = domains.cpu_time(dom) // max(1, d.current_vcpus)
            for n in range(d.current_vcpus):
                running = dom.state == State.RUNNING
                out += [(f"vcpu.{n}.state", INT, 1 if running else 0), (f"vcpu.{n}.time", ULLONG, per_vcpu),
                        (f"vcpu.{n}.wait", ULLONG, 0), (f"vcpu.{n}.delay", ULLONG, 0)]
    if groups & T.STATS_BLOCK:
        out += block_stats(domains.driver.hypervisor.images, dom, bool(flags & _F.GET_ALL_DOMAINS_STATS_BACKING))
    return out


def memory_stats(domains: Domains, dom: Domain) -> list[tuple[int, int]]:
    """virDomainMemoryStats: (tag, value in KiB) of a running guest with a balloon."""
    d = dom.definition
    return [(MEMSTAT_ACTUAL_BALLOON, d.current_memory_kib), (MEMSTAT_RSS, d.current_memory_kib // 4)]
