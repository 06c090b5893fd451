"""Block-job errors (qemu_driver.c, qemu_blockjob.c, virstoragefile.c): libvirt 9.0's codes and texts."""

from __future__ import annotations

from . import ErrorCode, ErrorDomain, VirtError

_QEMU, _STORAGE = ErrorDomain.QEMU, ErrorDomain.STORAGE


def cannot_label(path: str) -> VirtError:
    """The security manager's relabel of an image that is gone (a base deleted under the domain)."""
    return VirtError.report(ErrorCode.SYSTEM_ERROR, ErrorDomain.SECURITY,
                            f"unable to stat: {path}: No such file or directory")


def disk_not_found(disk: str) -> VirtError:
    """qemuDomainDiskByName: no disk of that target or source path."""
    return VirtError.invalid_arg(f"disk '{disk}' not found in domain")


def no_job(dst: str) -> VirtError:
    return VirtError.invalid_arg(f"disk {dst} does not have an active block job")


def already_in_job(dst: str, mirror: bool) -> VirtError:
    """qemuDomainDiskBlockJobIsActive: a copy/active commit (with a mirror) says so in its code."""
    code = ErrorCode.BLOCK_COPY_ACTIVE if mirror else ErrorCode.OPERATION_UNSUPPORTED
    return VirtError.report(code, _QEMU, f"disk '{dst}' already in active block job")


def not_ready_for_pivot(job_name: str) -> VirtError:
    return VirtError.report(ErrorCode.BLOCK_COPY_ACTIVE, _QEMU, f"block job '{job_name}' not ready for pivot yet")


def image_not_in_chain(path: str, dst: str) -> VirtError:
    """virStorageSourceChainLookup without a start image."""
    return VirtError.invalid_arg(f"could not find image '{path}' in chain for '{dst}'", _STORAGE)


def image_not_beneath(path: str, top: str, dst: str) -> VirtError:
    return VirtError.invalid_arg(f"could not find image '{path}' beneath '{top}' in chain for '{dst}'", _STORAGE)


def no_base(dst: str) -> VirtError:
    return VirtError.invalid_arg(f"could not find base image in chain for '{dst}'", _STORAGE)


def active_needs_flag(dst: str) -> VirtError:
    return VirtError.invalid_arg(f"commit of '{dst}' active layer requires active flag")


def active_flag_not_active(dst: str) -> VirtError:
    return VirtError.invalid_arg(f"active commit requested but '{dst}' is not active")


def bandwidth_too_large(limit: int) -> VirtError:
    """A MiB/s bandwidth whose bytes do not fit in a long long."""
    return VirtError.report(ErrorCode.OVERFLOW, _QEMU, f"bandwidth must be less than {limit}")


def unsupported(message: str) -> VirtError:
    return VirtError.report(ErrorCode.OPERATION_UNSUPPORTED, _QEMU, message)


def invalid(message: str) -> VirtError:
    return VirtError.invalid_arg(message)


def relative_unsupported(dst: str) -> VirtError:
    return unsupported(f"can't keep relative backing relationship for '{dst}'")


def io_error(dst: str) -> VirtError:
    """What a failed job reports through its event and the disk's error state."""
    return VirtError.report(ErrorCode.OPERATION_FAILED, _QEMU, f"block job of disk '{dst}' failed: Input/output error")


def flags_need_copy() -> VirtError:
    """virDomainBlockRebase (the public API) refuses copy flags without COPY."""
    return VirtError.invalid_arg_raw("flags", "virDomainBlockRebase", "use of flags requires a copy job",
                                     ErrorDomain.DOMAIN)
