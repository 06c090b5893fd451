#!/usr/bin/env python3
"""Benchmark fakevirt's RPC server against a real libvirtd, through libvirt-python.

Measures, side by side (fakevirt, libvirtd test driver, libvirtd QEMU driver):
  1. sequential call rate on one connection (getLibVersion, getHostname, listAllDomains),
     median of a few repetitions;
  2. aggregate call rate with K client processes (default 8), each with its own connection,
     released together by a barrier, for a fixed duration;
  3. fakevirt startup: launch `python -m fakevirt serve` until the first TCP accept and until
     the first libvirt open() + getHostname() succeeds (median of a few launches).
Targets (from the issue, against the libvirtd test driver): sequential >= 2x, K connections
>= 1.5x, ready < 0.3 s.

    python scripts/bench_rpc.py                  # full run (~1-2 min)
    python scripts/bench_rpc.py --quick          # smoke run (< 15 s)
    python scripts/bench_rpc.py --no-reference   # fakevirt only
    python scripts/bench_rpc.py --json out.json
    # benchmark the committed tree while the working tree is mid-edit:
    rm -rf /tmp/fv-head && mkdir /tmp/fv-head && git archive HEAD | tar -x -C /tmp/fv-head
    python scripts/bench_rpc.py --fakevirt-root /tmp/fv-head
    python scripts/bench_rpc.py --profile-server /tmp/fv.prof   # fakevirt under cProfile (slower)

A benchmark, not a test: loopback only, bounded loops, stops its own fakevirt at the end.
"""

from __future__ import annotations

import argparse
import json
import multiprocessing as mp
import os
import platform
import re
import signal
import socket
import statistics
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import libvirt  # type: ignore[import-untyped]

REPO = Path(__file__).resolve().parents[1]
REFERENCE_SCRIPT = Path("/work/shared/reference-libvirtd.sh")
REFERENCE_PORT = int(os.environ.get("REFERENCE_LIBVIRTD_PORT", "16519"))
REF_TEST_URI = f"test+tcp://127.0.0.1:{REFERENCE_PORT}/default"
REF_QEMU_URI = f"qemu+tcp://127.0.0.1:{REFERENCE_PORT}/system"
READY_RE = re.compile(r"fakevirt listening on (\S+): virsh -c '([^']+)'")

# Call name -> how to make it on a virConnect.  Every one is a round trip to the daemon.
CALLS: dict[str, Callable[[libvirt.virConnect], Any]] = {
    "getLibVersion": lambda c: c.getLibVersion(),
    "getHostname": lambda c: c.getHostname(),
    "listAllDomains": lambda c: c.listAllDomains(),
}

# Targets relative to the libvirtd test driver.
SEQ_TARGET = 2.0
AGG_TARGET = 1.5
READY_TARGET_S = 0.3


def _quiet_libvirt() -> None:
    """libvirt prints every error to stderr by default; the failures we provoke are expected."""
    libvirt.registerErrorHandler(lambda _ctx, _err: None, None)


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


# --------------------------------------------------------------------------- fakevirt process

@dataclass
class Fakevirt:
    proc: subprocess.Popen[str]
    uri: str
    stderr_lines: list[str] = field(default_factory=list)

    def stop(self, timeout: float = 10.0) -> int | None:
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(5)
        return self.proc.returncode


FAKEVIRT_ROOT = REPO  # where `python -m fakevirt` runs from (--fakevirt-root)


def _serve_env() -> dict[str, str]:
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(FAKEVIRT_ROOT), env.get("PYTHONPATH")]))
    return env


def _serve_cmd(port: int, extra: list[str] | None = None) -> list[str]:
    return [sys.executable, *(extra or []), "-m", "fakevirt", "serve",
            "--listen", f"tcp://127.0.0.1:{port}", "--log-level", "warning"]


def start_fakevirt(port: int = 0, timeout: float = 20.0, wrap: list[str] | None = None) -> Fakevirt:
    """Start `python -m fakevirt serve` and wait for its 'listening' line (gives the URI)."""
    proc = subprocess.Popen(_serve_cmd(port, wrap), cwd=FAKEVIRT_ROOT, env=_serve_env(), stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True, bufsize=1)
    fv = Fakevirt(proc, "")
    threading.Thread(target=_drain, args=(proc.stderr, fv.stderr_lines), daemon=True).start()
    found: list[str] = []
    done = threading.Event()

    def read_stdout() -> None:
        assert proc.stdout is not None
        for line in proc.stdout:
            m = READY_RE.search(line)
            if m and not found:
                found.append(m.group(2))
                done.set()
        done.set()

    threading.Thread(target=read_stdout, daemon=True).start()
    done.wait(timeout)
    if not found:
        fv.stop()
        raise RuntimeError("fakevirt did not start:\n" + "".join(fv.stderr_lines[-30:]))
    fv.uri = found[0]
    return fv


def _drain(stream: Any, sink: list[str]) -> None:
    for line in stream:
        sink.append(line)
        del sink[:-200]


# --------------------------------------------------------------------------- measurements

_CLK_TCK = os.sysconf("SC_CLK_TCK")


def process_cpu(pid: int | None) -> tuple[float, float] | None:
    """(user, system) CPU seconds of a local process, all threads; None if unknown."""
    if pid is None:
        return None
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rpartition(")")[2].split()
    except OSError:
        return None
    return int(fields[11]) / _CLK_TCK, int(fields[12]) / _CLK_TCK


def libvirtd_pid() -> int | None:
    r = subprocess.run(["pgrep", "-x", "libvirtd"], capture_output=True, text=True)
    pids = r.stdout.split()
    return int(pids[0]) if len(pids) == 1 else None


def bench_sequential(uris: dict[str, str], call: str, n: int, reps: int,
                     pids: dict[str, int | None] | None = None) -> dict[str, dict[str, Any]]:
    """One connection per target, `n` calls back to back; repetitions interleaved across targets so
    that background load hits all of them alike. Returns calls/s per target (median and each rep)
    and, when the server's pid is known, its CPU time per call (user + system, from /proc)."""
    fn = CALLS[call]
    pids = pids or {}
    conns = {name: libvirt.open(uri) for name, uri in uris.items()}
    rates: dict[str, list[float]] = {name: [] for name in uris}
    cpu: dict[str, list[float]] = {name: [0.0, 0.0] for name in uris}
    try:
        for conn in conns.values():
            for _ in range(min(100, n)):  # warm up
                fn(conn)
        for _ in range(reps):
            for name, conn in conns.items():
                c0 = process_cpu(pids.get(name))
                t0 = time.perf_counter()
                for _ in range(n):
                    fn(conn)
                rates[name].append(n / (time.perf_counter() - t0))
                c1 = process_cpu(pids.get(name))
                if c0 and c1:
                    cpu[name][0] += c1[0] - c0[0]
                    cpu[name][1] += c1[1] - c0[1]
    finally:
        for conn in conns.values():
            conn.close()
    out: dict[str, dict[str, Any]] = {}
    for name, r in rates.items():
        out[name] = {"median": statistics.median(r), "rates": r, "calls": n}
        if pids.get(name):
            out[name]["server_cpu_us"] = 1e6 * (cpu[name][0] + cpu[name][1]) / (n * reps)
            out[name]["server_sys_us"] = 1e6 * cpu[name][1] / (n * reps)
    return out


def _agg_worker(tasks: Any, barrier: Any, out: Any) -> None:
    """A client process: for each task, open a connection, warm up, wait at the barrier, call for a while."""
    _quiet_libvirt()
    out.put(("ready",))
    while True:
        task = tasks.get()
        if task is None:
            return
        uri, call, seconds, max_calls = task
        fn = CALLS[call]
        try:
            conn = libvirt.open(uri)
            for _ in range(20):
                fn(conn)
        except libvirt.libvirtError as e:
            out.put(("error", str(e)))
            barrier.abort()
            return
        barrier.wait(60)
        count = 0
        t0 = time.perf_counter()
        deadline = t0 + seconds
        # Check the clock every 16 calls: cheap next to a round trip, and the loop stays bounded.
        while count < max_calls:
            for _ in range(16):
                fn(conn)
            count += 16
            if time.perf_counter() >= deadline:
                break
        t1 = time.perf_counter()
        conn.close()
        out.put(("ok", count, t0, t1))


class ClientPool:
    """`n` client processes (spawned once, reused for every aggregate run)."""

    def __init__(self, n: int) -> None:
        ctx = mp.get_context("spawn")  # nothing inherited from this process's libvirt state
        self.n = n
        self.barrier = ctx.Barrier(n)
        self.out = ctx.Queue()
        self.tasks = [ctx.Queue() for _ in range(n)]
        self.procs = [ctx.Process(target=_agg_worker, args=(q, self.barrier, self.out), daemon=True)
                      for q in self.tasks]
        for p in self.procs:
            p.start()
        for _ in range(n):  # wait until every process has imported libvirt
            self.out.get(timeout=120)

    def run(self, uri: str, call: str, seconds: float, max_calls: int) -> dict[str, Any]:
        """All `n` processes, each with its own connection, released together by the barrier."""
        for q in self.tasks:
            q.put((uri, call, seconds, max_calls))
        results = [self.out.get(timeout=seconds + 120) for _ in range(self.n)]
        errors = [r[1] for r in results if r[0] == "error"]
        if errors:
            raise RuntimeError(f"aggregate {call} on {uri}: {errors[0]}")
        total = sum(r[1] for r in results)
        start = min(r[2] for r in results)
        end = max(r[3] for r in results)
        per_conn = [r[1] / (r[3] - r[2]) for r in results]
        # Wall-clock window from the first start to the last end: conservative.
        return {"rate": total / (end - start), "sum_of_rates": sum(per_conn), "calls": total,
                "window_s": end - start, "per_conn_min": min(per_conn), "per_conn_max": max(per_conn)}

    def close(self) -> None:
        for q in self.tasks:
            q.put(None)
        for p in self.procs:
            p.join(10)
            if p.is_alive():
                p.terminate()
                p.join(5)


def bench_startup(launches: int, timeout: float = 20.0) -> dict[str, Any]:
    """Launch fakevirt on a free port; time to first accepted TCP connect and first open+getHostname."""
    accept_t, ready_t, line_t = [], [], []
    for _ in range(launches):
        port = free_port()
        uri = f"qemu+tcp://127.0.0.1:{port}/system"
        line_seen: list[float] = []
        t0 = time.perf_counter()
        proc = subprocess.Popen(_serve_cmd(port), cwd=FAKEVIRT_ROOT, env=_serve_env(), stdout=subprocess.PIPE,
                                stderr=subprocess.DEVNULL, text=True, bufsize=1)
        fv = Fakevirt(proc, uri)

        def watch(p: subprocess.Popen[str] = proc, seen: list[float] = line_seen) -> None:
            assert p.stdout is not None
            for line in p.stdout:
                if READY_RE.search(line) and not seen:
                    seen.append(time.perf_counter())

        threading.Thread(target=watch, daemon=True).start()
        try:
            deadline = t0 + timeout
            t_accept = None
            while time.perf_counter() < deadline and proc.poll() is None:
                with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
                    s.settimeout(1.0)
                    try:
                        s.connect(("127.0.0.1", port))
                        t_accept = time.perf_counter()
                        break
                    except OSError:
                        pass
                time.sleep(0.002)
            if t_accept is None:
                raise RuntimeError(f"fakevirt never accepted on port {port} (rc={proc.poll()})")
            t_ready = None
            while time.perf_counter() < deadline and proc.poll() is None:
                try:
                    conn = libvirt.open(uri)
                    conn.getHostname()
                    conn.close()
                    t_ready = time.perf_counter()
                    break
                except libvirt.libvirtError:
                    time.sleep(0.002)
            if t_ready is None:
                raise RuntimeError(f"fakevirt never answered open()+getHostname() on {uri}")
            accept_t.append(t_accept - t0)
            ready_t.append(t_ready - t0)
            # The line is printed right after listen(); give the reader thread a moment.
            for _ in range(100):
                if line_seen:
                    break
                time.sleep(0.002)
            if line_seen:
                line_t.append(line_seen[0] - t0)
        finally:
            fv.stop()
    return {"accept_median": statistics.median(accept_t), "ready_median": statistics.median(ready_t),
            "line_median": statistics.median(line_t) if line_t else None,
            "accept": accept_t, "ready": ready_t, "line": line_t}


# --------------------------------------------------------------------------- reference daemon

def reference_reachable() -> bool:
    try:
        libvirt.open(REF_TEST_URI).close()
        return True
    except libvirt.libvirtError:
        return False


def ensure_reference() -> bool:
    if reference_reachable():
        return True
    if not REFERENCE_SCRIPT.exists():
        print(f"reference libvirtd not reachable and {REFERENCE_SCRIPT} missing", file=sys.stderr)
        return False
    print(f"starting reference libvirtd with {REFERENCE_SCRIPT} ...", file=sys.stderr)
    r = subprocess.run(["bash", str(REFERENCE_SCRIPT)], capture_output=True, text=True, timeout=600)
    sys.stderr.write(r.stdout + r.stderr)
    return reference_reachable()


def uri_works(uri: str) -> bool:
    try:
        c = libvirt.open(uri)
        c.getHostname()
        c.close()
        return True
    except libvirt.libvirtError:
        return False


# --------------------------------------------------------------------------- report

def fmt_rate(v: float | None) -> str:
    return "-" if v is None else f"{v:,.0f}/s"


def fmt_s(v: float | None) -> str:
    return "-" if v is None else f"{v * 1000:.0f} ms"


def fmt_ratio(a: float | None, b: float | None, inverse: bool = False) -> str:
    if a is None or b is None or a == 0 or b == 0:
        return "-"
    return f"{(b / a) if inverse else (a / b):.2f}x"


def print_table(res: dict[str, Any], args: argparse.Namespace) -> None:
    cols = [k for k in ("fakevirt", "libvirtd-test", "libvirtd-qemu") if k in res["targets"]]
    has_test = "libvirtd-test" in cols
    has_qemu = "libvirtd-qemu" in cols
    header = ["measurement", *cols]
    if has_test:
        header.append("fv/test")
    if has_qemu:
        header.append("fv/qemu")
    header.append("target")
    rows: list[list[str]] = []

    def get(target: str, *path: str) -> float | None:
        v: Any = res["targets"].get(target)
        for p in path:
            if not isinstance(v, dict) or p not in v:
                return None
            v = v[p]
        return v

    for kind, label, key, tgt in (("sequential", "seq 1 conn", "median", SEQ_TARGET),
                                  ("aggregate", f"agg {args.connections} procs", "rate", AGG_TARGET)):
        for call in res["calls"]:
            vals = {c: get(c, kind, call, key) for c in cols}
            row = [f"{label} {call}", *(fmt_rate(vals[c]) for c in cols)]
            verdict = "-"
            if has_test:
                row.append(fmt_ratio(vals["fakevirt"], vals["libvirtd-test"]))
                if vals["fakevirt"] and vals["libvirtd-test"]:
                    ok = vals["fakevirt"] / vals["libvirtd-test"] >= tgt
                    verdict = f">={tgt}x {'PASS' if ok else 'MISS'}"
            if has_qemu:
                row.append(fmt_ratio(vals["fakevirt"], vals["libvirtd-qemu"]))
            row.append(verdict if has_test else f">={tgt}x")
            rows.append(row)
    for call in res["calls"]:
        vals = {c: get(c, "sequential", call, "server_cpu_us") for c in cols}
        if not any(vals.values()):
            continue
        row = [f"server CPU/call {call}", *("-" if vals[c] is None else f"{vals[c]:.0f} us" for c in cols)]
        if has_test:
            row.append(fmt_ratio(vals["fakevirt"], vals["libvirtd-test"], inverse=True))
        if has_qemu:
            row.append(fmt_ratio(vals["fakevirt"], vals["libvirtd-qemu"], inverse=True))
        row.append("(seq run)")
        rows.append(row)
    st = res.get("startup")
    if st:
        pad = ["n/a"] * (len(cols) - 1) + ["-"] * (int(has_test) + int(has_qemu))
        rows.append(["startup: first TCP accept", fmt_s(st["accept_median"]), *pad, ""])
        rows.append(["startup: 'listening' line", fmt_s(st["line_median"]), *pad, ""])
        ok = st["ready_median"] < READY_TARGET_S
        rows.append(["startup: open+getHostname", fmt_s(st["ready_median"]), *pad,
                     f"<{READY_TARGET_S * 1000:.0f} ms {'PASS' if ok else 'MISS'}"])
    widths = [max(len(r[i]) for r in [header, *rows]) for i in range(len(header))]

    def fmt_row(cells: list[str]) -> str:
        return "  ".join(c.ljust(w) if i == 0 else c.rjust(w)
                         for i, (c, w) in enumerate(zip(cells, widths, strict=True)))

    line = fmt_row(header)
    print(line)
    print("-" * len(line))
    for r in rows:
        print(fmt_row(r))
    m = res["machine"]
    print()
    print(f"machine: {m['cpus']} CPU(s), load average before {m['loadavg_before'][0]:.2f}, Python {m['python']}, libvirt-python {m['libvirt_python']}; "
          f"sequential: {args.calls} calls x {args.reps} reps (median); aggregate: {args.connections} "
          f"client processes x {args.seconds} s after a barrier, calls / wall window; "
          f"startup: median of {args.launches} launches.")
    if m["cpus"] < args.connections:
        print(f"note: only {m['cpus']} cores for {args.connections} client processes plus the server; "
              "aggregate numbers are CPU-bound on the client side too, for both servers alike.")
    print("note: server CPU/call = the server process's user+system CPU time (all threads, /proc) during the "
          "sequential runs / calls; ratio columns there are libvirtd/fakevirt (>1x: fakevirt cheaper).")
    print("note: listAllDomains returns what each driver holds (libvirtd test driver: 1 domain 'test'; "
          "see 'domains' in --json for the counts); libvirtd startup is not measured (shared daemon).")


# --------------------------------------------------------------------------- main

def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--calls", type=int, default=None, help="calls per sequential repetition (default 3000)")
    ap.add_argument("--reps", type=int, default=None, help="sequential repetitions (default 5)")
    ap.add_argument("--seconds", type=float, default=None, help="duration of each aggregate run (default 3)")
    ap.add_argument("--connections", type=int, default=8, help="client processes in the aggregate run")
    ap.add_argument("--launches", type=int, default=None, help="startup launches (default 5)")
    ap.add_argument("--calls-only", nargs="+", choices=list(CALLS), dest="call_names", default=None,
                    help="restrict to these calls")
    ap.add_argument("--quick", action="store_true", help="small counts for a smoke run (< 15 s)")
    ap.add_argument("--no-reference", action="store_true", help="fakevirt numbers only")
    ap.add_argument("--no-qemu", action="store_true", help="skip the libvirtd QEMU driver column")
    ap.add_argument("--no-startup", action="store_true", help="skip the startup measurement")
    ap.add_argument("--fakevirt-uri", default=None,
                    help="benchmark an already running fakevirt instead of starting one")
    ap.add_argument("--fakevirt-root", type=Path, default=REPO,
                    help="tree to run `python -m fakevirt` from (default: this repo), e.g. a `git archive` export")
    ap.add_argument("--profile-server", metavar="FILE", type=Path,
                    help="run the benchmarked fakevirt under cProfile, write the stats to FILE and print "
                         "its top functions (its rates are then not comparable)")
    ap.add_argument("--json", metavar="FILE", help="also write the results as JSON")
    args = ap.parse_args(argv)
    global FAKEVIRT_ROOT
    FAKEVIRT_ROOT = args.fakevirt_root.resolve()
    q = args.quick
    args.calls = args.calls or (300 if q else 3000)
    args.reps = args.reps or (3 if q else 5)
    args.seconds = args.seconds or (0.5 if q else 3.0)
    args.launches = args.launches or (2 if q else 5)
    max_agg_calls = 10_000_000
    call_names = args.call_names or list(CALLS)
    _quiet_libvirt()

    res: dict[str, Any] = {
        "machine": {"cpus": os.cpu_count(), "python": platform.python_version(),
                    "libvirt_python": libvirt.getVersion(), "platform": platform.platform(),
                    "loadavg_before": os.getloadavg()},
        "args": {k: v for k, v in vars(args).items()},
        "calls": call_names, "targets": {}, "domains": {},
    }
    targets: dict[str, str] = {}
    if not args.no_reference:
        if ensure_reference():
            targets["libvirtd-test"] = REF_TEST_URI
            if not args.no_qemu and uri_works(REF_QEMU_URI):
                targets["libvirtd-qemu"] = REF_QEMU_URI
        else:
            print("reference libvirtd unavailable: fakevirt numbers only", file=sys.stderr)

    fv: Fakevirt | None = None
    t_start = time.perf_counter()
    pool = ClientPool(args.connections)
    try:
        if args.fakevirt_uri:
            fv_uri = args.fakevirt_uri
        else:
            wrap = ["-m", "cProfile", "-o", str(args.profile_server.resolve())] if args.profile_server else None
            fv = start_fakevirt(0, wrap=wrap)
            fv_uri = fv.uri
        all_targets = {"fakevirt": fv_uri, **targets}
        res["uris"] = all_targets
        for name, uri in all_targets.items():
            c = libvirt.open(uri)
            res["domains"][name] = len(c.listAllDomains())
            c.close()
            res["targets"][name] = {"sequential": {}, "aggregate": {}}
        lpid = libvirtd_pid() if targets else None
        pids = {"fakevirt": fv.proc.pid if fv else None, **{name: lpid for name in targets}}
        for call in call_names:
            for name, r in bench_sequential(all_targets, call, args.calls, args.reps, pids).items():
                res["targets"][name]["sequential"][call] = r
                print(f"  {name:14} seq {call:15} {r['median']:>10,.0f}/s", file=sys.stderr)
        for call in call_names:
            for name, uri in all_targets.items():
                r = pool.run(uri, call, args.seconds, max_agg_calls)
                res["targets"][name]["aggregate"][call] = r
                print(f"  {name:14} agg {call:15} {r['rate']:>10,.0f}/s", file=sys.stderr)
    finally:
        pool.close()
        if fv is not None:
            rc = fv.stop()
            if rc not in (0, -signal.SIGTERM):
                print(f"fakevirt exited with {rc}:\n" + "".join(fv.stderr_lines[-20:]), file=sys.stderr)
    if not args.no_startup:
        res["startup"] = bench_startup(args.launches)
        print(f"  startup accept {fmt_s(res['startup']['accept_median'])}, "
              f"ready {fmt_s(res['startup']['ready_median'])}", file=sys.stderr)
    res["elapsed_s"] = time.perf_counter() - t_start
    print()
    print_table(res, args)
    print(f"(total {res['elapsed_s']:.1f} s)")
    if args.profile_server and args.profile_server.exists():
        import pstats
        print(f"\nfakevirt under cProfile ({args.profile_server}), top functions by own time:")
        pstats.Stats(str(args.profile_server)).sort_stats("tottime").print_stats(20)
    if args.json:
        Path(args.json).write_text(json.dumps(res, indent=2, sort_keys=True, default=str) + "\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
