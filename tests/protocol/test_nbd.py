"""The sans-IO NBD server: handshake, options, structured replies, and bad input."""

from __future__ import annotations

import struct

import pytest

from protocol import nbd


class Backend:
    def export_names(self) -> list[str]:
        return ["vda"]

    def size(self, export: str) -> int | None:
        return 1 << 20 if export == "vda" else None

    def contexts(self, export: str) -> list[str]:
        return ["qemu:dirty-bitmap:backup-vda"]

    def read(self, export: str, offset: int, length: int) -> bytes:
        return bytes((offset + i) % 251 for i in range(length))

    def status(self, export: str, context: str, offset: int, length: int) -> list[tuple[int, int]]:
        return [(4096, 0), (length - 4096, 3)] if context == nbd.BASE_ALLOCATION else [(length, 1)]


def opt(code: int, data: bytes = b"") -> bytes:
    return struct.pack(">QII", nbd.IHAVEOPT, code, len(data)) + data


def replies(out: bytes) -> list[tuple[int, int, bytes]]:
    got = []
    while out:
        magic, o, kind, n = struct.unpack(">QIII", out[:20])
        assert magic == nbd.OPT_REPLY_MAGIC
        got.append((o, kind, out[20:20 + n]))
        out = out[20 + n:]
    return got


def go(name: str = "vda") -> bytes:
    return opt(nbd.OPT_GO, struct.pack(">I", len(name)) + name.encode() + struct.pack(">H", 0))


def meta(code: int, *queries: str) -> bytes:
    body = struct.pack(">I", 3) + b"vda" + struct.pack(">I", len(queries))
    body += b"".join(struct.pack(">I", len(q)) + q.encode() for q in queries)
    return opt(code, body)


def request(kind: int, offset: int, length: int, handle: int = 7, flags: int = 0) -> bytes:
    return struct.pack(">IHHQQI", nbd.REQUEST_MAGIC, flags, kind, handle, offset, length)


def connected() -> nbd.NbdServer:
    s = nbd.NbdServer(Backend())
    assert s.start()[:16] == struct.pack(">QQ", nbd.NBDMAGIC, nbd.IHAVEOPT)
    assert s.receive(struct.pack(">I", 3)) == b""
    return s


def test_handshake_in_pieces_and_structured_read() -> None:
    s = connected()
    wire = opt(nbd.OPT_STRUCTURED_REPLY) + meta(nbd.OPT_SET_META_CONTEXT, "base:allocation") + go()
    out = b"".join(s.receive(wire[i:i + 5]) for i in range(0, len(wire), 5))  # split anywhere
    kinds = [(o, k) for o, k, _ in replies(out)]
    assert kinds[:3] == [(8, nbd.REP_ACK), (10, nbd.REP_META_CONTEXT), (10, nbd.REP_ACK)]
    assert kinds[-1] == (7, nbd.REP_ACK) and s.phase == "transmission"
    out = s.receive(request(nbd.CMD_READ, 100, 10))
    magic, flags, kind, handle, n = struct.unpack(">IHHQI", out[:20])
    assert (magic, flags, kind, handle, n) == (nbd.STRUCTURED_REPLY_MAGIC, 1, nbd.REPLY_TYPE_OFFSET_DATA, 7, 18)
    assert out[20:28] == struct.pack(">Q", 100) and out[28:] == Backend().read("vda", 100, 10)
    out = s.receive(request(nbd.CMD_BLOCK_STATUS, 0, 65536))
    assert out[20:] == struct.pack(">IIIII", 1, 4096, 0, 61440, 3)


def test_list_meta_contexts_and_exports() -> None:
    s = connected()
    got = replies(s.receive(meta(nbd.OPT_LIST_META_CONTEXT, "qemu:")))
    assert [(k, d[4:]) for _, k, d in got] == [(nbd.REP_META_CONTEXT, b"qemu:dirty-bitmap:backup-vda"), (nbd.REP_ACK, b"")]
    got = replies(s.receive(opt(nbd.OPT_LIST)))
    assert got == [(3, nbd.REP_SERVER, struct.pack(">I", 3) + b"vda"), (3, nbd.REP_ACK, b"")]


@pytest.mark.parametrize(("kind", "offset", "length", "errno"), [
    (nbd.CMD_READ, (1 << 20) - 1, 2, nbd.EINVAL),  # past the end
    (nbd.CMD_READ, 0, nbd.MAX_BLOCK + 1, nbd.EINVAL),  # too large (simple replies)
    (nbd.CMD_TRIM, 0, 1, nbd.EPERM),  # read-only export
    (99, 0, 1, nbd.EINVAL),
])
def test_bad_requests_get_errors_and_the_connection_stays(kind: int, offset: int, length: int, errno: int) -> None:
    s = connected()
    s.receive(go())
    out = s.receive(request(kind, offset, length))
    assert struct.unpack(">IIQ", out) == (nbd.SIMPLE_REPLY_MAGIC, errno, 7)
    assert len(s.receive(request(nbd.CMD_READ, 0, 4))) == 16 + 4


def test_unknown_export_and_bad_magic() -> None:
    s = connected()
    [(o, k, _)] = replies(s.receive(go("nope")))
    assert (o, k) == (nbd.OPT_GO, nbd.REP_ERR_UNKNOWN)
    [(_, k, _)] = replies(s.receive(opt(42)))
    assert k == nbd.REP_ERR_UNSUP
    with pytest.raises(nbd.NbdProtocolError):
        s.receive(struct.pack(">QII", 1, 2, 0))


def test_write_is_refused_and_disc_closes() -> None:
    s = connected()
    s.receive(go())
    out = s.receive(request(nbd.CMD_WRITE, 0, 3) + b"abc")
    assert struct.unpack(">IIQ", out)[1] == nbd.EPERM
    assert s.receive(request(nbd.CMD_DISC, 0, 0)) == b"" and s.closed
