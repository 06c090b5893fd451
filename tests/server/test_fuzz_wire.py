"""Wire fuzzing in CI: scripts/fuzz.py's seeded generator against an in-process server, real sockets.

About 3,000 frames: valid and mutated calls of every procedure, boundary lengths, wrong headers,
stream packets for unknown serials, keepalive junk, calls before and after CONNECT_OPEN. After
each batch a fresh client must still open and get the hostname, no handler may have logged a
traceback, and every problem ``run_script`` found (a missing, duplicated or undecodable reply, an
"unexpected failure", an error code libvirt lacks, a hang) fails the test with its frame in hex.
Each bug the fuzzer found has a test of its own below.
"""

from __future__ import annotations

import importlib.util
import logging
import socket
import struct
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import trio

from fakevirt.client import AsyncClient
from fakevirt.model.ids import HostIdentity
from fakevirt.testing import serving
from protocol import (
    NEED_DATA,
    PROCEDURES,
    Call,
    Connection,
    ErrorCode,
    ErrorDomain,
    ErrorReply,
    Header,
    Proc,
    Program,
    Reply,
    Role,
    encode,
    pack_frame,
)


def _load_fuzz() -> Any:
    path = Path(__file__).resolve().parents[2] / "scripts" / "fuzz.py"
    spec = importlib.util.spec_from_file_location("fakevirt_wire_fuzz", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


fuzz = _load_fuzz()

SEED = 20261205
BATCHES = 4
SCRIPTS_PER_BATCH = 25  # ~30 frames each: ~3,000 frames in all
REMOTE = Program.REMOTE


async def test_fuzzed_frames_get_libvirt_answers_and_the_server_keeps_serving(
        caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.WARNING, logger="fakevirt")
    frames_sent = 0
    with trio.fail_after(120):
        async with serving() as (_, bound):
            host, port = bound[0].address.rsplit(":", 1)
            fz = fuzz.WireFuzzer(SEED)
            for batch in range(BATCHES):
                await fuzz.setup_world(host, int(port), fz)
                problems: list[str] = []
                for i in range(SCRIPTS_PER_BATCH):
                    frames = fz.script(fz.rng.randint(5, 50))
                    out = await fuzz.run_script(host, int(port), fz, frames)
                    frames_sent += out.frames
                    problems += [f"seed {SEED} batch {batch} script {i}: {p}" for p in out.problems]
                assert not problems, "\n".join(problems)
                assert await fuzz.probe(host, int(port)) == fz.hostname
                tracebacks = [r for r in caplog.records if r.exc_info is not None or r.levelno >= logging.ERROR]
                assert not tracebacks, caplog.text
    assert frames_sent > 2000


async def test_stream_junk_for_unknown_streams_is_dropped_like_libvirtd() -> None:
    """libvirtd drops stream packets it has no stream for, whatever their status or body
    (virNetServerProgramDispatch); the connection stays up."""
    junk = [
        pack_frame(Header(REMOTE, 1, Proc.STORAGE_VOL_UPLOAD, 3, 99, 7)),  # unknown stream status
        pack_frame(Header(REMOTE, 1, Proc.STORAGE_VOL_UPLOAD, 6, 99, 2), b"\0\0\0\1"),  # short hole body
        pack_frame(Header(REMOTE, 1, Proc.STORAGE_VOL_UPLOAD, 3, 99, 1), b"\xff" * 9),  # abort, junk body
    ]
    with trio.fail_after(10):
        async with serving() as (_, bound), AsyncClient.connect("tcp://" + bound[0].address) as c:
            await c.open()
            await c.send_raw(b"".join(junk))
            assert (await c.call(Proc.CONNECT_GET_TYPE)).type == "QEMU"


async def test_boundary_frame_lengths() -> None:
    """A header-only frame (28 bytes) is a call; a string of exactly 4 MiB decodes, one byte more
    does not; a 4 MiB + 1 string inside a frame under 32 MiB gets "Unable to decode"."""
    with trio.fail_after(30):
        async with serving() as (_, bound), AsyncClient.connect("tcp://" + bound[0].address) as c:
            await c.open()
            header_only = pack_frame(Header(REMOTE, 1, Proc.CONNECT_GET_TYPE, 0, 10, 0))
            assert len(header_only) == 28
            pending = c.expect_reply(10)
            await c.send_raw(header_only)
            await pending.done.wait()
            assert pending.result.ret.type == "QEMU"
            head = "<domain type='kvm'><name>big</name><description>"
            tail = "</description>" + fuzz.domain_xml("x").split("</name>", 1)[1]
            for n, decodes in ((fuzz.STRING_MAX, True), (fuzz.STRING_MAX + 1, False)):
                xml = (head + "x" * (n - len(head) - len(tail)) + tail).encode()
                assert len(xml) == n
                body = struct.pack(">I", n) + xml + b"\0" * (-n % 4) + struct.pack(">I", 0)
                pending = c.expect_reply(11 + n)
                await c.send_raw(pack_frame(Header(REMOTE, 1, Proc.DOMAIN_DEFINE_XML_FLAGS, 0, 11 + n, 0), body))
                await pending.done.wait()
                if decodes:
                    assert pending.result.ret.dom.name == "big"
                else:
                    assert isinstance(pending.result, ErrorReply)
                    assert pending.result.error.code == ErrorCode.RPC
                    assert pending.result.error.message == "Unable to decode message payload"
            assert (await c.call(Proc.CONNECT_GET_TYPE)).type == "QEMU"


async def test_a_client_call_after_the_server_hung_up_fails_at_once() -> None:
    """AsyncClient: a call registered after the read loop ended used to wait forever (found by the
    long fuzz run, whose setup call raced a server restart)."""
    with trio.fail_after(5):
        async with serving() as (_, bound), AsyncClient.connect("tcp://" + bound[0].address) as c:
            await c.send_raw(struct.pack(">I", 4))  # a fatal length word: the server hangs up
            await c.closed.wait()
            with pytest.raises((ConnectionError, trio.BrokenResourceError)):
                await c.call(Proc.CONNECT_GET_TYPE)


# ---- bugs the fuzzer found (fixed) ---------------------------------------------------------------

async def test_xml_with_invalid_utf8_gets_an_xml_error() -> None:
    xml = b"<domain type='kvm'><name>\xa7</name></domain>"
    body = struct.pack(">I", len(xml)) + xml + b"\0" * (-len(xml) % 4)
    with trio.fail_after(10):
        async with serving() as (_, bound), AsyncClient.connect("tcp://" + bound[0].address) as c:
            await c.open()
            pending = c.expect_reply(5)
            await c.send_raw(pack_frame(Header(REMOTE, 1, Proc.DOMAIN_DEFINE_XML, 0, 5, 0), body))
            await pending.done.wait()
            assert isinstance(pending.result, ErrorReply)
            assert pending.result.error.message != fuzz.UNEXPECTED
            assert pending.result.error.code == ErrorCode.XML_DETAIL


async def test_client_that_resets_mid_download_does_not_kill_the_server() -> None:
    with trio.fail_after(20):
        async with serving() as (_, bound):
            address = "tcp://" + bound[0].address
            async with AsyncClient.connect(address) as c:
                await c.open()
                pool = await fuzz.call_ret(c, Proc.STORAGE_POOL_CREATE_XML, xml=fuzz.pool_xml("dl"), flags=0)
                xml = ("<volume><name>big.raw</name><capacity unit='M'>256</capacity>"
                       "<target><format type='raw'/></target></volume>")
                vol = await fuzz.call_ret(c, Proc.STORAGE_VOL_CREATE_XML, pool=pool.pool, xml=xml, flags=0)
            for _ in range(3):
                host, port = bound[0].address.rsplit(":", 1)
                stream = await trio.open_tcp_stream(host, int(port))
                stream.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
                args = PROCEDURES[(REMOTE, Proc.STORAGE_VOL_DOWNLOAD)].args(vol=vol.vol, offset=0, length=0,
                                                                             flags=0)
                calls = [(Proc.AUTH_LIST, None), (Proc.CONNECT_OPEN, fuzz.ConnectOpenArgs(name="qemu:///system",
                                                                                          flags=0)),
                         (Proc.STORAGE_VOL_DOWNLOAD, args)]
                await stream.send_all(b"".join(
                    pack_frame(Header(REMOTE, 1, proc, 0, serial, 0), encode(PROCEDURES[(REMOTE, proc)].args, a))
                    for serial, (proc, a) in enumerate(calls)))
                await stream.receive_some(65536)  # the download has started; never read the rest
                await trio.sleep(0.2)  # let the server fill the socket buffers and wait to write
                await stream.aclose()  # SO_LINGER 0: RST
                await trio.sleep(0.2)
            assert await fuzz.probe(host, int(port)) == HostIdentity.of_seed(0).hostname  # still serving


def test_billion_laughs_is_refused_at_once() -> None:
    # a server process of its own: the expansion blocks its thread, and it is killed afterwards
    proc = subprocess.Popen([sys.executable, "-m", "fakevirt", "serve", "--listen", "tcp://127.0.0.1:0",
                             "--log-level", "error"], stdout=subprocess.PIPE, text=True,
                            cwd=Path(__file__).resolve().parents[2])
    try:
        assert proc.stdout is not None
        port = int(proc.stdout.readline().split("tcp://127.0.0.1:", 1)[1].split("/", 1)[0])
        laughs = ("<?xml version='1.0'?><!DOCTYPE d [<!ENTITY a 'lol'>"
                  + "".join(f"<!ENTITY {chr(98 + i)} '{('&' + chr(97 + i) + ';') * 10}'>" for i in range(9))
                  + "]><domain type='qemu'><name>&j;</name></domain>")
        conn = Connection(Role.CLIENT, PROCEDURES)
        open_args = fuzz.ConnectOpenArgs(name="qemu:///system", flags=0)
        define = PROCEDURES[(REMOTE, Proc.DOMAIN_DEFINE_XML)].args(xml=laughs)
        # the server loads its tables after it listens: the 3 s budget starts once it has answered
        with socket.create_connection(("127.0.0.1", port), timeout=60) as sock:
            replies: list[Any] = []
            for serial, (proc_no, args) in enumerate([(Proc.AUTH_LIST, None), (Proc.CONNECT_OPEN, open_args),
                                                      (Proc.DOMAIN_DEFINE_XML, define)]):
                sock.sendall(conn.send(Call(program=REMOTE, version=1, procedure=proc_no, serial=serial, args=args)))
                if serial == 2:
                    sock.settimeout(3)
                while len(replies) <= serial:
                    ev = conn.next_event()
                    if ev is NEED_DATA:
                        conn.receive_data(sock.recv(65536))  # socket.timeout after 3 s: the test fails
                    elif isinstance(ev, (Reply, ErrorReply)):
                        replies.append(ev)
        err = replies[2].error
        assert (err.code, err.domain) == (ErrorCode.XML_DETAIL, ErrorDomain.DOMAIN)
        # libvirtd says where inside the entity ("at line 1: …"); fakevirt points at the reference (README)
        assert err.message.startswith("(domain_definition):1: Detected an entity reference loop\n")
    finally:
        proc.kill()
        proc.wait()
