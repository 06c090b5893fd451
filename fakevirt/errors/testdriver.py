"""The test driver's own errors (src/test/test_driver.c, VIR_FROM_THIS = VIR_FROM_TEST).

Texts and codes checked against libvirtd 9.0's test driver (test+tcp://.../default).
"""

from __future__ import annotations

from . import ErrorCode, ErrorDomain, VirtError

TEST = ErrorDomain.TEST


def supply_path() -> VirtError:
    """testConnectOpen with an empty path or '/'."""
    return VirtError.report(ErrorCode.INVALID_ARG, TEST, "testOpen: supply a path or use test:///default")


def unreadable_file(path: str) -> VirtError:
    """virXMLParseFileCtxt: the node file cannot be read."""
    return VirtError.report(ErrorCode.XML_ERROR, TEST, f"failed to parse xml document '{path}'")


def bad_node_value(what: str) -> VirtError:
    """testParseNodeInfo: /node/cpu/* or /node/memory is not a number."""
    return VirtError.report(ErrorCode.XML_ERROR, TEST, f"invalid node {what} value")


def xml_error(text: str) -> VirtError:
    return VirtError.report(ErrorCode.XML_ERROR, TEST, text)


def no_credentials() -> VirtError:
    """testConnectAuthenticate for a node with <auth> users: libvirtd has no one to ask for them."""
    return VirtError.report(ErrorCode.INVALID_ARG, ErrorDomain.AUTH, "Missing authentication credentials")


def no_domain() -> VirtError:
    """The test driver's lookups say it without naming what was looked for."""
    return VirtError.report(ErrorCode.NO_DOMAIN, TEST)


def already_running(name: str) -> VirtError:
    return VirtError.report(ErrorCode.INTERNAL_ERROR, TEST, f"Domain '{name}' is already running")


def not_running(name: str) -> VirtError:
    return VirtError.report(ErrorCode.INTERNAL_ERROR, TEST, f"domain '{name}' not running")


def not_paused(name: str) -> VirtError:
    return VirtError.report(ErrorCode.INTERNAL_ERROR, TEST, f"domain '{name}' not paused")


def no_support(function: str) -> VirtError:
    """An API the test driver does not implement (libvirt.c: VIR_ERR_NO_SUPPORT)."""
    return VirtError.report(ErrorCode.NO_SUPPORT, ErrorDomain.NONE, function)


def cells_out_of_range() -> VirtError:
    return VirtError.report(ErrorCode.INVALID_ARG, TEST, "Range exceeds available cells")


def vol_exists() -> VirtError:
    return VirtError.report(ErrorCode.OPERATION_FAILED, TEST, "storage vol already exists")


def no_space(name: str) -> VirtError:
    return VirtError.report(ErrorCode.INTERNAL_ERROR, TEST, f"Not enough free space in pool for volume '{name}'")


def no_vol(what: str, value: str) -> VirtError:
    return VirtError.report(ErrorCode.NO_STORAGE_VOL, TEST, f"no storage vol with matching {what} '{value}'")


def no_interface(what: str, value: str) -> VirtError:
    return VirtError.report(ErrorCode.NO_INTERFACE, TEST, f"no interface with matching {what} '{value}'")


def model_too_big(model: str) -> VirtError:
    """testParseNodeInfo: /node/cpu/model does not fit virNodeInfo's char[32]."""
    return VirtError.report(ErrorCode.INTERNAL_ERROR, TEST, f"Model {model} too big for destination")


def interface_without_name() -> VirtError:
    return VirtError.report(ErrorCode.XML_ERROR, ErrorDomain.INTERFACE, "interface has no name")


def device_without_name() -> VirtError:
    return VirtError.report(ErrorCode.XML_ERROR, ErrorDomain.NODEDEV, "no device name")


def operation_invalid(text: str) -> VirtError:
    return VirtError.operation_invalid(text, TEST)


def invalid_arg(text: str) -> VirtError:
    return VirtError.report(ErrorCode.INVALID_ARG, TEST, text)


def unsupported(text: str) -> VirtError:
    """VIR_ERR_OPERATION_UNSUPPORTED of the test driver."""
    return VirtError.report(ErrorCode.OPERATION_UNSUPPORTED, TEST, text)


def operation_invalid_bare() -> VirtError:
    """VIR_ERR_OPERATION_INVALID without a text (testInterfaceCreate/Destroy in the wrong state)."""
    return VirtError.report(ErrorCode.OPERATION_INVALID, TEST)


def multiple_interfaces() -> VirtError:
    return VirtError.report(ErrorCode.MULTIPLE_INTERFACES, TEST)



def no_network_name(name: str) -> VirtError:
    """testNetworkObjFindByName: the test driver's own lookup reports from VIR_FROM_TEST."""
    return VirtError.report(ErrorCode.NO_NETWORK, TEST, f"no network with matching name '{name}'")


def network_without_address(name: str) -> VirtError:
    """testDomainInterfaceAddresses for a NIC on a network without <ip>: fakevirt's own answer where
    libvirtd 9.0 crashes."""
    return VirtError.report(ErrorCode.INTERNAL_ERROR, TEST, f"network '{name}' has no IP address")



def stats_unsupported(bits: int) -> VirtError:
    """testConnectGetAllDomainStats with ENFORCE_STATS and a group it does not collect."""
    return VirtError.report(ErrorCode.ARGUMENT_UNSUPPORTED, TEST,
                            f"Stats types bits 0x{bits:x} are not supported by this daemon")
