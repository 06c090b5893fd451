"""Odd but valid XDR payloads in raw frames get libvirtd's answers; broken ones its refusal.

The same table runs against fakevirt and (marked ``real``) against the reference libvirtd.
"""

from __future__ import annotations

import struct
from collections.abc import Iterator
from urllib.parse import urlsplit

import pytest
import trio

from fakevirt.client import AsyncClient
from fakevirt.testing import ThreadedServer
from protocol import ErrorReply, Header, Proc, Program, Reply, pack_frame

UNDECODABLE = (39, 7, "Unable to decode message payload")  # VIR_ERR_RPC, VIR_FROM_RPC


def xstr(data: bytes, length: int | None = None) -> bytes:
    """An XDR string: length word (the real one unless given), bytes, zero padding."""
    n = len(data) if length is None else length
    return struct.pack(">I", n) + data + b"\0" * (-len(data) % 4)


URI = xstr(b"qemu:///system")

# CONNECT_OPEN args (optional name, flags) -> None for success, else (code, domain, message)
OPENS = {
    "plain": (b"\0\0\0\1" + URI + b"\0\0\0\0", None),
    "go-libvirt-marker": (b"\1\0\0\0" + URI + b"\0\0\0\0", None),  # a padded 3-byte [1 0 0]
    "marker-all-ones": (b"\xff\xff\xff\xff" + URI + b"\0\0\0\0", None),
    "trailing-bytes": (b"\0\0\0\1" + URI + b"\0\0\0\0\xde\xad\xbe\xef", None),
    "nul-ends-uri": (b"\0\0\0\1" + xstr(b"qemu:///system\0zzz") + b"\0\0\0\0", None),
    "padding-not-zero": (b"\0\0\0\1" + struct.pack(">I", 14) + b"qemu:///system\xff\xff" + b"\0\0\0\0", None),
    "flags-missing": (b"\0\0\0\1" + URI, UNDECODABLE),
}


def not_found(name: str) -> tuple[int, int, str]:
    return (42, 10, f"Domain not found: no domain with matching name '{name}'")


# DOMAIN_LOOKUP_BY_NAME args -> (code, domain, message); undecodable bytes come back as escapes
LOOKUPS = {
    "not-utf8": (xstr(b"ab\xffcd"), not_found("ab\udcffcd")),
    "nul-inside": (xstr(b"nosuch\0tail"), not_found("nosuch")),
    "nul-first": (xstr(b"\0tail"), not_found("")),
    "padding-not-zero": (struct.pack(">I", 1) + b"q\1\2\3", not_found("q")),
    "trailing-bytes": (xstr(b"zz") + b"\1\2\3\4\5", not_found("zz")),
    "length-beyond-data": (struct.pack(">I", 8) + b"abcd", UNDECODABLE),
    "over-string-max": (xstr(b"a" * 4194305), UNDECODABLE),
}


@pytest.fixture(params=["fakevirt", pytest.param("real", marks=pytest.mark.real)])
def address(request: pytest.FixtureRequest) -> Iterator[str]:
    """tcp://HOST:PORT of fakevirt, or of the reference libvirtd."""
    if request.param == "real":
        u = urlsplit(request.getfixturevalue("reference_uri"))
        yield f"tcp://{u.hostname}:{u.port}"
    else:
        server: ThreadedServer = request.getfixturevalue("fakevirt")
        yield "tcp://" + server.tcp_address


async def raw_call(c: AsyncClient, proc: int, serial: int, payload: bytes) -> tuple[int, int, str] | None:
    pending = c.expect_reply(serial)
    await c.send_raw(pack_frame(Header(Program.REMOTE, 1, proc, 0, serial, 0), payload))
    await pending.done.wait()
    if pending.error is not None:
        raise pending.error
    if isinstance(pending.result, ErrorReply):
        e = pending.result.error
        return (e.code, e.domain, e.message)
    assert isinstance(pending.result, Reply)
    return None


@pytest.mark.parametrize("case", OPENS)
async def test_connect_open_payloads(address: str, case: str) -> None:
    payload, expected = OPENS[case]
    with trio.fail_after(10):
        async with AsyncClient.connect(address) as c:
            await c.call(Proc.AUTH_LIST)
            got = await raw_call(c, Proc.CONNECT_OPEN, 1, payload)
            print("GOT", case, got, expected)
            assert got == expected
            if expected is None:  # the connection is open and serves calls
                assert (await c.call(Proc.CONNECT_GET_TYPE)).type == "QEMU"


async def test_lookup_payloads(address: str) -> None:
    with trio.fail_after(20):
        async with AsyncClient.connect(address) as c:
            await c.open()
            for serial, (case, (payload, expected)) in enumerate(LOOKUPS.items(), 10):
                assert await raw_call(c, Proc.DOMAIN_LOOKUP_BY_NAME, serial, payload) == expected, case
