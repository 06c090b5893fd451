"""The host's mutable side: huge page pools, KSM tunables (virNodeSetMemoryParameters), node suspend.

One per Hypervisor (made in ``reset()``); the pools live in ``hv.host`` (``HostInfo.allocated_pages``)
so that capabilities, free memory and free pages all see them.
"""

from __future__ import annotations

import dataclasses
from typing import TYPE_CHECKING

from ..errors import VirtError, check_flags
from ..errors import node as errors
from . import hostpages, typedparams
from .flags.node import NodeAllocPagesFlags, NodeSuspendTarget, TypedParameterFlags, TypedParamType

if TYPE_CHECKING:
    from .host import HostInfo
    from .hypervisor import Hypervisor

# /sys/kernel/mm/ksm as a Debian 12 host reports it, in virHostMemGetParameters' order
KSM_PARAMETERS: tuple[tuple[str, TypedParamType, int], ...] = (
    ("shm_pages_to_scan", TypedParamType.UINT, 100), ("shm_sleep_millisecs", TypedParamType.UINT, 20),
    ("shm_pages_shared", TypedParamType.ULLONG, 0), ("shm_pages_sharing", TypedParamType.ULLONG, 0),
    ("shm_pages_unshared", TypedParamType.ULLONG, 0), ("shm_pages_volatile", TypedParamType.ULLONG, 0),
    ("shm_full_scans", TypedParamType.ULLONG, 0), ("shm_merge_across_nodes", TypedParamType.UINT, 1),
)
KSM_SETTABLE = {"shm_pages_to_scan": TypedParamType.UINT, "shm_sleep_millisecs": TypedParamType.UINT,
                "shm_merge_across_nodes": TypedParamType.UINT}
SUSPEND_TARGETS = {NodeSuspendTarget.MEM: ("suspend_mem", "Suspend-to-RAM"),
                   NodeSuspendTarget.DISK: ("suspend_disk", "Suspend-to-Disk"),
                   NodeSuspendTarget.HYBRID: ("suspend_hybrid", "Hybrid-Suspend")}
MIN_SUSPEND_SECONDS = 60
LAUNCH_SECRET_PARAMS = {"sev-secret-header": TypedParamType.STRING, "sev-secret": TypedParamType.STRING,
                        "sev-secret-set-address": TypedParamType.ULLONG}


class HostNode:
    """Node calls that change the host."""

    def __init__(self, hv: Hypervisor) -> None:
        self.hv = hv
        hv.host = dataclasses.replace(self.host, allocated_pages=())  # a fresh host has its boot-time pools
        self.ksm = {name: value for name, _kind, value in KSM_PARAMETERS}

    @property
    def host(self) -> HostInfo:
        assert self.hv.host is not None  # set in Hypervisor.__post_init__
        return self.hv.host

    def free_pages(self, sizes: list[int], start_cell: int, cell_count: int, flags: int) -> list[int]:
        """virNodeGetFreePages (qemuNodeGetFreePages)."""
        if not sizes:
            raise VirtError.bad_arg("npages", "virNodeGetFreePages", "nonzero")
        if not cell_count:
            raise VirtError.bad_arg("cellCount", "virNodeGetFreePages", "nonzero")
        check_flags("qemuNodeGetFreePages", flags, 0)
        return hostpages.free_pages(self.host, sizes, start_cell, cell_count)

    def alloc_pages(self, sizes: list[int], counts: list[int], start_cell: int, cell_count: int,
                    flags: int) -> int:
        """virNodeAllocPages (qemuNodeAllocPages): ADD grows the pools, SET sets them."""
        if not sizes:
            raise VirtError.bad_arg("npages", "virNodeAllocPages", "nonzero")
        if len(counts) < len(sizes):
            # libvirt reads npages counts whatever the client sent: none is a NULL array, fewer
            # would be read past its end; both are refused here
            raise errors.null_arg("pageCounts", "virNodeAllocPages")
        if not cell_count:
            raise VirtError.bad_arg("cellCount", "virNodeAllocPages", "nonzero")
        check_flags("qemuNodeAllocPages", flags, NodeAllocPagesFlags.SET)
        add = not flags & NodeAllocPagesFlags.SET

        def commit(host: HostInfo) -> None:
            self.hv.host = host

        return hostpages.alloc_pages(self.host, sizes, counts[:len(sizes)], start_cell, cell_count, add, commit)

    def memory_parameters(self, nparams: int, flags: int) -> tuple[list[typedparams.Param], int]:
        """virNodeGetMemoryParameters: nparams 0 asks for the count; else the first nparams tunables."""
        check_flags("virHostMemGetParameters", flags, TypedParameterFlags.STRING_OKAY, errors.NONE)
        if nparams < 0:
            raise VirtError.bad_arg("nparams", "virNodeGetMemoryParameters", "nonnegative")
        if nparams == 0:
            return [], len(KSM_PARAMETERS)
        return [(name, kind, self.ksm[name]) for name, kind, _ in KSM_PARAMETERS[:nparams]], 0

    def set_memory_parameters(self, params: list[typedparams.Param], flags: int) -> None:
        """virNodeSetMemoryParameters: the three writable KSM files, with the kernel's checks."""
        check_flags("virHostMemSetParameters", flags, 0, errors.NONE)
        typedparams.validate(params, KSM_SETTABLE)
        for name, _kind, value in params:
            if name == "shm_merge_across_nodes" and value not in (0, 1):
                raise errors.sysfs_write_failed(name, "Invalid argument")
            assert isinstance(value, int)
            self.ksm[name] = value

    def suspend(self, target: int, duration: int, flags: int) -> None:
        """virNodeSuspendForDuration: only targets the capabilities' power_management lists work."""
        check_flags("virNodeSuspend", flags, 0, errors.NONE)
        if target not in SUSPEND_TARGETS:
            raise errors.suspend_bad_target()
        cap_name, what = SUSPEND_TARGETS[NodeSuspendTarget(target)]
        if cap_name not in self.host.power_management:
            raise errors.suspend_unsupported(what)
        if duration < MIN_SUSPEND_SECONDS:
            raise errors.suspend_too_short(MIN_SUSPEND_SECONDS)
        # the host sleeps and its RTC wakes it; to its clients nothing else happens

    # --- AMD SEV: QEMU here offers none ------------------------------------------------

    def sev_info(self, flags: int) -> None:
        """virNodeGetSEVInfo: this host's QEMU has no SEV guest support."""
        raise errors.no_sev()

    def launch_security_info(self, flags: int) -> list[typedparams.Param]:
        """virDomainGetLaunchSecurityInfo: nothing for a domain without SEV, which is every domain here."""
        return []

    def check_launch_security_state(self, params: list[typedparams.Param], flags: int) -> None:
        """qemuDomainSetLaunchSecurityState's checks before it looks the domain up."""
        check_flags("qemuDomainSetLaunchSecurityState", flags, 0)
        typedparams.validate(params, LAUNCH_SECRET_PARAMS)

    def set_launch_security_state(self, params: list[typedparams.Param], flags: int) -> None:
        """virDomainSetLaunchSecurityState: only SEV domains take a launch secret."""
        raise errors.launch_secret_needs_sev()
