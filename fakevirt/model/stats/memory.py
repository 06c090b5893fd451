"""A running guest's memory as its balloon driver reports it (virtio-balloon guest stats).

The guest's driver answers QEMU's polling only once a period is set (``<stats period>`` or
virDomainSetMemoryStatsPeriod): first one period after that, then every period. Until then QEMU
has nothing but the balloon size, and ``last-update`` is 0, as with the reference's OS-less guests.
"""

from __future__ import annotations

from ..flags.stats import DomainMemoryStatTags as Tag
from .run import RunStats

T = Tag
# qemuMonitorJSONGetMemoryStats' order after "actual"; the domstats balloon group's field names
GUEST_ORDER = (T.MEMORY_STAT_SWAP_IN, T.MEMORY_STAT_SWAP_OUT, T.MEMORY_STAT_MAJOR_FAULT, T.MEMORY_STAT_MINOR_FAULT,
               T.MEMORY_STAT_UNUSED, T.MEMORY_STAT_AVAILABLE, T.MEMORY_STAT_USABLE, T.MEMORY_STAT_LAST_UPDATE,
               T.MEMORY_STAT_DISK_CACHES, T.MEMORY_STAT_HUGETLB_PGALLOC, T.MEMORY_STAT_HUGETLB_PGFAIL)
FIELD_NAMES = {T.MEMORY_STAT_SWAP_IN: "swap_in", T.MEMORY_STAT_SWAP_OUT: "swap_out",
               T.MEMORY_STAT_MAJOR_FAULT: "major_fault", T.MEMORY_STAT_MINOR_FAULT: "minor_fault",
               T.MEMORY_STAT_UNUSED: "unused", T.MEMORY_STAT_AVAILABLE: "available", T.MEMORY_STAT_RSS: "rss",
               T.MEMORY_STAT_USABLE: "usable", T.MEMORY_STAT_LAST_UPDATE: "last-update",
               T.MEMORY_STAT_DISK_CACHES: "disk_caches", T.MEMORY_STAT_HUGETLB_PGALLOC: "hugetlb_pgalloc",
               T.MEMORY_STAT_HUGETLB_PGFAIL: "hugetlb_pgfail"}
QEMU_OVERHEAD_KIB = 30 * 1024  # what the emulator itself keeps resident beside the guest's touched memory


def last_update(rs: RunStats, now: float) -> int:
    """Epoch seconds of the guest's last report: period_since + k * period, k >= 1; 0 before the first."""
    if rs.period <= 0:
        return 0
    k = int((now - rs.period_since) // rs.period)
    return int(rs.period_since + k * rs.period) if k >= 1 else 0


def rss_kib(current_kib: int) -> int:
    return QEMU_OVERHEAD_KIB + current_kib // 4


def guest_stats(rs: RunStats, current_kib: int, now: float) -> list[tuple[Tag, int]]:
    """The balloon driver's numbers at its last report (KiB, faults as counts), in QEMU's order.

    Without a report only ``last_update`` 0 is there. The guest is an idle Linux: a quarter of its
    memory in use, an eighth as page cache, faults growing with its uptime.
    """
    stamp = last_update(rs, now)
    if not stamp:
        return [(T.MEMORY_STAT_LAST_UPDATE, 0)]
    uptime = max(0, int(stamp - rs.booted))
    total = current_kib - min(current_kib // 16, 65536)  # the kernel's own reservation is not MemTotal
    caches = total // 8
    unused = total - total // 4 - caches
    values = {T.MEMORY_STAT_SWAP_IN: 0, T.MEMORY_STAT_SWAP_OUT: 0, T.MEMORY_STAT_MAJOR_FAULT: 300 + uptime // 10,
              T.MEMORY_STAT_MINOR_FAULT: 40000 + 150 * uptime, T.MEMORY_STAT_UNUSED: unused,
              T.MEMORY_STAT_AVAILABLE: total, T.MEMORY_STAT_USABLE: unused + caches, T.MEMORY_STAT_LAST_UPDATE: stamp,
              T.MEMORY_STAT_DISK_CACHES: caches, T.MEMORY_STAT_HUGETLB_PGALLOC: 0, T.MEMORY_STAT_HUGETLB_PGFAIL: 0}
    return [(tag, values[tag]) for tag in GUEST_ORDER]
