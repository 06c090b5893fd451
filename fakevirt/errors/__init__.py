"""The error catalogue: the one error type of the emulator and libvirt's own wording.

Raise ``VirtError`` (a ``protocol.LibvirtError``) from the model or a handler; dispatch turns it
into an error reply, and that is the only place that happens. The generic constructors are
``VirtError`` class methods here; the errors of one API family are named functions in a module of
this package (``errors.domain``, ``errors.storage``, ``errors.snapshot``, …), each returning a
``VirtError`` with libvirt's exact code, domain and text, as ``errors/images.py`` does.
"""

from __future__ import annotations

from protocol import ErrorCode, ErrorDomain, LibvirtError

__all__ = ["ErrorCode", "ErrorDomain", "VirtError", "check_flags"]


class VirtError(LibvirtError):
    """A libvirt error as the QEMU driver and libvirtd report it."""

    log_hint: str | None = None  # logged by the server beside the error (never sent to the client)

    def with_hint(self, hint: str) -> VirtError:
        """The same error, with a line for fakevirt's log that tells the operator what to do."""
        self.log_hint = hint
        return self

    @classmethod
    def no_support(cls, api: str, domain: int = ErrorDomain.DOMAIN) -> VirtError:
        """virReportUnsupportedError() in the public API entry point: the driver lacks it."""
        return cls.report(ErrorCode.NO_SUPPORT, domain, api)

    @classmethod
    def denied(cls, message: str, domain: int = ErrorDomain.DOMAIN) -> VirtError:
        """VIR_ERR_OPERATION_DENIED: e.g. the public API refusing a read-only connection."""
        return cls.report(ErrorCode.OPERATION_DENIED, domain, message)

    @classmethod
    def rpc(cls, message: str) -> VirtError:
        """An error of libvirtd's RPC layer (VIR_ERR_RPC, VIR_FROM_RPC)."""
        return cls.report(ErrorCode.RPC, ErrorDomain.RPC, message)

    @classmethod
    def daemon(cls, message: str) -> VirtError:
        """An internal error of libvirtd's own dispatch code (remote_daemon_dispatch.c: VIR_FROM_RPC)."""
        return cls.report(ErrorCode.INTERNAL_ERROR, ErrorDomain.RPC, message)

    @classmethod
    def cause_unknown(cls) -> VirtError:
        """What a client gets when a driver failed without reporting why: the daemon's fallback."""
        return cls(ErrorCode.INTERNAL_ERROR, ErrorDomain.NONE, "An error occurred, but the cause is unknown")

    @classmethod
    def not_open(cls, secondary: bool = False) -> VirtError:
        """A call before CONNECT_OPEN (storage, network, … drivers say it without "hypervisor")."""
        return cls.daemon("connection not open" if secondary else "hypervisor connection not open")

    @classmethod
    def internal(cls, message: str | None = None, domain: int = ErrorDomain.QEMU) -> VirtError:
        return cls.report(ErrorCode.INTERNAL_ERROR, domain, message)

    @classmethod
    def invalid_arg(cls, message: str, domain: int = ErrorDomain.QEMU) -> VirtError:
        return cls.report(ErrorCode.INVALID_ARG, domain, message)

    @classmethod
    def unsupported_flags(cls, driver_fn: str, flags: int, domain: int = ErrorDomain.QEMU) -> VirtError:
        """virCheckFlags() in driver function driver_fn (e.g. qemuDomainCreateWithFlags).

        virsh retries some calls with fewer flags on INVALID_ARG, so the code matters.
        """
        return cls.invalid_arg_raw("flags", driver_fn, f"unsupported flags (0x{flags:x}) in function {driver_fn}",
                                   domain)

    @classmethod
    def invalid_arg_raw(cls, argname: str, function: str, message: str,
                        domain: int = ErrorDomain.QEMU) -> VirtError:
        """virReportInvalidArg(): the message stands alone, with no "invalid argument: " prefix."""
        return cls(ErrorCode.INVALID_ARG, domain, message, template=function, detail=argname)

    @classmethod
    def exclusive_flags(cls, first: str, second: str, function: str,
                        domain: int = ErrorDomain.QEMU) -> VirtError:
        """VIR_EXCLUSIVE_FLAGS_RET: two flags that cannot be combined."""
        return cls.invalid_arg_raw("flags", function, f"Flags '{first}' and '{second}' are mutually exclusive",
                                   domain)

    @classmethod
    def required_flag(cls, needed: str, by: str, function: str, domain: int = ErrorDomain.QEMU) -> VirtError:
        """VIR_REQUIRE_FLAG_RET: one flag needs another."""
        return cls.invalid_arg_raw("flags", function, f"Flag '{needed}' is required by flag '{by}'", domain)

    @classmethod
    def bad_arg(cls, argname: str, function: str, rule: str, domain: int = ErrorDomain.DOMAIN) -> VirtError:
        """virCheck{Positive,NonZero,Zero,NonNegative}Arg in a public API function."""
        text = {"positive": "must be greater than zero", "nonzero": "must not be zero",
                "zero": "must be zero", "nonnegative": "must be zero or greater"}[rule]
        return cls.invalid_arg_raw(argname, function, f"{argname} in {function} {text}", domain)

    @classmethod
    def operation_invalid(cls, message: str, domain: int = ErrorDomain.QEMU) -> VirtError:
        return cls.report(ErrorCode.OPERATION_INVALID, domain, message)

    @classmethod
    def injected(cls, code: int, domain: int, detail: str | None) -> VirtError:
        """A fault a test injects (``fault add --error``): libvirt's text for code, with detail if given."""
        return cls.report(code, domain, detail)

    @classmethod
    def no_connect(cls, name: str | None) -> VirtError:
        """virConnectOpen() found no driver for the URI."""
        return cls.report(ErrorCode.NO_CONNECT, ErrorDomain.NONE, name if name is not None else "(null)")


def check_flags(driver_fn: str, flags: int, allowed: int, domain: int = ErrorDomain.QEMU) -> None:
    """virCheckFlags in driver function ``driver_fn``: refuse any bit outside ``allowed``."""
    unknown = flags & ~int(allowed)  # int(): the ~ of an IntFlag keeps only the enum's own bits
    if unknown:
        raise VirtError.unsupported_flags(driver_fn, unknown, domain)
