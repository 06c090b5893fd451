"""Byte transports under a session: a raw non-blocking socket (fast path) or any trio Stream.

A call costs one trio scheduling pass on a raw socket (waiting until it is readable) instead of
the three that SocketStream's receive and send take; that is most of the per-call cost of the
server. Every ``YIELD_EVERY`` reads that did not have to wait, the reader yields anyway so a
client that never stops sending cannot starve the others.
"""

from __future__ import annotations

import logging
import socket
import ssl
from typing import Protocol

import trio

log = logging.getLogger("fakevirt.server")

YIELD_EVERY = 16
TLS_CONFIRM = b"\x01"  # libvirtd's go-ahead after the handshake and the certificate check


class Transport(Protocol):
    """What a session needs of its connection."""

    async def receive_some(self, max_bytes: int) -> bytes | bytearray: ...

    def try_send(self, data: bytes | memoryview) -> int: ...

    async def send_all(self, data: bytes | memoryview) -> None: ...

    async def aclose(self) -> None: ...


class SocketTransport:
    """A connected, non-blocking stdlib socket driven with trio's wait_readable/wait_writable."""

    def __init__(self, sock: socket.socket) -> None:
        sock.setblocking(False)
        if sock.family in (socket.AF_INET, socket.AF_INET6):
            sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self.sock = sock
        self._eager_reads = 0
        self._closed = False

    async def receive_some(self, max_bytes: int) -> bytes:
        if self._eager_reads >= YIELD_EVERY:
            self._eager_reads = 0
            await trio.lowlevel.checkpoint()
        while True:
            if self._closed:
                raise trio.ClosedResourceError("transport closed")
            try:
                data = self.sock.recv(max_bytes)
            except BlockingIOError:
                self._eager_reads = 0
                await trio.lowlevel.wait_readable(self.sock)
                continue
            except OSError as e:
                raise trio.BrokenResourceError(str(e)) from e
            self._eager_reads += 1
            return data

    def try_send(self, data: bytes | memoryview) -> int:
        """Send what the socket takes now, without waiting; returns the byte count."""
        if self._closed:
            raise trio.ClosedResourceError("transport closed")
        try:
            return self.sock.send(data)
        except BlockingIOError:
            return 0
        except OSError as e:
            raise trio.BrokenResourceError(str(e)) from e

    async def send_all(self, data: bytes | memoryview) -> None:
        view = memoryview(data)
        while view:
            sent = self.try_send(view)
            view = view[sent:]
            if view:
                await trio.lowlevel.wait_writable(self.sock)

    async def aclose(self) -> None:
        if not self._closed:
            self._closed = True
            trio.lowlevel.notify_closing(self.sock)
            self.sock.close()
        await trio.lowlevel.checkpoint()


class StreamTransport:
    """Any trio Stream (memory streams in tests, SocketStream elsewhere)."""

    def __init__(self, stream: trio.abc.Stream) -> None:
        self.stream = stream

    async def receive_some(self, max_bytes: int) -> bytes | bytearray:
        data: bytes | bytearray = await self.stream.receive_some(max_bytes)
        return data

    def try_send(self, data: bytes | memoryview) -> int:
        return 0  # streams only send with an await

    async def send_all(self, data: bytes | memoryview) -> None:
        await self.stream.send_all(data)

    async def aclose(self) -> None:
        await trio.aclose_forcefully(self.stream)


async def accept_tls(sock: socket.socket, context: ssl.SSLContext, timeout: float) -> StreamTransport | None:
    """The server side of libvirt's TLS: handshake (client certificate checked), then the byte
    ``\\1`` that a libvirt client waits for before its first call.

    A client that fails the check or does not finish within ``timeout`` seconds is dropped
    without a TLS close_notify (None), as libvirtd drops it: its client then reports
    "Unable to read TLS confirmation".
    """
    stream = trio.SocketStream(trio.socket.from_stdlib_socket(sock))
    tls = trio.SSLStream(stream, context, server_side=True)
    with trio.move_on_after(timeout) as scope:
        try:
            await tls.do_handshake()
            await tls.send_all(TLS_CONFIRM)
            return StreamTransport(tls)
        except trio.BrokenResourceError as e:
            log.warning("TLS client %s refused: %s", _peer(sock), e.__cause__ or e)
    if scope.cancelled_caught:
        log.warning("TLS client %s refused: no handshake in %g s", _peer(sock), timeout)
    else:
        await _hang_up(stream, timeout)
    await trio.aclose_forcefully(stream)
    return None


async def _hang_up(stream: trio.SocketStream, timeout: float) -> None:
    """Close our side first and read what the client still sends: closing with unread data
    would reset the connection, and the client would see that instead of an end of file."""
    with trio.move_on_after(timeout):
        try:
            await stream.send_eof()
            while await stream.receive_some(65536):
                pass
        except (trio.BrokenResourceError, trio.ClosedResourceError):
            pass


def _peer(sock: socket.socket) -> str:
    try:
        return str(sock.getpeername()[0])
    except OSError:
        return "?"
