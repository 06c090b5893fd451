"""libvirt's storage driver for ``dir`` pools, over the emulated image store (plain Python, no I/O).

Pools and their volumes follow ``src/storage/storage_driver.c`` and ``virstorageobj.c``: the
states, refusals and error texts are libvirt's.  A volume is an image of the ``ImageStore`` at
``<pool target>/<name>``; its key is that path.  Directories are a map of paths to permissions
(the image store only knows images), seeded with the usual system directories.  Definitions and
constants are in storage_defs.py, volume operations in storage_vols.py.
"""

from __future__ import annotations

import posixpath
import uuid as uuidlib
from collections.abc import Iterator
from dataclasses import replace
from typing import TYPE_CHECKING

from ..errors import ErrorCode, VirtError
from .images import ImageStore
from .images.image import FS_BLOCK, round_up
from .storage_defs import (
    BUILD_FLAGS,
    CREATE_WITH_BUILD,
    CREATE_WITH_BUILD_NO_OVERWRITE,
    CREATE_WITH_BUILD_OVERWRITE,
    CREATED,
    DEFINED,
    DELETED,
    EVENT_ID_LIFECYCLE,
    EVENT_ID_REFRESH,
    FS_BASE_USED,
    FS_CAPACITY,
    LIST_POOLS_ALL,
    POOL_INACTIVE,
    POOL_RUNNING,
    STARTED,
    STOPPED,
    STORAGE,
    SYSTEM_DIRS,
    UNDEFINED,
    Perms,
    Pool,
    PoolDef,
    PoolEvent,
    VolDef,
    Volume,
    _check_type,
    _listdir,
    _sanitize,
    no_pool_name,
    no_vol_name,
    not_active,
)
from .storage_vols import VolumeOps, VolumeWriter

if TYPE_CHECKING:
    from .hypervisor import Hypervisor


class StorageState(VolumeOps):
    """The storage driver of one hypervisor: its pools, on the hypervisor's image store."""

    def __init__(self, hv: Hypervisor, images: ImageStore) -> None:
        self.hv = hv
        self.bus = hv.bus
        self.images = images
        self.pools: dict[str, Pool] = {}
        self.dirs: dict[str, Perms] = {d: Perms(0o755) for d in SYSTEM_DIRS}  # directory -> its permissions

    def emit(self, pool: Pool, event: int, detail: int = 0) -> None:
        """Publish a lifecycle event (or, with event=-1, a refresh event) about ``pool``."""
        if event < 0:
            self.bus.publish(PoolEvent(EVENT_ID_REFRESH, pool.name, pool.uuid))
        else:
            self.bus.publish(PoolEvent(EVENT_ID_LIFECYCLE, pool.name, pool.uuid, event, detail))

    # -- lookups ---------------------------------------------------------------------------

    def __iter__(self) -> Iterator[Pool]:
        return iter(list(self.pools.values()))

    def by_name(self, name: str) -> Pool:
        pool = self.pools.get(name)
        if pool is None:
            raise no_pool_name(name)
        return pool

    def by_uuid(self, uuid: uuidlib.UUID, name: str | None = None) -> Pool:
        """storagePoolObjFindByUUID: the handle's name only decorates the error."""
        for pool in self.pools.values():
            if pool.uuid == uuid:
                return pool
        suffix = f" ({name})" if name is not None else ""
        raise VirtError.report(ErrorCode.NO_STORAGE_POOL, STORAGE,
                               f"no storage pool with matching uuid '{uuid}'{suffix}")

    def by_target_path(self, path: str) -> Pool:
        clean = _sanitize(path)
        for pool in self.pools.values():
            if pool.active and pool.path == clean:
                return pool
        extra = "" if clean == path else f" ({clean})"
        raise VirtError.report(ErrorCode.NO_STORAGE_POOL, STORAGE,
                               f"no storage pool with matching target path '{path}'{extra}")

    def active_pool(self, name: str) -> Pool:
        """virStorageVolDefFromVol's first half: the volume handle's pool, which must run."""
        pool = self.by_name(name)
        if not pool.active:
            raise not_active(pool.name)
        return pool

    def volume(self, pool_name: str, vol_name: str) -> Volume:
        """The volume a handle names (virStorageVolDefFromVol)."""
        pool = self.active_pool(pool_name)
        vol = self._live_volumes(pool).get(vol_name)
        if vol is None:
            raise no_vol_name(vol_name)
        return vol

    def vol_by_name(self, pool: Pool, name: str) -> Volume:
        if not pool.active:
            raise not_active(pool.name)
        vol = self._live_volumes(pool).get(name)
        if vol is None:
            raise no_vol_name(name)
        return vol

    def vol_by_key(self, key: str) -> Volume:
        for pool in self.pools.values():
            if pool.active:
                for vol in self._live_volumes(pool).values():
                    if vol.key == key:
                        return vol
        raise VirtError.report(ErrorCode.NO_STORAGE_VOL, STORAGE, f"no storage vol with matching key {key}")

    def vol_by_path(self, path: str) -> Volume:
        clean = _sanitize(path)
        for pool in self.pools.values():
            if pool.active:
                for vol in self._live_volumes(pool).values():
                    if vol.path == clean:
                        return vol
        extra = "" if clean == path else f" ({clean})"
        raise VirtError.report(ErrorCode.NO_STORAGE_VOL, STORAGE,
                               f"no storage vol with matching path '{path}'{extra}")

    def _live_volumes(self, pool: Pool) -> dict[str, Volume]:
        """The pool's volumes whose images still exist (an image deleted behind libvirt's back
        disappears from its list, as it would at the next refresh)."""
        for name in [n for n, v in pool.volumes.items() if not self.images.exists(v.path)]:
            del pool.volumes[name]
        return pool.volumes

    def list_all(self, flags: int) -> list[Pool]:
        if flags & ~LIST_POOLS_ALL:
            raise VirtError.unsupported_flags("storageConnectListAllStoragePools", flags & ~LIST_POOLS_ALL, STORAGE)
        return [p for p in self.pools.values() if p.matches(flags)]

    def names(self, active: bool) -> list[str]:
        return [p.name for p in self.pools.values() if p.active == active]

    # -- pool definition -------------------------------------------------------------------

    def _check_duplicate(self, d: PoolDef, check_active: bool) -> Pool | None:
        """virStoragePoolObjIsDuplicate, then virStoragePoolObjSourceFindDuplicate."""
        if d.uuid is None:
            d.uuid = self.hv.rng.uuid()  # the parser generates one
        existing = next((p for p in self.pools.values() if p.uuid == d.uuid), None)
        if existing is not None:
            if existing.name != d.name:
                raise VirtError.report(ErrorCode.OPERATION_FAILED, STORAGE,
                                       f"pool '{existing.name}' is already defined with uuid {existing.uuid}")
            if check_active and existing.active:
                raise VirtError.operation_invalid(f"pool is already active as '{existing.name}'", STORAGE)
        elif d.name in self.pools:
            raise VirtError.report(ErrorCode.OPERATION_FAILED, STORAGE,
                                   f"pool '{d.name}' already exists with uuid {self.pools[d.name].uuid}")
        for other in self.pools.values():
            if other is not existing and other.path == d.target and other.config.type == d.type:
                raise VirtError.report(ErrorCode.OPERATION_FAILED, STORAGE,
                                       f"Storage source conflict with pool: '{other.name}'")
        return existing

    def define(self, d: PoolDef, flags: int = 0) -> Pool:
        """virStoragePoolDefineXML (a running pool keeps its live config until it stops)."""
        if flags & ~1:
            raise VirtError.unsupported_flags("storagePoolDefineXML", flags & ~1, STORAGE)
        _check_type(d)
        existing = self._check_duplicate(d, check_active=False)
        if existing is None:
            existing = Pool(d)
            self.pools[d.name] = existing
        else:
            existing.persistent = True
            if existing.active:
                existing.new_config = d
            else:
                existing.config, existing.new_config = d, None
        self.emit(existing, DEFINED)
        return existing

    def create_transient(self, d: PoolDef, flags: int = 0) -> Pool:
        """virStoragePoolCreateXML: a transient pool, started at once (building it if asked)."""
        self._check_create_flags(flags, "storagePoolCreateXML")
        _check_type(d)
        existing = self._check_duplicate(d, check_active=True)
        pool = Pool(d, persistent=False) if existing is None else existing
        if existing is not None:  # an inactive persistent pool runs with this definition once
            old = existing.config
            existing.config, existing.new_config = d, old
        try:
            if flags & (CREATE_WITH_BUILD | CREATE_WITH_BUILD_OVERWRITE | CREATE_WITH_BUILD_NO_OVERWRITE):
                self._build_dir(pool, flags & CREATE_WITH_BUILD_NO_OVERWRITE and 4 or 0)
            self._start_dir(pool)
        except VirtError:
            if existing is not None:
                existing.config, existing.new_config = old, None
            raise
        self.pools[d.name] = pool
        self.emit(pool, STARTED)
        return pool

    def _check_create_flags(self, flags: int, fn: str) -> None:
        if flags & ~7:
            raise VirtError.unsupported_flags(fn, flags & ~7, STORAGE)
        if flags & CREATE_WITH_BUILD_OVERWRITE and flags & CREATE_WITH_BUILD_NO_OVERWRITE:
            raise VirtError.report(ErrorCode.INVALID_ARG, STORAGE,
                                   "flags 'overwrite' and 'no-overwrite' are mutually exclusive")

    def undefine(self, pool: Pool) -> None:
        if pool.active:
            raise VirtError.operation_invalid(f"storage pool '{pool.name}' is still active", STORAGE)
        if not pool.persistent:
            raise VirtError.report(ErrorCode.OPERATION_INVALID, STORAGE, "pool has no config file")
        del self.pools[pool.name]
        self.emit(pool, UNDEFINED)

    def set_autostart(self, pool: Pool, autostart: bool) -> None:
        if not pool.persistent:
            raise VirtError.report(ErrorCode.INVALID_ARG, STORAGE, "cannot set autostart for transient pool")
        pool.autostart = autostart

    # -- pool lifecycle --------------------------------------------------------------------

    def build(self, pool: Pool, flags: int = 0) -> None:
        """virStoragePoolBuild: a dir pool makes its directory (and parents)."""
        if flags & ~BUILD_FLAGS:
            raise VirtError.unsupported_flags("storagePoolBuild", flags & ~BUILD_FLAGS, STORAGE)
        if pool.active:
            raise VirtError.operation_invalid(f"storage pool '{pool.name}' is already active", STORAGE)
        self._build_dir(pool, flags)
        self.emit(pool, CREATED)

    def _build_dir(self, pool: Pool, flags: int) -> None:
        if flags & 8 and flags & 4:
            raise VirtError.report(ErrorCode.OPERATION_INVALID, STORAGE,
                                   "Overwrite and no overwrite flags are mutually exclusive")
        given = pool.config.target_perms
        self.dirs[pool.path] = Perms(given.mode if given and given.mode >= 0 else 0o711,
                                     given.owner if given and given.owner >= 0 else 0,
                                     given.group if given and given.group >= 0 else 0)
        path = posixpath.dirname(pool.path)
        while path not in self.dirs:
            self.dirs[path] = Perms(0o755)
            path = posixpath.dirname(path)

    def start(self, pool: Pool, flags: int = 0) -> None:
        """virStoragePoolCreate."""
        self._check_create_flags(flags, "storagePoolCreate")
        if pool.active:
            raise VirtError.operation_invalid(f"storage pool '{pool.name}' is already active", STORAGE)
        if flags & (CREATE_WITH_BUILD | CREATE_WITH_BUILD_OVERWRITE | CREATE_WITH_BUILD_NO_OVERWRITE):
            self._build_dir(pool, flags & CREATE_WITH_BUILD_NO_OVERWRITE and 4 or 0)
        self._start_dir(pool)
        self.emit(pool, STARTED)

    def _start_dir(self, pool: Pool) -> None:
        if not self.dir_exists(pool.path):
            raise VirtError.report(ErrorCode.SYSTEM_ERROR, STORAGE,
                                   f"cannot open directory '{pool.path}': No such file or directory")
        pool.volumes = {}
        pool.active = True
        try:
            self.refresh(pool, emit=False)
        except BaseException:
            pool.active = False
            raise

    def dir_exists(self, path: str) -> bool:
        return path in self.dirs or bool(_listdir(self.images, path, recursive=True))

    def destroy(self, pool: Pool) -> None:
        """virStoragePoolDestroy: a transient pool disappears."""
        if not pool.active:
            raise not_active(pool.name)
        pool.active = False
        pool.volumes = {}
        self.emit(pool, STOPPED)
        if not pool.persistent:
            del self.pools[pool.name]
        elif pool.new_config is not None:
            pool.config, pool.new_config = pool.new_config, None

    def delete(self, pool: Pool, flags: int = 0) -> None:
        """virStoragePoolDelete: rmdir of the target directory."""
        if flags & ~1:
            raise VirtError.unsupported_flags("storagePoolDelete", flags & ~1, STORAGE)
        if pool.active:
            raise VirtError.operation_invalid(f"storage pool '{pool.name}' is still active", STORAGE)
        path = pool.path
        if not self.dir_exists(path):
            raise VirtError.report(ErrorCode.SYSTEM_ERROR, STORAGE,
                                   f"failed to remove pool '{path}': No such file or directory")
        if _listdir(self.images, path, recursive=True) or any(d.startswith(path.rstrip("/") + "/") for d in self.dirs):
            raise VirtError.report(ErrorCode.SYSTEM_ERROR, STORAGE,
                                   f"failed to remove pool '{path}': Directory not empty")
        self.dirs.pop(path, None)
        self.emit(pool, DELETED)

    def refresh(self, pool: Pool, flags: int = 0, *, emit: bool = True) -> None:
        """virStoragePoolRefresh: rescan the directory for images; recompute the sizes."""
        if flags:
            raise VirtError.unsupported_flags("storagePoolRefresh", flags, STORAGE)
        if not pool.active:
            raise not_active(pool.name)
        found = {}
        for path in _listdir(self.images, pool.path):
            name = posixpath.basename(path)
            old = pool.volumes.get(name)
            if old is None or old.path != path:
                old = Volume(name, path, pool)
                old.touch(self.images.clock.now())
            found[name] = old
        pool.volumes = dict(sorted(found.items()))
        pool.target_perms = replace(self.dirs.get(pool.path) or Perms(0o755))
        self.update_stats(pool)
        if emit:
            self.emit(pool, -1)

    def update_stats(self, pool: Pool) -> None:
        """Capacity, allocation and available of the filesystem (every pool shares one)."""
        vols = {v.path: v for p in self.pools.values() if p.active for v in p.volumes.values()}
        vols.update({v.path: v for v in pool.volumes.values()})
        used = FS_BASE_USED
        for path in _listdir(self.images, "/", recursive=True):
            vol = vols.get(path)
            used += self.allocation(vol) if vol is not None else round_up(self.images.open(path).allocation, FS_BLOCK)
        used = min(used, FS_CAPACITY)
        pool.stats = (FS_CAPACITY, used, FS_CAPACITY - used)

    def info(self, pool: Pool) -> tuple[int, int, int, int]:
        """virStoragePoolGetInfo: state, capacity, allocation, available (0s when inactive)."""
        if not pool.active:
            return POOL_INACTIVE, 0, 0, 0
        self.update_stats(pool)
        return (POOL_RUNNING, *pool.stats)


def storage_for(hv: Hypervisor) -> StorageState:
    """The storage driver state of ``hv`` (pools; made anew by ``hv.reset()``)."""
    return hv.storage


__all__ = ["Perms", "Pool", "PoolDef", "StorageState", "VolDef", "Volume", "VolumeWriter", "storage_for"]
