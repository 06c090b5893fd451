"""Benchmark a block copy of a 10 GiB sparse disk with 1 % written: fakevirt's model, and real QEMU.

    python scripts/bench_blockcopy.py [--size-gib 10] [--percent 1] [--reference]

fakevirt: the synchronous cost of starting the copy (planning the work over the allocated
clusters), of the pivot (writing the copy: buffers are shared, so no data is duplicated), the
memory the copy adds, and the virtual time the job takes at the engine's default rate.  With
``--reference`` the same disk is copied by the reference libvirtd's QEMU (TCG) with
``virsh blockcopy --transient-job --wait --pivot`` (wall time).
"""

from __future__ import annotations

import argparse
import os
import random
import shutil
import subprocess
import sys
import tempfile
import time
import tracemalloc
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from benchlib import reachable  # noqa: E402

from fakevirt.model.blockjobs.copy import CopyRequest, start_copy  # noqa: E402
from fakevirt.model.clock import ManualClock  # noqa: E402
from fakevirt.model.flags.blockjob import DomainBlockCopyFlags as Copy  # noqa: E402
from fakevirt.model.flags.blockjob import DomainBlockJobAbortFlags as Abort  # noqa: E402
from fakevirt.model.hypervisor import Hypervisor  # noqa: E402
from fakevirt.testing.domains import domain_from_xml  # noqa: E402

MiB, GiB = 1 << 20, 1 << 30
CLUSTER = 64 * 1024
REFERENCE_URI = "qemu+tcp://127.0.0.1:16519/system"


def domain_xml(name: str, path: str, virt: str = "kvm") -> str:
    emulator = "<emulator>/usr/bin/qemu-system-x86_64</emulator>" if virt == "qemu" else ""
    return f"""<domain type='{virt}'><name>{name}</name><memory unit='MiB'>64</memory><vcpu>1</vcpu>
<os><type arch='x86_64' machine='pc'>hvm</type></os><devices>{emulator}
<disk type='file' device='disk'><driver name='qemu' type='qcow2'/><source file='{path}'/>
<target dev='vda' bus='virtio'/></disk></devices></domain>"""


def written_clusters(size: int, percent: float, seed: int = 1) -> list[int]:
    rng = random.Random(seed)
    slots = size // CLUSTER
    return sorted(rng.sample(range(slots), int(slots * percent / 100)))


def bench_fakevirt(size: int, percent: float) -> None:
    clock = ManualClock()
    hv = Hypervisor(clock=clock)
    path = "/var/lib/libvirt/images/bench.qcow2"
    hv.images.create(path, "qcow2", size)
    payload = random.Random(2).randbytes(CLUSTER)
    clusters = written_clusters(size, percent)
    for idx in clusters:
        hv.images.write(path, idx * CLUSTER, payload)
    drv = hv.system
    dom = drv.domains.define(domain_from_xml(domain_xml("bench", path), hv.rng))
    drv.domains.start(dom)
    data = len(clusters) * CLUSTER
    print(f"fakevirt: {size / GiB:.0f} GiB qcow2, {len(clusters)} clusters written ({data / MiB:.0f} MiB)")

    tracemalloc.start()
    before = tracemalloc.get_traced_memory()[0]
    t0 = time.perf_counter()
    job = start_copy(hv.blockjobs, drv, dom, "vda", CopyRequest(f"{path}.copy", flags=Copy.TRANSIENT_JOB))
    t1 = time.perf_counter()
    virtual = job.due(clock.now(), hv.blockjobs.rate)
    assert virtual is not None
    clock.advance(virtual - clock.now())
    hv.blockjobs.poll()
    assert job.ready
    t2 = time.perf_counter()
    hv.blockjobs.abort(drv, dom, "vda", Abort.PIVOT)
    t3 = time.perf_counter()
    after = tracemalloc.get_traced_memory()[0]
    tracemalloc.stop()
    assert hv.images.compare(f"{path}.copy", path) is None
    print(f"  start (plan the work)       {1000 * (t1 - t0):8.1f} ms")
    print(f"  run to ready (engine poll)  {1000 * (t2 - t1):8.1f} ms")
    print(f"  pivot (write the copy)      {1000 * (t3 - t2):8.1f} ms")
    print(f"  memory added by the copy    {(after - before) / MiB:8.2f} MiB")
    print(f"  virtual job time            {job.cost(0, job.end) / hv.blockjobs.rate:8.3f} s "
          f"at {hv.blockjobs.rate / MiB:.0f} MiB/s")


def bench_reference(size: int, percent: float) -> None:
    if not reachable("127.0.0.1", 16519) or shutil.which("qemu-io") is None:
        print("reference: not reachable (../shared/reference-libvirtd.sh), skipped")
        return
    root = Path("/var/lib/libvirt/images")
    images = tempfile.mkdtemp(prefix="bench-copy-", dir=root)
    os.chmod(images, 0o755)
    name = f"bench-copy-{os.getpid()}"
    path = f"{images}/bench.qcow2"

    def virsh(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(["virsh", "-c", REFERENCE_URI, *args], capture_output=True, text=True, timeout=3600)

    try:
        subprocess.run(["qemu-img", "create", "-q", "-f", "qcow2", path, str(size)], check=True)
        cmds = [a for idx in written_clusters(size, percent) for a in ("-c", f"write -P 0x5a {idx * CLUSTER} 64k")]
        for i in range(0, len(cmds), 2000):
            subprocess.run(["qemu-io", "-f", "qcow2", *cmds[i:i + 2000], path], check=True, capture_output=True)
        (Path(images) / "d.xml").write_text(domain_xml(name, path, "qemu"))
        assert virsh("define", f"{images}/d.xml").returncode == 0
        assert virsh("start", name).returncode == 0
        t0 = time.perf_counter()
        r = virsh("blockcopy", name, "vda", f"{path}.copy", "--transient-job", "--wait", "--pivot")
        secs = time.perf_counter() - t0
        assert r.returncode == 0, r.stderr
        print(f"reference QEMU (TCG): virsh blockcopy --wait --pivot {secs:.2f} s")
    finally:
        virsh("destroy", name)
        virsh("undefine", name)
        shutil.rmtree(images, ignore_errors=True)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--size-gib", type=float, default=10)
    ap.add_argument("--percent", type=float, default=1)
    ap.add_argument("--reference", action="store_true")
    args = ap.parse_args()
    size = int(args.size_gib * GiB)
    bench_fakevirt(size, args.percent)
    if args.reference:
        bench_reference(size, args.percent)


if __name__ == "__main__":
    main()
