"""The node device driver's errors (node_device_driver.c, node_device_conf.c) and those of the QEMU
driver's node device calls (qemu_driver.c, domain_driver.c, virhostdev.c, virpci.c), with libvirt
9.0's codes and texts."""

from __future__ import annotations

from . import ErrorCode, ErrorDomain, VirtError
from . import check_flags as check_any_flags

NODEDEV = ErrorDomain.NODEDEV


def check_flags(driver_fn: str, flags: int, allowed: int, domain: int = NODEDEV) -> None:
    check_any_flags(driver_fn, flags, allowed, domain)


def no_device(name: str) -> VirtError:
    return VirtError.report(ErrorCode.NO_NODE_DEVICE, NODEDEV, f"no node device with matching name '{name}'")


def no_parent() -> VirtError:
    return VirtError.report(ErrorCode.INTERNAL_ERROR, NODEDEV, "no parent for this device")



def unsupported_type(code: int = ErrorCode.CONFIG_UNSUPPORTED) -> VirtError:
    return VirtError.report(code, NODEDEV, "Unsupported device type")


def already_active() -> VirtError:
    return VirtError.report(ErrorCode.OPERATION_INVALID, NODEDEV, "Device is already active")


def not_active(name: str) -> VirtError:
    return VirtError.report(ErrorCode.OPERATION_INVALID, NODEDEV, f"Device '{name}' is not active")


def not_defined(name: str) -> VirtError:
    return VirtError.report(ErrorCode.OPERATION_INVALID, NODEDEV, f"Node device '{name}' is not defined")


def transient_autostart() -> VirtError:
    return VirtError.report(ErrorCode.OPERATION_INVALID, NODEDEV, "cannot set autostart for transient device")


def device_in_use(name: str) -> VirtError:
    return VirtError.report(ErrorCode.INTERNAL_ERROR, NODEDEV, f"Unable to destroy '{name}': device in use")


def missing_parent() -> VirtError:
    return VirtError.report(ErrorCode.CONFIG_UNSUPPORTED, NODEDEV, "missing parent device")


def invalid_parent(parent: str) -> VirtError:
    return VirtError.report(ErrorCode.CONFIG_UNSUPPORTED, NODEDEV, f"invalid parent device '{parent}'")


def parent_without_address(parent: str) -> VirtError:
    return VirtError.report(ErrorCode.PARSE_FAILED, NODEDEV, f"Unable to find address for parent device '{parent}'")


def mdevctl_failed(action: str, message: str) -> VirtError:
    """What mdevctl's failure becomes: 'Unable to <action> mediated device: <its stderr>'."""
    return VirtError.report(ErrorCode.INTERNAL_ERROR, NODEDEV, f"Unable to {action} mediated device: {message}")


# -- the QEMU driver's detach/reattach/reset -------------------------------------------------

def unknown_stub(name: str) -> VirtError:
    return VirtError.invalid_arg(f"unknown driver name '{name}'", ErrorDomain.QEMU)


def kvm_assignment() -> VirtError:
    return VirtError.report(ErrorCode.ARGUMENT_UNSUPPORTED, ErrorDomain.QEMU,
                            "KVM device assignment is no longer supported on this system")


def no_vfio() -> VirtError:
    return VirtError.report(ErrorCode.ARGUMENT_UNSUPPORTED, ErrorDomain.QEMU,
                            "VFIO device assignment is currently not supported on this system")


def not_pci(name: str) -> VirtError:
    return VirtError.invalid_arg(f"device {name} is not a PCI device", ErrorDomain.DOMAIN)


def pci_in_use(addr: str, domain_name: str | None) -> VirtError:
    text = f"PCI device {addr} is in use" + (f" by driver QEMU, domain {domain_name}" if domain_name else "")
    return VirtError.report(ErrorCode.OPERATION_INVALID, ErrorDomain.NONE, text)


def not_resetting_active(addr: str) -> VirtError:
    return VirtError.report(ErrorCode.INTERNAL_ERROR, ErrorDomain.NONE, f"Not resetting active device {addr}")


def reset_non_endpoint(addr: str) -> VirtError:
    return VirtError.report(ErrorCode.INTERNAL_ERROR, ErrorDomain.NONE,
                            f"Invalid attempt to reset PCI device {addr}. Only PCI endpoint devices can be reset")


# -- domains with <hostdev> --------------------------------------------------------------------

def no_pci_passthrough() -> VirtError:
    return VirtError.report(ErrorCode.CONFIG_UNSUPPORTED, ErrorDomain.QEMU,
                            "host doesn't support passthrough of host PCI devices")


def pci_not_found(addr: str) -> VirtError:
    return VirtError.report(ErrorCode.SYSTEM_ERROR, ErrorDomain.NONE,
                            f"Device {addr} not found: could not access /sys/bus/pci/devices/{addr}/config: "
                            "No such file or directory")


def unmanaged_not_detached(addr: str) -> VirtError:
    return VirtError.report(ErrorCode.OPERATION_INVALID, ErrorDomain.NONE,
                            f"Unmanaged PCI device {addr} must be manually detached from the host")


def mdev_not_found(uuid: str) -> VirtError:
    return VirtError.report(ErrorCode.DEVICE_MISSING, ErrorDomain.NONE, f"mediated device '{uuid}' not found")


def mdev_in_use(uuid: str, holder: str) -> VirtError:
    return VirtError.report(ErrorCode.OPERATION_INVALID, ErrorDomain.NONE,
                            f"mediated device /sys/bus/mdev/devices/{uuid} is in use by driver QEMU, domain {holder}")


# -- USB host devices (virusb.c, virhostdev.c) --------------------------------------------------

def usb_not_found(vendor: int, product: int) -> VirtError:
    return VirtError.report(ErrorCode.INTERNAL_ERROR, ErrorDomain.NONE,
                            f"Did not find USB device {vendor:04x}:{product:04x}")


def usb_not_found_by_bus(bus: int, device: int) -> VirtError:
    return VirtError.report(ErrorCode.INTERNAL_ERROR, ErrorDomain.NONE,
                            f"Did not find USB device bus:{bus} device:{device}")


def usb_not_found_at(vendor: int, product: int, bus: int, device: int) -> VirtError:
    return VirtError.report(ErrorCode.INTERNAL_ERROR, ErrorDomain.NONE,
                            f"Did not find USB device {vendor:04x}:{product:04x} bus:{bus} device:{device}")


def usb_multiple(vendor: int, product: int) -> VirtError:
    return VirtError.report(ErrorCode.OPERATION_FAILED, ErrorDomain.NONE,
                            f"Multiple USB devices for {vendor:x}:{product:x}, use <address> to specify one")


def usb_listed_twice(bus: int, device: int) -> VirtError:
    """virUSBDeviceListAdd: the domain names one device twice."""
    return VirtError.report(ErrorCode.INTERNAL_ERROR, ErrorDomain.NONE, f"Device {bus:03d}:{device:03d} is already in use")


def usb_in_use(bus: int, device: int, holder: str) -> VirtError:
    return VirtError.report(ErrorCode.OPERATION_INVALID, ErrorDomain.NONE,
                            f"USB device {bus:03d}:{device:03d} is in use by driver QEMU, domain {holder}")
