"""The secret driver's errors (secret_driver.c, virsecretobj.c, secret_conf.c, util/virsecret.c).

Each function returns the ``VirtError`` libvirtd 9.0 reports, with its code, domain and text.
"""

from __future__ import annotations

import uuid

from . import ErrorCode, ErrorDomain, VirtError
from . import check_flags as check_any_flags

SECRET = ErrorDomain.SECRET


def _secret(code: int, message: str) -> VirtError:
    return VirtError.report(code, SECRET, message)


def check_flags(driver_fn: str, flags: int, allowed: int) -> None:
    """virCheckFlags in the secret driver function ``driver_fn``."""
    check_any_flags(driver_fn, flags, allowed, SECRET)


def no_uuid(secret_uuid: uuid.UUID) -> VirtError:
    return _secret(ErrorCode.NO_SECRET, f"no secret with matching uuid '{secret_uuid}'")


def no_usage(usage_id: str) -> VirtError:
    return _secret(ErrorCode.NO_SECRET, f"no secret with matching usage '{usage_id}'")


def no_value(secret_uuid: uuid.UUID) -> VirtError:
    return _secret(ErrorCode.NO_SECRET, f"secret '{secret_uuid}' does not have a value")


def private() -> VirtError:
    """secretGetValue: a private secret's value is never given to a client."""
    return _secret(ErrorCode.INVALID_SECRET, "secret is private")


def uuid_used_for(secret_uuid: uuid.UUID, usage_id: str | None) -> VirtError:
    """virSecretObjListAdd: a redefinition of a UUID must keep its usage."""
    return _secret(ErrorCode.INTERNAL_ERROR,
                   f"a secret with UUID {secret_uuid} is already defined for use with {usage_id or '(null)'}")


def usage_taken(secret_uuid: uuid.UUID, usage_id: str) -> VirtError:
    """virSecretObjListAdd: another secret has this usage."""
    return _secret(ErrorCode.INTERNAL_ERROR, f"a secret with UUID {secret_uuid} already defined for use with {usage_id}")


def cannot_unset_private() -> VirtError:
    return _secret(ErrorCode.INTERNAL_ERROR, "cannot change private flag on existing secret")


def wrong_usage_type(secret_uuid: uuid.UUID, actual: str, expected: str) -> VirtError:
    """virSecretGetSecretString (util, reported from no particular domain)."""
    return VirtError.report(ErrorCode.INVALID_ARG, ErrorDomain.NONE,
                            f"secret with uuid {secret_uuid} is of type '{actual}' not expected '{expected}' type")


def xml_error(message: str) -> VirtError:
    return _secret(ErrorCode.XML_ERROR, message)


def internal(message: str) -> VirtError:
    return _secret(ErrorCode.INTERNAL_ERROR, message)


def unknown_usage_type(type_str: str) -> VirtError:
    return _secret(ErrorCode.CONFIG_UNSUPPORTED, f"unknown secret usage type {type_str}")
