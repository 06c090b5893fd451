"""The storage driver's flag and value enums (libvirt-storage.h), with libvirt's member names.

``X_ALL`` is every bit of a flag enum.  Never test ``flags & ~Member``: an
``IntFlag``'s ``~`` stays inside the enum's own bits, so it hides unknown bits; check flags with
``errors.storage.check_flags`` (or ``flags & ~int(allowed)``).
"""

from __future__ import annotations

from enum import IntEnum, IntFlag

from . import all_of


class StoragePoolState(IntEnum):
    INACTIVE = 0
    BUILDING = 1
    RUNNING = 2
    DEGRADED = 3
    INACCESSIBLE = 4


class ConnectListAllStoragePoolsFlags(IntFlag):
    INACTIVE = 1 << 0
    ACTIVE = 1 << 1
    PERSISTENT = 1 << 2
    TRANSIENT = 1 << 3
    AUTOSTART = 1 << 4
    NO_AUTOSTART = 1 << 5
    # one bit per pool type, in POOL_TYPES order from here
    DIR = 1 << 6
    FS = 1 << 7
    NETFS = 1 << 8
    LOGICAL = 1 << 9
    DISK = 1 << 10
    ISCSI = 1 << 11
    SCSI = 1 << 12
    MPATH = 1 << 13
    RBD = 1 << 14
    SHEEPDOG = 1 << 15
    GLUSTER = 1 << 16
    ZFS = 1 << 17
    VSTORAGE = 1 << 18
    ISCSI_DIRECT = 1 << 19


LIST_POOLS_ACTIVITY = ConnectListAllStoragePoolsFlags.INACTIVE | ConnectListAllStoragePoolsFlags.ACTIVE
LIST_POOLS_PERSISTENCE = ConnectListAllStoragePoolsFlags.PERSISTENT | ConnectListAllStoragePoolsFlags.TRANSIENT
LIST_POOLS_AUTOSTART = ConnectListAllStoragePoolsFlags.AUTOSTART | ConnectListAllStoragePoolsFlags.NO_AUTOSTART
LIST_POOLS_FIRST_TYPE = ConnectListAllStoragePoolsFlags.DIR
LIST_POOLS_ALL = all_of(ConnectListAllStoragePoolsFlags)


class StoragePoolDefineFlags(IntFlag):
    VALIDATE = 1 << 0


class StoragePoolCreateFlags(IntFlag):
    NORMAL = 0
    WITH_BUILD = 1 << 0
    WITH_BUILD_OVERWRITE = 1 << 1
    WITH_BUILD_NO_OVERWRITE = 1 << 2


POOL_CREATE_ALL = all_of(StoragePoolCreateFlags)


class StoragePoolBuildFlags(IntFlag):
    NEW = 0
    REPAIR = 1 << 0
    RESIZE = 1 << 1
    NO_OVERWRITE = 1 << 2
    OVERWRITE = 1 << 3


POOL_BUILD_ALL = all_of(StoragePoolBuildFlags)


class StoragePoolDeleteFlags(IntFlag):
    NORMAL = 0
    ZEROED = 1 << 0


class StorageXMLFlags(IntFlag):
    INACTIVE = 1 << 0


class StorageVolType(IntEnum):
    FILE = 0
    BLOCK = 1
    DIR = 2
    NETWORK = 3
    NETDIR = 4
    PLOOP = 5


class StorageVolCreateFlags(IntFlag):
    PREALLOC_METADATA = 1 << 0
    REFLINK = 1 << 1
    VALIDATE = 1 << 2


VOL_CREATE_ALL = all_of(StorageVolCreateFlags)


class StorageVolDeleteFlags(IntFlag):
    NORMAL = 0
    ZEROED = 1 << 0
    WITH_SNAPSHOTS = 1 << 1


VOL_DELETE_ALL = all_of(StorageVolDeleteFlags)


class StorageVolWipeAlgorithm(IntEnum):
    ZERO = 0
    NNSA = 1
    DOD = 2
    BSI = 3
    GUTMANN = 4
    SCHNEIER = 5
    PFITZNER7 = 6
    PFITZNER33 = 7
    RANDOM = 8
    TRIM = 9


class StorageVolResizeFlags(IntFlag):
    ALLOCATE = 1 << 0
    DELTA = 1 << 1
    SHRINK = 1 << 2


VOL_RESIZE_ALL = all_of(StorageVolResizeFlags)


class StorageVolInfoFlags(IntFlag):
    USE_ALLOCATION = 0
    GET_PHYSICAL = 1 << 0


class StorageVolUploadFlags(IntFlag):
    SPARSE_STREAM = 1 << 0


class StorageVolDownloadFlags(IntFlag):
    SPARSE_STREAM = 1 << 0
