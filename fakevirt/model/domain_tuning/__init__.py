"""Tuning and placement of domains: scheduler, memory, blkio and NUMA parameters, vCPU / emulator /
IOThread pinning, IOThreads, perf events, lifecycle actions, virDomainSetVcpu (the QEMU driver's
semantics on a cgroup v1 host like the reference's).

``state`` holds the typed data a definition carries; the mixins below change it.
"""

from __future__ import annotations

from .iothreads import IOThreadTuning
from .perf import PerfTuning
from .pinning import PinningTuning
from .resources import ResourceTuning
from .sched import SchedulerTuning
from .state import (
    PERF_EVENTS,
    CpuTune,
    IOThread,
    Tuning,
    cpumap_bytes,
    emulator_affinity,
    iothread_affinity,
    live_iothreads,
    vcpu_affinity,
)
from .vcpus import VcpuTuning, online_vcpus


class DomainTuning(SchedulerTuning, ResourceTuning, PinningTuning, IOThreadTuning, PerfTuning, VcpuTuning):
    """The tuning calls of one driver instance (``driver.tuning``)."""


__all__ = ["PERF_EVENTS", "CpuTune", "DomainTuning", "IOThread", "Tuning", "cpumap_bytes", "emulator_affinity",
           "iothread_affinity", "live_iothreads", "online_vcpus", "vcpu_affinity"]
