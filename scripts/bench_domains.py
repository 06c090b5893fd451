#!/usr/bin/env python3
"""Benchmark domain definition and listing: fakevirt vs libvirtd's test driver, same script, same run.

    python scripts/bench_domains.py                 # 10,000 domains
    python scripts/bench_domains.py --count 1000    # smaller
    python scripts/bench_domains.py --no-reference  # fakevirt only

Measures define/s (virDomainDefineXML through libvirt-python), the time of one
listAllDomains() over all of them (median of 5), and fakevirt's memory per defined domain
(the server process's RSS growth divided by the count). Loopback only; it starts and stops its
own fakevirt and undefines what it defined on the reference daemon.
"""

from __future__ import annotations

import argparse
import os
import re
import signal
import statistics
import subprocess
import time
from pathlib import Path

import libvirt  # type: ignore[import-untyped]
from benchlib import reachable, start_fakevirt  # noqa: E402  (scripts/ is on sys.path)

REPO = Path(__file__).resolve().parents[1]
REFERENCE_URI = "test+tcp://127.0.0.1:16519/default"
XML = """<domain type='kvm'>
  <name>bench-{n}</name>
  <memory unit='MiB'>64</memory>
  <vcpu>1</vcpu>
  <os><type arch='x86_64'>hvm</type></os>
  <devices>
    <disk type='file' device='disk'><source file='/var/lib/libvirt/images/bench-{n}.qcow2'/>
      <driver name='qemu' type='qcow2'/><target dev='vda' bus='virtio'/></disk>
    <interface type='network'><source network='default'/><model type='virtio'/></interface>
  </devices>
</domain>
"""


def rss_kib(pid: int) -> int:
    text = Path(f"/proc/{pid}/status").read_text()
    match = re.search(r"VmRSS:\s+(\d+) kB", text)
    return int(match.group(1)) if match else 0


def run(uri: str, count: int, pid: int | None) -> dict[str, float]:
    conn = libvirt.open(uri)
    before = rss_kib(pid) if pid else 0
    t0 = time.perf_counter()
    doms = [conn.defineXML(XML.format(n=n)) for n in range(count)]
    define_s = time.perf_counter() - t0
    after = rss_kib(pid) if pid else 0
    times = []
    for _ in range(5):
        t = time.perf_counter()
        listed = conn.listAllDomains(0)
        times.append(time.perf_counter() - t)
    assert len(listed) >= count
    for dom in doms:
        dom.undefine()
    conn.close()
    return {"define_per_s": count / define_s, "list_s": statistics.median(times),
            "kib_per_domain": (after - before) / count if pid else float("nan")}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--count", type=int, default=10_000)
    parser.add_argument("--no-reference", action="store_true")
    args = parser.parse_args()
    results: dict[str, dict[str, float]] = {}
    proc, uri = start_fakevirt()
    try:
        results["fakevirt"] = run(uri, args.count, proc.pid)
    finally:
        proc.send_signal(signal.SIGTERM)
        proc.wait(timeout=30)
    if not args.no_reference and reachable("127.0.0.1", 16519):
        pids = subprocess.run(["pgrep", "-x", "libvirtd"], capture_output=True, text=True).stdout.split()
        results["libvirtd test"] = run(REFERENCE_URI, args.count, int(pids[0]) if pids else None)
    print(f"{args.count} domains, {os.cpu_count()} cores")
    print(f"{'server':<16}{'define/s':>12}{'listAll (s)':>14}{'KiB/domain':>12}")
    for name, r in results.items():
        print(f"{name:<16}{r['define_per_s']:>12.0f}{r['list_s']:>14.3f}{r['kib_per_domain']:>12.1f}")


if __name__ == "__main__":
    main()
