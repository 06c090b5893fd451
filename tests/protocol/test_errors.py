"""LibvirtError: libvirt's message wording (virErrorMsg) and the remote_error wire form."""

from __future__ import annotations

import pytest

from protocol import (
    ErrorCode,
    ErrorDomain,
    LibvirtError,
    LocalProtocolError,
    ProtocolError,
    RemoteProtocolError,
    WireError,
    decode,
    encode,
    format_message,
)

# (code, detail, full message): virReportError(code, "%s", detail) in libvirt 9.x
MESSAGES: list[tuple[ErrorCode, str | None, str]] = [
    (
        ErrorCode.NO_DOMAIN,
        "no domain with matching name 'x'",
        "Domain not found: no domain with matching name 'x'",
    ),
    (ErrorCode.NO_DOMAIN, None, "Domain not found"),  # the test driver's lookup error
    (
        ErrorCode.NO_SUPPORT,
        "virDomainGetInfo",
        "this function is not supported by the connection driver: virDomainGetInfo",
    ),
    (
        ErrorCode.OPERATION_INVALID,
        "domain is not running",
        "Requested operation is not valid: domain is not running",
    ),
    (ErrorCode.RPC, "unknown procedure: 5", "unknown procedure: 5"),
    (ErrorCode.RPC, None, "RPC error"),
    (ErrorCode.INTERNAL_ERROR, None, "internal error"),
    (ErrorCode.INTERNAL_ERROR, "connection already open", "internal error: connection already open"),
    (
        ErrorCode.INVALID_ARG,
        "unsupported flags (0x4) in function x",
        "invalid argument: unsupported flags (0x4) in function x",
    ),
    (ErrorCode.DOM_EXIST, "vm1", "domain vm1 exists already"),  # %s in the middle
    (
        ErrorCode.NO_DOMAIN_SNAPSHOT,
        "no domain snapshot with matching name 's1'",
        "Domain snapshot not found: no domain snapshot with matching name 's1'",
    ),
    (
        ErrorCode.NO_STORAGE_POOL,
        "no storage pool with matching name 'p'",
        "Storage pool not found: no storage pool with matching name 'p'",
    ),
    (ErrorCode.OPERATION_UNSUPPORTED, "x", "Operation not supported: x"),
    (ErrorCode.XML_DETAIL, "bad xml", "bad xml"),
    (ErrorCode.XML_DETAIL, None, "parser error"),
    (ErrorCode.CONFIG_UNSUPPORTED, "x", "unsupported configuration: x"),
    (ErrorCode.ARGUMENT_UNSUPPORTED, "x", "argument unsupported: x"),
    (ErrorCode.NO_DOMAIN_CHECKPOINT, "x", "Domain checkpoint not found: x"),
    (ErrorCode.SNAPSHOT_REVERT_RISKY, "x", "revert requires force: x"),
    (ErrorCode.STORAGE_VOL_EXIST, "v", "storage volume v exists already"),
    (ErrorCode.OPERATION_FAILED, "job aborted", "operation failed: job aborted"),
]


@pytest.mark.parametrize(
    ("code", "detail", "message"),
    MESSAGES,
    ids=[f"{c.name}-{'detail' if d else 'plain'}" for c, d, _ in MESSAGES],
)
def test_report_formats_like_virErrorMsg(code: ErrorCode, detail: str | None, message: str) -> None:
    """report(code, domain, detail) builds libvirt's exact message text."""
    e = LibvirtError.report(code, ErrorDomain.DOMAIN, detail)
    assert e.message == str(e) == format_message(code, detail) == message
    assert e.code is code and e.domain is ErrorDomain.DOMAIN
    assert e.detail == detail
    assert e.level == 2  # VIR_ERR_ERROR


def test_detail_with_percent_is_not_reformatted() -> None:
    """The detail is inserted verbatim, even when it holds % or %s."""
    e = LibvirtError.report(ErrorCode.OPERATION_INVALID, ErrorDomain.QEMU, "100% %s done")
    assert e.message == "Requested operation is not valid: 100% %s done"


def test_template_is_str1() -> None:
    """The template is the with-detail form, or the plain text when there is no detail."""
    assert LibvirtError.report(ErrorCode.NO_DOMAIN, ErrorDomain.QEMU, "d").template == "Domain not found: %s"
    assert LibvirtError.report(ErrorCode.RPC, ErrorDomain.RPC, "d").template == "%s"
    assert LibvirtError.report(ErrorCode.INTERNAL_ERROR, ErrorDomain.RPC).template == "internal error"


def test_every_error_code_has_a_message() -> None:
    """Every virErrorNumber except OK formats to something other than 'unknown error'."""
    for code in ErrorCode:
        if code is not ErrorCode.OK:
            assert format_message(code, None) != "unknown error", code
            assert "x" in format_message(code, "x"), code


def test_unknown_codes_are_kept_as_ints() -> None:
    """Codes/domains from a newer libvirt stay plain ints rather than failing."""
    e = LibvirtError(1000, 1000, "from the future")
    assert e.code == 1000 and not isinstance(e.code, ErrorCode)
    assert e.domain == 1000 and not isinstance(e.domain, ErrorDomain)
    assert LibvirtError.from_wire(e.to_wire()).code == 1000
    assert format_message(1000, None) == "unknown error"


def test_to_wire_matches_libvirtd() -> None:
    """str1 = template, str2 = detail, str3/dom/net absent, int1 = int2 = -1, message present."""
    w = LibvirtError.report(
        ErrorCode.NO_DOMAIN, ErrorDomain.QEMU, "no domain with matching name 'x'"
    ).to_wire()
    assert w == WireError(
        code=42,
        domain=10,
        message="Domain not found: no domain with matching name 'x'",
        level=2,
        dom=None,
        str1="Domain not found: %s",
        str2="no domain with matching name 'x'",
        str3=None,
        int1=-1,
        int2=-1,
        net=None,
    )
    plain = LibvirtError.report(ErrorCode.INTERNAL_ERROR, ErrorDomain.RPC).to_wire()
    assert plain.message == "internal error" and plain.str2 is None


@pytest.mark.parametrize(
    ("code", "detail", "message"),
    MESSAGES,
    ids=[f"{c.name}-{'detail' if d else 'plain'}" for c, d, _ in MESSAGES],
)
def test_wire_round_trip(code: ErrorCode, detail: str | None, message: str) -> None:
    """to_wire -> XDR -> from_wire keeps code, domain, message, level, template and detail."""
    e = LibvirtError.report(code, ErrorDomain.STORAGE, detail)
    w = decode(WireError, encode(WireError, e.to_wire()))
    back = LibvirtError.from_wire(w)
    assert (back.code, back.domain, back.message, back.level, back.template, back.detail) == (
        e.code,
        e.domain,
        e.message,
        e.level,
        e.template,
        e.detail,
    )
    assert back.to_wire() == e.to_wire()


def test_from_wire_tolerates_missing_message() -> None:
    """A NULL message becomes ''."""
    w = WireError(
        code=1,
        domain=7,
        message=None,
        level=2,
        dom=None,
        str1=None,
        str2=None,
        str3=None,
        int1=-1,
        int2=-1,
        net=None,
    )
    assert LibvirtError.from_wire(w).message == ""


def test_repr_and_exception_families() -> None:
    """LibvirtError is not a ProtocolError; the two protocol error kinds share a base."""
    e = LibvirtError.report(ErrorCode.NO_DOMAIN, ErrorDomain.QEMU, "x")
    assert "NO_DOMAIN" in repr(e) and "Domain not found: x" in repr(e)
    assert not isinstance(e, ProtocolError)
    assert issubclass(LocalProtocolError, ProtocolError) and issubclass(RemoteProtocolError, ProtocolError)
    assert not issubclass(LocalProtocolError, RemoteProtocolError)
