"""Reverting to a snapshot (qemuSnapshotRevert): internal as in 9.x, external as in 9.7+.

An external revert never writes into the snapshot's images: the domain gets new overlays on top
of them (named after the revert time), and the overlays of the head it leaves are discarded
(libvirt: "that VM state is not meant to be saved").  fakevirt's extra flags decide what happens to
snapshots below the target first: DISCARD drops them with their files, MERGE folds the head's
changes into the target's own overlay, which is kept.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from ...errors import snapshot as err
from ...errors.snapshot import config_unsupported, operation_unsupported
from ..domain import Domain
from ..domaindef import DomainDef
from ..events import Lifecycle
from ..flags.snapshot import REVERT_ALL
from ..flags.snapshot import DomainSnapshotRevertFlags as Revert
from .common import ACTIVE_STATES, DEFINED_FROM_SNAPSHOT, exclusive
from .create import switch_disks_on
from .revert_options import discard_descendants, merge_head
from .snapshotdef import SnapshotDef, SnapshotDisk
from .tree import Snapshot

if TYPE_CHECKING:
    from .api import DomainSnapshots

def check_flags(api: DomainSnapshots, flags: int) -> None:
    """The client library's exclusions, then the driver's virCheckFlags."""
    api.check_revert_client_flags(flags)
    err.check_flags("qemuSnapshotRevert", flags, REVERT_ALL)
    exclusive(flags, Revert.DISCARD, Revert.MERGE, "qemuSnapshotRevert")


def revert(api: DomainSnapshots, dom: Domain, snap: Snapshot, flags: int) -> None:
    check_flags(api, flags)
    sd = snap.definition
    _validate(dom, snap, flags)
    keep: list[str] = []
    stale: list[str] = []
    if flags & Revert.MERGE:
        if not sd.is_external:
            raise config_unsupported("merging the changes since a snapshot needs an external snapshot")
        keep, stale = merge_head(api, dom, snap)
    config, inactive = _prep(dom, sd)
    target_active = sd.state in ACTIVE_STATES
    base = config if target_active else inactive
    planned = _plan_overlays(api, dom, base) if sd.is_external else []
    persistent = dom.persistent
    api.stop_for_snapshot(dom)
    if sd.is_external:
        _switch_to_overlays(api, dom, snap, planned, base, (config, inactive), keep)
    else:
        _apply_internal(api, sd)
    if persistent:
        dom.config = inactive
    if target_active:
        paused = not flags & Revert.RUNNING and (sd.state == "paused" or bool(flags & Revert.PAUSED))
        api.boot_from_snapshot(dom, config, paused, api.memory_state(snap))
    elif flags & (Revert.RUNNING | Revert.PAUSED):
        api.boot_from_snapshot(dom, inactive.copy(), bool(flags & Revert.PAUSED), None, fresh=True)
    api.make_current(dom, snap)
    for path in stale:
        api.unlink_if_unused(path)
    if flags & Revert.DISCARD:
        discard_descendants(api, dom, snap)
    if persistent:
        api.emit(dom, Lifecycle.DEFINED, DEFINED_FROM_SNAPSHOT)
    api.driver.domains.channel_event(dom)  # QEMU's VSERPORT_CHANGE comes after the revert's events


def _validate(dom: Domain, snap: Snapshot, flags: int) -> None:
    """qemuSnapshotRevertValidate (without 9.6's refusal of external snapshots)."""
    sd = snap.definition
    if not dom.persistent and sd.state not in ACTIVE_STATES and not flags & (Revert.RUNNING | Revert.PAUSED):
        raise err.transient_needs_run_or_pause()
    if sd.domain is None:
        raise err.lacks_rollback(snap.name, dom.name)
    if not flags & Revert.FORCE and dom.managed_save is not None and sd.state not in ACTIVE_STATES:
        raise err.managed_save_risky()
    if sd.state == "pmsuspended":
        raise operation_unsupported("qemu doesn't support reversion of snapshot taken in PMSUSPENDED state")
    if sd.state in ("nostate", "blocked") or (sd.state == "disk-snapshot" and not sd.is_external):
        raise err.invalid_target_state(sd.state)


def _prep(dom: Domain, sd: SnapshotDef) -> tuple[DomainDef, DomainDef]:
    """qemuSnapshotRevertPrep: the definitions to run and to keep, renamed to the domain's name."""
    assert sd.domain is not None
    config = sd.domain.copy()
    config.name = dom.name
    if sd.inactive_domain is not None:
        inactive = sd.inactive_domain.copy()
    else:
        inactive = sd.domain.copy()
    inactive.name = dom.name
    return config, inactive


def _apply_internal(api: DomainSnapshots, sd: SnapshotDef) -> None:
    """qemu-img snapshot -a on every disk of the snapshot's definition (loadvm for running ones)."""
    assert sd.domain is not None and sd.name is not None
    for sdisk in sd.disks:
        if sdisk.snapshot != "internal":
            continue
        disk = sd.domain.find_disk(sdisk.name)
        path = api.top_image(disk) if disk is not None else None
        if path is not None and api.images.exists(path):
            api.images.snapshot_apply(path, sd.name, force=True)


def _plan_overlays(api: DomainSnapshots, dom: Domain, base: DomainDef) -> list[SnapshotDisk]:
    """qemuSnapshotRevertExternalPrepare: every disk gets a new overlay named after the time."""
    # libvirt names them after the second; a second revert within it would collide (there, fail;
    # here, take the next second), as would a name an earlier revert recorded and then removed
    stamp = max(api.now(), api.last_revert_stamp.get(dom.uuid, 0) + 1)
    while True:
        tmp = SnapshotDef(name=str(stamp))
        api.align(tmp, base, "external", force=True)
        new_disks = [d for d in tmp.disks if d.snapshot == "external"]
        if not any(d.source and api.images.exists(d.source) for d in new_disks):
            break
        stamp += 1
    api.last_revert_stamp[dom.uuid] = stamp
    for sdisk in new_disks:
        assert sdisk.image_path is not None
        sdisk.source = sdisk.image_path
        api.check_new_file(sdisk.name, sdisk.source, reuse=False)
    return tmp.disks


def _switch_to_overlays(api: DomainSnapshots, dom: Domain, snap: Snapshot, planned: list[SnapshotDisk],
                        base: DomainDef, defs: tuple[DomainDef, ...], keep: list[str]) -> None:
    """Create the overlays on the target's images, then qemuSnapshotRevertExternalFinish."""
    new_disks = [d for d in planned if d.snapshot == "external"]
    for sdisk in new_disks:
        disk = base.find_disk(sdisk.name)
        assert disk is not None and disk.image_path and sdisk.source
        old = disk.image_path
        api.new_overlay(sdisk.source, sdisk.driver_type or "qcow2", old, reuse=False)
        switch_disks_on(list(defs), sdisk, old)
    discard_head(api, dom, keep=[*keep, *(d.source for d in new_disks if d.source)])
    kept = [d.source for d in snap.definition.disks if d.snapshot == "external" and d.source
            and api.images.exists(d.source)]
    if snap.children or keep or kept:
        snap.definition.revert_disks = planned
    else:
        snap.definition.disks = planned


def discard_head(api: DomainSnapshots, dom: Domain, keep: list[str]) -> None:
    """The current snapshot's head overlays go away (its revertDisks, else its own <disks>)."""
    current = dom.snapshots.current
    if current is None:
        return
    cd = current.definition
    head: list[SnapshotDisk] = cd.revert_disks or cd.disks
    for sdisk in head:
        if sdisk.snapshot != "external" or not sdisk.source or sdisk.source in keep:
            continue
        api.unlink_if_unused(sdisk.source, exempt=dom)  # the domain leaves it
    cd.revert_disks = []

