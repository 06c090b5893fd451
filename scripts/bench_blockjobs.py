#!/usr/bin/env python3
"""Benchmark block jobs: active commit + pivot and pull of a 10 GiB sparse qcow2 disk with 1 % written.

    python scripts/bench_blockjobs.py                 # 10 GiB, 1 %
    python scripts/bench_blockjobs.py --size-gib 1    # smaller
    python scripts/bench_blockjobs.py --no-reference  # fakevirt only

fakevirt: the model in this process (the job is finished at once: what is measured is the data work
of the commit/pull and the pivot, not the simulated pacing); time and Python heap peak
(tracemalloc) per job.  Reference: the same files made with qemu-img/qemu-io, a real QEMU (TCG)
domain on the reference libvirtd, `virsh blockcommit --active --wait --pivot` and
`virsh blockpull --wait` timed, and QEMU's peak RSS (VmHWM) after each.  The layout: 1 MiB written
every 100 MiB, in the overlay (commit) or in the base (pull).
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import time
import tracemalloc
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from fakevirt.model.blockjobs.commit import start_commit  # noqa: E402
from fakevirt.model.blockjobs.pull import start_pull  # noqa: E402
from fakevirt.model.clock import ManualClock  # noqa: E402
from fakevirt.model.flags.blockjob import DomainBlockCommitFlags, DomainBlockJobAbortFlags  # noqa: E402
from fakevirt.model.hypervisor import Hypervisor  # noqa: E402
from fakevirt.testing.domains import domain_from_xml  # noqa: E402

MIB, GIB = 1 << 20, 1 << 30
REFERENCE_URI = "qemu+tcp://127.0.0.1:16519/system"
DOMAIN = """<domain type='{virt}'><name>{name}</name><memory unit='MiB'>64</memory><vcpu>1</vcpu>
<os><type arch='x86_64'>hvm</type></os><devices>
<disk type='file' device='disk'><driver name='qemu' type='qcow2'/><source file='{d}/top.qcow2'/>
<target dev='vda' bus='virtio'/></disk><graphics type='vnc'/></devices></domain>"""


def offsets(size: int) -> list[int]:
    """1 MiB every 100 MiB: 1 % of the disk."""
    return list(range(0, size - MIB + 1, 100 * MIB))


def fake_run(size: int, kind: str) -> tuple[float, int, int]:
    """(seconds, heap peak bytes, bytes written) of one job in the fakevirt model."""
    hv = Hypervisor(clock=ManualClock())
    d = "/bench"
    hv.images.create(f"{d}/base.qcow2", "qcow2", size)
    hv.images.create(f"{d}/top.qcow2", "qcow2", None, f"{d}/base.qcow2", "qcow2")
    chunk = b"\xab" * MIB
    layer = f"{d}/top.qcow2" if kind == "commit" else f"{d}/base.qcow2"
    for off in offsets(size):
        hv.images.write(layer, off, chunk, force=True)
    drv = hv.system
    dom = drv.domains.define(domain_from_xml(DOMAIN.format(virt="kvm", name="bench", d=d), hv.rng))
    drv.domains.start(dom)
    tracemalloc.start()
    t0 = time.perf_counter()
    if kind == "commit":
        job = start_commit(hv.blockjobs, drv, dom, "vda", None, None, 0, DomainBlockCommitFlags.ACTIVE)
        hv.blockjobs.finish(job)
        hv.blockjobs.abort(drv, dom, "vda", DomainBlockJobAbortFlags.PIVOT)
    else:
        job = start_pull(hv.blockjobs, drv, dom, "vda", 0, 0)
        hv.blockjobs.finish(job)
    elapsed = time.perf_counter() - t0
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    assert hv.blockjobs.find(drv, dom, "vda") is None
    assert drv.domains.guest_read(dom, "vda", offsets(size)[-1], 1) == b"\xab"
    return elapsed, peak, len(offsets(size)) * MIB


def virsh(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(["virsh", "-c", REFERENCE_URI, *args], capture_output=True, text=True, check=True)


def qemu_hwm(name: str) -> int:
    pid = Path(f"/run/libvirt/qemu/{name}.pid").read_text().strip()
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) * 1024
    return 0


def ref_run(size: int, kind: str) -> tuple[float, int]:
    """(seconds, QEMU's peak RSS) of the same job on the reference daemon."""
    d = f"/var/lib/libvirt/images/fvbench-bj-{os.getpid()}"
    name = f"fvbench-bj-{os.getpid()}"
    Path(d).mkdir(parents=True, exist_ok=True)
    try:
        subprocess.run(["qemu-img", "create", "-q", "-f", "qcow2", f"{d}/base.qcow2", str(size)], check=True)
        subprocess.run(["qemu-img", "create", "-q", "-f", "qcow2", "-b", f"{d}/base.qcow2", "-F", "qcow2",
                        f"{d}/top.qcow2"], check=True)
        layer = f"{d}/top.qcow2" if kind == "commit" else f"{d}/base.qcow2"
        cmds = [a for off in offsets(size) for a in ("-c", f"write -P 0xab {off} 1M")]
        subprocess.run(["qemu-io", *cmds, layer], check=True, capture_output=True)
        for f in Path(d).iterdir():
            f.chmod(0o666)
        xml = Path(d) / "dom.xml"
        xml.write_text(DOMAIN.format(virt="qemu", name=name, d=d))
        virsh("create", str(xml))
        try:
            t0 = time.perf_counter()
            if kind == "commit":
                virsh("blockcommit", name, "vda", "--active", "--wait", "--pivot")
            else:
                virsh("blockpull", name, "vda", "--wait")
            elapsed = time.perf_counter() - t0
            return elapsed, qemu_hwm(name)
        finally:
            virsh("destroy", name)
    finally:
        shutil.rmtree(d, ignore_errors=True)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--size-gib", type=float, default=10)
    ap.add_argument("--no-reference", action="store_true")
    args = ap.parse_args()
    size = int(args.size_gib * GIB)
    print(f"disk {args.size_gib:g} GiB, {len(offsets(size))} MiB written (1 MiB every 100 MiB)")
    for kind in ("commit", "pull"):
        secs, peak, data = fake_run(size, kind)
        line = f"{kind:6s}  fakevirt: {secs * 1000:8.1f} ms, heap peak {peak / MIB:6.1f} MiB ({data // MIB} MiB data)"
        if not args.no_reference and shutil.which("qemu-img"):
            try:
                rsecs, hwm = ref_run(size, kind)
                line += f"   reference QEMU: {rsecs * 1000:8.1f} ms, qemu peak RSS {hwm / MIB:6.1f} MiB"
            except (subprocess.CalledProcessError, OSError) as e:
                line += f"   reference: unavailable ({e})"
        print(line)


if __name__ == "__main__":
    main()
