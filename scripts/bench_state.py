#!/usr/bin/env python3
"""Benchmark whole-host states: save, load and dump of a host of N domains (default 100).

    python scripts/bench_state.py                 # 100 domains, 30 loads of each kind
    python scripts/bench_state.py --domains 1000 --loads 10

The host (built through libvirt-python on a ThreadedServer): a dir pool, per domain a qcow2 disk
volume and a raw volume with 64 KiB uploaded, the domain with that disk and a NIC on 'default',
one internal snapshot; every other domain running.  Times are taken in the server's thread (what
a client's call waits for, minus the RPC):

- save: pickling the host (server thread); image data are not copied: cluster buffers are
  immutable bytes, shared by the saved state and every host loaded from it;
- load, cold: unpickling in the server thread, back to back (no copy made ahead);
- load, prepared: a copy was unpickled ahead in another thread (``states.prepare``), so the load
  only swaps it in;
- load, back to back with prepare: what the pytest fixture does: each load is followed at once by
  a prepare in a thread, and the next load waits for it: the latency a caller sees when nothing
  happens between two loads (the worst case; a test that runs while the copy is made hides it);
- dump: ``states.dump()`` (JSON-able, every object's XML).
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import threading
import time
from collections.abc import Callable
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

import libvirt  # noqa: E402

from fakevirt.model.hypervisor import Hypervisor  # noqa: E402
from fakevirt.testing import ThreadedServer  # noqa: E402
from fakevirt.testing.sample import build_sample_host  # noqa: E402


def build(uri: str, n: int, data: int) -> None:
    c = libvirt.open(uri)
    build_sample_host(c, n, data=data, capacity_mib=max(64, -(-data // (1 << 20))))
    c.close()


def in_server(server: ThreadedServer, fn: Callable[..., object], *args: object) -> float:
    """fn's wall time in the server's thread, in ms."""
    def timed() -> float:
        t = time.perf_counter()
        fn(*args)
        return (time.perf_counter() - t) * 1000

    return server.call(timed)


def row(what: str, ms: list[float]) -> None:
    ms = sorted(ms)
    p95 = ms[min(len(ms) - 1, round(0.95 * (len(ms) - 1)))]
    print(f"{what:<40}{len(ms):>5}{statistics.median(ms):>11.3f}{p95:>11.3f}{ms[-1]:>11.3f}")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--domains", type=int, default=100)
    ap.add_argument("--loads", type=int, default=30)
    ap.add_argument("--data-kib", type=int, default=64, help="uploaded into each raw volume (default 64)")
    args = ap.parse_args()
    hv = Hypervisor(seed=1, default_network=True)
    with ThreadedServer(hv, unix=False) as server:
        t = time.perf_counter()
        build(server.uri(), args.domains, args.data_kib * 1024)
        built = time.perf_counter() - t
        states = hv.states
        saves = [in_server(server, states.save, "s") for _ in range(5)]
        size = len(states.export("s"))
        cold = [in_server(server, states.load, "s") for _ in range(args.loads)]
        prepared = []
        for _ in range(args.loads):
            worker = threading.Thread(target=states.prepare, args=("s",))
            worker.start()
            worker.join()
            prepared.append(in_server(server, states.load, "s"))
        seen = []
        for _ in range(args.loads):  # ThreadedServer.load_state: wait for the copy, swap, prepare the next
            t = time.perf_counter()
            server.load_state("s")
            seen.append((time.perf_counter() - t) * 1000)
        server.wait_prepared()
        dumps = [in_server(server, states.dump) for _ in range(3)]
        dump_size = len(json.dumps(server.call(states.dump)))
    print(f"host: {args.domains} domains (half running, a snapshot each), {2 * args.domains} volumes "
          f"({args.data_kib} KiB of data in each raw one), "
          f"built in {built:.1f} s; state {size / 1e6:.2f} MB, dump {dump_size / 1e6:.2f} MB of JSON")
    print(f"{'ms':<40}{'n':>5}{'median':>11}{'p95':>11}{'max':>11}")
    row("save (server thread)", saves)
    row("load, cold (server thread)", cold)
    row("load, prepared (server thread)", prepared)
    row("load, back to back with prepare (caller)", seen)
    row("dump (server thread)", dumps)


if __name__ == "__main__":
    main()
