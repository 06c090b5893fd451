"""The network driver's errors (bridge_driver.c, virnetworkobj.c, network_conf.c).

Each function returns the ``VirtError`` libvirtd 9.0 reports, with its code, domain and text.
"""

from __future__ import annotations

import uuid

from . import ErrorCode, ErrorDomain, VirtError
from . import check_flags as check_any_flags

NETWORK = ErrorDomain.NETWORK


def _net(code: int, message: str) -> VirtError:
    return VirtError.report(code, NETWORK, message)


def check_flags(driver_fn: str, flags: int, allowed: int) -> None:
    """virCheckFlags in the network driver function ``driver_fn``."""
    check_any_flags(driver_fn, flags, allowed, NETWORK)


def xml_error(message: str) -> VirtError:
    """VIR_ERR_XML_ERROR from network_conf.c's parser."""
    return _net(ErrorCode.XML_ERROR, message)


def unsupported(message: str) -> VirtError:
    """VIR_ERR_CONFIG_UNSUPPORTED (parser and networkValidate)."""
    return _net(ErrorCode.CONFIG_UNSUPPORTED, message)


def internal(message: str) -> VirtError:
    return _net(ErrorCode.INTERNAL_ERROR, message)


def invalid(message: str) -> VirtError:
    """VIR_ERR_OPERATION_INVALID."""
    return _net(ErrorCode.OPERATION_INVALID, message)


# -- lookups -------------------------------------------------------------------------------

def no_network_name(name: str) -> VirtError:
    return _net(ErrorCode.NO_NETWORK, f"no network with matching name '{name}'")


def no_network_uuid(net_uuid: uuid.UUID, name: str | None = None) -> VirtError:
    """networkObjFromNetwork names the handle's network; LookupByUUID has no name."""
    suffix = f" ({name})" if name is not None else ""
    return _net(ErrorCode.NO_NETWORK, f"no network with matching uuid '{net_uuid}'{suffix}")


def no_port(port_uuid: uuid.UUID) -> VirtError:
    return _net(ErrorCode.NO_NETWORK_PORT, f"Network port with UUID {port_uuid} does not exist")


def port_exists(port_uuid: uuid.UUID) -> VirtError:
    return _net(ErrorCode.NETWORK_PORT_EXIST, f"Network port with UUID {port_uuid} already exists")


# -- definition ----------------------------------------------------------------------------

def uuid_taken(name: str, net_uuid: uuid.UUID) -> VirtError:
    return _net(ErrorCode.OPERATION_FAILED, f"network '{name}' is already defined with uuid {net_uuid}")


def name_taken(name: str, net_uuid: uuid.UUID) -> VirtError:
    return _net(ErrorCode.OPERATION_FAILED, f"network '{name}' already exists with uuid {net_uuid}")


def active_as(name: str) -> VirtError:
    return invalid(f"network is already active as '{name}'")


def bridge_in_use(bridge: str) -> VirtError:
    return internal(f"bridge name '{bridge}' already in use.")


def undefine_transient() -> VirtError:
    return invalid("can't undefine transient network")


def autostart_transient() -> VirtError:
    return invalid("cannot set autostart for transient network")


def no_bridge_name(name: str) -> VirtError:
    return internal(f"network '{name}' does not have a bridge name.")


# -- lifecycle -----------------------------------------------------------------------------

def not_active(name: str) -> VirtError:
    return invalid(f"network '{name}' is not active")


def already_active() -> VirtError:
    return invalid("network is already active")


def in_use_by(interface: str) -> VirtError:
    """networkCheckRouteCollision: the host already routes this subnet through ``interface``."""
    return internal(f"Network is already in use by interface {interface}")


# -- update --------------------------------------------------------------------------------

def not_running() -> VirtError:
    return invalid("network is not running")


def transient_config() -> VirtError:
    return invalid("cannot change persistent config of a transient network")


def invalid_mac(mac: str) -> VirtError:
    return _net(ErrorCode.INVALID_MAC, mac)


def update_unsupported(message: str) -> VirtError:
    """networkUpdate: a section or command the driver cannot change."""
    return _net(ErrorCode.OPERATION_UNSUPPORTED, message)


def xml_detail(message: str) -> VirtError:
    """network_conf.c's XML_DETAIL errors."""
    return _net(ErrorCode.XML_DETAIL, message)


def no_name() -> VirtError:
    return VirtError.report(ErrorCode.NO_NAME, NETWORK)


def socket_address(message: str) -> VirtError:
    """virsocketaddr.c reports without a domain of its own."""
    return VirtError.report(ErrorCode.INTERNAL_ERROR, ErrorDomain.NONE, message)


def unparsable_address(text: str) -> VirtError:
    return VirtError.report(ErrorCode.SYSTEM_ERROR, ErrorDomain.NONE,
                            f"Cannot parse socket address '{text}': Name or service not known")
