"""SnapshotTree on its own: structure, walks, listing filters (virDomainMomentObjListGetNames)."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from fakevirt.errors import ErrorCode, ErrorDomain, VirtError
from fakevirt.model.flags.snapshot import FILTERS_ALL
from fakevirt.model.flags.snapshot import DomainSnapshotListFlags as List
from fakevirt.model.snapshots.snapshotdef import SnapshotDef, SnapshotDisk
from fakevirt.model.snapshots.tree import Snapshot, SnapshotTree


def sdef(name: str, state: str = "running", external: bool = False, memory: str | None = None) -> SnapshotDef:
    disk = SnapshotDisk("vda", "external" if external else "internal", source=f"/i/vm.{name}" if external else None)
    if memory is None:
        memory = "no" if external or state in ("shutoff", "disk-snapshot") else "internal"
    return SnapshotDef(name=name, state=state, memory=memory, disks=[disk])


def names(snaps: list[Snapshot]) -> list[str]:
    return [s.name for s in snaps]


def build() -> SnapshotTree:
    """The VT reference tree, created in the VT order (s1, s3, s2, s6, s5, s4, s7, s8):

    s1 (running, internal)
    ├── s3 (shutoff, internal)
    │   ├── s2 (disk-snapshot, external)
    │   └── s6 (paused, internal)
    │       ├── s5 (running, external memory)
    │       └── s4 (shutoff, external disk)
    └── s7 (running, internal)
        └── s8 (crashed, internal)
    """
    t = SnapshotTree()
    s1 = t.add(sdef("s1"), None)
    s3 = t.add(sdef("s3", "shutoff"), s1)
    t.add(sdef("s2", "disk-snapshot", external=True), s3)
    s6 = t.add(sdef("s6", "paused"), s3)
    t.add(sdef("s5", "running", external=True, memory="external"), s6)
    t.add(sdef("s4", "shutoff", external=True), s6)
    s7 = t.add(sdef("s7"), s1)
    t.add(sdef("s8", "crashed"), s7)
    return t


def assert_topological(t: SnapshotTree, listed: list[Snapshot]) -> None:
    seen: set[str] = set()
    for s in listed:
        assert s.parent is None or s.parent.name in seen, f"{s.name} before its parent"
        seen.add(s.name)


# ---- structure ---------------------------------------------------------------------------------


def test_add_links_parent_and_definition() -> None:
    t = SnapshotTree()
    a = t.add(sdef("a"), None)
    b = t.add(sdef("b"), a)
    c = t.add(sdef("c"), a)
    assert len(t) == 3 and "b" in t and "z" not in t
    assert b.parent is a and b.definition.parent == "a" and a.definition.parent is None
    assert names(list(a.newest_first())) == ["c", "b"]
    assert a.children == [b, c]  # stored oldest first
    assert t.find("c") is c and t.find("z") is None and t.get("b") is b
    assert names(list(t)) == ["a", "b", "c"]
    assert t.current is None


def test_get_miss() -> None:
    t = SnapshotTree()
    with pytest.raises(VirtError) as e:
        t.get("nosuch")
    assert e.value.code == ErrorCode.NO_DOMAIN_SNAPSHOT and e.value.domain == ErrorDomain.QEMU
    assert e.value.message == "Domain snapshot not found: no domain snapshot with matching name 'nosuch'"


def test_roots_newest_first() -> None:
    t = SnapshotTree()
    for n in ("r1", "r2", "r3"):
        t.add(sdef(n), None)
    assert names(t.roots()) == ["r3", "r2", "r1"]
    assert names(t.select(None, List.ROOTS)) == ["r3", "r2", "r1"]


def test_set_parent_moves_to_newest_child() -> None:
    t = build()
    s8, s3 = t.get("s8"), t.get("s3")
    t.set_parent(s8, s3)
    assert s8.parent is s3 and s8.definition.parent == "s3"
    assert names(list(s3.newest_first())) == ["s8", "s6", "s2"]
    assert t.get("s7").children == []
    t.set_parent(s8, None)
    assert s8.parent is None and s8.definition.parent is None
    assert names(t.roots()) == ["s8", "s1"]
    t.set_parent(s8, t.get("s1"))
    assert names(t.roots()) == ["s1"] and names(list(t.get("s1").newest_first())) == ["s8", "s7", "s3"]


def test_remove_moves_children_to_parent_and_current() -> None:
    t = build()
    s6 = t.get("s6")
    t.current = s6
    t.remove(s6)
    assert "s6" not in t and len(t) == 7
    s3 = t.get("s3")
    assert t.current is s3
    assert names(list(s3.newest_first())) == ["s4", "s5", "s2"]
    assert t.get("s4").parent is s3 and t.get("s5").definition.parent == "s3"
    assert s6.children == []


def test_remove_root_makes_children_roots_and_no_current() -> None:
    t = build()
    t.current = t.get("s1")
    t.remove(t.get("s1"))
    assert t.current is None
    assert names(t.roots()) == ["s7", "s3"]
    assert t.get("s3").parent is None and t.get("s7").definition.parent is None


def test_remove_non_current_keeps_current() -> None:
    t = build()
    t.current = t.get("s8")
    t.remove(t.get("s2"))
    assert t.current is t.get("s8")
    t.remove(t.get("s7"))
    assert t.current is t.get("s8") and t.get("s8").parent is t.get("s1")


def test_rename_updates_children() -> None:
    t = build()
    t.rename(t.get("s6"), "x6")
    assert "s6" not in t and t.get("x6").name == "x6"
    assert t.get("s4").definition.parent == "x6" and t.get("s5").parent is t.get("x6")


def test_clear() -> None:
    t = build()
    t.current = t.get("s2")
    t.clear()
    assert len(t) == 0 and t.current is None and t.roots() == [] and t.select(None, 0) == []


def test_is_ancestor() -> None:
    t = build()
    s1, s3, s4, s7 = t.get("s1"), t.get("s3"), t.get("s4"), t.get("s7")
    assert t.is_ancestor(s4, s1) and t.is_ancestor(s4, s3) and t.is_ancestor(s4, t.get("s6"))
    assert not t.is_ancestor(s4, s4) and not t.is_ancestor(s1, s4) and not t.is_ancestor(s4, s7)
    assert not t.is_ancestor(s1, s1)


def test_descendants_preorder_newest_first() -> None:
    t = build()
    assert names(list(t.descendants(t.get("s3")))) == ["s6", "s4", "s5", "s2"]
    assert names(list(t.descendants(None))) == ["s1", "s7", "s8", "s3", "s6", "s4", "s5", "s2"]
    assert list(t.descendants(t.get("s8"))) == []


# ---- check_parent ------------------------------------------------------------------------------


def _check_error(t: SnapshotTree, snap: str, parent: str) -> VirtError:
    with pytest.raises(VirtError) as e:
        t.check_parent(snap, parent)
    assert e.value.code == ErrorCode.INVALID_ARG and e.value.domain == ErrorDomain.DOMAIN
    return e.value


def test_check_parent_ok() -> None:
    t = build()
    assert t.check_parent("new", None) is None
    assert t.check_parent("new", "s4") is t.get("s4")
    assert t.check_parent("s8", "s3") is t.get("s3")  # moving an existing snapshot sideways
    assert t.check_parent("s4", "s1") is t.get("s1")  # or up


def test_check_parent_errors() -> None:
    t = build()
    assert _check_error(t, "s2", "s2").message == "invalid argument: cannot set moment s2 as its own parent"
    assert _check_error(t, "s2", "s9").message == "invalid argument: parent s9 for moment s2 not found"
    assert _check_error(t, "new", "s9").message == "invalid argument: parent s9 for moment new not found"
    assert _check_error(t, "s3", "s4").message == "invalid argument: parent s4 would create cycle to s3"
    assert _check_error(t, "s1", "s8").message == "invalid argument: parent s8 would create cycle to s1"


# ---- select: domain level ----------------------------------------------------------------------

ALL = ["s1", "s3", "s2", "s6", "s5", "s4", "s7", "s8"]  # creation order
TOPO = ["s1", "s7", "s8", "s3", "s6", "s4", "s5", "s2"]  # pre-order, newest child first


@pytest.mark.parametrize("flags, expected", [
    (0, ALL),
    (List.TOPOLOGICAL, TOPO),
    (List.ROOTS, ["s1"]),
    (List.ROOTS | List.TOPOLOGICAL, ["s1"]),
    (List.METADATA, ALL),
    (List.NO_METADATA, []),
    (List.METADATA | List.NO_METADATA, ALL),
    (List.NO_METADATA | List.ROOTS, []),
    (List.NO_METADATA | List.LEAVES, []),
    (List.LEAVES, ["s2", "s5", "s4", "s8"]),
    (List.NO_LEAVES, ["s1", "s3", "s6", "s7"]),
    (List.LEAVES | List.NO_LEAVES, ALL),
    (List.LEAVES | List.TOPOLOGICAL, ["s8", "s4", "s5", "s2"]),
    (List.INACTIVE, ["s3", "s4"]),
    (List.ACTIVE, ["s1", "s6", "s5", "s7", "s8"]),
    (List.DISK_ONLY, ["s2"]),
    (List.INACTIVE | List.DISK_ONLY, ["s3", "s2", "s4"]),
    (List.INACTIVE | List.ACTIVE | List.DISK_ONLY, ALL),
    (List.INTERNAL, ["s1", "s3", "s6", "s7", "s8"]),
    (List.EXTERNAL, ["s2", "s5", "s4"]),
    (List.EXTERNAL | List.LEAVES, ["s2", "s5", "s4"]),
    (List.EXTERNAL | List.INACTIVE, ["s4"]),
    (List.INTERNAL | List.NO_LEAVES | List.ACTIVE, ["s1", "s6", "s7"]),
    (List.ROOTS | List.LEAVES, []),
    (List.ROOTS | List.NO_LEAVES | List.INTERNAL | List.ACTIVE | List.METADATA, ["s1"]),
    (List.ACTIVE | List.EXTERNAL | List.TOPOLOGICAL, ["s5"]),
    (FILTERS_ALL & ~List.EXTERNAL, ["s1", "s3", "s6", "s7", "s8"]),
    (FILTERS_ALL & ~List.INTERNAL | List.TOPOLOGICAL, ["s4", "s5", "s2"]),
])
def test_select_domain_level(flags: int, expected: list[str]) -> None:
    assert names(build().select(None, flags)) == expected


def test_select_roots_are_newest_first_and_filtered() -> None:
    t = build()
    t.add(sdef("r2", "shutoff"), None)
    t.add(sdef("r3", "running", external=True, memory="external"), None)
    assert names(t.select(None, List.ROOTS)) == ["r3", "r2", "s1"]
    assert names(t.select(None, List.ROOTS | List.LEAVES)) == ["r3", "r2"]
    assert names(t.select(None, List.ROOTS | List.INACTIVE)) == ["r2"]
    assert names(t.select(None, List.ROOTS | List.EXTERNAL)) == ["r3"]
    assert names(t.select(None, List.TOPOLOGICAL))[:3] == ["r3", "r2", "s1"]


def test_select_empty_tree() -> None:
    t = SnapshotTree()
    for flags in (0, List.ROOTS, List.TOPOLOGICAL, FILTERS_ALL, List.LEAVES):
        assert t.select(None, flags) == []


# ---- select: child level -----------------------------------------------------------------------


@pytest.mark.parametrize("start, flags, expected", [
    ("s3", 0, ["s6", "s2"]),
    ("s3", List.DESCENDANTS, ["s6", "s4", "s5", "s2"]),
    ("s3", List.DESCENDANTS | List.TOPOLOGICAL, ["s6", "s4", "s5", "s2"]),
    ("s3", List.TOPOLOGICAL, ["s6", "s2"]),
    ("s3", List.LEAVES, ["s2"]),
    ("s3", List.NO_LEAVES, ["s6"]),
    ("s3", List.DESCENDANTS | List.LEAVES, ["s4", "s5", "s2"]),
    ("s3", List.DESCENDANTS | List.NO_LEAVES, ["s6"]),
    ("s3", List.DESCENDANTS | List.EXTERNAL, ["s4", "s5", "s2"]),
    ("s3", List.DESCENDANTS | List.INTERNAL, ["s6"]),
    ("s3", List.DESCENDANTS | List.INACTIVE, ["s4"]),
    ("s3", List.DESCENDANTS | List.ACTIVE, ["s6", "s5"]),
    ("s3", List.DESCENDANTS | List.DISK_ONLY, ["s2"]),
    ("s3", List.DESCENDANTS | List.NO_METADATA, []),
    ("s3", List.DESCENDANTS | List.METADATA, ["s6", "s4", "s5", "s2"]),
    ("s1", 0, ["s7", "s3"]),
    ("s1", List.DESCENDANTS, TOPO[1:]),
    ("s1", List.ACTIVE, ["s7"]),
    ("s1", List.DESCENDANTS | List.ACTIVE | List.INTERNAL, ["s7", "s8", "s6"]),
    ("s8", 0, []),
    ("s8", List.DESCENDANTS, []),
    ("s6", List.LEAVES | List.NO_LEAVES, ["s4", "s5"]),
    ("s6", List.DISK_ONLY, []),
])
def test_select_child_level(start: str, flags: int, expected: list[str]) -> None:
    t = build()
    assert names(t.select(t.get(start), flags)) == expected


def test_offline_external_disk_only_snapshot_is_inactive_not_disk_only() -> None:
    t = SnapshotTree()
    t.add(sdef("off", "shutoff", external=True), None)
    assert names(t.select(None, List.INACTIVE)) == ["off"]
    assert t.select(None, List.DISK_ONLY) == []
    assert names(t.select(None, List.EXTERNAL)) == ["off"]


def test_external_memory_only_counts_as_external() -> None:
    t = SnapshotTree()
    sd = SnapshotDef(name="m", state="running", memory="external", memory_file="/m",
                     disks=[SnapshotDisk("vda", "no")])
    t.add(sd, None)
    assert names(t.select(None, List.EXTERNAL)) == ["m"] and t.select(None, List.INTERNAL) == []


def test_status_group_covers_every_state() -> None:
    t = SnapshotTree()
    for st_ in ("running", "paused", "shutdown", "crashed", "pmsuspended", "shutoff", "disk-snapshot"):
        t.add(sdef(st_.replace("-", "_"), st_), None)
    assert names(t.select(None, List.ACTIVE)) == ["running", "paused", "shutdown", "crashed", "pmsuspended"]
    assert names(t.select(None, List.INACTIVE)) == ["shutoff"]
    assert names(t.select(None, List.DISK_ONLY)) == ["disk_snapshot"]


# ---- property: random add/remove/reparent keeps the listings consistent ------------------------

OPS = st.lists(st.tuples(st.sampled_from(["add", "remove", "move", "current"]),
                         st.integers(0, 1000), st.integers(0, 1000),
                         st.sampled_from(["running", "shutoff", "disk-snapshot", "paused"]), st.booleans()),
               max_size=60)


@settings(max_examples=150, deadline=None)
@given(OPS)
def test_random_operations_keep_order_and_counts(ops: list[tuple[str, int, int, str, bool]]) -> None:
    t = SnapshotTree()
    counter = 0
    for op, i, j, state, external in ops:
        existing = list(t)
        if op == "add" or not existing:
            parent = existing[i % len(existing)] if existing and i % 3 else None
            t.add(sdef(f"n{counter}", state, external), parent)
            counter += 1
        elif op == "remove":
            victim = existing[i % len(existing)]
            parent, kids = victim.parent, list(victim.children)
            was_current = t.current is victim
            t.remove(victim)
            assert all(k.parent is parent for k in kids)
            if was_current:
                assert t.current is parent
        elif op == "move":
            snap = existing[i % len(existing)]
            target = existing[j % len(existing)] if j % 4 else None
            if target is not None and (target is snap or t.is_ancestor(target, snap)):
                with pytest.raises(VirtError):
                    t.check_parent(snap.name, target.name)
                continue
            assert t.check_parent(snap.name, target.name if target else None) is target
            t.set_parent(snap, target)
        else:
            t.current = existing[i % len(existing)]
    everything = t.select(None, 0)
    topo = t.select(None, List.TOPOLOGICAL)
    assert len(everything) == len(t) and sorted(names(topo)) == sorted(names(everything))
    assert_topological(t, topo)
    roots = t.select(None, List.ROOTS)
    assert all(s.parent is None for s in roots)
    assert sum(1 + len(t.select(r, List.DESCENDANTS)) for r in roots) == len(t)
    leaves = t.select(None, List.LEAVES)
    assert len(leaves) + len(t.select(None, List.NO_LEAVES)) == len(t)
    assert all(not s.children for s in leaves)
    assert len(t.select(None, List.INTERNAL)) + len(t.select(None, List.EXTERNAL)) == len(t)
    assert (len(t.select(None, List.ACTIVE)) + len(t.select(None, List.INACTIVE))
            + len(t.select(None, List.DISK_ONLY))) == len(t)
    assert t.select(None, List.NO_METADATA) == []
    for s in everything:
        kids = t.select(s, 0)
        assert all(k.parent is s for k in kids) and len(kids) == len(s.children)
        assert names(kids) == names(list(reversed(s.children)))
        desc = t.select(s, List.DESCENDANTS | List.TOPOLOGICAL)
        assert all(t.is_ancestor(d, s) for d in desc)
        assert sum(1 for o in everything if t.is_ancestor(o, s)) == len(desc)
        sub = [s, *desc]
        seen = {s.name}
        for d in desc:
            assert d.parent is not None and d.parent.name in seen
            seen.add(d.name)
        assert len(sub) == len(seen)
        assert s.definition.parent == (s.parent.name if s.parent else None)
    if t.current is not None:
        assert t.current.name in t
