"""vCPU, emulator and IOThread pinning (virDomainPinVcpuFlags, PinEmulator, PinIOThread and their
Get*PinInfo / GetIOThreadInfo), checked against the host's CPUs."""

from __future__ import annotations

from typing import TYPE_CHECKING

from ...errors import tuning as errors
from ..flags.node import TypedParamType
from .common import TuningBase
from .cpuset import parse_cpuset
from .state import (
    CpuSet,
    IOThread,
    cpumap_cpus,
    emulator_affinity,
    format_cpuset,
    iothread_affinity,
    live_iothreads,
    vcpu_affinity,
)

if TYPE_CHECKING:
    from ..domain import Domain
    from ..domaindef import DomainDef

_STRING = TypedParamType.STRING


class PinningTuning(TuningBase):

    def _cpus(self, cpumap: bytes) -> CpuSet:
        return cpumap_cpus(cpumap, len(cpumap))

    def _check_host(self, dom: Domain, cpus: CpuSet, thread: str) -> None:
        """A running domain's cpuset cgroup refuses CPUs the host lacks."""
        if max(cpus) >= self.host_cpus():
            raise errors.cpuset_write(dom.id, dom.name, thread)

    def pin_vcpu(self, dom: Domain, vcpu: int, cpumap: bytes, flags: int) -> None:
        """qemuDomainPinVcpuFlags."""
        live, config = self.defs(dom, flags, "qemuDomainPinVcpuFlags")
        if config is not None and vcpu >= config.vcpus:
            raise errors.vcpu_out_of_range(vcpu, "persistent", config.current_vcpus)
        cpus = self._cpus(cpumap)
        if not cpus:
            raise errors.empty_cpumap()
        if live is not None:
            if vcpu >= live.vcpus:
                raise errors.vcpu_out_of_range(vcpu, "live", live.vcpus)
            self._check_host(dom, cpus, f"vcpu{vcpu}")
            live.tuning.cputune.vcpupin[vcpu] = cpus
            self.tunable(dom, [(f"cputune.vcpupin{vcpu}", _STRING, format_cpuset(cpus))])
        if config is not None:
            config.tuning.cputune.vcpupin[vcpu] = cpus

    def vcpu_pin_info(self, dom: Domain, ncpumaps: int, flags: int) -> list[CpuSet]:
        """virDomainDefGetVcpuPinInfoHelper: one affinity per vCPU up to ncpumaps."""
        d, _live = self.one_def(dom, flags, "qemuDomainGetVcpuPinInfo")
        host = self.host_cpus()
        return [self._default(d, vcpu_affinity(d.tuning, v, host), v in d.tuning.cputune.vcpupin)
                for v in range(min(ncpumaps, d.vcpus))]

    def _default(self, d: DomainDef, cpus: CpuSet, pinned: bool) -> CpuSet:
        """An unpinned thread follows <vcpu cpuset>, else every host CPU."""
        if pinned or "cpuset" not in d.vcpu_attrs:
            return cpus
        return parse_cpuset(d.vcpu_attrs["cpuset"])

    def pin_emulator(self, dom: Domain, cpumap: bytes, flags: int) -> None:
        """qemuDomainPinEmulator."""
        live, config = self.defs(dom, flags, "qemuDomainPinEmulator")
        cpus = self._cpus(cpumap)
        if not cpus:
            raise errors.empty_cpumap()
        if live is not None:
            self._check_host(dom, cpus, "emulator")
            live.tuning.cputune.emulatorpin = cpus
            self.tunable(dom, [("cputune.emulatorpin", _STRING, format_cpuset(cpus))])
        if config is not None:
            config.tuning.cputune.emulatorpin = cpus

    def emulator_pin_info(self, dom: Domain, flags: int) -> CpuSet:
        d, _live = self.one_def(dom, flags, "qemuDomainGetEmulatorPinInfo")
        return self._default(d, emulator_affinity(d.tuning, self.host_cpus()), d.tuning.cputune.emulatorpin is not None)

    def pin_iothread(self, dom: Domain, iothread_id: int, cpumap: bytes, flags: int) -> None:
        """qemuDomainPinIOThread: a pinned thread's id is kept in <iothreadids> from now on."""
        live, config = self.defs(dom, flags, "qemuDomainPinIOThread")
        cpus = self._cpus(cpumap)
        if not cpus:
            raise errors.empty_iothread_cpumap()
        targets: list[tuple[DomainDef, IOThread]] = []
        for d in (live, config):
            if d is not None:
                thread = d.tuning.iothread(iothread_id)
                if thread is None:
                    raise errors.iothread_not_found(iothread_id)
                targets.append((d, thread))
        if live is not None:
            self._check_host(dom, cpus, f"iothread{iothread_id}")
        for _d, thread in targets:
            thread.cpuset, thread.autofill = cpus, False
        if live is not None:
            self.tunable(dom, [(f"cputune.iothreadpin{iothread_id}", _STRING, format_cpuset(cpus))])

    def listed_iothreads(self, d: DomainDef, live: bool) -> list[IOThread]:
        """The order GetIOThreadInfo lists: QEMU's for a running domain, the definition's otherwise."""
        return live_iothreads(d.tuning) if live else d.tuning.iothreads

    def iothread_info(self, dom: Domain, flags: int) -> list[tuple[int, CpuSet]]:
        """qemuDomainGetIOThreadInfo: a running domain lists QEMU's threads, in QEMU's order."""
        d, live = self.one_def(dom, flags, "qemuDomainGetIOThreadInfo")
        threads = self.listed_iothreads(d, live)
        host = self.host_cpus()
        return [(t.id, self._default(d, iothread_affinity(t, host), t.cpuset is not None)) for t in threads]
