"""One client connection: read frames, dispatch calls, write replies, keep the client alive."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import TYPE_CHECKING

import trio

from protocol import (NEED_DATA, PROCEDURES, SERVED_PROGRAMS, Call, Connection, ErrorReply,
                      ConnectionClosed, Event, Ignored, InvalidCall, KeepalivePing,
                      KeepalivePong, ProtocolError, Role)

from ..handlers import Client
from ..model.faults import Fault
from .dispatch import dispatch, invalid_call_reply, take_fault

if TYPE_CHECKING:
    from .core import Server

log = logging.getLogger("fakevirt.session")

RECEIVE_SIZE = 256 * 1024


@dataclass
class SessionStats:
    """Counters of one session (trio-style ``statistics()``)."""

    calls: int = 0
    errors: int = 0
    in_flight: int = 0
    pings_sent: int = 0


class ClientSession:
    """Serves one client until it closes, breaks the protocol, or goes silent past keepalive."""

    def __init__(self, server: Server, stream: trio.abc.Stream, client: Client) -> None:
        self.server = server
        self.stream = stream
        self.client = client
        self.conn = Connection(Role.SERVER, PROCEDURES, SERVED_PROGRAMS)
        self.stats = SessionStats()
        self._send_lock = trio.Lock()
        self._in_flight = trio.Semaphore(server.config.max_client_requests)
        self._keepalive_started = False
        self._silent_since = trio.current_time()
        self._countdown = server.config.keepalive_count
        self._nursery: trio.Nursery | None = None
        self._closing = False

    def statistics(self) -> SessionStats:
        return self.stats

    def close_when_idle(self) -> None:
        """Server shutdown: end the session now unless a call is still being answered."""
        self._closing = True
        if self.stats.in_flight == 0 and self._nursery is not None:
            self._nursery.cancel_scope.cancel()

    async def run(self) -> None:
        try:
            async with trio.open_nursery() as nursery:
                self._nursery = nursery
                await self._read_loop()
                nursery.cancel_scope.cancel()
        except (trio.BrokenResourceError, trio.ClosedResourceError):
            pass
        finally:
            with trio.CancelScope(shield=True):
                await trio.aclose_forcefully(self.stream)

    async def _read_loop(self) -> None:
        while True:
            try:
                data = await self.stream.receive_some(RECEIVE_SIZE)
            except (trio.BrokenResourceError, trio.ClosedResourceError):
                return
            self._silent_since = trio.current_time()
            self._countdown = self.server.config.keepalive_count  # any packet proves the peer alive
            try:
                self.conn.receive_data(data)
                out, done = await self._drain()
            except ProtocolError as e:
                log.warning("client %d: %s; closing", self.client.id, e)
                return
            if out:
                await self._send(b"".join(out))
            if done:
                return
            if self.client.keepalive_requested and not self._keepalive_started:
                self._keepalive_started = True
                assert self._nursery is not None
                self._nursery.start_soon(self._keepalive)

    async def _drain(self) -> tuple[list[bytes], bool]:
        """Handle every whole frame received so far; the replies go out as one write."""
        out: list[bytes] = []
        while True:
            event = self.conn.next_event()
            if event is NEED_DATA:
                return out, False
            if isinstance(event, ConnectionClosed):
                return out, True
            if isinstance(event, Call):
                fault = take_fault(self.client, event)
                if fault is not None and fault.delay > 0:
                    if out:  # keep earlier replies ahead of the wait for a free slot
                        await self._send(b"".join(out))
                        out = []
                    await self._in_flight.acquire()
                    assert self._nursery is not None
                    self._nursery.start_soon(self._delayed_call, event, fault)
                    continue
                out.append(self._answer(event, fault))
                if self.client.closing:
                    return out, True
            else:
                out.extend(self._other(event))

    def _answer(self, call: Call, fault: Fault | None) -> bytes:
        self.stats.calls += 1
        reply = dispatch(self.client, call, fault)
        if isinstance(reply, ErrorReply):
            self.stats.errors += 1
        return self.conn.send(reply)

    def _other(self, event: Event) -> list[bytes]:
        if isinstance(event, InvalidCall):
            self.stats.calls += 1
            self.stats.errors += 1
            return [self.conn.send(invalid_call_reply(event))]
        if isinstance(event, KeepalivePing):
            return [self.conn.send(KeepalivePong())]
        if isinstance(event, (KeepalivePong, Ignored)):
            return []
        # Stream packets for streams that do not exist are dropped, as libvirtd does.
        log.debug("client %d: dropping %r", self.client.id, event)
        return []

    async def _delayed_call(self, call: Call, fault: Fault) -> None:
        self.stats.in_flight += 1
        try:
            await trio.sleep(fault.delay)
            await self._send(self._answer(call, fault))
        finally:
            self.stats.in_flight -= 1
            self._in_flight.release()
        if self.client.closing or (self._closing and self.stats.in_flight == 0):
            await trio.aclose_forcefully(self.stream)

    async def _send(self, data: bytes) -> None:
        async with self._send_lock:
            await self.stream.send_all(data)

    async def _keepalive(self) -> None:
        """libvirtd's keepalive: PING after each silent interval; give up after `count` of them."""
        interval = self.server.config.keepalive_interval
        count = self.server.config.keepalive_count
        if interval <= 0:
            return
        while True:
            await trio.sleep(interval)
            silent = trio.current_time() - self._silent_since
            if silent < interval:
                continue
            if self._countdown <= 0:
                log.warning("client %d: no response after %d keepalive messages in %d seconds",
                            self.client.id, count, int(silent))
                await trio.aclose_forcefully(self.stream)
                return
            self._countdown -= 1
            self.stats.pings_sent += 1
            await self._send(self.conn.send(KeepalivePing()))
