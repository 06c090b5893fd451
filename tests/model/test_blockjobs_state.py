"""Hypothesis state machine: guest writes, block commit/pull/copy (pivot, abort, finish, fail, held
mid-way), checkpoints created and deleted (also while a job runs), external snapshots (refused while one
runs) — on one running domain.

After every step: each image of the disk's chain is readable and consistent (qemu-img check), the
live XML's chain is the image store's chain with distinct node indexes, the guest sees exactly the
bytes it wrote (no job changes them), and each checkpoint's --size is the granules written since it
was made (bitmaps follow the data through every job).
"""

from __future__ import annotations

import os

import pytest
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, precondition, rule

from fakevirt.errors import VirtError
from fakevirt.model.blockjobs.chainview import layers
from fakevirt.model.blockjobs.commit import start_commit
from fakevirt.model.blockjobs.copy import CopyRequest, start_copy
from fakevirt.model.blockjobs.job import BlockJob
from fakevirt.model.blockjobs.pull import start_pull
from fakevirt.model.checkpoints.checkpointdef import CheckpointDef
from fakevirt.model.clock import ManualClock
from fakevirt.model.flags.blockjob import DomainBlockCommitFlags as Commit
from fakevirt.model.flags.blockjob import DomainBlockCopyFlags as Copy
from fakevirt.model.flags.blockjob import DomainBlockJobAbortFlags as Abort
from fakevirt.model.flags.checkpoint import DomainCheckpointXMLFlags as XMLFlags
from fakevirt.model.flags.snapshot import DomainSnapshotCreateFlags as SnapCreate
from fakevirt.model.hypervisor import Hypervisor
from fakevirt.testing.domains import domain_from_xml
from fakevirt.xml.snapshot import parse_snapshot_xml

G = 65536  # the qcow2 cluster size and every bitmap's granularity
SIZE = 24 * G
D = "/images"
DOMAIN = f"""<domain type='kvm'><name>vm</name><memory unit='MiB'>64</memory><vcpu>1</vcpu>
<os><type arch='x86_64'>hvm</type></os><devices>
<disk type='file' device='disk'><driver name='qemu' type='qcow2'/><source file='{D}/vm.qcow2'/>
<target dev='vda' bus='virtio'/></disk></devices></domain>"""
# CI keeps it short; FAKEVIRT_HYPOTHESIS_EXAMPLES=500 explores more
EXAMPLES = int(os.environ.get("FAKEVIRT_HYPOTHESIS_EXAMPLES", "40"))


class BlockJobMachine(RuleBasedStateMachine):
    def __init__(self) -> None:
        super().__init__()
        self.clock = ManualClock()
        self.hv = Hypervisor(clock=self.clock)
        self.hv.images.create(f"{D}/vm.qcow2", "qcow2", SIZE)
        self.driver = self.hv.system
        self.domains = self.driver.domains
        self.dom = self.domains.define(domain_from_xml(DOMAIN, self.hv.rng))
        self.domains.start(self.dom)
        self.view = bytearray(SIZE)  # what the guest must read
        self.since: dict[str, set[int]] = {}  # checkpoint -> granules written since it was made
        self.job: BlockJob | None = None
        self.n = 0

    # ---- helpers ------------------------------------------------------------------------------

    def _name(self, prefix: str) -> str:
        self.n += 1
        return f"{prefix}{self.n}"

    def _chain(self) -> list[str]:
        assert self.dom.live is not None
        disk = self.dom.live.find_disk("vda")
        assert disk is not None
        return [layer.path for layer in layers(disk)]

    def _settle(self) -> None:
        self.clock.advance(3600)
        self.hv.blockjobs.poll()
        if self.job is not None and not self.job.mirror:
            self.job = None  # a commit or pull completes on its own

    # ---- the guest, checkpoints, snapshots -------------------------------------------------------

    @rule(at=st.integers(0, SIZE - 1), n=st.integers(1, 3 * G), byte=st.integers(1, 255))
    def write(self, at: int, n: int, byte: int) -> None:
        n = min(n, SIZE - at)
        self.domains.guest_write(self.dom, "vda", at, bytes([byte]) * n)
        self.view[at:at + n] = bytes([byte]) * n
        for grains in self.since.values():
            grains.update(range(at // G, (at + n - 1) // G + 1))

    @rule()
    def checkpoint(self) -> None:
        name = self._name("c")
        self.driver.checkpoints.create(self.dom, CheckpointDef(name=name), 0)
        self.since[name] = set()

    @rule(pick=st.integers(0, 100))
    @precondition(lambda self: self.since)
    def delete_checkpoint(self, pick: int) -> None:
        names = sorted(self.since)
        name = names[pick % len(names)]
        self.driver.checkpoints.delete(self.dom, name, 0)
        del self.since[name]

    @rule()
    def snapshot(self) -> None:
        name = self._name("s")
        xml = (f"<domainsnapshot><name>{name}</name><disks><disk name='vda' snapshot='external'>"
               f"<source file='{D}/{name}.qcow2'/></disk></disks></domainsnapshot>")
        sd = parse_snapshot_xml(xml)
        if self._running():
            with pytest.raises(VirtError, match="already in active block job"):
                self.driver.snapshots.create(self.dom, sd, SnapCreate.DISK_ONLY | SnapCreate.NO_METADATA)
            return
        self.driver.snapshots.create(self.dom, sd, SnapCreate.DISK_ONLY | SnapCreate.NO_METADATA)

    # ---- block jobs ------------------------------------------------------------------------------

    @rule(pick=st.integers(0, 100), shallow=st.booleans())
    @precondition(lambda self: self.job is None and len(self._chain()) >= 3)
    def commit_below_top(self, pick: int, shallow: bool) -> None:
        chain = self._chain()
        top = 1 + pick % (len(chain) - 2)
        base = top + 1 if shallow else len(chain) - 1
        self.job = start_commit(self.hv.blockjobs, self.driver, self.dom, "vda", chain[base], chain[top], 0, 0)

    @rule()
    @precondition(lambda self: self.job is None and len(self._chain()) >= 2)
    def active_commit(self) -> None:
        self.job = start_commit(self.hv.blockjobs, self.driver, self.dom, "vda", None, None, 0, Commit.ACTIVE)

    @rule()
    @precondition(lambda self: self.job is None and len(self._chain()) >= 2)
    def pull(self) -> None:
        self.job = start_pull(self.hv.blockjobs, self.driver, self.dom, "vda", 0, 0)

    @rule(shallow=st.booleans())
    @precondition(lambda self: self.job is None)
    def copy(self, shallow: bool) -> None:
        flags = Copy.TRANSIENT_JOB | (Copy.SHALLOW if shallow else Copy(0))
        req = CopyRequest(path=f"{D}/{self._name('copy')}.qcow2", flags=flags)
        self.job = start_copy(self.hv.blockjobs, self.driver, self.dom, "vda", req)

    @rule(fraction=st.floats(0, 1))
    @precondition(lambda self: self.job is not None)
    def hold(self, fraction: float) -> None:
        assert self.job is not None
        self.hv.blockjobs.hold(self.job, fraction)

    @rule()
    @precondition(lambda self: self.job is not None)
    def run_to_end(self) -> None:
        assert self.job is not None
        self.hv.blockjobs.release(self.job)
        self._settle()

    @rule(pivot=st.booleans())
    @precondition(lambda self: self.job is not None and self.job.ready)
    def end_mirror(self, pivot: bool) -> None:
        self._running()
        self.hv.blockjobs.abort(self.driver, self.dom, "vda", Abort.PIVOT if pivot else 0)
        self.job = None

    def _running(self) -> bool:
        """Whether the job is still there (one with nothing to copy ends at the next poll)."""
        if self.job is not None and self.hv.blockjobs.find(self.driver, self.dom, "vda") is None:
            self.job = None
        return self.job is not None

    @rule()
    @precondition(lambda self: self.job is not None)
    def abort(self) -> None:
        if self._running():
            self.hv.blockjobs.abort(self.driver, self.dom, "vda", 0)
        self.job = None

    @rule()
    @precondition(lambda self: self.job is not None)
    def fail(self) -> None:
        if self._running():
            assert self.job is not None
            self.hv.blockjobs.fail(self.job)
        self.job = None

    # ---- invariants ------------------------------------------------------------------------------

    @invariant()
    def guest_sees_what_it_wrote(self) -> None:
        assert self.domains.guest_read(self.dom, "vda", 0, SIZE) == self.view

    @invariant()
    def chain_is_consistent(self) -> None:
        chain = self._chain()
        store = self.hv.images
        assert [i.path for i in store.chain(chain[0])] == chain
        for path in chain:
            store.check(path)
        assert self.dom.live is not None
        disk = self.dom.live.find_disk("vda")
        assert disk is not None
        indexes = [layer.index for layer in layers(disk)]
        if disk.mirror is not None and disk.mirror.job == "copy":  # an active commit's names its base
            indexes.append(disk.mirror.index)
        assert None not in indexes and len(set(indexes)) == len(indexes)

    @invariant()
    def checkpoint_sizes_are_the_writes_since(self) -> None:
        for name, grains in self.since.items():
            cd = self.driver.checkpoints.xml_definition(self.dom, name, XMLFlags.SIZE)
            assert [d.size for d in cd.disks] == [len(grains) * G], name


TestBlockJobs = BlockJobMachine.TestCase
TestBlockJobs.settings = settings(max_examples=EXAMPLES, stateful_step_count=25, deadline=None,
                                  suppress_health_check=[HealthCheck.too_slow])
