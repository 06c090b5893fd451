"""Domain snapshot errors: qemu_snapshot.c (VIR_FROM_QEMU), snapshot_conf.c and the client library
(VIR_FROM_DOMAIN_SNAPSHOT), virdomainmomentobjlist.c (VIR_FROM_DOMAIN), with libvirtd 9.0's texts.

Texts used once are passed to the constructor of their code (``config_unsupported(...)``); texts
with a meaning of their own have a constructor named after it.
"""

from __future__ import annotations

from . import ErrorCode, ErrorDomain, VirtError, check_flags

QEMU = ErrorDomain.QEMU
SNAP = ErrorDomain.DOMAIN_SNAPSHOT  # snapshot_conf.c and the client library's own checks

__all__ = ["check_flags"]  # virCheckFlags of the QEMU driver, as everywhere


# -- by code (the driver's one-off texts) ----------------------------------------------------

def config_unsupported(message: str) -> VirtError:
    return VirtError.report(ErrorCode.CONFIG_UNSUPPORTED, QEMU, message)


def operation_unsupported(message: str) -> VirtError:
    return VirtError.report(ErrorCode.OPERATION_UNSUPPORTED, QEMU, message)


def conf_unsupported(message: str) -> VirtError:
    """snapshot_conf.c's VIR_ERR_CONFIG_UNSUPPORTED (disk alignment, the XML)."""
    return VirtError.report(ErrorCode.CONFIG_UNSUPPORTED, SNAP, message)


def conf_internal(message: str) -> VirtError:
    return VirtError.report(ErrorCode.INTERNAL_ERROR, SNAP, message)


def xml_error(message: str, domain: int = SNAP) -> VirtError:
    return VirtError.report(ErrorCode.XML_ERROR, domain, message)


def redefine_invalid(message: str) -> VirtError:
    """virDomainSnapshotRedefinePrep's VIR_ERR_INVALID_ARG."""
    return VirtError.report(ErrorCode.INVALID_ARG, SNAP, message)


def operation_failed(message: str) -> VirtError:
    return VirtError.report(ErrorCode.OPERATION_FAILED, QEMU, message)


# -- lookups ---------------------------------------------------------------------------------

def no_snapshot(name: str) -> VirtError:
    return VirtError.report(ErrorCode.NO_DOMAIN_SNAPSHOT, QEMU, f"no domain snapshot with matching name '{name}'")


def no_parent(name: str) -> VirtError:
    return VirtError.report(ErrorCode.NO_DOMAIN_SNAPSHOT, QEMU, f"snapshot '{name}' does not have a parent")


def no_current() -> VirtError:
    return VirtError.report(ErrorCode.NO_DOMAIN_SNAPSHOT, QEMU, "the domain does not have a current snapshot")


# -- the moment tree (VIR_FROM_DOMAIN) -------------------------------------------------------

def moment_exists(name: str) -> VirtError:
    return VirtError.report(ErrorCode.OPERATION_FAILED, ErrorDomain.DOMAIN, f"domain moment {name} already exists")


def own_parent(name: str) -> VirtError:
    return VirtError.report(ErrorCode.INVALID_ARG, ErrorDomain.DOMAIN, f"cannot set moment {name} as its own parent")


def parent_not_found(parent: str, name: str) -> VirtError:
    return VirtError.report(ErrorCode.INVALID_ARG, ErrorDomain.DOMAIN, f"parent {parent} for moment {name} not found")


def parent_cycle(parent: str, name: str) -> VirtError:
    return VirtError.report(ErrorCode.INVALID_ARG, ErrorDomain.DOMAIN, f"parent {parent} would create cycle to {name}")


# -- create ----------------------------------------------------------------------------------

def halt_transient() -> VirtError:
    return VirtError.operation_invalid("cannot halt after transient domain snapshot")


def branch_needs_element() -> VirtError:
    """fakevirt's CREATE_BRANCH flag without the <branch> element."""
    return VirtError.invalid_arg_raw("flags", "qemuSnapshotCreateXML",
                                     "VIR_DOMAIN_SNAPSHOT_CREATE_BRANCH requires a <branch> element", QEMU)


def invalid_name(name: str, reason: str) -> VirtError:
    """qemuSnapshotCreateXMLValidateDef: ``reason`` is "name can't contain '/'" or "… start with '.'"."""
    return VirtError.report(ErrorCode.XML_DETAIL, QEMU, f"invalid snapshot name '{name}': {reason}")


def invalid_domain_state(state: str | None) -> VirtError:
    return VirtError.internal(f"Invalid domain state {state}")


def memory_needs_full_snapshot() -> VirtError:
    return xml_error("memory state cannot be saved with offline or disk-only snapshot")


def mixed_locations() -> VirtError:
    return config_unsupported("mixing internal and external targets for a snapshot is not yet supported")


def reuse_file_missing(disk: str, path: str) -> VirtError:
    return VirtError.report(ErrorCode.SYSTEM_ERROR, QEMU,
                            f"missing existing file for disk {disk}: {path}: No such file or directory")


def overlay_exists(disk: str, path: str) -> VirtError:
    return config_unsupported(f"external snapshot file for disk {disk} already exists and is not a block "
                              f"device: {path}")


def memory_file_missing(path: str | None) -> VirtError:
    return VirtError.report(ErrorCode.SYSTEM_ERROR, QEMU,
                            f"Failed to open domain image file '{path}': No such file or directory")


def metadata_not_saved(name: str) -> VirtError:
    """qemuSnapshotCreateWriteMetadata: the snapshot's XML file could not be written (a name too long)."""
    return VirtError.internal(f"unable to save metadata for snapshot {name}")


def delete_in_progress(disk: str) -> VirtError:
    """qemuSnapshotDeleteValidate: an earlier external delete of this disk did not complete."""
    return VirtError.operation_invalid(f"snapshot disk '{disk}' was target of not completed snapshot delete")


def branch_point_image_gone(image: str, point: str) -> VirtError:
    """fakevirt's branching: an image of the branch point was deleted since (METADATA_ONLY deletes)."""
    return VirtError.operation_invalid(f"image '{image}' of branch point '{point}' no longer exists")


# -- revert ----------------------------------------------------------------------------------

def transient_needs_run_or_pause() -> VirtError:
    return VirtError.operation_invalid("transient domain needs to request run or pause to revert to "
                                       "inactive snapshot")


def lacks_rollback(snap: str, domain: str) -> VirtError:
    return VirtError.report(ErrorCode.SNAPSHOT_REVERT_RISKY, QEMU,
                            f"snapshot '{snap}' lacks domain '{domain}' rollback info")


def managed_save_risky() -> VirtError:
    return VirtError.report(ErrorCode.SNAPSHOT_REVERT_RISKY, QEMU,
                            "snapshot without memory state, removal of existing managed saved state strongly "
                            "recommended to avoid corruption")


def invalid_target_state(state: str | None) -> VirtError:
    return VirtError.internal(f"Invalid target domain state '{state}'. Refusing snapshot reversion")
