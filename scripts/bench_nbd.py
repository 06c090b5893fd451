"""NBD read throughput: qemu-img convert from fakevirt's pull-backup export vs qemu-nbd on the same qcow2.

    python3 scripts/bench_nbd.py [--size-mib 1024] [--written-pct 10]

Builds a sparse qcow2 disk with the given share written, runs a pull backup in a fakevirt server
(UNIX socket), times ``qemu-img convert -O raw`` from it, then the same from ``qemu-nbd`` serving
the exported qcow2 file (when qemu-nbd is installed).
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import tempfile
import time
from pathlib import Path

import libvirt

from fakevirt.model.images.interop import export_chain
from fakevirt.testing import ThreadedServer

IMG = "/var/lib/libvirt/images/bench/vm.qcow2"
MIB = 1 << 20


def convert(uri: str, out: Path) -> float:
    t = time.perf_counter()
    subprocess.run(["qemu-img", "convert", "-f", "raw", "-O", "raw", uri, str(out)], check=True)
    return time.perf_counter() - t


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--size-mib", type=int, default=1024)
    ap.add_argument("--written-pct", type=float, default=10.0)
    args = ap.parse_args()
    size, step = args.size_mib * MIB, 64 * 1024
    nclusters = int(size // step * args.written_pct / 100)
    with tempfile.TemporaryDirectory() as tmp, ThreadedServer() as srv:
        hv = srv.hypervisor

        def setup() -> None:
            hv.images.create(IMG, "qcow2", size)
            stride = max(1, (size // step) // max(1, nclusters))
            for i in range(nclusters):
                hv.images.write(IMG, i * stride * step, os.urandom(step), force=True)

        srv.call(setup)
        conn = libvirt.open(srv.uri())
        dom = conn.defineXML(f"""<domain type='kvm'><name>bench</name><memory unit='MiB'>64</memory>
            <os><type arch='x86_64'>hvm</type></os><devices><disk type='file' device='disk'>
            <driver name='qemu' type='qcow2'/><source file='{IMG}'/><target dev='vda' bus='virtio'/></disk>
            </devices></domain>""")
        dom.create()
        sock = f"{tmp}/nbd.sock"
        dom.backupBegin(f"<domainbackup mode='pull'><server transport='unix' socket='{sock}'/></domainbackup>",
                        None, 0)
        t_fake = convert(f"nbd+unix:///vda?socket={sock}", Path(tmp) / "fake.raw")
        dom.abortJob()
        data = nclusters * step
        print(f"disk {args.size_mib} MiB, {data / MIB:.0f} MiB written")
        print(f"fakevirt NBD: {t_fake:.2f} s, {data / MIB / t_fake:.0f} MiB/s of data, "
              f"{size / MIB / t_fake:.0f} MiB/s of disk")
        qemu_nbd = shutil.which("qemu-nbd")
        if qemu_nbd is None:
            return
        qcow = srv.call(lambda: export_chain(hv.images, IMG, Path(tmp) / "exp"))[0]
        sock2 = f"{tmp}/qemu.sock"
        proc = subprocess.Popen([qemu_nbd, "-r", "-f", "qcow2", "-k", sock2, "-x", "vda", "--persistent", str(qcow)])
        try:
            deadline = time.monotonic() + 10
            while not os.path.exists(sock2) and time.monotonic() < deadline:
                time.sleep(0.05)
            t_qemu = convert(f"nbd+unix:///vda?socket={sock2}", Path(tmp) / "qemu.raw")
        finally:
            proc.terminate()
            proc.wait()
        print(f"qemu-nbd:     {t_qemu:.2f} s, {data / MIB / t_qemu:.0f} MiB/s of data, "
              f"{size / MIB / t_qemu:.0f} MiB/s of disk")
        same = (Path(tmp) / "fake.raw").read_bytes() == (Path(tmp) / "qemu.raw").read_bytes()
        print(f"identical output: {same}")


if __name__ == "__main__":
    main()
