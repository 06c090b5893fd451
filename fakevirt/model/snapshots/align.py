"""virDomainSnapshotAlignDisks (libvirt 9.6 snapshot_conf.c, with 9.7's force_default_location).

After alignment a snapshot's <disks> lists every disk of the domain, in the domain's order, each
named by its target and with its snapshot mode settled; external disks without a file get the
default overlay name (virDomainSnapshotDefAssignExternalNames).
"""

from __future__ import annotations

from collections.abc import Callable

from ...errors.snapshot import conf_internal
from ...errors.snapshot import conf_unsupported as _unsupported
from ..devices import Disk
from ..domaindef import DomainDef
from .snapshotdef import SnapshotDef, SnapshotDisk

__all__ = ["align_disks", "disk_by_name", "disk_is_empty", "domain_disk_snapshot"]


def disk_by_name(d: DomainDef, name: str) -> Disk | None:
    """virDomainDiskByName(def, name, false): a target name, or an unambiguous source path."""
    found: Disk | None = None
    for disk in d.disks:
        if not name.startswith("/"):
            if disk.target_dev == name:
                return disk
        elif disk.path == name:
            if found is not None:
                return None
            found = disk
    return found


def disk_is_empty(disk: Disk) -> bool:
    """virStorageSourceIsEmpty: a local disk without a path (an empty cdrom), or no storage at all."""
    if disk.type in ("file", "block", "dir"):
        return not disk.source
    if disk.type == "network":
        return not disk.source_attrs.get("protocol")
    return disk.type == "none"


def domain_disk_snapshot(disk: Disk) -> str | None:
    """The domain disk's own snapshot= mode, with the post-parse default of read-only disks ('no')."""
    mode = disk.attrs.get("snapshot")
    if mode is None and (disk.readonly or disk.type == "vhostuser"):
        return "no"
    return mode


def align_disks(sd: SnapshotDef, d: DomainDef | None, default_location: str, *, uniform_internal: bool,
                force_default: bool = False, default_driver: str | None = "qcow2",
                is_regular_file: Callable[[str], bool] | None = None) -> None:
    """Complete and check ``sd.disks`` against the domain definition, in place.

    Args:
        sd: the parsed snapshot; its name must be set (default overlay names use it).
        d: the domain definition the snapshot is of (the snapshot's own <domain>, or for a
            redefinition without one, the one of the snapshot being redefined). None reports
            libvirt's "missing domain in snapshot".
        default_location: "internal" or "external": the mode of disks that say nothing.
        uniform_internal: with an internal default, every disk must take part in it (qemu: True).
        force_default: 9.7's force_default_location (external revert): every non-empty disk not
            listed in ``sd.disks`` takes ``default_location``, whatever its own snapshot= says.
        default_driver: the overlay format given to external disks without one (the QEMU driver
            does so in qemuSnapshotPrepare); None leaves them alone (redefinition).
        is_regular_file: whether a disk's current source is an existing regular file (libvirt
            stat()s it before naming the overlay); by default, whether the disk is type='file'.

    Raises:
        VirtError: VIR_ERR_CONFIG_UNSUPPORTED from VIR_FROM_DOMAIN_SNAPSHOT, with libvirt's texts.
    """
    if d is None:
        raise conf_internal("missing domain in snapshot")
    if len(sd.disks) > len(d.disks):
        raise _unsupported("too many disk snapshot requests for domain")
    require_match = uniform_internal and default_location == "internal"
    if not d.disks:
        return

    given: dict[str, SnapshotDisk] = {}
    for snapdisk in sd.disks:
        domdisk = disk_by_name(d, snapdisk.name)
        if domdisk is None:
            raise _unsupported(f"no disk named '{snapdisk.name}'")
        if domdisk.target_dev in given:
            raise _unsupported(f"disk '{snapdisk.name}' specified twice")
        given[domdisk.target_dev] = snapdisk
        own = domain_disk_snapshot(domdisk)
        if snapdisk.snapshot is None:
            if own is not None and (not require_match or own == "no"):
                snapdisk.snapshot = own
            else:
                snapdisk.snapshot = default_location
        elif (require_match and snapdisk.snapshot != default_location
              and not (snapdisk.snapshot == "no" and own == "no")):
            raise _unsupported(f"disk '{snapdisk.name}' must use snapshot mode '{default_location}'")
        if snapdisk.source is not None and snapdisk.snapshot != "external":
            raise _unsupported(f"file '{snapdisk.source}' for disk '{snapdisk.name}' requires use of external "
                               "snapshot mode")
        snapdisk.name = domdisk.target_dev

    aligned: list[SnapshotDisk] = []
    for domdisk in d.disks:
        if (existing := given.get(domdisk.target_dev)) is not None:
            aligned.append(existing)
            continue
        snapdisk = SnapshotDisk(name=domdisk.target_dev, type="file")
        if disk_is_empty(domdisk):
            snapdisk.snapshot = "no"
        elif force_default:
            snapdisk.snapshot = default_location
        else:
            snapdisk.snapshot = domain_disk_snapshot(domdisk) or default_location
        aligned.append(snapdisk)
    sd.disks = aligned

    _assign_external_names(sd, d, is_regular_file)
    if default_driver is not None:
        for snapdisk in sd.disks:
            if snapdisk.snapshot == "external" and snapdisk.driver_type is None:
                snapdisk.driver_type = default_driver


def _assign_external_names(sd: SnapshotDef, d: DomainDef,
                           is_regular_file: Callable[[str], bool] | None) -> None:
    """virDomainSnapshotDefAssignExternalNames: '<source minus extension>.<snapshot name>'."""
    for i, snapdisk in enumerate(sd.disks):
        if snapdisk.snapshot != "external" or snapdisk.source is not None:
            continue
        stype = snapdisk.type or "file"
        if stype != "file":
            raise _unsupported(f"cannot generate external snapshot name for disk '{snapdisk.name}' on a "
                               f"'{stype}' device")
        domdisk = d.disks[i]
        # libvirt names overlays from the snapshot's copy of the definition, parsed back from XML:
        # a volume there has no file
        origpath = None if domdisk.type == "volume" else domdisk.path
        if not origpath:
            raise _unsupported(f"cannot generate external snapshot name for disk '{snapdisk.name}' without source")
        regular = is_regular_file(origpath) if is_regular_file is not None else domdisk.type == "file"
        if not regular:
            raise _unsupported(f"source for disk '{snapdisk.name}' is not a regular file; refusing to generate "
                               "external snapshot name")
        base = origpath
        dot = base.rfind(".")
        if dot >= 0 and "/" not in base[dot:]:
            base = base[:dot]
        snapdisk.source = f"{base}.{sd.name}"
        for other in sd.disks[:i]:
            if other.source == snapdisk.source:
                raise _unsupported(f"cannot generate external snapshot name for disk '{snapdisk.name}': "
                                   f"collision with disk '{other.name}'")
