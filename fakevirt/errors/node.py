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


# virReportInvalidArg texts of the public API (domain DOMAIN) and of the Linux host code (domain NONE)

def _arg(argname: str, function: str, message: str, domain: int) -> VirtError:
    return VirtError.invalid_arg_raw(argname, function, message, domain)


def null_arg(argname: str, function: str) -> VirtError:
    """virCheckNonNullArgGoto in a public API function (pageCounts, xmlCPUs)."""
    return _arg(argname, function, f"{argname} in {function} must not be NULL", ErrorDomain.DOMAIN)


def cpu_stats_negative_nparams() -> VirtError:
    return _arg("nparams", "virNodeGetCPUStats", "nparams in virNodeGetCPUStats must be non-negative",
                ErrorDomain.DOMAIN)


def cpu_num_negative() -> VirtError:
    return _arg("cpuNum", "virNodeGetCPUStats", "cpuNum in virNodeGetCPUStats only accepts -1 as a negative value",
                ErrorDomain.DOMAIN)


def cpu_stats_nparams(count: int) -> VirtError:
    return _arg("*nparams", "virHostCPUGetStatsLinux",
                f"nparams in virHostCPUGetStatsLinux must be equal to {count}", NONE)


def cpu_num_invalid() -> VirtError:
    return _arg("cpuNum", "virHostCPUGetStatsLinux", "Invalid cpuNum in virHostCPUGetStatsLinux", NONE)


def cell_num_negative() -> VirtError:
    """virNodeGetMemoryStats: libvirt names the wrong argument (cpuNum) in this error's str2."""
    return _arg("cpuNum", "virNodeGetMemoryStats",
                "cellNum in virNodeGetMemoryStats only accepts -1 as a negative value", ErrorDomain.DOMAIN)


def cell_num_too_big(max_node: int) -> VirtError:
    return _arg("cellNum", "virHostMemGetStats",
                f"cellNum in virHostMemGetStats must be less than or equal to {max_node}", NONE)


def mem_stats_nparams(count: int) -> VirtError:
    return _arg("nparams", "virHostMemGetStatsLinux", f"nparams in virHostMemGetStatsLinux must be {count}", NONE)


def start_cell_negative() -> VirtError:
    return _arg("startCell", "virNodeGetCellsFreeMemory",
                "startCell in virNodeGetCellsFreeMemory must be non-negative", ErrorDomain.DOMAIN)


def max_cells_not_positive() -> VirtError:
    return _arg("maxCells", "virNodeGetCellsFreeMemory",
                "maxCells in virNodeGetCellsFreeMemory must be greater than zero", ErrorDomain.DOMAIN)
