"""The block-job engine without a server: pacing on the clock, holds, steps, failures, info, abort, speed."""

from __future__ import annotations

from dataclasses import dataclass, field

import pytest

from fakevirt.errors import ErrorCode, VirtError
from fakevirt.model.blockjobs import BlockJob, BlockJobs
from fakevirt.model.clock import ManualClock
from fakevirt.model.domain import Domain
from fakevirt.model.events import DomainEvent, EventID
from fakevirt.model.flags.blockjob import BlockJobStatus, BlockJobType
from fakevirt.model.flags.blockjob import DomainBlockJobAbortFlags as Abort
from fakevirt.model.flags.blockjob import DomainBlockJobInfoFlags as Info
from fakevirt.model.hypervisor import Hypervisor
from fakevirt.testing.domains import domain_from_xml

MIB = 1 << 20
DOMAIN = """<domain type='kvm'><name>vm</name><memory unit='MiB'>64</memory><vcpu>1</vcpu>
<os><type arch='x86_64'>hvm</type></os><devices>
<disk type='file' device='disk'><driver name='qemu' type='qcow2'/><source file='/images/vm.qcow2'/>
<target dev='vda' bus='virtio'/></disk></devices></domain>"""


@dataclass
class Recorder:
    """JobActions that remember what the engine asked of them."""

    calls: list[str] = field(default_factory=list)

    def reached_end(self, job: BlockJob) -> None:
        self.calls.append("end")

    def pivot(self, job: BlockJob) -> None:
        self.calls.append("pivot")

    def cancel(self, job: BlockJob) -> None:
        self.calls.append("cancel")

    def event_path(self, job: BlockJob, completed: bool) -> str:
        return "/images/new.qcow2" if completed else "/images/vm.qcow2"


class Env:
    def __init__(self) -> None:
        self.clock = ManualClock()
        self.hv = Hypervisor(clock=self.clock)
        self.hv.images.create("/images/vm.qcow2", "qcow2", 64 * MIB)
        self.driver = self.hv.system
        self.dom: Domain = self.driver.domains.define(domain_from_xml(DOMAIN, self.hv.rng))
        self.driver.domains.start(self.dom)
        self.events: list[tuple[str, int, int]] = []
        self.hv.bus.subscribe(DomainEvent, self._record)
        self.actions = Recorder()

    def _record(self, ev: DomainEvent) -> None:
        if ev.event_id == EventID.BLOCK_JOB:
            self.events.append((ev.data["path"], ev.data["type"], ev.data["status"]))
        elif ev.event_id == EventID.BLOCK_JOB_2:
            self.events.append((ev.data["dst"], ev.data["type"], ev.data["status"]))

    @property
    def jobs(self) -> BlockJobs:
        return self.hv.blockjobs

    def start(self, work: list[tuple[int, int]], *, mirror: bool = False, bandwidth: int = 0,
              end: int = 64 * MIB) -> BlockJob:
        assert self.dom.live is not None
        job = BlockJob(self.driver.uri, self.dom, self.dom.live, "vda",
                       BlockJobType.ACTIVE_COMMIT if mirror else BlockJobType.PULL, "libvirt-1-format",
                       end, work, self.actions, bandwidth=bandwidth, mirror=mirror)
        return self.jobs.start(job)

    def info(self, flags: int = 0) -> tuple[int, int, int, int] | None:
        return self.jobs.info(self.driver, self.dom, "vda", flags)


@pytest.fixture
def env() -> Env:
    return Env()


def test_only_the_work_costs_time(env: Env) -> None:
    env.start([(8 * MIB, 10 * MIB), (32 * MIB, 34 * MIB)], bandwidth=MIB)
    env.clock.advance(1)
    assert env.info(Info.BANDWIDTH_BYTES) == (BlockJobType.PULL, MIB, 9 * MIB, 64 * MIB)
    env.clock.advance(2)  # the 2nd MiB of the first range, then the gap is free: into the second range
    assert env.info() == (BlockJobType.PULL, 1, 33 * MIB, 64 * MIB)
    assert env.jobs.poll() == pytest.approx(env.clock.now() + 1)
    env.clock.advance(1)
    assert env.info() is None
    assert env.actions.calls == ["end"]
    assert env.events == [("/images/new.qcow2", 1, 0), ("vda", 1, 0)]


def test_bandwidth_reported_in_mib_rounds_up(env: Env) -> None:
    env.start([(0, MIB)], bandwidth=3_000_000)
    info = env.info()
    assert info is not None and info[1] == 3
    assert env.info(Info.BANDWIDTH_BYTES) == (BlockJobType.PULL, 3_000_000, 0, 64 * MIB)


def test_never_cur_equal_end_before_ready(env: Env) -> None:
    job = env.start([], end=0)
    assert job.info() == (0, 1)
    job2 = env.start([(0, MIB)], end=MIB)
    job2.cur = MIB
    assert job2.info() == (MIB - 1, MIB)


def test_hold_step_release(env: Env) -> None:
    job = env.start([(0, 64 * MIB)])
    env.jobs.hold(job, 0.4)
    env.clock.advance(100)
    assert env.info() == (BlockJobType.PULL, 0, int(64 * MIB * 0.4), 64 * MIB)
    env.jobs.step(job, MIB)
    assert job.cur == int(64 * MIB * 0.4) + MIB
    env.clock.advance(100)
    assert job.cur == int(64 * MIB * 0.4) + MIB
    env.jobs.release(job)
    env.clock.advance(1)
    assert env.info() is None and env.actions.calls == ["end"]


def test_mirror_job_waits_ready_then_pivots(env: Env) -> None:
    job = env.start([(0, 4 * MIB)], end=4 * MIB, mirror=True)
    with pytest.raises(VirtError) as e:
        env.jobs.abort(env.driver, env.dom, "vda", Abort.PIVOT)
    assert (e.value.code, e.value.message) == (
        ErrorCode.BLOCK_COPY_ACTIVE,
        "block copy still active: block job 'active-commit-vda-libvirt-1-format' not ready for pivot yet")
    env.jobs.finish(job)
    assert job.ready and env.info() == (BlockJobType.ACTIVE_COMMIT, 0, 4 * MIB, 4 * MIB)
    with pytest.raises(VirtError) as e:
        env.jobs.check_free(env.driver, env.dom, "vda")
    assert (e.value.code, e.value.message) == (
        ErrorCode.BLOCK_COPY_ACTIVE, "block copy still active: disk 'vda' already in active block job")
    env.jobs.abort(env.driver, env.dom, "vda", Abort.PIVOT)
    assert env.actions.calls == ["end", "pivot"]
    assert env.events == [("/images/vm.qcow2", 4, BlockJobStatus.READY), ("vda", 4, BlockJobStatus.READY),
                          ("/images/new.qcow2", 4, BlockJobStatus.COMPLETED), ("vda", 4, BlockJobStatus.COMPLETED)]


def test_abort_cancels(env: Env) -> None:
    env.start([(0, 64 * MIB)], bandwidth=1)
    env.jobs.abort(env.driver, env.dom, "vda", Abort.ASYNC)
    assert env.actions.calls == ["cancel"] and env.info() is None
    assert env.events[-1] == ("vda", 1, BlockJobStatus.CANCELED)


def test_fail_reports_and_tells_the_hooks(env: Env) -> None:
    seen: list[tuple[str, str]] = []
    env.jobs.disk_error_hooks.append(lambda dom, dst: seen.append((dom.name, dst)))
    job = env.start([(0, 64 * MIB)], bandwidth=1)
    env.jobs.fail(job)
    assert seen == [("vm", "vda")] and env.info() is None
    assert env.events == [("/images/vm.qcow2", 1, BlockJobStatus.FAILED), ("vda", 1, BlockJobStatus.FAILED)]


def test_errors(env: Env) -> None:
    def code_msg(fn: object, *args: object) -> tuple[int, str]:
        with pytest.raises(VirtError) as e:
            fn(*args)  # type: ignore[operator]
        return e.value.code, e.value.message

    assert code_msg(env.jobs.abort, env.driver, env.dom, "vda", 0) == (
        ErrorCode.INVALID_ARG, "invalid argument: disk vda does not have an active block job")
    assert code_msg(env.jobs.info, env.driver, env.dom, "vdz", 0) == (
        ErrorCode.INVALID_ARG, "invalid argument: disk 'vdz' not found in domain")
    assert code_msg(env.jobs.set_speed, env.driver, env.dom, "vda", (((1 << 63) - 1) >> 20) + 1, 0) == (
        ErrorCode.OVERFLOW, "numerical overflow: bandwidth must be less than 8796093022207")
    assert code_msg(env.jobs.abort, env.driver, env.dom, "vda", 1 << 5) == (
        ErrorCode.INVALID_ARG, "unsupported flags (0x20) in function qemuDomainBlockJobAbort")
    assert env.info() is None
    env.start([(0, MIB)])
    assert env.jobs.info(env.driver, env.dom, "/images/vm.qcow2", 0) is not None  # by source path


def test_job_vanishes_when_the_domain_stops(env: Env) -> None:
    env.start([(0, 64 * MIB)], bandwidth=1)
    env.driver.domains.destroy(env.dom)
    assert list(env.jobs) != [] and env.jobs.poll() is None and list(env.jobs) == []
