"""Message framing: the length word, the 24-byte header and the limits (virnetprotocol.x)."""

from __future__ import annotations

import struct as _struct
from dataclasses import dataclass
from enum import IntEnum

MESSAGE_INITIAL = 65536
MESSAGE_LEGACY_PAYLOAD_MAX = 262120  # stream chunk size of the C client and libvirtd
MESSAGE_MAX = 33554432  # header + payload, not counting the length word
MESSAGE_HEADER_MAX = 24
MESSAGE_LEN_MAX = 4
MESSAGE_PAYLOAD_MAX = MESSAGE_MAX - MESSAGE_HEADER_MAX
MESSAGE_STRING_MAX = 4194304
FRAME_MIN = MESSAGE_LEN_MAX + MESSAGE_HEADER_MAX  # 28: a header-only message
FRAME_MAX = MESSAGE_LEN_MAX + MESSAGE_MAX


class Program(IntEnum):
    """RPC program numbers (all at version 1)."""

    REMOTE = 0x20008086
    QEMU = 0x20008087
    LXC = 0x00068000
    KEEPALIVE = 0x6B656570
    ADMIN = 0x06900690


PROGRAM_VERSION = 1


class MessageType(IntEnum):
    """virNetMessageType."""

    CALL = 0
    REPLY = 1
    MESSAGE = 2
    STREAM = 3
    CALL_WITH_FDS = 4
    REPLY_WITH_FDS = 5
    STREAM_HOLE = 6


class MessageStatus(IntEnum):
    """virNetMessageStatus."""

    OK = 0
    ERROR = 1
    CONTINUE = 2


_HEADER = _struct.Struct(">IIIiiIi")  # length word + virNetMessageHeader


@dataclass(frozen=True, slots=True)
class Header:
    """virNetMessageHeader: who the message is for and what it is."""

    prog: int
    vers: int
    proc: int
    type: int
    serial: int
    status: int


def pack_frame(h: Header, payload: bytes = b"") -> bytes:
    """Length word + header + payload, the length counting itself.

    Raises ValueError for a header field out of range or a frame over FRAME_MAX.
    """
    length = FRAME_MIN + len(payload)
    if length > FRAME_MAX:
        raise ValueError(f"message of {length} bytes is over the {FRAME_MAX}-byte limit")
    try:
        return _HEADER.pack(length, h.prog, h.vers, h.proc, h.type, h.serial, h.status) + payload
    except _struct.error as e:
        raise ValueError(f"header {h}: {e}") from None


def unpack_header(frame: bytes | memoryview) -> Header:
    """The header of a whole frame (length word included); the caller checked its size."""
    _, prog, vers, proc, typ, serial, status = _HEADER.unpack_from(frame, 0)
    return Header(prog, vers, proc, typ, serial, status)
