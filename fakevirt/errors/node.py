"""The host calls' errors (virhostmem.c, virnuma.c, virnodesuspend.c, virtypedparam.c, the QEMU driver).

Each function returns the ``VirtError`` libvirtd 9.0 reports, with its code, domain and text.
"""

from __future__ import annotations

from . import ErrorCode, ErrorDomain, VirtError

NONE = ErrorDomain.NONE


def start_cell_out_of_range(start_cell: int, last: int) -> VirtError:
    return VirtError.report(ErrorCode.INTERNAL_ERROR, NONE, f"start cell {start_cell} out of range (0-{last})")


def page_size_unavailable(size: int, cell: int) -> VirtError:
    """virNumaGetHugePageInfoPath: no pool of that size (cell -1 is the whole host)."""
    where = "" if cell == -1 else f" on node {cell}"
    return VirtError.report(ErrorCode.OPERATION_FAILED, NONE, f"page size {size} is not available{where}")


def numa_node_unavailable(cell: int) -> VirtError:
    return VirtError.report(ErrorCode.OPERATION_FAILED, NONE, f"NUMA node {cell} is not available")


def unknown_cause() -> VirtError:
    """What libvirt answers when it failed without reporting (a negative cell for the system pages)."""
    return VirtError(ErrorCode.INTERNAL_ERROR, NONE, "An error occurred, but the cause is unknown")


def system_pages_pool() -> VirtError:
    return VirtError.report(ErrorCode.OPERATION_UNSUPPORTED, NONE, "system pages pool can't be modified")


def pages_not_allocated(wanted: int, got: int) -> VirtError:
    return VirtError.report(ErrorCode.OPERATION_FAILED, NONE,
                            f"Unable to allocate {wanted} pages. Allocated only {got}")


def free_pages_too_many() -> VirtError:
    """remoteDispatchNodeGetFreePages: pages x cells must fit the reply."""
    return VirtError.report(ErrorCode.INTERNAL_ERROR, ErrorDomain.RPC, "the result won't fit into REMOTE_NODE_MAX_CELLS")


def param_unsupported(name: str) -> VirtError:
    return VirtError.report(ErrorCode.ARGUMENT_UNSUPPORTED, NONE, f"parameter '{name}' not supported")


def param_repeated(name: str) -> VirtError:
    return VirtError.report(ErrorCode.INVALID_ARG, NONE, f"parameter '{name}' occurs multiple times")


def param_type(name: str, got: str, expected: str) -> VirtError:
    return VirtError.report(ErrorCode.INVALID_ARG, NONE,
                            f"invalid type '{got}' for parameter '{name}', expected '{expected}'")


def sysfs_write_failed(param: str, reason: str) -> VirtError:
    """virHostMemSetParameterValue: the kernel refused the value written to /sys/kernel/mm/ksm."""
    return VirtError.report(ErrorCode.SYSTEM_ERROR, NONE, f"failed to set {param}: {reason}")


def suspend_unsupported(what: str) -> VirtError:
    """virNodeSuspend: the host cannot reach that target (``Suspend-to-RAM`` …)."""
    return VirtError.report(ErrorCode.ARGUMENT_UNSUPPORTED, NONE, what)


def suspend_bad_target() -> VirtError:
    return VirtError.report(ErrorCode.INVALID_ARG, NONE, "Invalid suspend target")


def suspend_too_short(minimum: int) -> VirtError:
    return VirtError.report(ErrorCode.INVALID_ARG, NONE,
                            f"Suspend duration is too short, must be at least {minimum} seconds")


def no_sev() -> VirtError:
    return VirtError.report(ErrorCode.OPERATION_UNSUPPORTED, ErrorDomain.QEMU, "QEMU does not support SEV guest")


def launch_secret_needs_sev() -> VirtError:
    return VirtError.report(ErrorCode.OPERATION_UNSUPPORTED, ErrorDomain.QEMU,
                            "setting a launch secret is only supported in SEV-enabled domains")
