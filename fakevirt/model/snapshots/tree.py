"""A domain's snapshot tree (virDomainMomentObjList + virDomainSnapshotObjList): metadata only.

Children are kept newest first, as libvirt prepends them; listings without TOPOLOGICAL follow
creation order (libvirt's is hash order, which no client may rely on).  Every operation is linear
in the snapshots it touches: walks are iterative, so deep trees do not hit recursion limits.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from ...errors import snapshot as err
from ..flags.snapshot import FILTERS_LEAVES, FILTERS_LOCATION, FILTERS_METADATA, FILTERS_STATUS
from ..flags.snapshot import DomainSnapshotListFlags as List
from .snapshotdef import SnapshotDef

if TYPE_CHECKING:
    from ..domain import SavedState


@dataclass(eq=False)
class Snapshot:
    """One node of the tree (virDomainMomentObj)."""

    definition: SnapshotDef
    parent: Snapshot | None = None
    children: list[Snapshot] = field(default_factory=list)  # oldest first; listed newest first
    memory: SavedState | None = None  # an internal snapshot's saved guest state

    @property
    def name(self) -> str:
        assert self.definition.name is not None
        return self.definition.name

    def newest_first(self) -> Iterator[Snapshot]:
        return reversed(self.children)

    def matches(self, flags: int) -> bool:
        """virDomainSnapshotFilter plus the leaves group (metadata is handled by the caller)."""
        if flags & FILTERS_LEAVES and flags & FILTERS_LEAVES != FILTERS_LEAVES:
            if bool(flags & List.LEAVES) != (not self.children):
                return False
        state = self.definition.state
        if flags & FILTERS_STATUS:
            if state == "shutoff":
                wanted = List.INACTIVE
            elif state == "disk-snapshot":
                wanted = List.DISK_ONLY
            else:
                wanted = List.ACTIVE
            if not flags & wanted:
                return False
        if flags & FILTERS_LOCATION == FILTERS_LOCATION:  # a full group filters nothing
            return True
        external = self.definition.is_external
        if flags & List.INTERNAL and external:
            return False
        return not (flags & List.EXTERNAL and not external)


class SnapshotTree:
    """Every snapshot with metadata of one domain, and which one is current."""

    def __init__(self) -> None:
        self._by_name: dict[str, Snapshot] = {}
        self._roots: list[Snapshot] = []  # oldest first, like Snapshot.children
        self.current: Snapshot | None = None

    def __len__(self) -> int:
        return len(self._by_name)

    def __iter__(self) -> Iterator[Snapshot]:
        return iter(list(self._by_name.values()))

    def __contains__(self, name: str) -> bool:
        return name in self._by_name

    def find(self, name: str) -> Snapshot | None:
        return self._by_name.get(name)

    def get(self, name: str) -> Snapshot:
        """qemuSnapObjFromName."""
        snap = self._by_name.get(name)
        if snap is None:
            raise err.no_snapshot(name)
        return snap

    # -- structure ----------------------------------------------------------------------------

    def _siblings(self, parent: Snapshot | None) -> list[Snapshot]:
        return self._roots if parent is None else parent.children

    def add(self, sd: SnapshotDef, parent: Snapshot | None) -> Snapshot:
        """Insert a new snapshot as the newest child of ``parent`` (None: a new root)."""
        assert sd.name is not None and sd.name not in self._by_name
        snap = Snapshot(sd, parent)
        self._by_name[sd.name] = snap
        sd.parent = parent.name if parent is not None else None
        self._siblings(parent).append(snap)
        return snap

    def set_parent(self, snap: Snapshot, parent: Snapshot | None) -> None:
        """virDomainMomentSetParent: unlink from the old parent, become the new one's newest child."""
        self._siblings(snap.parent).remove(snap)
        snap.parent = parent
        snap.definition.parent = parent.name if parent is not None else None
        self._siblings(parent).append(snap)

    def check_parent(self, snap_name: str, parent_name: str | None) -> Snapshot | None:
        """virDomainMomentRedefineValidate's tree checks for (re)defining ``snap_name`` under a parent."""
        if parent_name is None:
            return None
        if parent_name == snap_name:
            raise err.own_parent(snap_name)
        parent = self._by_name.get(parent_name)
        if parent is None:
            raise err.parent_not_found(parent_name, snap_name)
        snap = self._by_name.get(snap_name)
        if snap is not None and self.is_ancestor(parent, snap):
            raise err.parent_cycle(parent_name, snap_name)
        return parent

    def remove(self, snap: Snapshot) -> None:
        """Forget one snapshot; its children move to its parent (virDomainMomentMoveChildren)."""
        siblings = self._siblings(snap.parent)
        siblings.remove(snap)
        for child in snap.children:
            child.parent = snap.parent
            child.definition.parent = snap.parent.name if snap.parent is not None else None
            siblings.append(child)
        snap.children = []
        del self._by_name[snap.name]
        if self.current is snap:
            self.current = snap.parent

    def rename(self, snap: Snapshot, new_name: str) -> None:
        del self._by_name[snap.name]
        snap.definition.name = new_name
        self._by_name[new_name] = snap
        for child in snap.children:
            child.definition.parent = new_name

    def clear(self) -> None:
        self._by_name.clear()
        self._roots.clear()
        self.current = None

    # -- walks --------------------------------------------------------------------------------

    @staticmethod
    def is_ancestor(snap: Snapshot, ancestor: Snapshot) -> bool:
        """virDomainMomentIsAncestor: ``ancestor`` is above ``snap`` (not snap itself)."""
        node = snap.parent
        while node is not None:
            if node is ancestor:
                return True
            node = node.parent
        return False

    def descendants(self, snap: Snapshot | None) -> Iterator[Snapshot]:
        """Pre-order DFS below ``snap`` (None: the whole tree), children newest first."""
        stack = list(self._siblings(snap))  # popped from the end: newest first
        while stack:
            node = stack.pop()
            yield node
            stack.extend(node.children)

    def roots(self) -> list[Snapshot]:
        return list(reversed(self._roots))

    # -- listing ------------------------------------------------------------------------------

    def select(self, start: Snapshot | None, flags: int) -> list[Snapshot]:
        """virDomainMomentObjListGetNames: what Num/ListNames/ListAll return for ``start``.

        ``start`` None is the domain level, where List.ROOTS limits to roots; for a snapshot,
        List.DESCENDANTS widens from its children to all its descendants.
        """
        all_levels = bool(flags & List.ROOTS) if start is not None else not flags & List.ROOTS
        if flags & FILTERS_METADATA == List.NO_METADATA:
            return []
        filters = flags & ~int(List.ROOTS | List.TOPOLOGICAL | FILTERS_METADATA)
        if all_levels:
            if start is None and not flags & List.TOPOLOGICAL:
                candidates: Iterator[Snapshot] = iter(self._by_name.values())
            else:
                candidates = self.descendants(start)
        else:
            candidates = reversed(self._siblings(start))
        if not filters:
            return list(candidates)
        return [s for s in candidates if s.matches(filters)]
