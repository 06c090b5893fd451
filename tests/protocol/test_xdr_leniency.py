"""protocol's XDR codecs decodes exactly what libtirpc's routines under libvirtd's rpcgen filters decode.

Each row is a byte payload and what libvirtd makes of it: a value (accepted, however odd the
bytes) or a refusal (libvirtd answers "Unable to decode message payload").  Encoding stays
canonical, so an accepted odd payload re-encodes to the plain form.
"""

from __future__ import annotations

from typing import Annotated, Any

import pytest

from protocol import (
    BOOL,
    CHAR,
    HYPER,
    INT,
    SHORT,
    TYPED_PARAM_VALUE,
    UCHAR,
    UHYPER,
    UINT,
    USHORT,
    Array,
    CharArray,
    CharVarArray,
    Enum,
    FixedOpaque,
    Opaque,
    Optional,
    String,
    TypedParamType,
    UInt,
    XdrError,
    decode,
    encode,
    struct,
)
from protocol.remote.connect import AuthType, ConnectOpenArgs


def h(words: str) -> bytes:
    return bytes.fromhex(words.replace(" ", ""))


@struct
class _Flags:
    on: Annotated[bool, BOOL]
    flags: UInt


# (type, bytes on the wire, the value libvirtd sees, the canonical bytes it re-encodes to)
ACCEPTED: list[tuple[str, Any, bytes, Any, bytes]] = [
    # xdr_bool: anything but 0 is TRUE
    ("bool-2", BOOL, h("00000002"), True, h("00000001")),
    ("bool-all-ones", BOOL, h("ffffffff"), True, h("00000001")),
    ("bool-high-byte", BOOL, h("01000000"), True, h("00000001")),
    ("bool-in-struct", _Flags, h("80000000 00000007"), _Flags(on=True, flags=7), h("00000001 00000007")),
    # xdr_pointer: its discriminant is an xdr_bool
    ("optional-2", Optional(INT), h("00000002 00000005"), 5, h("00000001 00000005")),
    ("optional-all-ones", Optional(INT), h("ffffffff 00000005"), 5, h("00000001 00000005")),
    # go-libvirt's CONNECT_OPEN: the marker is a 3-byte array [1 0 0], padded to one word
    (
        "connect-open-go-libvirt",
        ConnectOpenArgs,
        h("01000000 0000000e") + b"qemu:///system" + h("0000 00000000"),
        ConnectOpenArgs(name="qemu:///system", flags=0),
        h("00000001 0000000e") + b"qemu:///system" + h("0000 00000000"),
    ),
    # xdr_enum: any int
    ("enum-unknown", Enum(AuthType), h("00000063"), 99, h("00000063")),
    ("enum-negative", Enum(AuthType), h("ffffffff"), -1, h("ffffffff")),
    ("enum-known", Enum(AuthType), h("00000001"), AuthType.SASL, h("00000001")),
    # xdr_char/xdr_short and unsigned twins: the word is cast to the C type, no range check
    ("char-128", CHAR, h("00000080"), -128, h("ffffff80")),
    ("char-0x1ff", CHAR, h("000001ff"), -1, h("ffffffff")),
    ("uchar-256", UCHAR, h("00000100"), 0, h("00000000")),
    ("uchar-all-ones", UCHAR, h("ffffffff"), 255, h("000000ff")),
    ("short-0x8000", SHORT, h("00008000"), -32768, h("ffff8000")),
    ("ushort-0x12345", USHORT, h("00012345"), 0x2345, h("00002345")),
    # every 32/64-bit pattern is a valid int/unsigned/hyper
    ("int-min", INT, h("80000000"), -(2**31), h("80000000")),
    ("uint-max", UINT, h("ffffffff"), 2**32 - 1, h("ffffffff")),
    ("hyper-min", HYPER, h("80000000 00000000"), -(2**63), h("80000000 00000000")),
    ("uhyper-max", UHYPER, h("ffffffff ffffffff"), 2**64 - 1, h("ffffffff ffffffff")),
    # xdr_opaque skips padding bytes unread
    ("string-padding-ff", String(), h("00000001 61ffffff"), "a", h("00000001 61000000")),
    ("opaque-padding-ff", Opaque(), h("00000002 0102abcd"), b"\x01\x02", h("00000002 01020000")),
    ("fixed-opaque-padding", FixedOpaque(3), h("010203ff"), b"\x01\x02\x03", h("01020300")),
    # xdr_string keeps every byte, but libvirtd uses it as a C string: it ends at the first NUL
    ("string-nul-inside", String(), h("00000005 61006263 64000000"), "a", h("00000001 61000000")),
    ("string-nul-first", String(), h("00000002 00620000"), "", h("00000000")),
    ("string-nul-end", String(), h("00000002 61000000"), "a", h("00000001 61000000")),
    # bytes that are not UTF-8 are kept (as surrogate escapes) and re-encode to themselves
    ("string-not-utf8", String(), h("00000003 61ff6200"), "a\udcffb", h("00000003 61ff6200")),
    ("string-lone-continuation", String(), h("00000001 80000000"), "\udc80", h("00000001 80000000")),
    # maxima are inclusive (xdr_string: size > maxsize fails; xdr_array: c > maxsize fails)
    ("string-at-max", String(4), h("00000004 61626364"), "abcd", h("00000004 61626364")),
    ("opaque-at-max", Opaque(2), h("00000002 61620000"), b"ab", h("00000002 61620000")),
    ("array-at-max", Array(INT, 2), h("00000002 00000001 00000002"), (1, 2), h("00000002 00000001 00000002")),
    # a NUL inside a string still counts against its maximum: the wire length is checked
    ("string-nul-at-max", String(4), h("00000004 61006364"), "a", h("00000001 61000000")),
    # char arrays are C strings too
    ("char-array-nul", CharVarArray(8), h("00000003 00000061 00000000 00000062"), "a", h("00000002 00000061 00000000")),
    ("char-array-unterminated", CharArray(2), h("00000061 00000062"), "a", h("00000061 00000000")),
]


@pytest.mark.parametrize(("t", "data", "value", "canonical"), [r[1:] for r in ACCEPTED],
                         ids=[r[0] for r in ACCEPTED])
def test_accepted_like_libvirtd(t: Any, data: bytes, value: Any, canonical: bytes) -> None:
    """libvirtd accepts these bytes: so do we, with the value it sees, re-encoded canonically."""
    got = decode(t, data)
    assert got == value and type(got) is type(value)
    assert encode(t, got) == canonical
    assert decode(t, canonical) == value


REFUSED: list[tuple[str, Any, bytes]] = [
    # xdr_string/xdr_bytes/xdr_array: a length over the maximum fails before any data is read
    ("string-over-max", String(4), h("00000005 61626364 65000000")),
    ("string-nul-over-max", String(4), h("00000005 61000000 00000000")),
    ("opaque-over-max", Opaque(2), h("00000003 61626300")),
    ("array-over-max", Array(INT, 2), h("00000003 00000001 00000002 00000003")),
    ("char-array-over-max", CharVarArray(2), h("00000003 00000061 00000062 00000000")),
    # running out of bytes anywhere, padding included
    ("string-no-padding", String(), h("00000001 61")),
    ("string-short", String(), h("00000008 61626364")),
    ("opaque-huge-length", Opaque(), h("ffffffff")),
    ("optional-present-no-value", Optional(INT), h("00000001")),
    ("optional-nonzero-no-value", Optional(INT), h("01000000")),
    ("bool-short", BOOL, h("000000")),
    ("hyper-short", HYPER, h("00000000 000000")),
    ("array-short", Array(INT), h("00000002 00000001")),
    # xdr_union without a default arm: an unknown discriminant fails
    ("union-unknown-arm", TYPED_PARAM_VALUE, h("00000000 00000001")),
    ("union-arm-9", TYPED_PARAM_VALUE, h("00000009 00000001")),
    ("union-arm-short", TYPED_PARAM_VALUE, h("00000004 00000001")),
]


@pytest.mark.parametrize(("t", "data"), [r[1:] for r in REFUSED], ids=[r[0] for r in REFUSED])
def test_refused_like_libvirtd(t: Any, data: bytes) -> None:
    """libvirtd's filter fails on these bytes: decode raises XdrError."""
    with pytest.raises(XdrError):
        decode(t, data)


def test_union_known_arms_still_decode() -> None:
    """The refusals above are about the arm, not the union: every declared arm decodes."""
    assert decode(TYPED_PARAM_VALUE, h("00000006 00000002")) == (TypedParamType.BOOLEAN, 2)
    assert decode(TYPED_PARAM_VALUE, h("00000007 00000001 78000000")) == (TypedParamType.STRING, "x")


def test_trailing_bytes_are_ignored_only_when_allowed() -> None:
    """libvirtd's dispatcher ignores bytes after the arguments; the strict default refuses them."""
    data = h("00000001 0000000e") + b"qemu:///system" + h("0000 00000000 deadbeef")
    assert decode(ConnectOpenArgs, data, allow_trailing=True) == ConnectOpenArgs(name="qemu:///system", flags=0)
    with pytest.raises(XdrError, match="4 trailing bytes"):
        decode(ConnectOpenArgs, data)


def test_encode_keeps_a_nul_the_caller_gave() -> None:
    """Encoding writes exactly the text it is given (a test client can send a NUL to a server)."""
    assert encode(String(), "a\0b") == h("00000003 61006200")
    assert decode(String(), encode(String(), "a\0b")) == "a"
