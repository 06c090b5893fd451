"""virDomainBackupAlignDisks: every domain disk gets an entry in the backup definition."""

from __future__ import annotations

from ...errors import backup as err
from ..devices import Disk
from ..domain import Domain
from .definition import BackupDef, BackupDisk


def align(bdef: BackupDef, dom: Domain, suffix: str) -> None:
    """virDomainBackupAlignDisks: every domain disk gets an entry; targets get default names."""
    live = dom.live
    assert live is not None
    if not live.disks:
        raise err.no_domain_disks()
    by_target = {k.target_dev: k for k in live.disks}
    seen: set[str] = set()
    for disk in bdef.disks:
        if disk.name not in by_target:
            raise err.no_disk_named(disk.name)
        if disk.name in seen:
            raise err.disk_twice(disk.name)
        seen.add(disk.name)
        if disk.backupmode == "incremental" and disk.incremental is None and bdef.incremental is None:
            raise err.incremental_unset(disk.name)
        if disk.backup:
            _assign_store(disk, by_target[disk.name], suffix)
    backup_all = not bdef.disks
    for k in live.disks:
        if k.target_dev in seen:
            continue
        disk = BackupDisk(name=k.target_dev, backup=False)
        if backup_all and k.source and not k.readonly:
            disk.backup = True
            _assign_store(disk, k, suffix)
        bdef.disks.append(disk)
    for disk in bdef.disks:
        if not disk.backup:
            continue
        if disk.backupmode is None:
            disk.backupmode = "incremental" if (bdef.incremental or disk.incremental) else "full"
        if disk.incremental is None and disk.backupmode == "incremental":
            disk.incremental = bdef.incremental


def _assign_store(disk: BackupDisk, domdisk: Disk, suffix: str) -> None:
    if not domdisk.source:
        if disk.store is not None:
            raise err.no_media(disk.name)
    elif disk.store is None:
        if domdisk.type not in ("file", "volume") or not domdisk.path:  # a translated volume is a file
            raise err.no_file_name(disk.name)
        disk.store = f"{domdisk.path}.{suffix}"

