"""Names, event details and error constructors shared by the snapshot operations."""

from __future__ import annotations

from ...errors import ErrorCode, ErrorDomain, VirtError
from ..domain import State
from ..events import DefinedDetail, ResumedDetail, StartedDetail, StoppedDetail, SuspendedDetail

QEMU = ErrorDomain.QEMU
STATE_NAMES = {State.NOSTATE: "nostate", State.RUNNING: "running", State.BLOCKED: "blocked",
               State.PAUSED: "paused", State.SHUTDOWN: "shutdown", State.SHUTOFF: "shutoff",
               State.CRASHED: "crashed", State.PMSUSPENDED: "pmsuspended"}
ACTIVE_STATES = ("running", "paused")  # snapshot states that carry memory and boot the domain
# lifecycle event details (libvirt-domain.h)
DEFINED_FROM_SNAPSHOT, STARTED_FROM_SNAPSHOT = DefinedDetail.FROM_SNAPSHOT, StartedDetail.FROM_SNAPSHOT
SUSPENDED_FROM_SNAPSHOT, STOPPED_FROM_SNAPSHOT = SuspendedDetail.FROM_SNAPSHOT, StoppedDetail.FROM_SNAPSHOT
RESUMED_UNPAUSED, RESUMED_FROM_SNAPSHOT = ResumedDetail.UNPAUSED, ResumedDetail.FROM_SNAPSHOT
# virDomainBlockJobType and the event statuses
JOB_COMMIT, JOB_ACTIVE_COMMIT = 3, 4
JOB_COMPLETED, JOB_READY = 0, 3
VM_STATE_FRACTION = 16  # an idle guest's saved RAM is about 1/16 of its size


def config_unsupported(message: str) -> VirtError:
    return VirtError.report(ErrorCode.CONFIG_UNSUPPORTED, QEMU, message)


def operation_unsupported(message: str) -> VirtError:
    return VirtError.report(ErrorCode.OPERATION_UNSUPPORTED, QEMU, message)


def exclusive(flags: int, a: int, b: int, names: dict[int, str], function: str, domain: int = QEMU) -> None:
    if flags & a and flags & b:
        raise VirtError.exclusive_flags(names[a], names[b], function, domain)
