#!/usr/bin/env python3
"""Robustness benchmarks: fakevirt and the reference libvirtd side by side, under hostile clients.

Each scenario runs against a fresh `fakevirt serve` and against the reference libvirtd
(127.0.0.1:16519, QEMU driver) when it is reachable; during each, a normal client times
getHostname round trips (p50/p99), and the server's RSS is read from /proc/PID/status:
Each fakevirt scenario gets a fresh server (a crash in one does not spoil the next).
  a. 500 idle connections (CONNECT_OPEN done, then silent)
  b. a client pipelining 800 getXMLDesc of a domain with a 1 MiB <description>, never reading
  c. slow-loris: 200 clients each sending one byte of a frame per second for 10 s
  d. abandoned streams: 20 clients start a 256 MiB vol download and vanish (half RST, half close)
  e. billion laughs: time to the error reply, normal client latency meanwhile
  f. 20 partial frames announcing 32 MiB, each with 16 MiB sent, then silence

    python3 scripts/bench_robustness.py            # ~2 min
    python3 scripts/bench_robustness.py --quick    # smaller numbers, ~30 s
    python3 scripts/bench_robustness.py --no-reference

A benchmark, not a test: loopback only, bounded loops, stops its own fakevirt at the end.
"""

from __future__ import annotations

import argparse
import contextlib
import itertools
import os
import socket
import statistics
import struct
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from benchlib import reachable, start_fakevirt  # noqa: E402

from protocol import (  # noqa: E402
    NEED_DATA,
    PROCEDURES,
    Call,
    Connection,
    ErrorReply,
    Proc,
    Program,
    Reply,
    Role,
)

REMOTE = Program.REMOTE
REF_PORT = int(os.environ.get("REFERENCE_LIBVIRTD_PORT", "16519"))
TIMEOUT = 10.0
LAUGHS = ("<?xml version='1.0'?><!DOCTYPE d [<!ENTITY a 'lol'>"
          + "".join(f"<!ENTITY {chr(98 + i)} '{('&' + chr(97 + i) + ';') * 10}'>" for i in range(9))
          + "]><domain type='qemu'><name>&j;</name></domain>")


def args_of(proc: int, **kw: Any) -> Any:
    t = PROCEDURES[(REMOTE, proc)].args
    return t(**kw) if t is not None else None


class Raw:
    """A blocking libvirt RPC client on protocol.Connection, for building hostile clients."""

    def __init__(self, port: int, *, open_: bool = True) -> None:
        self.sock = socket.create_connection(("127.0.0.1", port), timeout=TIMEOUT)
        self.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self.conn = Connection(Role.CLIENT, PROCEDURES)
        self.serials = itertools.count(1)
        if open_:
            self.call(Proc.AUTH_LIST)
            self.call(Proc.CONNECT_OPEN, args_of(Proc.CONNECT_OPEN, name="qemu:///system", flags=0))

    def frame(self, proc: int, args: Any = None) -> bytes:
        return self.conn.send(Call(program=REMOTE, version=1, procedure=proc, serial=next(self.serials), args=args))

    def call(self, proc: int, args: Any = None) -> Reply | ErrorReply:
        self.sock.sendall(self.frame(proc, args))
        while True:
            ev = self.conn.next_event()
            if ev is NEED_DATA:
                data = self.sock.recv(1 << 20)
                if not data:
                    raise ConnectionError("closed by the server")
                self.conn.receive_data(data)
            elif isinstance(ev, (Reply, ErrorReply)):
                return ev

    def ok(self, proc: int, args: Any = None) -> Any:
        ev = self.call(proc, args)
        if isinstance(ev, ErrorReply):
            raise RuntimeError(f"{proc.name if isinstance(proc, Proc) else proc}: {ev.error.message}")
        return ev.ret

    def close(self, rst: bool = False) -> None:
        if rst:
            self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        self.sock.close()


class Server:
    def __init__(self, name: str, port: int, pid: int | None, proc: subprocess.Popen[str] | None = None) -> None:
        self.name, self.port, self.pid, self.proc = name, port, pid, proc

    def rss_mib(self) -> float | None:
        try:
            status = Path(f"/proc/{self.pid}/status").read_text()
        except (OSError, TypeError):
            return None
        kib = next((int(x.split()[1]) for x in status.splitlines() if x.startswith("VmRSS:")), None)
        return None if kib is None else kib / 1024

    def alive(self) -> bool:
        try:
            Raw(self.port).ok(Proc.CONNECT_GET_HOSTNAME)
            return True
        except Exception:  # noqa: BLE001 - any failure means it does not serve
            return False


@contextlib.contextmanager
def fakevirt() -> Iterator[Server]:
    proc, uri = start_fakevirt()
    port = int(uri.split("127.0.0.1:", 1)[1].split("/", 1)[0])
    try:
        yield Server("fakevirt", port, proc.pid, proc)
    finally:
        proc.terminate()
        try:
            proc.wait(10)
        except subprocess.TimeoutExpired:
            proc.kill()


def reference() -> Server | None:
    if not reachable("127.0.0.1", REF_PORT):
        return None
    pid = None
    for p in Path("/proc").iterdir():
        if p.name.isdigit():
            with contextlib.suppress(OSError):
                cmd = (p / "cmdline").read_bytes().split(b"\0")
                if cmd[0].endswith(b"libvirtd") and b"--listen" in cmd and b"lvtest" not in b" ".join(cmd):
                    pid = int(p.name)
    return Server("libvirtd", REF_PORT, pid)


def latency(srv: Server, n: int) -> dict[str, Any]:
    """A normal client: open, then n getHostname round trips."""
    times: list[float] = []
    try:
        c = Raw(srv.port)
        for _ in range(n):
            t0 = time.perf_counter()
            c.ok(Proc.CONNECT_GET_HOSTNAME)
            times.append(time.perf_counter() - t0)
        c.close()
    except Exception as e:  # noqa: BLE001 - reported in the table
        return {"error": f"{type(e).__name__}: {e}"[:60], "calls": len(times)}
    times.sort()
    return {"p50": statistics.median(times) * 1000, "p99": times[min(len(times) - 1, int(len(times) * 0.99))] * 1000}


def fmt_latency(r: dict[str, Any]) -> str:
    if "error" in r:
        return f"FAILED after {r['calls']} calls ({r['error']})"
    return f"{r['p50']:.2f} / {r['p99']:.2f} ms"


def fmt_mib(v: float | None) -> str:
    return "n/a" if v is None else f"{v:.0f} MiB"


def scenario(srv: Server, calls: int, load: Callable[[], Callable[[], None]]) -> dict[str, str]:
    """Start a load, let it settle, time the normal client, stop the load; RSS before and during."""
    srv.alive()  # fakevirt imports most of itself after it starts listening
    before = srv.rss_mib()
    stop = load()
    try:
        time.sleep(0.5)
        lat = latency(srv, calls)
        during = srv.rss_mib()
    finally:
        stop()
    return {"latency p50/p99": fmt_latency(lat), "RSS before → during": f"{fmt_mib(before)} → {fmt_mib(during)}",
            "serves after": "yes" if srv.alive() else "NO"}


# ---- the loads ---------------------------------------------------------------------------------

def idle(srv: Server, n: int) -> Callable[[], Callable[[], None]]:
    def start() -> Callable[[], None]:
        clients = [Raw(srv.port) for _ in range(n)]
        return lambda: [c.close() for c in clients] and None
    return start


def pipeliner(srv: Server, n: int, dom: Any) -> Callable[[], Callable[[], None]]:
    def start() -> Callable[[], None]:
        c = Raw(srv.port)
        data = b"".join(c.frame(Proc.DOMAIN_GET_XML_DESC, args_of(Proc.DOMAIN_GET_XML_DESC, dom=dom, flags=0))
                        for _ in range(n))
        c.sock.setblocking(False)
        sent = [0]

        def push() -> None:  # write what the server takes, never read
            deadline = time.monotonic() + 30
            while sent[0] < len(data) and time.monotonic() < deadline and not done.is_set():
                try:
                    sent[0] += c.sock.send(data[sent[0]:sent[0] + 65536])
                except BlockingIOError:
                    time.sleep(0.01)
                except OSError:
                    return

        done = threading.Event()
        t = threading.Thread(target=push, daemon=True)
        t.start()

        def stop() -> None:
            done.set()
            t.join()
            c.close(rst=True)
        return stop
    return start


def slowloris(srv: Server, n: int, seconds: float) -> Callable[[], Callable[[], None]]:
    def start() -> Callable[[], None]:
        socks = [socket.create_connection(("127.0.0.1", srv.port), timeout=TIMEOUT) for _ in range(n)]
        frame = struct.pack(">7I", 28, REMOTE, 1, Proc.CONNECT_GET_HOSTNAME, 0, 1, 0)
        done = threading.Event()

        def drip() -> None:
            for i in range(int(seconds)):
                for s in socks:
                    with contextlib.suppress(OSError):
                        s.send(frame[i % 28:i % 28 + 1])
                if done.wait(1.0):
                    return

        t = threading.Thread(target=drip, daemon=True)
        t.start()

        def stop() -> None:
            t.join()  # the drip runs its bounded course while the normal client measures
            for s in socks:
                s.close()
        return stop
    return start


def partial_frames(srv: Server, n: int, send_mib: int) -> Callable[[], Callable[[], None]]:
    def start() -> Callable[[], None]:
        socks = []
        chunk = b"\0" * (1 << 20)
        for _ in range(n):
            s = socket.create_connection(("127.0.0.1", srv.port), timeout=TIMEOUT)
            try:
                s.sendall(struct.pack(">I", 32 << 20))
                for _ in range(send_mib):
                    s.sendall(chunk)
            except OSError:
                pass
            socks.append(s)
        return lambda: [s.close() for s in socks] and None
    return start


def abandoned_downloads(srv: Server, n: int, vol: Any) -> Callable[[], Callable[[], None]]:
    def start() -> Callable[[], None]:
        for i in range(n):
            try:
                c = Raw(srv.port)
                c.sock.sendall(c.frame(Proc.STORAGE_VOL_DOWNLOAD,
                                       args_of(Proc.STORAGE_VOL_DOWNLOAD, vol=vol, offset=0, length=0, flags=0)))
                c.sock.recv(65536)
            except OSError:
                continue  # the server is gone already: the measurements show it
            time.sleep(0.05)
            c.close(rst=i % 2 == 0)
        return lambda: None
    return start


def laughs(srv: Server, calls: int) -> dict[str, str]:
    result: dict[str, Any] = {}

    def attack() -> None:
        c = Raw(srv.port)
        t0 = time.perf_counter()
        try:
            ev = c.call(Proc.DOMAIN_DEFINE_XML, args_of(Proc.DOMAIN_DEFINE_XML, xml=LAUGHS))
            result["reply"] = ev.error.message[:70] if isinstance(ev, ErrorReply) else "defined!"
        except Exception as e:  # noqa: BLE001
            result["reply"] = f"{type(e).__name__}"
        result["seconds"] = time.perf_counter() - t0
        c.close()

    srv.alive()
    before = srv.rss_mib()
    t = threading.Thread(target=attack, daemon=True)
    t.start()
    lat = latency(srv, calls)
    t.join(60)
    return {"time to error reply": f"{result.get('seconds', float('nan')) * 1000:.1f} ms ({result.get('reply')})",
            "latency p50/p99": fmt_latency(lat), "RSS before → during": f"{fmt_mib(before)} → {fmt_mib(srv.rss_mib())}",
            "serves after": "yes" if srv.alive() else "NO"}


# ---- fixtures on each server -------------------------------------------------------------------

def big_domain(srv: Server, name: str) -> Any:
    c = Raw(srv.port)
    xml = (f"<domain type='qemu'><name>{name}</name><memory unit='MiB'>64</memory><vcpu>1</vcpu>"
           f"<os><type arch='x86_64'>hvm</type></os><description>{'x' * (1 << 20)}</description></domain>")
    dom = c.ok(Proc.DOMAIN_DEFINE_XML, args_of(Proc.DOMAIN_DEFINE_XML, xml=xml)).dom
    c.close()
    return dom


def drop_domain(srv: Server, dom: Any) -> None:
    with contextlib.suppress(Exception):
        Raw(srv.port).ok(Proc.DOMAIN_UNDEFINE, args_of(Proc.DOMAIN_UNDEFINE, dom=dom))


def big_volume(srv: Server, name: str, mib: int) -> tuple[Any, Any]:
    path = f"/tmp/{name}"
    if srv.proc is None:
        os.makedirs(path, exist_ok=True)  # the reference daemon's pool is a real directory
    else:
        path = "/var/lib/libvirt/images"  # a directory of fakevirt's in-memory host
    c = Raw(srv.port)
    pool = c.ok(Proc.STORAGE_POOL_CREATE_XML, args_of(
        Proc.STORAGE_POOL_CREATE_XML, flags=0,
        xml=f"<pool type='dir'><name>{name}</name><target><path>{path}</path></target></pool>")).pool
    vol = c.ok(Proc.STORAGE_VOL_CREATE_XML, args_of(
        Proc.STORAGE_VOL_CREATE_XML, pool=pool, flags=0,
        xml=f"<volume><name>big.raw</name><capacity unit='M'>{mib}</capacity>"
            "<target><format type='raw'/></target></volume>")).vol
    c.close()
    return pool, vol


def drop_volume(srv: Server, pool: Any, vol: Any) -> None:
    with contextlib.suppress(Exception):
        c = Raw(srv.port)
        c.ok(Proc.STORAGE_VOL_DELETE, args_of(Proc.STORAGE_VOL_DELETE, vol=vol, flags=0))
        c.ok(Proc.STORAGE_POOL_DESTROY, args_of(Proc.STORAGE_POOL_DESTROY, pool=pool))


# ---- the run -----------------------------------------------------------------------------------

def run_all(servers: Callable[[], contextlib.AbstractContextManager[Server]], q: dict[str, int]
            ) -> dict[str, dict[str, str]]:
    """Every scenario, each on ``servers()``: a fresh fakevirt each time, or the one reference daemon."""
    out: dict[str, dict[str, str]] = {}
    calls = q["calls"]

    def run(title: str, measure: Callable[[Server], dict[str, str]]) -> None:
        with servers() as srv:
            try:
                out[title] = measure(srv)
            except Exception as e:  # noqa: BLE001 - a scenario that could not even be set up
                out[title] = {"latency p50/p99": f"scenario failed: {type(e).__name__}: {e}"[:80]}
            if srv.proc is not None and srv.proc.poll() is not None:
                out[title]["serves after"] = f"NO: died (exit {srv.proc.returncode})"

    def with_domain(srv: Server) -> dict[str, str]:
        dom = big_domain(srv, "robust-big")
        try:
            return scenario(srv, calls, pipeliner(srv, q["pipelined"], dom))
        finally:
            drop_domain(srv, dom)

    def with_volume(srv: Server) -> dict[str, str]:
        pool, vol = big_volume(srv, "robust-pool", q["vol_mib"])
        try:
            return scenario(srv, calls, abandoned_downloads(srv, q["streams"], vol))
        finally:
            drop_volume(srv, pool, vol)

    run("normal client alone", lambda srv: scenario(srv, calls, lambda: (lambda: None)))
    run(f"a. {q['idle']} idle connections", lambda srv: scenario(srv, calls, idle(srv, q["idle"])))
    run(f"b. {q['pipelined']} pipelined 1 MiB getXMLDesc, unread", with_domain)
    run(f"c. slow-loris {q['loris']} clients, 1 byte/s, {q['loris_s']} s",
        lambda srv: scenario(srv, calls, slowloris(srv, q["loris"], q["loris_s"])))
    run(f"d. {q['streams']} abandoned {q['vol_mib']} MiB downloads", with_volume)
    run("e. billion laughs", lambda srv: laughs(srv, calls))
    run(f"f. {q['partial']} partial frames of 32 MiB, {q['partial_mib']} MiB sent",
        lambda srv: scenario(srv, calls, partial_frames(srv, q["partial"], q["partial_mib"])))
    return out


def print_table(results: dict[str, dict[str, dict[str, str]]]) -> None:
    names = list(results)
    print("| scenario | measure | " + " | ".join(names) + " |")
    print("|---|---|" + "---|" * len(names))
    order = ["time to error reply", "latency p50/p99", "RSS before → during", "serves after"]
    for scen in results[names[0]]:
        measures = {m for n in names for m in results[n].get(scen, {})}
        for measure in sorted(measures, key=lambda m: order.index(m) if m in order else len(order)):
            cells = [" ".join(results[n].get(scen, {}).get(measure, "n/a").split()).replace("|", "/")
                     for n in names]
            print(f"| {scen} | {measure} | " + " | ".join(cells) + " |")


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--quick", action="store_true")
    ap.add_argument("--no-reference", action="store_true")
    args = ap.parse_args()
    q = dict(calls=200, idle=500, pipelined=800, loris=200, loris_s=10, streams=20, vol_mib=256,
             partial=20, partial_mib=16)
    if args.quick:
        q = dict(calls=50, idle=100, pipelined=100, loris=50, loris_s=3, streams=4, vol_mib=64,
                 partial=4, partial_mib=4)
    results: dict[str, dict[str, dict[str, str]]] = {}
    results["fakevirt"] = run_all(fakevirt, q)
    ref = None if args.no_reference else reference()
    if ref is not None:
        results["libvirtd 9.0"] = run_all(lambda: contextlib.nullcontext(ref), q)
    elif not args.no_reference:
        print(f"reference libvirtd not reachable on 127.0.0.1:{REF_PORT}: fakevirt only", file=sys.stderr)
    print_table(results)
    return 0


if __name__ == "__main__":
    sys.exit(main())
