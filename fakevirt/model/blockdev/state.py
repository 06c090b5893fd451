"""What QEMU keeps per disk of a running domain: I/O counters, write thresholds, I/O error status.

A domain's ``BlockState`` belongs to one run of its QEMU process: a domain that starts again
(a new domain ID) starts from fresh counters, no threshold and no error.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from ..flags.blockdev import DomainDiskErrorCode

if TYPE_CHECKING:
    from ..domain import Domain

# The emulator's guest I/O takes no clock time; the time counters grow as a disk with this service
# time would make them: a fixed cost per request plus one nanosecond per byte (about 1 GB/s).
REQUEST_NS = 50_000
NS_PER_BYTE = 1


def service_ns(length: int) -> int:
    return REQUEST_NS + NS_PER_BYTE * length


@dataclass
class DiskCounters:
    """blockstats of one disk (qemu's query-blockstats)."""

    rd_req: int = 0
    rd_bytes: int = 0
    rd_ns: int = 0
    wr_req: int = 0
    wr_bytes: int = 0
    wr_ns: int = 0
    fl_req: int = 0
    fl_ns: int = 0

    def add(self, other: DiskCounters) -> None:
        for name in self.__dataclass_fields__:
            setattr(self, name, getattr(self, name) + getattr(other, name))


@dataclass
class Threshold:
    """A write threshold on a disk's top image; ``with_index``: it was set as 'vda[N]'."""

    value: int
    with_index: bool


@dataclass
class BlockState:
    run_id: int = -1  # the domain ID of the run this state belongs to
    counters: dict[str, DiskCounters] = field(default_factory=dict)
    thresholds: dict[str, Threshold] = field(default_factory=dict)
    errors: dict[str, DomainDiskErrorCode] = field(default_factory=dict)

    def disk(self, target: str) -> DiskCounters:
        return self.counters.setdefault(target, DiskCounters())


def state_of(dom: Domain) -> BlockState:
    """The block state of the domain's current run (a fresh one after a restart)."""
    if dom.block_state.run_id != dom.id:
        dom.block_state = BlockState(run_id=dom.id)
    return dom.block_state


def record_disk_error(dom: Domain, target: str, code: DomainDiskErrorCode = DomainDiskErrorCode.DISK_ERROR_UNSPEC) -> None:
    """The disk ``target`` of the running ``dom`` met an I/O error (qemu's io-status); a block job's failure sets it.

    DISK_ERROR_NONE clears it again.
    """
    errors = state_of(dom).errors
    if code == DomainDiskErrorCode.DISK_ERROR_NONE:
        errors.pop(target, None)
    else:
        errors[target] = DomainDiskErrorCode(code)
