"""Listen addresses: ``tcp://HOST:PORT``, ``tls://HOST:PORT`` and ``unix:///PATH``, and their client URIs.

Sockets are bound with the standard library and no trio (``bind``): the CLI binds before it
imports the rest of fakevirt, so clients can connect while it loads.
"""

from __future__ import annotations

import errno
import ipaddress
import os
import socket
import stat
from dataclasses import dataclass
from urllib.parse import urlsplit

DEFAULT_LISTEN = "tcp://127.0.0.1:16509"
DEFAULT_PORTS = {"tcp": 16509, "tls": 16514}  # libvirtd's tcp_port and tls_port
BACKLOG = 128
PROBE_TIMEOUT = 2.0  # a live server with a full backlog keeps connect() waiting


class AddressInUse(OSError):
    """Another server answers on a UNIX socket path (libvirtd relies on its pid file instead)."""

    def __init__(self, path: str) -> None:
        super().__init__(f"Failed to bind socket to '{path}': {os.strerror(errno.EADDRINUSE)} "
                         "(another server answers on it)")
        self.errno = errno.EADDRINUSE
        self.path = path


@dataclass(frozen=True)
class ListenAddress:
    """Where to listen: kind "tcp" or "tls" (host, port) or "unix" (path).

    ``readonly``: every client accepted there is read-only, like libvirtd's libvirt-sock-ro.
    """

    kind: str
    host: str = ""
    port: int = 0
    path: str = ""
    readonly: bool = False

    @classmethod
    def parse(cls, url: str, readonly: bool = False) -> ListenAddress:
        parts = urlsplit(url)
        if parts.scheme in DEFAULT_PORTS:
            if not parts.hostname:
                raise ValueError(f"{url}: a {parts.scheme} listen address needs a host, "
                                 f"e.g. {parts.scheme}://127.0.0.1:{DEFAULT_PORTS[parts.scheme]}")
            port = parts.port if parts.port is not None else DEFAULT_PORTS[parts.scheme]
            return cls(parts.scheme, host=parts.hostname, port=port, readonly=readonly)
        if parts.scheme == "unix":
            path = parts.path if not parts.netloc else parts.netloc + parts.path
            if not path:
                raise ValueError(f"{url}: a unix listen address needs a path, e.g. unix:///tmp/fakevirt.sock")
            return cls("unix", path=path, readonly=readonly)
        raise ValueError(f"{url}: listen addresses are tcp://HOST:PORT, tls://HOST:PORT or unix:///PATH")


def parse_control(url: str) -> ListenAddress:
    """A ``--control`` address: ``tcp://`` on the loopback only, or ``unix:///PATH``."""
    parts = urlsplit(url)
    if parts.scheme not in ("tcp", "unix"):
        raise ValueError(f"--control {url}: control addresses are tcp://127.0.0.1:PORT or unix:///PATH")
    if parts.scheme == "tcp":
        if parts.port is None:
            raise ValueError(f"--control {url}: a tcp control address needs a port, e.g. tcp://127.0.0.1:16600")
        if not _loopback(parts.hostname or ""):
            raise ValueError(f"--control {url}: the control API has no authentication, so it listens on the "
                             "loopback only (127.0.0.1, ::1 or localhost) or on a unix socket")
    return ListenAddress.parse(url)


def _loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


@dataclass(frozen=True)
class BoundSocket:
    """A listening stdlib socket and the address it really got (port 0 becomes a real port)."""

    sock: socket.socket
    kind: str  # "tcp", "tls" or "unix"
    address: str  # "127.0.0.1:34567" or "/path/sock"
    readonly: bool = False

    def uri(self, driver: str = "qemu", path: str = "system") -> str:
        """The URI a libvirt client uses to reach this listener."""
        if self.kind == "unix":
            return f"{driver}+unix:///{path}?socket={self.address}"
        host, _, port = self.address.rpartition(":")
        if ":" in host:
            host = f"[{host}]"
        return f"{driver}+{self.kind}://{host}:{port}/{path}"


def bind(addresses: list[ListenAddress]) -> list[BoundSocket]:
    """Bind and listen on every address; a failure closes what was already bound."""
    bound: list[BoundSocket] = []
    try:
        for addr in addresses:
            bound.extend([_bind_unix(addr)] if addr.kind == "unix" else _bind_inet(addr))
    except BaseException:
        for b in bound:
            close_socket(b)
        raise
    return bound


def _bind_inet(addr: ListenAddress) -> list[BoundSocket]:
    out: list[BoundSocket] = []
    infos = socket.getaddrinfo(addr.host, addr.port, type=socket.SOCK_STREAM, flags=socket.AI_PASSIVE)
    port = addr.port
    for family, kind, proto, _, sockaddr in infos:
        sock = socket.socket(family, kind, proto)
        try:
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            if family == socket.AF_INET6:
                sock.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, 1)
            sock.bind((sockaddr[0], port) + tuple(sockaddr[2:]))
            sock.listen(BACKLOG)
        except BaseException:
            sock.close()
            for b in out:
                close_socket(b)
            raise
        host, port = sock.getsockname()[:2]  # port 0: every family gets the port the first one got
        out.append(BoundSocket(sock, addr.kind, f"{host}:{port}", addr.readonly))
    return out


def _bind_unix(addr: ListenAddress) -> BoundSocket:
    path = addr.path
    if os.path.lexists(path):
        if not stat.S_ISSOCK(os.lstat(path).st_mode):
            raise OSError(f"{path} exists and is not a socket")
        if _answers(path):
            raise AddressInUse(path)
        os.unlink(path)  # a stale socket from an earlier run
    sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    try:
        sock.bind(path)
        sock.listen(BACKLOG)
    except BaseException:
        sock.close()
        raise
    return BoundSocket(sock, "unix", path, addr.readonly)


def _answers(path: str) -> bool:
    """Whether a server listens on the socket file: only a refused connect() proves it stale."""
    probe = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    probe.settimeout(PROBE_TIMEOUT)
    try:
        probe.connect(path)
    except (ConnectionRefusedError, FileNotFoundError):
        return False
    except OSError:  # a timeout (full backlog) or EAGAIN: someone is there
        return True
    finally:
        probe.close()
    return True


def close_socket(b: BoundSocket) -> None:
    b.sock.close()
    if b.kind == "unix":
        try:
            os.unlink(b.address)
        except FileNotFoundError:
            pass


