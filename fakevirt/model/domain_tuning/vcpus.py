"""virDomainSetVcpu: one vCPU (one hotpluggable entity) on or off, live and/or in the config."""

from __future__ import annotations

from typing import TYPE_CHECKING

from ...errors import check_flags
from ...errors import tuning as errors
from .common import AFFECT, TuningBase
from .cpuset import GUEST_VCPU_MAX_ID, parse_cpuset

if TYPE_CHECKING:
    from ..domain import Domain
    from ..domaindef import DomainDef


def online_vcpus(d: DomainDef) -> frozenset[int]:
    """The online vCPU ids (as set by virDomainSetVcpu while the count still agrees, else the first ones)."""
    t = d.tuning
    if t.vcpus_online is not None and len(t.vcpus_online) == d.current_vcpus:
        return frozenset(t.vcpus_online)
    return frozenset(range(d.current_vcpus))


def fixed_vcpus(d: DomainDef) -> int:
    return d.tuning.vcpus_fixed if d.tuning.vcpus_fixed is not None else d.current_vcpus


class VcpuTuning(TuningBase):

    def set_vcpu(self, dom: Domain, cpumap: str, state: int, flags: int) -> None:
        """qemuDomainSetVcpu."""
        check_flags("qemuDomainSetVcpu", flags, AFFECT)
        if state not in (0, 1):
            raise errors.setvcpu_state(state)
        chosen = parse_cpuset(cpumap, GUEST_VCPU_MAX_ID)
        if not chosen:
            raise errors.no_vcpus_selected()
        last = max(chosen)
        live, config = self.defs(dom, flags, "qemuDomainSetVcpu")
        for d, which in ((config, "persistent"), (live, "live")):
            if d is not None and last >= d.vcpus:
                raise errors.vcpu_not_present(last, which)
        enable = bool(state)
        if live is not None:
            online = online_vcpus(live)
            for v in sorted(chosen):
                if (v in online) == enable:
                    raise errors.vcpu_in_state(v)
            if len(chosen) != 1:
                raise errors.one_entity_only()
        if config is not None:
            _validate_config(config, chosen)
        if live is not None:
            (vcpu,) = chosen
            if not enable:
                if vcpu < fixed_vcpus(live):
                    raise errors.vcpu_not_unpluggable(vcpu)
                if not live.tuning.acpi:
                    raise errors.cpu_unplug_no_acpi()
            _apply(live, chosen, enable, ordered=True)
        if config is not None:
            _apply(config, chosen, enable, ordered=False)
            config.tuning.vcpus_fixed = min(fixed_vcpus(config), min(chosen))


def _validate_config(d: DomainDef, chosen: frozenset[int]) -> None:
    """qemuDomainVcpuValidateConfig: vCPU 0 stays; fixed vCPUs stay clustered from 0."""
    if 0 in chosen:
        raise errors.vcpu0_fixed()
    first = min(chosen)
    fixed, online = fixed_vcpus(d), online_vcpus(d)
    for v in range(first + 1, d.vcpus):
        if v not in chosen and v in online and v < fixed:
            raise errors.vcpu_followed_by_fixed(first)


def _apply(d: DomainDef, chosen: frozenset[int], enable: bool, ordered: bool) -> None:
    """Switch the vCPUs; a live definition remembers the order they came online in."""
    t = d.tuning
    before = t.vcpus_online if t.vcpus_online is not None and len(t.vcpus_online) == d.current_vcpus \
        else tuple(range(d.current_vcpus))
    after = before + tuple(sorted(chosen)) if enable else tuple(v for v in before if v not in chosen)
    t.vcpus_fixed = fixed_vcpus(d)
    t.vcpus_online, t.vcpus_ordered = after, ordered and t.vcpus_ordered
    d.current_vcpus = len(after)
