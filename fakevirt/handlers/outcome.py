"""What a handler asks of its session beyond the reply: returned, never set on shared state."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from ._streams import Stream


@dataclass(frozen=True, slots=True)
class Outcome:
    """A handler's return value when the call has effects on the connection itself.

    ``ret`` is the reply's payload; ``stream`` is opened once the reply is sent (stream procedures);
    ``close`` closes the connection after the reply (CONNECT_CLOSE); ``keepalive`` starts the
    server's keepalive pings (the client asked for the keepalive feature); ``fds`` makes the reply
    announce that many file descriptors (REPLY_WITH_FDS).
    """

    ret: Any = None
    stream: Stream | None = None
    close: bool = False
    keepalive: bool = False
    fds: int = 0


NOTHING = Outcome()
