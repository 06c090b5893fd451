"""A backup definition (libvirt's virDomainBackupDef): what to back up, where, and how to serve it."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass
class BackupServer:
    """<server>: where a pull-mode backup's NBD server listens."""

    transport: str = "tcp"  # "tcp" or "unix"
    name: str | None = None
    port: int | None = None
    socket: str | None = None
    tls: bool | None = None


@dataclass
class BackupDisk:
    """One <disk> of <domainbackup>; ``store`` is the target (push) or scratch (pull) file."""

    name: str
    backup: bool = True
    backupmode: str | None = None  # "full" or "incremental" once aligned
    incremental: str | None = None
    exportname: str | None = None
    exportbitmap: str | None = None
    type: str = "file"
    store: str | None = None
    format: str | None = None
    index: int | None = None


@dataclass
class BackupDef:
    mode: str = "push"  # "push" or "pull"
    incremental: str | None = None
    server: BackupServer | None = None
    disks: list[BackupDisk] = field(default_factory=list)

    @property
    def pull(self) -> bool:
        return self.mode == "pull"
