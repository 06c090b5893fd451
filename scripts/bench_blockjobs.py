#!/usr/bin/env python3
"""Benchmark block jobs on a 10 GiB sparse qcow2 disk with 1 % written: commit, pull and copy.

    python scripts/bench_blockjobs.py                      # 10 GiB, 1 %, beside the reference
    python scripts/bench_blockjobs.py --size-gib 1         # smaller
    python scripts/bench_blockjobs.py --no-reference       # fakevirt only
    python scripts/bench_blockjobs.py --jobs copy,pull     # some of: commit, active, pull, copy, shallow

Layout: base.qcow2 <- top.qcow2, 1 MiB written every 100 MiB — in top for the commits and the
copies, in base for the pull.  Jobs: ``commit`` (top into base below an extra overlay: a plain
commit), ``active`` (active commit + pivot), ``pull``, ``copy`` (full copy + pivot), ``shallow``
(shallow copy + pivot).

fakevirt: the model in this process; the job is started (planning its work over the allocated
clusters), the clock is moved to the job's due time and the engine polled, then the pivot (mirror
jobs).  Wall time of those synchronous steps, the Python heap peak (tracemalloc) and the job's
virtual time at the engine's default rate.  Reference: the same files made with qemu-img/qemu-io,
a transient QEMU (TCG) domain on the reference libvirtd, the matching ``virsh`` command with
``--wait`` (and ``--pivot``) timed, and QEMU's peak RSS (VmHWM) after it.
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import time
import tracemalloc
from dataclasses import dataclass
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))
sys.path.insert(0, str(REPO / "scripts"))

from benchlib import reachable  # noqa: E402

from fakevirt.model.blockjobs.commit import start_commit  # noqa: E402
from fakevirt.model.blockjobs.copy import CopyRequest, start_copy  # noqa: E402
from fakevirt.model.blockjobs.job import BlockJob  # noqa: E402
from fakevirt.model.blockjobs.pull import start_pull  # noqa: E402
from fakevirt.model.clock import ManualClock  # noqa: E402
from fakevirt.model.flags.blockjob import DomainBlockCommitFlags as Commit  # noqa: E402
from fakevirt.model.flags.blockjob import DomainBlockCopyFlags as Copy  # noqa: E402
from fakevirt.model.flags.blockjob import DomainBlockJobAbortFlags as Abort  # noqa: E402
from fakevirt.model.hypervisor import Hypervisor  # noqa: E402
from fakevirt.testing.domains import domain_from_xml  # noqa: E402

MIB, GIB = 1 << 20, 1 << 30
REFERENCE_URI = "qemu+tcp://127.0.0.1:16519/system"
JOBS = ("commit", "active", "pull", "copy", "shallow")
DOMAIN = """<domain type='{virt}'><name>{name}</name><memory unit='MiB'>64</memory><vcpu>1</vcpu>
<os><type arch='x86_64' machine='pc'>hvm</type></os><devices>{emulator}
<disk type='file' device='disk'><driver name='qemu' type='qcow2'/><source file='{d}/{top}'/>
<target dev='vda' bus='virtio'/></disk></devices></domain>"""


def offsets(size: int) -> list[int]:
    """1 MiB every 100 MiB: 1 % of the disk."""
    return list(range(0, size - MIB + 1, 100 * MIB))


def layout(kind: str) -> tuple[str, str]:
    """(the file the data goes into, the disk's source): a plain commit needs an overlay above top."""
    return ("base.qcow2" if kind == "pull" else "top.qcow2", "over.qcow2" if kind == "commit" else "top.qcow2")


@dataclass
class FakeResult:
    start_ms: float
    run_ms: float
    end_ms: float
    peak: int
    virtual_s: float


def fake_run(size: int, kind: str) -> FakeResult:
    clock = ManualClock()
    hv = Hypervisor(clock=clock)
    d = "/bench"
    data_file, source = layout(kind)
    hv.images.create(f"{d}/base.qcow2", "qcow2", size)
    hv.images.create(f"{d}/top.qcow2", "qcow2", None, f"{d}/base.qcow2", "qcow2")
    if kind == "commit":
        hv.images.create(f"{d}/over.qcow2", "qcow2", None, f"{d}/top.qcow2", "qcow2")
    chunk = b"\xab" * MIB
    for off in offsets(size):
        hv.images.write(f"{d}/{data_file}", off, chunk, force=True)
    drv = hv.system
    dom = drv.domains.define(domain_from_xml(DOMAIN.format(virt="kvm", name="bench", d=d, top=source, emulator=""),
                                             hv.rng))
    drv.domains.start(dom)
    tracemalloc.start()
    t0 = time.perf_counter()
    job: BlockJob
    if kind == "commit":
        job = start_commit(hv.blockjobs, drv, dom, "vda", None, f"{d}/top.qcow2", 0, 0)
    elif kind == "active":
        job = start_commit(hv.blockjobs, drv, dom, "vda", None, None, 0, Commit.ACTIVE)
    elif kind == "pull":
        job = start_pull(hv.blockjobs, drv, dom, "vda", 0, 0)
    else:
        flags = Copy.TRANSIENT_JOB | (Copy.SHALLOW if kind == "shallow" else Copy(0))
        job = start_copy(hv.blockjobs, drv, dom, "vda", CopyRequest(f"{d}/copy.qcow2", flags=flags))
    t1 = time.perf_counter()
    virtual = job.cost(0, job.end) / hv.blockjobs.rate
    due = job.due(clock.now(), hv.blockjobs.rate)
    clock.advance((due or clock.now()) - clock.now())
    hv.blockjobs.poll()
    t2 = time.perf_counter()
    if job.mirror:
        assert job.ready
        hv.blockjobs.abort(drv, dom, "vda", Abort.PIVOT)
    t3 = time.perf_counter()
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    assert hv.blockjobs.find(drv, dom, "vda") is None
    assert drv.domains.guest_read(dom, "vda", offsets(size)[-1], 1) == b"\xab"
    return FakeResult(1000 * (t1 - t0), 1000 * (t2 - t1), 1000 * (t3 - t2), peak, virtual)


def virsh(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(["virsh", "-c", REFERENCE_URI, *args], capture_output=True, text=True, check=True,
                          timeout=3600)


def qemu_hwm(name: str) -> int:
    pid = Path(f"/run/libvirt/qemu/{name}.pid").read_text().strip()
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) * 1024
    return 0


def ref_run(size: int, kind: str) -> tuple[float, int]:
    """(seconds, QEMU's peak RSS) of the same job on the reference daemon."""
    d = tempfile.mkdtemp(prefix="fvbench-bj-", dir="/var/lib/libvirt/images")
    os.chmod(d, 0o755)
    name = f"fvbench-bj-{os.getpid()}"
    data_file, source = layout(kind)
    try:
        subprocess.run(["qemu-img", "create", "-q", "-f", "qcow2", f"{d}/base.qcow2", str(size)], check=True)
        for below, above in (("base", "top"), ("top", "over")):
            if above == "top" or kind == "commit":
                subprocess.run(["qemu-img", "create", "-q", "-f", "qcow2", "-b", f"{d}/{below}.qcow2", "-F", "qcow2",
                                f"{d}/{above}.qcow2"], check=True)
        cmds = [a for off in offsets(size) for a in ("-c", f"write -P 0xab {off} 1M")]
        subprocess.run(["qemu-io", *cmds, f"{d}/{data_file}"], check=True, capture_output=True)
        xml = Path(d) / "dom.xml"
        xml.write_text(DOMAIN.format(virt="qemu", name=name, d=d, top=source,
                                     emulator="<emulator>/usr/bin/qemu-system-x86_64</emulator>"))
        virsh("create", str(xml))
        try:
            argv = {"commit": ["blockcommit", name, "vda", "--top", f"{d}/top.qcow2", "--wait"],
                    "active": ["blockcommit", name, "vda", "--active", "--wait", "--pivot"],
                    "pull": ["blockpull", name, "vda", "--wait"],
                    "copy": ["blockcopy", name, "vda", f"{d}/copy.qcow2", "--wait", "--pivot"],
                    "shallow": ["blockcopy", name, "vda", f"{d}/copy.qcow2", "--shallow", "--wait", "--pivot"]}[kind]
            t0 = time.perf_counter()
            virsh(*argv)
            return time.perf_counter() - t0, qemu_hwm(name)
        finally:
            virsh("destroy", name)
    finally:
        shutil.rmtree(d, ignore_errors=True)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--size-gib", type=float, default=10)
    ap.add_argument("--jobs", default=",".join(JOBS))
    ap.add_argument("--no-reference", action="store_true")
    args = ap.parse_args()
    size = int(args.size_gib * GIB)
    reference = not args.no_reference and shutil.which("qemu-io") is not None and reachable("127.0.0.1", 16519)
    print(f"disk {args.size_gib:g} GiB, {len(offsets(size))} MiB written (1 MiB every 100 MiB)")
    print(f"{'job':8s} {'fakevirt start':>14s} {'run':>8s} {'pivot':>8s} {'heap peak':>10s} {'virtual':>8s}"
          + ("   reference wall, QEMU peak RSS" if reference else ""))
    for kind in args.jobs.split(","):
        r = fake_run(size, kind)
        line = (f"{kind:8s} {r.start_ms:11.1f} ms {r.run_ms:5.1f} ms {r.end_ms:5.1f} ms {r.peak / MIB:6.1f} MiB"
                f" {r.virtual_s:6.3f} s")
        if reference:
            try:
                secs, hwm = ref_run(size, kind)
                line += f"   {secs:7.2f} s, {hwm / MIB:6.1f} MiB"
            except (subprocess.CalledProcessError, OSError) as e:
                line += f"   unavailable ({e})"
        print(line, flush=True)


if __name__ == "__main__":
    main()
