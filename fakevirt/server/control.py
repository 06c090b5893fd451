"""The control listener: HTTP/1.1 + JSON over h11, on loopback TCP or UNIX sockets.

``POST /v1/NAME`` with a JSON object runs the operation NAME of ``fakevirt.control.registry``
in the server's trio thread (so between two procedure calls, like any handler) and answers
200 + its JSON result, or 4xx/5xx + ``{"error": reason}``. ``GET /v1/`` lists the operations;
``GET /v1/events`` streams every model event as JSON lines (chunked) until the client goes.
A client that does not read its event stream fills its bounded queue and is dropped: the model
never waits for anyone.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from http import HTTPStatus
from typing import Any

import h11
import trio

from ..control import load_operations
from ..control.events import event_line
from ..control.registry import API_VERSION, OPERATIONS, ControlError
from ..errors import VirtError
from ..model.hypervisor import Hypervisor
from .listeners import BoundSocket, close_socket

log = logging.getLogger("fakevirt.control")

PREFIX = f"/v{API_VERSION}/"
MAX_BODY = 64 << 20  # a state import is the largest body: the base64 of a whole host
MAX_HEADERS = 64 << 10
EVENT_QUEUE = 1024  # events waiting for one stream's client; one more and that client is dropped
RECEIVE = 64 << 10
IDLE_TIMEOUT = 300.0
DRAIN_TIMEOUT = 10.0  # a keep-alive connection with no request for this long is closed


@dataclass
class Reply:
    status: int
    body: Any
    close: bool = False


PREPARE_AFTER = frozenset({"state.save", "state.load"})  # a copy of that state is built ahead


class ControlServer:
    """The control API of one Hypervisor; ``serve`` runs it on listening sockets."""

    def __init__(self, hv: Hypervisor, *, max_body: int = MAX_BODY, event_queue: int = EVENT_QUEUE,
                 persist: Callable[[], Awaitable[None]] | None = None) -> None:
        load_operations()
        self.hv = hv
        self.persist = persist  # --state: what an operation changed is on disk before its reply
        self.max_body = max_body
        self.event_queue = event_queue
        self.streams_open = 0  # GET /v1/events clients
        self.streams_dropped = 0  # ... dropped for not reading
        self._serving: trio.CancelScope | None = None
        self._nursery: trio.Nursery | None = None
        self.prepared = 0  # copies of saved states built ahead (after each state.save/state.load)

    async def serve(self, sockets: list[BoundSocket], *,
                    task_status: trio.TaskStatus[list[BoundSocket]] = trio.TASK_STATUS_IGNORED) -> None:
        """Accept control clients on sockets bound already, until cancelled; closes them at the end."""
        try:
            listeners = []
            for b in sockets:
                b.sock.setblocking(False)
                listeners.append(trio.SocketListener(trio.socket.from_stdlib_socket(b.sock)))
            async with trio.open_nursery() as nursery:
                self._serving = nursery.cancel_scope
                self._nursery = nursery
                await nursery.start(trio.serve_listeners, self.handle, listeners)
                task_status.started(sockets)
        finally:
            for b in sockets:
                close_socket(b)

    def shutdown(self) -> None:
        """Stop now: close the listeners and every control connection (event streams too)."""
        if self._serving is not None:
            self._serving.cancel()

    async def handle(self, stream: trio.abc.Stream) -> None:
        """Serve one HTTP connection: requests one after another until either side closes."""
        conn = h11.Connection(h11.SERVER, max_incomplete_event_size=MAX_HEADERS)
        try:
            while True:
                request = None
                with trio.move_on_after(IDLE_TIMEOUT):
                    request = await _next_event(conn, stream)
                if not isinstance(request, h11.Request):
                    return
                reply, body = await self._body(conn, stream, request)
                target = request.target.decode("ascii", "replace").split("?", 1)[0]
                if reply is None and request.method == b"GET" and target == PREFIX + "events":
                    await self._events(conn, stream)
                    return
                reply = reply or self._reply(request.method, target, body)
                if self.persist is not None:  # --state: on disk before the answer
                    await self.persist()
                await _send(conn, stream, reply)
                if conn.their_state is h11.SEND_BODY:  # refused before its body was read
                    await _drain(stream)
                    return
                if reply.close or conn.our_state is not h11.DONE:
                    return
                conn.start_next_cycle()
        except h11.RemoteProtocolError as e:
            if conn.our_state in (h11.IDLE, h11.SEND_RESPONSE):
                await _send(conn, stream, Reply(e.error_status_hint, {"error": f"bad HTTP request: {e}"}, True))
                await _drain(stream)
        except (trio.BrokenResourceError, trio.ClosedResourceError):
            pass
        finally:
            await trio.aclose_forcefully(stream)

    async def _body(self, conn: h11.Connection, stream: trio.abc.Stream,
                    request: h11.Request) -> tuple[Reply | None, bytes]:
        """The request's body, or the 413 that refuses it (declared or found too large)."""
        declared = next((int(v) for k, v in request.headers if k == b"content-length"), None)
        if declared is not None and declared > self.max_body:
            return Reply(413, {"error": f"body of {declared} bytes is over the {self.max_body} byte limit"}, True), b""
        body = await self._read_body(conn, stream)
        if body is None:
            return Reply(413, {"error": f"body over the {self.max_body} byte limit"}, True), b""
        return None, body

    def _reply(self, method: bytes, target: str, body: bytes) -> Reply:
        if not target.startswith(PREFIX):
            return Reply(404, {"error": f"no such path {target!r}: the API is under {PREFIX}"})
        name = target[len(PREFIX):]
        if name in ("", "events"):
            if method != b"GET":
                return Reply(405, {"error": f"{target} takes GET"})
            return Reply(200, {"api": API_VERSION, "operations": [
                {"name": op.name, "doc": op.doc} for op in sorted(OPERATIONS.values(), key=lambda o: o.name)]})
        if name not in OPERATIONS:
            return Reply(404, {"error": f"unknown operation {name!r}"})
        if method != b"POST":
            return Reply(405, {"error": f"operation {name!r} takes POST"})
        return self.run(name, body)

    async def _read_body(self, conn: h11.Connection, stream: trio.abc.Stream) -> bytes | None:
        chunks: list[bytes] = []
        size = 0
        while True:
            event = await _next_event(conn, stream)
            if isinstance(event, h11.Data):
                size += len(event.data)
                if size > self.max_body:
                    return None
                chunks.append(bytes(event.data))
            elif isinstance(event, h11.EndOfMessage):
                return b"".join(chunks)
            else:  # the client went away in the middle of its body
                raise trio.BrokenResourceError("connection closed during the request body")

    def run(self, name: str, raw: bytes) -> Reply:
        """Run operation ``name`` on a raw JSON body; every failure becomes an error reply."""
        try:
            body = json.loads(raw) if raw.strip() else {}
        except (ValueError, RecursionError) as e:
            return Reply(400, {"error": f"body is not JSON: {e}"})
        if not isinstance(body, dict):
            return Reply(400, {"error": "body must be a JSON object"})
        try:
            result = OPERATIONS[name].fn(self.hv, body)
        except ControlError as e:
            return Reply(e.status, {"error": e.message})
        except VirtError as e:
            return Reply(409, {"error": e.message, "code": int(e.code), "domain": int(e.domain)})
        except Exception as e:
            log.exception("control operation %s failed", name)
            return Reply(500, {"error": f"operation {name!r} failed: {type(e).__name__}: {e}"})
        if name in PREPARE_AFTER and self._nursery is not None:
            self._nursery.start_soon(self._prepare, str(body["name"]))
        return Reply(200, {} if result is None else result)

    async def _prepare(self, name: str) -> None:
        """Unpickle the next copy of a saved state in a worker thread, so the next load only swaps it in."""
        try:
            await trio.to_thread.run_sync(self.hv.states.prepare, name)
            self.prepared += 1
        except Exception:  # a state deleted meanwhile: the next load simply builds its copy itself
            log.debug("preparing state %r failed", name, exc_info=True)

    async def _events(self, conn: h11.Connection, stream: trio.abc.Stream) -> None:
        """Stream every published event as a JSON line until the client closes or falls behind."""
        send, receive = trio.open_memory_channel[bytes](self.event_queue)
        with trio.CancelScope() as scope:

            def queue(event: object) -> None:
                line = event_line(event)
                if line is None or scope.cancel_called:
                    return
                try:
                    send.send_nowait(line)
                except trio.WouldBlock:
                    self.streams_dropped += 1
                    log.warning("events client does not read: dropped after %d queued events", self.event_queue)
                    scope.cancel()

            unsubscribe = self.hv.bus.subscribe(object, queue)
            self.streams_open += 1
            try:
                await stream.send_all(conn.send(h11.Response(status_code=200, headers=[
                    ("content-type", "application/x-ndjson"), ("transfer-encoding", "chunked"),
                    ("cache-control", "no-store")])))
                async with trio.open_nursery() as nursery:
                    nursery.start_soon(_until_closed, stream, nursery.cancel_scope)
                    async for line in receive:
                        lines = [line]
                        while len(lines) < self.event_queue:  # all that waits, in one chunk
                            try:
                                lines.append(receive.receive_nowait())
                            except trio.WouldBlock:
                                break
                        await stream.send_all(conn.send(h11.Data(data=b"".join(lines))))
            finally:
                unsubscribe()
                self.streams_open -= 1


async def _next_event(conn: h11.Connection, stream: trio.abc.Stream) -> Any:
    """The next h11 event, reading as needed."""
    while True:
        event = conn.next_event()
        if event is not h11.NEED_DATA:
            return event
        conn.receive_data(bytes(await stream.receive_some(RECEIVE)))


async def _until_closed(stream: trio.abc.Stream, done: trio.CancelScope) -> None:
    """Read (and ignore) until the client closes its side, then end the stream."""
    try:
        while await stream.receive_some(RECEIVE):
            pass
    except (trio.BrokenResourceError, trio.ClosedResourceError):
        pass
    done.cancel()


async def _drain(stream: trio.abc.Stream) -> None:
    """Read what a refused client still sends, for a while, so it reads our answer instead of a reset."""
    if isinstance(stream, trio.abc.HalfCloseableStream):
        await stream.send_eof()  # the answer is complete: the client may close now
    with trio.move_on_after(DRAIN_TIMEOUT):
        while await stream.receive_some(RECEIVE):
            pass


async def _send(conn: h11.Connection, stream: trio.abc.Stream, reply: Reply) -> None:
    data = json.dumps(reply.body, separators=(",", ":")).encode() + b"\n"
    headers = [("content-type", "application/json"), ("content-length", str(len(data)))]
    if reply.close:
        headers.append(("connection", "close"))
    reason = HTTPStatus(reply.status).phrase.encode() if reply.status in HTTPStatus._value2member_map_ else b""
    await stream.send_all(conn.send(h11.Response(status_code=reply.status, headers=headers, reason=reason))
                          + conn.send(h11.Data(data=data)) + conn.send(h11.EndOfMessage()))
