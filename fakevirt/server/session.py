"""One client connection: read frames, dispatch calls, write replies, keep the client alive."""

from __future__ import annotations

import logging
from collections import deque
from collections.abc import Awaitable, Callable
from functools import partial
from typing import TYPE_CHECKING, Any

import trio

from protocol import (
    NEED_DATA,
    PROCEDURES,
    SERVED_PROGRAMS,
    Call,
    Connection,
    ConnectionClosed,
    ErrorReply,
    Event,
    Ignored,
    InvalidCall,
    KeepalivePing,
    KeepalivePong,
    Message,
    ProtocolError,
    Reply,
    Role,
    StreamAbort,
    StreamData,
    StreamFinish,
    StreamHole,
    UnencodablePayload,
)

from ..errors import VirtError
from ..handlers import RELAYS, Client, Relay, Stream
from ..model.domain_jobs import DomainJob, Phase
from ..model.faults import Fault
from .dispatch import (
    Answer,
    dispatch,
    error_reply,
    held_answer,
    invalid_call_reply,
    lock_timed_out,
    record_call,
    take_fault,
)
from .session_parts import Batch, SessionStats, Slots, first_error, job_ended
from .streams import StreamTable
from .transport import Transport

if TYPE_CHECKING:
    from .core import Server

log = logging.getLogger("fakevirt.session")

RECEIVE_SIZE = 256 * 1024
FLUSH_BYTES = 64 * 1024  # replies are written once a batch reaches this size
EVENT_QUEUE_MAX = 10_000  # events waiting for one slow client before it is dropped
LOCK_WAIT = 30.0  # how long libvirtd's calls wait for a domain's state change lock


class ClientSession:
    """Serves one client until it closes, breaks the protocol, or goes silent past keepalive."""

    def __init__(self, server: Server, transport: Transport, client: Client) -> None:
        self.server = server
        self.transport = transport
        self.client = client
        self.conn = Connection(Role.SERVER, PROCEDURES, SERVED_PROGRAMS)
        self.stats = SessionStats()
        self._send_lock = trio.Lock()
        self._slots = Slots(server.config.max_client_requests)
        self._batch = Batch()
        self._keepalive_started = False
        self._silent_since = trio.current_time()
        self._countdown = server.config.keepalive_count
        self._nursery: trio.Nursery | None = None
        self._closing = False
        self._close_after_reply = False  # CONNECT_CLOSE was answered
        self._events: deque[Message] = deque()  # for the pump, or for the reply a call is about to send
        self._events_waiting = trio.Event()
        self._streams = StreamTable(self)

    def statistics(self) -> SessionStats:
        return self.stats

    def close_when_idle(self) -> None:
        """Server shutdown: end the session now unless a call is still being answered."""
        self._closing = True
        if self.stats.in_flight == 0 and self._nursery is not None:
            self._nursery.cancel_scope.cancel()

    async def run(self) -> None:
        """Serve until the client goes; whatever ends this session ends it alone."""
        self._subscribe()
        try:
            async with trio.open_nursery() as nursery:
                self._nursery = nursery
                nursery.start_soon(self._event_pump)
                await self._read_loop()
                nursery.cancel_scope.cancel()
        except* (trio.BrokenResourceError, trio.ClosedResourceError):
            log.debug("client %d: connection lost", self.client.id)
        except* ProtocolError as group:
            log.warning("client %d: %s; closing", self.client.id, first_error(group))
        finally:
            for stop in self._unsubscribe:
                stop()
            self._streams.abort_all()
            if self.client.driver is not None:
                self.client.driver.domains.client_closed(self.client.id)  # autodestroy domains
                self.client.driver.release()
            with trio.CancelScope(shield=True):
                await self.transport.aclose()

    def _subscribe(self) -> None:
        """Listen to the events of the client's host (a test driver's node has its own)."""
        bus = self._bus = self.client.hv.bus
        self._unsubscribe = [bus.subscribe(kind, partial(self._relay, fn)) for kind, fn in RELAYS.items()]

    def _relay(self, fn: Relay, event: object) -> None:
        """Called synchronously by the model: queue this client's messages, never block it."""
        self._queue(fn(self.client, event))

    def _queue(self, messages: list[Message]) -> None:
        for message in messages:
            if len(self._events) >= EVENT_QUEUE_MAX:  # a client that does not read its events is dropped
                log.warning("client %d: event queue full; closing", self.client.id)
                if self._nursery is not None:
                    self._nursery.cancel_scope.cancel()
                return
            self._events.append(message)
            self._events_waiting.set()
            self.stats.events_queued += 1

    async def _event_pump(self) -> None:
        while True:
            await self._events_waiting.wait()
            self._events_waiting = trio.Event()
            while self._events:
                try:
                    data = self._encode_event(self._events.popleft())
                except ProtocolError:
                    return  # the reader broke the connection and said why
                await self.send(data)

    def _encode_event(self, message: Message) -> bytes:
        try:
            return self.conn.send(message)
        except UnencodablePayload as e:  # libvirtd drops an event it cannot encode
            log.warning("client %d: event dropped: %s", self.client.id, e)
            return b""

    def _queued_events(self) -> bytes:
        """The events waiting for this client, the ones the call just caused among them: libvirtd
        sends those before the call's reply (a synchronous block-job abort's CANCELED/COMPLETED)."""
        out = [self._encode_event(self._events.popleft()) for _ in range(len(self._events))]
        return b"".join(out)

    async def _read_loop(self) -> None:
        while True:
            try:
                data = await self.transport.receive_some(RECEIVE_SIZE)
            except (trio.BrokenResourceError, trio.ClosedResourceError):
                return
            self._silent_since = trio.current_time()
            self._countdown = self.server.config.keepalive_count  # any packet proves the peer alive
            try:
                self.conn.receive_data(data)
                done = await self._drain()
            except ProtocolError as e:
                log.warning("client %d: %s; closing", self.client.id, e)
                return
            if done:
                return

    async def _drain(self) -> bool:
        """Handle every whole frame received so far; True when the connection is done.

        Like libvirtd, a client has at most ``max_client_requests`` calls outstanding: a call holds
        a slot until its reply has been written, and no frame is read while all slots are taken.
        Replies are written as they are produced, in batches of at most that many calls or
        ``FLUSH_BYTES``, so a client that does not read holds at most one batch in memory.
        """
        batch = self._batch
        while True:
            event = self.conn.next_event()
            if event is NEED_DATA:
                await self._flush(batch)
                return False
            if isinstance(event, ConnectionClosed):
                await self._flush(batch)
                return True
            if isinstance(event, Call) and event.nfds:
                # libvirtd reads the fds beside the frame (virNetSocketRecvFD); this transport
                # carries none, so it drops the client without a reply
                log.warning("client %d: Receiving file descriptors is not supported on this socket; closing",
                            self.client.id)
                await self._flush(batch)
                return True
            if isinstance(event, (Call, InvalidCall)):
                if self._slots.free == 0:
                    await self._flush(batch)  # frees this batch's slots unless delayed calls hold them all
                    await self._slots.take()
                else:
                    self._slots.free -= 1  # no scheduling pass per call while slots are free
                if isinstance(event, InvalidCall):
                    batch.add(self._invalid(event), slot=True)
                elif (fault := take_fault(self.client, event)) is not None and fault.delay > 0:
                    self.start_soon(self._deferred_call, event, partial(self._after_delay, event, fault))
                elif fault is not None and fault.hang:
                    record_call(self.client, event, "hang")
                    self.start_soon(trio.sleep_forever)  # its slot stays taken, as a call QEMU never answers
                elif fault is not None and fault.drop:
                    record_call(self.client, event, "dropped")
                    await self._flush(batch)
                    return True
                else:
                    data, stream, held = await self._answer_durably(event, fault)
                    batch.add(data, slot=not held)  # a held call keeps its slot until its reply
                    if stream is not None:  # the reply goes out before any of the stream's packets
                        await self._flush(batch)
                        self._streams.open(event, stream)
                    if self._close_after_reply:
                        await self._flush(batch)
                        return True
            else:
                out = self._other(event)
                if isinstance(event, (StreamFinish, StreamAbort)):
                    await self.server.persist(self.client)  # an upload's data, before its finish is confirmed
                batch.add(b"".join(out), slot=False)
            if batch.slots >= self.server.config.max_client_requests or batch.size >= FLUSH_BYTES:
                await self._flush(batch)
                await trio.lowlevel.checkpoint()  # a fast pipelining client must not starve the others

    async def _flush(self, batch: Batch) -> None:
        if not batch.parts:
            return
        data, slots = b"".join(batch.parts) if len(batch.parts) > 1 else batch.parts[0], batch.slots
        batch.clear()
        try:
            await self.send(data)
        finally:
            self._slots.give(slots)

    async def _answer_durably(self, call: Call, fault: Fault | None) -> tuple[bytes, Stream | None, bool]:
        """``_answer``, and with --state what the call changed on disk before the reply goes out.
        True when the call's job is held: its reply comes later (``_held_call``), only the
        events so far are in the bytes."""
        data, stream, reply = self._answer(call, fault)
        if reply is None:
            return data, None, True
        await self.server.persist(self.client, call, reply)
        return data, stream, False

    def _answer(self, call: Call, fault: Fault | None) -> tuple[bytes, Stream | None, Reply | ErrorReply | None]:
        """Run the call and apply what its handler asked for; the reply's bytes and the stream to
        open once they are sent (no reply: a task waits for the call's held job)."""
        self.stats.calls += 1
        answer = dispatch(self.client, call, fault)
        if self.client.hv.bus is not self._bus:  # CONNECT_OPEN of a test:/// URI
            for stop in self._unsubscribe:
                stop()
            self._subscribe()
        if answer.held is not None:
            later = self._after_lock if answer.busy else self._after_job
            self.start_soon(self._deferred_call, call, partial(later, call, answer.held))
            return self._queued_events(), None, None
        return self._reply(call, answer)

    def _reply(self, call: Call, answer: Answer) -> tuple[bytes, Stream | None, Reply | ErrorReply]:
        events = self._queued_events()
        reply = answer.reply
        assert reply is not None
        try:
            data = events + self.conn.send(reply)
        except UnencodablePayload as e:  # libvirtd's virNetMessageEncodePayload refusal
            log.warning("client %d: reply to procedure %d not sent: %s", self.client.id, call.procedure, e)
            reply = error_reply(call, VirtError.rpc("Unable to encode message payload"))
            answer = Answer(reply)
            data = events + self.conn.send(reply)
        outcome = answer.outcome
        if isinstance(reply, ErrorReply):
            self.stats.errors += 1
        if outcome.keepalive and not self._keepalive_started:
            self._keepalive_started = True
            self.start_soon(self._keepalive)
        self._close_after_reply |= outcome.close
        return data, outcome.stream, reply

    def _invalid(self, call: InvalidCall) -> bytes:
        self.stats.calls += 1
        self.stats.errors += 1
        return self.conn.send(invalid_call_reply(call))

    def _other(self, event: Event) -> list[bytes]:
        if isinstance(event, KeepalivePing):
            return [self.conn.send(KeepalivePong())]
        if isinstance(event, (KeepalivePong, Ignored)):
            return []
        if isinstance(event, (StreamData, StreamHole, StreamFinish, StreamAbort)):
            return self._streams.packet(event)
        log.debug("client %d: dropping %r", self.client.id, event)
        return []

    async def _deferred_call(self, call: Call, answer: Callable[[], Awaitable[tuple[bytes, Stream | None, bool]]]
                             ) -> None:
        """A call answered after its turn (a delay fault, a held job, the state change lock): it
        keeps one of the client's slots until ``answer``'s reply is written, or hands it on to
        the task of a call held again (``answer``'s True)."""
        self.stats.in_flight += 1
        held = False
        try:
            data, stream, held = await answer()
            await self.send(data)
            if stream is not None:
                self._streams.open(call, stream)
        finally:
            self.stats.in_flight -= 1
            if not held:
                self._slots.give()
        if self._close_after_reply or (self._closing and self.stats.in_flight == 0):
            await self.transport.aclose()

    async def _after_delay(self, call: Call, fault: Fault) -> tuple[bytes, Stream | None, bool]:
        await trio.sleep(fault.delay)
        if fault.hang or fault.drop:
            record_call(self.client, call, "hang" if fault.hang else "dropped")
            if fault.hang:
                await trio.sleep_forever()
            assert self._nursery is not None
            self._nursery.cancel_scope.cancel()
            await trio.lowlevel.checkpoint()  # cancelled: nothing is sent
        return await self._answer_durably(call, fault)

    async def _after_job(self, call: Call, job: DomainJob) -> tuple[bytes, Stream | None, bool]:
        """A call whose save/dump job a test holds, as libvirtd's worker waiting for QEMU: answered
        when control, an abort or the domain's end finishes the job. A client that leaves
        meanwhile leaves the job running, as libvirtd's API thread goes on."""
        await job_ended(job)
        data, _, reply = self._reply(call, held_answer(self.client, call, job))
        await self.server.persist(self.client, call, reply)
        return data, None, False

    async def _after_lock(self, call: Call, job: DomainJob) -> tuple[bytes, Stream | None, bool]:
        """A call waiting for the state change lock of a held job: it runs when the job ends, or
        fails as libvirtd's after LOCK_WAIT seconds."""
        with trio.move_on_after(LOCK_WAIT):
            await job_ended(job)
        if job.phase is not Phase.RUNNING:
            return await self._answer_durably(call, None)
        data, _, _ = self._reply(call, lock_timed_out(self.client, call, job))
        return data, None, False

    def start_soon(self, fn: Any, *args: Any) -> None:
        assert self._nursery is not None
        self._nursery.start_soon(fn, *args)

    async def send(self, data: bytes) -> None:
        """Write now if the socket takes it all (no await); otherwise hold the lock until sent."""
        if self._send_lock.locked():
            async with self._send_lock:
                await self.transport.send_all(data)
            return
        sent = self.transport.try_send(data)
        if sent == len(data):
            return
        self._send_lock.acquire_nowait()  # nothing yielded since locked() said it was free
        try:
            await self.transport.send_all(memoryview(data)[sent:])
        finally:
            self._send_lock.release()

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
                await self.transport.aclose()
                return
            self._countdown -= 1
            self.stats.pings_sent += 1
            await self.send(self.conn.send(KeepalivePing()))
