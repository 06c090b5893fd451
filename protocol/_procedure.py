"""The procedure table: plain data saying how each procedure's payloads are coded."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True, slots=True)
class Procedure:
    """One procedure of one program.

    ``args``/``ret`` are XDR types (None = void).  ``declared`` is False for procedures whose
    payload layout fakevirt does not know yet: calls to them still parse (args left undecoded)
    so the server can answer "not supported" with the API's name.
    """

    program: int
    number: int
    name: str
    api: str | None = None
    error_domain: int = 0
    args: Any = None
    ret: Any = None
    declared: bool = False
    priority: bool = False
    event: bool = False
    read_only: ReadOnlyRule | None = None  # when a read-only connection may not call it


@dataclass(frozen=True, slots=True)
class ReadOnlyRule:
    """When libvirt's public API refuses a read-only connection (VIR_ERR_OPERATION_DENIED).

    Always when ``arg`` is None; else when the call's ``arg`` field has any bit of ``mask``
    (flags) or equals ``equals``.  Calls whose payload fakevirt does not decode are never refused
    for an argument: the daemon answers them "not supported" anyway.
    """

    message: str
    domain: int
    arg: str | None = None
    mask: int = 0
    equals: int | None = None

    def refuses(self, args: object) -> bool:
        if self.arg is None:
            return True
        value = getattr(args, self.arg, None)
        if not isinstance(value, int):
            return False
        return value == self.equals if self.equals is not None else bool(value & self.mask)


ProcedureTable = Mapping[tuple[int, int], Procedure]


def declare(program: int, info: Mapping[int, Procedure], decls: Iterable[tuple[int, Any, Any]]
            ) -> dict[tuple[int, int], Procedure]:
    """Overlay (number, args, ret) declarations on a program's list of known procedures."""
    table = {(program, n): p for n, p in info.items()}
    for number, args, ret in decls:
        base = info[number]
        table[(program, number)] = Procedure(
            program, number, base.name, base.api, base.error_domain, args, ret, True,
            base.priority, base.event, base.read_only)
    return table
