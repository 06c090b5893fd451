"""virConnectGetAllDomainStats over N running domains with every group: fakevirt beside libvirtd's test driver.

    python3 -m scripts.bench_domstats [--domains 1000] [--reference test+tcp://127.0.0.1:16519/default]

Both sides get N transient domains started through libvirt-python (createXML), then one timed call of
getAllDomainStats(0, 0) (every group) by libvirt-python; the reference's domains are destroyed afterwards.
"""

from __future__ import annotations

import argparse
import time

import libvirt

from fakevirt.testing import ThreadedServer


def xml(name: str) -> str:
    return (f"<domain type='{'test' if name.startswith('bench-t') else 'qemu'}'><name>{name}</name><memory>65536</memory>"
            "<vcpu>1</vcpu><os><type arch='x86_64'>hvm</type></os><devices>"
            "<interface type='ethernet'><model type='virtio'/></interface></devices></domain>")


def timed(uri: str, prefix: str, n: int) -> tuple[float, int, int]:
    conn = libvirt.open(uri)
    doms = [conn.createXML(xml(f"{prefix}{i}"), 0) for i in range(n)]
    try:
        start = time.perf_counter()
        records = conn.getAllDomainStats(0, 0)
        elapsed = time.perf_counter() - start
        return elapsed, len(records), sum(len(s) for _, s in records)
    finally:
        for d in doms:
            d.destroy()
        conn.close()


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--domains", type=int, default=1000)
    ap.add_argument("--reference", default="test+tcp://127.0.0.1:16519/default")
    a = ap.parse_args()
    with ThreadedServer() as server:
        t, recs, fields = timed(server.uri(), "bench-q", a.domains)
    print(f"fakevirt          : {t * 1000:8.1f} ms  {recs} records, {fields} fields")
    try:
        t, recs, fields = timed(a.reference, "bench-t", a.domains)
        print(f"libvirtd test drv : {t * 1000:8.1f} ms  {recs} records, {fields} fields")
    except libvirt.libvirtError as e:
        print(f"libvirtd test drv : unavailable ({e.get_error_message()})")


if __name__ == "__main__":
    main()
