"""fakevirt's branching (the 2012 CREATE_BRANCH RFC, option 3): revert-and-create in one step.

A branch snapshot N of an external snapshot S gets new overlays on S's own images, so it starts
from S's point in time while everything that existed stays as it was: S's overlay and all of S's
other descendants keep their data.  N is S's child, shares S's memory state unless told
otherwise, and becomes current (the domain switches to it) only when the XML asks.
"""

from __future__ import annotations

import posixpath
from typing import TYPE_CHECKING

from ...errors import VirtError
from ...errors import snapshot as err
from ..domain import Domain
from ..events import Lifecycle
from ..flags.snapshot import DomainSnapshotCreateFlags as Create
from .common import ACTIVE_STATES, DEFINED_FROM_SNAPSHOT, exclusive
from .create import switch_disk_source
from .snapshotdef import SnapshotDef, SnapshotDisk
from .tree import Snapshot

if TYPE_CHECKING:
    from .api import DomainSnapshots


def create_branch(api: DomainSnapshots, dom: Domain, sd: SnapshotDef, flags: int) -> str:
    assert sd.branch is not None
    for other in (Create.LIVE, Create.HALT, Create.QUIESCE):  # the element is the flag
        exclusive(flags | Create.BRANCH, Create.BRANCH, other, "qemuSnapshotCreateXML")
    tree = dom.snapshots
    point = tree.get(sd.branch.point)
    pd = point.definition
    if pd.domain is None:
        raise err.lacks_rollback(point.name, dom.name)
    if not pd.is_external:
        raise err.config_unsupported("branching is only supported from external snapshots")
    if sd.name is None:
        sd.name = str(api.now())
    api.validate_def(dom, sd, flags & ~int(Create.LIVE | Create.REDEFINE))
    if not flags & Create.NO_METADATA:
        api.check_name_free(dom, sd.name)
    _memory(api, point, sd, flags)
    sd.domain = pd.domain.copy()
    sd.domain.name = dom.name
    sd.inactive_domain = pd.inactive_domain.copy() if pd.inactive_domain is not None else None
    if sd.inactive_domain is not None:
        sd.inactive_domain.name = dom.name
    sd.cookie = [c for c in pd.cookie]
    sd.creation_time = api.now()
    sd.disks = _overlays(api, dom, point, sd, bool(flags & Create.REUSE_EXT))
    request = sd.branch
    sd.branch = None
    snap: Snapshot | None = None
    if not flags & Create.NO_METADATA:
        snap = tree.add(sd, point)
        snap.memory = point.memory
        api.hold_state_images(dom, sd.name, sd)
    if request.current:
        _switch_to(api, dom, sd, snap, request.state)
    return sd.name


def _memory(api: DomainSnapshots, point: Snapshot, sd: SnapshotDef, flags: int) -> None:
    """Shared with the branch point by default; copied to a new file; or none (disk-only)."""
    pd = point.definition
    wanted = "no" if flags & Create.DISK_ONLY else sd.memory
    if pd.memory != "external":
        if wanted not in (None, "no"):
            raise err.memory_needs_full_snapshot()
        sd.memory, sd.memory_file, sd.state = "no", None, pd.state
        return
    if wanted == "internal":
        raise err.mixed_locations()
    if wanted == "no":
        sd.memory, sd.memory_file = "no", None
        sd.state = "disk-snapshot" if pd.state in ACTIVE_STATES else pd.state
        return
    sd.state = pd.state
    sd.memory = "external"
    if sd.memory_file is None or sd.memory_file == pd.memory_file:
        sd.memory_file = pd.memory_file
        return
    saved = api.driver.domains.saved_images.get(pd.memory_file or "")
    if saved is None:
        raise err.memory_file_missing(pd.memory_file)
    api.driver.domains.saved_images[sd.memory_file] = type(saved)(saved.definition.copy(), saved.running,
                                                                   saved.cpu_time_ns)


def _overlays(api: DomainSnapshots, dom: Domain, point: Snapshot, sd: SnapshotDef, reuse: bool) -> list[SnapshotDisk]:
    """A new overlay on each of the branch point's images; the XML may name them."""
    pd = point.definition
    assert pd.domain is not None and sd.name is not None
    asked = {d.name: d for d in sd.disks}
    for name in asked:
        if pd.domain.find_disk(name) is None and not any(k.source == name for k in pd.domain.disks):
            raise err.conf_unsupported(f"no disk named '{name}'")
    out: list[SnapshotDisk] = []
    created: list[str] = []
    for pdisk in pd.disks:
        if pdisk.snapshot != "external":
            out.append(SnapshotDisk(pdisk.name, "no"))
            continue
        disk = pd.domain.find_disk(pdisk.name)
        assert disk is not None and disk.image_path
        state_image = disk.image_path
        if not api.images.exists(state_image):
            raise err.branch_point_image_gone(state_image, point.name)
        given = asked.get(pdisk.name) or next((a for k, a in asked.items() if k == disk.source), None)
        path = given.source if given is not None and given.source else _default_name(state_image, sd.name)
        if not posixpath.isabs(path):
            raise err.xml_error(f"disk snapshot image path '{path}' must be absolute", err.QEMU)
        path = posixpath.normpath(path)
        fmt = (given.driver_type if given is not None else None) or "qcow2"
        try:
            api.check_new_file(pdisk.name, path, reuse)
            if reuse:
                backing = api.images.backing_path(api.images.open(path))
                if backing != state_image:
                    raise err.config_unsupported(f"reused file '{path}' is not backed by '{state_image}'")
            else:
                api.new_overlay(path, fmt, state_image, reuse=False)
                created.append(path)
        except VirtError:
            for p in created:  # ATOMIC: nothing is left behind
                api.images.delete(p)
            raise
        out.append(SnapshotDisk(pdisk.name, "external", "file", path, fmt))
    return out


def _default_name(state_image: str, snap_name: str) -> str:
    """The QEMU driver's rule: the file name's extension replaced by the snapshot's name."""
    head, tail = posixpath.split(state_image)
    if "." in tail:
        tail = tail[: tail.rindex(".")]
    return posixpath.join(head, f"{tail}.{snap_name}")


def _switch_to(api: DomainSnapshots, dom: Domain, sd: SnapshotDef, snap: Snapshot | None,
               final: str | None) -> None:
    """A non-destructive revert onto the new branch: nothing of the old head is discarded."""
    assert sd.domain is not None
    config = sd.domain.copy()
    inactive = (sd.inactive_domain or sd.domain).copy()
    for d in (config, inactive):
        for sdisk in sd.disks:
            disk = d.find_disk(sdisk.name)
            if sdisk.snapshot == "external" and disk is not None:
                switch_disk_source(d, disk, sdisk)
                disk.source_attrs.pop("index", None)
                disk.backing = None
    state = final or ("running" if sd.state == "running" else "paused" if sd.state == "paused" else "inactive")
    memory = api.driver.domains.saved_images.get(sd.memory_file or "") if sd.memory == "external" else None
    api.stop_for_snapshot(dom)
    if dom.persistent:
        dom.config = inactive
    if state in ("running", "paused"):
        api.boot_from_snapshot(dom, config if memory is not None else inactive.copy(), state == "paused", memory,
                               fresh=memory is None)
    if snap is not None:
        dom.snapshots.current = snap
    if dom.persistent:
        api.emit(dom, Lifecycle.DEFINED, DEFINED_FROM_SNAPSHOT)
