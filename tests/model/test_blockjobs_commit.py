"""Commit, pull and rebase on the image model: chains, node indexes, contents, events and refusals."""

from __future__ import annotations

import pytest

from fakevirt.errors import ErrorCode, ErrorDomain, VirtError
from fakevirt.model.blockjobs.commit import start_commit
from fakevirt.model.blockjobs.pull import start_pull, start_rebase
from fakevirt.model.clock import ManualClock
from fakevirt.model.domain import Domain
from fakevirt.model.events import DomainEvent, EventID
from fakevirt.model.flags.blockjob import BlockJobStatus as Status
from fakevirt.model.flags.blockjob import BlockJobType as Type
from fakevirt.model.flags.blockjob import DomainBlockCommitFlags as Commit
from fakevirt.model.flags.blockjob import DomainBlockJobAbortFlags as Abort
from fakevirt.model.flags.blockjob import DomainBlockRebaseFlags as Rebase
from fakevirt.model.hypervisor import Hypervisor
from fakevirt.testing.domains import domain_from_xml

MIB = 1 << 20
D = "/images"
DOMAIN = f"""<domain type='kvm'><name>vm</name><memory unit='MiB'>64</memory><vcpu>1</vcpu>
<os><type arch='x86_64'>hvm</type></os><devices>
<disk type='file' device='disk'><driver name='qemu' type='qcow2'/><source file='{D}/top.qcow2'/>
<target dev='vda' bus='virtio'/></disk>
<disk type='file' device='disk'><driver name='qemu' type='qcow2'/><source file='{D}/other.qcow2'/>
<target dev='vdb' bus='virtio'/></disk></devices></domain>"""


class Env:
    def __init__(self) -> None:
        self.clock = ManualClock()
        self.hv = Hypervisor(clock=self.clock)
        img = self.hv.images
        img.create(f"{D}/base.qcow2", "qcow2", 64 * MIB)
        img.write(f"{D}/base.qcow2", 0, b"\x11" * MIB)
        img.create(f"{D}/mid.qcow2", "qcow2", backing=f"{D}/base.qcow2", backing_fmt="qcow2")
        img.write(f"{D}/mid.qcow2", MIB, b"\x22" * MIB)
        img.create(f"{D}/top.qcow2", "qcow2", backing=f"{D}/mid.qcow2", backing_fmt="qcow2")
        img.write(f"{D}/top.qcow2", 2 * MIB, b"\x33" * MIB)
        img.create(f"{D}/other.qcow2", "qcow2", 16 * MIB)
        self.driver = self.hv.system
        self.dom: Domain = self.driver.domains.define(domain_from_xml(DOMAIN, self.hv.rng))
        self.driver.domains.start(self.dom)
        self.events: list[tuple[str, int, int]] = []
        self.hv.bus.subscribe(DomainEvent, self._record)
        self.before = self.read()

    def _record(self, ev: DomainEvent) -> None:
        if ev.event_id == EventID.BLOCK_JOB:
            self.events.append((ev.data["path"], ev.data["type"], ev.data["status"]))

    def read(self, n: int = 4 * MIB) -> bytes:
        return self.driver.domains.guest_read(self.dom, "vda", 0, n)

    def chain(self) -> list[tuple[str | None, int | None]]:
        assert self.dom.live is not None
        disk = self.dom.live.find_disk("vda")
        assert disk is not None
        idx = disk.source_attrs.get("index")
        out = [(disk.source, int(idx) if idx else None)]
        return out + [(n.source, n.index) for n in (disk.backing.nodes() if disk.backing else [])]

    def commit(self, base: str | None = None, top: str | None = None, bandwidth: int = 0, flags: int = 0,
               disk: str = "vda") -> object:
        return start_commit(self.hv.blockjobs, self.driver, self.dom, disk, base, top, bandwidth, flags)

    def run(self) -> None:
        self.clock.advance(3600)
        self.hv.blockjobs.poll()


@pytest.fixture
def env() -> Env:
    return Env()


def refusal(fn: object, *args: object, **kw: object) -> tuple[int, int, str]:
    with pytest.raises(VirtError) as e:
        fn(*args, **kw)  # type: ignore[operator]
    return e.value.code, e.value.domain, e.value.message


def test_non_active_commit_drops_mid_and_keeps_data(env: Env) -> None:
    assert env.chain() == [(f"{D}/top.qcow2", 2), (f"{D}/mid.qcow2", 3), (f"{D}/base.qcow2", 4)]
    env.commit(top=f"{D}/mid.qcow2", bandwidth=1)
    assert env.hv.blockjobs.info(env.driver, env.dom, "vda", 0) == (Type.COMMIT, 1, MIB, 64 * MIB)  # skips to mid's data
    env.clock.advance(0.5)
    assert env.hv.blockjobs.info(env.driver, env.dom, "vda", 0) == (Type.COMMIT, 1, MIB + MIB // 2, 64 * MIB)
    env.run()
    assert env.chain() == [(f"{D}/top.qcow2", 2), (f"{D}/base.qcow2", 4)]
    assert env.hv.images.open(f"{D}/top.qcow2").backing == f"{D}/base.qcow2"
    assert env.hv.images.read(f"{D}/base.qcow2", MIB, 1) == b"\x22"
    assert env.read() == env.before
    assert env.events == [(f"{D}/top.qcow2", Type.COMMIT, Status.COMPLETED)]
    assert env.hv.images.exists(f"{D}/mid.qcow2")


def test_commit_delete_removes_the_committed_files(env: Env) -> None:
    env.commit(base=f"{D}/base.qcow2", top="vda[3]", flags=Commit.DELETE)
    env.run()
    assert not env.hv.images.exists(f"{D}/mid.qcow2") and env.read() == env.before


def test_active_commit_ready_pivot(env: Env) -> None:
    job = env.commit(flags=Commit.ACTIVE, bandwidth=1)
    assert env.dom.live is not None
    disk = env.dom.live.find_disk("vda")
    assert disk is not None and disk.mirror is not None
    assert (disk.mirror.job, disk.mirror.path, disk.mirror.index, disk.mirror.state) == (
        "active-commit", f"{D}/base.qcow2", 4, None)
    assert env.hv.blockjobs.info(env.driver, env.dom, "vda", 0) == (Type.ACTIVE_COMMIT, 1, 0, 2 * MIB)
    env.run()
    assert disk.mirror.state == "yes" and job.ready  # type: ignore[attr-defined]
    assert env.hv.blockjobs.info(env.driver, env.dom, "vda", 0) == (Type.ACTIVE_COMMIT, 1, 2 * MIB, 2 * MIB)
    env.driver.domains.guest_write(env.dom, "vda", 3 * MIB, b"\x44" * 4096)  # while ready: mirrored
    after = env.read(4 * MIB + 4096)
    env.hv.blockjobs.abort(env.driver, env.dom, "vda", Abort.PIVOT)
    assert env.chain() == [(f"{D}/base.qcow2", 4)] and disk.mirror is None
    assert env.read(4 * MIB + 4096) == after
    assert env.events == [(f"{D}/top.qcow2", Type.ACTIVE_COMMIT, Status.READY),
                          (f"{D}/base.qcow2", Type.ACTIVE_COMMIT, Status.COMPLETED)]


def test_active_commit_abort_keeps_chain(env: Env) -> None:
    env.commit(flags=Commit.ACTIVE)
    env.run()
    env.hv.blockjobs.abort(env.driver, env.dom, "vda", 0)
    assert env.chain() == [(f"{D}/top.qcow2", 2), (f"{D}/mid.qcow2", 3), (f"{D}/base.qcow2", 4)]
    assert env.events[-1] == (f"{D}/top.qcow2", Type.ACTIVE_COMMIT, Status.CANCELED)
    assert env.read() == env.before


def test_pull_flattens_and_keeps_guest_writes(env: Env) -> None:
    start_pull(env.hv.blockjobs, env.driver, env.dom, "vda", 1, 0)
    env.driver.domains.guest_write(env.dom, "vda", 0, b"\x55" * 512)
    expected = env.read()
    env.run()
    assert env.chain() == [(f"{D}/top.qcow2", 2)]
    assert env.hv.images.open(f"{D}/top.qcow2").backing is None
    assert env.read() == expected
    assert env.events == [(f"{D}/top.qcow2", Type.PULL, Status.COMPLETED)]


def test_rebase_onto_base(env: Env) -> None:
    start_rebase(env.hv.blockjobs, env.driver, env.dom, "vda", f"{D}/base.qcow2", 0, 0)
    env.run()
    assert env.chain() == [(f"{D}/top.qcow2", 2), (f"{D}/base.qcow2", 4)] and env.read() == env.before


def test_refusals(env: Env) -> None:
    inv, q, s = ErrorCode.INVALID_ARG, ErrorDomain.QEMU, ErrorDomain.STORAGE
    assert refusal(env.commit) == (inv, q, "invalid argument: commit of 'vda' active layer requires active flag")
    assert refusal(env.commit, base=f"{D}/nope.qcow2") == (
        inv, s, f"invalid argument: could not find image '{D}/nope.qcow2' beneath '{D}/top.qcow2' in chain for 'vda'")
    assert refusal(env.commit, top=f"{D}/nope.qcow2") == (
        inv, s, f"invalid argument: could not find image '{D}/nope.qcow2' in chain for 'vda'")
    assert refusal(env.commit, base=f"{D}/mid.qcow2", top=f"{D}/base.qcow2") == (
        inv, s, f"invalid argument: could not find image '{D}/mid.qcow2' beneath '{D}/base.qcow2' in chain for 'vda'")
    assert refusal(env.commit, disk="vdb", flags=Commit.ACTIVE) == (
        inv, s, "invalid argument: could not find base image in chain for 'vdb'")
    assert refusal(env.commit, disk="vdb", flags=Commit.ACTIVE | Commit.SHALLOW) == (
        inv, q, f"invalid argument: top '{D}/other.qcow2' in chain for '{D}/other.qcow2' has no backing file")
    assert refusal(env.commit, disk="vdz") == (inv, q, "invalid argument: disk 'vdz' not found in domain")
    assert refusal(env.commit, flags=1 << 9) == (inv, q, "unsupported flags (0x200) in function qemuDomainBlockCommit")
    assert refusal(start_rebase, env.hv.blockjobs, env.driver, env.dom, "vdb", None, 0, Rebase.SHALLOW) == (
        inv, ErrorDomain.DOMAIN, "use of flags requires a copy job")
    assert refusal(start_rebase, env.hv.blockjobs, env.driver, env.dom, "vdb", None, 0, Rebase.RELATIVE) == (
        inv, q, "invalid argument: flag VIR_DOMAIN_BLOCK_REBASE_RELATIVE is valid only with non-null base")
    env.commit(top=f"{D}/mid.qcow2", bandwidth=1)
    assert refusal(start_pull, env.hv.blockjobs, env.driver, env.dom, "vda", 0, 0) == (
        ErrorCode.OPERATION_UNSUPPORTED, q, "Operation not supported: disk 'vda' already in active block job")
    env.driver.domains.destroy(env.dom)
    assert refusal(start_pull, env.hv.blockjobs, env.driver, env.dom, "vda", 0, 0) == (
        ErrorCode.OPERATION_INVALID, ErrorDomain.DOMAIN, "Requested operation is not valid: domain is not running")
