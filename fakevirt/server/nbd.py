"""The NBD service: serves pull-mode backups' exports, and paces push-mode backups.

BackupBegin binds the listener the backup XML names (TCP or UNIX socket) through the
``SocketBinder`` this service installs on the hypervisor, so a bind failure fails the call; the
model then publishes a ``BackupEvent`` when the pull backup starts or ends, and this service
accepts on the bound socket and closes it, with every connection, when the job ends.  Each connection runs the sans-IO ``protocol.nbd.NbdServer`` over a trio stream and
reads the job's frozen disks through ``JobBackend``.  Its ticker lets push jobs finish on the
clock without a client asking.
"""

from __future__ import annotations

import errno
import logging
import os
import socket
import stat
from dataclasses import dataclass, field

import trio

from protocol.nbd import BASE_ALLOCATION, NbdProtocolError, NbdServer

from ..model.backup import BackupEvent, BackupJob, BackupServer, Export, NbdBindError, view
from ..model.hypervisor import Hypervisor

log = logging.getLogger("fakevirt.nbd")
TICK = 0.05  # seconds between two polls of the push jobs
BITMAP_PREFIX = "qemu:dirty-bitmap:"


@dataclass
class JobBackend:
    """``protocol.nbd.NbdBackend`` over one backup job's exports."""

    exports: dict[str, Export]

    def export_names(self) -> list[str]:
        return list(self.exports)

    def size(self, export: str) -> int | None:
        e = self.exports.get(export)
        return None if e is None else e.disk.size

    def contexts(self, export: str) -> list[str]:
        e = self.exports.get(export)
        return [BITMAP_PREFIX + e.bitmap] if e is not None and e.bitmap else []

    def segments(self, export: str, offset: int, length: int) -> list[view.Segment]:
        return self.exports[export].disk.segments(offset, length)

    def status(self, export: str, context: str, offset: int, length: int, limit: int) -> list[tuple[int, int]]:
        disk = self.exports[export].disk
        if context == BASE_ALLOCATION:
            return disk.extents(offset, length, limit)
        return disk.dirty_extents(offset, length, limit)


@dataclass
class BoundListener:
    """A listening socket bound during BackupBegin (``NbdListener``)."""

    sock: socket.socket
    path: str | None = None  # a UNIX socket's file, removed on close

    def close(self) -> None:
        if self.sock.fileno() >= 0:
            self.sock.close()
            if self.path is not None:
                _unlink(self.path)


class SocketBinder:
    """``NbdBinder``: binds as QEMU's nbd-server-start does, with its error texts."""

    def bind(self, server: BackupServer) -> BoundListener:
        if server.transport == "unix":
            return BoundListener(_unix_listener(server.socket or ""), server.socket)
        return BoundListener(_tcp_listener(server.name, server.port or 0))


@dataclass
class NbdService:
    hv: Hypervisor
    listening: dict[int, trio.CancelScope] = field(default_factory=dict)  # id(job) -> its scope
    scope: trio.CancelScope = field(default_factory=trio.CancelScope)  # the server's shutdown cancels it

    def __post_init__(self) -> None:
        self.hv.nbd_binder = SocketBinder()

    async def run(self) -> None:
        send, receive = trio.open_memory_channel[BackupEvent](1000)
        unsubscribe = self.hv.bus.subscribe(BackupEvent, send.send_nowait)
        try:
            with self.scope:
                async with trio.open_nursery() as nursery:
                    nursery.start_soon(self._tick)
                    async for ev in receive:
                        if ev.started:
                            await nursery.start(self._serve_job, ev.job)
                        else:
                            scope = self.listening.pop(id(ev.job), None)
                            if scope is not None:
                                scope.cancel()
        finally:
            unsubscribe()

    async def _tick(self) -> None:
        """Paces push jobs; stops serving jobs a reset of the hypervisor dropped without an end."""
        while True:
            await trio.sleep(TICK)
            for driver in list(self.hv.drivers.values()):
                if driver.backups.jobs:
                    driver.backups.poll()
            if self.listening:
                alive = {id(j) for d in self.hv.drivers.values() for j in d.backups.jobs.values()}
                for key in set(self.listening) - alive:
                    self.listening.pop(key).cancel()

    async def _serve_job(self, job: BackupJob, task_status: trio.TaskStatus[None] = trio.TASK_STATUS_IGNORED) -> None:
        bound = job.listener
        if not isinstance(bound, BoundListener):  # bound by another binder: nothing to accept on
            task_status.started()
            return
        backend = JobBackend({e.name: e for e in job.exports})
        with trio.CancelScope() as scope:
            self.listening[id(job)] = scope  # before the job's end event is read
            task_status.started()
            try:
                listener = trio.socket.from_stdlib_socket(bound.sock)
                async with trio.open_nursery() as conns:
                    while True:
                        conn, _ = await listener.accept()
                        conns.start_soon(self._serve_conn, trio.SocketStream(conn), backend)
            finally:
                self.listening.pop(id(job), None)
                bound.close()

    async def _serve_conn(self, stream: trio.SocketStream, backend: JobBackend) -> None:
        nbd = NbdServer(backend)
        async with stream:
            try:
                await stream.send_all(nbd.start())
                while not nbd.closed:
                    data = await stream.receive_some(1 << 20)
                    if not data:
                        return
                    for piece in nbd.replies(data):  # each send lets the other tasks run
                        await stream.send_all(piece)
            except (NbdProtocolError, trio.BrokenResourceError, trio.ClosedResourceError) as e:
                log.info("NBD client dropped: %s", e)


def _unix_listener(path: str) -> socket.socket:
    """QEMU's unix_listen_saddr: an existing socket file is replaced (other files are left alone)."""
    if os.path.lexists(path):
        if not stat.S_ISSOCK(os.lstat(path).st_mode):
            raise NbdBindError(f"Failed to unlink socket {path}: {os.strerror(errno.EACCES)}")
        _unlink(path)
    sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    try:
        sock.bind(path)
    except OSError as e:
        sock.close()
        raise NbdBindError(f"Failed to bind socket to {path}: {os.strerror(e.errno or errno.EINVAL)}") from None
    return _listening(sock)


def _tcp_listener(host: str | None, port: int) -> socket.socket:
    """QEMU's inet_listen_saddr for one port; names resolve as QEMU resolves them (blocking)."""
    host = "127.0.0.1" if not host or host == "localhost" else host
    try:
        family, kind, proto, _, address = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM,
                                                             flags=socket.AI_PASSIVE)[0]
    except socket.gaierror as e:
        raise NbdBindError(f"address resolution failed for {host}:{port}: {e.strerror}") from None
    sock = socket.socket(family, kind, proto)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        sock.bind(address)
    except OSError as e:
        sock.close()
        what = "Failed to find an available port" if e.errno == errno.EADDRINUSE else "Failed to bind socket"
        raise NbdBindError(f"{what}: {os.strerror(e.errno or errno.EINVAL)}") from None
    return _listening(sock)


def _listening(sock: socket.socket) -> socket.socket:
    sock.listen(16)
    sock.setblocking(False)
    return sock


def _unlink(path: str) -> None:
    try:
        os.unlink(path)
    except FileNotFoundError:
        pass
