"""The control listener over raw HTTP: routing, bad requests, limits, the events stream."""

from __future__ import annotations

import json
import random
import socket
import uuid
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager, contextmanager
from typing import Any

import h11
import pytest
import trio

from fakevirt.control.registry import OPERATIONS, Operation
from fakevirt.model.hypervisor import Hypervisor
from fakevirt.model.network.events import NetworkEvent, NetworkEventLifecycleType
from fakevirt.server.control import ControlServer
from fakevirt.server.listeners import ListenAddress, bind


@asynccontextmanager
async def control(hv: Hypervisor | None = None, **options: Any) -> AsyncIterator[tuple[ControlServer, int]]:
    server = ControlServer(hv or Hypervisor(), **options)
    sockets = bind([ListenAddress("tcp", host="127.0.0.1", port=0)])
    async with trio.open_nursery() as nursery:
        await nursery.start(server.serve, sockets)
        try:
            yield server, int(sockets[0].address.rpartition(":")[2])
        finally:
            nursery.cancel_scope.cancel()


class HttpClient:
    """A keep-alive HTTP/1.1 client on h11, to see exactly what the server sends."""

    def __init__(self, stream: trio.SocketStream) -> None:
        self.stream = stream
        self.conn = h11.Connection(h11.CLIENT)

    async def next_event(self) -> Any:
        while True:
            event = self.conn.next_event()
            if event is not h11.NEED_DATA:
                return event
            self.conn.receive_data(await self.stream.receive_some(65536))

    async def request(self, method: str, target: str, body: bytes | None = None) -> tuple[int, Any]:
        if self.conn.our_state is h11.DONE and self.conn.their_state is h11.DONE:
            self.conn.start_next_cycle()
        headers = [("host", "x")] + ([("content-length", str(len(body)))] if body is not None else [])
        await self.stream.send_all(self.conn.send(h11.Request(method=method, target=target, headers=headers)))
        if body is not None:
            await self.stream.send_all(self.conn.send(h11.Data(data=body)))
        await self.stream.send_all(self.conn.send(h11.EndOfMessage()))
        response = await self.next_event()
        data = b""
        while not isinstance(event := await self.next_event(), h11.EndOfMessage):
            data += event.data
        return response.status_code, json.loads(data)

    async def lines(self) -> AsyncIterator[dict[str, Any]]:
        """The JSON lines of a streamed answer."""
        pending = b""
        while True:
            event = await self.next_event()
            if not isinstance(event, h11.Data):
                return
            pending += event.data
            while b"\n" in pending:
                line, pending = pending.split(b"\n", 1)
                yield json.loads(line)


async def connect(port: int, rcvbuf: int | None = None) -> HttpClient:
    sock = trio.socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    if rcvbuf is not None:  # a small window makes a client that does not read back up quickly
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, rcvbuf)
    await sock.connect(("127.0.0.1", port))
    return HttpClient(trio.SocketStream(sock))


async def raw(port: int, data: bytes) -> bytes:
    """Send bytes, read the answer until the server closes."""
    stream = await trio.open_tcp_stream("127.0.0.1", port)
    await stream.send_all(data)
    out = b""
    while chunk := await stream.receive_some(65536):
        out += chunk
    return out


@contextmanager
def extra_operation(name: str, fn: Any) -> Iterator[None]:
    OPERATIONS[name] = Operation(name, fn, "a test's operation")
    try:
        yield
    finally:
        del OPERATIONS[name]


def network_event(n: int) -> NetworkEvent:
    return NetworkEvent(f"net{n}", uuid.UUID(int=n), NetworkEventLifecycleType.DEFINED)


async def test_operations_listed_and_run_on_one_keepalive_connection() -> None:
    with trio.fail_after(10):
        async with control() as (_, port):
            c = await connect(port)
            status, listing = await c.request("GET", "/v1/")
            assert status == 200 and listing["api"] == 1
            names = [op["name"] for op in listing["operations"]]
            assert {"reset", "state.save", "clock.advance", "preload", "dump", "version"} <= set(names)
            assert names == sorted(names)
            assert await c.request("POST", "/v1/version", b"") == (200, {"api": 1, "fakevirt": "0.1.0",
                                                                        "libvirt": "9.0.0"})
            assert await c.request("POST", "/v1/reset", b"{}") == (200, {"seed": 0})


@pytest.mark.parametrize(("method", "target", "body", "status", "error"), [
    ("POST", "/v1/nope", b"{}", 404, "unknown operation 'nope'"),
    ("GET", "/v2/reset", None, 404, "no such path '/v2/reset': the API is under /v1/"),
    ("GET", "/v1/reset", None, 405, "operation 'reset' takes POST"),
    ("POST", "/v1/", b"{}", 405, "/v1/ takes GET"),
    ("POST", "/v1/reset", b"{", 400, "body is not JSON: Expecting property name enclosed in double quotes: "
                                     "line 1 column 2 (char 1)"),
    ("POST", "/v1/reset", b"[1]", 400, "body must be a JSON object"),
    ("POST", "/v1/reset", b'{"seed": "x"}', 400, "field 'seed' must be int"),
    ("POST", "/v1/reset", b'{"seed": -1}', 400, "field 'seed' must be between 0 and 2**64-1"),
    ("POST", "/v1/clock.advance", b"{}", 400, "missing field 'seconds'"),
    ("POST", "/v1/clock.set", b'{"time": "2030-01-01T00:00:00"}', 400,
     "field 'time': '2030-01-01T00:00:00' has no time zone (e.g. 'Z' or '+00:00')"),
    ("POST", "/v1/clock.advance", b'{"seconds": 1}', 409, "this host's clock (SystemClock) cannot be moved"),
    ("POST", "/v1/preload", b'{"path": "/nonexistent/node.xml"}', 422,
     "/nonexistent/node.xml: XML error: failed to parse xml document '/nonexistent/node.xml'"),
])
async def test_refused_requests(method: str, target: str, body: bytes | None, status: int, error: str) -> None:
    with trio.fail_after(10):
        async with control() as (_, port):
            c = await connect(port)
            assert await c.request(method, target, body) == (status, {"error": error})


async def test_bad_http_is_a_400_and_the_server_goes_on() -> None:
    with trio.fail_after(10):
        async with control() as (_, port):
            answer = await raw(port, b"NOT HTTP AT ALL\r\n\r\n")
            assert answer.startswith(b"HTTP/1.1 400 Bad Request\r\n")
            assert b'{"error":"bad HTTP request: ' in answer
            answer = await raw(port, b"GET / HTTP/1.1\r\nhost: x\r\nx-big: " + b"a" * (200 << 10) + b"\r\n\r\n")
            assert answer.startswith(b"HTTP/1.1 431 ")
            assert await (await connect(port)).request("POST", "/v1/version", b"{}") == (
                200, {"api": 1, "fakevirt": "0.1.0", "libvirt": "9.0.0"})


async def test_a_body_over_the_limit_is_413_declared_or_chunked() -> None:
    with trio.fail_after(20):
        async with control(max_body=1000) as (_, port):
            c = await connect(port)
            assert await c.request("POST", "/v1/state.import", b"{" + b" " * 2000 + b"}") == (
                413, {"error": "body of 2002 bytes is over the 1000 byte limit"})
            chunked = (b"POST /v1/version HTTP/1.1\r\nhost: x\r\ntransfer-encoding: chunked\r\n\r\n"
                       + (b"200\r\n" + b" " * 512 + b"\r\n") * 3 + b"0\r\n\r\n")
            answer = await raw(port, chunked)
            assert answer.startswith(b"HTTP/1.1 413 Request Entity Too Large\r\n")
            assert answer.endswith(b'{"error":"body over the 1000 byte limit"}\n')


async def test_an_operation_that_fails_is_a_500_and_the_server_goes_on(caplog: pytest.LogCaptureFixture) -> None:
    def broken(hv: Hypervisor, body: Any) -> None:
        raise KeyError("oops")

    with trio.fail_after(10), extra_operation("broken", broken):
        async with control() as (_, port):
            c = await connect(port)
            assert await c.request("POST", "/v1/broken", b"{}") == (
                500, {"error": "operation 'broken' failed: KeyError: 'oops'"})
            assert (await c.request("POST", "/v1/reset", b"{}"))[0] == 200
    assert "control operation broken failed" in caplog.text


async def test_events_stream_every_event_in_order() -> None:
    hv = Hypervisor()
    with trio.fail_after(10):
        async with control(hv) as (server, port):
            c = await connect(port)
            await c.stream.send_all(c.conn.send(h11.Request(method="GET", target="/v1/events",
                                                            headers=[("host", "x")])))
            await c.stream.send_all(c.conn.send(h11.EndOfMessage()))
            response = await c.next_event()
            assert response.status_code == 200
            assert (b"transfer-encoding", b"chunked") in response.headers
            for n in range(3):  # subscribed before the headers were sent
                hv.bus.publish(network_event(n))
            lines = c.lines()
            got = [await anext(lines) for _ in range(3)]
            assert got == [{"kind": "network", "net_name": f"net{n}", "net_uuid": str(uuid.UUID(int=n)),
                            "event": "DEFINED", "event_id": "LIFECYCLE", "detail": 0} for n in range(3)]
            await c.stream.aclose()
            await trio.testing.wait_all_tasks_blocked()
            assert server.streams_open == 0, "a closed stream is unsubscribed"
            hv.bus.publish(network_event(4))


async def test_a_client_that_never_reads_is_dropped_and_stalls_nobody() -> None:
    hv = Hypervisor()
    with trio.fail_after(30):
        async with control(hv, event_queue=64) as (server, port):
            sleeper, reader = await connect(port, rcvbuf=4096), await connect(port)
            for c in (sleeper, reader):
                await c.stream.send_all(c.conn.send(h11.Request(method="GET", target="/v1/events",
                                                                headers=[("host", "x")])))
                await c.stream.send_all(c.conn.send(h11.EndOfMessage()))
                assert (await c.next_event()).status_code == 200
            received: list[str] = []

            async def read_all() -> None:
                async for event in reader.lines():
                    received.append(event["net_name"])

            async with trio.open_nursery() as nursery:
                nursery.start_soon(read_all)
                published = 0
                while server.streams_dropped == 0:
                    for _ in range(16):
                        hv.bus.publish(network_event(published))
                        published += 1
                    await trio.sleep(0.001)  # the reader's turn; the sleeper never takes its own
                    assert published < 200_000
                assert server.streams_open == 1  # the dropped one is unsubscribed
                other = await connect(port)
                assert (await other.request("POST", "/v1/version", b"{}"))[0] == 200
                while len(received) < published:
                    await trio.sleep(0.01)
                nursery.cancel_scope.cancel()
            assert received == [f"net{n}" for n in range(published)]


async def test_preload_a_node_file(tmp_path: Any) -> None:
    node = tmp_path / "node.xml"
    node.write_text("<node><domain type='kvm'><name>web</name><memory unit='MiB'>64</memory>"
                    "<os><type arch='x86_64'>hvm</type></os></domain>"
                    "<interface type='ethernet' name='eth9'/></node>")
    hv = Hypervisor()
    with trio.fail_after(10):
        async with control(hv) as (_, port):
            status, answer = await (await connect(port)).request(
                "POST", "/v1/preload", json.dumps({"path": str(node)}).encode())
    assert (status, answer) == (200, {"skipped": [
        "interface eth9: the QEMU driver's host interfaces are the host's own"]})
    assert hv.system.domains.by_name("web").active


async def test_random_bytes_never_stop_the_server() -> None:
    rng = random.Random(15)
    with trio.fail_after(30):
        async with control() as (_, port):
            for n in range(40):
                junk = bytes(rng.randrange(256) for _ in range(rng.randrange(1, 600)))
                if n % 2:  # half of them behind a plausible request line
                    junk = b"POST /v1/reset HTTP/1.1\r\n" + junk
                stream = await trio.open_tcp_stream("127.0.0.1", port)
                await stream.send_all(junk)
                await stream.send_eof()
                answer = b""
                while chunk := await stream.receive_some(65536):
                    answer += chunk
                assert answer == b"" or answer.startswith(b"HTTP/1.1 4"), answer
            assert (await (await connect(port)).request("POST", "/v1/version", b"{}"))[0] == 200


async def test_a_saved_or_loaded_state_gets_its_next_copy_built_ahead() -> None:
    hv = Hypervisor()
    with trio.fail_after(20):
        async with control(hv) as (server, port):
            c = await connect(port)
            assert await c.request("POST", "/v1/state.save", b'{"name": "s"}') == (200, {"name": "s"})
            while server.prepared < 1:  # the worker thread unpickles the copy the next load swaps in
                await trio.sleep(0.01)
            assert await c.request("POST", "/v1/state.load", b'{"name": "s"}') == (200, {"name": "s"})
            while server.prepared < 2:
                await trio.sleep(0.01)
            assert await c.request("POST", "/v1/state.delete", b'{"name": "s"}') == (200, {"name": "s"})
