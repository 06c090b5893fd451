"""Errors of a domain's block devices (resize, info, stats, peek, I/O throttling, threshold), as libvirt 9.0 words them."""

from __future__ import annotations

from . import ErrorCode, ErrorDomain, VirtError

_QEMU = ErrorDomain.QEMU
IOTUNE_MAX = 1_000_000_000_000_000  # QEMU_BLOCK_IOTUNE_MAX


def disk_not_in_config(disk: str) -> VirtError:
    """virDomainDiskByName failed in blockresize / blkdeviotune (get)."""
    return VirtError.report(ErrorCode.INVALID_ARG, _QEMU, f"disk '{disk}' was not found in the domain config")


def disk_not_found(disk: str) -> VirtError:
    """qemuDomainDiskByName: blkdeviotune (set) and blockpeek."""
    return VirtError.report(ErrorCode.INVALID_ARG, _QEMU, f"disk '{disk}' not found in domain")


def no_source(disk: str) -> VirtError:
    """qemuDomainGetBlockInfo of an empty drive."""
    return VirtError.report(ErrorCode.INVALID_ARG, _QEMU, f"disk '{disk}' does not currently have a source assigned")


def invalid_stats_path(path: str) -> VirtError:
    """qemuDomainBlockStatsGatherTotals: neither a target nor a source of the domain."""
    return VirtError.report(ErrorCode.INVALID_ARG, _QEMU, f"invalid path: {path}")


def resize_empty_or_readonly(disk: str) -> VirtError:
    return VirtError.report(ErrorCode.OPERATION_UNSUPPORTED, _QEMU, f"can't resize empty or readonly disk '{disk}'")


def resize_overflow(limit: int) -> VirtError:
    return VirtError.report(ErrorCode.OVERFLOW, _QEMU, f"size must be less than {limit}")


def qemu_command_failed(command: str, reason: str) -> VirtError:
    """A QMP command QEMU refused: libvirt passes its text on as an internal error."""
    return VirtError.report(ErrorCode.INTERNAL_ERROR, _QEMU, f"unable to execute QEMU command '{command}': {reason}")


def resize_too_large() -> VirtError:
    return qemu_command_failed("block_resize", "Failed to grow the L1 table: File too large")


def peek_needs_raw(fmt: str) -> VirtError:
    return VirtError.report(ErrorCode.OPERATION_UNSUPPORTED, _QEMU,
                            f"peeking is only supported for disk with 'raw' format not '{fmt}'")


def peek_past_end(disk: str, offset: int, available: int) -> VirtError:
    return VirtError.report(ErrorCode.INVALID_ARG, _QEMU,
                            f"'{disk}' starting from {offset} has only {available} bytes available")


def peek_empty_read(path: str) -> VirtError:
    """virStorageSourceRead of 0 bytes (the storage file backend's error, VIR_FROM_STORAGE)."""
    return VirtError.report(ErrorCode.SYSTEM_ERROR, ErrorDomain.STORAGE, f"cannot read header '{path}': Invalid argument")


def peek_too_large() -> VirtError:
    """remoteDispatchDomainBlockPeek: more than REMOTE_DOMAIN_BLOCK_PEEK_BUFFER_MAX asked for."""
    return VirtError.daemon("size > maximum buffer size")


def threshold_no_disk(dev: str) -> VirtError:
    return VirtError.report(ErrorCode.INVALID_ARG, _QEMU, f"failed to find disk '{dev}'")


def threshold_bad_devstr(dev: str) -> VirtError:
    return VirtError.report(ErrorCode.INVALID_ARG, _QEMU, f"failed to parse block device '{dev}'")


def threshold_no_node() -> VirtError:
    """An empty drive has no node name to put the threshold on (QEMU's QMP argument check)."""
    return VirtError.report(ErrorCode.INTERNAL_ERROR, _QEMU, "argument key 'node-name' must not have null value")


def iotune_limit() -> VirtError:
    return VirtError.report(ErrorCode.ARGUMENT_UNSUPPORTED, _QEMU,
                            f"block I/O throttle limit value must be no more than {IOTUNE_MAX}")


def iotune_total_and_rw(kind: str) -> VirtError:
    return VirtError.report(ErrorCode.INVALID_ARG, _QEMU, f"total and read/write of {kind} cannot be set at the same time")


def iotune_reset_base(base: str) -> VirtError:
    return VirtError.report(ErrorCode.CONFIG_UNSUPPORTED, _QEMU, f"cannot reset '{base}' when '{base}_max' is set")


def iotune_max_smaller(base: str) -> VirtError:
    return VirtError.report(ErrorCode.CONFIG_UNSUPPORTED, _QEMU, f"value '{base}_max' cannot be smaller than '{base}'")


def iotune_zero_group() -> VirtError:
    return VirtError.report(ErrorCode.CONFIG_UNSUPPORTED, _QEMU,
                            "creating a new group/updating existing with all tune parameters zero is not supported")


def iotune_empty_drive() -> VirtError:
    """query-block has no throttle data for an empty drive."""
    return VirtError.internal("block_io_throttle inserted entry was not in expected format")


def iotune_too_many_params() -> VirtError:
    """remoteDispatchDomainGetBlockIoTune."""
    return VirtError.daemon("nparams too large")


def disk_errors_too_many() -> VirtError:
    """remoteDispatchDomainGetDiskErrors."""
    return VirtError.daemon("maxerrors too large")


def missing_persistent_disk(disk: str) -> VirtError:
    return VirtError.report(ErrorCode.INVALID_ARG, _QEMU, f"missing persistent configuration for disk '{disk}'")


def iotune_xml_not_number(name: str) -> VirtError:
    """virDomainDiskDefIotuneParse."""
    return VirtError.report(ErrorCode.XML_ERROR, ErrorDomain.DOMAIN, f"disk iotune field '{name}' must be an integer")


def iotune_xml_total_and_rw(kind: str) -> VirtError:
    return VirtError.report(ErrorCode.XML_ERROR, ErrorDomain.DOMAIN, f"total and read/write {kind} cannot be set at the same time")


def iotune_xml_group_alone() -> VirtError:
    """virDomainDiskDefValidate."""
    return VirtError.report(ErrorCode.CONFIG_UNSUPPORTED, ErrorDomain.DOMAIN,
                            "group_name can be configured only together with settings")


def iotune_xml_limit() -> VirtError:
    """qemuValidateDomainDeviceDefDiskIOThrottle."""
    return VirtError.report(ErrorCode.ARGUMENT_UNSUPPORTED, _QEMU,
                            f"block I/O throttle limit must be no more than {IOTUNE_MAX} using QEMU")
