"""Golden frames captured from a real libvirtd (scripts/capture_golden.py) replayed through our engines.

Each exchange is a request frame we sent and the frames libvirtd answered with.  We check that
* every server frame decodes with our client engine and re-encodes byte for byte with our server
  engine (the XDR of replies, errors and keepalives matches libvirtd's);
* every request is classified by our server engine the way libvirtd's RPC layer treated it, and
  where that layer answers by itself (InvalidCall), the error reply we would build is byte-identical;
* framing violations that made libvirtd hang up are RemoteProtocolError for us.
"""

from __future__ import annotations

import json
import struct
from pathlib import Path
from typing import Any

import pytest

from protocol import (
    NEED_DATA,
    PROCEDURES,
    Call,
    Connection,
    ErrorCode,
    ErrorDomain,
    ErrorReply,
    Ignored,
    InvalidCall,
    KeepalivePing,
    KeepalivePong,
    LibvirtError,
    RemoteProtocolError,
    Reply,
    Role,
)

GOLDEN = Path(__file__).parent / "golden" / "libvirtd.json"
if not GOLDEN.exists():  # pragma: no cover - the file is committed
    pytest.skip("no golden capture; run scripts/capture_golden.py", allow_module_level=True)

DOC = json.loads(GOLDEN.read_text())
EXCHANGES: dict[str, dict[str, Any]] = {e["name"]: e for e in DOC["exchanges"]}

# Where libvirtd and our engine disagree (see the reasons); strict, so a fix shows up.
KNOWN_DIFFERENCES: dict[str, str] = {}  # name -> why we differ from libvirtd (none left)

def frames(e: dict[str, Any]) -> list[bytes]:
    return [bytes.fromhex(r) for r in e["responses"]]


def header(data: bytes) -> tuple[int, ...]:
    """(len, prog, vers, proc, type, serial, status) of a frame."""
    return struct.unpack(">IIIiiIi", data[:28])


def one_event(role: Role, data: bytes) -> Any:
    conn = Connection(role, PROCEDURES)
    conn.receive_data(data)
    ev = conn.next_event()
    assert conn.next_event() is NEED_DATA
    return ev


def rpc_error_reply(ev: InvalidCall) -> ErrorReply:
    """The reply the RPC layer sends for an InvalidCall (VIR_ERR_RPC / VIR_FROM_RPC, like libvirtd)."""
    return ErrorReply(
        program=ev.program,
        version=ev.version,
        procedure=ev.procedure,
        serial=ev.serial,
        error=LibvirtError.report(ErrorCode.RPC, ErrorDomain.RPC, ev.message).to_wire(),
    )


def _param(name: str, *rest: Any) -> Any:
    marks = (
        [pytest.mark.xfail(strict=True, reason=KNOWN_DIFFERENCES[name])] if name in KNOWN_DIFFERENCES else []
    )
    return pytest.param(name, *rest, id="-".join([name, *map(str, rest)]), marks=marks)


def test_capture_is_complete() -> None:
    """The capture holds every exchange the golden tests replay."""
    assert {
        "auth_list",
        "connect_open",
        "connect_get_type",
        "connect_get_version",
        "connect_get_hostname",
        "node_get_info",
        "unknown_proc_999",
        "unknown_program",
        "keepalive_ping",
        "undecodable_args",
        "connect_open_again",
    } <= set(EXCHANGES)


RESPONSES = [(name, i) for name, e in EXCHANGES.items() for i in range(len(e["responses"]))]


@pytest.mark.parametrize(
    ("name", "index"),
    [
        pytest.param(n, i, id=f"{n}-{i}")
        for n, i in RESPONSES
    ],
)
def test_server_frame_round_trips(name: str, index: int) -> None:
    """Our client decodes libvirtd's frame, and our server encodes that event to the same bytes."""
    data = frames(EXCHANGES[name])[index]
    ev = one_event(Role.CLIENT, data)
    assert not isinstance(ev, Ignored), ev
    assert Connection(Role.SERVER, PROCEDURES).send(ev) == data


@pytest.mark.parametrize("name", [_param(n) for n in EXCHANGES])
def test_engine_classifies_request_like_libvirtd(name: str) -> None:
    """Our server engine treats each request as libvirtd's RPC layer did."""
    e = EXCHANGES[name]
    request, answers = bytes.fromhex(e["request"]), frames(e)
    server = Connection(Role.SERVER, PROCEDURES)
    server.receive_data(request)
    try:
        ev = server.next_event()
    except RemoteProtocolError:
        assert e["closed"] and not answers, "we hang up where libvirtd did not"
        return
    assert not e["closed"], "libvirtd hung up, we did not"
    if isinstance(ev, InvalidCall):
        assert len(answers) == 1
        assert server.send(rpc_error_reply(ev)) == answers[0]
    elif isinstance(ev, Ignored):
        assert answers == [], "libvirtd answered a message we drop"
    elif isinstance(ev, KeepalivePing):
        assert answers == [server.send(KeepalivePong())]
    else:
        # a valid call: the answer is the handler's business, but it must echo the header
        assert isinstance(ev, Call) and ev.declared
        assert len(answers) == 1
        _, prog, vers, proc, typ, serial, status = header(answers[0])
        assert (prog, vers, proc, serial) == (ev.program, ev.version, ev.procedure, ev.serial)
        assert typ == 1 and status in (0, 1)
        reencoded = Connection(Role.CLIENT, PROCEDURES).send(ev)
        # libvirtd ignores bytes after the arguments (trailing_args), and so do we
        assert request[4:].startswith(reencoded[4:])


def test_unknown_procedure_error_is_exact() -> None:
    """The error for an unknown procedure is the §1.4 example, byte for byte."""
    e = EXCHANGES["unknown_proc_999"]
    ev = one_event(Role.SERVER, bytes.fromhex(e["request"]))
    assert ev.message == "unknown procedure: 999"
    reply = one_event(Role.CLIENT, frames(e)[0])
    assert reply == rpc_error_reply(ev)
    assert reply.error.code == ErrorCode.RPC and reply.error.domain == ErrorDomain.RPC
    assert reply.error.level == 2 and reply.error.str3 is None and reply.error.int1 == reply.error.int2 == -1


def test_unknown_program_error_is_exact() -> None:
    """libvirtd answers a call to an unknown program with an RPC error echoing prog/vers/proc/serial."""
    e = EXCHANGES["unknown_program"]
    reply = one_event(Role.CLIENT, frames(e)[0])
    assert isinstance(reply, ErrorReply)
    assert reply.program == 0x12345678 and reply.procedure == 1
    assert reply.error.message == "Cannot find program 305419896 version 1"
    assert reply.error == rpc_error_reply(one_event(Role.SERVER, bytes.fromhex(e["request"]))).error


def test_second_connect_open() -> None:
    """A second CONNECT_OPEN fails with INTERNAL_ERROR from VIR_FROM_RPC, and the connection stays up
    but its hypervisor connection is gone: the next call says "hypervisor connection not open"."""
    again = one_event(Role.CLIENT, frames(EXCHANGES["connect_open_again"])[0])
    assert (
        again.error
        == LibvirtError.report(ErrorCode.INTERNAL_ERROR, ErrorDomain.RPC, "connection already open").to_wire()
    )
    assert not EXCHANGES["connect_open_again"]["closed"]
    after = one_event(Role.CLIENT, frames(EXCHANGES["after_second_open"])[0])
    assert (
        after.error
        == LibvirtError.report(
            ErrorCode.INTERNAL_ERROR, ErrorDomain.RPC, "hypervisor connection not open"
        ).to_wire()
    )


def test_informational_replies_decode() -> None:
    """Version, hostname and node info decode to sensible values and re-encode identically."""
    ver = one_event(Role.CLIENT, frames(EXCHANGES["connect_get_version"])[0])
    lib = one_event(Role.CLIENT, frames(EXCHANGES["connect_get_lib_version"])[0])
    host = one_event(Role.CLIENT, frames(EXCHANGES["connect_get_hostname"])[0])
    info = one_event(Role.CLIENT, frames(EXCHANGES["node_get_info"])[0])
    assert isinstance(ver, Reply) and ver.ret.hv_ver > 1_000_000  # major * 1e6 + minor * 1e3 + micro
    assert lib.ret.lib_ver >= 9_000_000
    assert host.ret.hostname
    assert info.ret.model and info.ret.cpus >= 1 and info.ret.memory > 0
    # char[32] model: libvirtd zero-fills after the NUL, exactly like CharArray
    assert len(frames(EXCHANGES["node_get_info"])[0]) == 28 + 32 * 4 + 8 + 6 * 4


@pytest.mark.parametrize("name", ["reply_to_server", "message_to_server"])
def test_non_calls_are_dropped_silently(name: str) -> None:
    """REPLY and MESSAGE packets from a client get no answer from libvirtd, and Ignored from us."""
    assert EXCHANGES[name]["responses"] == [] and not EXCHANGES[name]["closed"]
    assert isinstance(one_event(Role.SERVER, bytes.fromhex(EXCHANGES[name]["request"])), Ignored)


@pytest.mark.parametrize("name", ["length_too_small", "length_too_large"])
def test_bad_length_closes_without_reply(name: str) -> None:
    """libvirtd hangs up on a bad length word without sending anything; we raise RemoteProtocolError."""
    e = EXCHANGES[name]
    assert e["closed"] and e["responses"] == []
    server = Connection(Role.SERVER, PROCEDURES)
    server.receive_data(bytes.fromhex(e["request"]))
    with pytest.raises(RemoteProtocolError):
        server.next_event()
