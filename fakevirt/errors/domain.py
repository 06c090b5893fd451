"""The domain family's errors: libvirt 9.0's codes, error domains and texts, one constructor each.

Where a message comes from matters for its error domain: checks in src/conf/ (virDomainObjCheckActive,
the domain list) report VIR_FROM_DOMAIN, checks in src/qemu/ report VIR_FROM_QEMU.
"""

from __future__ import annotations

import uuid

from . import ErrorCode, ErrorDomain, VirtError

_DOMAIN, _QEMU = ErrorDomain.DOMAIN, ErrorDomain.QEMU


def not_active() -> VirtError:
    """virDomainObjCheckActive: the domain is not running (VIR_FROM_DOMAIN)."""
    return VirtError.operation_invalid("domain is not running", _DOMAIN)


def not_running() -> VirtError:
    """The QEMU driver's own state check: the domain is active but not running, or inactive (VIR_FROM_QEMU)."""
    return VirtError.operation_invalid("domain is not running", _QEMU)


def already_running() -> VirtError:
    return VirtError.operation_invalid("domain is already running")


def pmsuspended() -> VirtError:
    return VirtError.operation_invalid("domain is pmsuspended")


def invalid(message: str, domain: int = _QEMU) -> VirtError:
    """OPERATION_INVALID with a message of the QEMU driver (or of ``domain``)."""
    return VirtError.operation_invalid(message, domain)


def no_persistent_config() -> VirtError:
    return VirtError.operation_invalid("transient domains do not have any persistent config", _DOMAIN)


def live_and_config_exclusive() -> VirtError:
    return VirtError.report(ErrorCode.INVALID_ARG, _DOMAIN, "Flags 'live' and 'config' are mutually exclusive")


def no_domain_uuid(dom_uuid: uuid.UUID, name: str | None = None) -> VirtError:
    """qemuDomainObjFromDomain (with the handle's name) or a lookup by UUID (without)."""
    suffix = f" ({name})" if name is not None else ""
    return VirtError.report(ErrorCode.NO_DOMAIN, _QEMU, f"no domain with matching uuid '{dom_uuid}'{suffix}")


def no_domain_name(name: str) -> VirtError:
    return VirtError.report(ErrorCode.NO_DOMAIN, _QEMU, f"no domain with matching name '{name}'")


def no_domain_id(dom_id: int) -> VirtError:
    return VirtError.report(ErrorCode.NO_DOMAIN, _QEMU, f"no domain with matching id {dom_id}")


def uuid_taken(name: str, dom_uuid: uuid.UUID) -> VirtError:
    return VirtError.report(ErrorCode.OPERATION_FAILED, _DOMAIN,
                            f"domain '{name}' is already defined with uuid {dom_uuid}")


def name_taken(name: str, dom_uuid: uuid.UUID) -> VirtError:
    return VirtError.report(ErrorCode.OPERATION_FAILED, _DOMAIN, f"domain '{name}' already exists with uuid {dom_uuid}")


def no_saved_image(path: str) -> VirtError:
    return VirtError.report(ErrorCode.SYSTEM_ERROR, _QEMU,
                            f"Failed to open domain image file '{path}': No such file or directory")


def path_not_assigned(path: str) -> VirtError:
    return VirtError.report(ErrorCode.INVALID_ARG, _QEMU, f"invalid path {path} not assigned to domain")


def unknown_metadata_type(kind: int) -> VirtError:
    return VirtError.report(ErrorCode.INVALID_ARG, _DOMAIN, f"unknown metadata type '{kind}'")


def vcpu_info_inactive() -> VirtError:
    return VirtError.operation_invalid("cannot retrieve vcpu information for inactive domain")
