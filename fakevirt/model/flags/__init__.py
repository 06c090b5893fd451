"""libvirt's flag enums, one ``enum.IntFlag`` per libvirt enum with libvirt's member names.

One module per API family (``flags.domain``, ``flags.storage``, ``flags.snapshot``, …); handlers
and the model test bits with these names, never with bare numbers.  Never test ``flags & ~Member``:
an ``IntFlag``'s ``~`` stays inside the enum's own bits and would hide unknown bits; compute
``flags & ~int(allowed)``, and ``all_of(Enum)`` for every bit of an enum.
"""

from __future__ import annotations

import functools
import operator
from enum import IntFlag
from typing import TypeVar

__all__ = ["all_of"]

F = TypeVar("F", bound=IntFlag)


def all_of(cls: type[F]) -> F:
    """Every member of a flag enum OR-ed together (``~cls(0)`` is not that for sparse enums)."""
    return functools.reduce(operator.or_, cls, cls(0))
