"""Errors of domain tuning and placement: libvirt 9.0's codes, domains and texts, checked against
the reference daemon (a TCG domain on a cgroup v1 host without bfq/cfq and without perf events)."""

from __future__ import annotations

from . import ErrorCode, ErrorDomain, VirtError

_QEMU, _DOMAIN, _CGROUP, _PERF = ErrorDomain.QEMU, ErrorDomain.DOMAIN, ErrorDomain.CGROUP, ErrorDomain.PERF


def empty_cpumap() -> VirtError:
    return VirtError.invalid_arg("Empty cpu list for pinning")


def empty_iothread_cpumap() -> VirtError:
    return VirtError.invalid_arg("Empty iothread cpumap list for pinning")


def vcpu_out_of_range(vcpu: int, which: str, count: int) -> VirtError:
    """qemuDomainPinVcpuFlags: ``which`` is "live" or "persistent"."""
    return VirtError.invalid_arg(f"vcpu {vcpu} is out of range of {which} cpu count {count}")


def iothread_not_found(iothread_id: int) -> VirtError:
    return VirtError.invalid_arg(f"iothread {iothread_id} not found")


def iothread_id_zero(domain: int = ErrorDomain.QEMU) -> VirtError:
    return VirtError.invalid_arg("invalid value of 0 for iothread_id", domain)


def iothread_exists(iothread_id: int) -> VirtError:
    return VirtError.invalid_arg(f"an IOThread is already using iothread_id '{iothread_id}'", _DOMAIN)


def iothread_not_in_list(iothread_id: int) -> VirtError:
    """virDomainDriverDelIOThreadCheck."""
    return VirtError.invalid_arg(f"cannot find IOThread '{iothread_id}' in iothreadids list", _DOMAIN)


def iothread_not_in_ids(iothread_id: int) -> VirtError:
    """qemuDomainChgIOThread (virDomainSetIOThreadParams)."""
    return VirtError.invalid_arg(f"cannot find IOThread '{iothread_id}' in iothreadids")


def iothread_in_use(iothread_id: int) -> VirtError:
    return VirtError.invalid_arg(f"cannot remove IOThread {iothread_id} since it is being used by disk", _DOMAIN)


def sched_out_of_range(name: str, low: int, high: int) -> VirtError:
    return VirtError.invalid_arg(f"value of '{name}' is out of range [{low}, {high}]")


def shares_out_of_range(shares: int) -> VirtError:
    """The cgroup v1 backend's check (only a running domain's cgroup gets it)."""
    return VirtError.invalid_arg(f"shares '{shares}' must be in range [2, 262144]", _CGROUP)


def hard_above_swap() -> VirtError:
    return VirtError.invalid_arg("memory hard_limit tunable value must be lower than or equal to swap_hard_limit",
                                 _DOMAIN)


def blkio_weight_scheduler() -> VirtError:
    """The host's block devices use neither bfq nor cfq: blkio.weight does not exist."""
    return VirtError.operation_invalid("blkio device weight is valid only for bfq or cfq scheduler", _CGROUP)


def blkio_device_weight_scheduler() -> VirtError:
    return VirtError.operation_invalid("blkio device weight is valid only for cfq scheduler", _CGROUP)


def numa_mode_live() -> VirtError:
    return VirtError.operation_invalid("can't change numatune mode for running domain")


def numa_nodeset_live() -> VirtError:
    return VirtError.operation_invalid("change of nodeset for running domain requires restrictive numa mode")


def numa_nodeset_required() -> VirtError:
    return VirtError.report(ErrorCode.CONFIG_UNSUPPORTED, _DOMAIN,
                            "nodeset for NUMA memory tuning must be set if 'placement' is 'static'")


def numa_node_unavailable(node: int) -> VirtError:
    return VirtError.report(ErrorCode.CONFIG_UNSUPPORTED, ErrorDomain.NONE, f"NUMA node {node} is unavailable")


def numa_mode_invalid(mode: int) -> VirtError:
    return VirtError.invalid_arg(f"unsupported numatune mode: '{mode}'")


def perf_unsupported(event: str) -> VirtError:
    """cmt/mbmt/mbml need resctrl monitoring, which the host lacks."""
    return VirtError.report(ErrorCode.ARGUMENT_UNSUPPORTED, _PERF, f"unable to enable host cpu perf event for {event}")


def perf_open_failed(event: str) -> VirtError:
    """perf_event_open fails on the host (no PMU for the guest's threads)."""
    return VirtError.report(ErrorCode.SYSTEM_ERROR, _PERF,
                            f"unable to open host cpu perf event for {event}: No such file or directory")


def setvcpu_state(state: int) -> VirtError:
    return VirtError.invalid_arg_raw("state", "qemuDomainSetVcpu", "unsupported state value")


def bitmap_parse(text: str) -> VirtError:
    return VirtError.invalid_arg(f"Failed to parse bitmap '{text}'", ErrorDomain.NONE)


def no_vcpus_selected() -> VirtError:
    return VirtError.invalid_arg("no vcpus selected for modification")


def vcpu_not_present(vcpu: int, which: str) -> VirtError:
    return VirtError.invalid_arg(f"vcpu {vcpu} is not present in {which} config")


def vcpu_not_unpluggable(vcpu: int) -> VirtError:
    return VirtError.report(ErrorCode.OPERATION_UNSUPPORTED, _QEMU, f"vcpu '{vcpu}' can't be unplugged")


def lifecycle_type(kind: int) -> VirtError:
    return VirtError.invalid_arg(f"invalid lifecycle type '{kind}'", _DOMAIN)


def lifecycle_action(action: int) -> VirtError:
    return VirtError.invalid_arg(f"invalid lifecycle action '{action}'", _DOMAIN)


def lifecycle_not_allowed(kind: str, action: str) -> VirtError:
    return VirtError.report(ErrorCode.CONFIG_UNSUPPORTED, _DOMAIN, f"Lifecycle event '{kind}' doesn't support '{action}' action")


def lifecycle_qemu(message: str) -> VirtError:
    """qemuValidateLifecycleAction's refusals."""
    return VirtError.report(ErrorCode.CONFIG_UNSUPPORTED, _QEMU, message)


def numa_nodeset_invalid(text: str) -> VirtError:
    return VirtError.operation_invalid(f"Invalid nodeset of 'numatune': {text}")


def numa_strict_nodeset_live() -> VirtError:
    return VirtError.operation_invalid("can't change nodeset for strict mode for running domain")


def blkio_device_string(text: str) -> VirtError:
    return VirtError.invalid_arg(f"unable to parse blkio device '{text}'", _DOMAIN)


def cpuset_write(dom_id: int, name: str, thread: str) -> VirtError:
    """Writing CPUs the host lacks into a thread's cpuset cgroup (cgroup v1)."""
    path = f"/sys/fs/cgroup/cpuset/machine/qemu-{dom_id}-{name}.libvirt-qemu/{thread}/cpuset.cpus"
    return VirtError.report(ErrorCode.SYSTEM_ERROR, _CGROUP, f"Unable to write to '{path}': Invalid argument")


def persistent_polling() -> VirtError:
    return VirtError.report(ErrorCode.OPERATION_UNSUPPORTED, _QEMU, "configuring persistent polling values is not supported")


def iothread_param_range(name: str, value: int, limit: int) -> VirtError:
    label = name.replace("_", "-")
    return VirtError.report(ErrorCode.CONFIG_UNSUPPORTED, _QEMU, f"{label} ({value}) must be less than or equal to {limit}")


def thread_pool_min(value: int) -> VirtError:
    return VirtError.report(ErrorCode.CONFIG_UNSUPPORTED, _QEMU, f"thread_pool_min ({value}) must be equal to or greater than -1")


def thread_pool_max(value: int) -> VirtError:
    return VirtError.report(ErrorCode.CONFIG_UNSUPPORTED, _QEMU, f"thread_pool_max ({value}) must be a positive number or -1")


def vcpu_in_state(vcpu: int) -> VirtError:
    return VirtError.invalid_arg(f"vcpu '{vcpu}' is already in requested state")


def one_entity_only() -> VirtError:
    return VirtError.report(ErrorCode.OPERATION_UNSUPPORTED, _QEMU, "only one hotpluggable entity can be selected")


def vcpu0_fixed() -> VirtError:
    return VirtError.invalid_arg("vCPU '0' can't be modified")


def vcpu_followed_by_fixed(vcpu: int) -> VirtError:
    return VirtError.invalid_arg(f"vcpu '{vcpu}' can't be modified as it is followed by non-hotpluggable online vcpus")


def no_hotpluggable_vcpus() -> VirtError:
    """setvcpus below the vCPUs that are not hotpluggable."""
    return VirtError.report(ErrorCode.CONFIG_UNSUPPORTED, _QEMU, "failed to find appropriate hotpluggable vcpus "
                            "to reach the desired target vcpu count")


def cpu_unplug_no_acpi() -> VirtError:
    """QEMU's device_del of a vCPU in a guest without ACPI."""
    return VirtError.internal("unable to execute QEMU command 'device_del': CPU hot unplug not supported without ACPI")
