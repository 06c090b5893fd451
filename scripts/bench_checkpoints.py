#!/usr/bin/env python3
"""Benchmark domain checkpoints: fakevirt vs the reference libvirtd's QEMU driver (a real TCG
guest whose qcow2 disk gets one persistent dirty bitmap per checkpoint), same script, same run.

    python scripts/bench_checkpoints.py                 # 1,000 checkpoints
    python scripts/bench_checkpoints.py --count 200     # smaller
    python scripts/bench_checkpoints.py --no-reference  # fakevirt only

On a running domain with one 1 GiB qcow2 disk, through libvirt-python: create N checkpoints
(a chain: each one's parent is the previous), list them (listAllCheckpoints plain, TOPOLOGICAL,
LEAVES; median of 5), getXMLDesc with SIZE of 20 of them, then delete them newest first (each
delete removes one bitmap); then create N again and delete them with one CHILDREN delete of the
root.  fakevirt's memory per checkpoint is the server's RSS growth over the N creates.  The
reference domain is destroyed and undefined with its checkpoint metadata at the end.  Loopback only.
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import signal
import statistics
import subprocess
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import libvirt  # type: ignore[import-untyped]
from benchlib import reachable, start_fakevirt  # noqa: E402  (scripts/ is on sys.path)

REFERENCE_URI = "qemu+tcp://127.0.0.1:16519/system"
IMAGES = "/var/lib/libvirt/images"
DOMAIN_XML = """<domain type='qemu'><name>{name}</name><memory unit='MiB'>64</memory><vcpu>1</vcpu>
<os><type arch='x86_64' machine='pc'>hvm</type></os><devices>
<emulator>/usr/bin/qemu-system-x86_64</emulator>
<disk type='file' device='disk'><driver name='qemu' type='qcow2'/><source file='{disk}'/>
<target dev='vda' bus='virtio'/></disk></devices></domain>"""
POOL_XML = "<pool type='dir'><name>fv-bench-ckpt</name><target><path>{dir}</path></target></pool>"
VOL_XML = ("<volume><name>disk.qcow2</name><capacity unit='GiB'>1</capacity>"
           "<target><format type='qcow2'/></target></volume>")


def rss_kib(pid: int | None) -> int:
    if pid is None:
        return 0
    match = re.search(r"VmRSS:\s+(\d+) kB", Path(f"/proc/{pid}/status").read_text())
    return int(match.group(1)) if match else 0


def timed(fn: Callable[[], object]) -> float:
    t = time.perf_counter()
    fn()
    return time.perf_counter() - t


def create_chain(dom: libvirt.virDomain, n: int, prefix: str) -> list[libvirt.virDomainCheckpoint]:
    return [dom.checkpointCreateXML(f"<domaincheckpoint><name>{prefix}{i}</name></domaincheckpoint>")
            for i in range(n)]


def run(dom: libvirt.virDomain, n: int, pid: int | None) -> dict[str, float]:
    out: dict[str, float] = {}
    before = rss_kib(pid)
    chks: list[libvirt.virDomainCheckpoint] = []
    out["create"] = n / timed(lambda: chks.extend(create_chain(dom, n, "c")))
    out["kib_per_checkpoint"] = (rss_kib(pid) - before) / n if pid else float("nan")
    for label, flags in (("list", 0), ("list_topological", libvirt.VIR_DOMAIN_CHECKPOINT_LIST_TOPOLOGICAL),
                         ("list_leaves", libvirt.VIR_DOMAIN_CHECKPOINT_LIST_LEAVES)):
        out[label + "_ms"] = 1000 * statistics.median(timed(lambda f=flags: dom.listAllCheckpoints(f))
                                                      for _ in range(5))
    step = max(1, n // 20)
    picked = chks[::step]
    size = libvirt.VIR_DOMAIN_CHECKPOINT_XML_SIZE | libvirt.VIR_DOMAIN_CHECKPOINT_XML_NO_DOMAIN
    out["xml_size"] = len(picked) / timed(lambda: [c.getXMLDesc(size) for c in picked])
    out["delete"] = n / timed(lambda: [c.delete() for c in reversed(chks)])
    chks = create_chain(dom, n, "d")
    out["delete_children_s"] = timed(lambda: chks[0].delete(libvirt.VIR_DOMAIN_CHECKPOINT_DELETE_CHILDREN))
    return out


def bench_fakevirt(n: int) -> dict[str, float]:
    proc, uri = start_fakevirt()
    try:
        conn = libvirt.open(uri)
        directory = f"{IMAGES}/fv-bench-ckpt"
        pool = conn.storagePoolCreateXML(POOL_XML.format(dir=directory), libvirt.VIR_STORAGE_POOL_CREATE_WITH_BUILD)
        pool.createXML(VOL_XML, 0)
        dom = conn.defineXML(DOMAIN_XML.format(name="bench-ckpt", disk=f"{directory}/disk.qcow2"))
        dom.create()
        result = run(dom, n, proc.pid)
        conn.close()
        return result
    finally:
        proc.send_signal(signal.SIGINT)
        proc.wait(timeout=10)


def bench_reference(n: int) -> dict[str, float]:
    directory = tempfile.mkdtemp(prefix="fv-bench-ckpt-", dir=IMAGES)
    os.chmod(directory, 0o755)
    disk = f"{directory}/disk.qcow2"
    subprocess.run(["qemu-img", "create", "-q", "-f", "qcow2", disk, "1G"], check=True)
    conn = libvirt.open(REFERENCE_URI)
    name = f"fv-bench-ckpt-{os.getpid()}"
    dom = conn.defineXML(DOMAIN_XML.format(name=name, disk=disk))
    try:
        dom.create()
        return run(dom, n, None)
    finally:
        if dom.isActive():
            dom.destroy()
        dom.undefineFlags(libvirt.VIR_DOMAIN_UNDEFINE_CHECKPOINTS_METADATA)
        conn.close()
        shutil.rmtree(directory, ignore_errors=True)


ROWS = [("create", "checkpoints created /s", "{:.0f}"), ("list_ms", "listAllCheckpoints (ms)", "{:.2f}"),
        ("list_topological_ms", "  TOPOLOGICAL (ms)", "{:.2f}"), ("list_leaves_ms", "  LEAVES (ms)", "{:.2f}"),
        ("xml_size", "getXMLDesc(SIZE) /s", "{:.0f}"), ("delete", "deletes /s (newest first)", "{:.0f}"),
        ("delete_children_s", "one CHILDREN delete of all (s)", "{:.3f}"),
        ("kib_per_checkpoint", "server RSS per checkpoint (KiB)", "{:.2f}")]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--count", type=int, default=1000)
    ap.add_argument("--no-reference", action="store_true")
    args = ap.parse_args()
    fake = bench_fakevirt(args.count)
    ref = None
    if not args.no_reference and reachable("127.0.0.1", 16519) and shutil.which("qemu-img"):
        ref = bench_reference(args.count)
    print(f"{args.count} checkpoints on a running domain with one qcow2 disk\n")
    print(f"{'':34} {'fakevirt':>12} {'libvirtd+QEMU':>14}")
    for key, label, fmt in ROWS:
        theirs = fmt.format(ref[key]) if ref is not None and key in ref and ref[key] == ref[key] else "-"
        print(f"{label:34} {fmt.format(fake[key]):>12} {theirs:>14}")


if __name__ == "__main__":
    main()
