"""Compact pickling of the model's dataclasses, for whole-host states (hoststate.py).

A host of 100 domains holds ~60,000 dataclass fields, 70% of them still at their defaults (None,
0, empty lists and dicts, all-default parts such as a definition's ``Tuning``): unpickling them
was most of a state's load.  A state leaves those out of each object's pickled ``__dict__``, and
the object loaded back has a sparse ``__dict__``: reading a missing field finds its default.  A
plain default is already a class attribute; for a ``default_factory`` field ``state_function``
installs a descriptor on the class that makes the value on first read and keeps it in the
instance (a non-data descriptor: a field present in ``__dict__`` shadows it, so objects built by
``__init__`` never reach it).  A loaded object thus equals the saved one field for field; copies of
a sparse object (``copy``, ``deepcopy``) are sparse and equal too.

A field is left out only when the loaded value cannot differ from the saved one: a plain default
only when the value *is* the default object, a factory's value when it is an empty list, dict or
set of exactly that type, or an object of the dataclass the factory is that has all its fields left
out in turn (and the factory makes such an object).
"""

from __future__ import annotations

import copyreg
import dataclasses
import enum
import ipaddress
import uuid
from collections.abc import Callable
from typing import Any

StateOf = Callable[[Any], dict[str, Any]]

_NO: Any = object()
_NEWOBJ: Callable[..., Any] = copyreg.__newobj__  # type: ignore[attr-defined]  # pickle's NEWOBJ opcode
_EMPTY_FACTORIES = (list, dict, set)
_ATOMS = frozenset({str, int, float, bool, type(None), bytes, complex})
_IMMUTABLE_TYPES = frozenset({uuid.UUID, ipaddress.IPv4Address, ipaddress.IPv6Address, ipaddress.IPv4Network,
                              ipaddress.IPv6Network, ipaddress.IPv4Interface, ipaddress.IPv6Interface})


class _Made:
    """A ``default_factory`` field missing from a sparse instance: made on first read, then kept."""

    __slots__ = ("name", "factory")

    def __init__(self, name: str, factory: Callable[[], object]) -> None:
        self.name = name
        self.factory = factory

    def __get__(self, obj: object, owner: type | None = None) -> object:
        if obj is None:  # as before: a default_factory field is no class attribute
            raise AttributeError(self.name)
        value = self.factory()
        obj.__dict__[self.name] = value
        return value


_cache: dict[type, StateOf | None] = {}


def state_function(cls: type) -> StateOf | None:
    """What to pickle of a cls instance: its __dict__ less the fields at their defaults (None:
    cls is pickled as usual).  Installs cls's default-making descriptors on first use."""
    try:
        return _cache[cls]
    except KeyError:
        pass
    fn = _compute(cls)
    _cache[cls] = fn
    return fn


def reduce_compact(obj: Any, state_of: StateOf) -> tuple[Any, ...]:
    """obj's reduce value, as object.__reduce_ex__ makes it, with the compact state."""
    return _NEWOBJ, (type(obj),), state_of(obj) or None


def _plain_pickling(cls: type) -> bool:
    """Pickled by object's default protocol, state being the instance's __dict__."""
    return (dataclasses.is_dataclass(cls) and "__slots__" not in vars(cls)
            and cls.__reduce_ex__ is object.__reduce_ex__ and cls.__reduce__ is object.__reduce__
            and cls.__getstate__ is object.__getstate__ and not hasattr(cls, "__setstate__")
            and not hasattr(cls, "__getnewargs__") and not hasattr(cls, "__getnewargs_ex__")
            and not issubclass(cls, (list, dict, set, tuple)))


def _compute(cls: type) -> StateOf | None:
    if not _plain_pickling(cls):
        return None
    scalars: dict[str, object] = {}  # field -> its plain default: left out when the value is that object
    empties: dict[str, type] = {}  # field -> list, dict or set: left out when the value is an empty one
    nested: list[tuple[str, type, StateOf]] = []  # field -> its dataclass factory: left out when all-default
    for f in dataclasses.fields(cls):
        if f.default is not dataclasses.MISSING:
            if getattr(cls, f.name, _NO) is f.default:
                scalars[f.name] = f.default
            continue
        factory = f.default_factory
        if factory is dataclasses.MISSING or f.name in vars(cls):
            continue
        if factory in _EMPTY_FACTORIES:
            empties[f.name] = factory
        else:
            sub = state_function(factory) if isinstance(factory, type) else None
            if sub is None or sub(factory()):  # not a dataclass that the factory makes all-default
                continue
            nested.append((f.name, factory, sub))  # type: ignore[arg-type]  # a type: sub is not None
        setattr(cls, f.name, _Made(f.name, factory))
    if not (scalars or empties or nested):
        return None
    # one lookup per field: a plain default left out when the value is it, a factory's type when the
    # value is an empty one (a plain default that is a class is never left out: no value is mistaken)
    default = {k: v for k, v in scalars.items() if not isinstance(v, type)} | empties
    get = default.get

    def state_of(obj: Any) -> dict[str, Any]:
        # `v or …`: a non-empty value is kept without looking further
        state = {k: v for k, v in obj.__dict__.items() if (d := get(k, _NO)) is not v and (v or v.__class__ is not d)}
        for k, factory, sub in nested:
            v = state.get(k)
            if v.__class__ is factory and not sub(v):
                del state[k]
        return state

    return state_of


def immutable(obj: object) -> bool:
    """obj and everything it holds can never change (a UUID, an address, an enum member, a class, a
    frozen dataclass with __slots__ holding only such values): a saved state may share it with every host
    loaded from it rather than rebuild it (a UUID's unpickling alone costs 3 µs)."""
    t = type(obj)
    kind = _kinds.get(t)
    if kind is None:
        kind = _kinds[t] = _immutable_kind(t)
    if kind is _FIELDS:
        return all(immutable(getattr(obj, f.name)) for f in dataclasses.fields(t))  # type: ignore[arg-type]
    if kind is _ITEMS:
        return all(map(immutable, obj))  # type: ignore[call-overload]
    return kind is _YES


_YES, _NOT, _ITEMS, _FIELDS = "yes", "no", "items", "fields"  # what makes an object of a type immutable
_kinds: dict[type, str] = {}


def _immutable_kind(t: type) -> str:
    if t in _ATOMS or t in _IMMUTABLE_TYPES or issubclass(t, (enum.Enum, type)):  # type: a class
        return _YES
    if t is tuple or t is frozenset:
        return _ITEMS
    params = getattr(t, "__dataclass_params__", None)
    if params is None or not params.frozen or "__slots__" not in vars(t) or any(
            "__dict__" in vars(base) for base in t.__mro__):
        return _NOT
    return _FIELDS
