"""Names, event details and flag checks shared by the snapshot operations."""

from __future__ import annotations

from enum import IntFlag

from ...errors import VirtError
from ...errors.snapshot import QEMU
from ..domain import State
from ..events import DefinedDetail, ResumedDetail, StartedDetail, StoppedDetail, SuspendedDetail
from ..flags.blockjob import BlockJobStatus, BlockJobType
from ..flags.snapshot import libvirt_name

STATE_NAMES = {State.NOSTATE: "nostate", State.RUNNING: "running", State.BLOCKED: "blocked",
               State.PAUSED: "paused", State.SHUTDOWN: "shutdown", State.SHUTOFF: "shutoff",
               State.CRASHED: "crashed", State.PMSUSPENDED: "pmsuspended"}
ACTIVE_STATES = ("running", "paused")  # snapshot states that carry memory and boot the domain
# lifecycle event details (libvirt-domain.h)
DEFINED_FROM_SNAPSHOT, STARTED_FROM_SNAPSHOT = DefinedDetail.FROM_SNAPSHOT, StartedDetail.FROM_SNAPSHOT
SUSPENDED_FROM_SNAPSHOT, STOPPED_FROM_SNAPSHOT = SuspendedDetail.FROM_SNAPSHOT, StoppedDetail.FROM_SNAPSHOT
RESUMED_UNPAUSED, RESUMED_FROM_SNAPSHOT = ResumedDetail.UNPAUSED, ResumedDetail.FROM_SNAPSHOT
JOB_COMMIT, JOB_ACTIVE_COMMIT = BlockJobType.COMMIT, BlockJobType.ACTIVE_COMMIT
JOB_COMPLETED, JOB_READY = BlockJobStatus.COMPLETED, BlockJobStatus.READY
VM_STATE_FRACTION = 16  # an idle guest's saved RAM is about 1/16 of its size


def exclusive(flags: int, a: IntFlag, b: IntFlag, function: str, domain: int = QEMU) -> None:
    """VIR_EXCLUSIVE_FLAGS_RET: ``a`` and ``b`` cannot be combined."""
    if flags & a and flags & b:
        raise VirtError.exclusive_flags(libvirt_name(a), libvirt_name(b), function, domain)


def required(flags: int, needed: IntFlag, by: IntFlag, function: str, domain: int = QEMU) -> None:
    """VIR_REQUIRE_FLAG_RET: ``by`` needs ``needed``."""
    if flags & by and not flags & needed:
        raise VirtError.required_flag(libvirt_name(needed), libvirt_name(by), function, domain)
