"""The sans-IO protocol engine: bytes in, events out; events in, bytes out.

    conn = Connection(Role.SERVER)
    conn.receive_data(data)            # b"" means EOF
    while (event := conn.next_event()) is not NEED_DATA: ...
    sock.send(conn.send(Reply(...)))

No I/O, no callbacks, no awaits.  A wire violation raises RemoteProtocolError (received) or
LocalProtocolError (asked to send); after either the engine is in the ERROR state for good.
"""

from __future__ import annotations

import enum
from typing import Any

from ._errors import LocalProtocolError, ProtocolError, RemoteProtocolError, UnencodablePayload, WireError
from ._events import (
    Call,
    ConnectionClosed,
    ErrorReply,
    Event,
    Ignored,
    InvalidCall,
    KeepalivePing,
    KeepalivePong,
    Message,
    Reply,
    StreamAbort,
    StreamData,
    StreamFinish,
    StreamHole,
)
from ._header import (
    FRAME_MAX,
    FRAME_MIN,
    PROGRAM_VERSION,
    Header,
    MessageStatus,
    MessageType,
    Program,
    pack_frame,
    unpack_header,
)
from ._procedure import Procedure, ProcedureTable
from ._xdr import Hyper, UInt, XdrError, decode, encode, struct

KEEPALIVE_PING = 1
KEEPALIVE_PONG = 2


@struct
class StreamHoleBody:
    """virNetStreamHole."""

    length: Hyper
    flags: UInt


class Role(enum.Enum):
    CLIENT = "client"
    SERVER = "server"


class State(enum.Enum):
    OPEN = "open"
    CLOSED = "closed"  # the peer sent EOF
    ERROR = "error"


class _NeedData:
    def __repr__(self) -> str:
        return "NEED_DATA"


NEED_DATA: Any = _NeedData()  # a sentinel: next_event() returns it when a frame is incomplete

_OK, _ERROR, _CONTINUE = MessageStatus.OK, MessageStatus.ERROR, MessageStatus.CONTINUE
_CALL, _REPLY, _MESSAGE, _STREAM = MessageType.CALL, MessageType.REPLY, MessageType.MESSAGE, MessageType.STREAM
_CALL_FDS, _REPLY_FDS, _HOLE = MessageType.CALL_WITH_FDS, MessageType.REPLY_WITH_FDS, MessageType.STREAM_HOLE


class Connection:
    """One side of one libvirt RPC connection."""

    def __init__(self, role: Role, procedures: ProcedureTable,
                 programs: frozenset[int] = frozenset({Program.REMOTE, Program.QEMU, Program.LXC}),
                 max_frame: int = FRAME_MAX) -> None:
        self.role = role
        self.procedures = procedures
        self.programs = programs  # programs this side answers calls for (server role)
        self.max_frame = max_frame
        self.state = State.OPEN
        self._buf = bytearray()
        self._pos = 0
        self._eof = False

    # ---- receiving ---------------------------------------------------------------------------

    def receive_data(self, data: bytes | bytearray) -> None:
        """Feed bytes from the peer; b"" means the peer closed its side."""
        if self.state is State.ERROR:
            raise LocalProtocolError("connection is in the ERROR state")
        if not data:
            self._eof = True
            return
        if self._eof:
            self.state = State.ERROR
            raise LocalProtocolError("data received after EOF")
        if self._pos:
            del self._buf[: self._pos]
            self._pos = 0
        self._buf += data

    def next_event(self) -> Event:
        """The next whole event, or NEED_DATA."""
        if self.state is State.ERROR:
            raise LocalProtocolError("connection is in the ERROR state")
        try:
            return self._next_event()
        except ProtocolError:
            self.state = State.ERROR
            raise

    def _next_event(self) -> Event:
        buf, pos = self._buf, self._pos
        avail = len(buf) - pos
        if avail < 4:
            return self._at_end(avail)
        length = int.from_bytes(buf[pos:pos + 4], "big")
        if length < FRAME_MIN:
            raise RemoteProtocolError(f"packet {length} bytes received, too small, want {FRAME_MIN}")
        if length > self.max_frame:
            raise RemoteProtocolError(f"packet {length} bytes received, too large, want at most {self.max_frame}")
        if avail < length:
            return self._at_end(avail)
        frame = bytes(buf[pos:pos + length])
        self._pos = pos + length
        if self._pos == len(buf):
            buf.clear()
            self._pos = 0
        return self._interpret(unpack_header(frame), frame[FRAME_MIN:])

    def _at_end(self, avail: int) -> Event:
        if not self._eof:
            need: Event = NEED_DATA
            return need
        if avail:
            raise RemoteProtocolError(f"connection closed in the middle of a packet ({avail} bytes pending)")
        self.state = State.CLOSED
        return ConnectionClosed()

    def _interpret(self, h: Header, payload: bytes) -> Event:
        if h.prog == Program.KEEPALIVE and h.type == _MESSAGE:
            return self._keepalive(h)
        if h.type == _STREAM:
            return self._stream(h, payload)
        if h.type == _HOLE:
            try:
                # libvirtd ignores bytes after the body, as after call arguments
                hole = decode(StreamHoleBody, payload, allow_trailing=self.role is Role.SERVER)
            except XdrError:
                if self.role is Role.SERVER:  # libvirtd drops what it cannot use of a client's stream
                    return Ignored(program=h.prog, procedure=h.proc, type=h.type, serial=h.serial,
                                   reason="undecodable stream hole")
                raise RemoteProtocolError("undecodable stream hole") from None
            return StreamHole(program=h.prog, procedure=h.proc, serial=h.serial,
                              length=hole.length, flags=hole.flags)
        if self.role is Role.SERVER:
            if h.type in (_CALL, _CALL_FDS):
                return self._call(h, payload)
            return Ignored(program=h.prog, procedure=h.proc, type=h.type, serial=h.serial,
                           reason=f"Unexpected message type {h.type}")
        if h.type in (_REPLY, _REPLY_FDS):
            return self._reply(h, payload)
        if h.type == _MESSAGE:
            proc = self.procedures.get((h.prog, h.proc))
            if proc is None or not proc.declared:
                return Ignored(program=h.prog, procedure=h.proc, type=h.type, serial=h.serial,
                               reason="unknown event")
            return Message(program=h.prog, procedure=h.proc, body=self._decode(proc.args, payload))
        return Ignored(program=h.prog, procedure=h.proc, type=h.type, serial=h.serial,
                       reason=f"Unexpected message type {h.type}")

    def _keepalive(self, h: Header) -> Event:
        if h.type == _MESSAGE and h.proc == KEEPALIVE_PING:
            return KeepalivePing()
        if h.type == _MESSAGE and h.proc == KEEPALIVE_PONG:
            return KeepalivePong()
        return Ignored(program=h.prog, procedure=h.proc, type=h.type, serial=h.serial,
                       reason="unknown keepalive message")

    def _stream(self, h: Header, payload: bytes) -> Event:
        common = {"program": h.prog, "procedure": h.proc, "serial": h.serial}
        if h.status == _CONTINUE:
            return StreamData(data=payload, **common)
        if h.status == _OK:
            return StreamFinish(**common)
        server = self.role is Role.SERVER  # libvirtd drops what it cannot use of a client's stream
        if h.status == _ERROR:
            err = None
            if payload:
                try:
                    err = decode(WireError, payload)
                except XdrError:
                    if not server:
                        raise RemoteProtocolError("undecodable stream error") from None
            return StreamAbort(error=err, **common)
        if server:
            return Ignored(program=h.prog, procedure=h.proc, type=h.type, serial=h.serial,
                           reason=f"stream packet with status {h.status}")
        raise RemoteProtocolError(f"stream packet with status {h.status}")

    def _call(self, h: Header, payload: bytes) -> Event:
        def invalid(message: str) -> InvalidCall:
            return InvalidCall(program=h.prog, version=h.vers, procedure=h.proc, serial=h.serial,
                               message=message)

        if h.prog not in self.programs or h.vers != PROGRAM_VERSION:
            signed = h.prog - (1 << 32) if h.prog >= 1 << 31 else h.prog  # libvirtd prints it with %d
            return invalid(f"Cannot find program {signed} version {h.vers}")
        if h.status != _OK:
            return invalid(f"Unexpected message status {h.status}")
        proc = self.procedures.get((h.prog, h.proc))
        if proc is None or proc.event:
            return invalid(f"unknown procedure: {h.proc}")
        nfds = 0
        if h.type == _CALL_FDS:
            if len(payload) < 4:
                return invalid("Unable to decode number of FDs")
            nfds, payload = int.from_bytes(payload[:4], "big"), payload[4:]  # the fds travel beside the frame
        if not proc.declared:
            return Call(program=h.prog, version=h.vers, procedure=h.proc, serial=h.serial,
                        args=None, declared=False, nfds=nfds)
        try:
            args = decode(proc.args, payload, allow_trailing=True)
        except XdrError:
            return invalid("Unable to decode message payload")
        return Call(program=h.prog, version=h.vers, procedure=h.proc, serial=h.serial, args=args, nfds=nfds)

    def _reply(self, h: Header, payload: bytes) -> Event:
        if h.status == _ERROR:
            return ErrorReply(program=h.prog, version=h.vers, procedure=h.proc, serial=h.serial,
                              error=self._decode(WireError, payload))
        if h.status != _OK:
            raise RemoteProtocolError(f"reply with status {h.status}")
        if h.prog == Program.KEEPALIVE:
            return Ignored(program=h.prog, procedure=h.proc, type=h.type, serial=h.serial,
                           reason="reply on the keepalive program")
        proc = self.procedures.get((h.prog, h.proc))
        nfds = 0
        if h.type == _REPLY_FDS:
            nfds, payload = int.from_bytes(payload[:4], "big"), payload[4:]
        ret: Any = payload
        if proc is not None and proc.declared:
            ret = self._decode(proc.ret, payload)
        return Reply(program=h.prog, version=h.vers, procedure=h.proc, serial=h.serial, ret=ret, nfds=nfds)

    @staticmethod
    def _decode(t: Any, payload: bytes) -> Any:
        try:
            return decode(t, payload)
        except XdrError as e:
            raise RemoteProtocolError(f"undecodable payload: {e}") from None

    # ---- sending -----------------------------------------------------------------------------

    def send(self, event: Event) -> bytes:
        """The bytes that put event on the wire.

        Raises UnencodablePayload, leaving the engine usable, when the event's payload cannot be
        encoded; any other LocalProtocolError (an event this role may not send) is final.
        """
        if self.state is State.ERROR:
            raise LocalProtocolError("connection is in the ERROR state")
        try:
            return self._send(event)
        except (XdrError, ValueError) as e:
            raise UnencodablePayload(f"cannot encode {type(event).__name__}: {e}") from None
        except LocalProtocolError:
            self.state = State.ERROR
            raise

    def _send(self, ev: Event) -> bytes:
        server = self.role is Role.SERVER
        if isinstance(ev, Reply) and server:
            proc = self._proc(ev.program, ev.procedure)
            if ev.nfds:
                h = Header(ev.program, ev.version, ev.procedure, _REPLY_FDS, ev.serial, _OK)
                return pack_frame(h, ev.nfds.to_bytes(4, "big") + encode(proc.ret, ev.ret))
            h = Header(ev.program, ev.version, ev.procedure, _REPLY, ev.serial, _OK)
            return pack_frame(h, encode(proc.ret, ev.ret))
        if isinstance(ev, ErrorReply) and server:
            h = Header(ev.program, ev.version, ev.procedure, _REPLY, ev.serial, _ERROR)
            return pack_frame(h, encode(WireError, ev.error))
        if isinstance(ev, Call) and not server:
            proc = self._proc(ev.program, ev.procedure)
            h = Header(ev.program, ev.version, ev.procedure, _CALL, ev.serial, _OK)
            return pack_frame(h, encode(proc.args, ev.args) if proc.declared else (ev.args or b""))
        if isinstance(ev, Message) and server:
            proc = self._proc(ev.program, ev.procedure)
            h = Header(ev.program, PROGRAM_VERSION, ev.procedure, _MESSAGE, 0, _OK)
            return pack_frame(h, encode(proc.args, ev.body))
        if isinstance(ev, KeepalivePing):
            return pack_frame(Header(Program.KEEPALIVE, 1, KEEPALIVE_PING, _MESSAGE, 0, _OK))
        if isinstance(ev, KeepalivePong):
            return pack_frame(Header(Program.KEEPALIVE, 1, KEEPALIVE_PONG, _MESSAGE, 0, _OK))
        if isinstance(ev, StreamData):
            return pack_frame(Header(ev.program, 1, ev.procedure, _STREAM, ev.serial, _CONTINUE), ev.data)
        if isinstance(ev, StreamHole):
            body = encode(StreamHoleBody, StreamHoleBody(length=ev.length, flags=ev.flags))
            return pack_frame(Header(ev.program, 1, ev.procedure, _HOLE, ev.serial, _CONTINUE), body)
        if isinstance(ev, StreamFinish):
            return pack_frame(Header(ev.program, 1, ev.procedure, _STREAM, ev.serial, _OK))
        if isinstance(ev, StreamAbort):
            body = encode(WireError, ev.error) if ev.error is not None else b""
            return pack_frame(Header(ev.program, 1, ev.procedure, _STREAM, ev.serial, _ERROR), body)
        raise LocalProtocolError(f"a {self.role.value} cannot send {type(ev).__name__}")

    def _proc(self, program: int, number: int) -> Procedure:
        proc = self.procedures.get((program, number))
        if proc is None:
            raise LocalProtocolError(f"unknown procedure {number} of program {program:#x}")
        return proc


