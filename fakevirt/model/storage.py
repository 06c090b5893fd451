"""libvirt's storage driver for ``dir`` pools, over the emulated image store (plain Python, no I/O).

Pools and their volumes follow ``src/storage/storage_driver.c`` and ``virstorageobj.c``: the
states, refusals and error texts are libvirt's.  A volume is an image of the ``ImageStore`` at
``<pool target>/<name>``; its key is that path.  Directories are a set of paths (the image store
only knows images), seeded with the usual system directories.
"""

from __future__ import annotations

import posixpath
import uuid as uuidlib
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from ..errors import ErrorCode, ErrorDomain, VirtError
from .images import ImageStore
from .images.image import FS_BLOCK, Image, round_up

if TYPE_CHECKING:
    from .hypervisor import Hypervisor

STORAGE = ErrorDomain.STORAGE

POOL_INACTIVE, POOL_BUILDING, POOL_RUNNING = 0, 1, 2
POOL_TYPES = ("dir", "fs", "netfs", "logical", "disk", "iscsi", "scsi", "mpath", "rbd", "sheepdog",
              "gluster", "zfs", "vstorage", "iscsi-direct")
LIST_POOLS_ALL = (1 << 20) - 1
LIST_INACTIVE, LIST_ACTIVE, LIST_PERSISTENT, LIST_TRANSIENT, LIST_AUTOSTART, LIST_NO_AUTOSTART = \
    1, 2, 4, 8, 16, 32
BUILD_FLAGS = 0x1F  # NEW(0), REPAIR, RESIZE, NO_OVERWRITE, OVERWRITE
CREATE_WITH_BUILD, CREATE_WITH_BUILD_OVERWRITE, CREATE_WITH_BUILD_NO_OVERWRITE = 1, 2, 4
VOL_CREATE_PREALLOC_METADATA, VOL_CREATE_REFLINK, VOL_CREATE_VALIDATE = 1, 2, 4
RESIZE_ALLOCATE, RESIZE_DELTA, RESIZE_SHRINK = 1, 2, 4
SPARSE_STREAM = 1
VOL_FILE = 0

# The filesystem every pool directory lives on (a 256 GiB disk, 20 GiB used by the OS).
FS_CAPACITY = 256 * 1024 ** 3
FS_BASE_USED = 20 * 1024 ** 3
SYSTEM_DIRS = ("/", "/tmp", "/var", "/var/lib", "/var/lib/libvirt", "/var/lib/libvirt/images",
               "/home", "/srv", "/mnt", "/opt", "/root")
MAX_CAPACITY = 1 << 62  # beyond this qemu-img refuses sizes; keeps the arithmetic sane


def no_pool_name(name: str) -> VirtError:
    return VirtError.report(ErrorCode.NO_STORAGE_POOL, STORAGE, f"no storage pool with matching name '{name}'")


def not_active(name: str) -> VirtError:
    return VirtError.operation_invalid(f"storage pool '{name}' is not active", STORAGE)


def no_vol_name(name: str) -> VirtError:
    return VirtError.report(ErrorCode.NO_STORAGE_VOL, STORAGE, f"no storage vol with matching name '{name}'")


def xml_error(message: str) -> VirtError:
    return VirtError.report(ErrorCode.XML_ERROR, STORAGE, message)


@dataclass
class Perms:
    """<permissions>: octal mode, uid, gid."""

    mode: int = 0o600
    owner: int = 0
    group: int = 0


@dataclass
class PoolDef:
    """A parsed <pool> document (the parts a dir pool has)."""

    name: str
    uuid: uuidlib.UUID | None
    target: str
    type: str = "dir"
    target_perms: Perms | None = None  # as given in the XML (build applies it)


@dataclass
class VolDef:
    """A parsed <volume> document."""

    name: str
    capacity: int | None
    allocation: int | None  # None: not given (libvirt then allocates the capacity)
    format: str | None = None
    backing_path: str | None = None
    backing_format: str | None = None
    perms: Perms | None = None


@dataclass(eq=False)
class Volume:
    """One volume of a pool: a name in the pool and an image path (its key)."""

    name: str
    path: str
    pool: Pool
    prealloc: int = 0  # bytes preallocated (fallocate) beyond what was written, for raw files
    perms: Perms = field(default_factory=Perms)

    @property
    def key(self) -> str:
        return self.path


@dataclass(eq=False)
class Pool:
    """A storage pool object (virStoragePoolObj)."""

    config: PoolDef  # the live definition
    new_config: PoolDef | None = None  # a definition waiting for the next start
    active: bool = False
    persistent: bool = True
    autostart: bool = False
    volumes: dict[str, Volume] = field(default_factory=dict)
    stats: tuple[int, int, int] = (0, 0, 0)  # capacity, allocation, available of the last refresh
    target_perms: Perms | None = None  # what the last refresh saw

    @property
    def name(self) -> str:
        return self.config.name

    @property
    def uuid(self) -> uuidlib.UUID:
        assert self.config.uuid is not None
        return self.config.uuid

    @property
    def path(self) -> str:
        return self.config.target

    def matches(self, flags: int) -> bool:
        """virStoragePoolObjMatch: every filter group given must match."""
        if flags & (LIST_INACTIVE | LIST_ACTIVE) and not (
                (flags & LIST_ACTIVE and self.active) or (flags & LIST_INACTIVE and not self.active)):
            return False
        if flags & (LIST_PERSISTENT | LIST_TRANSIENT) and not (
                (flags & LIST_PERSISTENT and self.persistent) or (flags & LIST_TRANSIENT and not self.persistent)):
            return False
        if flags & (LIST_AUTOSTART | LIST_NO_AUTOSTART) and not (
                (flags & LIST_AUTOSTART and self.autostart) or (flags & LIST_NO_AUTOSTART and not self.autostart)):
            return False
        types = flags >> 6
        return not types or bool(types & (1 << POOL_TYPES.index(self.config.type)))


class StorageState:
    """The storage driver of one hypervisor: its pools, on the hypervisor's image store."""

    def __init__(self, hv: Hypervisor, images: ImageStore) -> None:
        self.hv = hv
        self.images = images
        self.pools: dict[str, Pool] = {}
        self.dirs: set[str] = set(SYSTEM_DIRS)

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
            pool = Pool(d)
            self.pools[d.name] = pool
            return pool
        existing.persistent = True
        if existing.active:
            existing.new_config = d
        else:
            existing.config, existing.new_config = d, None
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

    def _build_dir(self, pool: Pool, flags: int) -> None:
        if flags & 8 and flags & 4:
            raise VirtError.report(ErrorCode.OPERATION_INVALID, STORAGE,
                                   "Overwrite and no overwrite flags are mutually exclusive")
        path = pool.path
        while path not in self.dirs:
            self.dirs.add(path)
            path = posixpath.dirname(path)
        given = pool.config.target_perms
        pool.target_perms = Perms(given.mode if given and given.mode >= 0 else 0o711,
                                  given.owner if given and given.owner >= 0 else 0,
                                  given.group if given and given.group >= 0 else 0)

    def start(self, pool: Pool, flags: int = 0) -> None:
        """virStoragePoolCreate."""
        self._check_create_flags(flags, "storagePoolCreate")
        if pool.active:
            raise VirtError.operation_invalid(f"storage pool '{pool.name}' is already active", STORAGE)
        if flags & (CREATE_WITH_BUILD | CREATE_WITH_BUILD_OVERWRITE | CREATE_WITH_BUILD_NO_OVERWRITE):
            self._build_dir(pool, flags & CREATE_WITH_BUILD_NO_OVERWRITE and 4 or 0)
        self._start_dir(pool)

    def _start_dir(self, pool: Pool) -> None:
        if not self.dir_exists(pool.path):
            raise VirtError.report(ErrorCode.SYSTEM_ERROR, STORAGE,
                                   f"cannot open directory '{pool.path}': No such file or directory")
        pool.volumes = {}
        pool.active = True
        try:
            self.refresh(pool)
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
        self.dirs.discard(path)

    def refresh(self, pool: Pool, flags: int = 0) -> None:
        """virStoragePoolRefresh: rescan the directory for images; recompute the sizes."""
        if flags:
            raise VirtError.unsupported_flags("storagePoolRefresh", flags, STORAGE)
        if not pool.active:
            raise not_active(pool.name)
        found = {}
        for path in _listdir(self.images, pool.path):
            name = posixpath.basename(path)
            old = pool.volumes.get(name)
            found[name] = old if old is not None and old.path == path else Volume(name, path, pool)
        pool.volumes = dict(sorted(found.items()))
        if pool.target_perms is None:
            pool.target_perms = Perms(0o755, 0, 0)
        used = FS_BASE_USED + sum(self.allocation(v) for p in self.pools.values() if p.active
                                  for v in p.volumes.values())
        used = min(used, FS_CAPACITY)
        pool.stats = (FS_CAPACITY, used, FS_CAPACITY - used)

    def info(self, pool: Pool) -> tuple[int, int, int, int]:
        """virStoragePoolGetInfo: state, capacity, allocation, available (0s when inactive)."""
        if not pool.active:
            return POOL_INACTIVE, 0, 0, 0
        self.refresh(pool)
        return (POOL_RUNNING, *pool.stats)

    # -- volumes ---------------------------------------------------------------------------

    def image(self, vol: Volume) -> Image:
        return self.images.open(vol.path)

    def allocation(self, vol: Volume) -> int:
        """Bytes on disk (st_blocks * 512): written blocks, or the preallocation of a raw file."""
        img = self.images.open(vol.path)
        if img.format == "raw":
            return min(max(img.allocation, vol.prealloc), round_up(img.virtual_size, FS_BLOCK))
        return round_up(img.allocation, FS_BLOCK)

    def physical(self, vol: Volume) -> int:
        """The file's size (st_size)."""
        img = self.images.open(vol.path)
        return img.virtual_size if img.format == "raw" else img.allocation

    def vol_info(self, vol: Volume, flags: int = 0) -> tuple[int, int, int]:
        """virStorageVolGetInfoFlags: type, capacity, allocation (or physical with GET_PHYSICAL)."""
        if flags & ~1:
            raise VirtError.unsupported_flags("storageVolGetInfoFlags", flags & ~1, STORAGE)
        img = self.image(vol)
        return VOL_FILE, img.virtual_size, self.physical(vol) if flags & 1 else self.allocation(vol)

    def vol_list(self, pool: Pool) -> list[Volume]:
        if not pool.active:
            raise not_active(pool.name)
        return list(self._live_volumes(pool).values())

    def _new_volume_checks(self, pool: Pool, vd: VolDef, flags: int, fn: str) -> str:
        if flags & ~(VOL_CREATE_PREALLOC_METADATA | VOL_CREATE_REFLINK | VOL_CREATE_VALIDATE):
            raise VirtError.unsupported_flags(fn, flags & ~7, STORAGE)
        if not pool.active:
            raise not_active(pool.name)
        if vd.name in self._live_volumes(pool):
            raise VirtError.report(ErrorCode.STORAGE_VOL_EXIST, STORAGE, f"'{vd.name}'")
        if "/" in vd.name or vd.name in ("", ".", ".."):
            raise VirtError.report(ErrorCode.INVALID_ARG, STORAGE, f"volume name '{vd.name}' cannot contain '/'")
        path = posixpath.join(pool.path, vd.name)
        if self.images.exists(path):
            raise VirtError.report(ErrorCode.SYSTEM_ERROR, STORAGE,
                                   f"cannot create volume '{path}': File exists")
        return path

    def vol_create(self, pool: Pool, vd: VolDef, flags: int = 0) -> Volume:
        """virStorageVolCreateXML: ``qemu-img create`` for qcow2, a (preallocated) file for raw."""
        path = self._new_volume_checks(pool, vd, flags, "storageVolCreateXML")
        fmt = vd.format or "raw"
        capacity = vd.capacity or 0
        if capacity > MAX_CAPACITY:
            raise VirtError.report(ErrorCode.INTERNAL_ERROR, STORAGE, f"capacity {capacity} too large")
        if fmt == "raw":
            if vd.backing_path is not None:
                raise VirtError.report(ErrorCode.CONFIG_UNSUPPORTED, STORAGE,
                                       "backing storage not supported for raw volumes")
            self.images.create(path, "raw", capacity)
        else:
            bfmt = vd.backing_format
            if vd.backing_path is not None:
                bpath = self.images.normpath(vd.backing_path)
                if not self.images.exists(bpath):
                    raise VirtError.report(ErrorCode.INTERNAL_ERROR, STORAGE,
                                           f"inaccessible backing store volume {vd.backing_path}")
                if bfmt is None:
                    bfmt = self.images.open(bpath).format
            self.images.create(path, fmt, capacity if vd.capacity is not None else None, vd.backing_path, bfmt)
        vol = Volume(vd.name, path, pool, perms=_vol_perms(vd.perms))
        if fmt == "raw":
            vol.prealloc = capacity if vd.allocation is None else min(vd.allocation, capacity)
        pool.volumes[vd.name] = vol
        pool.volumes = dict(sorted(pool.volumes.items()))
        return vol

    def vol_create_from(self, pool: Pool, vd: VolDef, src_pool_name: str, src_name: str, flags: int = 0) -> Volume:
        """virStorageVolCreateXMLFrom: a copy (``qemu-img convert``) of another volume."""
        src_pool = self.by_name(src_pool_name) if src_pool_name != pool.name else pool
        if not pool.active:
            raise not_active(pool.name)
        if not src_pool.active:
            raise not_active(src_pool.name)
        src = self._live_volumes(src_pool).get(src_name)
        if src is None:
            raise no_vol_name(src_name)
        path = self._new_volume_checks(pool, vd, flags, "storageVolCreateXMLFrom")
        src_img = self.image(src)
        fmt = vd.format or "raw"
        img = self.images.convert(src.path, path, fmt)
        if vd.capacity is not None and vd.capacity > img.virtual_size:
            self.images.resize(path, vd.capacity)
        vol = Volume(vd.name, path, pool, perms=_vol_perms(vd.perms))
        if fmt == "raw":
            vol.prealloc = img.virtual_size if vd.allocation is None else min(vd.allocation, img.virtual_size)
            if src_img.format == "raw":
                vol.prealloc = max(vol.prealloc, self.allocation(src))
        pool.volumes[vd.name] = vol
        pool.volumes = dict(sorted(pool.volumes.items()))
        return vol

    def vol_delete(self, vol: Volume, flags: int = 0) -> None:
        if flags & ~3:
            raise VirtError.unsupported_flags("storageVolDelete", flags & ~3, STORAGE)
        self.images.delete(vol.path)
        vol.pool.volumes.pop(vol.name, None)

    def vol_wipe(self, vol: Volume, algorithm: int = 0, flags: int = 0) -> None:
        """virStorageVolWipePattern: the file's bytes are overwritten (a qcow2 file becomes raw)."""
        if flags:
            raise VirtError.unsupported_flags("storageVolWipePattern", flags, STORAGE)
        if not 0 <= algorithm <= 9:
            raise VirtError.report(ErrorCode.INVALID_ARG, STORAGE, f"wiping algorithm {algorithm} not supported")
        img = self.image(vol)
        if img.format == "raw":
            img.clusters = {}
            return
        size, alloc = img.allocation, self.allocation(vol)
        self.images.delete(vol.path)
        self.images.create(vol.path, "raw", size, force=True)
        vol.prealloc = alloc

    def vol_resize(self, vol: Volume, capacity: int, flags: int = 0) -> None:
        """virStorageVolResize, with storageVolResize's checks in its order."""
        if flags & ~7:
            raise VirtError.unsupported_flags("storageVolResize", flags & ~7, STORAGE)
        img = self.image(vol)
        cur, alloc = img.virtual_size, self.allocation(vol)
        if flags & RESIZE_DELTA:
            new = cur - min(capacity, cur) if flags & RESIZE_SHRINK else cur + capacity
        else:
            new = capacity
        if new < alloc:
            raise VirtError.report(ErrorCode.INVALID_ARG, STORAGE, "can't shrink capacity below existing allocation")
        if new < cur and not flags & RESIZE_SHRINK:
            raise VirtError.report(ErrorCode.INVALID_ARG, STORAGE, "Can't shrink capacity below current "
                                   "capacity unless shrink flag explicitly specified")
        delta = new - alloc if flags & RESIZE_ALLOCATE else 0
        if delta > vol.pool.stats[2]:
            raise VirtError.report(ErrorCode.OPERATION_FAILED, STORAGE, "Not enough space left in storage pool")
        if new > MAX_CAPACITY:
            raise VirtError.report(ErrorCode.INTERNAL_ERROR, STORAGE, f"capacity {new} too large")
        if img.format == "raw" and new == 0:
            img.drop_beyond(0)
            img.virtual_size = 0
        elif new != cur:
            self.images.resize(vol.path, new, shrink=True, force=True)
        if flags & RESIZE_ALLOCATE and img.format == "raw":
            vol.prealloc = round_up(new, FS_BLOCK)
        self.refresh(vol.pool)

    # -- data streams ----------------------------------------------------------------------

    def upload(self, vol: Volume, offset: int, length: int, flags: int = 0) -> VolumeWriter:
        """virStorageVolUpload: a writer the stream feeds (raw files grow as written)."""
        if flags & ~SPARSE_STREAM:
            raise VirtError.unsupported_flags("storageVolUpload", flags & ~SPARSE_STREAM, STORAGE)
        self.image(vol)
        return VolumeWriter(self, vol, offset, length)

    def download(self, vol: Volume, offset: int, length: int, flags: int = 0) -> Iterator[bytes | int]:
        """virStorageVolDownload: the volume's bytes from offset, as data pieces and holes."""
        if flags & ~SPARSE_STREAM:
            raise VirtError.unsupported_flags("storageVolDownload", flags & ~SPARSE_STREAM, STORAGE)
        size = self.image(vol).virtual_size
        start = min(offset, size)
        stop = size if length == 0 else min(size, start + length)
        return self._chunks(vol.path, start, stop)

    def _chunks(self, path: str, start: int, stop: int) -> Iterator[bytes | int]:
        from .images import chain as rw

        images = self.images.chain(path)
        pos = start
        for a, b in rw.allocated_ranges(images, stop):
            a, b = max(a, start), min(b, stop)
            if a >= b:
                continue
            if a > pos:
                yield a - pos
            for p in range(a, b, 1 << 20):
                yield self.images.read(path, p, min(1 << 20, b - p))
            pos = b
        if stop > pos:
            yield stop - pos


class VolumeWriter:
    """Where an upload's data goes: sequential writes from ``offset``, at most ``length`` bytes."""

    def __init__(self, state: StorageState, vol: Volume, offset: int, length: int) -> None:
        self.state, self.vol, self.pos = state, vol, offset
        self.end = offset + length if length else None

    def _room(self, n: int) -> int:
        if self.end is not None:
            n = min(n, max(0, self.end - self.pos))
        img = self.state.image(self.vol)
        if self.pos + n > img.virtual_size:
            if img.format != "raw":
                raise VirtError.report(ErrorCode.SYSTEM_ERROR, STORAGE,
                                       "Unable to write stream data: No space left on device")
            if self.pos + n > MAX_CAPACITY:
                raise VirtError.report(ErrorCode.SYSTEM_ERROR, STORAGE, "cannot write to stream: File too large")
            img.virtual_size = self.pos + n
        return n

    def write(self, data: bytes) -> None:
        n = self._room(len(data))
        if n:
            self.state.images.write(self.vol.path, self.pos, data[:n], force=True)
        self.pos += n

    def hole(self, length: int) -> None:
        n = self._room(length)
        if n:
            self.state.images.write_zeroes(self.vol.path, self.pos, n, force=True)
        self.pos += n


def _listdir(store: ImageStore, directory: str, recursive: bool = False) -> list[str]:
    """Image paths in ``directory`` (ImageStore.listdir; called list in early versions)."""
    fn = getattr(store, "listdir", None) or getattr(store, "list")  # noqa: B009
    paths: list[str] = fn(directory, recursive=recursive)
    return paths


def _vol_perms(p: Perms | None) -> Perms:
    if p is None:
        return Perms()
    return Perms(p.mode if p.mode >= 0 else 0o600, max(p.owner, 0), max(p.group, 0))


def _sanitize(path: str) -> str:
    """virFileSanitizePath: collapse '//' and drop a trailing '/'."""
    import re

    clean = re.sub(r"/+", "/", path)
    if len(clean) > 1 and clean.endswith("/"):
        clean = clean[:-1]
    return clean


def _check_type(d: PoolDef) -> None:
    if d.type != "dir":
        raise VirtError.report(ErrorCode.NO_SUPPORT, STORAGE,
                               f"fakevirt emulates only 'dir' storage pools, not '{d.type}'")


def storage_for(hv: Hypervisor) -> StorageState:
    """The storage driver state of ``hv``, made on first use and again after ``hv.reset()``.

    Hypervisor.reset() makes new ``Domains`` objects; the state is keyed by the system driver's,
    so a reset forgets pools and images too.  ``hv.images`` is used when the hypervisor has one.
    """
    marker = hv.system.domains
    slot: Any = hv.__dict__.get("_fakevirt_storage")
    if slot is None or slot[0] is not marker:
        images = getattr(hv, "images", None)
        if not isinstance(images, ImageStore):
            images = ImageStore(hv.clock)
        slot = (marker, StorageState(hv, images))
        hv.__dict__["_fakevirt_storage"] = slot
    state: StorageState = slot[1]
    return state


__all__ = ["Perms", "Pool", "PoolDef", "StorageState", "VolDef", "Volume", "storage_for"]
