"""The udev interface backend's errors (interface_backend_udev.c), with libvirt 9.0's texts."""

from __future__ import annotations

from . import ErrorCode, ErrorDomain, VirtError
from . import check_flags as check_any_flags


def check_flags(driver_fn: str, flags: int, allowed: int) -> None:
    """virCheckFlags in the udev backend function ``driver_fn``."""
    check_any_flags(driver_fn, flags, allowed, ErrorDomain.INTERFACE)


def no_interface_name(name: str) -> VirtError:
    return VirtError.report(ErrorCode.NO_INTERFACE, ErrorDomain.INTERFACE, f"couldn't find interface named '{name}'")


def no_interface_mac(mac: str) -> VirtError:
    return VirtError.report(ErrorCode.NO_INTERFACE, ErrorDomain.INTERFACE,
                            f"couldn't find interface with MAC address '{mac}'")


def multiple_interfaces(mac: str) -> VirtError:
    return VirtError.report(ErrorCode.MULTIPLE_INTERFACES, ErrorDomain.INTERFACE,
                            f"the MAC address '{mac}' matches multiple interfaces")
