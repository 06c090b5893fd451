"""Block copy errors (qemuDomainBlockCopy, qemuDomainBlockCopyCommon, qemuDomainBlockRebase): libvirt 9.0's texts."""

from __future__ import annotations

from . import ErrorCode, ErrorDomain, VirtError

_QEMU, _DOMAIN = ErrorDomain.QEMU, ErrorDomain.DOMAIN
LLONG_MAX = (1 << 63) - 1


def not_transient() -> VirtError:
    """A copy of a persistent domain needs VIR_DOMAIN_BLOCK_COPY_TRANSIENT_JOB (blockRebase cannot give it)."""
    return VirtError.operation_invalid("domain is not transient")


def relative_target() -> VirtError:
    return VirtError.invalid_arg("absolute path must be used as block copy target")


def bandwidth_bytes_too_large() -> VirtError:
    """A VIR_DOMAIN_BLOCK_COPY_BANDWIDTH typed parameter past LLONG_MAX bytes/s."""
    return VirtError.invalid_arg(f"bandwidth must be less than '{LLONG_MAX}' bytes/s ({LLONG_MAX >> 20} MiB/s)")


def granularity_not_power_of_two() -> VirtError:
    return VirtError.invalid_arg("granularity must be power of 2")


def granularity_out_of_range() -> VirtError:
    """QEMU's blockdev-mirror refuses it; libvirt reports the monitor's error."""
    return VirtError.internal("unable to execute QEMU command 'blockdev-mirror': "
                              "Parameter 'granularity' expects a value in range [512B, 64MB]")


def shallow_into_raw(dst: str) -> VirtError:
    return VirtError.report(ErrorCode.CONFIG_UNSUPPORTED, _QEMU,
                            f"shallow copy of disk '{dst}' into a raw file is not possible")


def destination_exists(dst: str, path: str) -> VirtError:
    return VirtError.report(ErrorCode.CONFIG_UNSUPPORTED, _QEMU,
                            f"external destination file for disk {dst} already exists and is not a block device: {path}")


def destination_missing(dst: str, path: str) -> VirtError:
    """virReportSystemError(ENOENT): REUSE_EXT names a file that is not there."""
    return VirtError.report(ErrorCode.SYSTEM_ERROR, _QEMU,
                            f"missing destination file for disk {dst}: {path}: No such file or directory")


def relative_backing_unsupported() -> VirtError:
    """virDomainBlockRebase with COPY and RELATIVE."""
    return VirtError.report(ErrorCode.ARGUMENT_UNSUPPORTED, _QEMU, "Relative backing during copy not supported yet")


def no_source() -> VirtError:
    """The destination <disk> names no file."""
    return VirtError.report(ErrorCode.NO_SOURCE, _DOMAIN)  # virDomainDiskSourceParse without a detail


def unknown_format(value: str) -> VirtError:
    return VirtError.report(ErrorCode.CONFIG_UNSUPPORTED, _DOMAIN, f"unknown driver format value '{value}'")
