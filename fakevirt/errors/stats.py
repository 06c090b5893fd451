"""Errors of the domain statistics APIs (interface, CPU, memory stats, dirty rate), as libvirt 9.0 words them."""

from __future__ import annotations

from . import ErrorCode, ErrorDomain, VirtError

_QEMU, _DOMAIN, _CGROUP = ErrorDomain.QEMU, ErrorDomain.DOMAIN, ErrorDomain.CGROUP


def unknown_interface(device: str) -> VirtError:
    """virDomainNetFind: neither a MAC address nor a host device name of the domain."""
    return VirtError.report(ErrorCode.INVALID_ARG, _DOMAIN, f"'{device}' is not a known interface")


def no_interface_name() -> VirtError:
    """virNetDevTapInterfaceStats of a NIC without a host device (type user, ...)."""
    return VirtError.report(ErrorCode.INTERNAL_ERROR, ErrorDomain.NONE, "Interface name not provided")


def ncpus_with_total() -> VirtError:
    return VirtError.invalid_arg_raw("start_cpu", "virDomainGetCPUStats", "ncpus must be 1 when start_cpu is -1",
                                     _DOMAIN)


def params_null() -> VirtError:
    return VirtError.invalid_arg_raw("params", "virDomainGetCPUStats", "params in virDomainGetCPUStats must not be NULL",
                                     _DOMAIN)


def start_cpu_too_large(start: int, last: int) -> VirtError:
    """virCgroupGetPercpuStats: start_cpu past the host's present CPUs."""
    return VirtError.report(ErrorCode.INVALID_ARG, _CGROUP, f"start_cpu {start} larger than maximum of {last}")


def percpu_on_cgroup_v2() -> VirtError:
    """The per-CPU accounting file does not exist on cgroup v2 (this host's hierarchy)."""
    return VirtError.report(ErrorCode.OPERATION_UNSUPPORTED, _CGROUP,
                            "operation 'getCpuacctPercpuUsage' not supported for backend 'cgroup V2'")


def no_balloon_for_period() -> VirtError:
    return VirtError.internal("No memory balloon device configured, can not set the collection period")


def dirty_rate_seconds(seconds: int) -> VirtError:
    return VirtError.report(ErrorCode.CONFIG_UNSUPPORTED, _QEMU,
                            f"seconds={seconds} is invalid, please choose value within [1, 60].")


def dirty_ring_unsupported() -> VirtError:
    """TCG has no dirty ring (KVM's dirty-ring-size accelerator property)."""
    return VirtError.report(ErrorCode.OPERATION_UNSUPPORTED, _QEMU,
                            "dirty-ring calculation mode requires dirty-ring feature enabled.")


def dirty_rate_busy() -> VirtError:
    """QEMU refuses calc-dirty-rate while a measurement runs."""
    return VirtError.internal("unable to execute QEMU command 'calc-dirty-rate': the dirty rate is already being measured.")
