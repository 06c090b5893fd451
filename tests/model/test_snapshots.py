"""The snapshot model without a server: branches, revert options, shared images and memory files."""

from __future__ import annotations

import pytest

from fakevirt.errors import ErrorCode, VirtError
from fakevirt.model.clock import ManualClock
from fakevirt.model.domain import Domain, State
from fakevirt.model.events import DomainEvent, EventID
from fakevirt.model.flags.snapshot import DomainSnapshotCreateFlags as Create
from fakevirt.model.flags.snapshot import DomainSnapshotDeleteFlags as Delete
from fakevirt.model.flags.snapshot import DomainSnapshotRevertFlags as Revert
from fakevirt.model.hypervisor import Hypervisor
from fakevirt.model.images import Owner
from fakevirt.testing.domains import domain_from_xml
from fakevirt.xml.snapshot import parse_snapshot_xml

IMG = "/images"
DOMAIN = f"""<domain type='kvm'><name>vm</name><memory unit='MiB'>64</memory><vcpu>1</vcpu>
<os><type arch='x86_64'>hvm</type></os><devices>
<disk type='file' device='disk'><driver name='qemu' type='qcow2'/><source file='{IMG}/vm.qcow2'/>
<target dev='vda' bus='virtio'/></disk></devices></domain>"""


class Vm:
    """One domain with one disk, and what its guest sees."""

    def __init__(self, hv: Hypervisor) -> None:
        self.hv = hv
        self.clock = hv.clock
        hv.images.create(f"{IMG}/vm.qcow2", "qcow2", 1 << 20)
        self.dom: Domain = hv.system.domains.define(domain_from_xml(DOMAIN, hv.rng))

    @property
    def source(self) -> str:
        d = self.dom.live if self.dom.active else self.dom.config
        assert d is not None
        disk = d.find_disk("vda")
        assert disk is not None and disk.source
        return disk.source

    def write(self, data: bytes) -> None:
        if self.dom.active:
            self.hv.system.domains.guest_write(self.dom, "vda", 0, data)
        else:
            self.hv.images.write(self.source, 0, data)

    def read(self, n: int = 1) -> bytes:
        return self.hv.images.read(self.source, 0, n)

    def snap(self, xml: str, flags: int = 0) -> str:
        assert isinstance(self.clock, ManualClock)
        self.clock.advance(1)
        sd = parse_snapshot_xml(xml, redefine=bool(flags & Create.REDEFINE))
        return self.hv.system.snapshots.create(self.dom, sd, flags)

    def disk_only(self, name: str) -> str:
        return self.snap(f"<domainsnapshot><name>{name}</name></domainsnapshot>", Create.DISK_ONLY)

    def branch(self, name: str, point: str, extra: str = "", flags: int = 0) -> str:
        return self.snap(f"<domainsnapshot><name>{name}</name>{extra}<branch {point}</branch></domainsnapshot>",
                         flags)

    def revert(self, name: str, flags: int = 0) -> None:
        assert isinstance(self.clock, ManualClock)
        self.clock.advance(1)
        self.hv.system.snapshots.revert(self.dom, self.dom.snapshots.get(name), flags)

    def delete(self, name: str, flags: int = 0) -> None:
        self.hv.system.snapshots.delete(self.dom, self.dom.snapshots.get(name), flags)

    def tree(self) -> dict[str, list[str]]:
        return {s.name: [c.name for c in s.newest_first()] for s in self.dom.snapshots}

    def exists(self, name: str) -> bool:
        return self.hv.images.exists(f"{IMG}/{name}")


@pytest.fixture
def vm() -> Vm:
    return Vm(Hypervisor(clock=ManualClock()))


def seed_scenario(vm: Vm) -> None:
    """s1 (external) → write → s2 → write: the seed's starting point."""
    vm.write(b"A")
    vm.disk_only("s1")
    vm.write(b"B")
    vm.disk_only("s2")
    vm.write(b"C")


def test_seed_branch_scenario(vm: Vm) -> None:
    seed_scenario(vm)
    assert vm.source == f"{IMG}/vm.s2"
    vm.branch("n1", "current='yes'>s1")
    assert vm.source == f"{IMG}/vm.n1"
    assert [i.path for i in vm.hv.images.chain(vm.source)] == [f"{IMG}/vm.n1", f"{IMG}/vm.qcow2"]
    assert vm.read() == b"A"  # s1's point in time
    assert vm.hv.images.read(f"{IMG}/vm.s2", 0, 1) == b"C"  # s2's overlay is untouched
    assert vm.tree() == {"s1": ["n1", "s2"], "s2": [], "n1": []}
    assert vm.dom.snapshots.current is vm.dom.snapshots.get("n1")
    n1 = vm.dom.snapshots.get("n1").definition
    assert n1.parent == "s1" and n1.is_external and n1.branch is None
    vm.write(b"N")
    vm.disk_only("m1")  # N is m1's point in time
    vm.write(b"M")
    vm.branch("b2", "current='yes'>s2")  # back to the other line: s2's point in time
    assert vm.read() == b"B"
    assert vm.hv.images.read(f"{IMG}/vm.m1", 0, 1) == b"M"  # the other line's head is kept
    vm.branch("b3", "current='yes'>m1")  # and back again
    assert vm.read() == b"N"
    assert vm.tree()["s1"] == ["n1", "s2"] and vm.tree()["m1"] == ["b3"] and vm.tree()["s2"] == ["b2"]
    for name in ("vm.qcow2", "vm.s1", "vm.s2", "vm.n1", "vm.m1", "vm.b2", "vm.b3"):
        assert vm.exists(name)


def test_branch_not_current_touches_nothing(vm: Vm) -> None:
    seed_scenario(vm)
    before = vm.dom.config.copy() if vm.dom.config else None
    vm.branch("n1", ">s1")
    assert vm.dom.snapshots.current is vm.dom.snapshots.get("s2")
    assert vm.source == f"{IMG}/vm.s2" and vm.read() == b"C"
    assert vm.exists("vm.n1") and vm.hv.images.read(f"{IMG}/vm.n1", 0, 1) == b"A"
    assert before is not None and vm.dom.config is not None
    assert before.disks[0].source == vm.dom.config.disks[0].source


def test_branch_errors(vm: Vm) -> None:
    seed_scenario(vm)
    with pytest.raises(VirtError) as e:
        vm.branch("x", ">nope")
    assert e.value.code == ErrorCode.NO_DOMAIN_SNAPSHOT
    with pytest.raises(VirtError) as e:
        vm.snap("<domainsnapshot><name>y</name></domainsnapshot>", Create.BRANCH)
    assert e.value.code == ErrorCode.INVALID_ARG
    assert "requires a <branch> element" in str(e.value)
    for bad in (Create.HALT, Create.LIVE):
        with pytest.raises(VirtError) as e:
            vm.hv.system.snapshots.check_create_flags(vm.dom, Create.BRANCH | bad)
        assert "mutually exclusive" in str(e.value)
    vm.branch("n1", ">s1")
    with pytest.raises(VirtError) as e:
        vm.branch("n1", ">s1")
    assert "domain moment n1 already exists" in str(e.value)
    with pytest.raises(VirtError) as e:  # the default overlay name is taken by n1's
        vm.branch("n1", ">s1", flags=Create.NO_METADATA)
    assert e.value.code == ErrorCode.CONFIG_UNSUPPORTED


def test_branch_from_internal_snapshot_is_refused(vm: Vm) -> None:
    vm.snap("<domainsnapshot><name>i1</name></domainsnapshot>")
    with pytest.raises(VirtError) as e:
        vm.branch("n1", ">i1")
    assert e.value.code == ErrorCode.CONFIG_UNSUPPORTED
    assert "branching is only supported from external snapshots" in str(e.value)


def test_deleting_branches_keeps_shared_images(vm: Vm) -> None:
    seed_scenario(vm)
    vm.branch("n1", "current='yes'>s1")
    vm.write(b"N")
    # s2 is a non-current leaf: its own overlay goes; vm.s1 is still s1's overlay… and nobody
    # else's state: upstream unlinks it, and so do we once nothing uses it
    vm.delete("s2")
    assert not vm.exists("vm.s2")
    assert vm.exists("vm.qcow2") and vm.exists("vm.n1")
    assert vm.read() == b"N"
    # n1 is the current leaf; its base vm.qcow2 is s1's point in time, shared with s1
    with pytest.raises(VirtError) as e:
        vm.delete("n1")
    assert e.value.code == ErrorCode.CONFIG_UNSUPPORTED and "is shared with" in str(e.value)
    vm.delete("n1", Delete.METADATA_ONLY)
    assert vm.exists("vm.n1") and vm.read() == b"N"


def test_shared_memory_file_outlives_one_branch(vm: Vm) -> None:
    vm.hv.system.domains.start(vm.dom)
    vm.write(b"A")
    mem = f"{IMG}/s1.mem"
    vm.snap(f"<domainsnapshot><name>s1</name><memory snapshot='external' file='{mem}'/></domainsnapshot>")
    vm.write(b"B")
    vm.branch("n1", "current='yes'>s1")
    assert vm.dom.state == State.RUNNING and vm.read() == b"A"
    n1 = vm.dom.snapshots.get("n1").definition
    assert (n1.memory, n1.memory_file, n1.state) == ("external", mem, "running")
    vm.branch("n2", ">s1")
    vm.delete("n2")
    assert mem in vm.hv.system.domains.saved_images  # s1 and n1 still use it
    vm.branch("d1", ">s1", extra="<memory snapshot='no'/>")
    assert vm.dom.snapshots.get("d1").definition.state == "disk-snapshot"
    copy = f"{IMG}/copy.mem"
    vm.branch("c1", ">s1", extra=f"<memory snapshot='external' file='{copy}'/>")
    assert copy in vm.hv.system.domains.saved_images


def test_branch_events(vm: Vm) -> None:
    seen: list[tuple[int, int]] = []
    vm.hv.bus.subscribe(DomainEvent, lambda e: seen.append((e.data["event"], e.data["detail"]))
                        if isinstance(e, DomainEvent) and e.event_id == EventID.LIFECYCLE else None)
    vm.hv.system.domains.start(vm.dom)
    vm.snap(f"<domainsnapshot><name>s1</name><memory snapshot='external' file='{IMG}/m'/></domainsnapshot>")
    seen.clear()
    vm.branch("n1", "current='yes' state='paused'>s1")
    assert seen == [(5, 6), (2, 3), (3, 5), (0, 3)]  # STOPPED, STARTED, SUSPENDED, DEFINED: FROM_SNAPSHOT
    assert vm.dom.state == State.PAUSED


def test_revert_external_discards_head_and_keeps_snapshot_images(vm: Vm) -> None:
    seed_scenario(vm)
    vm.revert("s1")
    assert vm.read() == b"A"
    assert not vm.exists("vm.s2")  # the head the domain left (s2's overlay)
    assert vm.exists("vm.s1")  # s2's point in time
    s1 = vm.dom.snapshots.get("s1").definition
    assert [d.source for d in s1.revert_disks] == [vm.source]
    vm.write(b"X")
    vm.revert("s2")
    assert vm.read() == b"B"
    assert s1.revert_disks == []  # the old head went away with the revert


def test_revert_discard_drops_descendants(vm: Vm) -> None:
    seed_scenario(vm)
    vm.revert("s1", Revert.DISCARD)
    assert vm.tree() == {"s1": []}
    assert not vm.exists("vm.s2") and not vm.exists("vm.s1")
    assert vm.read() == b"A"
    s1 = vm.dom.snapshots.get("s1").definition
    assert [d.source for d in s1.disks] == [vm.source] and s1.revert_disks == []


def test_revert_merge_keeps_changes_in_target_overlay(vm: Vm) -> None:
    seed_scenario(vm)  # s1's overlay vm.s1 holds B, s2's overlay holds C
    vm.revert("s1", Revert.MERGE)
    assert vm.read() == b"A"
    assert vm.tree() == {"s1": []}
    assert vm.hv.images.read(f"{IMG}/vm.s1", 0, 1) == b"C"  # the changes since s1, merged
    assert not vm.exists("vm.s2")
    s1 = vm.dom.snapshots.get("s1").definition
    assert [d.source for d in s1.disks] == [f"{IMG}/vm.s1"]
    assert [d.source for d in s1.revert_disks] == [vm.source]


def test_revert_flag_rules(vm: Vm) -> None:
    seed_scenario(vm)
    with pytest.raises(VirtError) as e:
        vm.revert("s1", Revert.DISCARD | Revert.MERGE)
    assert "mutually exclusive" in str(e.value)
    with pytest.raises(VirtError) as e:
        vm.revert("s1", Revert.RUNNING | Revert.PAUSED)
    assert e.value.code == ErrorCode.INVALID_ARG


def test_delete_current_leaf_merges_into_parent_overlay(vm: Vm) -> None:
    seed_scenario(vm)
    vm.delete("s2")
    assert vm.source == f"{IMG}/vm.s1" and vm.read() == b"C"
    assert not vm.exists("vm.s2")
    assert vm.dom.snapshots.current is vm.dom.snapshots.get("s1")


def test_delete_middle_of_active_chain_rebases_child(vm: Vm) -> None:
    seed_scenario(vm)
    vm.delete("s1")  # vm.s1 (B) merges into vm.qcow2; vm.s2 now sits on vm.qcow2
    assert not vm.exists("vm.s1")
    assert [i.path for i in vm.hv.images.chain(vm.source)] == [f"{IMG}/vm.s2", f"{IMG}/vm.qcow2"]
    assert vm.read() == b"C" and vm.hv.images.read(f"{IMG}/vm.qcow2", 0, 1) == b"B"
    s2 = vm.dom.snapshots.get("s2").definition
    assert s2.parent is None and s2.domain is not None
    assert s2.domain.disks[0].source == f"{IMG}/vm.qcow2"


def test_undefine_with_snapshots(vm: Vm) -> None:
    seed_scenario(vm)
    with pytest.raises(VirtError) as e:
        vm.hv.system.domains.undefine(vm.dom)
    assert "cannot delete inactive domain with 2 snapshots" in str(e.value)
    vm.hv.system.domains.undefine(vm.dom, 2)  # SNAPSHOTS_METADATA
    assert vm.hv.images.users(f"{IMG}/vm.qcow2") == [Owner.backing(f"{IMG}/vm.s1")]


def test_transient_domain_takes_its_snapshots_along(vm: Vm) -> None:
    hv = vm.hv
    hv.system.domains.undefine(vm.dom)
    dom = hv.system.domains.create_transient(domain_from_xml(DOMAIN, hv.rng))
    vm.dom = dom
    vm.disk_only("t1")
    hv.system.domains.destroy(dom)
    assert len(hv.system.domains) == 0
    assert hv.images.users(f"{IMG}/vm.qcow2") == [Owner.backing(f"{IMG}/vm.t1")]


def _chain(disk_xml_owner: Domain, live: bool) -> list[tuple[str | None, str | None]]:
    d = disk_xml_owner.live if live else disk_xml_owner.config
    assert d is not None
    disk = d.disks[0]
    out = [(disk.source, disk.source_attrs.get("index"))]
    for node in disk.backing.nodes() if disk.backing is not None else []:
        out.append((node.source, None if node.index is None else str(node.index)))
    return out


def test_deleting_the_current_leaf_keeps_node_indexes(vm: Vm) -> None:
    vm.hv.system.domains.start(vm.dom)
    vm.disk_only("d1")
    vm.disk_only("m2")
    assert _chain(vm.dom, live=True) == [(f"{IMG}/vm.m2", "3"), (f"{IMG}/vm.d1", "2"), (f"{IMG}/vm.qcow2", "1")]
    assert _chain(vm.dom, live=False) == [(f"{IMG}/vm.m2", None), (f"{IMG}/vm.d1", None), (f"{IMG}/vm.qcow2", None)]
    vm.write(b"Z")
    vm.delete("m2")
    assert _chain(vm.dom, live=True) == [(f"{IMG}/vm.d1", "2"), (f"{IMG}/vm.qcow2", "1")]
    assert _chain(vm.dom, live=False) == [(f"{IMG}/vm.d1", None), (f"{IMG}/vm.qcow2", None)]
    assert vm.read() == b"Z" and not vm.exists("vm.m2")


def test_branch_element_alone_refuses_what_the_flag_refuses(vm: Vm) -> None:
    seed_scenario(vm)
    for flag in (Create.HALT, Create.LIVE, Create.QUIESCE | Create.DISK_ONLY):
        with pytest.raises(VirtError) as e:
            vm.branch("n", "current='yes'>s1", flags=flag)
        assert e.value.code == ErrorCode.INVALID_ARG and "mutually exclusive" in str(e.value)
    assert vm.source == f"{IMG}/vm.s2"


def test_deleting_a_branch_point_drops_its_unused_overlay(vm: Vm) -> None:
    seed_scenario(vm)
    vm.branch("b2", "current='yes'>s2")
    vm.write(b"X")
    vm.delete("s2")  # b2 (its only child, current) is re-parented; vm.s2 has no user left
    assert not vm.exists("vm.s2") and vm.tree()["s1"] == ["b2"]
    vm.delete("b2")  # merges into vm.s1, which nothing else uses any more
    assert vm.read() == b"X" and vm.source == f"{IMG}/vm.s1"


# ---- any document, any flags: a libvirt error or a snapshot, never anything else ----------------

from hypothesis import HealthCheck, given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

_NAMES = st.sampled_from(["s1", "s2", "n1", "a/b", ".x", "", "s1"])
_MODES = st.sampled_from(["no", "internal", "external", "manual", "bogus"])
_FILES = st.sampled_from([f"{IMG}/o1", f"{IMG}/vm.qcow2", "relative", f"{IMG}/m.mem", f"{IMG}/vm.s1"])


@st.composite
def _snapshot_docs(draw: st.DrawFn) -> str:
    parts = []
    if draw(st.booleans()):
        parts.append(f"<name>{draw(_NAMES)}</name>")
    if draw(st.booleans()):
        file = f" file='{draw(_FILES)}'" if draw(st.booleans()) else ""
        parts.append(f"<memory snapshot='{draw(_MODES)}'{file}/>")
    if draw(st.booleans()):
        disk = draw(st.sampled_from(["vda", "vdb", f"{IMG}/vm.qcow2"]))
        src = f"<source file='{draw(_FILES)}'/>" if draw(st.booleans()) else ""
        parts.append(f"<disks><disk name='{disk}' snapshot='{draw(_MODES)}'>{src}</disk></disks>")
    if draw(st.booleans()):
        cur = draw(st.sampled_from(["", " current='yes'", " current='no'", " current='x'"]))
        state = draw(st.sampled_from(["", " state='running'", " state='paused'", " state='inactive'"]))
        parts.append(f"<branch{cur}{state}>{draw(_NAMES)}</branch>")
    return "<domainsnapshot>" + "".join(parts) + "</domainsnapshot>"


_FLAG_BITS = [Create.REDEFINE, Create.CURRENT, Create.NO_METADATA, Create.HALT, Create.DISK_ONLY,
              Create.REUSE_EXT, Create.QUIESCE, Create.ATOMIC, Create.LIVE, Create.BRANCH]


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(steps=st.lists(st.tuples(st.sampled_from(["create", "revert", "delete", "start", "destroy"]),
                                _snapshot_docs(), st.lists(st.sampled_from(_FLAG_BITS), max_size=3),
                                _NAMES), min_size=1, max_size=8))
def test_any_sequence_gives_libvirt_errors_only(steps: list) -> None:
    vm = Vm(Hypervisor(clock=ManualClock()))
    vm.write(b"A")
    vm.disk_only("s1")
    api, domains = vm.hv.system.snapshots, vm.hv.system.domains
    for op, doc, bits, name in steps:
        flags = sum(set(bits))
        try:
            if op == "create":
                api.check_create_flags(vm.dom, flags)
                vm.snap(doc, flags)
            elif op == "revert":
                vm.revert(name, flags & 7)
            elif op == "delete":
                vm.delete(name, flags & 7)
            elif op == "start":
                domains.start(vm.dom)
            else:
                domains.destroy(vm.dom)
        except VirtError:
            pass
        # whatever happened, the domain's disk is readable through its chain and the tree is sound
        assert vm.read() in (b"A", b"\0")
        current = vm.dom.snapshots.current
        assert current is None or vm.dom.snapshots.find(current.name) is current
        for s in vm.dom.snapshots:
            assert s.parent is None or vm.dom.snapshots.find(s.parent.name) is s.parent


# ---- a model of what the guest must see: every point in time keeps its data ---------------------

_OPS = st.lists(st.tuples(st.sampled_from(["write", "internal", "external", "revert", "branch", "delete",
                                           "discard", "merge"]),
                          st.integers(0, 7)), min_size=1, max_size=14)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(ops=_OPS, kind=st.sampled_from(["internal", "external"]))
def test_points_in_time_survive_reverts_branches_and_deletes(ops: list, kind: str) -> None:
    """One kind of snapshot per run: mixing them, libvirt (and so fakevirt) lets an internal revert
    rewrite the image a later external snapshot's point in time is in (see the README)."""
    vm = Vm(Hypervisor(clock=ManualClock()))
    content = b"0"
    vm.write(content)
    saved: dict[str, bytes] = {}  # snapshot -> what the guest saw when it was taken
    counter = 0
    for op, pick in ops:
        names = sorted(saved)
        target = names[pick % len(names)] if names else None
        try:
            if op == "write":  # refused when another image is built on the one the guest uses
                vm.write(bytes([ord("a") + pick]))
                content = bytes([ord("a") + pick])
            elif op in ("internal", "external"):
                counter += 1
                name = f"p{counter}"
                if kind == "internal":
                    vm.snap(f"<domainsnapshot><name>{name}</name></domainsnapshot>")
                else:
                    vm.disk_only(name)
                saved[name] = content
            elif target is None:
                continue
            elif op in ("revert", "discard", "merge"):
                flags = {"revert": 0, "discard": Revert.DISCARD, "merge": Revert.MERGE}[op]
                vm.revert(target, flags)
                content = saved[target]
                for gone in [n for n in saved if n not in vm.dom.snapshots]:
                    del saved[gone]
            elif op == "branch":
                counter += 1
                name = f"b{counter}"
                vm.branch(name, f"current='yes'>{target}")
                content = saved[name] = saved[target]
            else:
                vm.delete(target)
                del saved[target]
        except VirtError as e:  # refusals are fine; they must not change anything the guest sees
            assert e.code in (ErrorCode.CONFIG_UNSUPPORTED, ErrorCode.OPERATION_UNSUPPORTED,
                              ErrorCode.OPERATION_INVALID), str(e)
        assert vm.read() == content, (op, target)
        assert set(saved) == {s.name for s in vm.dom.snapshots}


def test_transient_domain_that_cannot_start_again_after_a_revert_is_gone(vm: Vm) -> None:
    """Found by the wire fuzzer: a failed boot left a domain with no definition in the lookups."""
    hv = vm.hv
    hv.system.domains.undefine(vm.dom)
    vm.dom = hv.system.domains.create_transient(domain_from_xml(DOMAIN, hv.rng))
    vm.disk_only("t1")

    class Refuse:
        def acquire(self, dom: Domain, live: object) -> None:
            raise VirtError.operation_invalid("no host for it")

        def release(self, dom: Domain) -> None:
            pass

    hv.resources.append(Refuse())
    with pytest.raises(VirtError, match="no host for it"):
        vm.revert("t1", Revert.RUNNING)
    assert len(hv.system.domains) == 0
    with pytest.raises(VirtError, match="no domain with matching name 'vm'"):
        hv.system.domains.by_name("vm")
