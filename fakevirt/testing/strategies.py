"""Hypothesis strategies for every XDR type of ``protocol``: valid values of any declaration.

    from fakevirt.testing.strategies import strategy_for
    @given(strategy_for(protocol.remote.domain.DomainGetInfoArgs))
"""

from __future__ import annotations

from typing import Any

from hypothesis import strategies as st

from protocol import (
    Array,
    BoolType,
    CharArray,
    CharVarArray,
    DoubleType,
    Enum,
    FixedArray,
    FixedOpaque,
    IntType,
    Opaque,
    Optional,
    String,
    StructCodec,
    Union,
    VoidType,
    XdrType,
    codec_of,
)

MAX_ITEMS = 4
MAX_CHARS = 12

# No lone surrogates (not encodable) and no NUL: XDR strings decode as C strings, which end there.
_TEXT_CHARS = st.characters(exclude_categories=["Cs"], exclude_characters="\0")


def _text(max_bytes: int | None) -> st.SearchStrategy[str]:
    """Text whose UTF-8 form fits in max_bytes (4 bytes per character at worst)."""
    limit = MAX_CHARS if max_bytes is None else min(MAX_CHARS, max_bytes // 4)
    return st.text(_TEXT_CHARS, max_size=limit)


_CACHE: dict[int, st.SearchStrategy[Any]] = {}


def strategy_for(t: Any) -> st.SearchStrategy[Any]:
    """A strategy generating valid Python values of XDR type t (any declaration codec_of takes)."""
    c: XdrType = codec_of(t)
    if id(c) not in _CACHE:
        _CACHE[id(c)] = _strategy(c)
    return _CACHE[id(c)]


def _strategy(c: XdrType) -> st.SearchStrategy[Any]:
    if isinstance(c, IntType):
        return st.integers(int(c.lo), int(c.hi))
    if isinstance(c, BoolType):
        return st.booleans()
    if isinstance(c, DoubleType):
        return st.floats(allow_nan=False)
    if isinstance(c, VoidType):
        return st.none()
    if isinstance(c, String):
        return _text(c.maximum)
    if isinstance(c, Opaque):
        return st.binary(max_size=min(MAX_CHARS * 2, c.maximum if c.maximum is not None else 99))
    if isinstance(c, FixedOpaque):
        return st.binary(min_size=c.size, max_size=c.size)
    if isinstance(c, Array):
        n = MAX_ITEMS if c.maximum is None else min(MAX_ITEMS, c.maximum)
        return st.lists(strategy_for(c.elem), max_size=n).map(tuple)
    if isinstance(c, FixedArray):
        return st.lists(strategy_for(c.elem), min_size=c.size, max_size=c.size).map(tuple)
    if isinstance(c, Optional):
        return st.none() | strategy_for(c.elem)
    if isinstance(c, Enum):
        return st.sampled_from(sorted(c.cls, key=int))
    if isinstance(c, Union):
        return st.one_of([st.tuples(st.just(d), strategy_for(arm)) for d, arm in sorted(c.arms.items())])
    if isinstance(c, CharArray):
        # at most size-1 bytes: otherwise encode truncates by design
        return _text(c.size - 1 if c.size > 1 else 0)
    if isinstance(c, CharVarArray):
        return _text(c.maximum - 1)  # the NUL terminator counts against the maximum
    if isinstance(c, StructCodec):
        return st.builds(c.cls, **{name: strategy_for(fc) for name, fc in c.fields})
    raise TypeError(f"no strategy for {c!r}")
