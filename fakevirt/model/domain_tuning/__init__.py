"""Tuning and placement of domains: scheduler, memory, blkio and NUMA parameters, vCPU / emulator /
IOThread pinning, IOThreads, perf events, lifecycle actions (the QEMU driver's semantics).

``state`` holds the typed data a definition carries; the other modules change it.
"""

from __future__ import annotations

from .state import (
    PERF_EVENTS,
    CpuTune,
    IOThread,
    Tuning,
    emulator_affinity,
    iothread_affinity,
    live_iothreads,
    vcpu_affinity,
)

__all__ = ["PERF_EVENTS", "CpuTune", "IOThread", "Tuning", "emulator_affinity", "iothread_affinity", "live_iothreads",
           "vcpu_affinity"]
