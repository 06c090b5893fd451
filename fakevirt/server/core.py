"""The server: accepts clients on its listeners and runs a session for each."""

from __future__ import annotations

import itertools
import logging
import socket
import ssl
from dataclasses import dataclass, field

import trio

from protocol import PROCEDURES, Call, ErrorReply, Reply

from ..handlers import Client
from ..model.hypervisor import Hypervisor
from ..nodefiles import read_node_file
from ..statedir import StateWriter, apply
from .listeners import BoundSocket, ListenAddress, bind, close_socket
from .nbd import NbdService
from .session import ClientSession
from .timers import drive_block_jobs
from .transport import SocketTransport, StreamTransport, Transport, accept_tls

log = logging.getLogger("fakevirt.server")


@dataclass(frozen=True)
class ServerConfig:
    """libvirtd's defaults (remote_daemon_config.c) unless set otherwise."""

    keepalive_interval: float = 5.0
    keepalive_count: int = 5
    max_client_requests: int = 5
    max_clients: int = 5000
    shutdown_grace: float = 2.0
    tls_handshake_timeout: float = 10.0  # libvirtd has none (it caps max_anonymous_clients instead)


@dataclass
class ServerStats:
    connections_total: int = 0
    connections_open: int = 0
    tls_handshakes: int = 0  # under way


@dataclass
class Server:
    """One emulated libvirtd: one Hypervisor, any number of listeners and clients.

    ``tls``: the context of the tls:// listeners (``pki.server_context``).
    """

    hv: Hypervisor
    config: ServerConfig = field(default_factory=ServerConfig)
    tls: ssl.SSLContext | None = None
    state: StateWriter | None = None  # --state DIR: every acknowledged change is on disk before its reply
    sessions: set[ClientSession] = field(default_factory=set)
    stats: ServerStats = field(default_factory=ServerStats)

    def __post_init__(self) -> None:
        self._ids = itertools.count(1)
        self._accepting: trio.CancelScope | None = None
        self._handling: trio.CancelScope | None = None
        if self.hv.read_file is None:  # test:///PATH.xml reads node files from this machine
            self.hv.read_file = read_node_file
        self.nbd = NbdService(self.hv)  # pull-mode backups' NBD servers, push backups' pacing
        self._state_lock = trio.Lock()  # plans reach the disk in the order they were made

    async def persist(self, client: Client | None = None, call: Call | None = None,
                      reply: Reply | ErrorReply | None = None) -> None:
        """--state: make what a call (or a stream's end, a client's departure, a control operation)
        changed durable.

        The one hook of persistence: sessions await it after a call ran and before its reply is
        sent. Small plans are written on the spot (a few fsyncs); image data goes to a worker
        thread, and the reply waits for it.
        """
        writer = self.state
        if writer is None:
            return
        try:
            if call is None or client is None:
                plan = writer.after_call(client, None)
            else:
                plan = writer.after_call(client, PROCEDURES[(call.program, call.procedure)], call.args,
                                         reply.ret if isinstance(reply, Reply) else None)
        except Exception:  # a bug here must not cost the client its reply
            log.exception("--state: working out what to write failed")
            return
        if not plan:
            return
        try:
            if not plan.heavy() and not self._state_lock.locked():
                apply(writer.root, plan)
                return
            async with self._state_lock:
                await trio.to_thread.run_sync(apply, writer.root, plan)
        except OSError as e:
            log.error("--state: writing to %s failed: %s", writer.root, e)
            writer.write_failed()
        except Exception:  # a bug in writing must not cost the client its reply either
            log.exception("--state: writing to %s failed", writer.root)
            writer.write_failed()

    def shutdown(self) -> None:
        """Stop accepting; idle clients close now, calls in flight get ``shutdown_grace`` seconds."""
        if self._accepting is not None:
            self._accepting.cancel()
        self.nbd.scope.cancel()
        if self._handling is not None:
            self._handling.deadline = min(self._handling.deadline,
                                          trio.current_time() + self.config.shutdown_grace)
        for session in list(self.sessions):
            session.close_when_idle()

    def statistics(self) -> ServerStats:
        return self.stats

    async def handle(self, stream: trio.abc.Stream, kind: str = "tcp") -> None:
        """Serve one client on an already-connected trio Stream (memory streams in tests)."""
        await self.handle_transport(StreamTransport(stream), kind)

    async def handle_transport(self, transport: Transport, kind: str = "tcp", readonly: bool = False) -> None:
        """Serve one client until it goes away; ``readonly``: it came through a read-only listener."""
        if self.stats.connections_open >= self.config.max_clients:
            await transport.aclose()
            return
        client = Client(self.hv, id=next(self._ids), transport=kind, readonly_listener=readonly)
        session = ClientSession(self, transport, client)
        self.sessions.add(session)
        self.stats.connections_total += 1
        self.stats.connections_open += 1
        try:
            await session.run()
            await self.persist(client)  # what its going did (autodestroy domains)
        except* Exception as group:  # a bug in one session must not end the server
            log.error("client %d: session failed", session.client.id, exc_info=group)
        finally:
            self.sessions.discard(session)
            self.stats.connections_open -= 1

    async def serve(self, where: list[ListenAddress] | list[BoundSocket], *,
                    task_status: trio.TaskStatus[list[BoundSocket]] = trio.TASK_STATUS_IGNORED) -> None:
        """Listen until cancelled (on addresses, or on sockets bound already); reports the listeners."""
        sockets = [w for w in where if isinstance(w, BoundSocket)]
        addresses = [w for w in where if isinstance(w, ListenAddress)]
        if self.tls is None and any(w.kind == "tls" for w in where):
            raise ValueError("a tls:// listener needs the server's TLS context (Server.tls)")
        bound = sockets + bind(addresses)
        for b in bound:
            b.sock.setblocking(False)
        try:
            async with trio.open_nursery() as handlers:
                self._handling = handlers.cancel_scope
                handlers.start_soon(self.nbd.run)
                async with trio.open_nursery() as accepting:
                    self._accepting = accepting.cancel_scope
                    for b in bound:
                        accepting.start_soon(self._accept_loop, b, handlers)
                    accepting.start_soon(drive_block_jobs, self.hv)
                    task_status.started(bound)
        finally:
            for b in bound:
                trio.lowlevel.notify_closing(b.sock)
                close_socket(b)

    async def _accept_loop(self, b: BoundSocket, handlers: trio.Nursery) -> None:
        while True:
            try:
                conn, _ = b.sock.accept()
            except BlockingIOError:
                await trio.lowlevel.wait_readable(b.sock)
                continue
            except OSError as e:  # EMFILE and friends: back off instead of dying
                log.warning("accept on %s failed: %s", b.address, e)
                await trio.sleep(0.1)
                continue
            if b.kind == "tls":
                handlers.start_soon(self._handle_tls, conn, b.readonly)
            else:
                handlers.start_soon(self.handle_transport, SocketTransport(conn), b.kind, b.readonly)

    async def _handle_tls(self, conn: socket.socket, readonly: bool) -> None:
        """The handshake runs here, in the client's own task, so a slow one stalls nobody else."""
        assert self.tls is not None
        if self.stats.connections_open + self.stats.tls_handshakes >= self.config.max_clients:
            conn.close()
            return
        self.stats.tls_handshakes += 1
        try:
            transport = await accept_tls(conn, self.tls, self.config.tls_handshake_timeout)
        finally:
            self.stats.tls_handshakes -= 1
        if transport is not None:
            await self.handle_transport(transport, "tls", readonly)
