"""Block jobs with the rest of the model: bitmaps, disk errors, node indexes, snapshots, a stopping domain."""

from __future__ import annotations

import pytest

from fakevirt.errors import ErrorCode, ErrorDomain
from fakevirt.model.blockjobs.copy import CopyRequest, start_copy
from fakevirt.model.blockjobs.pull import start_pull
from fakevirt.model.checkpoints.checkpointdef import CheckpointDef
from fakevirt.model.flags.blockdev import DomainDiskErrorCode
from fakevirt.model.flags.blockjob import BlockJobStatus as Status
from fakevirt.model.flags.blockjob import BlockJobType as Type
from fakevirt.model.flags.blockjob import DomainBlockCommitFlags as Commit
from fakevirt.model.flags.blockjob import DomainBlockCopyFlags as Copy
from fakevirt.model.flags.blockjob import DomainBlockJobAbortFlags as Abort
from fakevirt.model.flags.checkpoint import DomainCheckpointXMLFlags as XMLFlags
from fakevirt.model.flags.snapshot import DomainSnapshotCreateFlags as SnapCreate
from fakevirt.xml.snapshot import parse_snapshot_xml

from .test_blockjobs_commit import MIB, D, Env, refusal


@pytest.fixture
def env() -> Env:
    return Env()


def snapshot(env: Env, name: str) -> None:
    xml = (f"<domainsnapshot><name>{name}</name><disks><disk name='vda' snapshot='external'>"
           f"<source file='{D}/{name}.qcow2'/></disk></disks></domainsnapshot>")
    env.driver.snapshots.create(env.dom, parse_snapshot_xml(xml), SnapCreate.DISK_ONLY | SnapCreate.NO_METADATA)


def checkpoint(env: Env, name: str) -> None:
    env.driver.checkpoints.create(env.dom, CheckpointDef(name=name), 0)


def size(env: Env, name: str) -> int | None:
    return env.driver.checkpoints.xml_definition(env.dom, name, XMLFlags.SIZE).disks[0].size


def write(env: Env, at: int, n: int) -> None:
    env.driver.domains.guest_write(env.dom, "vda", at, b"\x66" * n)


def dirty(env: Env, path: str) -> dict[str, int]:
    return {b.name: b.dirty_bytes(64 * MIB) for b in env.hv.images.bitmaps(f"{D}/{path}")}


def test_active_commit_pivot_merges_the_bitmaps_into_base(env: Env) -> None:
    checkpoint(env, "c1")
    write(env, 16 * MIB, 2 * MIB)
    snapshot(env, "s1")
    write(env, 20 * MIB, MIB)
    checkpoint(env, "c2")
    write(env, 24 * MIB, MIB)
    env.commit(flags=Commit.ACTIVE)
    env.run()
    assert dirty(env, "base.qcow2") == {}  # ready: libvirt merges the bitmaps at the pivot
    env.hv.blockjobs.abort(env.driver, env.dom, "vda", Abort.PIVOT)
    assert dirty(env, "base.qcow2") == {"c1": 4 * MIB, "c2": MIB}
    assert (size(env, "c1"), size(env, "c2")) == (4 * MIB, MIB)


def test_pull_keeps_the_top_bitmaps_free_of_the_pulled_data(env: Env) -> None:
    checkpoint(env, "c1")
    snapshot(env, "s1")
    write(env, 8 * MIB, MIB)
    start_pull(env.hv.blockjobs, env.driver, env.dom, "vda", 0, 0)
    env.run()
    assert dirty(env, "s1.qcow2") == {"c1": MIB}  # the 3 MiB pulled from below are not "changed"
    assert size(env, "c1") == MIB


def copy(env: Env, path: str, flags: Copy = Copy.TRANSIENT_JOB) -> object:
    return start_copy(env.hv.blockjobs, env.driver, env.dom, "vda",
                      CopyRequest(path=f"{D}/{path}", flags=flags | Copy.TRANSIENT_JOB))


@pytest.mark.parametrize(("flags", "pivot", "want"), [
    (Copy.SHALLOW, True, {"c1": MIB}), (Copy(0), True, {"c1": 3 * MIB}), (Copy(0), False, {})])
def test_copy_takes_bitmaps_at_its_pivot_only(env: Env, flags: Copy, pivot: bool, want: dict[str, int]) -> None:
    checkpoint(env, "c1")
    write(env, 8 * MIB, 2 * MIB)
    snapshot(env, "s1")
    write(env, 12 * MIB, MIB)
    copy(env, "copy.qcow2", flags)
    env.run()
    env.hv.blockjobs.abort(env.driver, env.dom, "vda", Abort.PIVOT if pivot else 0)
    assert dirty(env, "copy.qcow2") == want


def test_ready_active_commit_abort_leaves_base_as_the_top_showed(env: Env) -> None:
    env.commit(flags=Commit.ACTIVE)
    env.run()
    write(env, 5 * MIB, 4096)  # after ready: QEMU mirrors it into base too
    shown = env.read(6 * MIB)
    env.hv.blockjobs.abort(env.driver, env.dom, "vda", 0)
    assert env.hv.images.read(f"{D}/base.qcow2", 0, 6 * MIB) == shown
    assert env.read(6 * MIB) == shown


def test_a_failed_job_shows_in_the_disk_errors(env: Env) -> None:
    assert env.driver.blockdev.disk_errors(env.dom, 4, 0) == ([], 0)
    job = env.commit(top=f"{D}/mid.qcow2", bandwidth=1)
    env.hv.blockjobs.fail(job)  # type: ignore[arg-type]
    assert env.events[-1] == (f"{D}/top.qcow2", Type.COMMIT, Status.FAILED)
    assert env.driver.blockdev.disk_errors(env.dom, 4, 0) == ([("vda", DomainDiskErrorCode.DISK_ERROR_UNSPEC)], 1)
    assert env.chain()[1] == (f"{D}/mid.qcow2", 3) and env.read() == env.before
    env.driver.domains.destroy(env.dom)
    env.driver.domains.start(env.dom)
    assert env.driver.blockdev.disk_errors(env.dom, 4, 0) == ([], 0)  # a new QEMU, a clean io-status


@pytest.mark.parametrize("kind", ["pull", "commit"])
def test_pivot_of_a_job_without_mirror(env: Env, kind: str) -> None:
    """qemuDomainBlockPivot checks readiness first: a pull or a plain commit is never ready."""
    if kind == "pull":
        start_pull(env.hv.blockjobs, env.driver, env.dom, "vda", 1, 0)
        name = "pull-vda-libvirt-2-format"
    else:
        env.commit(top=f"{D}/mid.qcow2", bandwidth=1)
        name = "commit-vda-libvirt-3-format"
    assert refusal(env.hv.blockjobs.abort, env.driver, env.dom, "vda", Abort.PIVOT) == (
        ErrorCode.BLOCK_COPY_ACTIVE, ErrorDomain.QEMU, f"block copy still active: block job '{name}' not ready for pivot yet")


def test_snapshot_after_an_aborted_copy_takes_a_fresh_node_index(env: Env) -> None:
    copy(env, "copy.qcow2")  # takes index 5 (top 2, mid 3, base 4, other 1)
    env.hv.blockjobs.abort(env.driver, env.dom, "vda", 0)
    snapshot(env, "s1")
    assert env.chain()[0] == (f"{D}/s1.qcow2", 6)


@pytest.mark.parametrize("kind", ["copy", "commit"])
def test_destroy_during_a_job_ends_it_without_an_event(env: Env, kind: str) -> None:
    """As libvirtd: only the lifecycle events; the copy's file stays; the restarted domain has no job."""
    if kind == "copy":
        copy(env, "copy.qcow2")
    else:
        env.commit(top=f"{D}/mid.qcow2", bandwidth=1)
    env.driver.domains.destroy(env.dom)
    env.driver.domains.start(env.dom)
    env.run()
    assert env.events == []
    assert env.hv.blockjobs.info(env.driver, env.dom, "vda", 0) is None
    assert env.hv.images.exists(f"{D}/copy.qcow2") == (kind == "copy")
    assert env.chain()[1:] == [(f"{D}/mid.qcow2", 3), (f"{D}/base.qcow2", 4)]


def test_guest_writes_after_an_active_commit_pivot(env: Env) -> None:
    """The old top still names base as its backing file; QEMU writes base, its active layer, anyway."""
    env.commit(flags=Commit.ACTIVE)
    env.run()
    env.hv.blockjobs.abort(env.driver, env.dom, "vda", Abort.PIVOT)
    write(env, 0, 4096)
    assert env.read(4096) == b"\x66" * 4096


def test_during_a_job_checkpoints_come_and_go_but_snapshots_are_refused(env: Env) -> None:
    """libvirtd 9.0: checkpoint create/delete while a copy runs; an external snapshot of the disk is refused."""
    copy(env, "copy.qcow2")
    checkpoint(env, "c1")
    env.driver.checkpoints.delete(env.dom, "c1", 0)
    assert refusal(snapshot, env, "s1") == (
        ErrorCode.BLOCK_COPY_ACTIVE, ErrorDomain.QEMU, "block copy still active: disk 'vda' already in active block job")
