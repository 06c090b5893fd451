"""Held domain jobs (control ``job DOMAIN hold``) through libvirt-python: the save or dump call
waits in the server while the same connection and others are served, watch, steer and abort it."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from contextlib import contextmanager
from typing import Any

import libvirt
import pytest

from fakevirt.control.registry import ControlError
from fakevirt.server import session
from fakevirt.testing import ThreadedServer
from fakevirt.testing.libvirt_events import ensure_event_loop
from tests.control.test_guest_ops_python import Events, op
from tests.integration.test_agent_python import agent_xml

E = libvirt
DUMP = "/var/lib/libvirt/images/held.dump"
# what libvirtd 9.0 showed for a running save and dump of an idle 16 GiB guest (virDomainGetJobStats)
RUNNING_FIELDS = ["operation", "time_elapsed", "downtime", "setup_time", "data_total", "data_processed",
                  "data_remaining", "memory_total", "memory_processed", "memory_remaining", "memory_bps",
                  "memory_constant", "memory_normal", "memory_normal_bytes", "memory_dirty_rate", "memory_iteration",
                  "memory_postcopy_requests", "memory_page_size", "type"]


@pytest.fixture
def conn(fakevirt_uri: str) -> Iterator[libvirt.virConnect]:
    c = libvirt.open(fakevirt_uri)
    yield c
    c.close()


@pytest.fixture
def watcher(fakevirt_uri: str) -> Iterator[libvirt.virConnect]:
    c = libvirt.open(fakevirt_uri)
    yield c
    c.close()


@pytest.fixture(scope="module", autouse=True)
def _event_loop() -> None:
    ensure_event_loop()  # before the module's connections open: they get events only then


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


def test_held_dump_waits_shows_stats_steps_and_finishes(fakevirt: ThreadedServer, conn: libvirt.virConnect,
                                                        watcher: libvirt.virConnect) -> None:
    dumpvm, events = running(conn, "dumpvm")
    dom = watcher.lookupByName("dumpvm")
    armed = op(fakevirt, "job", domain="dumpvm", action="hold", fraction=0.25)
    assert armed == {"domain": "dumpvm", "armed": 0.25, "job": None}
    with calls(fakevirt) as in_thread:
        dumping = in_thread(lambda: dumpvm.coreDumpWithFormat(DUMP, libvirt.VIR_DOMAIN_CORE_DUMP_FORMAT_RAW, 0))
        assert events.wait(1) == [("lifecycle", E.VIR_DOMAIN_EVENT_SUSPENDED, E.VIR_DOMAIN_EVENT_SUSPENDED_PAUSED)]
        assert not dumping.done()
        # served meanwhile (another connection, as virsh domjobinfo: libvirt's client may hold another
        # thread's call on the dump's connection until the dump's reply, with libvirtd too)
        assert dom.state() == [E.VIR_DOMAIN_PAUSED, E.VIR_DOMAIN_PAUSED_DUMP]
        stats = dom.jobStats()
        assert stats["type"] == E.VIR_DOMAIN_JOB_UNBOUNDED
        assert stats["operation"] == E.VIR_DOMAIN_JOB_OPERATION_DUMP
        assert 0 <= stats["time_elapsed"] < 10_000 and stats["memory_iteration"] == 1 and stats["downtime"] == 300
        assert list(stats) == RUNNING_FIELDS
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
                                                         fakevirt_uri: str, watcher: libvirt.virConnect) -> None:
    dom, events = running(conn, "savevm")
    op(fakevirt, "job", domain="savevm", action="hold")
    other = libvirt.open(fakevirt_uri)
    try:
        with calls(fakevirt) as in_thread, calls(fakevirt) as in_other_thread:
            saving = in_thread(lambda: dom.save("/var/lib/libvirt/images/savevm.save"))
            events.wait(1)
            assert watcher.lookupByName("savevm").state() == [E.VIR_DOMAIN_PAUSED, E.VIR_DOMAIN_PAUSED_SAVE]
            # a suspend waits for the state change lock the save holds (libvirtd: up to 30 s)
            suspending = in_other_thread(lambda: other.lookupByName("savevm").suspend())
            assert not suspending.done()
            assert watcher.lookupByName("savevm").jobStats()["operation"] == E.VIR_DOMAIN_JOB_OPERATION_SAVE
            watcher.lookupByName("savevm").abortJob()  # abort does not wait
            with pytest.raises(libvirt.libvirtError) as failed:
                saving.result(timeout=10)
            assert suspending.result(timeout=10) == 0  # then it runs: the guest was resumed
    finally:
        other.close()
    assert (failed.value.get_error_code(), failed.value.get_error_domain()) == (E.VIR_ERR_OPERATION_ABORTED,
                                                                              E.VIR_FROM_QEMU)
    assert str(failed.value) == "operation aborted: job 'domain save' canceled by client"
    assert events.wait(2) == [("lifecycle", E.VIR_DOMAIN_EVENT_RESUMED, E.VIR_DOMAIN_EVENT_RESUMED_UNPAUSED),
                              ("lifecycle", E.VIR_DOMAIN_EVENT_SUSPENDED, E.VIR_DOMAIN_EVENT_SUSPENDED_PAUSED)]
    assert dom.state() == [E.VIR_DOMAIN_PAUSED, E.VIR_DOMAIN_PAUSED_USER]
    assert dom.jobStats(libvirt.VIR_DOMAIN_JOB_STATS_COMPLETED)["type"] == E.VIR_DOMAIN_JOB_NONE
    with pytest.raises(ControlError, match="domain savevm has no held job"):
        op(fakevirt, "job", domain="savevm", action="finish")


def test_the_state_change_lock_times_out(fakevirt: ThreadedServer, conn: libvirt.virConnect,
                                         watcher: libvirt.virConnect, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(session, "LOCK_WAIT", 0.2)
    dom, events = running(conn, "lockvm")
    op(fakevirt, "job", domain="lockvm", action="hold")
    with calls(fakevirt) as in_thread:
        saving = in_thread(lambda: dom.saveFlags("/var/lib/libvirt/images/lockvm.save", None, 0))
        events.wait(1)
        with pytest.raises(libvirt.libvirtError) as busy:
            watcher.lookupByName("lockvm").setMemoryFlags(32 << 10, libvirt.VIR_DOMAIN_AFFECT_LIVE)
        assert (busy.value.get_error_code(), busy.value.get_error_domain()) == (E.VIR_ERR_OPERATION_TIMEOUT,
                                                                              E.VIR_FROM_QEMU)
        assert str(busy.value) == ("Timed out during operation: cannot acquire state change lock "
                                   "(held by monitor=remoteDispatchDomainSaveFlags)")
        op(fakevirt, "job", domain="lockvm", action="release")
        assert saving.result(timeout=10) == 0
    assert dom.state() == [E.VIR_DOMAIN_SHUTOFF, E.VIR_DOMAIN_SHUTOFF_SAVED]


def test_fail_a_held_managed_save(fakevirt: ThreadedServer, conn: libvirt.virConnect) -> None:
    dom, events = running(conn, "msvm")
    op(fakevirt, "job", domain="msvm", action="hold", fraction=0.5)
    with calls(fakevirt) as in_thread:
        saving = in_thread(lambda: dom.managedSave(0))
        events.wait(1)
        op(fakevirt, "job", domain="msvm", action="fail")
        with pytest.raises(libvirt.libvirtError) as failed:
            saving.result(timeout=10)
    assert (failed.value.get_error_code(), failed.value.get_error_domain()) == (E.VIR_ERR_OPERATION_FAILED,
                                                                              E.VIR_FROM_QEMU)
    assert str(failed.value) == "operation failed: job 'domain save' unexpectedly failed"
    assert not dom.hasManagedSaveImage(0)
    assert dom.state() == [E.VIR_DOMAIN_RUNNING, E.VIR_DOMAIN_RUNNING_SAVE_CANCELED]


def test_destroy_and_reset_end_a_held_call(fakevirt: ThreadedServer, conn: libvirt.virConnect,
                                           watcher: libvirt.virConnect) -> None:
    dom, events = running(conn, "gone")
    op(fakevirt, "job", domain="gone", action="hold")
    with calls(fakevirt) as in_thread:
        saving = in_thread(lambda: dom.save("/var/lib/libvirt/images/gone.save"))
        events.wait(1)
        watcher.lookupByName("gone").destroy()  # destroy does not wait for the job; the save fails
        with pytest.raises(libvirt.libvirtError) as gone:
            saving.result(timeout=10)
        assert (gone.value.get_error_code(), gone.value.get_error_domain()) == (E.VIR_ERR_OPERATION_FAILED,
                                                                              E.VIR_FROM_DOMAIN)
        assert str(gone.value) == "operation failed: domain is not running"
        assert dom.state() == [E.VIR_DOMAIN_SHUTOFF, E.VIR_DOMAIN_SHUTOFF_DESTROYED]
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


SNAPSHOT_XML = """<domainsnapshot><name>{name}</name>
<memory snapshot='external' file='/var/lib/libvirt/images/{name}.mem'/></domainsnapshot>"""


def memory_file(server: ThreadedServer, name: str) -> bool:
    return f"/var/lib/libvirt/images/{name}.mem" in server.hypervisor.system.domains.saved_images


def test_held_memory_snapshot_aborted_then_finished(fakevirt: ThreadedServer, conn: libvirt.virConnect,
                                                    watcher: libvirt.virConnect) -> None:
    dom, events = running(conn, "snapvm")
    watched = watcher.lookupByName("snapvm")
    op(fakevirt, "job", domain="snapvm", action="hold")
    with calls(fakevirt) as in_thread:
        taking = in_thread(lambda: dom.snapshotCreateXML(SNAPSHOT_XML.format(name="s1"), 0))
        events.wait(1)
        assert watched.state() == [E.VIR_DOMAIN_PAUSED, E.VIR_DOMAIN_PAUSED_SNAPSHOT]
        assert watched.jobStats()["operation"] == E.VIR_DOMAIN_JOB_OPERATION_SNAPSHOT
        watched.abortJob()
        with pytest.raises(libvirt.libvirtError) as aborted:
            taking.result(timeout=10)
        assert str(aborted.value) == "operation aborted: job 'snapshot' canceled by client"
        assert watched.state() == [E.VIR_DOMAIN_RUNNING, E.VIR_DOMAIN_RUNNING_UNPAUSED]
        assert watched.snapshotListNames() == []
        assert not fakevirt.call(memory_file, fakevirt, "s1")

        op(fakevirt, "job", domain="snapvm", action="hold")
        taking = in_thread(lambda: dom.snapshotCreateXML(SNAPSHOT_XML.format(name="s2"), 0))
        while events.wait(1) != [("lifecycle", E.VIR_DOMAIN_EVENT_SUSPENDED, E.VIR_DOMAIN_EVENT_SUSPENDED_PAUSED)]:
            pass  # the abort's RESUMED first
        op(fakevirt, "job", domain="snapvm", action="finish")
        assert taking.result(timeout=10).getName() == "s2"
    assert watched.snapshotListNames() == ["s2"] and fakevirt.call(memory_file, fakevirt, "s2")
    assert watched.state() == [E.VIR_DOMAIN_RUNNING, E.VIR_DOMAIN_RUNNING_UNPAUSED]
