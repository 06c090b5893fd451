"""The test driver's IOThreads (testDomainAddIOThread, DelIOThread, SetIOThreadParams,
GetIOThreadInfo) and its iothread statistics group, as libvirtd 9.0's test driver answers them.

Beside the definitions the test driver keeps polling settings (testDomainObjPrivate's iothreads):
every successful AddIOThread appends one, whichever definition it changed; DelIOThread drops the
first of its id; the threads of the XML have none. SetIOThreadParams changes only those settings,
in any domain state, and the statistics group lists them while the domain runs.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from ...errors import ErrorDomain, VirtError
from ...errors import tuning as tuning_errors
from ..domain import Domain
from ..domain_tuning import DomainTuning
from ..domain_tuning.common import AFFECT_CONFIG, AFFECT_LIVE
from ..domain_tuning.state import IOThread
from ..domaindef import DomainDef
from ..flags.node import TypedParamType
from ..stats.groups import Stat
from ..typedparams import Param, validate

if TYPE_CHECKING:
    from .driver import TestDriver

POLL_PARAMS = {"poll_max_ns": TypedParamType.ULLONG, "poll_grow": TypedParamType.UINT,
               "poll_shrink": TypedParamType.UINT}


@dataclass
class PollSetting:
    """testIOThreadInfo: one IOThread's polling, as AddIOThread starts it."""

    id: int
    poll_max_ns: int = 32768
    poll_grow: int = 0
    poll_shrink: int = 0


class TestIOThreads(DomainTuning):
    """The QEMU driver's IOThread rules where the test driver shares them, its own where not."""

    driver: TestDriver

    def _settings(self, dom: Domain) -> list[PollSetting]:
        return self.driver.agents.clock_of(dom).iothreads

    @staticmethod
    def _one_target(flags: int) -> None:
        if flags & AFFECT_LIVE and flags & AFFECT_CONFIG:
            raise VirtError.exclusive_flags("VIR_DOMAIN_AFFECT_LIVE", "VIR_DOMAIN_AFFECT_CONFIG",
                                            "testDomainChgIOThread", ErrorDomain.DOMAIN)

    def add_iothread(self, dom: Domain, iothread_id: int, flags: int) -> None:
        if iothread_id == 0:
            raise tuning_errors.iothread_id_zero(self.driver.error_domain)
        self._one_target(flags)
        super().add_iothread(dom, iothread_id, flags)
        self._settings(dom).append(PollSetting(iothread_id))

    def del_iothread(self, dom: Domain, iothread_id: int, flags: int) -> None:
        self._one_target(flags)
        super().del_iothread(dom, iothread_id, flags)
        settings = self._settings(dom)
        found = next((s for s in settings if s.id == iothread_id), None)
        if found is not None:
            settings.remove(found)

    def set_iothread_params(self, dom: Domain, iothread_id: int, params: list[Param], flags: int) -> None:
        """testDomainSetIOThreadParams: polling values of a setting AddIOThread made, unchecked."""
        self.check_flags("qemuDomainSetIOThreadParams", flags, AFFECT_LIVE)
        if iothread_id == 0:
            raise tuning_errors.iothread_id_zero(self.driver.error_domain)
        validate(params, POLL_PARAMS)
        setting = next((s for s in self._settings(dom) if s.id == iothread_id), None)
        if setting is None:  # the test driver fails here without reporting why
            raise VirtError.cause_unknown()
        for name, _kind, value in params:
            setattr(setting, name, int(value))  # type: ignore[call-overload]

    def listed_iothreads(self, d: DomainDef, live: bool) -> list[IOThread]:
        return d.tuning.iothreads  # the definition's order, running or not

    def iothread_group(self, dom: Domain) -> list[Stat]:
        """testDomainGetStatsIOThread: the polling settings of a running domain."""
        settings = self._settings(dom) if dom.active else []
        if not settings:
            return []
        out: list[Stat] = [("iothread.count", TypedParamType.UINT, len(settings))]
        for s in settings:
            p = f"iothread.{s.id}."
            out += [(p + "poll-max-ns", TypedParamType.ULLONG, s.poll_max_ns),
                    (p + "poll-grow", TypedParamType.UINT, s.poll_grow),
                    (p + "poll-shrink", TypedParamType.UINT, s.poll_shrink)]
        return out
