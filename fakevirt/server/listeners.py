"""Listen addresses: ``tcp://HOST:PORT`` and ``unix:///PATH``, and the client URIs they give."""

from __future__ import annotations

import os
import socket
import stat
from dataclasses import dataclass
from urllib.parse import urlsplit

import trio

DEFAULT_LISTEN = "tcp://127.0.0.1:16509"


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
class BoundListener:
    """A listener with the address it really got (port 0 becomes a real port)."""

    listener: trio.SocketListener
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


async def open_listeners(addresses: list[ListenAddress]) -> list[BoundListener]:
    """Bind every address; a failure closes what was already bound."""
    bound: list[BoundListener] = []
    try:
        for addr in addresses:
            if addr.kind == "tcp":
                for lst in await trio.open_tcp_listeners(addr.port, host=addr.host):
                    sockname = lst.socket.getsockname()
                    bound.append(BoundListener(lst, "tcp", f"{sockname[0]}:{sockname[1]}"))
            else:
                bound.append(BoundListener(_unix_listener(addr.path), "unix", addr.path))
    except BaseException:
        for b in bound:
            await close_listener(b)
        raise
    return bound


def _unix_listener(path: str) -> trio.SocketListener:
    if os.path.exists(path):
        if not stat.S_ISSOCK(os.stat(path).st_mode):
            raise OSError(f"{path} exists and is not a socket")
        os.unlink(path)  # a stale socket from an earlier run
    sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    try:
        sock.bind(path)
        sock.listen(128)
    except BaseException:
        sock.close()
        raise
    return trio.SocketListener(trio.socket.from_stdlib_socket(sock))


async def close_listener(b: BoundListener) -> None:
    await b.listener.aclose()
    if b.kind == "unix":
        try:
            os.unlink(b.address)
        except FileNotFoundError:
            pass
