"""The storage backends of Debian's libvirt 9.0 build: pool types in libvirt's enum order, which of
them the driver has, their source and volume formats (virConnectGetStoragePoolCapabilities), and
source discovery (virConnectFindStoragePoolSources) answered as the reference host answers it: no
volume groups, no NFS exports, no iscsiadm."""

from __future__ import annotations

from dataclasses import dataclass

from ..errors import storage as err
from .images.formats import FILE_FORMATS

# virStoragePoolType order: the number in "missing backend for pool type N"
LIBVIRT_POOL_TYPES = ("dir", "fs", "netfs", "logical", "disk", "iscsi", "iscsi-direct", "scsi", "mpath", "rbd",
                      "sheepdog", "gluster", "zfs", "vstorage")
BUILT = frozenset({"dir", "fs", "netfs", "logical", "disk", "iscsi", "scsi", "mpath"})
FS_FORMATS = ("auto", "ext2", "ext3", "ext4", "ufs", "iso9660", "udf", "gfs", "gfs2", "vfat", "hfs+", "xfs", "ocfs2",
              "vmfs")
NETFS_FORMATS = ("auto", "nfs", "glusterfs", "cifs")
LOGICAL_FORMATS = ("unknown", "lvm2")
DISK_FORMATS = ("unknown", "dos", "dvh", "gpt", "mac", "bsd", "pc98", "sun", "lvm2")
PARTITION_FORMATS = ("none", "linux", "fat16", "fat32", "linux-swap", "linux-lvm", "linux-raid", "extended")
ISCSIADM = "/usr/bin/iscsiadm"
ISCSI_PORT = 3260


@dataclass(frozen=True)
class Formats:
    """One <enum> of a pool type's capabilities and its <defaultFormat>."""

    default: str
    values: tuple[str, ...]


@dataclass(frozen=True)
class PoolTypeCaps:
    type: str
    supported: bool
    pool: Formats | None = None
    vol: Formats | None = None


_FILES = Formats("raw", FILE_FORMATS)
POOL_CAPS = (
    PoolTypeCaps("dir", True, vol=_FILES),
    PoolTypeCaps("fs", True, Formats("auto", FS_FORMATS), _FILES),
    PoolTypeCaps("netfs", True, Formats("auto", NETFS_FORMATS), _FILES),
    PoolTypeCaps("logical", True, Formats("lvm2", LOGICAL_FORMATS)),
    PoolTypeCaps("disk", True, Formats("unknown", DISK_FORMATS), Formats("none", PARTITION_FORMATS)),
    PoolTypeCaps("iscsi", True),
    PoolTypeCaps("iscsi-direct", False),
    PoolTypeCaps("scsi", True),
    PoolTypeCaps("mpath", True),
    PoolTypeCaps("rbd", False, vol=Formats("raw", ())),
    PoolTypeCaps("sheepdog", False),
    PoolTypeCaps("gluster", False, vol=_FILES),
    PoolTypeCaps("zfs", False),
    PoolTypeCaps("vstorage", False, vol=_FILES),
)

# the backends with a findPoolSources and the driver function that checks its flags
_FINDERS = {"netfs": "virStorageBackendFileSystemNetFindPoolSources",
            "iscsi": "virStorageBackendISCSIFindPoolSources",
            "logical": "virStorageBackendLogicalFindPoolSources"}


@dataclass(frozen=True)
class SourceSpec:
    """The <source> of a discovery request: its hosts (name, port) and format."""

    hosts: tuple[tuple[str, int | None], ...]
    format: str | None = None


def discovery_backend(pool_type: str, flags: int) -> str:
    """storageConnectFindStoragePoolSources up to the backend's own checks; returns the pool type."""
    if pool_type not in LIBVIRT_POOL_TYPES:
        raise err.unknown_pool_type(pool_type)
    if pool_type not in BUILT:
        raise err.missing_pool_backend(LIBVIRT_POOL_TYPES.index(pool_type), pool_type)
    if pool_type not in _FINDERS:
        raise err.no_source_discovery(pool_type)
    err.check_flags(_FINDERS[pool_type], flags, 0)
    return pool_type


def needs_spec(pool_type: str) -> bool:
    """Whether the backend reads the source specification (the logical one scans the host's VGs)."""
    return pool_type in ("netfs", "iscsi")


def find_sources(pool_type: str, spec: SourceSpec | None) -> str:
    """The <sources> document; this host has no volume group, no NFS export and no iscsiadm."""
    if pool_type == "logical":
        return "<sources>\n</sources>\n"
    if spec is None:
        raise err.discovery_needs_host(pool_type)
    if len(spec.hosts) != 1:
        raise err.discovery_one_host()
    name, port = spec.hosts[0]
    if pool_type == "netfs":
        if spec.format is not None and spec.format not in NETFS_FORMATS:
            raise err.unknown_pool_format(spec.format)
        raise err.no_nfs_exports(name)
    raise err.child_failed(f"{ISCSIADM} --mode discovery --type sendtargets --portal "
                           f"{name}:{ISCSI_PORT if port is None else port},1 --op nonpersistent", 127,
                           f"libvirt:  error : cannot execute binary {ISCSIADM}: No such file or directory\n")
