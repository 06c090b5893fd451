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


def vlan_unsupported(network: str) -> VirtError:
    return unsupported(f"<vlan> element specified for network {network}, "
                       "whose type doesn't support vlan configuration")


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


# -- network ports (virnetworkportdef.c, netdev_bandwidth_conf.c, networkPortCreateXML) ---------

PORT_SCHEMA = "/usr/share/libvirt/schemas/networkport.rng"


def port_missing(what: str) -> VirtError:
    """virNetworkPortDefParseXML: a mandatory element is absent (uuid, owner name, owner UUID, mac)."""
    return internal(f"network port has no {what}")


def port_bad_uuid(text: str) -> VirtError:
    return internal(f"Unable to parse UUID '{text}'")


def port_bad_mac(text: str) -> VirtError:
    return internal(f"Unable to parse MAC '{text}'")


def bandwidth_detail(message: str) -> VirtError:
    """netdev_bandwidth_conf.c reports without a domain of its own."""
    return VirtError.report(ErrorCode.XML_DETAIL, ErrorDomain.NONE, message)


def bandwidth_unsupported(message: str) -> VirtError:
    return VirtError.report(ErrorCode.CONFIG_UNSUPPORTED, ErrorDomain.NONE, message)


def bandwidth_class_id(text: str) -> VirtError:
    return VirtError.report(ErrorCode.INTERNAL_ERROR, ErrorDomain.NONE, f"Unable to parse class id '{text}'")


def reclaim_mismatch(reclaim: bool) -> VirtError:
    """networkPortCreateXML: RECLAIM goes with a plugged port, its absence with an unplugged one."""
    text = ("Port reclaim requested but plug type is none" if reclaim
            else "Port reclaim not requested but plug type is not none")
    return _net(ErrorCode.INVALID_ARG, text)


def reclaim_no_bridge() -> VirtError:
    return internal("Unexpectedly got a network port without a network bridge")


def reclaim_no_dev(name: str, dev: str) -> VirtError:
    """networkNotifyPort formats the port's UUID bytes with %s; the C string ends at the first NUL
    or runs on — we print nothing for it."""
    return internal(f"network '{name}' doesn't have dev='{dev}' in use by network port ''")


def reclaim_no_pci(name: str, domain: int, bus: int, slot: int, function: int) -> VirtError:
    return internal(f"network '{name}' doesn't have PCI device {domain:04x}:{bus:02x}:{slot:02x}.{function:x} "
                    "in use by network port")


def dev_claimed(name: str, dev: str) -> VirtError:
    return internal(f"network '{name}' claims dev='{dev}' is already in use by a different port")


def no_free_dev(name: str) -> VirtError:
    return internal(f"network '{name}' requires exclusive access to interfaces, but none are available")


def floor_unsupported(mac: str, domain: int = NETWORK) -> VirtError:
    """A floor where no network can guarantee it (the QEMU driver reports it too, for non-network NICs)."""
    return VirtError.report(ErrorCode.OPERATION_UNSUPPORTED, domain,
                            f"Invalid use of 'floor' on interface with MAC address {mac} - 'floor' is only "
                            "supported for interface type 'network' with forward type 'nat', 'route', 'open' or none")


def floor_no_qos(mac: str, name: str) -> VirtError:
    return _net(ErrorCode.OPERATION_UNSUPPORTED,
                f"Invalid use of 'floor' on interface with MAC address {mac} - network '{name}' has no inbound QoS set")


# -- host devices a domain's NIC plugs into (virnetdev.c, a system error without a domain) ------

def no_bridge_device(bridge: str) -> VirtError:
    """virNetDevGetMTU on an <interface type='bridge'>'s source bridge that the host lacks."""
    return VirtError.report(ErrorCode.SYSTEM_ERROR, ErrorDomain.NONE,
                            f"Cannot get interface MTU on '{bridge}': No such device")


def no_link_device(dev: str) -> VirtError:
    """virNetDevGetIndex on an <interface type='direct'>'s source device that the host lacks."""
    return VirtError.report(ErrorCode.SYSTEM_ERROR, ErrorDomain.NONE,
                            f"Unable to get index for interface {dev}: No such device")
