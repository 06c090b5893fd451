"""Hypothesis tests of protocol's XDR codecs: encode∘decode is identity, and decode only ever raises XdrError."""

from __future__ import annotations

import math
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import protocol
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
    Opaque,
    Optional,
    StreamHoleBody,
    String,
    TypedParam,
    WireError,
    XdrError,
    decode,
    encode,
    is_struct,
    struct_fields,
)
from protocol.remote.connect import AuthType, ConnectListAllDomainsRet, NodeGetInfoRet

_BASE = settings(
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)


# Collections are kept short so each example stays small; maxima are honoured.
from fakevirt.testing.strategies import strategy_for  # noqa: E402


def _declared_structs() -> list[Any]:
    """Every struct type used as args or ret by a declared procedure, plus the shared ones."""
    found: dict[str, Any] = {}
    for p in protocol.PROCEDURES.values():
        for t in (p.args, p.ret):
            if t is not None and is_struct(t):
                found[f"{t.__module__}.{t.__qualname__}"] = t
    for t in (
        TypedParam,
        WireError,
        StreamHoleBody,
        ConnectListAllDomainsRet,
        NodeGetInfoRet,
        protocol.NonnullDomain,
        protocol.NonnullDomainSnapshot,
        protocol.NonnullDomainCheckpoint,
        protocol.NonnullNetwork,
        protocol.NonnullStoragePool,
        protocol.NonnullStorageVol,
    ):
        found[f"{t.__module__}.{t.__qualname__}"] = t
    return [found[k] for k in sorted(found)]


STRUCTS = _declared_structs()

PRIMITIVES: list[tuple[str, Any]] = [
    ("int", INT),
    ("uint", UINT),
    ("hyper", HYPER),
    ("uhyper", UHYPER),
    ("bool", BOOL),
    ("double", DOUBLE),
    ("char", CHAR),
    ("uchar", UCHAR),
    ("short", SHORT),
    ("ushort", USHORT),
    ("void", VOID),
    ("string", String()),
    ("string<5>", String(5)),
    ("string<0>", String(0)),
    ("opaque", Opaque()),
    ("opaque<3>", Opaque(3)),
    ("opaque[16]", FixedOpaque(16)),
    ("opaque[3]", FixedOpaque(3)),
    ("int<>", Array(INT)),
    ("string<2><3>", Array(String(2), 3)),
    ("hyper[3]", FixedArray(HYPER, 3)),
    ("int*", Optional(INT)),
    ("string**", Optional(Optional(String()))),
    ("enum auth", Enum(AuthType)),
    ("typed param value", TYPED_PARAM_VALUE),
    ("char[32]", CharArray(32)),
    ("char[1]", CharArray(1)),
    ("char<16>", CharVarArray(16)),
    ("struct<>", Array(protocol.NonnullDomain, 3)),
    ("struct*", Optional(protocol.NonnullDomain)),
]

ALL_TYPES = PRIMITIVES + [(t.__qualname__, t) for t in STRUCTS]

# Modest example counts.  The time is spent drawing values, one per type per example, so for
# structs the counts shrink as more get declared: the file stays at a few seconds.
PRIMITIVE_SETTINGS = (settings(_BASE, max_examples=30), settings(_BASE, max_examples=20))
STRUCT_SETTINGS = (
    settings(_BASE, max_examples=max(4, min(25, 2500 // len(STRUCTS)))),
    settings(_BASE, max_examples=max(3, min(15, 1700 // len(STRUCTS)))),
)


def test_every_declared_procedure_struct_is_covered() -> None:
    """The struct list covers the declared procedures, including the structs other tests rely on."""
    assert len([p for p in protocol.PROCEDURES.values() if p.declared]) >= 20
    for t in (ConnectListAllDomainsRet, NodeGetInfoRet, TypedParam, WireError):
        assert t in STRUCTS


def _same(a: Any, b: Any) -> bool:
    """Equality that also tells -0.0 from 0.0, and takes a NaN for itself."""
    if isinstance(a, float) and isinstance(b, float):
        if math.isnan(a) or math.isnan(b):
            return math.isnan(a) and math.isnan(b)
        return a == b and math.copysign(1, a) == math.copysign(1, b)
    if isinstance(a, (tuple, list)) and isinstance(b, (tuple, list)):
        return type(a) is type(b) and len(a) == len(b) and all(_same(x, y) for x, y in zip(a, b, strict=True))
    if is_struct(type(a)):  # a NaN deep inside (a typed param's double)
        return type(a) is type(b) and all(_same(getattr(a, n), getattr(b, n)) for n in struct_fields(a))
    return bool(a == b)


Group = tuple[list[tuple[str, Any]], tuple[settings, settings]]


def _groups(types: list[tuple[str, Any]], size: int, how: tuple[settings, settings]) -> list[Any]:
    """Types in groups: one Hypothesis run checks a whole group, so ~280 types stay fast.

    Each param is (types, (round-trip settings, fuzz settings)).
    """
    out = []
    for i in range(0, len(types), size):
        chunk = types[i : i + size]
        out.append(pytest.param((chunk, how), id=f"{chunk[0][0]}..{chunk[-1][0]}"))
    return out


# Every type is checked in every example of its group, so each type gets max_examples values.
GROUPS = _groups(PRIMITIVES, 6, PRIMITIVE_SETTINGS) + _groups(
    [(t.__qualname__, t) for t in STRUCTS], 12, STRUCT_SETTINGS
)


def test_groups_cover_every_type() -> None:
    """No type is left out of the grouped properties."""
    grouped = [t for g in GROUPS for _, t in g.values[0][0]]
    assert len(grouped) == len(ALL_TYPES) and set(map(id, grouped)) == {id(t) for _, t in ALL_TYPES}


@pytest.mark.parametrize("group", GROUPS)
def test_round_trip(group: Group) -> None:
    """decode(encode(v)) == v, and the bytes are stable and 4-byte aligned, for every type."""
    types, (round_trip, _) = group

    @round_trip
    @given(st.data())
    def check(data: st.DataObject) -> None:
        for name, t in types:
            value = data.draw(strategy_for(t), label=name)
            raw = encode(t, value)
            assert len(raw) % 4 == 0, name
            back = decode(t, raw)
            assert _same(back, value), name
            assert encode(t, back) == raw, name

    check()


def test_double_nan_and_infinities_round_trip_bytewise() -> None:
    """NaN (compared by bytes) and infinities survive a round trip."""
    for v in (math.inf, -math.inf, math.nan):
        data = encode(DOUBLE, v)
        assert encode(DOUBLE, decode(DOUBLE, data)) == data


def _only_xdr_errors(t: Any, data: bytes) -> None:
    """Decode raises nothing but XdrError; what it accepts, however lenient, re-encodes to
    canonical bytes that decode to the same value."""
    try:
        value = decode(t, data)
    except XdrError:
        return
    assert _same(decode(t, encode(t, value)), value)


@pytest.mark.parametrize("group", GROUPS)
def test_decode_random_bytes_raises_only_xdr_error(group: Group) -> None:
    """Arbitrary bytes either decode (to a value that re-encodes) or raise XdrError, nothing else."""
    types, (_, fuzz) = group

    @fuzz
    @given(st.data())
    def check(data: st.DataObject) -> None:
        for name, t in types:
            _only_xdr_errors(t, data.draw(st.binary(max_size=96), label=name))

    check()


_WORDS = [
    b"\xff\xff\xff\xff",
    b"\x7f\xff\xff\xff",
    b"\x00\x00\x00\x02",
    b"\x00\x01\x00\x00",
    b"\x80\x00\x00\x00",
    b"\x00\x00\x00\x00",
]


def _mutate(data: st.DataObject, raw: bytearray) -> bytes:
    """Cut, extend, or overwrite one aligned word of a valid encoding."""
    how = data.draw(st.sampled_from(["cut", "extend", "overwrite"]))
    if how == "cut" and raw:
        del raw[data.draw(st.integers(0, len(raw) - 1)) :]
    elif how == "extend":
        raw += data.draw(st.binary(min_size=1, max_size=12))
    elif raw:
        at = data.draw(st.integers(0, max(0, len(raw) - 4))) & ~3
        raw[at : at + 4] = data.draw(st.sampled_from(_WORDS))
    return bytes(raw)


@pytest.mark.parametrize("group", GROUPS)
def test_decode_mutated_encoding_raises_only_xdr_error(group: Group) -> None:
    """A valid encoding that was cut, extended or had one word overwritten never crashes decode."""
    types, (_, fuzz) = group

    @fuzz
    @given(st.data())
    def check(data: st.DataObject) -> None:
        for name, t in types:
            raw = bytearray(encode(t, data.draw(strategy_for(t), label=name)))
            _only_xdr_errors(t, _mutate(data, raw))

    check()
