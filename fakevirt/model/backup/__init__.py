"""Domain backups: push into target images, or pull over NBD from a point-in-time view."""

from __future__ import annotations

from .api import BackupEvent, DomainBackups
from .definition import BackupDef, BackupDisk, BackupServer
from .job import BackupJob, Export
from .listener import NbdBinder, NbdBindError, NbdListener, UnboundNbd
from .view import FrozenDisk

__all__ = ["BackupDef", "BackupDisk", "BackupEvent", "BackupJob", "BackupServer", "DomainBackups", "Export",
           "FrozenDisk", "NbdBindError", "NbdBinder", "NbdListener", "UnboundNbd"]
