"""tls:// listeners: libvirt's x509 layout, client certificates required, the confirmation byte.

The refusals were compared with a real libvirtd 9.0 listening on TLS with the same certificates:
its clients report "Unable to read TLS confirmation: Input/output error" in every case, and a
raw TLS client finishes its handshake, then reads an end of file without a TLS close_notify.
"""

from __future__ import annotations

import os
import shutil
import ssl
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import libvirt
import pytest
import trio
import trio.testing

from fakevirt.client import AsyncClient
from fakevirt.model.hypervisor import Hypervisor
from fakevirt.server.core import Server, ServerConfig
from fakevirt.server.listeners import BoundSocket, ListenAddress
from fakevirt.server.pki import PkiError, PkiFiles, server_context
from protocol import Proc

REFUSED = "Unable to read TLS confirmation: Input/output error"


@asynccontextmanager
async def tls_server(pki_dir: Path, config: ServerConfig | None = None
                     ) -> AsyncIterator[tuple[Server, BoundSocket, BoundSocket]]:
    """A server with a tls:// and a tcp:// listener on free loopback ports."""
    server = Server(Hypervisor(), config or ServerConfig(), tls=server_context(PkiFiles.in_dir(str(pki_dir))))
    async with trio.open_nursery() as nursery:
        bound = await nursery.start(server.serve, [ListenAddress("tls", host="127.0.0.1"),
                                                   ListenAddress("tcp", host="127.0.0.1")])
        yield server, bound[0], bound[1]
        nursery.cancel_scope.cancel()


def client_context(pki_dir: Path, cert: bool = True) -> ssl.SSLContext:
    ctx = ssl.create_default_context(cafile=str(pki_dir / "cacert.pem"))
    if cert:
        ctx.load_cert_chain(str(pki_dir / "clientcert.pem"), str(pki_dir / "clientkey.pem"))
    return ctx


async def tls_connect(b: BoundSocket, ctx: ssl.SSLContext) -> trio.SSLStream[trio.SocketStream]:
    host, _, port = b.address.rpartition(":")
    stream = await trio.open_tcp_stream(host, int(port))
    tls = trio.SSLStream(stream, ctx, server_hostname=host)
    await tls.do_handshake()
    return tls


async def virsh(uri: str, *args: str) -> Any:
    virsh_bin = shutil.which("virsh")
    assert virsh_bin is not None
    return await trio.run_process([virsh_bin, "-c", uri, *args], capture_stdout=True, capture_stderr=True,
                                  check=False, env={**os.environ, "LC_ALL": "C"})


def with_pki(uri: str, pki_dir: Path) -> str:
    return f"{uri}?pkipath={pki_dir}"


async def hostname_over_tcp(tcp: BoundSocket) -> str:
    async with AsyncClient.connect("tcp://" + tcp.address) as c:
        await c.open()
        ret = await c.call(Proc.CONNECT_GET_HOSTNAME)
        return str(ret.hostname)


async def test_virsh_and_libvirt_python_over_tls(pki: Any) -> None:
    with trio.fail_after(30):
        async with tls_server(pki.good) as (server, tls, tcp):
            expected = await hostname_over_tcp(tcp)
            r = await virsh(with_pki(tls.uri(), pki.good), "hostname")
            assert (r.returncode, r.stdout.decode().strip()) == (0, expected), r.stderr

            def python_client() -> tuple[int, int, str, list[str]]:
                conn = libvirt.open(with_pki(tls.uri(), pki.good))
                try:
                    kinds = trio.from_thread.run_sync(
                        lambda: sorted(s.client.transport for s in server.sessions))
                    return conn.isSecure(), conn.isEncrypted(), conn.getHostname(), kinds
                finally:
                    conn.close()

            assert await trio.to_thread.run_sync(python_client) == (1, 1, expected, ["tls"])


async def test_refused_clients_get_libvirts_error_while_others_are_served(pki: Any) -> None:
    """No client certificate, or one from a CA the server does not trust: the client reports
    libvirt's error, and a TCP client connected all along keeps being served."""
    with trio.fail_after(30):
        async with tls_server(pki.good) as (server, tls, tcp):
            async with AsyncClient.connect("tcp://" + tcp.address) as steady:
                await steady.open()
                for pki_dir in (pki.no_cert, pki.other_ca):
                    r = await virsh(with_pki(tls.uri(), pki_dir), "hostname")
                    assert r.returncode == 1
                    assert r.stderr.decode().splitlines() == ["error: failed to connect to the hypervisor",
                                                              f"error: {REFUSED}"]
                    assert (await steady.call(Proc.CONNECT_GET_TYPE)).type == "QEMU"

                def python_client() -> tuple[int, int, str]:
                    with pytest.raises(libvirt.libvirtError) as e:
                        libvirt.open(with_pki(tls.uri(), pki.other_ca))
                    return e.value.get_error_code(), e.value.get_error_domain(), e.value.get_error_message()

                assert await trio.to_thread.run_sync(python_client) == (
                    libvirt.VIR_ERR_SYSTEM_ERROR, libvirt.VIR_FROM_RPC, REFUSED)
                assert (await steady.call(Proc.CONNECT_GET_TYPE)).type == "QEMU"
            r = await virsh(with_pki(tls.uri(), pki.good), "hostname")
            assert r.returncode == 0, r.stderr
            assert server.stats.tls_handshakes == 0


async def test_confirmation_byte_comes_first_then_rpc(pki: Any) -> None:
    with trio.fail_after(10):
        async with tls_server(pki.good) as (server, tls, _):
            stream = await tls_connect(tls, client_context(pki.good))
            assert await stream.receive_some(1) == b"\x01"
            async with trio.open_nursery() as nursery:
                client = AsyncClient(stream, nursery)
                await client.open()
                assert (await client.call(Proc.CONNECT_IS_SECURE)).secure == 1
                assert [s.client.transport for s in server.sessions] == ["tls"]
                nursery.cancel_scope.cancel()
            await trio.aclose_forcefully(stream)


async def test_no_certificate_ends_without_confirmation_or_close_notify(pki: Any) -> None:
    """As libvirtd: the client's handshake completes, then the connection ends, no byte sent."""
    with trio.fail_after(10):
        async with tls_server(pki.good) as (_, tls, tcp):
            for ctx in (client_context(pki.good, cert=False), client_context(pki.other_ca)):
                stream = await tls_connect(tls, ctx)
                with pytest.raises(trio.BrokenResourceError) as e:
                    await stream.receive_some(1)
                assert isinstance(e.value.__cause__, ssl.SSLEOFError)
                await trio.aclose_forcefully(stream)
            assert await hostname_over_tcp(tcp)


async def test_silent_or_plaintext_clients_stall_nobody_and_are_dropped(pki: Any) -> None:
    """A client that never starts its handshake holds its own task only, until the timeout."""
    with trio.fail_after(10):
        async with tls_server(pki.good, ServerConfig(tls_handshake_timeout=1.0)) as (server, tls, _):
            host, _, port = tls.address.rpartition(":")
            started = trio.current_time()
            silent = await trio.open_tcp_stream(host, int(port))
            plaintext = await trio.open_tcp_stream(host, int(port))
            # RPC frames, not TLS: refused at once; the server closes its side and reads what is
            # left, so the client sees an end of file, not a reset (which kills virsh with SIGPIPE)
            await plaintext.send_all((b"\x00\x00\x00\x1c" + bytes(24)) * 4096)
            assert await plaintext.receive_some(100) == b""
            await plaintext.aclose()
            stream = await tls_connect(tls, client_context(pki.good))
            assert await stream.receive_some(1) == b"\x01"
            assert trio.current_time() - started < 0.9  # not queued behind the silent one
            await trio.aclose_forcefully(stream)
            assert await silent.receive_some(100) == b""  # dropped at the timeout, not before
            assert trio.current_time() - started >= 0.9
            await silent.aclose()
            await trio.testing.wait_all_tasks_blocked()
            assert server.stats.tls_handshakes == 0


def test_credentials_errors_have_libvirts_text(pki: Any, tmp_path: Path) -> None:
    with pytest.raises(PkiError) as e:
        server_context(PkiFiles.in_dir(str(tmp_path)))
    assert str(e.value) == f"Cannot read CA certificate '{tmp_path}/cacert.pem': No such file or directory"
    shutil.copy(pki.good / "cacert.pem", tmp_path)
    with pytest.raises(PkiError) as e:
        server_context(PkiFiles.in_dir(str(tmp_path)))
    assert str(e.value) == f"Cannot read certificate '{tmp_path}/servercert.pem': No such file or directory"
    shutil.copy(pki.good / "servercert.pem", tmp_path)
    shutil.copy(pki.good / "clientkey.pem", tmp_path / "serverkey.pem")
    with pytest.raises(PkiError) as e:
        server_context(PkiFiles.in_dir(str(tmp_path)))
    assert str(e.value).startswith(f"Unable to set x509 key and certificate: {tmp_path}/serverkey.pem, "
                                   f"{tmp_path}/servercert.pem: ")


async def test_tls_listener_needs_a_context() -> None:
    with pytest.raises(ValueError, match="needs the server's TLS context"):
        await Server(Hypervisor()).serve([ListenAddress("tls", host="127.0.0.1")])
