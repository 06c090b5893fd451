"""Storage driver data: pool and volume definitions and objects, and the emulated filesystem."""

from __future__ import annotations

import re
import uuid as uuidlib
from dataclasses import dataclass, field

from .flags.storage import (
    LIST_POOLS_ACTIVITY,
    LIST_POOLS_AUTOSTART,
    LIST_POOLS_FIRST_TYPE,
    LIST_POOLS_PERSISTENCE,
    ConnectListAllStoragePoolsFlags,
)

POOL_TYPES = ("dir", "fs", "netfs", "logical", "disk", "iscsi", "scsi", "mpath", "rbd", "sheepdog",
              "gluster", "zfs", "vstorage", "iscsi-direct")

# The filesystem every pool directory lives on (a 256 GiB disk, 20 GiB used by the OS).
FS_CAPACITY = 256 * 1024 ** 3
FS_BASE_USED = 20 * 1024 ** 3


def sanitize_path(path: str) -> str:
    """virFileSanitizePath: collapse '//' and drop a trailing '/'."""
    clean = re.sub(r"/+", "/", path)
    if len(clean) > 1 and clean.endswith("/"):
        clean = clean[:-1]
    return clean


@dataclass
class Perms:
    """<permissions>: octal mode, uid, gid (-1: not given)."""

    mode: int = 0o600
    owner: int = 0
    group: int = 0

    @staticmethod
    def of_volume(given: Perms | None) -> Perms:
        """A new volume's permissions: what the XML gave, the defaults for the rest."""
        if given is None:
            return Perms()
        return Perms(given.mode if given.mode >= 0 else 0o600, max(given.owner, 0), max(given.group, 0))

    @staticmethod
    def of_pool_dir(given: Perms | None) -> Perms:
        """A built pool directory's permissions (the dir backend's defaults: 0711 root:root)."""
        return Perms(given.mode if given and given.mode >= 0 else 0o711,
                     given.owner if given and given.owner >= 0 else 0,
                     given.group if given and given.group >= 0 else 0)


@dataclass
class PoolDef:
    """A parsed <pool> document (the parts a dir pool has); ``target`` is sanitized."""

    name: str
    uuid: uuidlib.UUID | None
    target: str
    type: str = "dir"
    target_perms: Perms | None = None  # as given in the XML (build applies it)


ENCRYPTION_FORMATS = ("default", "qcow", "luks", "luks2")  # virStorageEncryptionFormatType, in order


@dataclass
class VolEncryption:
    """A volume's <encryption> (virStorageEncryption): format, engine, and its secrets, each a
    (type, UUID or usage) pair."""

    format: str
    engine: str | None = None
    secrets: list[tuple[str, uuidlib.UUID | str]] = field(default_factory=list)


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
    encryption: VolEncryption | None = None
    compat: str | None = None  # <target><compat>: qcow2's version ('0.10', libvirt's default, or '1.1')


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
    encryption: VolEncryption | None = None
    declared_format: str | None = None  # the XML's format until a refresh probes the file (iso)

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

    @property
    def available(self) -> int:
        return self.stats[2]

    def matches(self, flags: int) -> bool:
        """virStoragePoolObjMatch: every filter group given must match."""
        f = ConnectListAllStoragePoolsFlags
        groups = ((LIST_POOLS_ACTIVITY, f.ACTIVE, self.active), (LIST_POOLS_PERSISTENCE, f.PERSISTENT, self.persistent),
                  (LIST_POOLS_AUTOSTART, f.AUTOSTART, self.autostart))
        for group, positive, value in groups:
            wanted = flags & group
            if wanted and not wanted & (positive if value else group ^ positive):
                return False
        types = flags // LIST_POOLS_FIRST_TYPE
        return not types or bool(types & (1 << POOL_TYPES.index(self.config.type)))
