"""Wire fuzzer for a libvirt RPC server: random, mutated and malformed frames, checked replies.

    python3 scripts/fuzz.py --frames 1000000               # against a fresh `fakevirt serve`
    python3 scripts/fuzz.py --target 127.0.0.1:16509 --frames 100000 --connections 16

A seeded generator walks the procedure table (protocol.PROCEDURES) and builds, per connection, a
script of frames: valid encodings of random argument values, the same with bit flips, truncations
and extensions, boundary lengths, wrong headers, stream packets for unknown serials, keepalive
junk, calls before CONNECT_OPEN and after, interleaved with canary GET_HOSTNAME calls. Each frame
carries what a libvirt server must answer (``Expect``); ``run_script`` sends a script through a
real socket, reads everything back and lists the problems: a missing or duplicated reply, an
undecodable reply, an error code libvirt does not have, "unexpected failure in fakevirt", a hang.
The long run also watches the server: crashes (process died), hangs (a probe client's call not
answered in time) and its RSS over time. tests/server/test_fuzz_wire.py runs a bounded batch in CI.
"""

from __future__ import annotations

import argparse
import contextlib
import random
import struct
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import trio

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from protocol import (  # noqa: E402  # noqa: E402
    BOOL,
    DOUBLE,
    FRAME_MAX,
    FRAME_MIN,
    NEED_DATA,
    PROCEDURES,
    SERVED_PROGRAMS,
    VOID,
    Array,
    CharArray,
    CharVarArray,
    Connection,
    ConnectionClosed,
    Enum,
    ErrorCode,
    ErrorDomain,
    ErrorReply,
    FixedArray,
    FixedOpaque,
    IntType,
    KeepalivePong,
    MessageType,
    Opaque,
    Optional,
    Proc,
    Program,
    ProtocolError,
    Reply,
    Role,
    StreamAbort,
    StreamData,
    StreamFinish,
    String,
    StructCodec,
    Union,
    XdrError,
    codec_of,
    decode,
    encode,
    is_struct,
)
from protocol.remote.connect import ConnectOpenArgs  # noqa: E402

UNEXPECTED = "internal error: unexpected failure in fakevirt"
STRING_MAX = 4 * 1024 * 1024
NAMES = ["fz-0", "fz-1", "fz-2", "fz-3"]  # few names: the model's state stays bounded
REMOTE = Program.REMOTE
CALLABLE = [p for p in PROCEDURES.values() if not p.event]
DECLARED = [p for p in CALLABLE if p.declared and p.program == REMOTE]
DOWNLOADS = {Proc.STORAGE_VOL_DOWNLOAD, Proc.DOMAIN_SCREENSHOT}  # the server sends a stream after the reply
HEADER = struct.Struct(">IIIiiIi")  # the length word, then virNetMessageHeader's C types


def domain_xml(name: str) -> str:
    return (f"<domain type='kvm'><name>{name}</name><memory unit='MiB'>64</memory><vcpu>1</vcpu>"
            "<os><type arch='x86_64'>hvm</type></os></domain>")


def pool_xml(name: str) -> str:
    return f"<pool type='dir'><name>{name}</name><target><path>/var/lib/libvirt/images</path></target></pool>"


DOWNLOAD_ENOUGH = 64 << 20  # then the client stops waiting for its downloads to end (it hangs up)


def vol_xml(name: str, fmt: str = "raw") -> str:
    return (f"<volume><name>{name}.{fmt}</name><capacity unit='M'>8</capacity>"
            f"<target><format type='{fmt}'/></target></volume>")


LAUGHS = ("<?xml version='1.0'?><!DOCTYPE d [<!ENTITY a 'ha'><!ENTITY b '&a;&a;&a;&a;'>"
          "<!ENTITY c '&b;&b;&b;&b;'>]><domain type='kvm'><name>&c;</name></domain>")


def xml_seeds(name: str) -> list[str]:
    return [domain_xml(name), pool_xml(name), vol_xml(name), vol_xml(name, "qcow2"),
            f"<domainsnapshot><name>{name}</name></domainsnapshot>", LAUGHS, "", "<", "<domain/>",
            "<network><name>x</name></network>"]


# ---- values ------------------------------------------------------------------------------------

class Values:
    """Random valid values of any XDR declaration, drawing handles and names from a small world."""

    def __init__(self, rng: random.Random) -> None:
        self.rng = rng
        self.world: dict[type, list[Any]] = {}  # handles seen in replies, by struct class

    def harvest(self, value: Any) -> None:
        """Remember the object handles in a reply (structs whose class name starts "Nonnull")."""
        if isinstance(value, tuple):
            for v in value[:8]:
                self.harvest(v)
        elif is_struct(type(value)):
            if type(value).__name__.startswith("Nonnull"):
                known = self.world.setdefault(type(value), [])
                if value not in known:
                    known.append(value)
                    del known[:-12]
            for name in type(value).__struct_fields__:
                self.harvest(getattr(value, name))

    def of(self, t: Any, name: str = "", depth: int = 0) -> Any:
        if t is None:
            return None
        c = codec_of(t)
        r = self.rng
        if c is VOID:
            return None
        if c is BOOL:
            return r.random() < 0.5
        if c is DOUBLE:
            return r.choice([0.0, -1.0, 1e308, r.uniform(-1e6, 1e6)])
        if isinstance(c, IntType):
            lo, hi = int(c.lo), int(c.hi)
            if "flags" in name and r.random() < 0.7:
                return 0
            return r.choice([0, 1, lo, hi, r.randint(lo, hi), min(hi, r.randint(0, 16)), max(lo, -1)])
        if isinstance(c, String):
            return self.text(name, c.maximum)
        if isinstance(c, (CharArray, CharVarArray)):
            size = c.size if isinstance(c, CharArray) else c.maximum
            return "".join(r.choice("abc-_/é") for _ in range(r.randint(0, min(8, size - 1))))
        if isinstance(c, Opaque):
            return r.randbytes(r.randint(0, min(64, c.maximum if c.maximum is not None else 64)))
        if isinstance(c, FixedOpaque):
            return r.randbytes(c.size)
        if isinstance(c, Array):
            top = 4 if c.maximum is None else min(4, c.maximum)
            n = r.randint(0, top) if depth < 3 else 0
            return tuple(self.of(c.elem, name, depth + 1) for _ in range(n))
        if isinstance(c, FixedArray):
            return tuple(self.of(c.elem, name, depth + 1) for _ in range(c.size))
        if isinstance(c, Optional):
            return None if depth > 3 or r.random() < 0.3 else self.of(c.elem, name, depth + 1)
        if isinstance(c, Enum):
            return r.choice(list(c.cls))
        if isinstance(c, Union):
            disc = r.choice(sorted(c.arms))
            return disc, self.of(c.arms[disc], name, depth + 1)
        if isinstance(c, StructCodec):
            known = self.world.get(c.cls)
            if known and r.random() < 0.7:
                return r.choice(known)
            return c.cls(**{f: self.of(ft, f, depth + 1) for f, ft in c.fields})
        raise TypeError(f"no generator for {c!r}")

    def text(self, name: str, maximum: int | None) -> str:
        r = self.rng
        roll = r.random()
        if "xml" in name:
            s = r.choice(xml_seeds(r.choice(NAMES)))
            if roll < 0.3 and s:
                cut = r.randrange(len(s))
                s = s[:cut] + r.choice(["", "<", "&", "\0", "'", "é"]) + s[cut + r.randint(0, 3):]
        elif roll < 0.5:
            s = r.choice(NAMES + [n + ".raw" for n in NAMES] + ["/var/lib/libvirt/images/fz-0.raw", "vda", "hda"])
        elif roll < 0.6:
            s = r.choice(["qemu:///system", "qemu:///session", "test:///default", "xen:///", "kvm"])
        elif roll < 0.998:
            s = "".join(r.choice("aé/-_.0 \t\n<>&'\"\x01") for _ in range(r.randint(0, 24)))
        else:
            s = "x" * r.choice([65536, STRING_MAX])  # the largest string the protocol allows
        if maximum is not None and len(s.encode()) > maximum:
            s = s.encode()[:maximum].decode("utf-8", "ignore")
        return s


# ---- frames ------------------------------------------------------------------------------------

@dataclass
class Expect:
    """What the server must send back for one frame."""

    serial: int
    kind: str  # "reply" (any reply), "rpc" (an RPC error starting with .text), "canary", "pong"
    text: str = ""


@dataclass
class Frame:
    data: bytes
    note: str
    expect: Expect | None = None
    fatal: bool = False  # the server closes the connection on it
    closes: bool = False  # CONNECT_CLOSE: a reply, then the server closes
    may_close: bool = False  # a 4 MiB string: an error quoting it cannot be sent, libvirtd hangs up


def expectation(data: bytes) -> tuple[Expect | None, bool, bool]:
    """What libvirtd does with one whole frame: (expected answer, fatal, closes)."""
    length, prog, vers, proc, typ, serial, status = HEADER.unpack_from(data)
    payload = data[FRAME_MIN:]
    if length < FRAME_MIN or length > FRAME_MAX or length != len(data):
        return None, True, False
    if prog == Program.KEEPALIVE and typ == MessageType.MESSAGE:
        return (Expect(serial, "pong") if proc == 1 else None), False, False
    if typ not in (MessageType.CALL, MessageType.CALL_WITH_FDS):
        return None, False, False
    if prog not in SERVED_PROGRAMS or vers != 1:
        return Expect(serial, "rpc", "Cannot find program"), False, False
    if status != 0:
        return Expect(serial, "rpc", "Unexpected message status"), False, False
    p = PROCEDURES.get((prog, proc))
    if p is None or p.event:
        return Expect(serial, "rpc", f"unknown procedure: {proc}"), False, False
    if typ == MessageType.CALL_WITH_FDS or not p.declared:
        return Expect(serial, "reply"), False, False
    try:
        decode(p.args, payload, allow_trailing=True)
    except XdrError:
        return Expect(serial, "rpc", "Unable to decode message payload"), False, False
    return Expect(serial, "reply"), False, prog == REMOTE and proc == Proc.CONNECT_CLOSE


def header(prog: int, proc: int, typ: int, serial: int, status: int = 0, vers: int = 1,
           payload: bytes = b"", length: int | None = None) -> bytes:
    n = FRAME_MIN + len(payload) if length is None else length
    words = (n, prog, vers, proc, typ, serial, status)
    return struct.pack(">7I", *(w & 0xFFFFFFFF for w in words)) + payload


class WireFuzzer:
    """Builds connection scripts from one seed; the same seed gives the same scripts."""

    def __init__(self, seed: int) -> None:
        self.rng = random.Random(seed)
        self.values = Values(self.rng)
        self.hostname = ""

    def call_payload(self, p: Any) -> bytes:
        if not p.declared:
            return self.rng.randbytes(self.rng.choice([0, 4, 8, 20]))
        return encode(p.args, self.values.of(p.args))

    def mutate(self, data: bytes) -> bytes:
        r, b = self.rng, bytearray(data)
        op = r.randrange(4)
        if op == 0 and b:  # bit flips
            for _ in range(r.randint(1, 4)):
                i = r.randrange(len(b))
                b[i] ^= 1 << r.randrange(8)
        elif op == 1 and b:  # truncation
            del b[r.randrange(len(b)):]
        elif op == 2:  # extension
            b += r.randbytes(r.randint(1, 16))
        else:  # a length/count word set to a boundary
            i = r.randrange(0, max(1, len(b) - 3), 4) if len(b) >= 4 else 0
            b[i:i + 4] = struct.pack(">I", r.choice([0, 1, 0x7FFFFFFF, 0xFFFFFFFF, STRING_MAX, STRING_MAX + 1]))
        return bytes(b)

    def frame(self, serial: int, recent: list[int]) -> Frame:
        """One non-fatal frame of a random kind (its header may still turn out fatal)."""
        r = self.rng
        roll = r.random()
        p = r.choice(DECLARED if r.random() < 0.85 else CALLABLE)
        if roll < 0.35:
            return self._framed(header(p.program, p.number, 0, serial, payload=self.call_payload(p)), p.name)
        if roll < 0.6:
            data = self.mutate(self.call_payload(p))
            return self._framed(header(p.program, p.number, 0, serial, payload=data), f"mutated {p.name}")
        if roll < 0.65:
            proc = r.choice([0, r.randint(0, 600), 0x7FFFFFFF, 0xFFFFFFFF])
            return self._framed(header(REMOTE, proc, 0, serial, payload=r.randbytes(r.randint(0, 8))),
                                f"procedure {proc}")
        if roll < 0.75:
            prog = r.choice([REMOTE, REMOTE, Program.QEMU, Program.LXC, Program.ADMIN, 0, 0xFFFFFFFF])
            vers = r.choice([1, 1, 0, 2, 0xFFFFFFFF])
            typ = r.choice([0, 1, 2, 4, 5, 7, 99, -1])
            status = r.choice([0, 0, 1, 2, 3, -1])
            payload = self.call_payload(p) if r.random() < 0.5 else b""
            return self._framed(header(prog, p.number, typ, serial, status, vers, payload),
                                f"header {prog:#x}/{vers}/{typ}/{status} {p.name}")
        if roll < 0.8:
            flipped = bytearray(header(p.program, p.number, 0, serial, payload=self.call_payload(p)))
            i = r.randrange(4, FRAME_MIN)  # any header field but the length
            flipped[i] ^= 1 << r.randrange(8)
            return self._framed(bytes(flipped), f"header bit flip at {i} {p.name}")
        if roll < 0.88:
            target = r.choice(recent) if recent and r.random() < 0.5 else r.randint(0, 2**31 - 1)
            proc = r.choice([Proc.STORAGE_VOL_UPLOAD, Proc.STORAGE_VOL_DOWNLOAD, p.number])
            if r.random() < 0.2:
                body = struct.pack(">qI", r.choice([0, 1, 2**62, -1]), r.choice([0, 1]))
                body = body[:r.choice([4, 12, 12, 12])] + b"\0" * r.choice([0, 0, 0, 4])
                return self._framed(header(REMOTE, proc, MessageType.STREAM_HOLE, target, 2, payload=body),
                                    f"stream hole for {target}")
            status = r.choice([0, 1, 2, 2, 3, -1])
            body = r.randbytes(r.choice([0, 1, 100, 4096])) if status != 0 else b""
            return self._framed(header(REMOTE, proc, MessageType.STREAM, target, status, payload=body),
                                f"stream {status} for {target}")
        if roll < 0.95:
            proc = r.choice([1, 1, 2, 3, 0])
            typ = r.choice([2, 2, 0, 1])
            body = r.randbytes(r.choice([0, 0, 4, 33]))
            return self._framed(header(Program.KEEPALIVE, proc, typ, serial, payload=body),
                                f"keepalive {proc}/{typ}")
        frame = self._framed(header(REMOTE, Proc.CONNECT_GET_HOSTNAME, 0, serial), "canary GET_HOSTNAME")
        frame.expect = Expect(serial, "canary")
        return frame

    @staticmethod
    def _framed(data: bytes, note: str) -> Frame:
        expect, fatal, closes = expectation(data)
        return Frame(data, note, expect, fatal, closes)

    def fatal_frame(self, serial: int) -> Frame:
        r = self.rng
        if r.random() < 0.6:
            n = r.choice([0, 4, 27, 0x80000000, 0xFFFFFFFF, FRAME_MAX + 1])
            return Frame(struct.pack(">I", n) + r.randbytes(r.randint(0, 24)), f"length word {n}", fatal=True)
        data = header(REMOTE, Proc.CONNECT_GET_TYPE, 0, serial, payload=r.randbytes(64))
        return Frame(data[:r.randint(1, len(data) - 1)], "partial frame, then EOF", fatal=True)

    def script(self, size: int) -> list[Frame]:
        """One connection's frames; a fatal or closing frame, if any, comes last."""
        r = self.rng
        serial = r.choice([0, 1, 2**30, 2**31 - 2 * size - 10])
        frames: list[Frame] = []
        if r.random() < 0.8:  # most connections open first, like every client
            name = "qemu:///system" if r.random() < 0.9 else r.choice(["qemu:///session", "", "test:///default"])
            open_args = encode(ConnectOpenArgs, ConnectOpenArgs(name=name, flags=0))
            frames.append(self._framed(header(REMOTE, Proc.AUTH_LIST, 0, serial), "AUTH_LIST"))
            frames.append(self._framed(header(REMOTE, Proc.CONNECT_OPEN, 0, serial + 1, payload=open_args),
                                       "CONNECT_OPEN"))
            serial += 2
        recent: list[int] = []
        for _ in range(size):
            f = self.frame(serial, recent)
            serial += 1
            if f.expect is not None and f.expect.serial in {x.expect.serial for x in frames if x.expect}:
                continue  # a header flip hit a serial already in use
            frames.append(f)
            if f.expect is not None and f.expect.kind == "reply":
                recent = (recent + [f.expect.serial])[-8:]
            f.may_close = len(f.data) > STRING_MAX
            if f.fatal or f.closes or f.may_close:
                return frames
        if r.random() < 0.15:
            frames.append(self.fatal_frame(serial))
        return frames

    def chunks(self, data: bytes) -> list[bytes]:
        """How a script goes on the wire: one write, or random pieces."""
        r = self.rng
        if r.random() < 0.5 or len(data) < 2:
            return [data]
        out, pos = [], 0
        while pos < len(data):
            n = r.choice([1, 3, 28, 100, 4096, 65536])
            out.append(data[pos:pos + n])
            pos += n
        return out


# ---- running a script --------------------------------------------------------------------------

@dataclass
class Outcome:
    frames: int = 0
    replies: int = 0
    problems: list[str] = field(default_factory=list)
    hung: bool = False


def describe(f: Frame) -> str:
    return f"{f.note} [{f.data[:96].hex()}{'…' if len(f.data) > 96 else ''}]"


def check_reply(ev: Reply | ErrorReply, f: Frame | None, hostname: str) -> str | None:
    """What is wrong with one reply, given the frame it answers (None: all is well)."""
    if f is None or f.expect is None:
        return f"a reply (serial {ev.serial}) to no call"
    kind = f.expect.kind
    err = ev.error if isinstance(ev, ErrorReply) else None
    ret = ev.ret if isinstance(ev, Reply) else None
    if err is not None:
        if err.code not in ErrorCode._value2member_map_ or err.domain not in ErrorDomain._value2member_map_:
            return f"error code {err.code}/domain {err.domain} unknown to libvirt for {describe(f)}"
        if not err.message:
            return f"an error without a message for {describe(f)}"
        if err.message == UNEXPECTED:
            return f"unexpected failure for {describe(f)}"
    if kind == "rpc":
        if err is None or err.code != ErrorCode.RPC or not (err.message or "").startswith(f.expect.text):
            return f"wanted an RPC error {f.expect.text!r}, got {err or ret!r:.200} for {describe(f)}"
    elif kind == "canary":
        if err is None and getattr(ret, "hostname", None) != hostname:
            return f"canary got hostname {getattr(ret, 'hostname', None)!r}, not {hostname!r}"
        if err is not None and err.message != "internal error: hypervisor connection not open":
            return f"canary failed: {err.message}"
    return None


async def run_script(host: str, port: int, fz: WireFuzzer, frames: list[Frame], *,
                     timeout: float = 10.0, abrupt: bool = False) -> Outcome:
    """Send one connection's frames, read everything back, and list what went wrong.

    Unless ``abrupt``, the client reads every download it started to its end, and every reply,
    before it sends a fatal last frame or hangs up; abrupt clients do neither.
    """
    out = Outcome(frames=len(frames))
    by_serial = {f.expect.serial: f for f in frames if f.expect is not None and f.expect.kind != "pong"}
    required = {s for s, f in by_serial.items() if not f.may_close}
    last = frames[-1] if frames and frames[-1].may_close and frames[-1].expect else None
    pings = sum(1 for f in frames if f.expect is not None and f.expect.kind == "pong")
    fatal = bool(frames) and frames[-1].fatal
    ends = fatal or any(f.closes for f in frames)  # the server is to close the connection
    seen: set[int] = set()
    pongs = 0
    closed = trio.Event()
    tick = [trio.Event()]  # set and replaced whenever something arrives
    downloads: set[tuple[int, int]] = set()  # streams the server is sending
    streamed = [0]  # bytes of download data received; a fuzzed resize may make a volume huge
    conn = Connection(Role.CLIENT, PROCEDURES)
    stream = await trio.open_tcp_stream(host, port)

    def answered() -> bool:
        return closed.is_set() or (required <= seen and pongs >= pings
                                   and (last is None or last.expect is None or last.expect.serial in seen))

    def drained() -> bool:
        return closed.is_set() or not downloads or streamed[0] > DOWNLOAD_ENOUGH

    def update() -> None:
        tick[0].set()
        tick[0] = trio.Event()

    async def until(condition: Any) -> None:
        while not condition():
            await tick[0].wait()

    def on_event(ev: Any) -> None:
        nonlocal pongs
        if isinstance(ev, (Reply, ErrorReply)):
            out.replies += 1
            problem = check_reply(ev, by_serial.get(ev.serial), fz.hostname)
            if ev.serial in seen:
                problem = f"a second reply to serial {ev.serial}"
            seen.add(ev.serial)
            if problem:
                out.problems.append(problem)
            if isinstance(ev, Reply):
                fz.values.harvest(ev.ret)
                if ev.procedure in DOWNLOADS:
                    downloads.add((ev.procedure, ev.serial))
        elif isinstance(ev, KeepalivePong):
            pongs += 1
        elif isinstance(ev, (StreamAbort, StreamFinish)) or (isinstance(ev, StreamData) and not ev.data):
            downloads.discard((ev.procedure, ev.serial))
        elif isinstance(ev, StreamData):
            streamed[0] += len(ev.data)

    async def read() -> None:
        try:
            while not closed.is_set():
                try:
                    data = await stream.receive_some(1 << 18)
                except (trio.BrokenResourceError, trio.ClosedResourceError):
                    data = b""
                conn.receive_data(data)
                while (ev := conn.next_event()) is not NEED_DATA:
                    if isinstance(ev, ConnectionClosed):
                        closed.set()
                        break
                    on_event(ev)
                update()
        except ProtocolError as e:
            if not (ends and "middle of a packet" in str(e)):
                out.problems.append(f"undecodable data from the server: {e}")
            closed.set()
            update()

    async def send(data: bytes) -> None:
        try:
            for chunk in fz.chunks(data):
                await stream.send_all(chunk)
        except (trio.BrokenResourceError, trio.ClosedResourceError):
            if not ends:
                out.problems.append("the server closed the connection while the client was sending")

    with trio.move_on_after(timeout):
        async with trio.open_nursery() as nursery:
            nursery.start_soon(read)
            body = frames[:-1] if fatal and not abrupt else frames
            await send(b"".join(f.data for f in body))
            if body is not frames:  # everything answered and downloaded before the fatal frame
                await until(answered)
                await until(drained)
                if not closed.is_set():
                    await send(frames[-1].data)
            if frames and frames[-1].note.startswith("partial"):
                with contextlib.suppress(trio.BrokenResourceError, trio.ClosedResourceError):
                    await stream.send_eof()
            await until(closed.is_set if ends else answered)
            if not abrupt:
                await until(drained)
            nursery.cancel_scope.cancel()
    await trio.aclose_forcefully(stream)
    missing = sorted(required - seen)
    lost = [describe(by_serial[s]) for s in missing[:3]]
    if not (closed.is_set() if ends else answered()) or not (abrupt or drained()):
        out.hung = True
        out.problems.append(f"no answer in {timeout} s; missing {lost}; downloads {sorted(downloads)}")
    elif closed.is_set() and not ends and (last is None or missing):
        out.problems.append(f"the server closed the connection; missing {lost}")
    elif missing and not (fatal and abrupt):
        out.problems.append(f"no reply to {lost}")
    elif pongs < pings and not ends:
        out.problems.append(f"{pings} keepalive pings, {pongs} pongs")
    return out


# ---- the world and probes ----------------------------------------------------------------------

async def call_ret(c: Any, proc: int, **kw: Any) -> Any:
    args_type = PROCEDURES[(REMOTE, proc)].args
    ev = await c.call_event(proc, args_type(**kw) if args_type is not None else None)
    return ev.ret if isinstance(ev, Reply) else None


async def setup_world(host: str, port: int, fz: WireFuzzer) -> None:
    """Domains, a running one, a pool, volumes and a snapshot for the fuzzer's handles to hit."""
    from fakevirt.client import AsyncClient

    async with AsyncClient.connect(f"tcp://{host}:{port}") as c:
        await c.open()
        fz.hostname = (await c.call(Proc.CONNECT_GET_HOSTNAME)).hostname
        doms = [await call_ret(c, Proc.DOMAIN_DEFINE_XML, xml=domain_xml(n)) for n in NAMES[:3]]
        if doms[0] is not None:
            await call_ret(c, Proc.DOMAIN_CREATE, dom=doms[0].dom)
        pool = await call_ret(c, Proc.STORAGE_POOL_CREATE_XML, xml=pool_xml(NAMES[0]), flags=0)
        if pool is not None:
            for i, fmt in enumerate(("raw", "qcow2")):
                fz.values.harvest(await call_ret(c, Proc.STORAGE_VOL_CREATE_XML, pool=pool.pool,
                                              xml=vol_xml(NAMES[i], fmt), flags=0))
        if doms[1] is not None:
            fz.values.harvest(await call_ret(c, Proc.DOMAIN_SNAPSHOT_CREATE_XML, dom=doms[1].dom,
                                          xml_desc="<domainsnapshot><name>s0</name></domainsnapshot>", flags=0))
        for r in [*doms, pool]:
            fz.values.harvest(r)


async def probe(host: str, port: int) -> str:
    """A fresh client's CONNECT_OPEN + GET_HOSTNAME; returns the hostname."""
    from fakevirt.client import AsyncClient

    async with AsyncClient.connect(f"tcp://{host}:{port}") as c:
        await c.open()
        hostname: str = (await c.call(Proc.CONNECT_GET_HOSTNAME)).hostname
        return hostname


# ---- the long run ------------------------------------------------------------------------------

@dataclass
class Stats:
    frames: int = 0
    scripts: int = 0
    problems: dict[str, list[Any]] = field(default_factory=dict)  # kind -> [count, first example]
    hangs: int = 0
    crashes: int = 0
    probes: int = 0
    probe_worst: float = 0.0
    rss_kib: list[tuple[float, int]] = field(default_factory=list)

    def problem(self, text: str) -> None:
        kind = text.split(" [", 1)[0].split(";", 1)[0][:70]
        entry = self.problems.setdefault(kind, [0, text])
        entry[0] += 1


class Target:
    """The server under test: given (host, port), or a `fakevirt serve` this script starts and restarts."""

    def __init__(self, address: str | None, log: Path) -> None:
        self.proc: subprocess.Popen[str] | None = None
        self.log = log
        if address:
            host, _, port = address.rpartition(":")
            self.host, self.port = host, int(port)
        else:
            self.start()

    def start(self) -> None:
        repo = Path(__file__).resolve().parents[1]
        with self.log.open("a") as err:
            self.proc = subprocess.Popen(
                [sys.executable, "-m", "fakevirt", "serve", "--listen", "tcp://127.0.0.1:0", "--log-level", "error"],
                cwd=repo, stdout=subprocess.PIPE, stderr=err, text=True)
        assert self.proc.stdout is not None
        line = self.proc.stdout.readline()
        self.host, _, port = line.split("tcp://", 1)[1].split("/", 1)[0].rpartition(":")
        self.port = int(port)

    def died(self) -> bool:
        return self.proc is not None and self.proc.poll() is not None

    def rss_kib(self) -> int | None:
        if self.proc is None:
            return None
        try:
            status = Path(f"/proc/{self.proc.pid}/status").read_text()
        except OSError:
            return None
        return next((int(line.split()[1]) for line in status.splitlines() if line.startswith("VmRSS:")), None)

    def stop(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.terminate()
            self.proc.wait(10)


async def worker(n: int, args: argparse.Namespace, target: Target, stats: Stats) -> None:
    fz = WireFuzzer(args.seed * 1000 + n)
    while stats.frames < args.frames:
        try:
            if fz.rng.random() < 0.01 or not fz.hostname:
                with trio.fail_after(args.hang_timeout):  # a call on a connection the server dropped waits
                    await setup_world(target.host, target.port, fz)
            frames = fz.script(fz.rng.randint(5, 60))
            out = await run_script(target.host, target.port, fz, frames, timeout=args.hang_timeout,
                                   abrupt=args.abrupt)
        except Exception:  # noqa: BLE001 - connection errors, maybe in groups: the server is gone
            await trio.sleep(0.2)  # the monitor counts the crash and restarts it
            continue
        stats.frames += out.frames
        stats.scripts += 1
        stats.hangs += out.hung
        for p in out.problems:
            stats.problem(p)


async def monitor(args: argparse.Namespace, target: Target, stats: Stats, started: float) -> None:
    last_report = started
    while stats.frames < args.frames:
        await trio.sleep(args.probe_interval)
        now = time.monotonic()
        if target.died():
            stats.crashes += 1
            stats.problem(f"server died with status {target.proc.returncode if target.proc else '?'}")
            target.start()
            continue
        t0 = time.monotonic()
        with trio.move_on_after(args.hang_timeout) as scope:
            try:
                await probe(target.host, target.port)
            except Exception as e:  # noqa: BLE001 - errors of the connection, maybe in groups
                stats.problem(f"probe failed: {e!r:.200}")
        if scope.cancelled_caught:
            stats.hangs += 1
            stats.problem(f"probe not answered in {args.hang_timeout} s")
        stats.probes += 1
        stats.probe_worst = max(stats.probe_worst, time.monotonic() - t0)
        rss = target.rss_kib()
        if rss is not None:
            stats.rss_kib.append((now - started, rss))
        if now - last_report >= args.report_every:
            last_report = now
            print(f"{now - started:7.0f} s  frames {stats.frames:>9,}  {stats.frames / (now - started):6.0f}/s  "
                  f"problems {sum(c for c, _ in stats.problems.values())}  hangs {stats.hangs}  "
                  f"crashes {stats.crashes}  rss {rss or 0:,} KiB", flush=True)


def summary(stats: Stats, seconds: float, log: Path) -> str:
    tracebacks = log.read_text(errors="replace").count("Traceback") if log.exists() else 0
    rss = [r for _, r in stats.rss_kib]
    quarter = max(1, len(rss) // 4)
    lines = [
        f"frames sent        {stats.frames:,} in {stats.scripts:,} connections, {seconds:.0f} s "
        f"({stats.frames / max(seconds, 1e-9):.0f}/s)",
        f"crashes            {stats.crashes}",
        f"hangs              {stats.hangs}   (probes {stats.probes}, slowest {stats.probe_worst * 1000:.0f} ms)",
        f"server tracebacks  {tracebacks}   (log {log})",
        f"problems           {sum(c for c, _ in stats.problems.values())}",
    ]
    if rss:
        lines.append(f"server RSS (KiB)   first quarter max {max(rss[:quarter]):,}, last quarter max "
                     f"{max(rss[-quarter:]):,}, overall max {max(rss):,} ({len(rss)} samples)")
    for kind, (count, example) in sorted(stats.problems.items(), key=lambda kv: -kv[1][0]):
        lines.append(f"  {count:6} x {kind}\n           e.g. {example[:600]}")
    return "\n".join(lines)


async def long_run(args: argparse.Namespace) -> int:
    log = Path(args.log)
    log.unlink(missing_ok=True)  # the traceback count is this run's
    target = Target(args.target, log)
    stats = Stats()
    started = time.monotonic()
    try:
        with trio.move_on_after(args.max_seconds):
            async with trio.open_nursery() as nursery:
                nursery.start_soon(monitor, args, target, stats, started)
                for n in range(args.connections):
                    nursery.start_soon(worker, n, args, target, stats)
    finally:
        if target.died():
            stats.crashes += 1
        target.stop()
    print(summary(stats, time.monotonic() - started, log))
    return 1 if stats.crashes or stats.hangs or stats.problems else 0


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--target", help="HOST:PORT of a running server (default: start `fakevirt serve`)")
    ap.add_argument("--frames", type=int, default=100_000, help="stop after this many frames")
    ap.add_argument("--max-seconds", type=float, default=3600, help="stop after this long anyway")
    ap.add_argument("--connections", type=int, default=8, help="concurrent fuzzing connections")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--abrupt", action="store_true",
                    help="clients vanish mid-download and send fatal frames without waiting for replies")
    ap.add_argument("--hang-timeout", type=float, default=10.0, help="seconds before an unanswered call is a hang")
    ap.add_argument("--probe-interval", type=float, default=1.0)
    ap.add_argument("--report-every", type=float, default=30.0)
    ap.add_argument("--log", default="/tmp/fakevirt-fuzz-server.log", help="the started server's stderr")
    args = ap.parse_args()
    return trio.run(long_run, args)


if __name__ == "__main__":
    sys.exit(main())
