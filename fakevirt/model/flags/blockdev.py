"""libvirt's flags and enums of a domain's block devices."""

from __future__ import annotations

from enum import IntEnum, IntFlag


class DomainBlockResizeFlags(IntFlag):
    """virDomainBlockResizeFlags (9.0: BYTES only)."""

    BLOCK_RESIZE_BYTES = 1


class DomainDiskErrorCode(IntEnum):
    """virDomainDiskErrorCode."""

    DISK_ERROR_NONE = 0
    DISK_ERROR_UNSPEC = 1
    DISK_ERROR_NO_SPACE = 2
