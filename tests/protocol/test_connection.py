"""Tests of the sans-IO engine protocol.Connection: a CASES table checked both ways, then edge cases."""

from __future__ import annotations

import struct
from dataclasses import dataclass, field
from typing import Annotated, Any

import pytest

import protocol
from protocol import (
    FRAME_MAX,
    NEED_DATA,
    PROCEDURES,
    Call,
    Connection,
    ConnectionClosed,
    ErrorCode,
    ErrorDomain,
    ErrorReply,
    Ignored,
    Int,
    InvalidCall,
    KeepalivePing,
    KeepalivePong,
    LibvirtError,
    LocalProtocolError,
    Message,
    Proc,
    Procedure,
    Program,
    RemoteProtocolError,
    Reply,
    Role,
    State,
    StreamAbort,
    StreamData,
    StreamFinish,
    StreamHole,
    String,
    WireError,
)
from protocol import struct as xdr_struct
from protocol.remote.connect import (
    AuthListRet,
    AuthType,
    ConnectGetTypeRet,
    ConnectOpenArgs,
    ConnectSupportsFeatureArgs,
    NodeGetInfoRet,
)
from protocol.remote.events import DomainEventLifecycleMsg

REMOTE = Program.REMOTE
KEEPALIVE = Program.KEEPALIVE
CALL, REPLY, MESSAGE, STREAM, CALL_FDS, REPLY_FDS, HOLE = range(7)
OK, ERROR, CONTINUE = range(3)


def h(words: str) -> bytes:
    """Bytes from space-separated hex words (32-bit XDR words, as wire dumps are written)."""
    return bytes.fromhex(words.replace(" ", ""))


def frame(
    prog: int, proc: int, type_: int, serial: int, status: int, payload: bytes = b"", vers: int = 1
) -> bytes:
    """A frame built by hand (independent of protocol.pack_frame)."""
    return struct.pack(">IIIiiIi", 28 + len(payload), prog, vers, proc, type_, serial, status) + payload


def xstr(s: str) -> bytes:
    """An XDR string, by hand."""
    b = s.encode()
    return struct.pack(">I", len(b)) + b + b"\0" * (-len(b) % 4)


def server() -> Connection:
    return Connection(Role.SERVER, PROCEDURES)


def client() -> Connection:
    return Connection(Role.CLIENT, PROCEDURES)


def engine(role: Role) -> Connection:
    return Connection(role, PROCEDURES)


def rpc_error(message: str) -> WireError:
    """The error libvirtd's RPC layer sends: VIR_ERR_RPC, VIR_FROM_RPC, str1 "%s"."""
    return LibvirtError.report(ErrorCode.RPC, ErrorDomain.RPC, message).to_wire()


def first_undeclared(program: int, *, event: bool) -> int | None:
    """A procedure the table knows but has no payload declaration for (more get declared over time)."""
    found = sorted(
        p.number
        for (prog, _), p in PROCEDURES.items()
        if prog == program and not p.declared and p.event is event
    )
    return found[0] if found else None


UNDECLARED_CALL = first_undeclared(REMOTE, event=False)
UNDECLARED_EVENT = first_undeclared(REMOTE, event=True)


def need(proc: int | None) -> int:
    """The procedure, or skip the test when everything has been declared."""
    if proc is None:
        pytest.skip("every procedure of this kind is declared now")
    return proc


# ---- the CASES table -----------------------------------------------------------------------

C2S, S2C, BOTH = (Role.CLIENT,), (Role.SERVER,), (Role.CLIENT, Role.SERVER)

UNKNOWN_999_ERROR_PAYLOAD = h(
    "00000027 00000007"
    " 00000001 00000016" + b"unknown procedure: 999\0\0".hex() + " 00000002 00000000"
    " 00000001 00000002"
    + b"%s\0\0".hex()
    + " 00000001 00000016"
    + b"unknown procedure: 999\0\0".hex()
    + " 00000000 ffffffff ffffffff 00000000"
)

STREAM_ERROR = LibvirtError.report(ErrorCode.INTERNAL_ERROR, ErrorDomain.STREAMS, "disk full").to_wire()


@dataclass(frozen=True)
class Case:
    """An event, its exact bytes, and which roles may send it (the other role decodes it)."""

    id: str
    event: Any
    data: bytes
    senders: tuple[Role, ...]


CASES: list[Case] = [
    # CONNECT_OPEN as libvirt.so frames it (header of virnetprotocol.x, args of remote_protocol.x)
    Case(
        "connect_open_call",
        Call(
            program=REMOTE,
            version=1,
            procedure=Proc.CONNECT_OPEN,
            serial=2,
            args=ConnectOpenArgs(name="test:///default", flags=2),
        ),
        h(
            "00000038 20008086 00000001 00000001 00000000 00000002 00000000 "
            "00000001 0000000f 74657374 3a2f2f2f 64656661 756c7400 00000002"
        ),
        C2S,
    ),
    Case(
        "connect_open_void_reply",
        Reply(program=REMOTE, version=1, procedure=Proc.CONNECT_OPEN, serial=2, ret=None),
        h("0000001c 20008086 00000001 00000001 00000001 00000002 00000000"),
        S2C,
    ),
    Case(
        "auth_list_reply",
        Reply(
            program=REMOTE,
            version=1,
            procedure=Proc.AUTH_LIST,
            serial=0,
            ret=AuthListRet(types=(AuthType.NONE,)),
        ),
        h("00000024 20008086 00000001 00000042 00000001 00000000 00000000 00000001 00000000"),
        S2C,
    ),
    Case(
        "unknown_proc_999_error",
        ErrorReply(
            program=REMOTE, version=1, procedure=999, serial=5, error=rpc_error("unknown procedure: 999")
        ),
        frame(REMOTE, 999, REPLY, 5, ERROR, UNKNOWN_999_ERROR_PAYLOAD),
        S2C,
    ),
    Case(
        "keepalive_ping",
        KeepalivePing(),
        h("0000001c 6b656570 00000001 00000001 00000002 00000000 00000000"),
        BOTH,
    ),
    Case(
        "keepalive_pong",
        KeepalivePong(),
        h("0000001c 6b656570 00000001 00000002 00000002 00000000 00000000"),
        BOTH,
    ),
    # more calls and replies
    Case(
        "auth_list_call",
        Call(program=REMOTE, version=1, procedure=Proc.AUTH_LIST, serial=0),
        frame(REMOTE, 66, CALL, 0, OK),
        C2S,
    ),
    Case(
        "connect_open_null_name",
        Call(
            program=REMOTE,
            version=1,
            procedure=Proc.CONNECT_OPEN,
            serial=2**32 - 1,
            args=ConnectOpenArgs(name=None, flags=0),
        ),
        frame(REMOTE, 1, CALL, 2**32 - 1, OK, h("00000000 00000000")),
        C2S,
    ),
    Case(
        "supports_feature_call",
        Call(
            program=REMOTE,
            version=1,
            procedure=Proc.CONNECT_SUPPORTS_FEATURE,
            serial=1,
            args=ConnectSupportsFeatureArgs(feature=10),
        ),
        frame(REMOTE, 60, CALL, 1, OK, h("0000000a")),
        C2S,
    ),
    Case(
        "get_type_reply",
        Reply(
            program=REMOTE,
            version=1,
            procedure=Proc.CONNECT_GET_TYPE,
            serial=3,
            ret=ConnectGetTypeRet(type="QEMU"),
        ),
        frame(REMOTE, 3, REPLY, 3, OK, xstr("QEMU")),
        S2C,
    ),
    Case(
        "node_get_info_reply",
        Reply(
            program=REMOTE,
            version=1,
            procedure=Proc.NODE_GET_INFO,
            serial=6,
            ret=NodeGetInfoRet(
                model="x86_64", memory=4096, cpus=2, mhz=2400, nodes=1, sockets=1, cores=2, threads=1
            ),
        ),
        frame(
            REMOTE,
            6,
            REPLY,
            6,
            OK,
            b"".join(struct.pack(">i", c) for c in b"x86_64".ljust(32, b"\0"))
            + struct.pack(">Qiiiiii", 4096, 2, 2400, 1, 1, 2, 1),
        ),
        S2C,
    ),
    Case(
        "not_found_error",
        ErrorReply(
            program=REMOTE,
            version=1,
            procedure=Proc.DOMAIN_LOOKUP_BY_NAME,
            serial=9,
            error=LibvirtError.report(
                ErrorCode.NO_DOMAIN, ErrorDomain.QEMU, "no domain with matching name 'x'"
            ).to_wire(),
        ),
        frame(
            REMOTE,
            23,
            REPLY,
            9,
            ERROR,
            h("0000002a 0000000a 00000001")
            + xstr("Domain not found: no domain with matching name 'x'")
            + h("00000002 00000000 00000001")
            + xstr("Domain not found: %s")
            + h("00000001")
            + xstr("no domain with matching name 'x'")
            + h("00000000 ffffffff ffffffff 00000000"),
        ),
        S2C,
    ),
    # an event: MESSAGE, serial 0
    Case(
        "domain_event_lifecycle",
        Message(
            program=REMOTE,
            procedure=Proc.DOMAIN_EVENT_LIFECYCLE,
            body=DomainEventLifecycleMsg(
                dom=protocol.NonnullDomain(name="vm1", uuid=bytes(range(16)), id=3), event=2, detail=0
            ),
        ),
        frame(REMOTE, 107, MESSAGE, 0, OK, xstr("vm1") + bytes(range(16)) + h("00000003 00000002 00000000")),
        S2C,
    ),
    # streams (virnetprotocol.x): same proc and serial as the call, both directions
    Case(
        "stream_data",
        StreamData(program=REMOTE, procedure=Proc.STORAGE_VOL_DOWNLOAD, serial=7, data=b"\x00abc\xff"),
        frame(REMOTE, 209, STREAM, 7, CONTINUE, b"\x00abc\xff"),
        BOTH,
    ),  # raw, no XDR length/padding
    Case(
        "stream_eof",
        StreamData(program=REMOTE, procedure=Proc.STORAGE_VOL_DOWNLOAD, serial=7, data=b""),
        frame(REMOTE, 209, STREAM, 7, CONTINUE),
        BOTH,
    ),
    Case(
        "stream_finish",
        StreamFinish(program=REMOTE, procedure=Proc.STORAGE_VOL_UPLOAD, serial=8),
        frame(REMOTE, 208, STREAM, 8, OK),
        BOTH,
    ),
    Case(
        "stream_abort",
        StreamAbort(program=REMOTE, procedure=Proc.STORAGE_VOL_UPLOAD, serial=8),
        frame(REMOTE, 208, STREAM, 8, ERROR),
        BOTH,
    ),
    Case(
        "stream_error",
        StreamAbort(program=REMOTE, procedure=Proc.STORAGE_VOL_UPLOAD, serial=8, error=STREAM_ERROR),
        frame(REMOTE, 208, STREAM, 8, ERROR, protocol.encode(WireError, STREAM_ERROR)),
        BOTH,
    ),
    Case(
        "stream_hole",
        StreamHole(program=REMOTE, procedure=Proc.STORAGE_VOL_UPLOAD, serial=8, length=2**33, flags=0),
        frame(REMOTE, 208, HOLE, 8, CONTINUE, h("00000002 00000000 00000000")),
        BOTH,
    ),
]

PAIRS = [(c, sender) for c in CASES for sender in c.senders]
PAIR_IDS = [f"{c.id}-{sender.value}" for c, sender in PAIRS]


def other(role: Role) -> Role:
    return Role.SERVER if role is Role.CLIENT else Role.CLIENT


def drain(conn: Connection) -> list[Any]:
    """Every event available now, up to NEED_DATA (or ConnectionClosed)."""
    out: list[Any] = []
    while True:
        ev = conn.next_event()
        if ev is NEED_DATA:
            return out
        out.append(ev)
        if isinstance(ev, ConnectionClosed):
            return out


@pytest.mark.parametrize(("case", "sender"), PAIRS, ids=PAIR_IDS)
def test_send(case: Case, sender: Role) -> None:
    """The sending engine produces exactly the case's bytes."""
    assert engine(sender).send(case.event) == case.data


@pytest.mark.parametrize(("case", "sender"), PAIRS, ids=PAIR_IDS)
def test_receive_whole(case: Case, sender: Role) -> None:
    """The receiving engine decodes the bytes to exactly the event, then needs data."""
    rx = engine(other(sender))
    assert rx.next_event() is NEED_DATA
    rx.receive_data(case.data)
    assert rx.next_event() == case.event
    assert rx.next_event() is NEED_DATA
    assert rx.state is State.OPEN


@pytest.mark.parametrize(("case", "sender"), PAIRS, ids=PAIR_IDS)
def test_receive_byte_by_byte(case: Case, sender: Role) -> None:
    """Fed one byte at a time, nothing comes out until the last byte."""
    rx = engine(other(sender))
    for i in range(len(case.data) - 1):
        rx.receive_data(case.data[i : i + 1])
        assert rx.next_event() is NEED_DATA
    rx.receive_data(case.data[-1:])
    assert drain(rx) == [case.event]


@pytest.mark.parametrize(("case", "sender"), PAIRS, ids=PAIR_IDS)
def test_receive_two_frames_in_one_chunk(case: Case, sender: Role) -> None:
    """Two frames in one chunk give two events."""
    rx = engine(other(sender))
    rx.receive_data(case.data + case.data)
    assert drain(rx) == [case.event, case.event]


@pytest.mark.parametrize(("case", "sender"), PAIRS, ids=PAIR_IDS)
def test_receive_with_trailing_partial_frame(case: Case, sender: Role) -> None:
    """Bytes of the next frame after a whole one stay buffered until the rest arrives."""
    rx = engine(other(sender))
    rx.receive_data(case.data + case.data[:5])
    assert drain(rx) == [case.event]
    rx.receive_data(case.data[5:])
    assert drain(rx) == [case.event]


@pytest.mark.parametrize(("case", "sender"), PAIRS, ids=PAIR_IDS)
def test_receive_then_eof(case: Case, sender: Role) -> None:
    """A frame followed by EOF gives the event, then ConnectionClosed."""
    rx = engine(other(sender))
    rx.receive_data(case.data)
    rx.receive_data(b"")
    assert drain(rx) == [case.event, ConnectionClosed()]
    assert rx.state is State.CLOSED


def test_cases_cover_both_directions() -> None:
    """The table exercises client->server and server->client, with the §1.4 examples."""
    ids = {c.id for c in CASES}
    assert {
        "connect_open_call",
        "connect_open_void_reply",
        "auth_list_reply",
        "unknown_proc_999_error",
        "keepalive_ping",
        "keepalive_pong",
    } <= ids
    assert any(Role.CLIENT in c.senders for c in CASES) and any(Role.SERVER in c.senders for c in CASES)


# ---- a connected pair ----------------------------------------------------------------------


@dataclass
class ConnectionPair:
    """A client and a server engine wired back to back."""

    client: Connection = field(default_factory=client)
    server: Connection = field(default_factory=server)

    def client_sends(self, *events: Any) -> list[Any]:
        """What the server sees after the client sent events."""
        self.server.receive_data(b"".join(self.client.send(e) for e in events))
        return drain(self.server)

    def server_sends(self, *events: Any) -> list[Any]:
        """What the client sees after the server sent events."""
        self.client.receive_data(b"".join(self.server.send(e) for e in events))
        return drain(self.client)


def test_pair_conversation() -> None:
    """A small session: auth, open, a failing call, keepalive, a download stream."""
    p = ConnectionPair()
    auth = Call(program=REMOTE, version=1, procedure=Proc.AUTH_LIST, serial=0)
    assert p.client_sends(auth) == [auth]
    ok = Reply(
        program=REMOTE, version=1, procedure=Proc.AUTH_LIST, serial=0, ret=AuthListRet(types=(AuthType.NONE,))
    )
    assert p.server_sends(ok) == [ok]
    opn = Call(
        program=REMOTE,
        version=1,
        procedure=Proc.CONNECT_OPEN,
        serial=1,
        args=ConnectOpenArgs(name="qemu:///system", flags=0),
    )
    assert p.client_sends(opn, KeepalivePing()) == [opn, KeepalivePing()]
    err = ErrorReply(
        program=REMOTE,
        version=1,
        procedure=Proc.CONNECT_OPEN,
        serial=1,
        error=LibvirtError.report(
            ErrorCode.INTERNAL_ERROR, ErrorDomain.RPC, "connection already open"
        ).to_wire(),
    )
    assert p.server_sends(KeepalivePong(), err) == [KeepalivePong(), err]
    dl = dict(program=REMOTE, procedure=Proc.STORAGE_VOL_DOWNLOAD, serial=2)
    chunks = [StreamData(data=b"x" * 1000, **dl), StreamData(data=b"", **dl)]
    assert p.server_sends(*chunks) == chunks
    assert p.client_sends(StreamFinish(**dl)) == [StreamFinish(**dl)]
    assert p.server_sends(StreamFinish(**dl)) == [StreamFinish(**dl)]
    p.server.receive_data(b"")
    assert drain(p.server) == [ConnectionClosed()]


# ---- calls the RPC layer refuses (server side) ---------------------------------------------


def server_receives(data: bytes) -> Any:
    s = server()
    s.receive_data(data)
    ev = s.next_event()
    assert s.next_event() is NEED_DATA
    assert s.state is State.OPEN
    return ev


def test_unknown_procedure() -> None:
    """A call to a procedure number the program does not have: "unknown procedure: N"."""
    assert server_receives(frame(REMOTE, 999, CALL, 4, OK)) == InvalidCall(
        program=REMOTE, version=1, procedure=999, serial=4, message="unknown procedure: 999"
    )
    assert server_receives(frame(REMOTE, 0, CALL, 4, OK)).message == "unknown procedure: 0"
    assert server_receives(frame(REMOTE, -5, CALL, 4, OK)).message == "unknown procedure: -5"


@pytest.mark.parametrize(
    ("prog", "vers"), [(0x12345678, 1), (REMOTE, 2), (REMOTE, 0), (Program.ADMIN, 1), (Program.QEMU, 3)]
)
def test_unknown_program_or_version(prog: int, vers: int) -> None:
    """A call to a program/version the server does not serve: "Cannot find program N version V"."""
    ev = server_receives(frame(prog, 1, CALL, 3, OK, vers=vers))
    assert ev == InvalidCall(
        program=prog,
        version=vers,
        procedure=1,
        serial=3,
        message=f"Cannot find program {prog} version {vers}",
    )


def test_unknown_program_is_checked_before_status() -> None:
    """libvirtd looks the program up first, then checks the status."""
    ev = server_receives(frame(0x12345678, 1, CALL, 3, ERROR))
    assert ev.message == "Cannot find program 305419896 version 1"


def test_unknown_program_number_is_printed_signed() -> None:
    """Program numbers >= 2**31 appear negative in the message, as C's %d prints them."""
    ev = server_receives(frame(0x87654321, 1, CALL, 3, OK))
    assert ev.message == "Cannot find program -2023406815 version 1"


def test_call_to_keepalive_program_is_invalid_call() -> None:
    """Only MESSAGE PING/PONG belong to keepalive; a CALL to that program is an unknown program."""
    ev = server_receives(frame(KEEPALIVE, 1, CALL, 13, OK))
    assert ev == InvalidCall(
        program=KEEPALIVE,
        version=1,
        procedure=1,
        serial=13,
        message="Cannot find program 1801807216 version 1",
    )


@pytest.mark.parametrize("status", [ERROR, CONTINUE, 7, -1])
def test_call_with_bad_status(status: int) -> None:
    """A call whose status is not OK: "Unexpected message status S"."""
    ev = server_receives(frame(REMOTE, Proc.CONNECT_GET_TYPE, CALL, 3, status))
    assert ev == InvalidCall(
        program=REMOTE, version=1, procedure=3, serial=3, message=f"Unexpected message status {status}"
    )


@pytest.mark.parametrize(
    "payload",
    [
        b"",  # int expected
        h("0000"),  # truncated int
    ],
    ids=["empty", "truncated"],
)
def test_undecodable_args(payload: bytes) -> None:
    """Arguments that do not decode: "Unable to decode message payload"."""
    ev = server_receives(frame(REMOTE, Proc.CONNECT_SUPPORTS_FEATURE, CALL, 5, OK, payload))
    assert ev == InvalidCall(
        program=REMOTE, version=1, procedure=60, serial=5, message="Unable to decode message payload"
    )


def test_optional_discriminant_is_a_bool_and_bounds_hold() -> None:
    """Any nonzero optional discriminant means present (xdr_pointer reads an xdr_bool), so the
    value must follow; over-long strings are undecodable."""
    uri = "qemu:///system"
    for marker in ("00000002", "01000000", "ffffffff"):  # 01000000: go-libvirt's CONNECT_OPEN
        ev = server_receives(frame(REMOTE, Proc.CONNECT_OPEN, CALL, 5, OK, h(marker) + xstr(uri) + h("00000000")))
        assert ev.args == ConnectOpenArgs(name=uri, flags=0)
    no_value = frame(REMOTE, Proc.CONNECT_OPEN, CALL, 5, OK, h("00000002 00000000"))
    assert server_receives(no_value).message == "Unable to decode message payload"
    huge = frame(REMOTE, Proc.CONNECT_OPEN, CALL, 5, OK, h("00000001 7fffffff 00000000"))
    assert server_receives(huge).message == "Unable to decode message payload"


def test_hole_with_trailing_bytes_is_taken_like_libvirtd() -> None:
    """virNetMessageDecodePayload ignores bytes after a stream hole's body, as after args."""
    ev = server_receives(frame(REMOTE, 208, HOLE, 8, CONTINUE, h("00000000 00001000 00000000 deadbeef")))
    assert ev == StreamHole(program=REMOTE, procedure=208, serial=8, length=4096, flags=0)


def test_trailing_bytes_after_args_are_ignored_like_libvirtd() -> None:
    """Extra bytes after well-formed args do not make the call fail."""
    ev = server_receives(frame(REMOTE, Proc.CONNECT_GET_TYPE, CALL, 16, OK, h("0000002a")))
    assert ev == Call(program=REMOTE, version=1, procedure=3, serial=16)


def test_event_procedure_sent_as_call_is_unknown() -> None:
    """Event procedures exist only server->client; as a CALL they are unknown (as in libvirtd)."""
    assert PROCEDURES[(REMOTE, Proc.DOMAIN_EVENT_LIFECYCLE)].event
    ev = server_receives(frame(REMOTE, Proc.DOMAIN_EVENT_LIFECYCLE, CALL, 9, OK))
    assert ev.message == "unknown procedure: 107"
    qemu_event = server_receives(frame(Program.QEMU, 6, CALL, 9, OK))
    assert qemu_event.message == "unknown procedure: 6"


@pytest.mark.parametrize(("prog", "proc"), [(REMOTE, UNDECLARED_CALL), (Program.LXC, 1)])
def test_known_but_undeclared_procedure(prog: int, proc: int | None) -> None:
    """A procedure the table knows but whose payload is not declared: Call(declared=False)."""
    proc = need(proc)
    assert not PROCEDURES[(prog, proc)].declared
    ev = server_receives(frame(prog, proc, CALL, 11, OK, xstr("anything") + h("00000000")))
    assert ev == Call(program=prog, version=1, procedure=proc, serial=11, args=None, declared=False)


def test_call_with_fds() -> None:
    """CALL_WITH_FDS: the 4-byte fd count is skipped; too short a payload is refused."""
    ev = server_receives(
        frame(REMOTE, Proc.CONNECT_SUPPORTS_FEATURE, CALL_FDS, 3, OK, h("00000000 0000000a"))
    )
    assert ev == Call(
        program=REMOTE, version=1, procedure=60, serial=3, args=ConnectSupportsFeatureArgs(feature=10)
    )
    short = server_receives(frame(REMOTE, Proc.CONNECT_GET_TYPE, CALL_FDS, 3, OK, h("0000")))
    assert isinstance(short, InvalidCall) and short.message == "Unable to decode number of FDs"


@pytest.mark.parametrize(
    ("type_", "status"), [(REPLY, OK), (REPLY, ERROR), (MESSAGE, OK), (REPLY_FDS, OK), (42, OK)]
)
def test_server_ignores_non_calls(type_: int, status: int) -> None:
    """REPLY/MESSAGE (and unknown types) from a client are dropped, as libvirtd does, but visible."""
    ev = server_receives(frame(REMOTE, Proc.CONNECT_GET_TYPE, type_, 17, status, h("00000000")))
    assert ev == Ignored(
        program=REMOTE, procedure=3, type=type_, serial=17, reason=f"Unexpected message type {type_}"
    )


@pytest.mark.parametrize(
    "data",
    [
        frame(KEEPALIVE, 3, MESSAGE, 0, OK),  # unknown keepalive proc
        frame(KEEPALIVE, 1, REPLY, 0, OK),  # PING number, wrong type
    ],
)
def test_odd_keepalive_messages_are_ignored(data: bytes) -> None:
    """Keepalive-program frames other than MESSAGE PING/PONG are dropped."""
    for rx in (server(), client()):
        rx.receive_data(data)
        assert isinstance(rx.next_event(), Ignored)


# ---- framing errors ------------------------------------------------------------------------


def assert_dead(conn: Connection) -> None:
    """An engine in ERROR refuses every further use with LocalProtocolError."""
    assert conn.state is State.ERROR
    with pytest.raises(LocalProtocolError):
        conn.next_event()
    with pytest.raises(LocalProtocolError):
        conn.receive_data(b"\0\0\0\x1c")
    with pytest.raises(LocalProtocolError):
        conn.receive_data(b"")
    with pytest.raises(LocalProtocolError):
        conn.send(KeepalivePong())


@pytest.mark.parametrize("role", [Role.SERVER, Role.CLIENT])
@pytest.mark.parametrize("length", [0, 3, 4, 27, FRAME_MAX + 1, 2**32 - 1])
def test_bad_length_word(role: Role, length: int) -> None:
    """Length < 28 or > FRAME_MAX fails as soon as the length word is in, without the body."""
    rx = engine(role)
    rx.receive_data(struct.pack(">I", length))  # no body follows: must not wait for it
    with pytest.raises(RemoteProtocolError):
        rx.next_event()
    assert_dead(rx)


def test_frame_max_is_inclusive() -> None:
    """A length word of exactly FRAME_MAX (4 + 32 MiB) is legal: the engine waits for the body."""
    assert FRAME_MAX == 4 + 33554432
    rx = server()
    rx.receive_data(struct.pack(">I", FRAME_MAX))
    assert rx.next_event() is NEED_DATA
    assert rx.state is State.OPEN


def test_max_frame_is_configurable() -> None:
    """A smaller max_frame rejects frames above it."""
    rx = Connection(Role.SERVER, PROCEDURES, max_frame=64)
    rx.receive_data(frame(REMOTE, 3, CALL, 1, OK, b"\0" * 40))
    with pytest.raises(RemoteProtocolError, match="too large"):
        rx.next_event()


def test_bad_length_after_a_good_frame() -> None:
    """The good frame is delivered first; the bad length word fails on the next call."""
    rx = server()
    rx.receive_data(frame(REMOTE, 3, CALL, 1, OK) + struct.pack(">I", 5))
    assert rx.next_event() == Call(program=REMOTE, version=1, procedure=3, serial=1)
    with pytest.raises(RemoteProtocolError):
        rx.next_event()
    assert_dead(rx)


@pytest.mark.parametrize("cut", [1, 3, 4, 27, 30])
def test_eof_mid_frame(cut: int) -> None:
    """EOF in the middle of a frame (or its length word) is a remote protocol error."""
    data = frame(REMOTE, 3, CALL, 1, OK, h("00000000 00000000"))
    rx = server()
    rx.receive_data(data[:cut])
    assert rx.next_event() is NEED_DATA
    rx.receive_data(b"")
    with pytest.raises(RemoteProtocolError, match="closed"):
        rx.next_event()
    assert_dead(rx)


def test_clean_eof() -> None:
    """EOF on a frame boundary gives ConnectionClosed (again on every call) and CLOSED."""
    rx = client()
    rx.receive_data(b"")
    assert rx.next_event() == ConnectionClosed()
    assert rx.state is State.CLOSED
    assert rx.next_event() == ConnectionClosed()
    # our side may still send after the peer closed its side
    assert rx.send(KeepalivePing()) == frame(KEEPALIVE, 1, MESSAGE, 0, OK)
    with pytest.raises(LocalProtocolError):
        rx.receive_data(b"more")
    assert_dead(rx)  # after any exception the engine refuses further use


# ---- client side ---------------------------------------------------------------------------


def client_receives(data: bytes) -> Any:
    c = client()
    c.receive_data(data)
    ev = c.next_event()
    assert c.next_event() is NEED_DATA
    return ev


def test_client_error_reply_and_libvirt_error() -> None:
    """An error REPLY decodes to ErrorReply, and LibvirtError.from_wire gives code/domain/message."""
    ev = client_receives(frame(REMOTE, 999, REPLY, 5, ERROR, UNKNOWN_999_ERROR_PAYLOAD))
    assert isinstance(ev, ErrorReply)
    e = LibvirtError.from_wire(ev.error)
    assert e.code is ErrorCode.RPC and e.domain is ErrorDomain.RPC
    assert e.message == str(e) == "unknown procedure: 999"
    assert e.level == 2 and e.template == "%s" and e.detail == "unknown procedure: 999"


def test_client_error_reply_without_message() -> None:
    """A NULL message (which go-libvirt cannot handle) still decodes; from_wire gives ''."""
    w = WireError(
        code=1,
        domain=7,
        message=None,
        level=2,
        dom=None,
        str1=None,
        str2=None,
        str3=None,
        int1=-1,
        int2=-1,
        net=None,
    )
    ev = client_receives(frame(REMOTE, 3, REPLY, 5, ERROR, protocol.encode(WireError, w)))
    assert ev.error == w
    assert LibvirtError.from_wire(ev.error).message == ""


def test_client_reply_of_undeclared_or_unknown_procedure_keeps_raw_bytes() -> None:
    """Replies whose ret type is not declared keep the raw payload."""
    raw = xstr("<domain/>")
    proc = need(UNDECLARED_CALL)
    ev = client_receives(frame(REMOTE, proc, REPLY, 5, OK, raw))
    assert ev == Reply(program=REMOTE, version=1, procedure=proc, serial=5, ret=raw)
    ev = client_receives(frame(REMOTE, 5000, REPLY, 5, OK, raw))
    assert ev.ret == raw


@pytest.mark.parametrize(
    "data",
    [
        frame(REMOTE, Proc.CONNECT_GET_TYPE, REPLY, 5, OK, h("00000009")),  # undecodable ret
        frame(REMOTE, Proc.CONNECT_OPEN, REPLY, 5, OK, h("00000000")),  # void ret with trailing bytes
        frame(REMOTE, 3, REPLY, 5, ERROR, h("00000001")),  # undecodable error
        frame(REMOTE, 3, REPLY, 5, CONTINUE),  # replies are OK or ERROR
        frame(REMOTE, 208, STREAM, 5, 7),  # unknown stream status
        frame(REMOTE, 208, HOLE, 5, CONTINUE, h("00000001")),  # undecodable hole
        frame(REMOTE, 208, STREAM, 5, ERROR, h("00000001")),  # undecodable stream error
    ],
)
def test_client_undecodable_frames_are_fatal(data: bytes) -> None:
    """A server frame the client cannot decode is a RemoteProtocolError and kills the engine."""
    c = client()
    c.receive_data(data)
    with pytest.raises(RemoteProtocolError):
        c.next_event()
    assert_dead(c)


def test_client_ignores_calls_and_unknown_events() -> None:
    """A CALL sent to a client, and an event the table does not declare, are Ignored."""
    assert isinstance(client_receives(frame(REMOTE, 3, CALL, 1, OK)), Ignored)
    assert isinstance(client_receives(frame(REMOTE, 9999, MESSAGE, 0, OK)), Ignored)
    proc = need(UNDECLARED_EVENT)
    ev = client_receives(frame(REMOTE, proc, MESSAGE, 0, OK, b"\0" * 8))
    assert ev == Ignored(program=REMOTE, procedure=proc, type=MESSAGE, serial=0, reason="unknown event")


@xdr_struct
class EventBody:
    """A stand-in event body for a hand-declared event procedure."""

    name: Annotated[str, String(64)]
    event: Int


def test_messages_with_a_hand_declared_event() -> None:
    """With an event procedure declared in a custom table, the server sends Message and the client
    decodes it."""
    table = dict(PROCEDURES)
    table[(REMOTE, 107)] = Procedure(
        REMOTE, 107, "DOMAIN_EVENT_LIFECYCLE", args=EventBody, declared=True, event=True
    )
    body = EventBody(name="vm1", event=5)
    data = frame(REMOTE, 107, MESSAGE, 0, OK, xstr("vm1") + h("00000005"))
    s, c = Connection(Role.SERVER, table), Connection(Role.CLIENT, table)
    ev = Message(program=REMOTE, procedure=107, body=body)
    assert s.send(ev) == data
    c.receive_data(data)
    assert c.next_event() == ev
    with pytest.raises(LocalProtocolError):
        Connection(Role.CLIENT, table).send(ev)
    # an undecodable body of a declared event is fatal for the client
    bad = Connection(Role.CLIENT, table)
    bad.receive_data(frame(REMOTE, 107, MESSAGE, 0, OK, h("00000001")))
    with pytest.raises(RemoteProtocolError):
        bad.next_event()


# ---- what each role may send ---------------------------------------------------------------

CALL_EV = Call(program=REMOTE, version=1, procedure=Proc.CONNECT_GET_TYPE, serial=1)
REPLY_EV = Reply(
    program=REMOTE, version=1, procedure=Proc.CONNECT_GET_TYPE, serial=1, ret=ConnectGetTypeRet(type="QEMU")
)
ERROR_EV = ErrorReply(program=REMOTE, version=1, procedure=3, serial=1, error=rpc_error("x"))


@pytest.mark.parametrize(
    ("role", "event"),
    [
        (Role.SERVER, CALL_EV),
        (Role.CLIENT, REPLY_EV),
        (Role.CLIENT, ERROR_EV),
        (Role.CLIENT, Message(program=REMOTE, procedure=Proc.CONNECT_GET_TYPE, body=None)),
        (Role.SERVER, InvalidCall(program=REMOTE, version=1, procedure=1, serial=1, message="x")),
        (Role.SERVER, Ignored(program=REMOTE, procedure=1, type=1, serial=1, reason="x")),
        (Role.SERVER, ConnectionClosed()),
        (Role.CLIENT, ConnectionClosed()),
    ],
    ids=[
        "server-call",
        "client-reply",
        "client-error",
        "client-message",
        "server-invalidcall",
        "server-ignored",
        "server-closed",
        "client-closed",
    ],
)
def test_wrong_role_cannot_send(role: Role, event: Any) -> None:
    """A server cannot send a Call, a client cannot send replies/events; neither sends non-wire events."""
    with pytest.raises(LocalProtocolError):
        engine(role).send(event)


@pytest.mark.parametrize(
    ("role", "event"),
    [
        (Role.SERVER, Reply(program=REMOTE, version=1, procedure=5000, serial=1)),  # unknown proc
        (
            Role.SERVER,
            Reply(
                program=REMOTE,
                version=1,
                procedure=Proc.AUTH_LIST,
                serial=1,
                ret=AuthListRet(types=(AuthType.NONE,) * 21),
            ),
        ),  # > AUTH_TYPE_LIST_MAX
        (
            Role.SERVER,
            Reply(
                program=REMOTE,
                version=1,
                procedure=Proc.CONNECT_OPEN,
                serial=1,
                ret=ConnectGetTypeRet(type="x"),
            ),
        ),  # void ret with a value
        (
            Role.CLIENT,
            Call(
                program=REMOTE,
                version=1,
                procedure=Proc.CONNECT_OPEN,
                serial=1,
                args=ConnectSupportsFeatureArgs(feature=1),
            ),
        ),  # wrong args struct
    ],
)
def test_unencodable_event_is_local_error(role: Role, event: Any) -> None:
    """Events that cannot be put on the wire raise LocalProtocolError."""
    with pytest.raises(LocalProtocolError):
        engine(role).send(event)


@pytest.mark.parametrize(
    "event",
    [
        Call(program=REMOTE, version=1, procedure=Proc.CONNECT_GET_TYPE, serial=-1),
        Call(program=REMOTE, version=1, procedure=Proc.CONNECT_GET_TYPE, serial=2**32),
        StreamFinish(program=REMOTE, procedure=2**31, serial=1),
        StreamFinish(program=2**32, procedure=1, serial=1),
    ],
    ids=["serial-negative", "serial-too-big", "proc-too-big", "program-too-big"],
)
def test_send_header_out_of_range_is_local_error(event: Any) -> None:
    """A header field that does not fit its XDR type cannot be sent."""
    with pytest.raises(LocalProtocolError):
        engine(Role.CLIENT).send(event)


def test_send_frame_above_frame_max_is_local_error() -> None:
    """A stream chunk whose frame would exceed FRAME_MAX is refused by send()."""
    big = StreamData(
        program=REMOTE,
        procedure=Proc.STORAGE_VOL_DOWNLOAD,
        serial=1,
        data=bytes(protocol.MESSAGE_MAX - 24 + 1),
    )
    with pytest.raises(LocalProtocolError):
        server().send(big)


def test_send_frame_of_exactly_frame_max() -> None:
    """The largest legal frame is FRAME_MAX bytes long."""
    big = StreamData(
        program=REMOTE, procedure=Proc.STORAGE_VOL_DOWNLOAD, serial=1, data=bytes(protocol.MESSAGE_MAX - 24)
    )
    data = server().send(big)
    assert len(data) == FRAME_MAX
    rx = client()
    rx.receive_data(data)
    assert rx.next_event() == big


def test_send_error_leaves_engine_in_error_state() -> None:
    """After any exception the engine is ERROR and refuses further use."""
    s = server()
    with pytest.raises(LocalProtocolError):
        s.send(CALL_EV)
    assert s.state is State.ERROR


def test_send_unencodable_string_is_local_error() -> None:
    """A reply holding a lone surrogate cannot be encoded: LocalProtocolError, not UnicodeEncodeError."""
    ev = Reply(
        program=REMOTE,
        version=1,
        procedure=Proc.CONNECT_GET_TYPE,
        serial=1,
        ret=ConnectGetTypeRet(type="\ud800"),
    )
    with pytest.raises(LocalProtocolError):
        server().send(ev)


def test_client_sends_undeclared_call_with_raw_args() -> None:
    """For undeclared procedures a client passes pre-encoded args bytes (or nothing)."""
    raw = xstr("vm1")
    proc = need(UNDECLARED_CALL)
    ev = Call(program=REMOTE, version=1, procedure=proc, serial=4, args=raw, declared=False)
    assert client().send(ev) == frame(REMOTE, proc, CALL, 4, OK, raw)
    assert client().send(Call(program=REMOTE, version=1, procedure=proc, serial=4, declared=False)) == frame(
        REMOTE, proc, CALL, 4, OK
    )


def test_events_are_frozen_and_compared_by_value() -> None:
    """Events are frozen dataclasses compared with ==."""
    ping, pong = list[object]([KeepalivePing(), KeepalivePong()])
    assert ping == KeepalivePing() and ping != pong
    with pytest.raises(AttributeError):
        CALL_EV.serial = 2  # type: ignore[misc]


def test_unencodable_payload_leaves_the_engine_usable() -> None:
    """Nothing was emitted, so the engine goes on: the server answers with an error reply instead."""
    s = server()
    bad = Reply(program=REMOTE, version=1, procedure=Proc.CONNECT_GET_TYPE, serial=1,
                ret=ConnectGetTypeRet(type="x" * (4194304 + 1)))
    with pytest.raises(protocol.UnencodablePayload):
        s.send(bad)
    assert s.state is State.OPEN
    assert s.send(ERROR_EV) == frame(REMOTE, 3, REPLY, 1, ERROR, protocol.encode(WireError, ERROR_EV.error))
