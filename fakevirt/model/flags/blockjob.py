"""libvirt's block-job enums (libvirt-domain.h)."""

from __future__ import annotations

from enum import IntEnum, IntFlag


class BlockJobType(IntEnum):
    UNKNOWN = 0
    PULL = 1
    COPY = 2
    COMMIT = 3
    ACTIVE_COMMIT = 4
    BACKUP = 5


class BlockJobStatus(IntEnum):
    """virConnectDomainEventBlockJobStatus."""

    COMPLETED = 0
    FAILED = 1
    CANCELED = 2
    READY = 3


class DomainBlockJobAbortFlags(IntFlag):
    ASYNC = 1 << 0
    PIVOT = 1 << 1


class DomainBlockCommitFlags(IntFlag):
    SHALLOW = 1 << 0
    DELETE = 1 << 1
    ACTIVE = 1 << 2
    RELATIVE = 1 << 3
    BANDWIDTH_BYTES = 1 << 4


class DomainBlockRebaseFlags(IntFlag):
    SHALLOW = 1 << 0
    REUSE_EXT = 1 << 1
    COPY_RAW = 1 << 2
    COPY = 1 << 3
    RELATIVE = 1 << 4
    COPY_DEV = 1 << 5
    BANDWIDTH_BYTES = 1 << 6


class DomainBlockCopyFlags(IntFlag):
    SHALLOW = 1 << 0
    REUSE_EXT = 1 << 1
    TRANSIENT_JOB = 1 << 2
    SYNCHRONOUS_WRITES = 1 << 3


class DomainBlockPullFlags(IntFlag):
    BANDWIDTH_BYTES = 1 << 6


class DomainBlockJobInfoFlags(IntFlag):
    BANDWIDTH_BYTES = 1 << 0


class DomainBlockJobSetSpeedFlags(IntFlag):
    BANDWIDTH_BYTES = 1 << 0


# the names libvirt prints for a job type (virsh's blockjob --info reads them client-side)
JOB_NAMES = {BlockJobType.PULL: "pull", BlockJobType.COPY: "copy", BlockJobType.COMMIT: "commit",
             BlockJobType.ACTIVE_COMMIT: "active-commit", BlockJobType.BACKUP: "backup"}
