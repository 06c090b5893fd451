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
- load, cold: unpickling in the server thread, back to back (no copy made ahead); fields at their
  defaults are not in the state (model/compact.py), immutable objects are shared with it, and the
  definitions that are rarely read (snapshots', a running domain's persistent one) stay pickled
  until first read (model/statepickle.py);
- load, cold, then every definition read: what those first reads add when a test reads them all;
- load, prepared: a copy was unpickled ahead in another thread (``states.prepare``), so the load
  only swaps it in;
- load, back to back with prepare: what the pytest fixture does: each load is followed at once by
  a prepare in a thread, and the next load waits for it: the latency a caller sees when nothing
  happens between two loads (the worst case; a test that runs while the copy is made hides it);
- dump: ``states.dump()`` (JSON-able, every object's XML).
"""

from __future__ import annotations

import argparse
import gc
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

from fakevirt.model.hoststate import HostStates  # noqa: E402
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
    print(f"{what:<44}{len(ms):>5}{ms[0]:>10.3f}{statistics.median(ms):>10.3f}{p95:>10.3f}{ms[-1]:>10.3f}")


def read_definitions(hv: Hypervisor) -> None:
    """Read every domain's definitions and every snapshot's (what a full dump would read)."""
    for driver in hv.drivers.values():
        for dom in driver.domains:
            _ = dom.config, dom.live
            for snap in dom.snapshots:
                _ = snap.definition.domain, snap.definition.inactive_domain


def objects_built(states: HostStates, name: str) -> int:
    """How many objects the collector tracks (containers, instances) one unpickling of name builds
    (a copy made ahead, as a cold load makes it; nothing is freed meanwhile: no host retired yet)."""
    before = len(gc.get_objects())
    states.prepare(name)
    return len(gc.get_objects()) - before


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
        objects = server.call(objects_built, states, "s")
        server.call(states.save, "s")  # drops that copy: the first load below is cold too
        size = len(states.export("s"))
        cold = [in_server(server, states.load, "s") for _ in range(args.loads)]
        read_all = []
        for _ in range(args.loads):
            read_all.append(in_server(server, states.load, "s") + in_server(server, read_definitions, hv))
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
    print(f"a cold load builds {objects} objects (gc-tracked: containers and instances)")
    print(f"{'ms':<44}{'n':>5}{'min':>10}{'median':>10}{'p95':>10}{'max':>10}")
    row("save (server thread)", saves)
    row("load, cold (server thread)", cold)
    row("load, cold, then every definition read", read_all)
    row("load, prepared (server thread)", prepared)
    row("load, back to back with prepare (caller)", seen)
    row("dump (server thread)", dumps)


if __name__ == "__main__":
    main()
