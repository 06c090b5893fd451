"""virDomainGet/SetSchedulerParameters(Flags): CFS shares, periods and quotas (<cputune>).

A running domain reports what its cgroups hold (the kernel's defaults for what was never set, -1
for any negative quota); the persistent definition reports its own values, 0 when unset.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from ...errors import tuning as errors
from ..flags.node import TypedParamType
from ..typedparams import Param, validate
from .common import STRING_OKAY, TuningBase
from .state import SCHED_FIELDS, SCHED_LIVE_DEFAULTS

if TYPE_CHECKING:
    from ..domain import Domain
    from ..domaindef import DomainDef

ULLONG, LLONG = TypedParamType.ULLONG, TypedParamType.LLONG
PERIOD_RANGE = (1000, 1000000)  # VIR_CGROUP_CPU_PERIOD_MIN/MAX
QUOTA_RANGE = (1000, 17592186044415)  # VIR_CGROUP_CPU_QUOTA_MIN/MAX
SHARES_RANGE = (2, 262144)  # the cgroup v1 cpu.shares limits
SCHED_TYPES = {name: (LLONG if name.endswith("_quota") else ULLONG) for name, _ in SCHED_FIELDS}
SCHED_TYPE_NAME = "posix"


class SchedulerTuning(TuningBase):

    def scheduler_type(self, dom: Domain) -> tuple[str, int]:
        """virDomainGetSchedulerType: CFS ("posix") with its nine tunables."""
        return SCHED_TYPE_NAME, len(SCHED_FIELDS)

    def get_scheduler(self, dom: Domain, nparams: int, flags: int) -> list[Param]:
        """qemuDomainGetSchedulerParametersFlags: the first ``nparams`` tunables."""
        d, live = self.one_def(dom, flags, "qemuDomainGetSchedulerParametersFlags", STRING_OKAY)
        values = self.live_sched(d) if live else {name: d.tuning.cputune.sched.get(name, 0) for name, _ in SCHED_FIELDS}
        out: list[Param] = [(name, SCHED_TYPES[name], values[name]) for name, _ in SCHED_FIELDS]
        return out[:max(nparams, 0)]

    @staticmethod
    def live_sched(d: DomainDef) -> dict[str, int]:
        """What the cgroups of a running domain report."""
        out = dict(SCHED_LIVE_DEFAULTS)
        for name, value in d.tuning.cputune.sched.items():
            out[name] = -1 if name.endswith("_quota") and value < 0 else value
        return out

    def set_scheduler(self, dom: Domain, params: list[Param], flags: int) -> None:
        """qemuDomainSetSchedulerParametersFlags: 0 leaves a period or quota of the live domain as it is."""
        validate(params, SCHED_TYPES)
        live, config = self.defs(dom, flags, "qemuDomainSetSchedulerParametersFlags")
        changed: list[Param] = []
        new_config = dict(config.tuning.cputune.sched) if config is not None else {}
        for name, kind, raw in params:
            value = int(raw)  # type: ignore[call-overload]
            if name != "cpu_shares":
                low, high = QUOTA_RANGE if name.endswith("_quota") else PERIOD_RANGE
                if (0 < value < low) or value > high:
                    raise errors.sched_out_of_range(name, low, high)
            if live is not None and (name == "cpu_shares" or value):
                if name == "cpu_shares" and not SHARES_RANGE[0] <= value <= SHARES_RANGE[1]:
                    raise errors.shares_out_of_range(value)
                live.tuning.cputune.sched[name] = value
                changed.append((f"cputune.{name}", kind, value))
            if config is not None:
                new_config[name] = value
        if config is not None:
            config.tuning.cputune.sched = new_config
        self.tunable(dom, changed)
