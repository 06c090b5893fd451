"""What a Connection yields and sends: one frozen dataclass per kind of message."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from ._errors import WireError


@dataclass(frozen=True, slots=True, kw_only=True)
class Call:
    """A procedure call.  ``args`` is None when the procedure takes none or is not declared."""

    program: int
    version: int
    procedure: int
    serial: int
    args: Any = None
    declared: bool = True
    nfds: int = 0  # CALL_WITH_FDS: how many file descriptors the client says follow the frame


@dataclass(frozen=True, slots=True, kw_only=True)
class InvalidCall:
    """A call the RPC layer itself refuses (unknown program, undecodable arguments, …).

    The server answers it with an error reply carrying ``message`` (VIR_ERR_RPC, VIR_FROM_RPC),
    exactly as libvirtd's RPC layer does; the connection stays up.
    """

    program: int
    version: int
    procedure: int
    serial: int
    message: str


@dataclass(frozen=True, slots=True, kw_only=True)
class Reply:
    """A successful reply; ``ret`` is the decoded return struct (None for void).

    ``nfds`` > 0 makes it a REPLY_WITH_FDS announcing that many file descriptors.
    """

    program: int
    version: int
    procedure: int
    serial: int
    ret: Any = None
    nfds: int = 0


@dataclass(frozen=True, slots=True, kw_only=True)
class ErrorReply:
    """A failed call."""

    program: int
    version: int
    procedure: int
    serial: int
    error: WireError


@dataclass(frozen=True, slots=True, kw_only=True)
class Message:
    """An asynchronous event from the server (serial 0); ``body`` is the decoded *_msg struct."""

    program: int
    procedure: int
    body: Any = None


@dataclass(frozen=True, slots=True, kw_only=True)
class StreamData:
    """Stream bytes (status CONTINUE); empty ``data`` is end-of-stream."""

    program: int
    procedure: int
    serial: int
    data: bytes


@dataclass(frozen=True, slots=True, kw_only=True)
class StreamHole:
    """A hole in a sparse stream."""

    program: int
    procedure: int
    serial: int
    length: int
    flags: int = 0


@dataclass(frozen=True, slots=True, kw_only=True)
class StreamFinish:
    """Status OK on a stream: the sender finished (or confirms the peer's finish/abort)."""

    program: int
    procedure: int
    serial: int


@dataclass(frozen=True, slots=True, kw_only=True)
class StreamAbort:
    """Status ERROR on a stream: an abort from a client (error None) or a failure from a server."""

    program: int
    procedure: int
    serial: int
    error: WireError | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class KeepalivePing:
    """Keepalive PING (either side may send it)."""


@dataclass(frozen=True, slots=True, kw_only=True)
class KeepalivePong:
    """Keepalive PONG, the answer to a PING."""


@dataclass(frozen=True, slots=True, kw_only=True)
class Ignored:
    """A well-framed message that the receiver drops (as libvirt does), kept visible for logging."""

    program: int
    procedure: int
    type: int
    serial: int
    reason: str


@dataclass(frozen=True, slots=True, kw_only=True)
class ConnectionClosed:
    """The peer closed its side (EOF)."""


Event = (Call | InvalidCall | Reply | ErrorReply | Message | StreamData | StreamHole | StreamFinish
         | StreamAbort | KeepalivePing | KeepalivePong | Ignored | ConnectionClosed)
