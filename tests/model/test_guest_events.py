"""The guest's own doings and the save/dump job model, without a server."""

from __future__ import annotations

import uuid

import pytest

from fakevirt.errors import ErrorCode, VirtError
from fakevirt.model.clock import ManualClock
from fakevirt.model.devices import Disk, Watchdog
from fakevirt.model.domain import Domain, Paused, Shutoff, State
from fakevirt.model.domaindef import DomainDef
from fakevirt.model.events import DomainEvent, EventID, IOErrorAction, Lifecycle, WatchdogAction
from fakevirt.model.guest_events.jobs import JobOperation, JobStatsFlags, JobType, migration_stats
from fakevirt.model.hypervisor import Hypervisor

IMG = "/var/lib/libvirt/images/g.qcow2"


@pytest.fixture
def hv() -> Hypervisor:
    hv = Hypervisor(clock=ManualClock())
    hv.images.create(IMG, "qcow2", 1 << 20)
    return hv


@pytest.fixture
def seen(hv: Hypervisor) -> list[tuple[int, dict]]:
    out: list[tuple[int, dict]] = []
    hv.bus.subscribe(DomainEvent, lambda e: out.append((int(e.event_id), dict(e.data))))
    return out


def running(hv: Hypervisor, seen: list, watchdog: str | None = None, policy: dict | None = None,
            on_crash: str = "destroy") -> Domain:
    d = DomainDef(name="g", uuid=uuid.UUID(int=7), memory_kib=65536, current_memory_kib=65536, vcpus=1,
                  current_vcpus=1, on_crash=on_crash)
    d.disks = [Disk(source=IMG, driver_name="qemu", driver_type="qcow2", target_dev="vda", target_bus="virtio",
                    driver_attrs=dict(policy or {}))]
    if watchdog is not None:
        d.watchdogs = [Watchdog(action=watchdog)]
    domains = hv.system.domains
    dom = domains.define(domains.complete_definition(d))
    domains.start(dom)
    seen.clear()
    return dom


def lifecycle(seen: list) -> list[tuple[int, int]]:
    return [(x["event"], x["detail"]) for e, x in seen if e == EventID.LIFECYCLE]


@pytest.mark.parametrize(("action", "events", "state"), [
    ("pause", [(EventID.WATCHDOG, WatchdogAction.PAUSE), (EventID.LIFECYCLE, None)], (State.PAUSED, Paused.WATCHDOG)),
    ("reset", [(EventID.WATCHDOG, WatchdogAction.RESET), (EventID.REBOOT, None)], (State.RUNNING, 1)),
    ("none", [(EventID.WATCHDOG, WatchdogAction.NONE)], (State.RUNNING, 1)),
    ("inject-nmi", [(EventID.WATCHDOG, WatchdogAction.INJECTNMI)], (State.RUNNING, 1)),
    ("poweroff", [(EventID.WATCHDOG, WatchdogAction.POWEROFF), (EventID.LIFECYCLE, None)],
     (State.SHUTOFF, Shutoff.CRASHED)),
    ("shutdown", [(EventID.WATCHDOG, WatchdogAction.SHUTDOWN), (EventID.LIFECYCLE, None), (EventID.LIFECYCLE, None)],
     (State.SHUTOFF, Shutoff.SHUTDOWN)),
])
def test_watchdog_does_what_its_action_says(hv, seen, action, events, state) -> None:
    dom = running(hv, seen, watchdog=action)
    hv.system.domains.watchdog_fires(dom)
    assert [(e, x.get("action")) for e, x in seen] == events
    assert (dom.state, dom.reason) == state


def test_watchdog_needs_one(hv, seen) -> None:
    dom = running(hv, seen)
    with pytest.raises(VirtError):
        hv.system.domains.watchdog_fires(dom)
    assert seen == []


@pytest.mark.parametrize(("policy", "reason", "write", "action"), [
    ({}, "enospc", True, IOErrorAction.PAUSE),  # QEMU's default werror=enospc
    ({}, "", True, IOErrorAction.REPORT),
    ({}, "enospc", False, IOErrorAction.REPORT),  # rerror defaults to report
    ({"error_policy": "stop"}, "", True, IOErrorAction.PAUSE),
    ({"error_policy": "ignore"}, "", True, IOErrorAction.NONE),
    ({"error_policy": "stop", "rerror_policy": "report"}, "", False, IOErrorAction.REPORT),
    ({"rerror_policy": "stop"}, "", False, IOErrorAction.PAUSE),
])
def test_io_error_follows_the_disk_policy(hv, seen, policy, reason, write, action) -> None:
    dom = running(hv, seen, policy=policy)
    assert hv.system.domains.io_error(dom, "vda", reason, write) == action
    assert [e for e, _ in seen][:2] == [EventID.IO_ERROR, EventID.IO_ERROR_REASON]
    assert seen[1][1] == {"srcPath": IMG, "devAlias": "virtio-disk0", "action": action, "reason": reason}
    paused = action == IOErrorAction.PAUSE
    assert (dom.state == State.PAUSED) == paused and lifecycle(seen) == ([(Lifecycle.SUSPENDED, 2)] if paused else [])


@pytest.mark.parametrize(("on_crash", "events", "state"), [
    ("destroy", [(Lifecycle.CRASHED, 0), (Lifecycle.STOPPED, 2)], State.SHUTOFF),
    ("preserve", [(Lifecycle.CRASHED, 0)], State.CRASHED),
    ("restart", [(Lifecycle.CRASHED, 0), (Lifecycle.RESUMED, 0)], State.RUNNING),
])
def test_panic_follows_on_crash(hv, seen, on_crash, events, state) -> None:
    dom = running(hv, seen, on_crash=on_crash)
    hv.system.domains.panic(dom)
    assert lifecycle(seen) == events and dom.state == state


def test_guest_triggers_need_a_running_domain(hv, seen) -> None:
    dom = running(hv, seen)
    hv.system.domains.destroy(dom)
    with pytest.raises(VirtError) as e:
        hv.system.domains.rtc_change(dom, 5)
    assert (e.value.code, e.value.message) == (ErrorCode.OPERATION_INVALID, "Requested operation is not valid: domain is not running")


def test_save_records_completed_job_stats(hv, seen) -> None:
    domains = hv.system.domains
    dom = running(hv, seen)
    assert domains.job_stats(dom, 0) == (JobType.NONE, [])
    with pytest.raises(VirtError) as e:
        domains.abort_job(dom)
    assert e.value.message == "Requested operation is not valid: no job is active on the domain"
    domains.save(dom, "/var/lib/libvirt/images/g.sav", None)
    (job,) = [x["params"] for ev, x in seen if ev == EventID.JOB_COMPLETED]
    assert job == migration_stats(dom.config, JobOperation.SAVE)
    with pytest.raises(VirtError):  # an inactive domain has no current job to show
        domains.job_stats(dom, 0)
    keep = JobStatsFlags.COMPLETED | JobStatsFlags.KEEP_COMPLETED
    assert domains.job_stats(dom, keep) == (JobType.COMPLETED, job)
    assert domains.job_stats(dom, JobStatsFlags.COMPLETED) == (JobType.COMPLETED, job)
    assert domains.job_stats(dom, JobStatsFlags.COMPLETED) == (JobType.NONE, [])  # read once without KEEP
    with pytest.raises(VirtError) as e:
        domains.job_stats(dom, 4)
    assert e.value.message == "unsupported flags (0x4) in function qemuDomainGetJobStats"


def test_live_dump_has_no_bandwidth_and_core_dumps_are_files(hv, seen) -> None:
    domains = hv.system.domains
    dom = running(hv, seen)
    domains.core_dump(dom, "/var/lib/libvirt/images/g.core", 0, 2)  # LIVE
    assert [e for e, _ in seen] == [EventID.MIGRATION_ITERATION, EventID.LIFECYCLE, EventID.MIGRATION_ITERATION,
                                    EventID.JOB_COMPLETED, EventID.LIFECYCLE]
    assert dom.completed_job is not None
    names = [f for f, _, _ in dom.completed_job[1]]
    assert "memory_bps" not in names and names[0] == "operation"
    assert hv.images.exists("/var/lib/libvirt/images/g.core")
    domains.core_dump(dom, "/var/lib/libvirt/images/g.mem", 0, 16)  # MEMORY_ONLY: an ELF of guest RAM
    assert hv.images.open("/var/lib/libvirt/images/g.mem").virtual_size >= 65536 * 1024
    assert dom.state == State.RUNNING


def test_balloon_change_on_a_live_memory_change_and_tunable(hv, seen) -> None:
    from fakevirt.model.devices import Memballoon
    from fakevirt.model.flags.node import TypedParamType as T
    domains = hv.system.domains
    dom = running(hv, seen)
    assert dom.live is not None and dom.live.memballoon is not None
    domains.set_memory(dom, 32768, 1)  # AFFECT_LIVE
    assert seen == [(EventID.BALLOON_CHANGE, {"actual": 32768})]
    seen.clear()
    dom.live.memballoon = Memballoon(model="none")
    domains.set_memory(dom, 40000, 1)
    assert seen == []  # no balloon, no event
    domains.emit_tunable(dom, [("cputune.vcpupin0", T.STRING, "0")])
    assert seen == [(EventID.TUNABLE, {"params": [("cputune.vcpupin0", T.STRING, "0")]})]
