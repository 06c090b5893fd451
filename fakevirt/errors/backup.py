"""Domain backup errors: qemu_backup.c and qemu_domainjob.c (VIR_FROM_QEMU), backup_conf.c
(VIR_FROM_DOMAIN), with libvirtd 9.0's texts."""

from __future__ import annotations

from . import ErrorCode, ErrorDomain, VirtError
from .blockjob import cannot_label

QEMU = ErrorDomain.QEMU
CONF = ErrorDomain.DOMAIN


def no_backup() -> VirtError:
    return VirtError.report(ErrorCode.NO_DOMAIN_BACKUP, QEMU, "no domain backup job present")


def inactive() -> VirtError:
    return VirtError.report(ErrorCode.OPERATION_UNSUPPORTED, QEMU,
                            "cannot perform disk backup for inactive domain")


def job_busy(holder: str = "remoteDispatchDomainBackupBegin") -> VirtError:
    """virDomainObjBeginJobInternal while an async job (a backup, a held save) that does not allow
    this one still runs after 30 s; ``holder`` is the dispatcher of the call that began it."""
    return VirtError.report(ErrorCode.OPERATION_TIMEOUT, QEMU,
                            f"cannot acquire state change lock (held by monitor={holder})")




def nbd_server_start(message: str) -> VirtError:
    """qemuMonitorNBDServerStart failed (QEMU could not bind the listener)."""
    return VirtError.internal(f"unable to execute QEMU command 'nbd-server-start': {message}")


def tcp_port_required() -> VirtError:
    return VirtError.report(ErrorCode.OPERATION_UNSUPPORTED, QEMU,
                            "<domainbackup> must specify TCP port for now")


def no_disks_selected() -> VirtError:
    return VirtError.report(ErrorCode.CONFIG_UNSUPPORTED, QEMU, "no disks selected for backup")


def store_exists(path: str, disk: str) -> VirtError:
    return VirtError.report(ErrorCode.INVALID_ARG, QEMU, f"store '{path}' for backup of '{disk}' exists")


def reused_store_missing(path: str) -> VirtError:
    """REUSE_EXTERNAL of a store that does not exist: the security manager's relabel fails."""
    return cannot_label(path)


def checkpoint_not_found(name: str, disk: str) -> VirtError:
    return VirtError.report(ErrorCode.NO_DOMAIN_CHECKPOINT, QEMU,
                            f"Checkpoint '{name}' for incremental backup of disk '{disk}' not found")


def broken_bitmap(name: str, disk: str) -> VirtError:
    return VirtError.report(ErrorCode.CHECKPOINT_INCONSISTENT, QEMU,
                            f"missing or broken bitmap '{name}' for disk '{disk}'")


def pull_needs_qcow2(disk: str) -> VirtError:
    return VirtError.report(ErrorCode.CONFIG_UNSUPPORTED, QEMU,
                            f"pull mode backup for disk '{disk}' requires qcow2 driver")


# -- backup_conf.c: virDomainBackupAlignDisks -----------------------------------------------------

def no_disk_named(name: str) -> VirtError:
    return VirtError.report(ErrorCode.CONFIG_UNSUPPORTED, CONF, f"no disk named '{name}'")


def disk_twice(name: str) -> VirtError:
    return VirtError.report(ErrorCode.CONFIG_UNSUPPORTED, CONF, f"disk '{name}' specified twice")


def incremental_unset(name: str) -> VirtError:
    return VirtError.report(
        ErrorCode.CONFIG_UNSUPPORTED, CONF,
        f"'incremental' backup mode of disk '{name}' requires setting 'incremental' field for disk or backup")


def no_media(name: str) -> VirtError:
    return VirtError.report(ErrorCode.CONFIG_UNSUPPORTED, CONF, f"disk '{name}' has no media")


def no_file_name(name: str) -> VirtError:
    return VirtError.report(ErrorCode.CONFIG_UNSUPPORTED, CONF,
                            f"refusing to generate file name for disk '{name}'")


def no_domain_disks() -> VirtError:
    return VirtError.report(ErrorCode.CONFIG_UNSUPPORTED, CONF,
                            "domain must have at least one disk to perform backup")
