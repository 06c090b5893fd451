"""Redefining snapshot metadata (qemuSnapshotRedefine): no disk or memory file is touched."""

from __future__ import annotations

from typing import TYPE_CHECKING

from ...errors.snapshot import redefine_invalid
from ..domain import Domain
from ..filenames import check_snapshot_file
from ..flags.snapshot import DomainSnapshotCreateFlags as Create
from .common import ACTIVE_STATES
from .snapshotdef import SnapshotDef

if TYPE_CHECKING:
    from .api import DomainSnapshots

def redefine(api: DomainSnapshots, dom: Domain, sd: SnapshotDef, flags: int) -> str:
    """virDomainSnapshotRedefinePrep, then replace or insert; CURRENT moves the current pointer."""
    name = sd.name
    assert name is not None
    tree = dom.snapshots
    parent = tree.check_parent(name, sd.parent)
    other = tree.find(name)
    if flags & Create.DISK_ONLY and sd.state != "disk-snapshot":
        raise redefine_invalid(f"disk-only flag for snapshot {name} requires disk-snapshot state")
    uuid = sd.domain.uuid if sd.domain is not None else sd.domain_uuid
    if uuid is not None and uuid != dom.uuid:
        raise redefine_invalid(f"definition for snapshot {name} must use uuid {dom.uuid}")
    if other is not None:
        od = other.definition
        if (od.state in ACTIVE_STATES) != (sd.state in ACTIVE_STATES):
            raise redefine_invalid(f"cannot change between online and offline snapshot state in snapshot {name}")
        if (od.state == "disk-snapshot") != (sd.state == "disk-snapshot"):
            raise redefine_invalid(f"cannot change between disk only and full system in snapshot {name}")
        if sd.domain is None and od.domain is not None:
            sd.domain = od.domain
    location = "external" if sd.state == "disk-snapshot" or sd.is_external else "internal"
    if sd.domain is not None:
        api.align(sd, sd.domain, location, redefine=True)
    check_snapshot_file(name)
    if other is not None:
        api.release_state_images(dom, name, other.definition)
        sd.revert_disks = sd.revert_disks or other.definition.revert_disks
        other.definition = sd
        tree.set_parent(other, parent)
        snap = other
    else:
        snap = tree.add(sd, parent)
    api.hold_state_images(dom, name, sd)
    if flags & Create.CURRENT:
        api.make_current(dom, snap)
    return name
