"""The CPU calls' errors: libvirt 9.0's CPU driver (cpu.c, cpu_x86.c: VIR_FROM_CPU), virCPUDefParseXML
(cpu_conf.c: VIR_FROM_CPU) and the QEMU driver's own checks in front of them.

Each function returns the ``VirtError`` libvirtd 9.0 reports, with its code, domain and text.
"""

from __future__ import annotations

from . import ErrorCode, ErrorDomain, VirtError

CPU = ErrorDomain.CPU


def _cpu(code: int, message: str | None) -> VirtError:
    return VirtError.report(code, CPU, message)


# -- the QEMU driver and cpu.c ---------------------------------------------------------------

def unknown_arch(arch: str) -> VirtError:
    """qemuConnectGetCPUModelNames: virArchFromString knows no such architecture."""
    return VirtError.report(ErrorCode.INVALID_ARG, ErrorDomain.QEMU, f"cannot find architecture {arch}")


def arch_unsupported(arch: str) -> VirtError:
    """cpuGetSubDriver: no CPU driver serves the architecture."""
    return _cpu(ErrorCode.NO_SUPPORT, f"'{arch}' architecture is not supported by CPU driver")


def incompatible(why: str | None) -> VirtError:
    """virCPUCompare with VIR_CONNECT_COMPARE_CPU_FAIL_INCOMPATIBLE."""
    return _cpu(ErrorCode.CPU_INCOMPATIBLE, why)


# -- cpu_x86.c -------------------------------------------------------------------------------

def unknown_model(name: str) -> VirtError:
    return _cpu(ErrorCode.INTERNAL_ERROR, f"Unknown CPU model {name}")


def unknown_feature(name: str) -> VirtError:
    return _cpu(ErrorCode.INTERNAL_ERROR, f"Unknown CPU feature {name}")


def unknown_vendor(vendor: str) -> VirtError:
    return _cpu(ErrorCode.OPERATION_FAILED, f"Unknown CPU vendor {vendor}")


def model_vendor_differs(model_vendor: str, model: str, vendor: str) -> VirtError:
    return _cpu(ErrorCode.OPERATION_FAILED,
                f"CPU vendor {model_vendor} of model {model} differs from vendor {vendor}")


def vendors_differ() -> VirtError:
    return _cpu(ErrorCode.OPERATION_FAILED, "CPU vendors do not match")


def cpus_incompatible() -> VirtError:
    """virCPUx86Baseline: the CPUs have no feature in common."""
    return _cpu(ErrorCode.OPERATION_FAILED, "CPUs are incompatible")


def no_model_at_index(index: int) -> VirtError:
    """virCPUBaseline: a CPU without a model (host-passthrough, or custom without one)."""
    return _cpu(ErrorCode.INVALID_ARG, f"no CPU model specified at index {index}")


def invalid_mode(mode: str) -> VirtError:
    return _cpu(ErrorCode.CONFIG_UNSUPPORTED, f"Invalid mode attribute '{mode}'")


def no_suitable_model() -> VirtError:
    return _cpu(ErrorCode.INTERNAL_ERROR, "Cannot find suitable CPU model for given data")


# -- virCPUDefParseXML -----------------------------------------------------------------------

def no_cpu_element() -> VirtError:
    return _cpu(ErrorCode.XML_ERROR, "XML does not contain expected 'cpu' element")


def arch_with_match() -> VirtError:
    # the stray quote at the end is libvirt's
    return _cpu(ErrorCode.XML_ERROR,
                "'arch' element cannot be used inside 'cpu' element with 'match' attribute'")


def mode_on_host_cpu() -> VirtError:
    return _cpu(ErrorCode.CONFIG_UNSUPPORTED, "Attribute mode is only allowed for guest CPU")


def missing_model_name() -> VirtError:
    return _cpu(ErrorCode.XML_ERROR, "Missing CPU model name")


def missing_feature_name() -> VirtError:
    return _cpu(ErrorCode.XML_ERROR, "Missing CPU feature name")


def invalid_feature_policy(policy: str) -> VirtError:
    return _cpu(ErrorCode.XML_ERROR, f"Invalid CPU feature policy '{policy}'")
