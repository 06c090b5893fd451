"""Held domain jobs in the model: the completed statistics of a held save report how long it ran."""

from __future__ import annotations

import pytest

from fakevirt.model.clock import ManualClock
from fakevirt.model.domain_jobs import JobHeld
from fakevirt.model.hypervisor import Hypervisor
from fakevirt.testing import minimal_domain_xml
from fakevirt.testing.domains import domain_from_xml


def _elapsed(hv: Hypervisor, hold_for: float | None) -> int:
    drv = hv.system
    dom = drv.domains.define(domain_from_xml(minimal_domain_xml("vm"), hv.rng))
    drv.domains.start(dom)
    if hold_for is None:
        drv.domains.managed_save(dom)
    else:
        hv.domjobs.arm(dom, 0.5)
        with pytest.raises(JobHeld) as held:
            drv.domains.managed_save(dom)
        assert hv.domjobs.job_of(dom) is held.value.job
        assert isinstance(hv.clock, ManualClock)
        hv.clock.advance(hold_for)
        hv.domjobs.finish(held.value.job)
        held.value.job.outcome()
    assert dom.completed_job is not None
    return next(int(v) for f, _t, v in dom.completed_job[1] if f == "time_elapsed")  # type: ignore[call-overload]


def test_a_job_not_held_takes_its_fixed_time() -> None:
    assert _elapsed(Hypervisor(clock=ManualClock()), None) == 40


def test_a_held_job_took_as_long_as_it_was_held() -> None:
    assert _elapsed(Hypervisor(clock=ManualClock()), 7.25) == 7250
    assert _elapsed(Hypervisor(clock=ManualClock()), 0.001) == 40  # never less than a job that ran at once
