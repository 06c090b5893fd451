"""Domain checkpoint errors: qemu_checkpoint.c / qemu_driver.c (VIR_FROM_QEMU), checkpoint_conf.c and
the client library (VIR_FROM_DOMAIN_CHECKPOINT), with libvirtd 9.0's texts (checked against it)."""

from __future__ import annotations

from . import ErrorCode, ErrorDomain, VirtError

QEMU = ErrorDomain.QEMU
CHECKPOINT = ErrorDomain.DOMAIN_CHECKPOINT


# -- lookups ---------------------------------------------------------------------------------

def no_checkpoint(name: str) -> VirtError:
    return VirtError.report(ErrorCode.NO_DOMAIN_CHECKPOINT, QEMU,
                            f"no domain checkpoint with matching name '{name}'")


def no_parent(name: str) -> VirtError:
    return VirtError.report(ErrorCode.NO_DOMAIN_CHECKPOINT, QEMU, f"checkpoint '{name}' does not have a parent")


# -- the domain's state ----------------------------------------------------------------------

def inactive_create() -> VirtError:
    return VirtError.report(ErrorCode.OPERATION_UNSUPPORTED, QEMU, "cannot create checkpoint for inactive domain")


def inactive_delete() -> VirtError:
    return VirtError.report(ErrorCode.OPERATION_UNSUPPORTED, QEMU, "cannot delete checkpoint for inactive domain")


def undefine_with_checkpoints(count: int) -> VirtError:
    return VirtError.operation_invalid(f"cannot delete inactive domain with {count} checkpoints")


def block_operations_with_checkpoints() -> VirtError:
    """An offline snapshot (qemu-img on the disks) of a domain that has checkpoints."""
    return VirtError.report(ErrorCode.OPERATION_UNSUPPORTED, QEMU,
                            "cannot perform block operations while checkpoint exists")


# -- the definition (checkpoint_conf.c and qemuCheckpointPrepare) -----------------------------

def conf_unsupported(message: str) -> VirtError:
    """checkpoint_conf.c's disk alignment: no disk named, specified twice, empty or readonly, ..."""
    return VirtError.report(ErrorCode.CONFIG_UNSUPPORTED, CHECKPOINT, message)


def bitmap_name_mismatch(disk: str, name: str) -> VirtError:
    return VirtError.report(ErrorCode.CONFIG_UNSUPPORTED, QEMU,
                            f"bitmap for disk '{disk}' must match checkpoint name '{name}'")


def disk_format_unsupported(disk: str, fmt: str) -> VirtError:
    return VirtError.report(ErrorCode.CONFIG_UNSUPPORTED, QEMU,
                            f"checkpoint for disk {disk} unsupported for storage type {fmt}")


def redefine_needs_name() -> VirtError:
    return VirtError.report(ErrorCode.XML_ERROR, CHECKPOINT, "a redefined checkpoint must have a name")


def redefine_needs_time() -> VirtError:
    return VirtError.report(ErrorCode.INTERNAL_ERROR, CHECKPOINT, "missing creationTime from existing checkpoint")


def redefine_wrong_uuid(name: str, uuid: str) -> VirtError:
    return VirtError.report(ErrorCode.INVALID_ARG, CHECKPOINT, f"definition for checkpoint {name} must use uuid {uuid}")


# -- bitmaps in the images ---------------------------------------------------------------------

def bitmap_inconsistent(bitmap: str, disk: str) -> VirtError:
    return VirtError.report(ErrorCode.CHECKPOINT_INCONSISTENT, QEMU,
                            f"missing or broken bitmap '{bitmap}' for disk '{disk}'")


def bitmap_not_in_chain(bitmap: str, disk: str) -> VirtError:
    return VirtError.internal(f"bitmap '{bitmap}' not found in backing chain of '{disk}'")


def qemu_command_failed(command: str, qemu_message: str) -> VirtError:
    """A QMP command QEMU refused (e.g. the transaction adding an existing bitmap)."""
    return VirtError.internal(f"unable to execute QEMU command '{command}': {qemu_message}")
