"""Test controls of backup jobs (like hv.blockjobs'): hold a push backup at a fraction, step it,
finish it, or fail it with QEMU's error — seen through libvirt-python, virsh and the events."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import libvirt
import pytest

from fakevirt.model.backup import BackupJob
from fakevirt.testing import ThreadedServer
from fakevirt.testing.libvirt_events import ensure_event_loop, wait_for
from tests.integration.backup_common import domain_xml, running

DIR = "/var/lib/libvirt/images/bkt"
GIB = 1 << 30
PUSH = (f"<domainbackup><disks><disk name='vda' type='file'><target file='{DIR}/a.bak'/></disk>"
        f"<disk name='vdb' type='file'><target file='{DIR}/b.bak'/></disk></disks></domainbackup>")


@pytest.fixture
def env(fakevirt: ThreadedServer) -> Iterator[tuple[ThreadedServer, libvirt.virConnect, libvirt.virDomain]]:
    ensure_event_loop()
    disks = {f"{DIR}/a.qcow2": 64 * GIB, f"{DIR}/b.qcow2": 64 * GIB}  # 64 s each at the default rate
    with running(fakevirt, domain_xml("bkt", *disks), disks) as (conn, dom):
        yield fakevirt, conn, dom


def control(srv: ThreadedServer, action: str, *args: Any) -> None:
    backups = srv.hypervisor.system.backups

    def run() -> None:
        job: BackupJob = next(iter(backups.jobs.values()))
        getattr(backups, action)(job, *args)

    srv.call(run)


def events(conn: libvirt.virConnect, dom: libvirt.virDomain) -> list[tuple[str, Any]]:
    seen: list[tuple[str, Any]] = []
    conn.domainEventRegisterAny(dom, libvirt.VIR_DOMAIN_EVENT_ID_JOB_COMPLETED,
                                lambda c, d, params, o: seen.append(("job", params)), None)
    conn.domainEventRegisterAny(dom, libvirt.VIR_DOMAIN_EVENT_ID_BLOCK_JOB_2,
                                lambda c, d, dst, t, s, o: seen.append((dst, s)), None)
    return seen


def test_hold_step_release(env, virsh) -> None:
    srv, conn, dom = env
    seen = events(conn, dom)
    dom.backupBegin(PUSH, None, 0)
    control(srv, "hold", 0.4)
    stats = dom.jobStats()
    assert (stats["disk_total"], stats["disk_processed"]) == (128 * GIB, int(128 * GIB * 0.4))
    control(srv, "step", GIB)
    assert dom.jobStats()["disk_remaining"] == 128 * GIB - int(128 * GIB * 0.4) - GIB
    r = virsh("domjobinfo", "bkt")
    assert "Job type:         Unbounded" in r.stdout and "File processed:   52.200 GiB" in r.stdout
    control(srv, "finish")
    wait_for(lambda: len(seen) == 3, timeout=10)
    assert seen[0][0] == "job" and seen[0][1]["success"] and seen[0][1]["disk_processed"] == 128 * GIB
    assert seen[1:] == [("vda", libvirt.VIR_DOMAIN_BLOCK_JOB_COMPLETED), ("vdb", libvirt.VIR_DOMAIN_BLOCK_JOB_COMPLETED)]


def test_failed_push(env, virsh) -> None:
    srv, conn, dom = env
    seen = events(conn, dom)
    dom.backupBegin(PUSH, None, 0)
    control(srv, "hold", 0.25)
    control(srv, "fail", "vdb")
    wait_for(lambda: len(seen) == 3, timeout=10)
    # the failing disk's events, then the job's end once the other disk's job is cancelled
    assert seen[0] == ("vdb", libvirt.VIR_DOMAIN_BLOCK_JOB_FAILED)
    assert seen[1][0] == "job" and not seen[1][1]["success"] and seen[1][1]["errmsg"] == "Input/output error"
    assert seen[2] == ("vda", libvirt.VIR_DOMAIN_BLOCK_JOB_CANCELED)
    done = dom.jobStats(libvirt.VIR_DOMAIN_JOB_STATS_COMPLETED | libvirt.VIR_DOMAIN_JOB_STATS_KEEP_COMPLETED)
    assert done["type"] == libvirt.VIR_DOMAIN_JOB_FAILED and done["disk_processed"] == 32 * GIB
    r = virsh("domjobinfo", "bkt", "--completed")
    assert r.stdout == "Job type:         Failed      \nOperation:        Backup      \n\n"  # virsh stops there
    assert not srv.call(lambda: srv.hypervisor.images.exists(f"{DIR}/a.bak"))  # unfinished targets go


def test_failed_pull_closes_the_export(env, tmp_path: Path) -> None:
    srv, conn, dom = env
    seen = events(conn, dom)
    sock = tmp_path / "s"
    dom.backupBegin(f"<domainbackup mode='pull'><server transport='unix' socket='{sock}'/><disks>"
                    "<disk name='vda' type='file'/><disk name='vdb' backup='no'/></disks></domainbackup>", None, 0)
    control(srv, "fail", None, "No space left on device")
    wait_for(lambda: len(seen) == 2 and not sock.exists(), timeout=10)
    assert seen[0][0] == "job" and seen[0][1]["errmsg"] == "No space left on device"
    assert seen[1] == ("vda", libvirt.VIR_DOMAIN_BLOCK_JOB_FAILED)
    assert dom.jobStats()["type"] == libvirt.VIR_DOMAIN_JOB_NONE
    assert not srv.call(lambda: srv.hypervisor.images.exists(f"{DIR}/a.qcow2.{int(srv.hypervisor.clock.now())}"))
