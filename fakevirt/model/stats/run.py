"""What one run of a domain's QEMU process counts: its boot time, guest traffic, balloon polling, dirty-rate job.

A ``RunStats`` is made when the domain boots (``StatsResource.acquire``) and lives until the next
boot: counters restart with every run, as a new QEMU process and new tap devices do.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from ..flags.stats import DomainDirtyRateStatus

if TYPE_CHECKING:
    from ..domain import Domain
    from ..domaindef import DomainDef


@dataclass
class NetCounters:
    """One NIC's counters as the guest sees them (the tap's are swapped: its tx is the guest's rx)."""

    rx_bytes: int = 0
    rx_pkts: int = 0
    rx_errs: int = 0
    rx_drop: int = 0
    tx_bytes: int = 0
    tx_pkts: int = 0
    tx_errs: int = 0
    tx_drop: int = 0


@dataclass
class Background:
    """Traffic every running guest makes without being asked, in bytes per second of the run.

    Counted in whole packets and requests so that all APIs agree at every instant.
    """

    net_rx: float = 0.0
    net_tx: float = 0.0
    disk_read: float = 0.0
    disk_write: float = 0.0
    packet_bytes: int = 1500
    request_bytes: int = 65536


@dataclass
class DirtyRate:
    """The last calc-dirty-rate job of this run."""

    status: DomainDirtyRateStatus = DomainDirtyRateStatus.DIRTYRATE_UNSTARTED
    start_time: int = 0  # QEMU's monotonic seconds
    period: int = 0
    mode: str = "page-sampling"
    started_at: float = 0.0  # clock time the job began
    mbps: int = 0


@dataclass
class RunStats:
    booted: float
    net: dict[str, NetCounters] = field(default_factory=dict)  # by host device name
    disk_accrued: dict[str, tuple[int, int]] = field(default_factory=dict)  # background (reads, writes) counted, by target
    period: int = 0  # the balloon's stats-polling-interval (seconds)
    period_since: float = 0.0  # when polling began with that period
    dirty: DirtyRate = field(default_factory=DirtyRate)
    dirty_rate_mbps: int = 0  # what the guest dirties now, for the next measurement

    def nic(self, dev: str) -> NetCounters:
        return self.net.setdefault(dev, NetCounters())


def run_of(dom: Domain) -> RunStats:
    """The stats of the domain's current (or last) run."""
    if dom.run_stats is None:
        dom.run_stats = RunStats(booted=0.0)
    return dom.run_stats


class StatsResource:
    """A ``HostResource``: every boot starts a fresh run of counters at the clock's time."""

    def __init__(self, now: Callable[[], float]) -> None:
        self.now = now

    def acquire(self, dom: Domain, live: DomainDef) -> None:
        now = self.now()
        balloon = live.memballoon
        period = balloon.stats_period if balloon is not None and balloon.model != "none" else 0
        dom.run_stats = RunStats(booted=now, period=period, period_since=now)

    def release(self, dom: Domain) -> None:
        """The counters stay readable until the next boot; nothing is held on the host."""
