"""A sans-IO NBD server: the fixed-newstyle handshake and the transmission phase, read-only.

``NbdServer(backend).replies(data)`` consumes bytes from the client and yields the bytes to send
back in pieces of at most ``MAX_SEND`` (a large read is produced piece by piece, as the caller
sends, so neither side holds a whole read's reply); ``receive(data)`` joins them.  The backend
(``NbdBackend``) names the exports and answers reads (as data and zero segments: with structured
replies, zeros go out as NBD_REPLY_TYPE_OFFSET_HOLE chunks) and block-status queries.
Supported: NBD_OPT_EXPORT_NAME, ABORT, LIST, INFO, GO, STRUCTURED_REPLY, LIST_META_CONTEXT,
SET_META_CONTEXT; NBD_CMD_READ, DISC, FLUSH, CACHE, BLOCK_STATUS (writes are refused with EPERM).
Meta contexts: ``base:allocation`` and what the backend offers (``qemu:dirty-bitmap:NAME``).
"""

from __future__ import annotations

import struct
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import Protocol

NBDMAGIC, IHAVEOPT, OPT_REPLY_MAGIC = 0x4E42444D41474943, 0x49484156454F5054, 0x3E889045565A9
REQUEST_MAGIC, SIMPLE_REPLY_MAGIC, STRUCTURED_REPLY_MAGIC = 0x25609513, 0x67446698, 0x668E33EF
FLAG_FIXED_NEWSTYLE, FLAG_NO_ZEROES = 1, 2

OPT_EXPORT_NAME, OPT_ABORT, OPT_LIST, OPT_STARTTLS, OPT_INFO, OPT_GO = 1, 2, 3, 5, 6, 7
OPT_STRUCTURED_REPLY, OPT_LIST_META_CONTEXT, OPT_SET_META_CONTEXT = 8, 9, 10
REP_ACK, REP_SERVER, REP_INFO, REP_META_CONTEXT = 1, 2, 3, 4
REP_ERR_UNSUP, REP_ERR_POLICY, REP_ERR_INVALID = (1 << 31) + 1, (1 << 31) + 2, (1 << 31) + 3
REP_ERR_UNKNOWN, REP_ERR_TOO_BIG = (1 << 31) + 6, (1 << 31) + 9
INFO_EXPORT, INFO_NAME, INFO_DESCRIPTION, INFO_BLOCK_SIZE = 0, 1, 2, 3

TF_HAS_FLAGS, TF_READ_ONLY, TF_SEND_FLUSH, TF_SEND_FUA = 1, 2, 4, 8
TF_SEND_DF, TF_CAN_MULTI_CONN, TF_SEND_CACHE = 128, 256, 1024
TRANSMISSION_FLAGS = (TF_HAS_FLAGS | TF_READ_ONLY | TF_SEND_FLUSH | TF_SEND_FUA | TF_SEND_DF
                      | TF_CAN_MULTI_CONN | TF_SEND_CACHE)

CMD_READ, CMD_WRITE, CMD_DISC, CMD_FLUSH, CMD_TRIM, CMD_CACHE, CMD_WRITE_ZEROES, CMD_BLOCK_STATUS = range(8)
CMD_FLAG_FUA, CMD_FLAG_DF, CMD_FLAG_REQ_ONE = 1, 4, 8
REPLY_FLAG_DONE = 1
REPLY_TYPE_NONE, REPLY_TYPE_OFFSET_DATA, REPLY_TYPE_OFFSET_HOLE, REPLY_TYPE_BLOCK_STATUS = 0, 1, 2, 5
REPLY_TYPE_ERROR = (1 << 15) + 1
EPERM, EIO, EINVAL, EOVERFLOW, ENOTSUP = 1, 5, 22, 75, 95

MIN_BLOCK, PREFERRED_BLOCK, MAX_BLOCK = 1, 4096, 32 * 1024 * 1024  # what QEMU's NBD server reports
MAX_OPTION = 64 * 1024
MAX_SEND = 1 << 20  # the largest piece replies() yields
MAX_EXTENTS = 8192  # per block-status reply; the client asks again for the rest
_ZEROS = memoryview(bytes(MAX_SEND))

Buffer = bytes | bytearray | memoryview
Segment = tuple[int, int, "Buffer | None"]  # [start, stop) of the export, its data (zero-padded) or zeros
BASE_ALLOCATION = "base:allocation"


class NbdBackend(Protocol):
    """What the server serves: exports by name, their sizes, data and status."""

    def export_names(self) -> list[str]: ...

    def size(self, export: str) -> int | None:
        """The export's size in bytes, None when no such export exists."""

    def contexts(self, export: str) -> list[str]:
        """Meta contexts beyond base:allocation (``qemu:dirty-bitmap:NAME``)."""

    def segments(self, export: str, offset: int, length: int) -> Sequence[Segment]:
        """[offset, offset+length) in order: data (shorter than its segment when the rest reads
        as zeros) or None for zeros.  The buffers must not change afterwards (they are sent later)."""

    def status(self, export: str, context: str, offset: int, length: int, limit: int) -> list[tuple[int, int]]:
        """At most ``limit`` (length, flags) extents from ``offset`` covering at most ``length`` bytes."""


class NbdProtocolError(Exception):
    """The client broke the protocol; the connection must be dropped."""


@dataclass
class NbdServer:
    """One client connection's state machine."""

    backend: NbdBackend
    phase: str = "greeting"  # greeting -> client flags -> options -> transmission -> closed
    no_zeroes: bool = False
    structured: bool = False
    export: str | None = None
    meta: dict[int, str] = field(default_factory=dict)  # context id -> name, for the chosen export
    _buf: bytearray = field(default_factory=bytearray)

    def start(self) -> bytes:
        """The server's greeting, sent as soon as the client connects."""
        self.phase = "flags"
        return struct.pack(">QQH", NBDMAGIC, IHAVEOPT, FLAG_FIXED_NEWSTYLE | FLAG_NO_ZEROES)

    @property
    def closed(self) -> bool:
        return self.phase == "closed"

    def receive(self, data: bytes) -> bytes:
        """Consume client bytes; returns what to send (the phase may become "closed")."""
        return b"".join(self.replies(data))

    def replies(self, data: bytes) -> Iterator[Buffer]:
        """Consume client bytes; yields what to send, each piece at most ``MAX_SEND`` long.

        A read's data is produced as the pieces are consumed; consume them all before the next call."""
        self._buf += data
        while not self.closed:
            if self.phase == "transmission":
                parts = self._request()
                if parts is None:
                    break
                yield from _bounded(parts)
                continue
            step = self._flags() if self.phase == "flags" else self._option()
            if step is None:
                break
            if step:
                yield step

    def _take(self, n: int) -> bytes | None:
        if len(self._buf) < n:
            return None
        chunk = bytes(self._buf[:n])
        del self._buf[:n]
        return chunk

    def _flags(self) -> bytes | None:
        raw = self._take(4)
        if raw is None:
            return None
        flags = struct.unpack(">I", raw)[0]
        if flags & ~(FLAG_FIXED_NEWSTYLE | FLAG_NO_ZEROES):
            raise NbdProtocolError("unknown client flags")
        self.no_zeroes = bool(flags & FLAG_NO_ZEROES)
        self.phase = "options"
        return b""

    # -- options ----------------------------------------------------------------------------------

    def _option(self) -> bytes | None:
        if len(self._buf) < 16:
            return None
        magic, opt, length = struct.unpack(">QII", self._buf[:16])
        if magic != IHAVEOPT:
            raise NbdProtocolError("bad option magic")
        if length > MAX_OPTION:
            raise NbdProtocolError("option too long")
        if len(self._buf) < 16 + length:
            return None
        del self._buf[:16]
        data = self._take(length) or b""
        try:
            return self._handle_option(opt, data)
        except (struct.error, IndexError, UnicodeDecodeError):
            return _reply(opt, REP_ERR_INVALID, b"malformed option")

    def _handle_option(self, opt: int, data: bytes) -> bytes:
        if opt == OPT_EXPORT_NAME:
            name = data.decode()
            size = self.backend.size(name)
            if size is None:
                raise NbdProtocolError(f"unknown export {name!r}")
            self._enter(name)
            return struct.pack(">QH", size, TRANSMISSION_FLAGS) + (b"" if self.no_zeroes else bytes(124))
        if opt == OPT_ABORT:
            self.phase = "closed"
            return _reply(opt, REP_ACK)
        if opt == OPT_LIST:
            if data:
                return _reply(opt, REP_ERR_INVALID, b"list takes no data")
            out = b"".join(_reply(opt, REP_SERVER, _str32(n)) for n in self.backend.export_names())
            return out + _reply(opt, REP_ACK)
        if opt in (OPT_INFO, OPT_GO):
            return self._info(opt, data)
        if opt == OPT_STRUCTURED_REPLY:
            if data:
                return _reply(opt, REP_ERR_INVALID, b"structured reply takes no data")
            self.structured = True
            return _reply(opt, REP_ACK)
        if opt in (OPT_LIST_META_CONTEXT, OPT_SET_META_CONTEXT):
            return self._meta(opt, data)
        return _reply(opt, REP_ERR_UNSUP, b"option not supported")

    def _info(self, opt: int, data: bytes) -> bytes:
        (nlen,) = struct.unpack(">I", data[:4])
        name = data[4:4 + nlen].decode()
        (nreq,) = struct.unpack(">H", data[4 + nlen:6 + nlen])
        if len(data) != 6 + nlen + 2 * nreq:
            return _reply(opt, REP_ERR_INVALID, b"malformed info request")
        size = self.backend.size(name)
        if size is None:
            return _reply(opt, REP_ERR_UNKNOWN, f"export '{name}' not present".encode())
        asked = struct.unpack(f">{nreq}H", data[6 + nlen:])
        out = _reply(opt, REP_INFO, struct.pack(">HQH", INFO_EXPORT, size, TRANSMISSION_FLAGS))
        if INFO_NAME in asked:
            out += _reply(opt, REP_INFO, struct.pack(">H", INFO_NAME) + name.encode())
        out += _reply(opt, REP_INFO, struct.pack(">HIII", INFO_BLOCK_SIZE, MIN_BLOCK, PREFERRED_BLOCK, MAX_BLOCK))
        if opt == OPT_GO:
            if self.meta and self.export is not None and self.export != name:
                self.meta = {}  # contexts were set for another export
            self._enter(name)
        return out + _reply(opt, REP_ACK)

    def _enter(self, name: str) -> None:
        self.export = name
        self.phase = "transmission"

    def _meta(self, opt: int, data: bytes) -> bytes:
        if opt == OPT_SET_META_CONTEXT and not self.structured:
            return _reply(opt, REP_ERR_INVALID, b"structured replies not negotiated")
        (nlen,) = struct.unpack(">I", data[:4])
        name = data[4:4 + nlen].decode()
        pos = 4 + nlen
        (count,) = struct.unpack(">I", data[pos:pos + 4])
        pos += 4
        queries = []
        for _ in range(count):
            (qlen,) = struct.unpack(">I", data[pos:pos + 4])
            queries.append(data[pos + 4:pos + 4 + qlen].decode())
            pos += 4 + qlen
        if pos != len(data):
            return _reply(opt, REP_ERR_INVALID, b"malformed meta context request")
        if self.backend.size(name) is None:
            return _reply(opt, REP_ERR_UNKNOWN, f"export '{name}' not present".encode())
        offered = [BASE_ALLOCATION, *self.backend.contexts(name)]
        chosen = [c for c in offered if any(_matches(q, c) for q in queries)] if queries else (
            offered if opt == OPT_LIST_META_CONTEXT else [])
        out = b""
        if opt == OPT_SET_META_CONTEXT:
            self.export = name
            self.meta = {i + 1: c for i, c in enumerate(chosen)}
            for cid, c in self.meta.items():
                out += _reply(opt, REP_META_CONTEXT, struct.pack(">I", cid) + c.encode())
        else:
            out = b"".join(_reply(opt, REP_META_CONTEXT, struct.pack(">I", 0) + c.encode()) for c in chosen)
        return out + _reply(opt, REP_ACK)

    # -- transmission -----------------------------------------------------------------------------

    def _request(self) -> Iterable[Buffer] | None:
        if len(self._buf) < 28:
            return None
        magic, flags, kind, handle, offset, length = struct.unpack(">IHHQQI", self._buf[:28])
        if magic != REQUEST_MAGIC:
            raise NbdProtocolError("bad request magic")
        if kind == CMD_WRITE:
            if len(self._buf) < 28 + length:
                return None
            del self._buf[:28 + length]
            return [self._error(handle, EPERM, "export is read-only")]
        del self._buf[:28]
        if kind == CMD_DISC:
            self.phase = "closed"
            return []
        if kind in (CMD_FLUSH, CMD_CACHE):
            return [self._done(handle)]
        if kind in (CMD_TRIM, CMD_WRITE_ZEROES):
            return [self._error(handle, EPERM, "export is read-only")]
        if kind not in (CMD_READ, CMD_BLOCK_STATUS):
            return [self._error(handle, EINVAL, "unknown command")]
        assert self.export is not None
        size = self.backend.size(self.export)
        if size is None:
            return [self._error(handle, EIO, "export went away")]
        if offset + length > size:
            return [self._error(handle, EINVAL, "request beyond the end of the export")]
        if kind == CMD_READ:
            if length > MAX_BLOCK:
                return [self._error(handle, EOVERFLOW if self.structured else EINVAL, "request too large")]
            segments = self.backend.segments(self.export, offset, length)
            if not self.structured:
                return _padded(struct.pack(">IIQ", SIMPLE_REPLY_MAGIC, 0, handle), segments)
            if flags & CMD_FLAG_DF:  # one data chunk
                head = struct.pack(">IHHQIQ", STRUCTURED_REPLY_MAGIC, REPLY_FLAG_DONE, REPLY_TYPE_OFFSET_DATA,
                                   handle, 8 + length, offset)
                return _padded(head, segments)
            return self._structured_read(handle, segments)
        if not self.structured or not self.meta:
            return [self._error(handle, EINVAL, "no meta context negotiated")]
        out = []
        ids = list(self.meta)
        limit = 1 if flags & CMD_FLAG_REQ_ONE else MAX_EXTENTS
        for n, cid in enumerate(ids):
            extents = self.backend.status(self.export, self.meta[cid], offset, max(length, 1), limit)
            body = struct.pack(f">I{2 * len(extents)}I", cid, *(x for e in extents for x in e))
            out.append(_chunk(REPLY_FLAG_DONE if n == len(ids) - 1 else 0, REPLY_TYPE_BLOCK_STATUS, handle, body))
        return out

    @staticmethod
    def _structured_read(handle: int, segments: Sequence[Segment]) -> Iterator[Buffer]:
        """OFFSET_DATA chunks for data, OFFSET_HOLE chunks for zeros; DONE on the last chunk."""
        chunks: list[tuple[int, int, Buffer | None]] = []  # offset, length, data (None: a hole)
        for a, b, buf in segments:
            n = len(buf) if buf is not None else 0
            if n:
                chunks.append((a, n, buf))
            if b - a > n:
                if chunks and chunks[-1][2] is None and chunks[-1][0] + chunks[-1][1] == a + n:
                    chunks[-1] = (chunks[-1][0], chunks[-1][1] + b - a - n, None)
                else:
                    chunks.append((a + n, b - a - n, None))
        if not chunks:  # a zero-length read
            yield _chunk(REPLY_FLAG_DONE, REPLY_TYPE_NONE, handle, b"")
            return
        last = len(chunks) - 1
        for i, (at, n, buf) in enumerate(chunks):
            flag = REPLY_FLAG_DONE if i == last else 0
            if buf is None:
                yield _chunk(flag, REPLY_TYPE_OFFSET_HOLE, handle, struct.pack(">QI", at, n))
            else:
                yield struct.pack(">IHHQIQ", STRUCTURED_REPLY_MAGIC, flag, REPLY_TYPE_OFFSET_DATA, handle, 8 + n, at)
                yield buf

    def _done(self, handle: int) -> bytes:
        if self.structured:
            return _chunk(REPLY_FLAG_DONE, REPLY_TYPE_NONE, handle, b"")
        return struct.pack(">IIQ", SIMPLE_REPLY_MAGIC, 0, handle)

    def _error(self, handle: int, errno: int, message: str) -> bytes:
        if not self.structured:
            return struct.pack(">IIQ", SIMPLE_REPLY_MAGIC, errno, handle)
        msg = message.encode()
        return _chunk(REPLY_FLAG_DONE, REPLY_TYPE_ERROR, handle, struct.pack(">IH", errno, len(msg)) + msg)


def _padded(head: bytes, segments: Sequence[Segment]) -> Iterator[Buffer]:
    """``head`` then the segments' bytes, zeros written out."""
    yield head
    for a, b, buf in segments:
        n = len(buf) if buf is not None else 0
        if buf is not None and n:
            yield buf
        for at in range(n, b - a, MAX_SEND):
            yield _ZEROS[: min(MAX_SEND, b - a - at)]


def _bounded(parts: Iterable[Buffer]) -> Iterator[Buffer]:
    """Join small parts and cut large ones so that every piece is at most MAX_SEND long."""
    held: list[Buffer] = []
    size = 0
    for part in parts:
        if size + len(part) > MAX_SEND and held:
            yield b"".join(held)
            held, size = [], 0
        if len(part) > MAX_SEND:
            view = memoryview(part)
            for at in range(0, len(view), MAX_SEND):
                yield view[at: at + MAX_SEND]
            continue
        held.append(part)
        size += len(part)
    if held:
        yield held[0] if len(held) == 1 else b"".join(held)


def _matches(query: str, context: str) -> bool:
    """A query names a context, or a namespace ("qemu:") / a bitmap prefix ("qemu:dirty-bitmap:")."""
    return query == context or (query.endswith(":") and context.startswith(query))


def _reply(opt: int, kind: int, data: bytes = b"") -> bytes:
    return struct.pack(">QIII", OPT_REPLY_MAGIC, opt, kind, len(data)) + data


def _str32(s: str) -> bytes:
    raw = s.encode()
    return struct.pack(">I", len(raw)) + raw


def _chunk(flags: int, kind: int, handle: int, payload: bytes) -> bytes:
    return struct.pack(">IHHQI", STRUCTURED_REPLY_MAGIC, flags, kind, handle, len(payload)) + payload
