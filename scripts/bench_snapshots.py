#!/usr/bin/env python3
"""Benchmark domain snapshots: fakevirt vs libvirtd's test driver, same script, same run.

    python scripts/bench_snapshots.py                  # N = 250, 500, 1000, 2000
    python scripts/bench_snapshots.py --count 100      # one quick size
    python scripts/bench_snapshots.py --no-reference   # fakevirt only

For each N, on a fresh inactive domain with one qcow2 disk, through libvirt-python:

- create N internal snapshots (snapshotCreateXML) in one tree: a chain that branches, since every
  10th snapshot is taken after reverting to an earlier one (the snapshot at half its index);
- list it: listAllSnapshots (plain, TOPOLOGICAL, LEAVES, ROOTS), snapshotListNames,
  numChildren(DESCENDANTS) of the root (median of --repeat calls);
- getParent and getXMLDesc of every snapshot, N reverts (revertToSnapshot) to scattered snapshots;
- delete all of them leaves first; build the tree again (untimed) and delete it from the root,
  every delete reparenting the children;
- REDEFINE the N dumped XMLs (metadata only), then delete them with one CHILDREN delete of the root.

Then (fakevirt only: the test driver has no disk-only snapshots) M external disk-only snapshots
of an inactive domain, same tree shape: create, M reverts, delete leaves first; M = N/5 (50 to 400
by default: --external-count is M at N = 1000), or min(N, 200) with --count. An external delete
the server refuses is redone with METADATA_ONLY (so the run goes on) and reported in a note.

Everything runs --rounds times (2) and each number is the best round's. The table gives calls/s
and the time per snapshot handled (µs/item: a list call's time divided by N); the scaling section
flags any operation whose time per item grows more than 2x from the smallest N to the largest.
The reference daemon (test+tcp://127.0.0.1:16519/default) gets a fresh domain per N, undefined
with its snapshot metadata at the end. Loopback only; it starts and stops its own fakevirt.
"""

from __future__ import annotations

import argparse
import os
import signal
import statistics
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import libvirt  # type: ignore[import-untyped]
from benchlib import reachable, start_fakevirt  # noqa: E402  (scripts/ is on sys.path)

REPO = Path(__file__).resolve().parents[1]
REFERENCE_URI = "test+tcp://127.0.0.1:16519/default"
SIZES = (250, 500, 1000, 2000)
WARM_UP = 20
POOL_DIR = "/var/lib/libvirt/images/fv-bench-snap"
POOL_XML = f"<pool type='dir'><name>fv-bench-snap</name><target><path>{POOL_DIR}</path></target></pool>"
VOL_XML = ("<volume><name>{name}</name><capacity unit='M'>64</capacity>"
           "<target><format type='qcow2'/></target></volume>")
DOMAIN_XML = """<domain type='kvm'>
  <name>{name}</name>
  <memory unit='MiB'>64</memory>
  <vcpu>1</vcpu>
  <os><type arch='x86_64'>hvm</type></os>
  <devices>
    <disk type='file' device='disk'><driver name='qemu' type='qcow2'/>
      <source file='{disk}'/><target dev='vda' bus='virtio'/></disk>
  </devices>
</domain>
"""
SNAP_XML = "<domainsnapshot><name>{name}</name></domainsnapshot>"


@dataclass
class Sample:
    calls: int
    items: int  # snapshots handled by all the calls together
    seconds: float

    @property
    def per_s(self) -> float:
        return self.calls / self.seconds if self.seconds else float("inf")

    @property
    def us_per_item(self) -> float:
        return self.seconds / self.items * 1e6 if self.items else float("nan")


Results = dict[tuple[str, int], Sample]  # (operation, N) -> sample
NOTES: dict[str, str] = {}  # printed after the table (the last round's)


class Server:
    """One libvirt connection plus the disk volumes fakevirt needs (the test driver has no files)."""

    def __init__(self, uri: str, with_files: bool) -> None:
        self.uri = uri
        self.conn = libvirt.open(uri)
        self.pool = None
        if with_files:
            self.pool = self.conn.storagePoolCreateXML(POOL_XML, libvirt.VIR_STORAGE_POOL_CREATE_WITH_BUILD)

    def domain(self, name: str) -> libvirt.virDomain:
        disk = f"{POOL_DIR}/{name}.qcow2"
        if self.pool is not None:
            self.pool.createXML(VOL_XML.format(name=f"{name}.qcow2"), 0)
        return self.conn.defineXML(DOMAIN_XML.format(name=name, disk=disk))

    def drop(self, dom: libvirt.virDomain) -> None:
        dom.undefineFlags(libvirt.VIR_DOMAIN_UNDEFINE_SNAPSHOTS_METADATA)

    def close(self) -> None:
        if self.pool is not None:
            self.pool.destroy()
        self.conn.close()


def timed_each(results: Results, op: str, n: int, calls: list[Callable[[], object]]) -> list[object]:
    """Run every call, timing only the calls themselves; one item per call."""
    out, total = [], 0.0
    for call in calls:
        t = time.perf_counter()
        out.append(call())
        total += time.perf_counter() - t
    results[(op, n)] = Sample(len(calls), len(calls), total)
    return out


def timed_list(results: Results, op: str, n: int, repeat: int, call: Callable[[], object], items: int) -> object:
    """One call that handles ``items`` snapshots: the median of ``repeat`` runs."""
    times, value = [], None
    for _ in range(repeat):
        t = time.perf_counter()
        value = call()
        times.append(time.perf_counter() - t)
    med = statistics.median(times)
    results[(op, n)] = Sample(1, items, med)
    return value


def build_tree(dom: libvirt.virDomain, n: int, prefix: str, flags: int = 0,
               results: Results | None = None, op: str = "") -> list[libvirt.virDomainSnapshot]:
    """n snapshots; every 10th is taken after reverting to the one at half its index (untimed)."""
    snaps: list[libvirt.virDomainSnapshot] = []
    total = 0.0
    for i in range(n):
        if i and i % 10 == 0:
            dom.revertToSnapshot(snaps[i // 2], 0)
        xml = SNAP_XML.format(name=f"{prefix}{i}")
        t = time.perf_counter()
        snaps.append(dom.snapshotCreateXML(xml, flags))
        total += time.perf_counter() - t
    if results is not None:
        results[(op, n)] = Sample(n, n, total)
    return snaps


def scattered(n: int) -> list[int]:
    """Every index once, in an order that jumps around the tree."""
    step = next(s for s in (7919, 7907, 7901, 7883) if n % s)
    return [(k * step) % n for k in range(n)]


def parent_or_none(snap: libvirt.virDomainSnapshot) -> libvirt.virDomainSnapshot | None:
    try:
        return snap.getParent(0)
    except libvirt.libvirtError:
        return None  # the root


def run_internal(server: Server, n: int, repeat: int, tag: str) -> Results:
    results: Results = {}
    dom = server.domain(f"fv-bench-snap-{tag}-{n}")
    try:
        snaps = build_tree(dom, n, "s", 0, results, "create internal")
        assert dom.snapshotNum(0) == n
        lists = [
            ("listAllSnapshots", 0), ("listAllSnapshots TOPOLOGICAL", libvirt.VIR_DOMAIN_SNAPSHOT_LIST_TOPOLOGICAL),
            ("listAllSnapshots LEAVES", libvirt.VIR_DOMAIN_SNAPSHOT_LIST_LEAVES),
            ("listAllSnapshots ROOTS", libvirt.VIR_DOMAIN_SNAPSHOT_LIST_ROOTS),
        ]
        for op, flags in lists:
            got = timed_list(results, op, n, repeat, lambda f=flags: dom.listAllSnapshots(f), n)
            assert isinstance(got, list) and got
        names = timed_list(results, "snapshotListNames", n, repeat, lambda: dom.snapshotListNames(0), n)
        assert isinstance(names, list) and len(names) == n
        below = timed_list(results, "root numChildren DESCENDANTS", n, repeat,
                           lambda: snaps[0].numChildren(libvirt.VIR_DOMAIN_SNAPSHOT_LIST_DESCENDANTS), n)
        assert below == n - 1
        parents = timed_each(results, "getParent (each)", n, [lambda s=s: parent_or_none(s) for s in snaps])
        assert sum(p is None for p in parents) == 1
        xmls = timed_each(results, "getXMLDesc (each)", n, [lambda s=s: s.getXMLDesc(0) for s in snaps])
        timed_each(results, "revert internal", n,
                   [lambda s=snaps[i]: dom.revertToSnapshot(s, 0) for i in scattered(n)])
        order = dom.listAllSnapshots(libvirt.VIR_DOMAIN_SNAPSHOT_LIST_TOPOLOGICAL)
        timed_each(results, "delete leaves first", n, [lambda s=s: s.delete(0) for s in reversed(order)])
        assert dom.snapshotNum(0) == 0
        build_tree(dom, n, "t")
        order = dom.listAllSnapshots(libvirt.VIR_DOMAIN_SNAPSHOT_LIST_TOPOLOGICAL)
        timed_each(results, "delete root (reparent)", n, [lambda s=s: s.delete(0) for s in order])
        assert dom.snapshotNum(0) == 0
        timed_each(results, "REDEFINE", n, [lambda x=x: dom.snapshotCreateXML(
            x, libvirt.VIR_DOMAIN_SNAPSHOT_CREATE_REDEFINE) for x in xmls])
        assert dom.snapshotNum(0) == n
        root = dom.snapshotLookupByName("s0", 0)
        timed_list(results, "delete CHILDREN of root", n, 1,
                   lambda: root.delete(libvirt.VIR_DOMAIN_SNAPSHOT_DELETE_CHILDREN), n)
        assert dom.snapshotNum(0) == 0
    finally:
        server.drop(dom)
    return results


def delete_or_forget(snap: libvirt.virDomainSnapshot, refused: list[str]) -> None:
    try:
        snap.delete(0)
    except libvirt.libvirtError as e:
        refused.append(f"{snap.getName()}: {e}")
        snap.delete(libvirt.VIR_DOMAIN_SNAPSHOT_DELETE_METADATA_ONLY)


def run_external(server: Server, m: int, tag: str) -> Results:
    """Disk-only snapshots of an inactive domain: each one a new overlay."""
    results: Results = {}
    dom = server.domain(f"fv-bench-ext-{tag}-{m}")
    try:
        snaps = build_tree(dom, m, "e", libvirt.VIR_DOMAIN_SNAPSHOT_CREATE_DISK_ONLY, results, "create external")
        timed_each(results, "revert external", m,
                   [lambda s=snaps[i]: dom.revertToSnapshot(s, 0) for i in scattered(m)])
        order = dom.listAllSnapshots(libvirt.VIR_DOMAIN_SNAPSHOT_LIST_TOPOLOGICAL)
        refused: list[str] = []
        timed_each(results, "delete external leaves first", m,
                   [lambda s=s: delete_or_forget(s, refused) for s in reversed(order)])
        assert dom.snapshotNum(0) == 0
        if refused:
            NOTES[f"{server.uri} M={m}"] = (f"{len(refused)} of {m} external deletes refused (then deleted "
                                            f"with METADATA_ONLY); first: {refused[0]}")
    finally:
        server.drop(dom)
    return results


def keep_best(into: Results, new: Results) -> None:
    """The fastest of the rounds: the machine is shared, so slower runs are mostly someone else's load."""
    for key, sample in new.items():
        if key not in into or sample.seconds < into[key].seconds:
            into[key] = sample


def fmt_rate(s: Sample | None) -> str:
    return "-" if s is None else f"{s.per_s:,.0f}"


def fmt_us(s: Sample | None) -> str:
    return "-" if s is None else f"{s.us_per_item:,.1f}"


def report(fake: Results, ref: Results | None) -> None:
    ops = list(dict.fromkeys(op for op, _ in fake))
    head = (f"{'operation':<32}{'N':>6}{'fakevirt/s':>12}{'fv µs/item':>12}"
            f"{'libvirtd/s':>12}{'lv µs/item':>12}{'ratio':>8}")
    print(head)
    print("-" * len(head))
    for op in ops:
        for n in sorted({k[1] for k in fake if k[0] == op}):
            f = fake[(op, n)]
            r = ref.get((op, n)) if ref is not None else None
            ratio = f"{f.per_s / r.per_s:.2f}x" if r is not None else "-"
            print(f"{op:<32}{n:>6}{fmt_rate(f):>12}{fmt_us(f):>12}{fmt_rate(r):>12}{fmt_us(r):>12}{ratio:>8}")
    if len({n for _, n in fake}) < 3:
        return
    print("\nscaling: µs per item from the smallest N to the largest (flag: grows more than 2x)")
    for op in ops:
        for name, res in (("fakevirt", fake), ("libvirtd", ref)):
            ns = sorted(n for o, n in res or {} if o == op)
            if res is None or len(ns) < 2:
                continue
            a, b = res[(op, ns[0])].us_per_item, res[(op, ns[-1])].us_per_item
            steps = " -> ".join(f"{res[(op, n)].us_per_item:,.1f}" for n in ns)
            flag = "  SUPER-LINEAR" if b > 2 * a else ""
            print(f"  {op:<30}{name:<9}N={ns[0]}..{ns[-1]}: {steps}  ({b / a:.2f}x){flag}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--count", type=int, help="one size N instead of 250, 500, 1000, 2000")
    parser.add_argument("--external-count", type=int, default=200, help="disk-only snapshots at N = 1000 (default 200)")
    parser.add_argument("--repeat", type=int, default=5, help="runs of each list call (median)")
    parser.add_argument("--rounds", type=int, default=2, help="whole runs; each number is the best round's")
    parser.add_argument("--no-reference", action="store_true")
    args = parser.parse_args()
    libvirt.registerErrorHandler(lambda _ctx, _err: None, None)  # errors are raised; don't print them too
    sizes = [args.count] if args.count else list(SIZES)
    if args.count:
        ext_sizes = [min(args.external_count, args.count)]
    else:  # external snapshots scale along: 50, 100, 200, 400 by default
        ext_sizes = [max(1, n * args.external_count // 1000) for n in sizes]
    tag = str(os.getpid())
    fake: Results = {}
    ref: Results | None = None
    proc, uri = start_fakevirt()
    try:
        server = Server(uri, with_files=True)
        run_internal(server, WARM_UP, 1, tag)  # first calls of each kind, not measured
        run_external(server, WARM_UP, tag)
        NOTES.clear()
        for r in range(args.rounds):
            for n in sizes:
                keep_best(fake, run_internal(server, n, args.repeat, f"{tag}r{r}"))
            for m in ext_sizes:
                keep_best(fake, run_external(server, m, f"{tag}r{r}"))
        server.close()
    finally:
        proc.send_signal(signal.SIGTERM)
        proc.wait(timeout=30)
    if not args.no_reference and reachable("127.0.0.1", 16519):
        ref = {}
        server = Server(REFERENCE_URI, with_files=False)
        try:
            run_internal(server, WARM_UP, 1, tag)
            for r in range(args.rounds):
                for n in sizes:
                    keep_best(ref, run_internal(server, n, args.repeat, f"{tag}r{r}"))
        finally:
            server.close()
    print(f"snapshots of one inactive domain, {os.cpu_count()} cores, best of {args.rounds} rounds; list calls: "
          f"median of {args.repeat}; external: fakevirt only (the test driver has no disk-only snapshots)")
    print("libvirtd: " + ("test driver, " + REFERENCE_URI if ref is not None else "not reachable, skipped"))
    report(fake, ref)
    for where, note in NOTES.items():
        print(f"note: {where}: {note}")


if __name__ == "__main__":
    main()
