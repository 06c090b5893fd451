"""Unit tests of protocol's XDR codecs: exact bytes of every XDR type, bounds, truncation, trailing bytes."""

from __future__ import annotations

from typing import Annotated, Any, ClassVar

import pytest

from protocol import (
    BOOL,
    CHAR,
    DOUBLE,
    HYPER,
    INT,
    SHORT,
    TYPED_PARAM_VALUE,
    UCHAR,
    UHYPER,
    UINT,
    USHORT,
    VOID,
    Array,
    CharArray,
    CharVarArray,
    Enum,
    FixedArray,
    FixedOpaque,
    FrozenStructError,
    Int,
    NonnullDomain,
    Opaque,
    Optional,
    String,
    TypedParam,
    TypedParamType,
    UInt,
    XdrError,
    codec_of,
    decode,
    encode,
    is_struct,
    struct,
    struct_fields,
)
from protocol.remote.connect import AuthType


def h(words: str) -> bytes:
    """Bytes from space-separated hex words (32-bit XDR words, as wire dumps are written)."""
    return bytes.fromhex(words.replace(" ", ""))


@struct
class Inner:
    """A small nested struct for the tests."""

    a: Int
    b: Annotated[str | None, Optional(String(8))]


@struct
class Outer:
    """A struct with a nested struct, an array of structs and a ClassVar (not a field)."""

    KIND: ClassVar[int] = 7
    first: UInt
    inner: Inner
    many: Annotated[tuple[Inner, ...], Array(Inner, 2)]


# (type, python value, exact XDR bytes)
EXACT: list[tuple[Any, Any, bytes]] = [
    (INT, 0, h("00000000")),
    (INT, 1, h("00000001")),
    (INT, -1, h("ffffffff")),
    (INT, 2**31 - 1, h("7fffffff")),
    (INT, -(2**31), h("80000000")),
    (UINT, 0, h("00000000")),
    (UINT, 2**32 - 1, h("ffffffff")),
    (UINT, 0x20008086, h("20008086")),
    (HYPER, 1, h("00000000 00000001")),
    (HYPER, -2, h("ffffffff fffffffe")),
    (HYPER, -(2**63), h("80000000 00000000")),
    (UHYPER, 2**64 - 1, h("ffffffff ffffffff")),
    (UHYPER, 9000000, h("00000000 00895440")),
    (BOOL, True, h("00000001")),
    (BOOL, False, h("00000000")),
    (DOUBLE, 1.0, h("3ff00000 00000000")),
    (DOUBLE, -2.5, h("c0040000 00000000")),
    (DOUBLE, 0.0, h("00000000 00000000")),
    # char/short travel as a whole 4-byte int, sign-extended (xdr_char, xdr_short)
    (CHAR, 65, h("00000041")),
    (CHAR, -1, h("ffffffff")),
    (CHAR, -128, h("ffffff80")),
    (UCHAR, 255, h("000000ff")),
    (SHORT, -32768, h("ffff8000")),
    (SHORT, 32767, h("00007fff")),
    (USHORT, 65535, h("0000ffff")),
    (String(), "", h("00000000")),
    (String(), "abc", h("00000003 61626300")),
    (String(), "abcd", h("00000004 61626364")),
    (String(), "abcde", h("00000005 61626364 65000000")),
    (String(4), "abcd", h("00000004 61626364")),
    (String(), "é", h("00000002 c3a90000")),
    (String(), "test:///default", h("0000000f 74657374 3a2f2f2f 64656661 756c7400")),
    (Opaque(), b"", h("00000000")),
    (Opaque(), b"\x01", h("00000001 01000000")),
    (Opaque(), b"\x00\xff\x00\xff", h("00000004 00ff00ff")),
    (FixedOpaque(5), b"12345", h("31323334 35000000")),
    (FixedOpaque(4), b"\xde\xad\xbe\xef", h("deadbeef")),
    (FixedOpaque(0), b"", b""),
    (Array(INT), (), h("00000000")),
    (Array(INT, 2), (1, -1), h("00000002 00000001 ffffffff")),
    (Array(String(), 3), ("a", "bc"), h("00000002 00000001 61000000 00000002 62630000")),
    (FixedArray(INT, 2), (1, 2), h("00000001 00000002")),
    (FixedArray(HYPER, 1), (-1,), h("ffffffff ffffffff")),
    (FixedArray(INT, 0), (), b""),
    (Optional(INT), None, h("00000000")),
    (Optional(INT), 5, h("00000001 00000005")),
    (Optional(String()), "x", h("00000001 00000001 78000000")),
    (Enum(AuthType), AuthType.NONE, h("00000000")),
    (Enum(AuthType), AuthType.POLKIT, h("00000002")),
    (TYPED_PARAM_VALUE, (TypedParamType.STRING, "x"), h("00000007 00000001 78000000")),
    (TYPED_PARAM_VALUE, (TypedParamType.ULLONG, 2**64 - 1), h("00000004 ffffffff ffffffff")),
    (TYPED_PARAM_VALUE, (TypedParamType.BOOLEAN, 1), h("00000006 00000001")),
    (TYPED_PARAM_VALUE, (TypedParamType.DOUBLE, 1.0), h("00000005 3ff00000 00000000")),
    (CharArray(4), "ab", h("00000061 00000062 00000000 00000000")),
    (CharArray(4), "", h("00000000 00000000 00000000 00000000")),
    (CharArray(3), "é", h("ffffffc3 ffffffa9 00000000")),  # UTF-8 bytes > 127 sign-extended
    (CharVarArray(8), "ab", h("00000003 00000061 00000062 00000000")),
    (CharVarArray(8), "", h("00000000")),
    (
        NonnullDomain,
        NonnullDomain(name="d", uuid=bytes(range(16)), id=-1),
        h("00000001 64000000 00010203 04050607 08090a0b 0c0d0e0f ffffffff"),
    ),
    (
        TypedParam,
        TypedParam(field="cpu_time", value=(TypedParamType.ULLONG, 5)),
        h("00000008 6370755f 74696d65 00000004 00000000 00000005"),
    ),
    (
        Outer,
        Outer(first=1, inner=Inner(a=2, b=None), many=(Inner(a=3, b="hi"),)),
        h("00000001 00000002 00000000 00000001 00000003 00000001 00000002 68690000"),
    ),
]

IDS = [f"{i}-{codec_of(t)!r:.30}" for i, (t, _, _) in enumerate(EXACT)]


@pytest.mark.parametrize(("t", "value", "data"), EXACT, ids=IDS)
def test_encode_exact(t: Any, value: Any, data: bytes) -> None:
    """Known values give the exact big-endian, 4-byte-padded bytes."""
    assert encode(t, value) == data
    assert len(data) % 4 == 0


@pytest.mark.parametrize(("t", "value", "data"), EXACT, ids=IDS)
def test_decode_exact(t: Any, value: Any, data: bytes) -> None:
    """The exact bytes decode back to the value."""
    assert decode(t, data) == value


@pytest.mark.parametrize(
    ("t", "value", "data"),
    [e for e in EXACT if e[2]],
    ids=[i for i, e in zip(IDS, EXACT, strict=True) if e[2]],
)
def test_decode_truncated(t: Any, value: Any, data: bytes) -> None:
    """Every proper prefix of a valid encoding is rejected."""
    for cut in sorted({0, 1, 3, len(data) - 4, len(data) - 1} - {len(data)}):
        if 0 <= cut < len(data):
            with pytest.raises(XdrError):
                decode(t, data[:cut])


@pytest.mark.parametrize(("t", "value", "data"), EXACT, ids=IDS)
@pytest.mark.parametrize("extra", [b"\0", b"\0\0\0\0", b"\xff" * 8])
def test_decode_trailing_bytes(t: Any, value: Any, data: bytes, extra: bytes) -> None:
    """Bytes after a complete value are rejected."""
    with pytest.raises(XdrError, match="trailing"):
        decode(t, data + extra)


# ---- bounds on encode ----------------------------------------------------------------------

BAD_ENCODE: list[tuple[Any, Any]] = [
    (INT, 2**31),
    (INT, -(2**31) - 1),
    (INT, True),
    (INT, 1.0),
    (INT, "1"),
    (INT, None),
    (UINT, -1),
    (UINT, 2**32),
    (HYPER, 2**63),
    (HYPER, -(2**63) - 1),
    (UHYPER, -1),
    (UHYPER, 2**64),
    (CHAR, 128),
    (CHAR, -129),
    (UCHAR, 256),
    (UCHAR, -1),
    (SHORT, 2**15),
    (SHORT, -(2**15) - 1),
    (USHORT, 2**16),
    (USHORT, -1),
    (DOUBLE, "1.0"),
    (DOUBLE, True),
    (DOUBLE, None),
    (String(3), "abcd"),
    (String(3), "éé"),  # the bound is on UTF-8 bytes, not characters
    (String(), b"bytes"),
    (String(), None),
    (Opaque(2), b"abc"),
    (Opaque(), "text"),
    (FixedOpaque(4), b"abc"),
    (FixedOpaque(4), b"abcde"),
    (FixedOpaque(4), "abcd"),
    (Array(INT, 2), (1, 2, 3)),
    (Array(INT), "abc"),
    (Array(INT), b"ab"),
    (Array(INT), 5),
    (Array(INT), (1, "x")),
    (Array(INT), (2**40,)),
    (FixedArray(INT, 2), (1,)),
    (FixedArray(INT, 2), (1, 2, 3)),
    (Optional(INT), "x"),
    (Optional(UINT), -1),
    (Enum(AuthType), 2**31),
    (Enum(AuthType), None),
    (TYPED_PARAM_VALUE, (99, 1)),
    (TYPED_PARAM_VALUE, 5),
    (TYPED_PARAM_VALUE, (1, 2, 3)),
    (TYPED_PARAM_VALUE, (TypedParamType.INT, "x")),
    (CharVarArray(3), "abc"),  # 3 chars + NUL > 3
    (VOID, 0),
    (NonnullDomain, Inner(a=1, b=None)),
    (NonnullDomain, NonnullDomain(name="d", uuid=b"short", id=1)),
    (TypedParam, TypedParam(field="x" * 80, value=(TypedParamType.INT, 1))),  # field is string<79>
    (Outer, Outer(first=1, inner=Inner(a=1, b=None), many=(Inner(a=1, b=None),) * 3)),
    (Outer, Outer(first=1, inner=Inner(a=1, b="123456789"), many=())),
]


@pytest.mark.parametrize(
    ("t", "value"), BAD_ENCODE, ids=[f"{codec_of(t)!r:.25}-{v!r:.20}" for t, v in BAD_ENCODE]
)
def test_encode_rejects(t: Any, value: Any) -> None:
    """Out-of-range numbers, over-long strings/opaques/arrays and wrong types raise XdrError."""
    with pytest.raises(XdrError):
        encode(t, value)


def test_encode_void() -> None:
    """None as a type is void: no bytes, and no value allowed."""
    assert encode(None, None) == b""
    assert decode(None, b"") is None
    with pytest.raises(XdrError):
        encode(None, 0)
    with pytest.raises(XdrError):
        decode(None, b"\0\0\0\0")


def test_struct_field_error_names_the_field() -> None:
    """An encode error inside a struct names struct and field."""
    with pytest.raises(XdrError, match=r"Outer\.inner: .*Inner\.b"):
        encode(Outer, Outer(first=1, inner=Inner(a=1, b="123456789"), many=()))


# ---- bounds on decode ----------------------------------------------------------------------

BAD_DECODE: list[tuple[Any, bytes]] = [
    (String(3), h("00000004 61626364")),
    (String(), h("00000008 61626364")),  # length beyond the data
    (String(), h("ffffffff")),  # huge length, no data: must not allocate
    (Opaque(2), h("00000003 61626300")),
    (Opaque(), h("7fffffff 00000000")),
    (FixedOpaque(5), h("31323334")),
    (Array(INT, 2), h("00000003 00000001 00000002 00000003")),
    (Array(INT), h("ffffffff")),
    (Array(INT), h("00000002 00000001")),
    (FixedArray(INT, 3), h("00000001 00000002")),
    (Optional(INT), h("00000001")),
    (TYPED_PARAM_VALUE, h("00000000 00000001")),
    (TYPED_PARAM_VALUE, h("00000008 00000001")),
    (TYPED_PARAM_VALUE, h("00000004 00000001")),  # ullong arm truncated
    (CharArray(4), h("00000061 00000062")),
    (CharVarArray(3), h("00000004 00000061 00000062 00000063 00000000")),
    (CharVarArray(8), h("00000003 00000061")),
    (CharVarArray(8), h("ffffffff")),
    (TypedParam, h("00000050") + b"x" * 80 + h("00000001 00000001")),  # field longer than 79
    (Outer, h("00000001 00000002 00000000 00000003")),  # array count 3 > 2
]


@pytest.mark.parametrize(
    ("t", "data"), BAD_DECODE, ids=[f"{i}-{codec_of(t)!r:.25}" for i, (t, _) in enumerate(BAD_DECODE)]
)
def test_decode_rejects(t: Any, data: bytes) -> None:
    """Bounds violations, truncation and unknown union arms on decode raise XdrError."""
    with pytest.raises(XdrError):
        decode(t, data)


@pytest.mark.parametrize(
    ("t", "value"),
    [
        (String(), "\ud800"),  # lone surrogate: not encodable even with surrogateescape
        (DOUBLE, 10**400),  # float(v) overflows
        (Enum(AuthType), "x"),  # int("x")
        (CharArray(4), 5),  # 5.encode
        (CharVarArray(4), 5),
        (FixedArray(INT, 2), 5),  # list(5)
    ],
    ids=[
        "string-surrogate",
        "double-overflow",
        "enum-str",
        "chararray-int",
        "charvararray-int",
        "fixedarray-int",
    ],
)
def test_encode_wrong_value_raises_xdr_error(t: Any, value: Any) -> None:
    """Any value encode cannot represent raises XdrError (so Connection.send turns it into
    LocalProtocolError)."""
    with pytest.raises(XdrError):
        encode(t, value)


# ---- specific behaviours -------------------------------------------------------------------


def test_int_decode_is_signed_and_uint_unsigned() -> None:
    """The same 4 bytes read as int and as unsigned int."""
    assert decode(INT, h("ffffffff")) == -1
    assert decode(UINT, h("ffffffff")) == 2**32 - 1
    assert decode(HYPER, h("ffffffff ffffffff")) == -1
    assert decode(UHYPER, h("ffffffff ffffffff")) == 2**64 - 1


def test_string_non_utf8_round_trips() -> None:
    """Bytes that are not UTF-8 survive decode and re-encode unchanged (surrogateescape)."""
    data = h("00000002 ff800000")
    s = decode(String(), data)
    assert isinstance(s, str)
    assert encode(String(), s) == data


def test_opaque_accepts_bytearray_and_memoryview() -> None:
    """Any bytes-like value encodes; decode gives bytes."""
    o = Opaque()
    assert encode(o, bytearray(b"ab")) == encode(o, memoryview(b"ab")) == h("00000002 61620000")
    assert type(decode(o, h("00000002 61620000"))) is bytes


def test_array_accepts_any_iterable_and_decodes_to_tuple() -> None:
    """Lists and generators encode; decode always gives a tuple."""
    t = Array(INT, 3)
    assert encode(t, [1, 2]) == encode(t, (x for x in (1, 2))) == encode(t, (1, 2))
    assert decode(t, encode(t, [1, 2])) == (1, 2)


def test_array_maximum_is_inclusive() -> None:
    """An array of exactly its maximum encodes and decodes."""
    t = Array(INT, 2)
    assert decode(t, encode(t, (1, 2))) == (1, 2)
    s = String(4)
    assert decode(s, encode(s, "abcd")) == "abcd"


def test_enum_decodes_to_member() -> None:
    """Enum decode returns the IntEnum member, and encode accepts plain ints."""
    v = decode(Enum(AuthType), h("00000001"))
    assert v is AuthType.SASL
    assert encode(Enum(AuthType), 1) == h("00000001")


def test_union_decodes_to_pair() -> None:
    """A union decodes to (discriminant, value)."""
    assert decode(TYPED_PARAM_VALUE, h("00000001 ffffffff")) == (TypedParamType.INT, -1)
    assert decode(TYPED_PARAM_VALUE, h("00000003 ffffffff fffffffe")) == (TypedParamType.LLONG, -2)


def test_char_array_truncates_and_stops_at_nul() -> None:
    """char[n] keeps at most n-1 bytes plus a NUL, and decode stops at the first NUL."""
    assert encode(CharArray(4), "abcdef") == encode(CharArray(4), "abc")
    assert decode(CharArray(4), h("00000061 00000000 00000062 00000000")) == "a"
    assert decode(CharArray(3), h("ffffffc3 ffffffa9 00000000")) == "é"


def test_char_var_array_decode() -> None:
    """char<max> decodes the C string (the NUL libvirtd sends is dropped)."""
    assert decode(CharVarArray(8), h("00000003 00000061 00000062 00000000")) == "ab"
    assert decode(CharVarArray(8), h("00000002 00000061 00000062")) == "ab"


def test_struct_is_frozen_slotted_kw_only() -> None:
    """@struct makes a frozen, slotted, keyword-only class; ClassVars are not fields."""
    assert is_struct(Outer) and not is_struct(int)
    assert struct_fields(Outer) == ("first", "inner", "many")
    assert Outer.KIND == 7
    o = Outer(first=1, inner=Inner(a=1, b=None), many=())
    with pytest.raises(FrozenStructError):
        o.first = 2  # type: ignore[misc]
    assert not hasattr(o, "__dict__")
    with pytest.raises(TypeError):
        Inner(1, None)  # type: ignore[misc]


def test_struct_decode_gives_equal_instance() -> None:
    """A decoded struct equals one built by hand, and hashes like it."""
    o = Outer(first=1, inner=Inner(a=2, b="x"), many=(Inner(a=3, b=None),))
    d = decode(Outer, encode(Outer, o))
    assert d == o and type(d) is Outer and hash(d) == hash(o)


def test_codec_of_rejects_non_types() -> None:
    """codec_of refuses anything that is not an XDR declaration."""
    with pytest.raises(TypeError):
        codec_of(int)
    with pytest.raises(TypeError):
        encode(str, "x")


def test_array_of_structs_sharing_a_nested_struct_packs_each_element_in_full() -> None:
    """Arrays pack a shared nested struct once and reuse its bytes: the result must not change."""
    from protocol import NonnullDomain, NonnullDomainSnapshot
    from protocol.remote.snapshot import DomainListAllSnapshotsRet

    shared = NonnullDomain(name="vm", uuid=bytes(range(16)), id=7)
    other = NonnullDomain(name="other", uuid=bytes(16), id=-1)
    snaps = tuple(NonnullDomainSnapshot(name=f"s{i}", dom=shared if i % 3 else other) for i in range(10))
    whole = encode(DomainListAllSnapshotsRet, DomainListAllSnapshotsRet(snapshots=snaps, ret=10))
    parts = b"".join(encode(NonnullDomainSnapshot, s) for s in snaps)
    assert whole == len(snaps).to_bytes(4, "big") + parts + (10).to_bytes(4, "big")
    assert decode(DomainListAllSnapshotsRet, whole).snapshots == snaps


@struct
class Early:
    """A struct naming one declared after it: annotations are evaluated on first use."""

    later: Later
    n: Int


@struct
class Later:
    s: Annotated[str, String(4)]


def test_struct_codec_and_init_are_built_on_first_use() -> None:
    """The codec resolves the annotations at first use (so a later name works); __init__ is compiled
    by the first construction and stays keyword-only."""
    v = Early(later=Later(s="ab"), n=3)
    assert type(v).__init__.__qualname__ == "Early.__init__"
    assert encode(Early, v) == h("00000002 61620000 00000003")
    assert decode(Early, encode(Early, v)) == v
    with pytest.raises(TypeError):
        Later("ab")  # type: ignore[misc]
    with pytest.raises(TypeError):
        Later()  # type: ignore[call-arg]


def test_every_protocol_struct_resolves() -> None:
    """Every @struct of the protocol package resolves its annotations to codecs (they are no longer
    evaluated at import, so a broken one would only show when first sent)."""
    import sys

    import protocol  # noqa: F401  (all of it)

    structs = {v for name, m in list(sys.modules.items()) if name == "protocol" or name.startswith("protocol.")
               for v in vars(m).values() if isinstance(v, type) and is_struct(v)}
    assert len(structs) > 600
    for t in structs:
        assert [n for n, _ in codec_of(t).fields] == list(struct_fields(t)), t
