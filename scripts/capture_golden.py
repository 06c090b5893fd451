#!/usr/bin/env python3
"""Capture golden request/response frames from a real libvirtd, for tests/protocol/test_golden.py.

Usage::

    bash /work/shared/reference-libvirtd.sh        # a libvirtd listening on tcp 127.0.0.1:16519
    python scripts/capture_golden.py [--host H] [--port P] [--out FILE]

The frames are built by hand with ``struct`` (not with ``protocol/``), so the capture does not
depend on the code it is meant to check.  Each exchange is saved as hex: the request frame, every
frame the daemon sent back before going quiet, and whether it closed the connection.  Several
short-lived connections are used, because some requests (a bad length word, a second
CONNECT_OPEN) may make the daemon drop the connection.
"""

from __future__ import annotations

import argparse
import datetime
import json
import socket
import struct
import time
from pathlib import Path
from typing import Any

REMOTE = 0x20008086
KEEPALIVE = 0x6B656570
CALL, REPLY, MESSAGE = 0, 1, 2
OK, ERROR = 0, 1

AUTH_LIST = 66
CONNECT_OPEN = 1
CONNECT_GET_TYPE = 3
CONNECT_GET_VERSION = 4
CONNECT_GET_HOSTNAME = 59
CONNECT_SUPPORTS_FEATURE = 60
CONNECT_GET_LIB_VERSION = 157
NODE_GET_INFO = 6
DOMAIN_EVENT_LIFECYCLE = 107

DEFAULT_OUT = Path(__file__).resolve().parent.parent / "tests" / "protocol" / "golden" / "libvirtd.json"


def frame(
    prog: int,
    proc: int,
    serial: int,
    payload: bytes = b"",
    *,
    vers: int = 1,
    type_: int = CALL,
    status: int = OK,
) -> bytes:
    """Length word + virNetMessageHeader + payload (proc and status as signed ints)."""
    return struct.pack(">IIIiiIi", 28 + len(payload), prog, vers, proc, type_, serial, status) + payload


def xdr_string(s: str) -> bytes:
    data = s.encode()
    return struct.pack(">I", len(data)) + data + b"\0" * (-len(data) % 4)


def opt_string(s: str | None) -> bytes:
    return struct.pack(">I", 0) if s is None else struct.pack(">I", 1) + xdr_string(s)


class Peer:
    """A blocking socket that reads whole frames."""

    def __init__(self, host: str, port: int) -> None:
        self.sock = socket.create_connection((host, port), timeout=5)
        self.buf = b""
        self.eof = False

    def read_frames(self, until_serial: int | None, quiet: float) -> list[bytes]:
        """Frames until a REPLY with ``until_serial`` arrived (if any), then until ``quiet`` s pass."""
        frames: list[bytes] = []
        deadline = time.monotonic() + 10
        got_reply = until_serial is None
        while not self.eof:
            while len(self.buf) >= 4:
                n = struct.unpack(">I", self.buf[:4])[0]
                if len(self.buf) < n:
                    break
                frames.append(self.buf[:n])
                self.buf = self.buf[n:]
                if n >= 28:
                    _, _, _, _, typ, serial, _ = struct.unpack(">IIIiiIi", frames[-1][:28])
                    if typ == REPLY and serial == until_serial:
                        got_reply = True
            wait = quiet if got_reply else max(0.01, deadline - time.monotonic())
            self.sock.settimeout(wait)
            try:
                data = self.sock.recv(65536)
            except TimeoutError:
                if got_reply or time.monotonic() >= deadline:
                    break
                continue
            except ConnectionResetError:
                data = b""
            if not data:
                self.eof = True
            self.buf += data
        return frames

    def exchange(
        self, name: str, note: str, request: bytes, *, expect_serial: int | None, quiet: float = 0.3
    ) -> dict[str, Any]:
        self.sock.sendall(request)
        responses = self.read_frames(expect_serial, quiet)
        print(f"{name}: {len(responses)} frame(s){' then EOF' if self.eof else ''}")
        return {
            "name": name,
            "note": note,
            "request": request.hex(),
            "responses": [r.hex() for r in responses],
            "closed": self.eof,
            "leftover": self.buf.hex(),
        }

    def close(self) -> None:
        self.sock.close()


def capture(host: str, port: int) -> list[dict[str, Any]]:
    out: list[dict[str, Any]] = []

    # --- one well-behaved session, with the RPC-layer errors in the middle -------------------
    p = Peer(host, port)
    s = iter(range(1000))

    def call(name: str, note: str, proc: int, payload: bytes = b"", **kw: Any) -> None:
        serial = next(s)
        prog = kw.pop("prog", REMOTE)
        expect = kw.pop("expect", True)
        out.append(
            p.exchange(
                name,
                note,
                frame(prog, proc, serial, payload, **kw),
                expect_serial=serial if expect else None,
                quiet=0.3 if expect else 1.0,
            )
        )

    call("auth_list", "AUTH_LIST, the C client's first call (serial 0)", AUTH_LIST)
    call(
        "connect_open",
        'CONNECT_OPEN "qemu:///system" flags 0',
        CONNECT_OPEN,
        opt_string("qemu:///system") + struct.pack(">I", 0),
    )
    call("connect_get_type", "CONNECT_GET_TYPE", CONNECT_GET_TYPE)
    call("connect_get_version", "CONNECT_GET_VERSION", CONNECT_GET_VERSION)
    call("connect_get_lib_version", "CONNECT_GET_LIB_VERSION", CONNECT_GET_LIB_VERSION)
    call("connect_get_hostname", "CONNECT_GET_HOSTNAME", CONNECT_GET_HOSTNAME)
    call("node_get_info", "NODE_GET_INFO (model is char[32], 4 bytes per char)", NODE_GET_INFO)
    call("unknown_proc_999", "REMOTE procedure 999 does not exist", 999)
    call("unknown_proc_0", "REMOTE procedure 0 does not exist", 0)
    call(
        "event_proc_as_call",
        "DOMAIN_EVENT_LIFECYCLE (an event, server->client only) sent as a CALL",
        DOMAIN_EVENT_LIFECYCLE,
    )
    call("unknown_program", "a call to program 0x12345678", 1, prog=0x12345678)
    call(
        "unknown_program_high", "a call to program 0x87654321 (does %d print it signed?)", 1, prog=0x87654321
    )
    call("unknown_version", "REMOTE program, version 2", CONNECT_GET_TYPE, vers=2)
    call(
        "keepalive_program_call", "a CALL (not a MESSAGE) to the KEEPALIVE program, proc 1", 1, prog=KEEPALIVE
    )
    out.append(
        p.exchange(
            "keepalive_ping",
            "keepalive PING (MESSAGE, serial 0)",
            frame(KEEPALIVE, 1, 0, type_=MESSAGE),
            expect_serial=None,
            quiet=1.0,
        )
    )
    call(
        "undecodable_args",
        "CONNECT_SUPPORTS_FEATURE with an empty payload (int expected)",
        CONNECT_SUPPORTS_FEATURE,
    )
    call("call_status_error", "a CALL with status ERROR", CONNECT_GET_TYPE, status=ERROR)
    call(
        "trailing_args",
        "CONNECT_GET_TYPE (void args) followed by 4 extra bytes",
        CONNECT_GET_TYPE,
        b"\0\0\0\x2a",
    )
    call(
        "reply_to_server",
        "a REPLY sent by the client (should be dropped)",
        CONNECT_GET_TYPE,
        type_=REPLY,
        expect=False,
    )
    call(
        "message_to_server",
        "a MESSAGE sent by the client for REMOTE (should be dropped)",
        DOMAIN_EVENT_LIFECYCLE,
        type_=MESSAGE,
        expect=False,
    )
    call(
        "connect_open_again",
        'a second CONNECT_OPEN "qemu:///system" on the same connection',
        CONNECT_OPEN,
        opt_string("qemu:///system") + struct.pack(">I", 0),
    )
    call("after_second_open", "CONNECT_GET_TYPE after the second CONNECT_OPEN", CONNECT_GET_TYPE)
    p.close()

    # --- framing violations, each on its own connection -----------------------------------------
    for name, note, raw in [
        ("length_too_small", "a length word of 27 then 23 bytes", struct.pack(">I", 27) + b"\0" * 23),
        (
            "length_too_large",
            "a length word of 33554437 (FRAME_MAX + 1), no body",
            struct.pack(">I", 33554437),
        ),
    ]:
        p = Peer(host, port)
        out.append(p.exchange(name, note, raw, expect_serial=None, quiet=2.0))
        p.close()
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--host", default="127.0.0.1")
    ap.add_argument("--port", type=int, default=16519)
    ap.add_argument("--out", type=Path, default=DEFAULT_OUT)
    a = ap.parse_args()
    exchanges = capture(a.host, a.port)
    doc = {
        "source": f"libvirtd at {a.host}:{a.port}",
        "captured": datetime.date.today().isoformat(),
        "exchanges": exchanges,
    }
    a.out.parent.mkdir(parents=True, exist_ok=True)
    a.out.write_text(json.dumps(doc, indent=1) + "\n")
    print(f"wrote {a.out}")


if __name__ == "__main__":
    main()
