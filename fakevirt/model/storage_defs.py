"""Storage driver data: pool and volume definitions and objects, constants, libvirt's error texts."""

from __future__ import annotations

import re
import uuid as uuidlib
from dataclasses import dataclass, field

from ..errors import ErrorCode, ErrorDomain, VirtError
from .images import ImageStore

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
    atime: float = 0.0
    mtime: float = 0.0
    ctime: float = 0.0

    def touch(self, now: float, *, modified: bool = True) -> None:
        """Record an access (and, when ``modified``, a change) of the file at ``now``."""
        self.atime = now
        if modified:
            self.mtime = self.ctime = now

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
    clean = re.sub(r"/+", "/", path)
    if len(clean) > 1 and clean.endswith("/"):
        clean = clean[:-1]
    return clean


def _check_type(d: PoolDef) -> None:
    if d.type != "dir":
        raise VirtError.report(ErrorCode.NO_SUPPORT, STORAGE,
                               f"fakevirt emulates only 'dir' storage pools, not '{d.type}'")


# -- pool events (virStoragePoolEventID / virStoragePoolEventLifecycleType) ------------------

EVENT_ID_LIFECYCLE, EVENT_ID_REFRESH = 0, 1
EVENT_ID_LAST = 2
DEFINED, UNDEFINED, STARTED, STOPPED, CREATED, DELETED = range(6)


@dataclass(frozen=True)
class PoolEvent:
    """One storage pool event: lifecycle (event, detail) or refresh."""

    event_id: int
    pool_name: str
    pool_uuid: uuidlib.UUID
    event: int = 0
    detail: int = 0
