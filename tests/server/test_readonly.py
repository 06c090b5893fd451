"""Read-only connections through raw frames: every procedure, flag-dependent refusals, re-opening.

The same probes run against the real libvirtd (``real`` tests) and must give the same answers.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from pathlib import Path
from urllib.parse import urlsplit

import pytest
import trio

from fakevirt.client import AsyncClient
from fakevirt.handlers import Client
from fakevirt.model.hypervisor import Hypervisor
from fakevirt.server.dispatch import dispatch
from fakevirt.testing import serving
from protocol import (
    PROCEDURES,
    Call,
    ErrorCode,
    ErrorDomain,
    ErrorReply,
    Proc,
    Procedure,
    Program,
    WireError,
    decode,
    encode,
)
from protocol.remote.connect import ConnectOpenArgs

CONNECT_RO = 1
DENIED = "operation forbidden: read only access prevents "
# Every argument zero, empty or absent: a valid payload of every procedure (trailing bytes are ignored).
ZEROS = bytes(4096)
PROBED = {f"{Program(p.program).name}_PROC_{p.name}": p for p in PROCEDURES.values()
          if p.program in (Program.REMOTE, Program.QEMU, Program.LXC) and not p.event
          and (p.program, p.number) not in ((Program.REMOTE, Proc.CONNECT_OPEN), (Program.REMOTE, Proc.CONNECT_CLOSE))}
READ_ONLY_SOCKET = Path("/tmp/reference-libvirtd/run/libvirt-sock-ro")

Answer = tuple[int, int, str] | None  # (code, domain, message) of an error reply, None for success
Connect = Callable[[], Awaitable[None]]


def answer(reply: object) -> Answer:
    if isinstance(reply, ErrorReply):
        e: WireError = reply.error
        return (e.code, e.domain, e.message or "")
    return None


def with_arg(proc: Procedure, field: str, value: int) -> bytes:
    """Zero arguments of proc but for one integer field."""
    zero = decode(proc.args, ZEROS, allow_trailing=True)
    fields = {name: getattr(zero, name) for name in zero.__struct_fields__}
    return encode(proc.args, type(zero)(**{**fields, field: value}))


@asynccontextmanager
async def fakevirt_address() -> AsyncIterator[str]:
    async with serving(Hypervisor()) as (_, bound):
        yield "tcp://" + bound[0].address


def reference_address(reference_uri: str) -> str:
    return f"tcp://{urlsplit(reference_uri).netloc}"


async def open_conn(c: AsyncClient, flags: int) -> Answer:
    return answer(await c.call_event(Proc.CONNECT_OPEN, ConnectOpenArgs(name="qemu:///system", flags=flags)))


async def every_procedure(address: str, flags: int) -> dict[str, Answer]:
    """The answer to each REMOTE call, all arguments zero, on a connection opened with flags."""
    with trio.fail_after(60):
        async with AsyncClient.connect(address) as c:
            await c.call(Proc.AUTH_LIST)
            assert await open_conn(c, flags) is None
            return {name: answer(await c.call_payload(p.number, ZEROS, program=p.program))
                    for name, p in PROBED.items()}


def refusals(answers: dict[str, Answer]) -> dict[str, Answer]:
    return {name: a for name, a in answers.items() if a is not None and a[0] == ErrorCode.OPERATION_DENIED}


async def test_every_procedure_on_a_read_only_connection() -> None:
    async with fakevirt_address() as address:
        refused = refusals(await every_procedure(address, CONNECT_RO))
    # what libvirt 9.0's public API refuses unconditionally (protocol/remote/_readonly.py) ...
    assert set(refused) == {name for name, p in PROBED.items() if p.read_only is not None and p.read_only.arg is None}
    # ... with virCheckReadOnlyGoto's text, naming the API, in the API's error domain
    for name, p in PROBED.items():
        if name in refused:
            assert refused[name] == (ErrorCode.OPERATION_DENIED, p.error_domain, DENIED + str(p.api))
    assert {f"REMOTE_PROC_{name}" for name in (
        "STORAGE_VOL_DOWNLOAD", "DOMAIN_SAVE_IMAGE_GET_XML_DESC", "DOMAIN_GET_HOSTNAME",
        "CONNECT_GET_DOMAIN_CAPABILITIES", "DOMAIN_DEFINE_XML", "DOMAIN_MIGRATE_PREPARE")} <= set(refused)
    assert "QEMU_PROC_MONITOR_COMMAND" in refused
    assert not {f"REMOTE_PROC_{name}" for name in (
        "CONNECT_LIST_ALL_DOMAINS", "DOMAIN_GET_XML_DESC", "DOMAIN_GET_INFO", "STORAGE_VOL_GET_INFO",
        "CONNECT_GET_CAPABILITIES", "DOMAIN_SNAPSHOT_GET_XML_DESC")} & set(refused)


async def test_a_read_write_connection_is_refused_nothing() -> None:
    async with fakevirt_address() as address:
        answers = await every_procedure(address, 0)
    assert refusals(answers) == {}
    # unsupported by the QEMU driver: read-only connections hear "read only" first, the others this
    assert answers["REMOTE_PROC_DOMAIN_MIGRATE_PREPARE"] == (
        ErrorCode.NO_SUPPORT, PROCEDURES[(Program.REMOTE, Proc.DOMAIN_MIGRATE_PREPARE)].error_domain,
        "this function is not supported by the connection driver: virDomainMigratePrepare")


ARGUMENT_RULES = [
    (Proc.DOMAIN_GET_XML_DESC, "flags", 1, "operation forbidden: virDomainGetXMLDesc with secure flag"),
    (Proc.DOMAIN_GET_XML_DESC, "flags", 8, "operation forbidden: virDomainGetXMLDesc with secure flag"),
    (Proc.DOMAIN_SNAPSHOT_GET_XML_DESC, "flags", 1,
     "operation forbidden: virDomainSnapshotGetXMLDesc with secure flag"),
    (Proc.DOMAIN_MANAGED_SAVE_GET_XML_DESC, "flags", 1,
     "operation forbidden: virDomainManagedSaveGetXMLDesc with secure flag"),
    (Proc.DOMAIN_GET_VCPUS_FLAGS, "flags", 8, DENIED + "virDomainGetVcpusFlags"),
    (Proc.DOMAIN_INTERFACE_ADDRESSES, "source", 1, DENIED + "virDomainInterfaceAddresses"),
]


async def argument_answers(address: str, number: int, field: str, value: int) -> list[Answer]:
    """(read-only with the value, read-only without it, read-write with it)."""
    proc = PROCEDURES[(Program.REMOTE, number)]
    out = []
    with trio.fail_after(20):
        for flags, payload in ((CONNECT_RO, with_arg(proc, field, value)), (CONNECT_RO, ZEROS),
                               (0, with_arg(proc, field, value))):
            async with AsyncClient.connect(address) as c:
                await c.call(Proc.AUTH_LIST)
                assert await open_conn(c, flags) is None
                out.append(answer(await c.call_payload(number, payload)))
    return out


@pytest.mark.parametrize(("number", "field", "value", "message"), ARGUMENT_RULES,
                         ids=[f"{Proc(r[0]).name}-{r[1]}={r[2]}" for r in ARGUMENT_RULES])
async def test_some_arguments_need_a_read_write_connection(number: int, field: str, value: int, message: str
                                                           ) -> None:
    async with fakevirt_address() as address:
        with_value, without, read_write = await argument_answers(address, number, field, value)
    assert with_value is not None and with_value[0] == ErrorCode.OPERATION_DENIED and with_value[2] == message
    # without the value, or read-write, the call goes on (to the domain lookup, or "not supported")
    for other in (without, read_write):
        assert other is not None and other[0] in (ErrorCode.NO_DOMAIN, ErrorCode.NO_SUPPORT)


async def reopen_transcript(address: str) -> list[Answer]:
    """CONNECT_OPEN again and again: what libvirtd keeps and drops, and that read-only sticks."""
    out: list[Answer] = []
    with trio.fail_after(20):
        async with AsyncClient.connect(address) as c:
            await c.call(Proc.AUTH_LIST)
            for step in (CONNECT_RO, 0, Proc.CONNECT_NUM_OF_DOMAINS, Proc.CONNECT_NUM_OF_STORAGE_POOLS,
                         Proc.STORAGE_POOL_CREATE_XML, 0, Proc.DOMAIN_DEFINE_XML):
                is_open = step in (0, CONNECT_RO)
                out.append(await open_conn(c, step) if is_open else answer(await c.call_payload(step, ZEROS)))
        async with AsyncClient.connect(address) as c:
            await c.call(Proc.AUTH_LIST)
            for flags in (0, CONNECT_RO, CONNECT_RO):
                out.append(await open_conn(c, flags))
            out.append(answer(await c.call_payload(Proc.DOMAIN_DEFINE_XML, ZEROS)))
            for flags in (0, 0):
                out.append(await open_conn(c, flags))
            out.append(answer(await c.call_payload(Proc.DOMAIN_DEFINE_XML, ZEROS)))
    return out


async def test_reopening_keeps_read_only() -> None:
    async with fakevirt_address() as address:
        got = await reopen_transcript(address)
    already = (ErrorCode.INTERNAL_ERROR, ErrorDomain.RPC, "internal error: connection already open")
    define = (ErrorCode.OPERATION_DENIED, ErrorDomain.DOMAIN, DENIED + "virDomainDefineXML")
    assert got[:3] == [None, already,
                       (ErrorCode.INTERNAL_ERROR, ErrorDomain.RPC, "internal error: hypervisor connection not open")]
    # the storage driver the first open shared stays open, and read-only
    assert got[3] is None
    assert got[4] == (ErrorCode.OPERATION_DENIED, ErrorDomain.STORAGE, DENIED + "virStoragePoolCreateXML")
    assert got[5:7] == [None, define]  # re-opened, still read-only
    assert got[7:] == [None, already, None, define, already, None, define]


def test_a_read_only_listener_makes_every_open_read_only() -> None:
    client = Client(Hypervisor(), id=1, readonly_listener=True)
    opened = dispatch(client, Call(program=Program.REMOTE, version=1, procedure=Proc.CONNECT_OPEN, serial=1,
                                   args=ConnectOpenArgs(name="qemu:///system", flags=0))).reply
    assert not isinstance(opened, ErrorReply) and client.readonly
    define = PROCEDURES[(Program.REMOTE, Proc.DOMAIN_DEFINE_XML)]
    reply = dispatch(client, Call(program=Program.REMOTE, version=1, procedure=define.number, serial=2,
                                  args=decode(define.args, ZEROS, allow_trailing=True))).reply
    assert isinstance(reply, ErrorReply)
    assert (reply.error.code, reply.error.message) == (ErrorCode.OPERATION_DENIED, DENIED + "virDomainDefineXML")


# ---- the same probes against the real libvirtd ------------------------------------------------------

@pytest.mark.real
async def test_every_procedure_as_real_libvirtd(reference_uri: str) -> None:
    real = await every_procedure(reference_address(reference_uri), CONNECT_RO)
    async with fakevirt_address() as address:
        fake = await every_procedure(address, CONNECT_RO)
    # libvirtd answers AUTH_POLKIT without polkit with its worker thread's last error; and some
    # APIs or dispatchers check an argument (zero here) before read-only
    argument_first = {name for name, a in real.items() if a is not None and (
        a[0] == ErrorCode.INVALID_ARG or "No FD available" in a[2] or a[2].endswith(" not registered"))}
    skip = argument_first | {name for name in real if name.startswith("REMOTE_PROC_AUTH_")}
    assert len(argument_first & set(refusals(fake))) <= 8
    assert {n: a for n, a in refusals(real).items() if n not in skip} == \
        {n: a for n, a in refusals(fake).items() if n not in skip}


@pytest.mark.real
@pytest.mark.parametrize(("number", "field", "value", "message"), ARGUMENT_RULES,
                         ids=[f"{Proc(r[0]).name}-{r[1]}={r[2]}" for r in ARGUMENT_RULES])
async def test_argument_rules_as_real_libvirtd(reference_uri: str, number: int, field: str, value: int,
                                               message: str) -> None:
    real = await argument_answers(reference_address(reference_uri), number, field, value)
    async with fakevirt_address() as address:
        fake = await argument_answers(address, number, field, value)
    assert real[0] == fake[0]
    assert [a is not None and a[0] == ErrorCode.OPERATION_DENIED for a in real[1:]] == [False, False]
    assert [a is not None and a[0] == ErrorCode.OPERATION_DENIED for a in fake[1:]] == [False, False]


@pytest.mark.real
async def test_reopening_as_real_libvirtd(reference_uri: str) -> None:
    real = await reopen_transcript(reference_address(reference_uri))
    async with fakevirt_address() as address:
        assert await reopen_transcript(address) == real


@pytest.mark.real
async def test_real_read_only_socket_ignores_the_flags(reference_uri: str) -> None:
    """What readonly_listener stands for: libvirtd's read-only socket opens read-only whatever is asked."""
    if not READ_ONLY_SOCKET.is_socket():
        pytest.skip("the reference libvirtd's read-only socket is not here")
    with trio.fail_after(20):
        async with AsyncClient.connect(f"unix://{READ_ONLY_SOCKET}") as c:
            await c.call(Proc.AUTH_LIST)
            assert await open_conn(c, 0) is None
            got = answer(await c.call_payload(Proc.DOMAIN_DEFINE_XML, ZEROS))
    assert got == (ErrorCode.OPERATION_DENIED, ErrorDomain.DOMAIN, DENIED + "virDomainDefineXML")
