"""The save and dump jobs: what QEMU's migration to a file reports, as events and as statistics.

A save or dump runs to completion inside one API call unless a test holds it (model/domain_jobs):
clients see the two migration iterations, JOB_COMPLETED and the completed statistics of
virDomainGetJobStats, and while a held job runs its running statistics.
"""

from __future__ import annotations

from enum import IntEnum, IntFlag

from ...errors import domain as errors
from ...errors import guest as gerr
from ..domain import Domain
from ..domaindef import DomainDef
from ..flags.node import TypedParamType as T

Param = tuple[str, int, object]  # field, virTypedParameterType, value

PAGE = 4096
FIRMWARE_BYTES = 4653056  # what QEMU migrates beside guest RAM for a small i440fx guest (ROMs, VGA)


class JobOperation(IntEnum):
    """virDomainJobOperation."""

    UNKNOWN = 0
    START = 1
    SAVE = 2
    RESTORE = 3
    MIGRATION_IN = 4
    MIGRATION_OUT = 5
    SNAPSHOT = 6
    SNAPSHOT_REVERT = 7
    DUMP = 8
    BACKUP = 9
    SNAPSHOT_DELETE = 10


class JobType(IntEnum):
    """virDomainJobType."""

    NONE = 0
    BOUNDED = 1
    UNBOUNDED = 2
    COMPLETED = 3
    FAILED = 4
    CANCELLED = 5


class JobStatsFlags(IntFlag):
    """virDomainGetJobStatsFlags."""

    COMPLETED = 1 << 0
    KEEP_COMPLETED = 1 << 1


def migration_stats(d: DomainDef, operation: JobOperation, live: bool = False, elapsed_ms: int = 40) -> list[Param]:
    """The completed statistics of a save or dump of ``d``'s RAM, in qemuDomainJobDataToParams order.

    A guest that has not touched its memory: a few normal pages, the rest zero pages. A live
    dump pauses only for its last pass, so it reports no bandwidth (libvirt 9.0 + QEMU 7.2).
    ``elapsed_ms``: 40 for a job that ran at once; a held one took as long as it was held.
    """
    total = d.memory_kib * 1024 + FIRMWARE_BYTES
    pages = total // PAGE
    normal = pages * 145 // 17520  # what an idle 64 MiB guest dirtied
    constant = pages - normal
    processed = normal * PAGE + constant * 9 + 1240
    out: list[Param] = [
        ("operation", T.INT, int(operation)), ("time_elapsed", T.ULLONG, elapsed_ms), ("downtime", T.ULLONG, 34),
        ("setup_time", T.ULLONG, 1),
        ("data_total", T.ULLONG, total), ("data_processed", T.ULLONG, processed), ("data_remaining", T.ULLONG, 0),
        ("memory_total", T.ULLONG, total), ("memory_processed", T.ULLONG, processed),
        ("memory_remaining", T.ULLONG, 0)]
    if not live:
        out.append(("memory_bps", T.ULLONG, processed * 1000 // 5))
    out += [("memory_constant", T.ULLONG, constant), ("memory_normal", T.ULLONG, normal),
            ("memory_normal_bytes", T.ULLONG, normal * PAGE), ("memory_dirty_rate", T.ULLONG, 0),
            ("memory_iteration", T.ULLONG, 2), ("memory_postcopy_requests", T.ULLONG, 0),
            ("memory_page_size", T.ULLONG, PAGE)]
    return out


def running_stats(d: DomainDef, operation: JobOperation, fraction: float, elapsed_ms: int) -> list[Param]:
    """The statistics of a save or dump still migrating ``d``'s RAM, ``fraction`` of the way: QEMU's
    first pass, its expected downtime, in qemuDomainJobDataToParams order (as libvirtd 9.0 shows
    a running save of an idle guest)."""
    done = {f: v for f, _, v in migration_stats(d, operation) if isinstance(v, int)}
    total = done["memory_total"]
    processed = int(done["memory_processed"] * fraction)
    normal, constant = int(done["memory_normal"] * fraction), int(done["memory_constant"] * fraction)
    remaining = total - min(total, normal * PAGE + constant * PAGE)
    out: list[Param] = [
        ("operation", T.INT, int(operation)), ("time_elapsed", T.ULLONG, elapsed_ms), ("downtime", T.ULLONG, 300),
        ("setup_time", T.ULLONG, 1),
        ("data_total", T.ULLONG, total), ("data_processed", T.ULLONG, processed),
        ("data_remaining", T.ULLONG, remaining), ("memory_total", T.ULLONG, total),
        ("memory_processed", T.ULLONG, processed), ("memory_remaining", T.ULLONG, remaining)]
    if processed:
        out.append(("memory_bps", T.ULLONG, processed * 1000 // max(elapsed_ms, 1)))
    out += [("memory_constant", T.ULLONG, constant), ("memory_normal", T.ULLONG, normal),
            ("memory_normal_bytes", T.ULLONG, normal * PAGE), ("memory_dirty_rate", T.ULLONG, 0),
            ("memory_iteration", T.ULLONG, 1), ("memory_postcopy_requests", T.ULLONG, 0),
            ("memory_page_size", T.ULLONG, PAGE)]
    return out


def job_stats(dom: Domain, flags: int) -> tuple[int, list[Param]]:
    """virDomainGetJobStats for a domain with no running job (saves and dumps finish in the call).

    COMPLETED returns the last finished job's statistics and forgets them unless KEEP_COMPLETED.
    """
    if flags & JobStatsFlags.COMPLETED:
        done = dom.completed_job
        if done is None:
            return JobType.NONE, []
        if not flags & JobStatsFlags.KEEP_COMPLETED:
            dom.completed_job = None
        return done[0], list(done[1])
    if not dom.active:
        raise errors.not_active()
    return JobType.NONE, []


def abort_job(dom: Domain) -> None:
    """virDomainAbortJob with no job running."""
    if not dom.active:
        raise errors.not_active()
    raise gerr.no_job_active()
