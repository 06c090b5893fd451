"""A domain's checkpoint tree (virDomainMomentObjList + virDomainCheckpointObjList): metadata only.

Children are kept oldest first and listed newest first, as libvirt prepends them; listings without
TOPOLOGICAL follow creation order.  Walks are iterative: deep trees do not hit recursion limits.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field

from ...errors import checkpoint as err
from ..flags.checkpoint import DomainCheckpointListFlags as List
from .checkpointdef import CheckpointDef


@dataclass(eq=False)
class Checkpoint:
    definition: CheckpointDef
    parent: Checkpoint | None = None
    children: list[Checkpoint] = field(default_factory=list)

    @property
    def name(self) -> str:
        assert self.definition.name is not None
        return self.definition.name


class CheckpointTree:
    """Every checkpoint of one domain, and which one is current (the parent of the next one)."""

    def __init__(self) -> None:
        self._by_name: dict[str, Checkpoint] = {}
        self._roots: list[Checkpoint] = []
        self.current: Checkpoint | None = None

    def __len__(self) -> int:
        return len(self._by_name)

    def __iter__(self) -> Iterator[Checkpoint]:
        return iter(list(self._by_name.values()))

    def __contains__(self, name: str) -> bool:
        return name in self._by_name

    def find(self, name: str | None) -> Checkpoint | None:
        return None if name is None else self._by_name.get(name)

    def get(self, name: str) -> Checkpoint:
        """qemuCheckpointObjFromName."""
        chk = self._by_name.get(name)
        if chk is None:
            raise err.no_checkpoint(name)
        return chk

    def _siblings(self, parent: Checkpoint | None) -> list[Checkpoint]:
        return self._roots if parent is None else parent.children

    def add(self, cd: CheckpointDef) -> Checkpoint:
        """Insert under ``cd.parent`` (a missing parent makes a root, as virDomainMomentLinkParent)."""
        assert cd.name is not None and cd.name not in self._by_name
        chk = Checkpoint(cd)
        self._by_name[cd.name] = chk
        self.link(chk)
        return chk

    def link(self, chk: Checkpoint) -> None:
        chk.parent = self.find(chk.definition.parent)
        self._siblings(chk.parent).append(chk)

    def unlink(self, chk: Checkpoint) -> None:
        self._siblings(chk.parent).remove(chk)
        chk.parent = None

    def remove(self, chk: Checkpoint) -> None:
        """Forget one checkpoint; its children (if any are left) move to its parent."""
        parent = chk.parent
        self.unlink(chk)
        for child in chk.children:
            child.parent = parent
            child.definition.parent = parent.name if parent is not None else None
            self._siblings(parent).append(child)
        chk.children = []
        del self._by_name[chk.name]
        if self.current is chk:
            self.current = None

    def clear(self) -> None:
        self._by_name.clear()
        self._roots.clear()
        self.current = None

    @staticmethod
    def is_ancestor(chk: Checkpoint, ancestor: Checkpoint) -> bool:
        node = chk.parent
        while node is not None:
            if node is ancestor:
                return True
            node = node.parent
        return False

    def descendants(self, chk: Checkpoint | None) -> Iterator[Checkpoint]:
        """Pre-order DFS below ``chk`` (None: the whole tree), children newest first."""
        stack = list(self._siblings(chk))
        while stack:
            node = stack.pop()
            yield node
            stack.extend(node.children)

    def select(self, start: Checkpoint | None, flags: int) -> list[Checkpoint]:
        """virDomainMomentObjListGetNames for ListAll (domain level when ``start`` is None)."""
        all_levels = bool(flags & List.DESCENDANTS) if start is not None else not flags & List.ROOTS
        if all_levels:
            if start is None and not flags & List.TOPOLOGICAL:
                found: Iterator[Checkpoint] = iter(self._by_name.values())
            else:
                found = self.descendants(start)
        else:
            found = reversed(self._siblings(start))
        leaves = flags & (List.LEAVES | List.NO_LEAVES)
        if not leaves:
            return list(found)
        return [c for c in found
                if not (leaves & List.LEAVES and c.children) and not (leaves & List.NO_LEAVES and not c.children)]
