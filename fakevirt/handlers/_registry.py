"""The handler table: ``@procedure(Proc.X)`` registers a sync function ``fn(client, args) -> ret``.

What a procedure needs before it may run is checked once, in dispatch, never inside handlers:
an open connection (unless registered ``before_open``) and, on a read-only connection, whatever
libvirt's public API demands (``Procedure.read_only``, generated from libvirt's sources).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, TypeVar

from protocol import PROCEDURES, Message, Procedure, Program

from ._client import Client

HandlerFn = Callable[[Client, Any], Any]
_F = TypeVar("_F", bound=HandlerFn)


@dataclass(frozen=True, slots=True)
class Handler:
    """A registered procedure handler and its dispatch rules."""

    fn: HandlerFn
    procedure: Procedure
    before_open: bool = False  # may run before CONNECT_OPEN


HANDLERS: dict[tuple[int, int], Handler] = {}


def procedure(number: int, *, program: int = Program.REMOTE, before_open: bool = False) -> Callable[[_F], _F]:
    """Register the decorated function as the handler of one procedure."""
    proc = PROCEDURES[(program, number)]
    if not proc.declared:
        raise TypeError(f"{proc.name}: declare its args/ret in protocol/ before handling it")

    def register(fn: _F) -> _F:
        key = (program, int(number))
        if key in HANDLERS:
            raise TypeError(f"{proc.name} is handled twice")
        HANDLERS[key] = Handler(fn, proc, before_open)
        return fn

    return register


Relay = Callable[[Client, Any], list[Message]]
RELAYS: dict[type[Any], Relay] = {}


def relay(kind: type[Any]) -> Callable[[Relay], Relay]:
    """Register the function that turns a model event of class ``kind`` into the messages one client
    gets (remoteRelay*Event*: one per matching registration); every session subscribes to each."""

    def register(fn: Relay) -> Relay:
        if kind in RELAYS:
            raise TypeError(f"{kind.__name__} events are relayed twice")
        RELAYS[kind] = fn
        return fn

    return register
