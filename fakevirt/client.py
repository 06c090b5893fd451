"""A small async (trio) libvirt RPC client on the same ``protocol`` engine.

For tests that need raw access (pipelining, malformed frames, concurrency, events) and for
scripts.  Not a libvirt replacement: calls take and return the protocol's structs.

    async with AsyncClient.connect("tcp://127.0.0.1:16509") as c:
        await c.open("qemu:///system")
        ret = await c.call(Proc.CONNECT_GET_HOSTNAME)
"""

from __future__ import annotations

import itertools
import socket
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from typing import Any

import trio

from protocol import (
    NEED_DATA,
    PROCEDURES,
    PROGRAM_VERSION,
    Call,
    Connection,
    ConnectionClosed,
    ErrorReply,
    Header,
    KeepalivePing,
    KeepalivePong,
    LibvirtError,
    Message,
    MessageType,
    Proc,
    Program,
    Reply,
    Role,
    StreamAbort,
    StreamData,
    StreamFinish,
    StreamHole,
    pack_frame,
)
from protocol.remote.connect import ConnectOpenArgs

StreamEvent = StreamData | StreamHole | StreamFinish | StreamAbort


@dataclass
class _Pending:
    done: trio.Event = field(default_factory=trio.Event)
    result: Reply | ErrorReply | None = None
    error: BaseException | None = None


class AsyncClient:
    """One connection to a libvirt RPC server; safe to use from many tasks at once."""

    def __init__(self, stream: trio.abc.Stream, nursery: trio.Nursery, *, answer_pings: bool = True) -> None:
        self.stream = stream
        self.conn = Connection(Role.CLIENT, PROCEDURES)
        self.answer_pings = answer_pings
        self._serials = itertools.count(0)  # the C client starts at 0
        self._pending: dict[int, _Pending] = {}
        self._send_lock = trio.Lock()
        self._events_in, self.events = trio.open_memory_channel[Message](1000)
        self._streams_in, self.stream_events = trio.open_memory_channel[StreamEvent](10_000)
        self.pongs = 0
        self.pings = 0
        self.closed = trio.Event()
        nursery.start_soon(self._read_loop)

    @classmethod
    @asynccontextmanager
    async def connect(cls, address: str, **kw: Any) -> AsyncIterator[AsyncClient]:
        """Connect to ``tcp://HOST:PORT`` or ``unix:///PATH``."""
        stream = await open_stream(address)
        try:
            async with trio.open_nursery() as nursery:
                client = cls(stream, nursery, **kw)
                try:
                    yield client
                finally:
                    nursery.cancel_scope.cancel()
        finally:
            # not in the cancelled nursery: there its Cancelled would replace the body's exception
            await trio.aclose_forcefully(stream)

    async def open(self, name: str | None = "qemu:///system", flags: int = 0) -> None:
        """What libvirt's remote driver does first: AUTH_LIST then CONNECT_OPEN."""
        await self.call(Proc.AUTH_LIST)
        await self.call(Proc.CONNECT_OPEN, ConnectOpenArgs(name=name, flags=flags))

    async def call(self, procedure: int, args: Any = None, *, program: int = Program.REMOTE) -> Any:
        """Call and wait for the reply; an error reply raises LibvirtError."""
        reply = await self.call_event(procedure, args, program=program)
        if isinstance(reply, ErrorReply):
            raise LibvirtError.from_wire(reply.error)
        return reply.ret

    async def call_event(self, procedure: int, args: Any = None, *, program: int = Program.REMOTE,
                         serial: int | None = None) -> Reply | ErrorReply:
        """Call and return the raw reply event."""
        serial = next(self._serials) if serial is None else serial
        call = Call(program=program, version=PROGRAM_VERSION, procedure=procedure, serial=serial, args=args)
        return await self._exchange(serial, self.conn.send(call))

    async def call_payload(self, procedure: int, payload: bytes, *, program: int = Program.REMOTE
                           ) -> Reply | ErrorReply:
        """Call with the arguments given as XDR bytes (any procedure, declared or not)."""
        serial = next(self._serials)
        header = Header(program, PROGRAM_VERSION, procedure, MessageType.CALL, serial, 0)
        return await self._exchange(serial, pack_frame(header, payload))

    async def _exchange(self, serial: int, frame: bytes) -> Reply | ErrorReply:
        pending = self.expect_reply(serial)
        await self.send_raw(frame)
        await pending.done.wait()
        if pending.error is not None:
            raise pending.error
        assert pending.result is not None
        return pending.result

    def expect_reply(self, serial: int) -> _Pending:
        """Wait for a reply to a call sent with send_raw: ``await pending.done.wait()``."""
        pending = self._pending[serial] = _Pending()
        if self.closed.is_set():  # the read loop is gone: nobody would ever answer
            self._fail_all(ConnectionError("connection closed by the server"))
        return pending

    async def send_raw(self, data: bytes) -> None:
        """Put bytes on the wire as they are (for malformed-input tests)."""
        async with self._send_lock:
            await self.stream.send_all(data)

    async def ping(self) -> None:
        await self.send_raw(self.conn.send(KeepalivePing()))

    async def _read_loop(self) -> None:
        try:
            while True:
                try:
                    data = await self.stream.receive_some(256 * 1024)
                except (trio.BrokenResourceError, trio.ClosedResourceError):
                    data = b""
                self.conn.receive_data(data)
                while (event := self.conn.next_event()) is not NEED_DATA:
                    if isinstance(event, ConnectionClosed):
                        return
                    await self._handle(event)
        except Exception as e:  # protocol errors end the connection; callers see them
            self._fail_all(e)
        finally:
            self._fail_all(ConnectionError("connection closed by the server"))
            self.closed.set()

    async def _handle(self, event: Any) -> None:
        if isinstance(event, (Reply, ErrorReply)):
            pending = self._pending.pop(event.serial, None)
            if pending is not None:
                pending.result = event
                pending.done.set()
        elif isinstance(event, KeepalivePing):
            self.pings += 1
            if self.answer_pings:
                await self.send_raw(self.conn.send(KeepalivePong()))
        elif isinstance(event, KeepalivePong):
            self.pongs += 1
        elif isinstance(event, Message):
            self._events_in.send_nowait(event)
        elif isinstance(event, (StreamData, StreamHole, StreamFinish, StreamAbort)):
            await self._streams_in.send(event)

    async def send_event(self, event: StreamEvent) -> None:
        """Send a stream packet (data, hole, finish or abort) of a stream this client opened."""
        await self.send_raw(self.conn.send(event))

    def _fail_all(self, error: BaseException) -> None:
        for pending in self._pending.values():
            pending.error = error
            pending.done.set()
        self._pending.clear()


async def open_stream(address: str) -> trio.abc.Stream:
    """A connected stream to ``tcp://HOST:PORT`` or ``unix:///PATH``."""
    if address.startswith("tcp://"):
        host, _, port = address[len("tcp://"):].rpartition(":")
        stream = await trio.open_tcp_stream(host.strip("[]"), int(port))
        stream.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        return stream
    if address.startswith("unix://"):
        return await trio.open_unix_socket(address[len("unix://"):])
    raise ValueError(f"{address}: expected tcp://HOST:PORT or unix:///PATH")
