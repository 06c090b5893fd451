"""virTypedParamsValidate: which typed parameters a call accepts, with libvirt's errors."""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from ..errors import node as errors
from .flags.node import TypedParamType

Param = tuple[str, int, object]  # field, virTypedParameterType, value


def type_name(kind: int) -> str:
    """virTypedParameterTypeToString ("" for an unknown type)."""
    return TypedParamType(kind).name.lower() if kind in TypedParamType._value2member_map_ else ""


def validate(params: Iterable[Param], allowed: Mapping[str, TypedParamType]) -> None:
    """Refuse a repeated, mistyped or unknown parameter, reporting the one libvirt's sorted walk meets first."""
    ordered = sorted(params, key=lambda p: p[0])
    keys = sorted(allowed)
    i = j = 0
    last: str | None = None
    while i < len(ordered) and j < len(keys):
        name, kind, _value = ordered[i]
        if name != keys[j]:
            j += 1
            continue
        if name == last:
            raise errors.param_repeated(name)
        if kind != allowed[name]:
            raise errors.param_type(name, type_name(kind), type_name(allowed[name]))
        last = name
        i += 1
    if i < len(ordered):
        raise errors.param_unsupported(ordered[i][0])
