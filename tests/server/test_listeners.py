"""Listeners: UNIX socket paths (live or stale), read-only listeners, a silent client."""

from __future__ import annotations

import socket
from pathlib import Path

import pytest
import trio
import trio.testing

from fakevirt.client import AsyncClient
from fakevirt.model.hypervisor import Hypervisor
from fakevirt.server.core import Server
from fakevirt.server.listeners import AddressInUse, BoundSocket, ListenAddress, bind, close_socket
from protocol import Proc


def test_parse_kinds_default_ports_and_uris() -> None:
    assert ListenAddress.parse("tls://0.0.0.0") == ListenAddress("tls", host="0.0.0.0", port=16514)
    assert ListenAddress.parse("tcp://[::1]") == ListenAddress("tcp", host="::1", port=16509)
    assert ListenAddress.parse("unix:///tmp/x", readonly=True) == ListenAddress("unix", path="/tmp/x",
                                                                             readonly=True)
    with pytest.raises(ValueError, match="listen addresses are tcp://HOST:PORT, tls://HOST:PORT or unix:///PATH"):
        ListenAddress.parse("ssh://h")
    [b] = bind([ListenAddress("tls", host="127.0.0.1")])
    try:
        assert b.uri() == f"qemu+tls://{b.address}/system"
    finally:
        close_socket(b)


def test_live_unix_socket_is_refused_and_left_alone(tmp_path: Path) -> None:
    path = tmp_path / "sock"
    live = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    live.bind(str(path))
    live.listen(1)
    try:
        with pytest.raises(AddressInUse) as e:
            bind([ListenAddress("unix", path=str(path))])
        assert str(e.value) == (f"Failed to bind socket to '{path}': Address already in use "
                                "(another server answers on it)")
        probe, _ = live.accept()  # the refused server's check connected to it
        probe.close()
        with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as c:
            c.connect(str(path))  # still the live server's socket
    finally:
        live.close()


def test_stale_unix_socket_is_replaced(tmp_path: Path) -> None:
    path = tmp_path / "sock"
    dead = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    dead.bind(str(path))
    dead.close()  # the file stays, nobody listens: connect() is refused
    [b] = bind([ListenAddress("unix", path=str(path))])
    try:
        with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as c:
            c.connect(str(path))
    finally:
        close_socket(b)
    assert not path.exists()


def test_a_file_that_is_not_a_socket_is_kept(tmp_path: Path) -> None:
    path = tmp_path / "sock"
    path.write_text("data")
    with pytest.raises(OSError, match="exists and is not a socket"):
        bind([ListenAddress("unix", path=str(path))])
    assert path.read_text() == "data"


def address(b: BoundSocket) -> str:
    return ("unix://" if b.kind == "unix" else "tcp://") + b.address


async def test_readonly_listeners_mark_their_clients(tmp_path: Path) -> None:
    server = Server(Hypervisor())
    with trio.fail_after(10):
        async with trio.open_nursery() as nursery:
            bound: list[BoundSocket] = await nursery.start(server.serve, [
                ListenAddress("tcp", host="127.0.0.1"),
                ListenAddress("tcp", host="127.0.0.1", readonly=True),
                ListenAddress("unix", path=str(tmp_path / "ro"), readonly=True)])
            assert [b.readonly for b in bound] == [False, True, True]
            for b in bound:
                async with AsyncClient.connect(address(b)) as c:
                    await c.open()  # asks for read-write
                    [session] = server.sessions
                    assert session.client.readonly_listener is b.readonly
                await trio.testing.wait_all_tasks_blocked()
            nursery.cancel_scope.cancel()


async def test_client_that_sends_nothing_does_not_block_accept() -> None:
    server = Server(Hypervisor())
    with trio.fail_after(10):
        async with trio.open_nursery() as nursery:
            [b] = await nursery.start(server.serve, [ListenAddress("tcp", host="127.0.0.1")])
            host, _, port = b.address.rpartition(":")
            silent = [await trio.open_tcp_stream(host, int(port)) for _ in range(3)]
            async with AsyncClient.connect(address(b)) as c:
                await c.open()
                assert (await c.call(Proc.CONNECT_GET_TYPE)).type == "QEMU"
            for s in silent:
                await s.aclose()
            nursery.cancel_scope.cancel()
