"""virDomainGet/SetPerfEvents and virDomainSetLifecycleAction."""

from __future__ import annotations

from typing import TYPE_CHECKING

from ...errors import tuning as errors
from ..flags.node import TypedParamType
from ..flags.tuning import DomainLifecycle, DomainLifecycleAction
from ..typedparams import Param, validate
from .common import TuningBase
from .state import PERF_EVENTS

if TYPE_CHECKING:
    from ..domain import Domain
    from ..domaindef import DomainDef

_BOOL = TypedParamType.BOOLEAN
RESCTRL_EVENTS = ("cmt", "mbmt", "mbml")  # need resctrl monitoring rather than perf_event_open
Action = DomainLifecycleAction


class PerfTuning(TuningBase):
    # The reference host opens no perf event for a guest; a test may give this host a PMU.
    host_perf: bool = False

    def get_perf(self, dom: Domain, flags: int) -> list[Param]:
        """qemuDomainGetPerfEvents: every event, enabled or not."""
        d, _live = self.one_def(dom, flags, "qemuDomainGetPerfEvents")
        return [(name, _BOOL, int(bool(d.tuning.perf.get(name)))) for name in PERF_EVENTS]

    def set_perf(self, dom: Domain, params: list[Param], flags: int) -> None:
        """qemuDomainSetPerfEvents: a running domain enables an event on the host, which may refuse."""
        validate(params, dict.fromkeys(PERF_EVENTS, _BOOL))
        live, config = self.defs(dom, flags, "qemuDomainSetPerfEvents")
        if live is not None:
            for name, _kind, value in params:
                if value:
                    self._open_on_host(name)
                live.tuning.perf[name] = bool(value)
        if config is not None:
            for name, _kind, value in params:
                config.tuning.perf[name] = bool(value)

    def check_host_perf(self, d: DomainDef) -> None:
        """qemuProcessEnablePerf at start: the host opens every event the definition enables, or the start fails."""
        for name in d.tuning.perf_enabled():
            self._open_on_host(name)

    def _open_on_host(self, name: str) -> None:
        if not self.host_perf:
            raise errors.perf_unsupported(name) if name in RESCTRL_EVENTS else errors.perf_open_failed(name)

    def enabled_perf_events(self, dom: Domain) -> list[str]:
        """The events a running domain counts (the perf stats group reads them)."""
        return dom.live.tuning.perf_enabled() if dom.live is not None else []

    def set_lifecycle_action(self, dom: Domain, kind: int, action: int, flags: int) -> None:
        """virDomainSetLifecycleAction: on_poweroff, on_reboot or on_crash of one or both definitions."""
        if kind not in DomainLifecycle._value2member_map_:
            raise errors.lifecycle_type(kind)
        if action not in Action._value2member_map_:
            raise errors.lifecycle_action(action)
        kind_e, action_e = DomainLifecycle(kind), Action(action)
        live, config = self.defs(dom, flags, "qemuDomainSetLifecycleAction")
        if kind_e != DomainLifecycle.CRASH and action_e in (Action.COREDUMP_DESTROY, Action.COREDUMP_RESTART):
            raise errors.lifecycle_not_allowed(kind_e.name.lower(), action_e.xml_name)
        attr = f"on_{kind_e.name.lower()}"
        targets = [d for d in (live, config) if d is not None]
        for d in targets:
            _validate_actions(d, attr, action_e.xml_name)
        for d in targets:
            setattr(d, attr, action_e.xml_name)


def _validate_actions(d: DomainDef, attr: str, value: str) -> None:
    """qemuValidateLifecycleAction on the definition as it would become."""
    acts = {a: getattr(d, a) for a in ("on_poweroff", "on_reboot", "on_crash")}
    acts[attr] = value
    if "rename-restart" in acts.values():
        raise errors.lifecycle_qemu("qemu driver doesn't support the 'rename-restart' action for "
                                    "'on_reboot'/'on_poweroff'/'on_crash'")
    if "preserve" in (acts["on_poweroff"], acts["on_reboot"]):
        raise errors.lifecycle_qemu("qemu driver doesn't support the 'preserve' action for 'on_reboot'/'on_poweroff'")
    if acts["on_poweroff"] == "restart" and acts["on_reboot"] == "destroy":
        raise errors.lifecycle_qemu("qemu driver doesn't support 'onReboot' set to 'destroy and 'onPoweroff' set to 'reboot'")
