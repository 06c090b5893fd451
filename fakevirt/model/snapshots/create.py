"""Taking a snapshot (qemuSnapshotCreate): internal or external, of an active or inactive domain."""

from __future__ import annotations

import copy
import posixpath
from collections.abc import Callable
from typing import TYPE_CHECKING

from ...errors.checkpoint import block_operations_with_checkpoints
from ...errors.snapshot import config_unsupported, mixed_locations, operation_unsupported
from ..blockjobs.copy_nodes import next_index
from ..device_parts import BackingStore
from ..devices import Disk
from ..disk_source import as_backing, same_source
from ..domain import Domain, Paused, Running, SavedState, State
from ..domaindef import DomainDef
from ..events import Lifecycle
from ..filenames import check_snapshot_file
from ..flags.snapshot import DomainSnapshotCreateFlags as Create
from ..guest_events.jobs import JobOperation
from ..guest_events.stored import implicit_controllers_last
from ..images.bitmaps import propagate as propagate_bitmaps
from .common import STATE_NAMES, SUSPENDED_FROM_SNAPSHOT, VM_STATE_FRACTION
from .snapshotdef import SaveCookie, SnapshotDef, SnapshotDisk

if TYPE_CHECKING:
    from .api import DomainSnapshots


def create(api: DomainSnapshots, dom: Domain, sd: SnapshotDef, flags: int) -> str:
    assert sd.name is not None
    _align(api, dom, sd, flags)
    flags = _prepare(api, dom, sd, flags)
    if not dom.active and len(dom.checkpoints):
        raise block_operations_with_checkpoints()  # qemu-img on the disks would lose the bitmaps
    if not flags & Create.NO_METADATA:
        api.check_name_free(dom, sd.name)
    sd.creation_time = api.now()
    memory: SavedState | None = None
    if dom.active:
        if flags & Create.DISK_ONLY or sd.memory == "external":
            if flags & Create.QUIESCE:
                api.driver.agents.quiesce(dom)
            return _active_external(api, dom, sd, flags, lambda: _taken(api, dom, sd, flags, None))
        memory = _active_internal(api, dom, sd, flags)
    elif flags & Create.DISK_ONLY:
        _switch_disks(api, dom, sd, bool(flags & Create.REUSE_EXT))
    else:
        _internal_images(api, sd, 0)
    return _taken(api, dom, sd, flags, memory)


def _taken(api: DomainSnapshots, dom: Domain, sd: SnapshotDef, flags: int, memory: SavedState | None) -> str:
    """The snapshot's metadata once its data is taken; a HALT stops the domain."""
    assert sd.name is not None
    if memory is not None or sd.memory == "external":
        sd.cookie = save_cookie(sd.domain)
    if not flags & Create.NO_METADATA:
        check_snapshot_file(sd.name)  # after the disks changed, as in libvirt
        tree = dom.snapshots
        snap = tree.add(sd, tree.current)
        snap.memory = memory
        api.hold_state_images(dom, sd.name, sd)
        api.make_current(dom, snap)
    if flags & Create.HALT and dom.active:
        api.stop_for_snapshot(dom)
    return sd.name


def _align(api: DomainSnapshots, dom: Domain, sd: SnapshotDef, flags: int) -> None:
    """qemuSnapshotCreateAlignDisks: state, memory and the disk list from the domain."""
    source = dom.live if dom.active else dom.config
    assert source is not None
    sd.domain = stored_copy(source)
    sd.inactive_domain = dom.config.copy() if dom.active and dom.config is not None else None
    state = STATE_NAMES[dom.state]
    if flags & Create.DISK_ONLY:
        location = "external"
        sd.state = "disk-snapshot" if dom.active else "shutoff"
        sd.memory = "no"
    elif sd.memory == "external":
        sd.state = state
        location = "external"
    else:
        sd.state = state
        location = "internal"
        if dom.active and sd.memory == "no":
            raise operation_unsupported("internal snapshot of a running VM must include the memory state")
        sd.memory = "no" if state == "shutoff" else "internal"
    api.align(sd, source, location)


def _prepare(api: DomainSnapshots, dom: Domain, sd: SnapshotDef, flags: int) -> int:
    """qemuSnapshotPrepare: which disks, which formats, which files; returns the adjusted flags."""
    source = sd.domain
    assert source is not None
    reuse = bool(flags & Create.REUSE_EXT)
    found_internal = forbid_internal = False
    external = 0
    for sdisk in sd.disks:
        disk = source.find_disk(sdisk.name)
        assert disk is not None
        if sdisk.snapshot == "internal":
            found_internal = True
            if sd.state == "disk-snapshot" and dom.active:
                raise config_unsupported("active qemu domains require external disk snapshots; "
                                         f"disk {sdisk.name} requested internal")
            fmt = disk.driver_type or (api.image_format(disk.source) if disk.source else None)
            if fmt and fmt != "qcow2":
                raise config_unsupported(f"internal snapshot for disk {sdisk.name} unsupported for storage "
                                         f"type {fmt}")
        elif sdisk.snapshot == "external":
            if not sdisk.driver_type:
                sdisk.driver_type = "qcow2"
            elif sdisk.driver_type not in ("qcow2", "qed"):
                raise config_unsupported(f"external snapshot format for disk {sdisk.name} is unsupported: "
                                         f"{sdisk.driver_type}")
            assert sdisk.image_path is not None
            sdisk.source = sdisk.image_path
            api.check_new_file(sdisk.name, sdisk.source, reuse)
            external += 1
        elif sdisk.snapshot == "manual":
            forbid_internal = True
        elif disk.source and not disk.readonly:
            forbid_internal = True
    if not found_internal and not external and sd.memory == "no":
        raise config_unsupported("nothing selected for snapshot")
    if (sd.memory == "internal" and not found_internal) or (found_internal and forbid_internal):
        raise config_unsupported("internal and full system snapshots require all disks to be selected for snapshot")
    if sd.state == "disk-snapshot" and not external:
        raise config_unsupported("disk-only snapshots require at least one disk to be selected for snapshot")
    if ((found_internal and external) or (sd.memory == "internal" and external)
            or (sd.memory == "external" and found_internal)):
        raise mixed_locations()
    if external and not dom.active:
        flags |= Create.DISK_ONLY
    return flags


def _internal_images(api: DomainSnapshots, sd: SnapshotDef, vm_state_size: int) -> None:
    """qemu-img snapshot -c (inactive) or savevm (active): every internal disk's top image."""
    assert sd.domain is not None and sd.name is not None
    first = True
    for sdisk in sd.disks:
        if sdisk.snapshot != "internal":
            continue
        disk = sd.domain.find_disk(sdisk.name)
        path = api.top_image(disk) if disk is not None else None
        assert path is not None
        api.images.snapshot_create(path, sd.name, vm_state_size=vm_state_size if first else 0,
                                   icount=None if vm_state_size else 0)
        first = False


def _active_internal(api: DomainSnapshots, dom: Domain, sd: SnapshotDef, flags: int) -> SavedState:
    """qemuSnapshotCreateActiveInternal: savevm stores the disks and the guest's RAM; libvirt
    pauses a running guest around it (SUSPENDED, then RESUMED unless HALT follows)."""
    assert dom.live is not None
    domains = api.driver.domains
    was_running = dom.state == State.RUNNING
    memory = SavedState(dom.live.copy(), was_running, domains.cpu_time(dom))
    if was_running:
        domains.suspend(dom)
    api.emit_save_progress(dom)
    _internal_images(api, sd, max(1, dom.live.current_memory_kib * 1024 // VM_STATE_FRACTION))
    if was_running and not flags & Create.HALT:
        domains.resume(dom)
    return memory


def _active_external(api: DomainSnapshots, dom: Domain, sd: SnapshotDef, flags: int, then: Callable[[], str]) -> str:
    """qemuSnapshotCreateActiveExternal: memory to a save image (QEMU's migration to a file, which
    a test can hold like a save's), then new overlays, live; then ``then``."""
    memory = sd.memory == "external"
    was_running = dom.state == State.RUNNING
    domains = api.driver.domains
    if memory and was_running and not flags & Create.LIVE:
        domains.pause_for_job(dom, Paused.SNAPSHOT)  # the guest pauses while its RAM is written

    def rest() -> str:
        if memory:
            assert sd.memory_file is not None
            api.save_memory(dom, sd.memory_file, was_running)
            api.emit_save_progress(dom, (2,) if held else (1, 2))
        _switch_disks(api, dom, sd, bool(flags & Create.REUSE_EXT))
        if memory and was_running and not flags & Create.HALT and dom.state == State.PAUSED:
            domains.resume(dom)
        elif memory and dom.state == State.PMSUSPENDED:
            api.emit(dom, Lifecycle.SUSPENDED, SUSPENDED_FROM_SNAPSHOT)
        return then()

    jobs = api.driver.hypervisor.domjobs
    fraction = jobs.take_hold(dom) if memory else None
    held = fraction is not None
    if fraction is None:
        return rest()
    api.emit_save_progress(dom, (1,))

    def undo() -> None:
        if was_running and dom.active and dom.state == State.PAUSED:
            domains.resume_after_job(dom, Running.UNPAUSED)
    raise jobs.start(dom, JobOperation.SNAPSHOT, api.driver.hypervisor.clock.now(), fraction,
                     bool(flags & Create.LIVE), rest, undo)


def _switch_disks(api: DomainSnapshots, dom: Domain, sd: SnapshotDef, reuse: bool) -> None:
    """Create each external disk's overlay and point the domain's disks at it."""
    source = sd.domain
    assert source is not None
    external = [sdisk for sdisk in sd.disks if sdisk.snapshot == "external"]
    if dom.active:  # qemuSnapshotDiskPrepareOne: no overlay on a disk a block job holds
        for sdisk in external:
            api.driver.hypervisor.blockjobs.check_free(api.driver, dom, sdisk.name)
    for sdisk in external:
        old = source.find_disk(sdisk.name)
        assert old is not None and old.image_path and sdisk.source
        api.new_overlay(sdisk.source, sdisk.driver_type or "qcow2", old.image_path, reuse)
        if dom.active:
            propagate_bitmaps(api.images, old.image_path, sdisk.source)
        switch_disks_on([d for d in (dom.live, dom.config) if d is not None], sdisk, old,
                        live_snapshot=dom.active and not reuse)
    if dom.active:
        api.driver.domains.sync_disk_users(dom)


def switch_disks_on(defs: list[DomainDef], sdisk: SnapshotDisk, old: Disk | str, *,
                    live_snapshot: bool = True) -> None:
    """In each definition whose disk ``sdisk.name`` is still on ``old`` (a disk, or a file), switch it to the overlay."""
    for d in defs:
        disk = d.find_disk(sdisk.name)
        if disk is None:
            continue
        if (disk.image_path == posixpath.normpath(old)) if isinstance(old, str) else same_source(disk, old):
            switch_disk_source(d, disk, sdisk, live_snapshot=live_snapshot)


def switch_disk_source(d: DomainDef, disk: Disk, sdisk: SnapshotDisk, *, live_snapshot: bool = True) -> None:
    """qemuSnapshotDiskUpdateSource: the overlay becomes the source, the old source its backing.

    In a live definition the old top keeps its node index and the new top gets the next unused
    one; a persistent definition gets the old source as an unindexed <backingStore> (after an
    inactive snapshot only if it already described a chain, as qemu-img create leaves it).
    """
    assert sdisk.source is not None
    old_index = disk.source_attrs.get("index")
    below = disk.backing
    node = as_backing(disk, int(old_index) if old_index is not None else None, below)
    disk.type = sdisk.type or "file"
    disk.source, disk.volume_path = sdisk.source, None
    disk.driver_type = sdisk.driver_type or "qcow2"
    if old_index is None and not live_snapshot and below is None:
        return
    if old_index is not None:
        disk.source_attrs["index"] = str(next_index(d))
        if below is None:
            node.backing = BackingStore()
    disk.backing = node


def save_cookie(d: DomainDef | None) -> SaveCookie:
    """qemuDomainSaveCookieFormat: the CPU the guest really runs on, and QEMU's slirp-helper support."""
    cpu = d.live_cpu if d is not None else None
    return SaveCookie(cpu=copy.deepcopy(cpu), slirp_helper=True)


def stored_copy(d: DomainDef) -> DomainDef:
    """How libvirt keeps a definition in a snapshot: formatted inactive and parsed back.

    So a running domain's detected chains stay (as <backingStore> without node indexes), its
    generated DAC label goes, an empty drive gets its raw format back, and the implicit USB
    and PCI root controllers come last (the migratable round trip's order).
    """
    out = d.copy()
    for disk in out.disks:
        disk.source_attrs.pop("index", None)
        disk.backing = disk.backing.copy(index=False) if disk.backing is not None else None
        if not disk.source and disk.driver_name and disk.driver_type is None:
            disk.driver_type = "raw"
    out.seclabels = [s for s in out.seclabels if not s.generated]
    implicit_controllers_last(out)
    return out
