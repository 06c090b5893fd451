"""One client's failure ends that client only: crashes, vanishing clients, clients that never read."""

from __future__ import annotations

import socket
import struct

import pytest
import trio
import trio.testing

from fakevirt.client import AsyncClient
from fakevirt.model.hypervisor import Hypervisor
from fakevirt.server.core import Server
from fakevirt.testing import minimal_domain_xml, serving
from protocol import (
    NEED_DATA,
    PROCEDURES,
    Call,
    Connection,
    ErrorCode,
    ErrorDomain,
    ErrorReply,
    LibvirtError,
    NonnullDomain,
    Proc,
    Role,
)
from protocol.remote.connect import ConnectOpenArgs
from protocol.remote.domain import DomainDefineXmlArgs, DomainGetXmlDescArgs, DomainLookupByNameArgs
from protocol.remote.events import ConnectDomainEventCallbackRegisterAnyArgs

LIFECYCLE = 0


def tcp(bound: list) -> str:  # type: ignore[type-arg]
    return "tcp://" + bound[0].address


class Frames:
    """Call frames as a client would send them, serials counted from 0."""

    def __init__(self) -> None:
        self.conn = Connection(Role.CLIENT, PROCEDURES)
        self.serial = 0

    def call(self, proc: int, args: object = None) -> bytes:
        data = self.conn.send(Call(program=0x20008086, version=1, procedure=proc, serial=self.serial, args=args))
        self.serial += 1
        return data

    def open(self) -> bytes:
        return self.call(Proc.AUTH_LIST) + self.call(Proc.CONNECT_OPEN, ConnectOpenArgs(name="qemu:///system",
                                                                                          flags=0))


async def raw_socket(bound: list) -> trio.socket.SocketType:  # type: ignore[type-arg]
    host, _, port = bound[0].address.rpartition(":")
    sock = trio.socket.socket()
    await sock.connect((host, int(port)))
    return sock


def reset(sock: trio.socket.SocketType) -> None:
    """Close with an RST instead of a FIN, as a killed client's kernel may."""
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    sock.close()


async def still_serves(bound: list) -> None:  # type: ignore[type-arg]
    async with AsyncClient.connect(tcp(bound)) as c:
        await c.open()
        assert (await c.call(Proc.CONNECT_GET_HOSTNAME)).hostname


async def test_event_pending_when_the_connection_breaks() -> None:
    """A DEFINE (which queues an event for this client) and a malformed length word in one write."""
    finished = False
    with trio.fail_after(10):
        async with serving() as (server, bound):
            f = Frames()
            sock = await raw_socket(bound)
            await sock.send(f.open() + f.call(Proc.CONNECT_DOMAIN_EVENT_CALLBACK_REGISTER_ANY,
                                              ConnectDomainEventCallbackRegisterAnyArgs(eventID=LIFECYCLE, dom=None)))
            await sock.send(f.call(Proc.DOMAIN_DEFINE_XML, DomainDefineXmlArgs(xml=minimal_domain_xml("ev")))
                            + struct.pack(">I", 5))
            while await sock.recv(65536):
                pass  # the server closes this connection, and only this one
            sock.close()
            await still_serves(bound)
            await trio.testing.wait_all_tasks_blocked()
            assert server.statistics().connections_open == 0
            finished = True
    assert finished  # not cancelled on the way by a server that went down


async def define_big_domain(bound: list) -> NonnullDomain:  # type: ignore[type-arg]
    """A domain whose XML is over 1 MiB (its description), so that replies fill socket buffers fast."""
    xml = minimal_domain_xml("big").replace("</name>", f"</name><description>{'d' * (1 << 20)}</description>")
    async with AsyncClient.connect(tcp(bound)) as c:
        await c.open()
        dom: NonnullDomain = (await c.call(Proc.DOMAIN_DEFINE_XML, DomainDefineXmlArgs(xml=xml))).dom
    return dom


async def test_pipelining_client_that_resets_mid_write() -> None:
    """Many calls never read, then an RST while the server writes replies."""
    finished = False
    with trio.fail_after(20):
        async with serving() as (_, bound):
            dom = await define_big_domain(bound)
            f = Frames()
            sock = await raw_socket(bound)
            await sock.send(f.open())
            calls = b"".join(f.call(Proc.DOMAIN_GET_XML_DESC, DomainGetXmlDescArgs(dom=dom, flags=0))
                             for _ in range(200))
            await sock.send(calls)
            await trio.sleep(0.2)
            reset(sock)
            await still_serves(bound)
            finished = True
    assert finished


async def test_non_reading_client_holds_a_bounded_number_of_replies() -> None:
    """libvirtd stops reading a client with 5 calls outstanding; replies are written as produced."""
    finished = False
    with trio.fail_after(20):
        async with serving() as (server, bound):
            dom = await define_big_domain(bound)
            f = Frames()
            sock = await raw_socket(bound)
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 64 * 1024)
            await sock.send(f.open() + b"".join(
                f.call(Proc.DOMAIN_GET_XML_DESC, DomainGetXmlDescArgs(dom=dom, flags=0)) for _ in range(800)))
            await trio.sleep(0.5)  # let the server do all it will do without the client reading
            (session,) = [s for s in server.sessions if s.statistics().calls >= 2]
            # the kernel's socket buffers take a few replies; the server builds at most 5 more
            assert session.statistics().calls < 40
            await still_serves(bound)  # and the others are served meanwhile
            sock.close()
            finished = True
    assert finished


async def test_reply_too_large_to_encode_is_an_rpc_error() -> None:
    """As libvirtd: XML over REMOTE_STRING_MAX gets "Unable to encode message payload"; the client goes on."""
    xml = minimal_domain_xml("big").replace("</name>", f"</name><description>{'a' * (4194304 - 200)}</description>")
    finished = False
    with trio.fail_after(20):
        async with serving() as (_, bound), AsyncClient.connect(tcp(bound)) as c:
            await c.open()
            await c.call(Proc.CONNECT_DOMAIN_EVENT_CALLBACK_REGISTER_ANY,
                         ConnectDomainEventCallbackRegisterAnyArgs(eventID=LIFECYCLE, dom=None))
            dom = (await c.call(Proc.DOMAIN_DEFINE_XML, DomainDefineXmlArgs(xml=xml))).dom
            with pytest.raises(LibvirtError) as e:
                await c.call(Proc.DOMAIN_GET_XML_DESC, DomainGetXmlDescArgs(dom=dom, flags=0))
            assert (e.value.code, e.value.domain) == (ErrorCode.RPC, ErrorDomain.RPC)
            assert e.value.message == "Unable to encode message payload"
            assert (await c.call(Proc.DOMAIN_LOOKUP_BY_NAME, DomainLookupByNameArgs(name="big"))).dom == dom
            finished = True
    assert finished  # not cancelled on the way by a server that went down


async def test_a_failing_session_task_ends_that_session_only(monkeypatch: pytest.MonkeyPatch) -> None:
    """An unexpected exception anywhere in a session is logged and the server goes on."""
    from fakevirt.server import session as session_module

    async def broken_pump(self: object) -> None:
        raise RuntimeError("a bug in the event pump")

    monkeypatch.setattr(session_module.ClientSession, "_event_pump", broken_pump)
    hv = Hypervisor()
    server = Server(hv)
    with trio.fail_after(10):
        async with trio.open_nursery() as n:
            a, b = trio.testing.memory_stream_pair()
            n.start_soon(server.handle, b)
            await trio.testing.wait_all_tasks_blocked()
            assert server.statistics().connections_open == 0
            assert server.statistics().connections_total == 1


async def test_a_stream_never_overtakes_the_reply_that_opened_it() -> None:
    """A download pipelined with other calls: its reply comes before its first packet (here its end)."""
    from protocol import Reply, StreamData
    from protocol.remote.storage import (
        StoragePoolCreateXmlArgs,
        StorageVolCreateXmlArgs,
        StorageVolDownloadArgs,
    )

    pool_xml = "<pool type='dir'><name>p</name><target><path>/var/lib/libvirt/images</path></target></pool>"
    vol_xml = "<volume><name>v.raw</name><capacity>1024</capacity><target><format type='raw'/></target></volume>"
    finished = False
    with trio.fail_after(10):
        async with serving() as (_, bound):
            async with AsyncClient.connect(tcp(bound)) as c:
                await c.open()
                pool = (await c.call(Proc.STORAGE_POOL_CREATE_XML, StoragePoolCreateXmlArgs(xml=pool_xml, flags=0))).pool
                vol = (await c.call(Proc.STORAGE_VOL_CREATE_XML,
                                    StorageVolCreateXmlArgs(pool=pool, xml=vol_xml, flags=0))).vol
            f = Frames()
            sock = await raw_socket(bound)
            past_the_end = StorageVolDownloadArgs(vol=vol, offset=1 << 40, length=0, flags=0)  # no data: just the end
            frames = f.open() + b"".join(f.call(Proc.STORAGE_VOL_DOWNLOAD, past_the_end) + f.call(Proc.CONNECT_GET_TYPE)
                                         for _ in range(6))
            await sock.send(frames)
            rx = Connection(Role.CLIENT, PROCEDURES)
            order: list[tuple[str, int]] = []
            while len(order) < 2 + 6 * 3:
                rx.receive_data(await sock.recv(65536))
                while (ev := rx.next_event()) is not NEED_DATA:
                    order.append(("reply" if isinstance(ev, (Reply, ErrorReply)) else
                                  "stream" if isinstance(ev, StreamData) else type(ev).__name__, ev.serial))
            sock.close()
            for serial in range(2, 2 + 12, 2):
                assert order.index(("reply", serial)) < order.index(("stream", serial)), order
            finished = True
    assert finished
