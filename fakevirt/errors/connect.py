"""The connection's and host's errors: opening a URI, libvirtd's list dispatchers, the QEMU driver's
host calls (sysinfo, max vCPUs) and virConnectGetDomainCapabilities' argument checks.

Each function returns the ``VirtError`` libvirtd 9.0 reports, with its code, domain and text.
"""

from __future__ import annotations

from . import ErrorCode, ErrorDomain, VirtError

QEMU = ErrorDomain.QEMU


def unexpected_qemu_path(path: str) -> VirtError:
    """qemuConnectOpen: a qemu:// URI whose path names no driver instance."""
    return unexpected_path("qemu", path, "system")


def unexpected_path(scheme: str, path: str, suggested: str) -> VirtError:
    """A driver's connectOpen (virConnectValidateURIPath): the URI's path names no instance of it.

    The nwfilter driver reports it from a file of its own error domain.
    """
    domain = ErrorDomain.NWFILTER if scheme == "nwfilter" else ErrorDomain.NONE
    return VirtError.report(ErrorCode.INTERNAL_ERROR, domain,
                            f"unexpected {scheme} URI path '{path}', try {scheme}:///{suggested}")


def too_many_listed(kind: str, count: int, limit: int) -> VirtError:
    """The ListAll* dispatchers (gendispatch.pl): more objects than the reply may carry."""
    return VirtError.daemon(f"Too many {kind}s '{count}' for limit '{limit}'")


def unknown_vcpu_type(kind: str | None) -> VirtError:
    """qemuConnectGetMaxVcpus: a type other than qemu or kvm."""
    return VirtError.report(ErrorCode.INVALID_ARG, QEMU, f"unknown type '{kind}'")


def no_sysinfo() -> VirtError:
    """qemuConnectGetSysinfo: the host has no SMBIOS data."""
    return VirtError.report(ErrorCode.CONFIG_UNSUPPORTED, QEMU, "Host SMBIOS information is not available")


# -- virConnectGetDomainCapabilities (qemuConnectGetDomainCapabilities, virQEMUCapsCacheLookup) --

def _caps_invalid(message: str) -> VirtError:
    return VirtError.report(ErrorCode.INVALID_ARG, QEMU, message)


def unknown_virttype(virttype: str) -> VirtError:
    return _caps_invalid(f"unknown virttype: {virttype}")


def unknown_architecture(arch: str) -> VirtError:
    return _caps_invalid(f"unknown architecture: {arch}")


def no_emulator_for_arch(arch: str | None) -> VirtError:
    """No emulator for the architecture asked for (``None``: the host's own, printed as libvirt does)."""
    return VirtError.report(ErrorCode.CONFIG_UNSUPPORTED, QEMU,
                            f"unable to find any emulator to serve '{arch}' architecture")


def emulator_arch_mismatch(emulator_arch: str, arch: str) -> VirtError:
    return _caps_invalid(f"architecture from emulator '{emulator_arch}' "
                         f"doesn't match given architecture '{arch}'")


def machine_unsupported(machine: str, emulator: str) -> VirtError:
    return _caps_invalid(f"the machine '{machine}' is not supported by emulator '{emulator}'")


def emulator_lacks_arch(emulator: str, arch: str) -> VirtError:
    return _caps_invalid(f"Emulator '{emulator}' does not support arch '{arch}'")


def emulator_lacks_virt_type(emulator: str, virttype: str) -> VirtError:
    return _caps_invalid(f"Emulator '{emulator}' does not support virt type '{virttype}'")


def cannot_check_binary(path: str) -> VirtError:
    """virQEMUCapsCacheLookup: the emulator binary does not exist."""
    return VirtError.report(ErrorCode.SYSTEM_ERROR, QEMU,
                            f"Cannot check QEMU binary {path}: No such file or directory")


def too_many_leases(count: int, limit: int) -> VirtError:
    """remoteDispatchNetworkGetDHCPLeases past REMOTE_NETWORK_DHCP_LEASES_MAX."""
    return VirtError.report(ErrorCode.INTERNAL_ERROR, ErrorDomain.RPC,
                            f"Number of leases is {count}, which exceeds max limit: {limit}")


def too_many_interfaces(count: int, limit: int) -> VirtError:
    """remoteSerializeDomainInterface past REMOTE_DOMAIN_INTERFACE_MAX."""
    return VirtError.report(ErrorCode.INTERNAL_ERROR, ErrorDomain.RPC,
                            f"Number of interfaces, {count} exceeds the max limit: {limit}")
