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

    def segments(self, export: str, offset: int, length: int) -> list[nbd.Segment]:
        return [(offset, offset + length, self.read(export, offset, length))]

    def status(self, export: str, context: str, offset: int, length: int, limit: int) -> list[tuple[int, int]]:
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


class SparseBackend(Backend):
    """64 MiB: 8 bytes of data then zeros in [0, 64 KiB), zeros up to 32 MiB, then data to the end."""

    def __init__(self) -> None:
        self.limits: list[int] = []
        self.tail = bytes(range(256)) * (32 * 4096)

    def size(self, export: str) -> int | None:
        return 64 << 20 if export == "vda" else None

    def segments(self, export: str, offset: int, length: int) -> list[nbd.Segment]:
        pieces: list[nbd.Segment] = [(0, 65536, b"12345678"), (65536, 32 << 20, None), (32 << 20, 64 << 20, self.tail)]
        out: list[nbd.Segment] = []
        for a, b, buf in pieces:
            lo, hi = max(a, offset), min(b, offset + length)
            if lo < hi:
                out.append((lo, hi, None if buf is None else memoryview(buf)[lo - a: hi - a]))
        return out

    def status(self, export: str, context: str, offset: int, length: int, limit: int) -> list[tuple[int, int]]:
        self.limits.append(limit)
        return [(4096, 0), (4096, 3), (length - 8192, 0)][:limit]


def structured(backend: Backend) -> nbd.NbdServer:
    s = nbd.NbdServer(backend)
    s.start()
    s.receive(struct.pack(">I", 3) + opt(nbd.OPT_STRUCTURED_REPLY)
              + meta(nbd.OPT_SET_META_CONTEXT, "base:allocation") + go())
    return s


def chunks(out: bytes) -> list[tuple[int, int, bytes]]:
    """(flags, type, payload) of structured reply chunks."""
    got = []
    while out:
        magic, flags, kind, _, n = struct.unpack(">IHHQI", out[:20])
        assert magic == nbd.STRUCTURED_REPLY_MAGIC
        got.append((flags, kind, out[20:20 + n]))
        out = out[20 + n:]
    return got


def test_zeros_are_sent_as_holes_and_the_last_chunk_is_done() -> None:
    s = structured(SparseBackend())
    got = chunks(s.receive(request(nbd.CMD_READ, 4, 1 << 20)))
    assert got == [(0, nbd.REPLY_TYPE_OFFSET_DATA, struct.pack(">Q", 4) + b"5678"),
                   (nbd.REPLY_FLAG_DONE, nbd.REPLY_TYPE_OFFSET_HOLE, struct.pack(">QI", 8, (1 << 20) - 4))]


def test_df_read_is_one_data_chunk_with_the_zeros_written_out() -> None:
    s = structured(SparseBackend())
    [(flags, kind, payload)] = chunks(s.receive(request(nbd.CMD_READ, 0, 100000, flags=nbd.CMD_FLAG_DF)))
    assert (flags, kind) == (nbd.REPLY_FLAG_DONE, nbd.REPLY_TYPE_OFFSET_DATA)
    assert payload == struct.pack(">Q", 0) + b"12345678" + bytes(100000 - 8)


@pytest.mark.parametrize("structured_replies", [True, False])
def test_a_large_read_is_sent_in_bounded_pieces(structured_replies: bool) -> None:
    backend = SparseBackend()
    if structured_replies:
        s = structured(backend)
    else:
        s = connected()
        s.backend = backend
        s.receive(go())
    pieces = list(s.replies(request(nbd.CMD_READ, 16 << 20, nbd.MAX_BLOCK)))
    assert max(len(p) for p in pieces) <= nbd.MAX_SEND and len(pieces) > 16
    out = b"".join(pieces)
    if structured_replies:
        [hole, *data] = chunks(out)
        assert hole == (0, nbd.REPLY_TYPE_OFFSET_HOLE, struct.pack(">QI", 16 << 20, 16 << 20))
        assert data[-1][0] == nbd.REPLY_FLAG_DONE
        assert b"".join(p[8:] for _, _, p in data) == backend.tail[:16 << 20]
    else:
        assert out[16:] == bytes(16 << 20) + backend.tail[:16 << 20]


def test_block_status_asks_the_backend_for_one_extent_with_req_one() -> None:
    backend = SparseBackend()
    s = structured(backend)
    [(_, _, one)] = chunks(s.receive(request(nbd.CMD_BLOCK_STATUS, 0, 1 << 20, flags=nbd.CMD_FLAG_REQ_ONE)))
    [(_, _, many)] = chunks(s.receive(request(nbd.CMD_BLOCK_STATUS, 0, 1 << 20)))
    assert backend.limits == [1, nbd.MAX_EXTENTS]
    assert one == struct.pack(">III", 1, 4096, 0)
    assert many == struct.pack(">IIIIIII", 1, 4096, 0, 4096, 3, (1 << 20) - 8192, 0)
