"""The NBD service: serves pull-mode backups' exports, and paces push-mode backups.

The model publishes a ``BackupEvent`` when a pull backup starts or ends; this service opens the
listener the backup XML names (TCP or UNIX socket) and closes it, with every connection, when the
job ends.  Each connection runs the sans-IO ``protocol.nbd.NbdServer`` over a trio stream and
reads the job's frozen disks through ``JobBackend``.  Its ticker lets push jobs finish on the
clock without a client asking.
"""

from __future__ import annotations

import logging
import os
import socket
from dataclasses import dataclass, field

import trio

from protocol.nbd import BASE_ALLOCATION, NbdProtocolError, NbdServer

from ..model.backup import BackupEvent, BackupJob, Export, view
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
class NbdService:
    hv: Hypervisor
    listening: dict[int, trio.CancelScope] = field(default_factory=dict)  # id(job) -> its scope
    scope: trio.CancelScope = field(default_factory=trio.CancelScope)  # the server's shutdown cancels it

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
        while True:
            await trio.sleep(TICK)
            for driver in list(self.hv.drivers.values()):
                if driver.backups.jobs:
                    driver.backups.poll()

    async def _serve_job(self, job: BackupJob, task_status: trio.TaskStatus[None] = trio.TASK_STATUS_IGNORED) -> None:
        server = job.definition.server
        backend = JobBackend({e.name: e for e in job.exports})
        with trio.CancelScope() as scope:
            self.listening[id(job)] = scope
            try:
                listener = _listen(server.transport if server else "tcp", server.name if server else None,
                                   server.port if server else None, server.socket if server else None)
            except OSError as e:
                log.warning("backup NBD server: cannot listen: %s", e)
                task_status.started()
                return
            task_status.started()
            try:
                async with trio.open_nursery() as conns:
                    while True:
                        conn, _ = await listener.accept()
                        conns.start_soon(self._serve_conn, trio.SocketStream(conn), backend)
            finally:
                listener.close()
                if server is not None and server.transport == "unix" and server.socket:
                    _unlink(server.socket)

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


def _listen(transport: str, host: str | None, port: int | None, path: str | None) -> trio.socket.SocketType:
    """Bind the listener now (numeric addresses and paths: nothing here blocks on a lookup)."""
    if transport == "unix":
        assert path is not None
        _unlink(path)
        sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        address: str | tuple[str, int] = path
    else:
        host = "127.0.0.1" if not host or host == "localhost" else host
        sock = socket.socket(socket.AF_INET6 if ":" in host else socket.AF_INET, socket.SOCK_STREAM)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        address = (host, port or 0)
    try:
        sock.bind(address)
        sock.listen(16)
        sock.setblocking(False)
    except OSError:
        sock.close()
        raise
    return trio.socket.from_stdlib_socket(sock)


def _unlink(path: str) -> None:
    try:
        os.unlink(path)
    except FileNotFoundError:
        pass
