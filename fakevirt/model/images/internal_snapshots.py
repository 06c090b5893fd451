"""qcow2 internal snapshots: ``qemu-img snapshot -c | -a | -d``.

A snapshot keeps a copy of the image's own cluster dict (the buffers are shared, as qcow2 shares
clusters by refcount) and its virtual size; the backing chain is not part of it, exactly as in
qcow2, so applying a snapshot after the backing file changed shows the new backing data.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from ...errors import images as err
from .image import Image, InternalSnapshot

if TYPE_CHECKING:
    from .owner import Owner
    from .store import ImageStore


def find(img: Image, name: str, *, by_id: bool) -> InternalSnapshot | None:
    """qcow2's lookup: by ID then by name (apply, convert -l), or by name only (delete)."""
    if by_id:
        for snap in img.snapshots:
            if snap.id == name:
                return snap
    return next((s for s in img.snapshots if s.name == name), None)


def create(store: ImageStore, path: str, name: str, *, vm_state_size: int, vm_clock_ns: int,
           icount: int | None) -> InternalSnapshot:
    """Record the image's current clusters; names may repeat (qcow2 allows it), IDs do not."""
    img = store.opened_chain(path)[0]
    if img.format != "qcow2":
        raise err.snapshot_create_unsupported(name)
    now = store.clock.now()
    sec = int(now)
    nsec = min(round((now - sec) * 1_000_000_000), 999_999_999)
    snap = InternalSnapshot(id=img.next_snapshot_id(), name=name, date_sec=sec,
                            date_nsec=nsec, vm_state_size=vm_state_size,
                            vm_clock_ns=vm_clock_ns, virtual_size=img.virtual_size,
                            clusters=img.clusters.copy(), icount=icount)
    img.snapshots.append(snap)
    return snap


def apply(store: ImageStore, path: str, name: str, *, owner: Owner | None,
          force: bool) -> InternalSnapshot:
    """Make the snapshot's clusters and size current again (the current data is dropped)."""
    img = store.opened_chain(path)[0]
    if img.format != "qcow2":
        raise err.snapshot_apply_unsupported(name)
    snap = find(img, name, by_id=True)
    if snap is None:
        raise err.snapshot_apply_missing(name)
    store.guard(img.path, owner, force=force)
    img.clusters = snap.clusters.copy()
    img.virtual_size = snap.virtual_size
    return snap


def delete(store: ImageStore, path: str, name: str) -> InternalSnapshot:
    """Drop the first snapshot called ``name`` (qemu-img -d looks names up, not IDs)."""
    img = store.opened_chain(path)[0]
    snap = find(img, name, by_id=False)
    if snap is None:
        raise err.snapshot_delete_missing(name)
    img.snapshots = [s for s in img.snapshots if s is not snap]
    return snap
