"""libvirt's enums of the domain statistics APIs (include/libvirt/libvirt-domain.h), ``VIR_DOMAIN_`` dropped."""

from __future__ import annotations

from enum import IntEnum, IntFlag

__all__ = ["DomainDirtyRateCalcFlags", "DomainDirtyRateStatus", "DomainMemoryStatTags"]


class DomainMemoryStatTags(IntEnum):
    """virDomainMemoryStatTags."""

    MEMORY_STAT_SWAP_IN = 0
    MEMORY_STAT_SWAP_OUT = 1
    MEMORY_STAT_MAJOR_FAULT = 2
    MEMORY_STAT_MINOR_FAULT = 3
    MEMORY_STAT_UNUSED = 4
    MEMORY_STAT_AVAILABLE = 5
    MEMORY_STAT_ACTUAL_BALLOON = 6
    MEMORY_STAT_RSS = 7
    MEMORY_STAT_USABLE = 8
    MEMORY_STAT_LAST_UPDATE = 9
    MEMORY_STAT_DISK_CACHES = 10
    MEMORY_STAT_HUGETLB_PGALLOC = 11
    MEMORY_STAT_HUGETLB_PGFAIL = 12
    MEMORY_STAT_NR = 13


class DomainDirtyRateCalcFlags(IntFlag):
    """virDomainDirtyRateCalcFlags."""

    DIRTYRATE_MODE_PAGE_SAMPLING = 0
    DIRTYRATE_MODE_DIRTY_BITMAP = 1 << 0
    DIRTYRATE_MODE_DIRTY_RING = 1 << 1


class DomainDirtyRateStatus(IntEnum):
    """virDomainDirtyRateStatus."""

    DIRTYRATE_UNSTARTED = 0
    DIRTYRATE_MEASURING = 1
    DIRTYRATE_MEASURED = 2
