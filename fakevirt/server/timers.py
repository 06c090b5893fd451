"""The server's clock-driven work: block jobs advance and send their events without a client asking."""

from __future__ import annotations

import trio

from ..model.hypervisor import Hypervisor

IDLE = 0.2  # no job: look again this often (a reset() replaces the registry that could wake us)
MAX_STEP = 0.05  # a running job: at least this often, so a test's ManualClock.advance is seen soon
MIN_STEP = 0.001


async def drive_block_jobs(hv: Hypervisor) -> None:
    """Poll the block jobs at the time the next one changes phase, or when a job starts."""
    while True:
        jobs = hv.blockjobs
        due = jobs.poll()
        woken = trio.Event()
        jobs.wake = woken.set
        delay = IDLE if due is None else min(MAX_STEP, max(MIN_STEP, due - hv.clock.now()))
        with trio.move_on_after(delay):
            await woken.wait()
