"""libvirt's storage driver for ``dir`` pools, over the emulated image store (plain Python, no I/O).

Pools and their volumes follow ``src/storage/storage_driver.c`` and ``virstorageobj.c``: the
states, refusals and error texts are libvirt's.  A volume is an image of the ``ImageStore`` at
``<pool target>/<name>``; its key is that path.  Directories are a map of paths to permissions
(the image store only knows images), seeded with the usual system directories.

The driver is built in three layers: ``StorageCore`` (storage_core.py: pools, lookups, sizes,
events), ``VolumeOps`` (storage_vols.py: the volume calls) and ``StorageState`` here (the pool
definition and lifecycle calls).  Definitions are in storage_defs.py.
"""

from __future__ import annotations

import posixpath
from dataclasses import replace
from typing import TYPE_CHECKING

from ..errors import VirtError
from ..errors import storage as err
from ..errors.hostfiles import host_files_hint
from .flags.storage import (
    LIST_POOLS_ALL,
    POOL_CREATE_ALL,
    StoragePoolBuildFlags,
    StoragePoolCreateFlags,
    StoragePoolDefineFlags,
    StoragePoolDeleteFlags,
    StoragePoolState,
)
from .images import formats
from .storage_defs import Perms, Pool, PoolDef, VolDef, Volume
from .storage_events import StoragePoolEventLifecycleType as Lifecycle
from .storage_vols import VolumeOps, VolumeWriter

if TYPE_CHECKING:
    from .hypervisor import Hypervisor



def _check_type(d: PoolDef) -> None:
    if d.type != "dir":
        raise err.only_dir_pools(d.type)


def _build_flags_of(create_flags: int) -> StoragePoolBuildFlags:
    """The build a create WITH_BUILD* asks for (storagePoolCreate*: OVERWRITE wins over NO_OVERWRITE)."""
    if create_flags & StoragePoolCreateFlags.WITH_BUILD_OVERWRITE:
        return StoragePoolBuildFlags.OVERWRITE
    if create_flags & StoragePoolCreateFlags.WITH_BUILD_NO_OVERWRITE:
        return StoragePoolBuildFlags.NO_OVERWRITE
    return StoragePoolBuildFlags.NEW


class StorageState(VolumeOps):
    """The storage driver of one hypervisor: its pools, on the hypervisor's image store."""

    def list_all(self, flags: int) -> list[Pool]:
        err.check_flags("storageConnectListAllStoragePools", flags, LIST_POOLS_ALL)
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
                raise err.pool_uuid_taken(existing.name, existing.uuid)
            if check_active and existing.active:
                raise err.pool_active_as(existing.name)
        elif d.name in self.pools:
            raise err.pool_name_taken(d.name, self.pools[d.name].uuid)
        for other in self.pools.values():
            if other is not existing and other.path == d.target and other.config.type == d.type:
                raise err.source_conflict(other.name)
        return existing

    def define(self, d: PoolDef, flags: int = 0) -> Pool:
        """virStoragePoolDefineXML (a running pool keeps its live config until it stops)."""
        err.check_flags("storagePoolDefineXML", flags, StoragePoolDefineFlags.VALIDATE)
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
        self.emit(existing, Lifecycle.DEFINED)
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
            if flags & POOL_CREATE_ALL:
                self._build_dir(pool, _build_flags_of(flags))
            self._start_dir(pool)
        except VirtError:
            if existing is not None:
                existing.config, existing.new_config = old, None
            raise
        self.pools[d.name] = pool
        self.emit(pool, Lifecycle.STARTED)
        return pool

    def _check_create_flags(self, flags: int, fn: str) -> None:
        # libvirt 9.0's exclusive-flags check here tests the BUILD_* bits, so it never refuses
        err.check_flags(fn, flags, POOL_CREATE_ALL)

    def undefine(self, pool: Pool) -> None:
        if pool.active:
            raise err.pool_still_active(pool.name)
        if not pool.persistent:
            raise err.no_config_file()
        del self.pools[pool.name]
        self.emit(pool, Lifecycle.UNDEFINED)

    def set_autostart(self, pool: Pool, autostart: bool) -> None:
        if not pool.persistent:
            raise err.transient_autostart()
        pool.autostart = autostart

    # -- pool lifecycle --------------------------------------------------------------------

    def build(self, pool: Pool, flags: int = 0) -> None:
        """virStoragePoolBuild: a dir pool makes its directory (and parents)."""
        if pool.active:
            raise err.pool_already_active(pool.name)
        self._build_dir(pool, flags)
        self.emit(pool, Lifecycle.CREATED)

    def _build_dir(self, pool: Pool, flags: int) -> None:
        """The dir backend's build: the directory is made, then (NO_)OVERWRITE asks to format a source."""
        overwrite = StoragePoolBuildFlags.OVERWRITE | StoragePoolBuildFlags.NO_OVERWRITE
        err.check_flags(err.BUILD_FN, flags, overwrite)
        if flags & overwrite == overwrite:
            raise err.build_overwrite_exclusive()
        self.dirs[pool.path] = Perms.of_pool_dir(pool.config.target_perms)
        path = posixpath.dirname(pool.path)
        while path not in self.dirs:
            self.dirs[path] = Perms(0o755)
            path = posixpath.dirname(path)
        if flags & overwrite:
            raise err.no_source_device(pool.name)

    def start(self, pool: Pool, flags: int = 0) -> None:
        """virStoragePoolCreate."""
        self._check_create_flags(flags, "storagePoolCreate")
        if pool.active:
            raise err.pool_already_active(pool.name)
        if flags & POOL_CREATE_ALL:
            self._build_dir(pool, _build_flags_of(flags))
        self._start_dir(pool)
        self.emit(pool, Lifecycle.STARTED)

    def _start_dir(self, pool: Pool) -> None:
        if not self.dir_exists(pool.path):
            raise err.no_directory(pool.path).with_hint(host_files_hint(pool.path))
        pool.volumes = {}
        pool.active = True
        try:
            self.refresh(pool, emit=False)
        except BaseException:
            pool.active = False
            raise

    def dir_exists(self, path: str) -> bool:
        return path in self.dirs or self.images.host_dir(path) or bool(self.images.listdir(path, recursive=True))

    def destroy(self, pool: Pool) -> None:
        """virStoragePoolDestroy: a transient pool disappears."""
        if not pool.active:
            raise err.pool_not_active(pool.name)
        pool.active = False
        pool.volumes = {}
        self.emit(pool, Lifecycle.STOPPED)
        if not pool.persistent:
            del self.pools[pool.name]
        elif pool.new_config is not None:
            pool.config, pool.new_config = pool.new_config, None

    def delete(self, pool: Pool, flags: int = 0) -> None:
        """virStoragePoolDelete: rmdir of the target directory."""
        err.check_flags("storagePoolDelete", flags, StoragePoolDeleteFlags.ZEROED)
        if pool.active:
            raise err.pool_still_active(pool.name)
        path = pool.path
        if not self.dir_exists(path):
            raise err.remove_failed(path, "No such file or directory")
        if self.images.listdir(path, recursive=True) or any(d.startswith(path.rstrip("/") + "/") for d in self.dirs):
            raise err.remove_failed(path, "Directory not empty")
        self.dirs.pop(path, None)
        self.emit(pool, Lifecycle.DELETED)

    def refresh(self, pool: Pool, flags: int = 0, *, emit: bool = True) -> None:
        """virStoragePoolRefresh: rescan the directory for images; recompute the sizes."""
        err.check_flags("storagePoolRefresh", flags, 0)
        if not pool.active:
            raise err.pool_not_active(pool.name)
        found = {}
        for path in self.images.listdir(pool.path):
            name = posixpath.basename(path)
            old = pool.volumes.get(name)
            if old is None or old.path != path:
                old = Volume(name, path, pool)
                old.touch(self.images.clock.now())
                if (hs := self.images.host_stat(path)) is not None:
                    old.perms, old.atime, old.mtime, old.ctime = Perms(hs.mode, hs.uid, hs.gid), hs.atime, hs.mtime, hs.ctime
            old.declared_format = formats.probed_format(self.images.open(path))
            found[name] = old
        pool.volumes = dict(sorted(found.items()))
        pool.target_perms = replace(self.dirs.get(pool.path) or Perms(0o755))
        self.update_stats(pool)
        if emit:
            self.emit_refresh(pool)

    def info(self, pool: Pool) -> tuple[int, int, int, int]:
        """virStoragePoolGetInfo: state, capacity, allocation, available (0s when inactive)."""
        if not pool.active:
            return StoragePoolState.INACTIVE, 0, 0, 0
        self.update_stats(pool)
        return (StoragePoolState.RUNNING, *pool.stats)


def storage_for(hv: Hypervisor) -> StorageState:
    """The storage driver state of ``hv`` (pools; made anew by ``hv.reset()``)."""
    return hv.storage


__all__ = ["Perms", "Pool", "PoolDef", "StorageState", "VolDef", "Volume", "VolumeWriter", "storage_for"]
