"""The port through which a pull backup gets its NBD listener bound while BackupBegin runs.

QEMU binds the backup's NBD server inside virDomainBackupBegin (``nbd-server-start``), so a port
in use or a bad socket path fails the call and leaves no job.  The model cannot open sockets; the
server installs a ``NbdBinder`` on the hypervisor that binds and listens synchronously (a few
system calls, nothing a client can make long) and hands back an opaque ``NbdListener``, which
travels with the job's ``BackupEvent`` to the server's NBD service that accepts on it.
"""

from __future__ import annotations

from typing import Protocol

from .definition import BackupServer


class NbdBindError(Exception):
    """The listener could not be bound; the text is QEMU's (e.g. "Failed to bind socket: …")."""


class NbdListener(Protocol):
    def close(self) -> None:
        """Stop listening (the NBD service does it when the job ends)."""


class NbdBinder(Protocol):
    def bind(self, server: BackupServer) -> NbdListener:
        """Bind and listen where ``server`` says, now; raises ``NbdBindError``."""


class _Nothing:
    def close(self) -> None:
        pass


class UnboundNbd:
    """The binder of a hypervisor without a server (model tests): nothing listens."""

    def bind(self, server: BackupServer) -> NbdListener:
        return _Nothing()
