"""virDomainBackupBegin's flags and the job enums of virDomainGetJobStats/virDomainAbortJobFlags."""

from __future__ import annotations

from enum import IntEnum, IntFlag


class DomainBackupBeginFlags(IntFlag):
    REUSE_EXTERNAL = 1 << 0


class DomainGetJobStatsFlags(IntFlag):
    COMPLETED = 1 << 0
    KEEP_COMPLETED = 1 << 1


class DomainAbortJobFlags(IntFlag):
    POSTCOPY = 1 << 0


class DomainJobType(IntEnum):
    NONE = 0
    BOUNDED = 1
    UNBOUNDED = 2
    COMPLETED = 3
    FAILED = 4
    CANCELLED = 5


class DomainJobOperation(IntEnum):
    BACKUP = 9


class BlockJobType(IntEnum):
    BACKUP = 5


class BlockJobStatus(IntEnum):
    COMPLETED = 0
    FAILED = 1
    CANCELED = 2
