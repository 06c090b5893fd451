"""The nwfilter driver's errors (nwfilter_driver.c, nwfilter_conf.c, virnwfilterobj.c, the binding
code). Each function returns the ``VirtError`` libvirtd 9.0 reports, with its code, domain and text."""

from __future__ import annotations

import uuid

from . import ErrorCode, ErrorDomain, VirtError
from . import check_flags as check_any_flags

NWFILTER = ErrorDomain.NWFILTER


def _nwfilter(code: int, message: str) -> VirtError:
    return VirtError.report(code, NWFILTER, message)


def check_flags(driver_fn: str, flags: int, allowed: int) -> None:
    check_any_flags(driver_fn, flags, allowed, NWFILTER)


def no_uuid(filter_uuid: uuid.UUID) -> VirtError:
    return _nwfilter(ErrorCode.NO_NWFILTER, f"no nwfilter with matching uuid '{filter_uuid}'")


def no_name(name: str) -> VirtError:
    return _nwfilter(ErrorCode.NO_NWFILTER, f"no nwfilter with matching name '{name}'")


def no_binding(portdev: str) -> VirtError:
    return _nwfilter(ErrorCode.NO_NWFILTER_BINDING, f"no nwfilter binding for port dev '{portdev}'")


def binding_exists(portdev: str) -> VirtError:
    return _nwfilter(ErrorCode.OPERATION_FAILED, f"binding '{portdev}' already exists")


def uuid_taken(other_name: str) -> VirtError:
    return _nwfilter(ErrorCode.OPERATION_FAILED, f"filter with same UUID but different name ('{other_name}') "
                     "already exists")


def name_taken(name: str, other_uuid: uuid.UUID) -> VirtError:
    return _nwfilter(ErrorCode.OPERATION_FAILED, f"filter '{name}' already exists with uuid {other_uuid}")


def loop() -> VirtError:
    return _nwfilter(ErrorCode.OPERATION_FAILED, "filter would introduce a loop")


def in_use() -> VirtError:
    return VirtError.operation_invalid("nwfilter is in use", NWFILTER)


def referenced_missing(name: str) -> VirtError:
    """virNWFilterObjListFindInstantiateFilter: instantiating a binding needs every filter it names."""
    return _nwfilter(ErrorCode.INTERNAL_ERROR, f"referenced filter '{name}' is missing")


def internal(message: str) -> VirtError:
    return _nwfilter(ErrorCode.INTERNAL_ERROR, message)


def illegal_value(attr: str, value: str) -> VirtError:
    return internal(f"{attr} has illegal value {value}")


def invalid_arg(message: str) -> VirtError:
    return _nwfilter(ErrorCode.INVALID_ARG, message)


def xml_error(message: str) -> VirtError:
    return _nwfilter(ErrorCode.XML_ERROR, message)


def unsupported(message: str) -> VirtError:
    return _nwfilter(ErrorCode.CONFIG_UNSUPPORTED, message)

