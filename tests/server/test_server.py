"""The server through our own raw client: pipelining, bad input, keepalive, concurrency."""

from __future__ import annotations

import struct

import pytest
import trio
import trio.testing

from fakevirt.client import AsyncClient
from fakevirt.errors import VirtError
from fakevirt.handlers import HANDLERS
from fakevirt.model.hypervisor import Hypervisor
from fakevirt.server.core import Server, ServerConfig
from fakevirt.testing import serving
from protocol import (
    FRAME_MAX,
    PROCEDURES,
    ErrorCode,
    ErrorDomain,
    ErrorReply,
    Header,
    LibvirtError,
    MessageType,
    Proc,
    Program,
    pack_frame,
)
from protocol.remote.connect import ConnectSupportsFeatureArgs
from protocol.remote.interface import InterfaceChangeRollbackArgs


def tcp(bound: list) -> str:
    return "tcp://" + bound[0].address


async def test_pipelined_calls_all_answered_with_their_serials() -> None:
    with trio.fail_after(10):
        async with serving() as (_, bound), AsyncClient.connect(tcp(bound)) as c:
            await c.open()
            results: dict[int, object] = {}

            async def one(i: int) -> None:
                reply = await c.call_event(Proc.CONNECT_GET_LIB_VERSION, serial=1000 + i)
                results[reply.serial] = reply.ret

            async with trio.open_nursery() as n:
                for i in range(100):
                    n.start_soon(one, i)
            assert sorted(results) == [1000 + i for i in range(100)]
            assert {r.lib_ver for r in results.values()} == {9_000_000}


async def test_pipelined_frames_in_one_write() -> None:
    """100 calls sent as one buffer come back as 100 replies, in order, serials echoed."""
    with trio.fail_after(10):
        async with serving() as (_, bound), AsyncClient.connect(tcp(bound)) as c:
            await c.open()
            frames = b"".join(pack_frame(Header(Program.REMOTE, 1, Proc.CONNECT_GET_TYPE, 0, 500 + i, 0))
                              for i in range(100))
            pending = [c.expect_reply(500 + i) for i in range(100)]
            await c.send_raw(frames)
            for i, p in enumerate(pending):
                await p.done.wait()
                assert p.result.serial == 500 + i and p.result.ret.type == "QEMU"


async def test_call_before_open_is_refused_like_libvirtd() -> None:
    async with serving() as (_, bound), AsyncClient.connect(tcp(bound)) as c:
        with pytest.raises(LibvirtError) as e:
            await c.call(Proc.CONNECT_GET_HOSTNAME)
        assert (e.value.code, e.value.domain) == (ErrorCode.INTERNAL_ERROR, ErrorDomain.RPC)
        assert e.value.message == "internal error: hypervisor connection not open"
        # keepalive may be asked before open
        ret = await c.call(Proc.CONNECT_SUPPORTS_FEATURE, ConnectSupportsFeatureArgs(feature=10))
        assert ret.supported == 1


async def test_unknown_procedure_program_and_unimplemented() -> None:
    def error(reply: object) -> tuple[int, int, str | None]:
        assert isinstance(reply, ErrorReply)
        return reply.error.code, reply.error.domain, reply.error.message

    async with serving() as (_, bound), AsyncClient.connect(tcp(bound)) as c:
        await c.open()
        assert error(await c.call_payload(999, b"")) == (ErrorCode.RPC, ErrorDomain.RPC, "unknown procedure: 999")
        assert error(await c.call_payload(1, b"", program=0x12345678))[2] == \
            f"Cannot find program {0x12345678} version 1"
        # real procedures fakevirt does not implement: the driver's "not supported", whether
        # or not their payload is declared yet
        assert error(await c.call_payload(Proc.DOMAIN_MIGRATE_SET_MAX_SPEED, b"")) == (
            ErrorCode.NO_SUPPORT, ErrorDomain.DOMAIN,
            "this function is not supported by the connection driver: virDomainMigrateSetMaxSpeed")
        declared = next(p for key, p in PROCEDURES.items() if p.declared and not p.event and key not in HANDLERS)
        assert error(await c.call_payload(declared.number, bytes(4096), program=declared.program)) == (
            ErrorCode.NO_SUPPORT, declared.error_domain,
            f"this function is not supported by the connection driver: {declared.api}")
        # the connection is still fine
        assert (await c.call(Proc.CONNECT_GET_TYPE)).type == "QEMU"


async def test_undecodable_arguments_get_an_error_reply_and_the_connection_lives() -> None:
    async with serving() as (_, bound), AsyncClient.connect(tcp(bound)) as c:
        await c.open()
        # CONNECT_SUPPORTS_FEATURE with 2 bytes instead of an int
        frame = pack_frame(Header(Program.REMOTE, 1, Proc.CONNECT_SUPPORTS_FEATURE, 0, 77, 0), b"\0\0")
        pending = c.expect_reply(77)
        await c.send_raw(frame)
        await pending.done.wait()
        assert pending.result.error.message == "Unable to decode message payload"
        assert (await c.call(Proc.CONNECT_GET_TYPE)).type == "QEMU"


@pytest.mark.parametrize("frame", [
    struct.pack(">I", 8) + b"\0" * 4,  # shorter than a header
    struct.pack(">I", FRAME_MAX + 1),  # over 32 MiB: refused before the body is read
    struct.pack(">I", 0xFFFFFFFF),
], ids=["too-small", "too-large", "huge"])
async def test_malformed_frame_closes_only_that_connection(frame: bytes) -> None:
    with trio.fail_after(10):
        async with serving() as (server, bound):
            async with AsyncClient.connect(tcp(bound)) as bad, AsyncClient.connect(tcp(bound)) as good:
                await good.open()
                await bad.open()
                await bad.send_raw(frame)
                await bad.closed.wait()
                assert (await good.call(Proc.CONNECT_GET_TYPE)).type == "QEMU"


async def test_truncated_frame_then_eof_does_not_disturb_others() -> None:
    with trio.fail_after(10):
        async with serving() as (server, bound):
            async with AsyncClient.connect(tcp(bound)) as good:
                await good.open()
                async with AsyncClient.connect(tcp(bound)) as bad:
                    full = pack_frame(Header(Program.REMOTE, 1, Proc.AUTH_LIST, 0, 1, 0))
                    await bad.send_raw(full[:10])
                assert (await good.call(Proc.CONNECT_GET_HOSTNAME)).hostname
                while server.stats.connections_open > 1:
                    await trio.sleep(0.01)


async def test_keepalive_ping_is_answered() -> None:
    async with serving() as (_, bound), AsyncClient.connect(tcp(bound)) as c:
        await c.ping()
        with trio.fail_after(5):
            while c.pongs == 0:
                await trio.sleep(0.01)


async def test_server_pings_only_clients_that_asked_and_drops_silent_ones(autojump_clock: object) -> None:
    """libvirtd: PING after each silent interval, close after `count` unanswered ones."""
    server = Server(Hypervisor(), ServerConfig(keepalive_interval=5, keepalive_count=3))
    asked_a, asked_b = trio.testing.memory_stream_pair()
    quiet_a, quiet_b = trio.testing.memory_stream_pair()
    async with trio.open_nursery() as n:
        n.start_soon(server.handle, asked_b)
        n.start_soon(server.handle, quiet_b)
        async with trio.open_nursery() as cn:
            asked = AsyncClient(asked_a, cn, answer_pings=False)
            quiet = AsyncClient(quiet_a, cn, answer_pings=False)
            await asked.call(Proc.CONNECT_SUPPORTS_FEATURE, ConnectSupportsFeatureArgs(feature=10))
            await quiet.open()
            start = trio.current_time()
            await asked.closed.wait()
            elapsed = trio.current_time() - start
            assert asked.pings == 3
            assert 5 * 3 <= elapsed <= 5 * 5
            assert quiet.pings == 0 and not quiet.closed.is_set()
            cn.cancel_scope.cancel()
        n.cancel_scope.cancel()


async def test_answered_pings_keep_the_client(autojump_clock: object) -> None:
    server = Server(Hypervisor(), ServerConfig(keepalive_interval=5, keepalive_count=2))
    a, b = trio.testing.memory_stream_pair()
    async with trio.open_nursery() as n:
        n.start_soon(server.handle, b)
        client = AsyncClient(a, n, answer_pings=True)
        await client.call(Proc.CONNECT_SUPPORTS_FEATURE, ConnectSupportsFeatureArgs(feature=10))
        await trio.sleep(100)
        assert client.pings >= 5 and not client.closed.is_set()
        n.cancel_scope.cancel()


async def test_slow_calls_run_concurrently_and_replies_come_out_of_order() -> None:
    hv = Hypervisor()
    hv.faults.delay("CONNECT_GET_HOSTNAME", 0.5)
    with trio.fail_after(10):
        async with serving(hv) as (_, bound), AsyncClient.connect(tcp(bound)) as c:
            await c.open()
            order: list[str] = []

            async def slow() -> None:
                await c.call(Proc.CONNECT_GET_HOSTNAME)
                order.append("slow")

            async def fast() -> None:
                await trio.sleep(0.05)
                await c.call(Proc.CONNECT_GET_TYPE)
                order.append("fast")

            async with trio.open_nursery() as n:
                n.start_soon(slow)
                n.start_soon(fast)
            assert order == ["fast", "slow"]


async def test_in_flight_limit_stops_reading_past_five(autojump_clock: object) -> None:
    """A sixth slow call waits for a free slot (libvirtd's max_client_requests = 5)."""
    hv = Hypervisor()
    hv.faults.delay("CONNECT_GET_HOSTNAME", 10, count=None)
    server = Server(hv)
    a, b = trio.testing.memory_stream_pair()
    async with trio.open_nursery() as n:
        n.start_soon(server.handle, b)
        client = AsyncClient(a, n)
        await client.open()
        done: list[float] = []

        async def one() -> None:
            await client.call(Proc.CONNECT_GET_HOSTNAME)
            done.append(trio.current_time())

        start = trio.current_time()
        async with trio.open_nursery() as calls:
            for _ in range(6):
                calls.start_soon(one)
        assert sorted(round(t - start) for t in done) == [10, 10, 10, 10, 10, 20]
        n.cancel_scope.cancel()


async def test_injected_failure_reaches_the_client() -> None:
    hv = Hypervisor()
    hv.faults.fail("CONNECT_GET_HOSTNAME", VirtError.internal("injected"))
    async with serving(hv) as (_, bound), AsyncClient.connect(tcp(bound)) as c:
        await c.open()
        with pytest.raises(LibvirtError, match="internal error: injected"):
            await c.call(Proc.CONNECT_GET_HOSTNAME)
        assert (await c.call(Proc.CONNECT_GET_HOSTNAME)).hostname  # only once


async def test_connect_close_replies_then_closes() -> None:
    with trio.fail_after(5):
        async with serving() as (_, bound), AsyncClient.connect(tcp(bound)) as c:
            await c.open()
            assert await c.call(Proc.CONNECT_CLOSE) is None
            await c.closed.wait()


async def test_second_open_is_refused() -> None:
    async with serving() as (_, bound), AsyncClient.connect(tcp(bound)) as c:
        await c.open()
        with pytest.raises(LibvirtError) as e:
            await c.open()
        assert e.value.message == "internal error: connection already open"


async def test_non_call_messages_from_a_client_are_dropped() -> None:
    async with serving() as (_, bound), AsyncClient.connect(tcp(bound)) as c:
        await c.open()
        await c.send_raw(pack_frame(Header(Program.REMOTE, 1, 3, MessageType.REPLY, 5, 0)))
        await c.send_raw(pack_frame(Header(Program.REMOTE, 1, 209, MessageType.STREAM, 9, 2), b"data"))
        assert (await c.call(Proc.CONNECT_GET_TYPE)).type == "QEMU"


async def test_interface_edits_after_a_dropped_open_are_unsupported() -> None:
    """A failed second open drops the hypervisor driver; the udev interface backend that stays has
    no change transaction (found by the wire fuzzer: the handler used to assume a test driver)."""
    with trio.fail_after(5):
        async with serving() as (_, bound), AsyncClient.connect(tcp(bound)) as c:
            await c.open()
            with pytest.raises(LibvirtError):
                await c.open()
            with pytest.raises(LibvirtError) as e:
                await c.call(Proc.INTERFACE_CHANGE_ROLLBACK, InterfaceChangeRollbackArgs(flags=0))
            assert (e.value.code, e.value.domain, e.value.message) == (
                ErrorCode.NO_SUPPORT, ErrorDomain.INTERFACE,
                "this function is not supported by the connection driver: virInterfaceChangeRollback")
