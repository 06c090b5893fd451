"""What every storage operation stands on: the pools, their lookups, sizes and events.

``StorageCore`` holds the driver's state (pools, directories, the image store) and answers the
lookups and accounting that both the volume operations (storage_vols.py) and the pool lifecycle
(storage.py) use; ``StorageState`` is the two of them on top of it.
"""

from __future__ import annotations

import uuid as uuidlib
from collections.abc import Iterator
from typing import TYPE_CHECKING

from ..errors import storage as err
from .hostpaths import HOST_DIRS
from .images import Image, ImageStore, formats
from .images.image import FS_BLOCK, round_up
from .storage_defs import FS_BASE_USED, FS_CAPACITY, Perms, Pool, Volume, sanitize_path
from .storage_events import PoolEvent, StoragePoolEventLifecycleType

if TYPE_CHECKING:
    from .hypervisor import Hypervisor


class StorageCore:
    """The storage driver's state of one hypervisor: its pools, on the hypervisor's image store."""

    def __init__(self, hv: Hypervisor, images: ImageStore) -> None:
        self.hv = hv
        self.bus = hv.bus
        self.images = images
        self.pools: dict[str, Pool] = {}
        qemu_uid, qemu_gid = hv.qemu_user
        self.dirs: dict[str, Perms] = {  # directory -> its permissions
            d.path: Perms(d.mode, *((qemu_uid, qemu_gid) if d.qemu_owned else (0, 0))) for d in HOST_DIRS}

    def emit(self, pool: Pool, event: StoragePoolEventLifecycleType) -> None:
        self.bus.publish(PoolEvent.lifecycle(pool.name, pool.uuid, event))

    def emit_refresh(self, pool: Pool) -> None:
        self.bus.publish(PoolEvent.refresh(pool.name, pool.uuid))

    # -- pools -----------------------------------------------------------------------------

    def __iter__(self) -> Iterator[Pool]:
        return iter(list(self.pools.values()))

    def by_name(self, name: str) -> Pool:
        pool = self.pools.get(name)
        if pool is None:
            raise err.no_pool_name(name)
        return pool

    def by_uuid(self, uuid: uuidlib.UUID, name: str | None = None) -> Pool:
        """storagePoolObjFindByUUID: the handle's name only decorates the error."""
        for pool in self.pools.values():
            if pool.uuid == uuid:
                return pool
        raise err.no_pool_uuid(uuid, name)

    def by_target_path(self, path: str) -> Pool:
        clean = sanitize_path(path)
        for pool in self.pools.values():
            if pool.active and pool.path == clean:
                return pool
        raise err.no_pool_target_path(path, clean)

    def active_pool(self, name: str) -> Pool:
        """virStorageVolDefFromVol's first half: the volume handle's pool, which must run."""
        pool = self.by_name(name)
        if not pool.active:
            raise err.pool_not_active(pool.name)
        return pool

    # -- volumes ---------------------------------------------------------------------------

    def live_volumes(self, pool: Pool) -> dict[str, Volume]:
        """The pool's volumes whose images still exist (an image deleted behind libvirt's back
        disappears from its list, as it would at the next refresh)."""
        for name in [n for n, v in pool.volumes.items() if not self.images.exists(v.path)]:
            del pool.volumes[name]
        return pool.volumes

    def volume(self, pool_name: str, vol_name: str) -> Volume:
        """The volume a handle names (virStorageVolDefFromVol)."""
        return self.vol_by_name(self.active_pool(pool_name), vol_name)

    def disk_volume(self, pool_name: str, vol_name: str) -> Volume:
        """virDomainDiskTranslateSourcePool: the volume a type='volume' disk names, in a running pool."""
        pool = self.by_name(pool_name)
        if not pool.active:
            raise err.pool_of_disk_inactive(pool_name, vol_name)
        vol = self.live_volumes(pool).get(vol_name)
        if vol is None:
            raise err.no_vol_name(vol_name)
        return vol

    def vol_by_name(self, pool: Pool, name: str) -> Volume:
        if not pool.active:
            raise err.pool_not_active(pool.name)
        vol = self.live_volumes(pool).get(name)
        if vol is None:
            raise err.no_vol_name(name)
        return vol

    def _active_volumes(self) -> Iterator[Volume]:
        for pool in self.pools.values():
            if pool.active:
                yield from self.live_volumes(pool).values()

    def vol_by_key(self, key: str) -> Volume:
        vol = next((v for v in self._active_volumes() if v.key == key), None)
        if vol is None:
            raise err.no_vol_key(key)
        return vol

    def vol_by_path(self, path: str) -> Volume:
        clean = sanitize_path(path)
        vol = next((v for v in self._active_volumes() if v.path == clean), None)
        if vol is None:
            raise err.no_vol_path(path, clean)
        return vol

    def vol_list(self, pool: Pool) -> list[Volume]:
        if not pool.active:
            raise err.pool_not_active(pool.name)
        return list(self.live_volumes(pool).values())

    # -- sizes -----------------------------------------------------------------------------

    def image(self, vol: Volume) -> Image:
        return self.images.open(vol.path)

    def allocation(self, vol: Volume) -> int:
        """Bytes on disk (st_blocks * 512): written blocks, or the preallocation of a raw file."""
        img = self.images.open(vol.path)
        host = img.clusters.host_file()
        if host is not None:
            return host[1]
        if img.format == "raw":
            return min(max(img.allocation, round_up(vol.prealloc, FS_BLOCK)), round_up(img.virtual_size, FS_BLOCK))
        uploaded = formats.file_allocation(img)
        return round_up(img.allocation, FS_BLOCK) if uploaded is None else uploaded

    def physical(self, vol: Volume) -> int:
        """The file's size (st_size)."""
        img = self.images.open(vol.path)
        return img.virtual_size if img.format == "raw" else formats.file_size(img)

    def update_stats(self, pool: Pool) -> None:
        """Capacity, allocation and available of the filesystem (every pool shares one)."""
        vols = {v.path: v for p in self.pools.values() if p.active for v in p.volumes.values()}
        vols.update({v.path: v for v in pool.volumes.values()})
        used = FS_BASE_USED
        for path in self.images.listdir("/", recursive=True):
            vol = vols.get(path)
            used += self.allocation(vol) if vol is not None else round_up(self.images.open(path).allocation, FS_BLOCK)
        used = min(used, FS_CAPACITY)
        pool.stats = (FS_CAPACITY, used, FS_CAPACITY - used)
