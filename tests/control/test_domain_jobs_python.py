"""Held domain jobs (control ``job DOMAIN hold``) through libvirt-python: the save or dump call
waits in the server while the same connection and others are served, watch, steer and abort it."""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from contextlib import contextmanager
from typing import Any

import libvirt
import pytest

from fakevirt.control.registry import ControlError
from fakevirt.testing import ThreadedServer
from tests.control.test_guest_ops_python import Events, op
from tests.integration.test_agent_python import agent_xml

E = libvirt
DUMP = "/var/lib/libvirt/images/held.dump"


@pytest.fixture
def conn(fakevirt_uri: str) -> Iterator[libvirt.virConnect]:
    c = libvirt.open(fakevirt_uri)
    yield c
    c.close()


@pytest.fixture(scope="module", autouse=True)
def _event_loop() -> Iterator[None]:
    libvirt.virEventRegisterDefaultImpl()
    stop = threading.Event()

    def run() -> None:
        while not stop.is_set():
            libvirt.virEventRunDefaultImpl()

    t = threading.Thread(target=run, daemon=True)
    t.start()
    yield
    stop.set()


class JobEvents(Events):
    """Lifecycle events, and JOB_COMPLETED with its operation."""

    def __init__(self, conn: libvirt.virConnect) -> None:
        super().__init__(conn)
        conn.domainEventRegisterAny(None, libvirt.VIR_DOMAIN_EVENT_ID_JOB_COMPLETED,
                                    lambda c, d, params, o: self._add("job", params["operation"]), None)


def running(conn: libvirt.virConnect, name: str) -> tuple[libvirt.virDomain, JobEvents]:
    events = JobEvents(conn)
    dom = conn.defineXML(agent_xml(name))
    dom.create()
    assert events.wait(3)[-1] == ("lifecycle", E.VIR_DOMAIN_EVENT_STARTED, E.VIR_DOMAIN_EVENT_STARTED_BOOTED)
    return dom, events


@contextmanager
def calls(server: ThreadedServer) -> Iterator[Callable[[Callable[[], Any]], Future[Any]]]:
    """Run blocking libvirt calls in a thread; whatever a failed test leaves waiting ends with a reset."""
    pool = ThreadPoolExecutor(1)
    futures: list[Future[Any]] = []

    def submit(fn: Callable[[], Any]) -> Future[Any]:
        futures.append(pool.submit(fn))
        return futures[-1]
    try:
        yield submit
    finally:
        if not all(f.done() for f in futures):
            server.reset()
        pool.shutdown()


def test_held_dump_waits_shows_stats_steps_and_finishes(fakevirt: ThreadedServer, conn: libvirt.virConnect) -> None:
    dom, events = running(conn, "dumpvm")
    armed = op(fakevirt, "job", domain="dumpvm", action="hold", fraction=0.25)
    assert armed == {"domain": "dumpvm", "armed": 0.25, "job": None}
    with calls(fakevirt) as in_thread:
        dumping = in_thread(lambda: dom.coreDumpWithFormat(DUMP, libvirt.VIR_DOMAIN_CORE_DUMP_FORMAT_RAW, 0))
        assert events.wait(1) == [("lifecycle", E.VIR_DOMAIN_EVENT_SUSPENDED, E.VIR_DOMAIN_EVENT_SUSPENDED_PAUSED)]
        assert not dumping.done()
        # the same connection is served while its dump waits
        assert dom.state() == [E.VIR_DOMAIN_PAUSED, E.VIR_DOMAIN_PAUSED_DUMP]
        stats = dom.jobStats()
        assert stats["type"] == E.VIR_DOMAIN_JOB_UNBOUNDED
        assert stats["operation"] == E.VIR_DOMAIN_JOB_OPERATION_DUMP
        assert 0 <= stats["time_elapsed"] < 10_000 and stats["memory_iteration"] == 1 and "downtime" not in stats
        total = stats["memory_total"]
        assert stats["data_total"] == total and 0 < stats["memory_remaining"] < total
        info = dom.jobInfo()
        assert info[0] == E.VIR_DOMAIN_JOB_UNBOUNDED and info[1] >= stats["time_elapsed"]
        assert (info[6], info[7], info[8]) == (total, stats["memory_processed"], stats["memory_remaining"])
        stepped = op(fakevirt, "job", domain="dumpvm", action="step", fraction=0.75)
        assert stepped["job"]["fraction"] == 0.75 and stepped["job"]["operation"] == "dump"
        assert abs(dom.jobStats()["memory_processed"] - 3 * stats["memory_processed"]) <= 3
        op(fakevirt, "job", domain="dumpvm", action="finish")
        assert dumping.result(timeout=10) == 0
    assert events.wait(2) == [("job", E.VIR_DOMAIN_JOB_OPERATION_DUMP),
                              ("lifecycle", E.VIR_DOMAIN_EVENT_RESUMED, E.VIR_DOMAIN_EVENT_RESUMED_UNPAUSED)]
    assert fakevirt.call(fakevirt.hypervisor.images.exists, DUMP)
    assert dom.jobStats(libvirt.VIR_DOMAIN_JOB_STATS_COMPLETED)["type"] == E.VIR_DOMAIN_JOB_COMPLETED
    assert dom.jobStats()["type"] == E.VIR_DOMAIN_JOB_NONE


def test_abort_cancels_a_held_save_and_the_guest_resumes(fakevirt: ThreadedServer, conn: libvirt.virConnect,
                                                         fakevirt_uri: str) -> None:
    dom, events = running(conn, "savevm")
    op(fakevirt, "job", domain="savevm", action="hold")
    with calls(fakevirt) as in_thread:
        saving = in_thread(lambda: dom.save("/var/lib/libvirt/images/savevm.save"))
        events.wait(1)
        assert dom.state() == [E.VIR_DOMAIN_PAUSED, E.VIR_DOMAIN_PAUSED_SAVE]
        other = libvirt.open(fakevirt_uri)
        try:
            odom = other.lookupByName("savevm")
            with pytest.raises(libvirt.libvirtError) as busy:
                odom.suspend()
            assert busy.value.get_error_code() == E.VIR_ERR_OPERATION_TIMEOUT
            assert str(busy.value) == ("Timed out during operation: cannot acquire state change lock "
                                       "(held by monitor=remoteDispatchDomainSave)")
            odom.abortJob()
        finally:
            other.close()
        with pytest.raises(libvirt.libvirtError) as failed:
            saving.result(timeout=10)
    assert failed.value.get_error_code() == E.VIR_ERR_OPERATION_ABORTED
    assert str(failed.value) == "operation aborted: domain save job: canceled by client"
    assert dom.state() == [E.VIR_DOMAIN_RUNNING, E.VIR_DOMAIN_RUNNING_SAVE_CANCELED]
    assert events.wait(1) == [("lifecycle", E.VIR_DOMAIN_EVENT_RESUMED, E.VIR_DOMAIN_EVENT_RESUMED_UNPAUSED)]
    assert dom.jobStats(libvirt.VIR_DOMAIN_JOB_STATS_COMPLETED)["type"] == E.VIR_DOMAIN_JOB_NONE
    with pytest.raises(ControlError, match="domain savevm has no held job"):
        op(fakevirt, "job", domain="savevm", action="finish")


def test_fail_a_held_managed_save(fakevirt: ThreadedServer, conn: libvirt.virConnect) -> None:
    dom, events = running(conn, "msvm")
    op(fakevirt, "job", domain="msvm", action="hold", fraction=0.5)
    with calls(fakevirt) as in_thread:
        saving = in_thread(lambda: dom.managedSave(0))
        events.wait(1)
        op(fakevirt, "job", domain="msvm", action="fail")
        with pytest.raises(libvirt.libvirtError) as failed:
            saving.result(timeout=10)
    assert failed.value.get_error_code() == E.VIR_ERR_OPERATION_FAILED
    assert str(failed.value) == "operation failed: domain save job: unexpectedly failed"
    assert not dom.hasManagedSaveImage(0)
    assert dom.state() == [E.VIR_DOMAIN_RUNNING, E.VIR_DOMAIN_RUNNING_SAVE_CANCELED]


def test_destroy_and_reset_end_a_held_call(fakevirt: ThreadedServer, conn: libvirt.virConnect) -> None:
    dom, events = running(conn, "gone")
    op(fakevirt, "job", domain="gone", action="hold")
    with calls(fakevirt) as in_thread:
        saving = in_thread(lambda: dom.save("/var/lib/libvirt/images/gone.save"))
        events.wait(1)
        dom.destroy()  # destroy is allowed beside the job; the save fails
        with pytest.raises(libvirt.libvirtError, match="operation failed: domain is not running"):
            saving.result(timeout=10)
        dom.create()
        op(fakevirt, "job", domain="gone", action="hold")
        saving = in_thread(lambda: dom.save("/var/lib/libvirt/images/gone.save"))
        while events.wait(1) != [("lifecycle", E.VIR_DOMAIN_EVENT_SUSPENDED, E.VIR_DOMAIN_EVENT_SUSPENDED_PAUSED)]:
            pass  # the destroy's and the start's events first; each wait is bounded
        fakevirt.reset()
        with pytest.raises(libvirt.libvirtError, match="operation failed: domain is not running"):
            saving.result(timeout=10)
    assert conn.listAllDomains() == []
    assert fakevirt.call(lambda: dict(fakevirt.hypervisor.domjobs.running)) == {}
