"""Listen addresses: ``tcp://HOST:PORT`` and ``unix:///PATH``, and the client URIs they give.

Sockets are bound with the standard library and no trio (``bind``): the CLI binds before it
imports the rest of fakevirt, so clients can connect while it loads.
"""

from __future__ import annotations

import os
import socket
import stat
from dataclasses import dataclass
from urllib.parse import urlsplit

DEFAULT_LISTEN = "tcp://127.0.0.1:16509"
BACKLOG = 128


@dataclass(frozen=True)
class ListenAddress:
    """Where to listen: kind "tcp" (host, port) or "unix" (path)."""

    kind: str
    host: str = ""
    port: int = 0
    path: str = ""

    @classmethod
    def parse(cls, url: str) -> ListenAddress:
        parts = urlsplit(url)
        if parts.scheme == "tcp":
            if not parts.hostname:
                raise ValueError(f"{url}: a tcp listen address needs a host, e.g. tcp://127.0.0.1:16509")
            return cls("tcp", host=parts.hostname, port=parts.port if parts.port is not None else 16509)
        if parts.scheme == "unix":
            path = parts.path if not parts.netloc else parts.netloc + parts.path
            if not path:
                raise ValueError(f"{url}: a unix listen address needs a path, e.g. unix:///tmp/fakevirt.sock")
            return cls("unix", path=path)
        raise ValueError(f"{url}: listen addresses are tcp://HOST:PORT or unix:///PATH")


@dataclass(frozen=True)
class BoundSocket:
    """A listening stdlib socket and the address it really got (port 0 becomes a real port)."""

    sock: socket.socket
    kind: str
    address: str  # "127.0.0.1:34567" or "/path/sock"

    def uri(self, driver: str = "qemu", path: str = "system") -> str:
        """The URI a libvirt client uses to reach this listener."""
        if self.kind == "unix":
            return f"{driver}+unix:///{path}?socket={self.address}"
        host, _, port = self.address.rpartition(":")
        if ":" in host:
            host = f"[{host}]"
        return f"{driver}+tcp://{host}:{port}/{path}"


def bind(addresses: list[ListenAddress]) -> list[BoundSocket]:
    """Bind and listen on every address; a failure closes what was already bound."""
    bound: list[BoundSocket] = []
    try:
        for addr in addresses:
            bound.extend(_bind_tcp(addr) if addr.kind == "tcp" else [_bind_unix(addr.path)])
    except BaseException:
        for b in bound:
            close_socket(b)
        raise
    return bound


def _bind_tcp(addr: ListenAddress) -> list[BoundSocket]:
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
        out.append(BoundSocket(sock, "tcp", f"{host}:{port}"))
    return out


def _bind_unix(path: str) -> BoundSocket:
    if os.path.exists(path):
        if not stat.S_ISSOCK(os.stat(path).st_mode):
            raise OSError(f"{path} exists and is not a socket")
        os.unlink(path)  # a stale socket from an earlier run
    sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    try:
        sock.bind(path)
        sock.listen(BACKLOG)
    except BaseException:
        sock.close()
        raise
    return BoundSocket(sock, "unix", path)


def close_socket(b: BoundSocket) -> None:
    b.sock.close()
    if b.kind == "unix":
        try:
            os.unlink(b.address)
        except FileNotFoundError:
            pass


