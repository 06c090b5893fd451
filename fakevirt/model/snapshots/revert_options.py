"""fakevirt's revert flags DISCARD and MERGE: the branching RFC's revert options 1 and 2.

REVERT_DISCARD (option 1): after the revert, every snapshot below the target is deleted with the
files only it needed, so the target is a leaf again (changes made since it are lost).
REVERT_MERGE (option 2): before the revert, the running head's changes are committed down into
the target's own overlay (its <disks>), which is kept; the snapshots in between, invalidated by
the commit, are deleted.  The domain then restarts from the target on a fresh overlay.

Both keep the invariant of the rest of the model: an image another branch, snapshot or domain
still uses is never written into nor unlinked.
"""

from __future__ import annotations

import posixpath
from typing import TYPE_CHECKING

from ...errors.snapshot import config_unsupported
from ..domain import Domain
from ..images.owner import OwnerKind
from .tree import Snapshot

if TYPE_CHECKING:
    from .api import DomainSnapshots


def discard_descendants(api: DomainSnapshots, dom: Domain, snap: Snapshot) -> None:
    """Option 1: forget the target's descendants and unlink their files nobody else needs."""
    tree = dom.snapshots
    for child in reversed(list(tree.descendants(snap))):
        forget_with_files(api, dom, child)
    pd = snap.definition
    if pd.revert_disks:
        pd.disks, pd.revert_disks = pd.revert_disks, []


def forget_with_files(api: DomainSnapshots, dom: Domain, snap: Snapshot) -> None:
    sd = snap.definition
    me = api.owner(dom, snap.name)
    files = [d.source for d in (*sd.disks, *sd.revert_disks) if d.snapshot == "external" and d.source]
    api.release_state_images(dom, snap.name, sd)
    dom.snapshots.remove(snap)
    for path in [*files, *api.state_images(sd)]:
        api.unlink_if_unused(path, me)
    if sd.memory == "external" and sd.memory_file and api.memory_users(sd.memory_file) == 0:
        api.driver.domains.saved_images.pop(sd.memory_file, None)


def merge_head(api: DomainSnapshots, dom: Domain, snap: Snapshot) -> tuple[list[str], list[str]]:
    """Option 2, the part before the revert.

    Returns the overlays that now hold the merged changes (kept) and the images above them that
    the revert leaves behind (to unlink once the domain no longer runs on them).  Refused, with
    nothing changed, when an image the commit would write into or invalidate is used by anything
    outside the line from the target to the current snapshot (another branch, another domain).
    """
    tree = dom.snapshots
    current = tree.current
    if current is not snap and (current is None or not tree.is_ancestor(current, snap)):
        raise config_unsupported(f"cannot merge into snapshot '{snap.name}': it is not an ancestor of the "
                                 "current snapshot")
    line: list[Snapshot] = []
    node: Snapshot | None = current
    while node is not None and node is not snap:
        line.append(node)
        node = node.parent
    allowed = {api.owner(dom, s.name) for s in line}
    sd = snap.definition
    heads = {k.target_dev: k.source for d in (dom.live, dom.config) if d is not None for k in d.disks
             if k.source}
    plans: list[tuple[str, str]] = []
    keep: list[str] = []
    stale: list[str] = []
    for sdisk in sd.disks:
        if sdisk.snapshot != "external" or not sdisk.source or sdisk.name not in heads:
            continue
        target, top = sdisk.image_path, posixpath.normpath(heads[sdisk.name] or "")
        assert target is not None
        keep.append(target)
        if top == target or not api.images.exists(top):
            continue
        chain = [img.path for img in api.images.chain(top)]
        if target not in chain:
            raise config_unsupported(f"cannot merge into snapshot '{snap.name}': '{target}' is not in the "
                                     f"backing chain of '{top}'")
        touched = chain[: chain.index(target) + 1]
        for path in touched:
            for user in api.images.users(path):
                ok = (user in allowed or user.is_disk_of(str(dom.uuid))
                      or (user.kind is OwnerKind.BACKING and user.subject in touched))
                if not ok:
                    raise config_unsupported(f"cannot merge into snapshot '{snap.name}': '{path}' is also used "
                                             f"by {user.kind} '{user.label}'")
            if any(path in api.domain_sources(other) for other in api.driver.domains if other is not dom):
                raise config_unsupported(f"cannot merge into snapshot '{snap.name}': '{path}' is used by another "
                                         "domain")
        for other in tree:
            if other in line or other is snap:
                continue
            if any(d.image_path in touched[:-1]
                   for d in (*other.definition.disks, *other.definition.revert_disks)):
                raise config_unsupported(f"cannot merge into snapshot '{snap.name}': snapshot '{other.name}' "
                                         "records an image the merge would invalidate")
        plans.append((top, target))
        stale += touched[:-1]
    for top, target in plans:
        api.images.commit(top, target, keep_top=True, force=True)
    tree.current = snap
    for dead in line:  # their points in time were committed over
        for child in list(dead.children):
            if child not in line:
                tree.set_parent(child, dead.parent)
        forget_with_files(api, dom, dead)
    return keep, stale
