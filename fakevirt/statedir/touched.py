"""Which domains a call names, found from the protocol's own types: every ``remote_nonnull_domain``
in its args or ret, also inside snapshot and checkpoint handles. Lists are not walked: the calls
that return lists of domains only read."""

from __future__ import annotations

import uuid
from functools import cache

from protocol import NonnullDomain, is_struct, struct_fields

_DEPTH = 3  # a domain inside a snapshot handle inside an args struct


def named_domains(*values: object) -> list[uuid.UUID]:
    """UUIDs of the domains named by these args/ret structs (found by walking the structs)."""
    out: list[uuid.UUID] = []
    for v in values:
        _walk(v, out, _DEPTH)
    return out


def _walk(v: object, out: list[uuid.UUID], depth: int) -> None:
    if isinstance(v, NonnullDomain):
        out.append(uuid.UUID(bytes=v.uuid))
        return
    if depth == 0 or not is_struct(type(v)):
        return
    t: type = type(v)
    for name in _fields(t):
        field = getattr(v, name)
        if field is not None and not isinstance(field, (int, str, bytes, list, tuple, float)):
            _walk(field, out, depth - 1)


@cache
def _fields(t: type) -> tuple[str, ...]:
    return tuple(struct_fields(t))
