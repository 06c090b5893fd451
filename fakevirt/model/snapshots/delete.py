"""Deleting snapshots (qemuSnapshotDelete): internal, external as upstream ≥9.7, metadata only.

External deletion merges the snapshot's overlay into the image below it when something still
builds on that overlay (the running domain, a child's overlay), and otherwise only unlinks what no
longer has a user.  Images another branch or snapshot uses are never written into nor unlinked:
such a delete is refused (use METADATA_ONLY to just forget the snapshot).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from ...errors import VirtError
from ...errors import snapshot as err
from ...errors.snapshot import config_unsupported, operation_unsupported
from ..device_parts import BackingStore
from ..devices import Disk, image_path
from ..disk_source import take_node
from ..domain import Domain, Shutoff
from ..domaindef import DomainDef
from ..flags.snapshot import DELETE_ALL
from ..flags.snapshot import DomainSnapshotDeleteFlags as Delete
from ..images.owner import Owner
from .common import JOB_ACTIVE_COMMIT, JOB_COMMIT, JOB_COMPLETED, JOB_READY
from .tree import Snapshot

if TYPE_CHECKING:
    from .api import DomainSnapshots



def delete(api: DomainSnapshots, dom: Domain, snap: Snapshot, flags: int) -> None:
    api.check_delete_client_flags(flags)
    err.check_flags("qemuSnapshotDelete", flags, DELETE_ALL)
    metadata_only = bool(flags & Delete.METADATA_ONLY)
    tree = dom.snapshots
    if not metadata_only:
        _validate(api, dom, snap, flags)
    if flags & (Delete.CHILDREN | Delete.CHILDREN_ONLY):
        doomed = list(tree.descendants(snap))
        current_doomed = tree.current in doomed
        for child in reversed(doomed):  # leaves first: nobody is reparented
            _discard(api, dom, child, metadata_only)
        if current_doomed:
            api.make_current(dom, snap)
        if flags & Delete.CHILDREN_ONLY:
            _update_parent(snap)
            return
    if snap.definition.is_external and not metadata_only:
        _merge_external(api, dom, snap)
    _discard(api, dom, snap, metadata_only)


def _validate(api: DomainSnapshots, dom: Domain, snap: Snapshot, flags: int) -> None:
    """qemuSnapshotDeleteValidate and the 9.7 refusals for external snapshots."""
    sd = snap.definition
    tree = dom.snapshots
    if not sd.is_external and dom.active and sd.domain is not None:
        assert dom.live is not None
        for sdisk in sd.disks:
            now, then = dom.live.find_disk(sdisk.name), sd.domain.find_disk(sdisk.name)
            if now is None or then is None or now.image_path != then.image_path:
                raise operation_unsupported(f"disk image '{sdisk.name}' for internal snapshot '{snap.name}' is "
                                            "not the same as disk image currently used by VM")
    if flags & (Delete.CHILDREN | Delete.CHILDREN_ONLY):
        kinds = {s.definition.is_external for s in tree.descendants(snap)}
        if kinds == {True, False}:
            raise config_unsupported("deletion of external and internal children disk snapshots not supported")
        if True in kinds:
            raise config_unsupported("deletion of external children disk snapshots not supported")
    if not sd.is_external:
        return
    if flags & Delete.CHILDREN:
        raise config_unsupported("deletion of external disk snapshots with children not supported")
    if flags & Delete.CHILDREN_ONLY:
        return
    for sdisk in sd.disks:
        if sdisk.delete_in_progress:
            raise err.delete_in_progress(sdisk.name)
    if snap.children:
        current = tree.current
        if current is snap:
            raise config_unsupported("deletion of active external snapshot that is not a leaf snapshot is not "
                                     "supported")
        if current is None or not tree.is_ancestor(current, snap):
            raise config_unsupported("deletion of non-leaf external snapshot that is not in active chain is "
                                     "not supported")
        if len(snap.children) > 1:
            raise config_unsupported("deletion of external disk snapshot with multiple children snapshots not "
                                     "supported")
    for sdisk in sd.disks:
        if sdisk.snapshot != "external":
            continue
        if sd.domain is None or sd.domain.find_disk(sdisk.name) is None:
            raise err.operation_failed(f"failed to find disk '{sdisk.name}' in snapshot VM XML")
        parent = _parent_snap_for_disk(snap, sdisk.name)
        if parent is not None and not parent.definition.is_external:
            raise operation_unsupported("deleting external snapshot that has internal snapshot as parent not "
                                        "supported")


def _parent_snap_for_disk(snap: Snapshot, name: str) -> Snapshot | None:
    """qemuSnapshotFindParentSnapForDisk: the nearest ancestor that took this disk."""
    node = snap.parent
    while node is not None:
        if any(d.name == name and d.snapshot != "no" for d in node.definition.disks):
            return node
        node = node.parent
    return None


def _merge_external(api: DomainSnapshots, dom: Domain, snap: Snapshot) -> None:
    """Per external disk: fold the snapshot's overlay into its base, or drop what nobody uses."""
    sd = snap.definition
    assert sd.domain is not None and sd.name is not None
    images = api.images
    me = api.owner(dom, sd.name)
    plans: list[tuple[str, str]] = []  # (overlay to merge, base)
    reverted = {d.name: d.source for d in sd.revert_disks if d.snapshot == "external" and d.source}
    for sdisk in sd.disks:
        if sdisk.snapshot != "external" or not sdisk.source:
            continue
        disk = sd.domain.find_disk(sdisk.name)
        assert disk is not None
        # the domain continues on the revert overlays when the snapshot has them
        top, base = image_path(reverted.get(sdisk.name) or sdisk.source), disk.image_path
        assert top is not None and base is not None
        if not images.exists(top) or api.unused_by_others(top):
            continue  # nothing builds on the changes since this snapshot
        if not images.exists(base):
            raise err.operation_failed("failed to find parent disk source in backing chain")
        others = [o.label for o in images.users(base) if o not in (me, Owner.backing(top))]
        others += [other.name for other in api.driver.domains if base in api.domain_sources(other)]
        if others:
            names = ", ".join(others)
            raise config_unsupported(f"cannot delete snapshot '{sd.name}': its base image '{base}' is shared "
                                     f"with {names}")
        plans.append((top, base))
    live = dom.live if dom.active else dom.config
    assert live is not None
    heads = {k.image_path: k.target_dev for k in live.disks if k.source}
    active = [(top, base, heads[top]) for top, base in plans if top in heads]
    for top, _, dst in active:  # an active commit: READY, then the pivot completes it
        api.emit_block_job(dom, top, dst, JOB_ACTIVE_COMMIT, JOB_READY)
    for top, base in plans:
        fmt = images.open(base).format
        images.commit(top, base, keep_top=True, force=True)
        for child in images.children(top):
            images.rebase(child, base, fmt, safe=False, force=True)
        _retarget(api, dom, snap, top, base, fmt)
        images.delete(top)
        if top not in heads:  # a commit below the active layer ends by itself
            dst = next((k.target_dev for k in sd.domain.disks if k.image_path == base), "")
            api.emit_block_job(dom, _active_layer(live, dst), dst, JOB_COMMIT, JOB_COMPLETED)
    for _, base, dst in active:
        api.emit_block_job(dom, base, dst, JOB_ACTIVE_COMMIT, JOB_COMPLETED)
    if dom.active:
        api.driver.domains.sync_disk_users(dom)
    elif plans:
        # libvirt ran QEMU (paused) for the commit and shut it down: that took a domain ID; and
        # (as libvirtd 9.0 shows) a base with no backing file keeps the detected end of its chain
        api.driver.domains.allocate_id()
        dom.reason = Shutoff.SHUTDOWN
        assert dom.config is not None
        for _top, base in plans:
            for disk in dom.config.disks:
                if disk.image_path == base and images.backing_path(images.open(base)) is None \
                        and disk.backing is None:
                    disk.backing = BackingStore()


def _active_layer(d: DomainDef, dst: str) -> str:
    disk = d.find_disk(dst)
    return disk.source if disk is not None and disk.source else ""


def _retarget(api: DomainSnapshots, dom: Domain, snap: Snapshot, top: str, base: str, fmt: str) -> None:
    """Whatever named the merged overlay now names its base: the domain and later snapshots."""
    for d in (dom.live, dom.config):
        for disk in d.disks if d is not None else []:
            _drop_from_chain(disk, top, base, fmt)
    for desc in dom.snapshots.descendants(snap):
        api.release_state_images(dom, desc.name, desc.definition)
        for d in (desc.definition.domain, desc.definition.inactive_domain):
            for disk in d.disks if d is not None else []:
                if disk.image_path == top:  # qemuSnapshotUpdateDisksSingle: the base, without a chain
                    disk.source, disk.driver_type = base, fmt
                    disk.backing = None
                else:
                    _drop_from_chain(disk, top, base, fmt)
    for desc in dom.snapshots.descendants(snap):
        api.hold_state_images(dom, desc.name, desc.definition)


def _drop_from_chain(disk: Disk, top: str, base: str, fmt: str) -> None:
    """Take ``top`` out of a disk's chain: as the source, its base (with its node index) moves up;
    further down, its <backingStore> element is replaced by the one below it."""
    chain = disk.backing
    if disk.image_path == top:
        # base may be a pool volume (a persistent definition's names no file): it becomes the source again
        if chain is not None and not chain.is_end and chain.image_path in (base, None):
            take_node(disk, chain, live=True)
            if chain.index is not None:
                disk.source_attrs["index"] = str(chain.index)
            disk.backing = chain.backing
        else:
            disk.source = base
        disk.driver_type = fmt
        return
    parent = chain
    while parent is not None:
        node = parent.backing
        if node is not None and node.image_path == top:
            parent.backing = node.backing
            return
        parent = node
    if chain is not None and chain.image_path == top:
        disk.backing = chain.backing


def _discard(api: DomainSnapshots, dom: Domain, snap: Snapshot, metadata_only: bool) -> None:
    """qemuSnapshotDiscard: the files that only this snapshot needed, then its metadata."""
    sd = snap.definition
    tree = dom.snapshots
    me = api.owner(dom, snap.name)
    parent = snap.parent
    if not metadata_only:
        if sd.is_external:
            # its overlays (a branch point's or a left line's, kept by branching) when nothing
            # builds on them any more; a leaf the domain left also takes its point-in-time images
            overlays = [d.source for d in (*sd.revert_disks, *sd.disks) if d.snapshot == "external" and d.source]
            leaf_left = snap is not tree.current and not snap.children
            for path in [*overlays, *(api.state_images(sd) if leaf_left else [])]:
                api.unlink_if_unused(path, me)
            if sd.memory == "external" and sd.memory_file and api.memory_users(sd.memory_file) <= 1:
                api.driver.domains.saved_images.pop(sd.memory_file, None)
        elif sd.domain is not None:
            for sdisk in sd.disks:
                disk = sd.domain.find_disk(sdisk.name)
                top = api.top_image(disk) if sdisk.snapshot == "internal" and disk is not None else None
                if top is not None and api.images.exists(top):
                    try:
                        api.images.snapshot_delete(top, snap.name)
                    except VirtError:
                        pass  # libvirt ignores qemu-img's complaints here
    api.release_state_images(dom, snap.name, sd)
    tree.remove(snap)
    if parent is not None:
        _update_parent(parent)


def _update_parent(parent: Snapshot) -> None:
    """qemuSnapshotDeleteUpdateParent: a parent left without children continues on its revert overlays."""
    pd = parent.definition
    if pd.revert_disks and not parent.children:
        pd.disks, pd.revert_disks = pd.revert_disks, []
