"""NBD read throughput of a pull backup's export: fakevirt beside qemu-nbd and the reference's QEMU.

    python3 scripts/bench_nbd.py [--size-mib 1024] [--written-pct 10] [--reference]

Builds a sparse qcow2 disk with the given share written (64 KiB clusters spread evenly), runs a
pull backup in a fakevirt server (UNIX socket) and times ``qemu-img convert -O raw`` and
``nbdcopy`` from it; then the same from ``qemu-nbd`` serving the same qcow2 file, and with
``--reference`` from a pull backup of a TCG domain of the reference libvirtd (127.0.0.1:16519)
whose disk is that file.  Every copy is checked to be identical to fakevirt's.
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import libvirt  # noqa: E402

from fakevirt.model.images.interop import export_chain  # noqa: E402
from fakevirt.testing import ThreadedServer  # noqa: E402

IMG = "/var/lib/libvirt/images/bench/vm.qcow2"
REF_DIR = "/var/lib/libvirt/images/fakevirt-benchnbd"
REFERENCE_URI = "qemu+tcp://127.0.0.1:16519/system"
MIB = 1 << 20


def domain_xml(kind: str, path: str) -> str:
    return f"""<domain type='{kind}'><name>fakevirt-benchnbd</name><memory unit='MiB'>64</memory><vcpu>1</vcpu>
        <os><type arch='x86_64'>hvm</type></os><devices><disk type='file' device='disk'>
        <driver name='qemu' type='qcow2'/><source file='{path}'/><target dev='vda' bus='virtio'/></disk>
        </devices></domain>"""


def timed(cmd: list[str]) -> float:
    t = time.perf_counter()
    subprocess.run(cmd, check=True, capture_output=True)
    return time.perf_counter() - t


def measure(name: str, uri: str, out: Path, data: int, size: int, first: Path | None) -> None:
    """qemu-img convert and nbdcopy from ``uri``; each output compared with ``first``'s."""
    runs = [("qemu-img convert", ["qemu-img", "convert", "-f", "raw", "-O", "raw", uri, str(out)])]
    if shutil.which("nbdcopy"):
        runs.append(("nbdcopy", ["nbdcopy", uri, str(out)]))
    for tool, cmd in runs:
        out.unlink(missing_ok=True)
        t = timed(cmd)
        same = "" if first is None else f", identical: {subprocess.run(['cmp', '-s', first, out]).returncode == 0}"
        print(f"{name:9} {tool:16} {t:6.2f} s {data / MIB / t:7.0f} MiB/s of data {size / MIB / t:7.0f} MiB/s of disk"
              + same)


def wait_for(check: Callable[[], bool]) -> None:
    deadline = time.monotonic() + 10
    while not check() and time.monotonic() < deadline:
        time.sleep(0.05)


def reference(qcow: Path, tmp: Path, data: int, size: int, first: Path) -> None:
    """A pull backup of a TCG domain of the reference libvirtd whose disk is ``qcow``."""
    conn = libvirt.open(REFERENCE_URI)
    os.makedirs(REF_DIR, exist_ok=True)
    disk = f"{REF_DIR}/vm.qcow2"
    shutil.copy(qcow, disk)
    dom = conn.defineXML(domain_xml("qemu", disk))
    try:
        dom.create()
        port = 10890
        dom.backupBegin(f"<domainbackup mode='pull'><server transport='tcp' name='127.0.0.1' port='{port}'/>"
                        "</domainbackup>", None, 0)
        measure("reference", f"nbd://127.0.0.1:{port}/vda", tmp / "ref.raw", data, size, first)
        dom.abortJob()
    finally:
        if dom.isActive():
            dom.destroy()
        dom.undefine()
        conn.close()
        shutil.rmtree(REF_DIR, ignore_errors=True)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--size-mib", type=int, default=1024)
    ap.add_argument("--written-pct", type=float, default=10.0)
    ap.add_argument("--reference", action="store_true", help="also a pull backup of the reference's QEMU")
    args = ap.parse_args()
    size, step = args.size_mib * MIB, 64 * 1024
    nclusters = int(size // step * args.written_pct / 100)
    data = nclusters * step
    with tempfile.TemporaryDirectory() as name, ThreadedServer() as srv:
        tmp, hv = Path(name), srv.hypervisor

        def setup() -> None:
            hv.images.create(IMG, "qcow2", size)
            stride = max(1, (size // step) // max(1, nclusters))
            for i in range(nclusters):
                hv.images.write(IMG, i * stride * step, os.urandom(step), force=True)

        srv.call(setup)
        print(f"disk {args.size_mib} MiB, {data / MIB:.0f} MiB written")
        conn = libvirt.open(srv.uri())
        dom = conn.defineXML(domain_xml("kvm", IMG))
        dom.create()
        sock = tmp / "nbd.sock"
        dom.backupBegin(f"<domainbackup mode='pull'><server transport='unix' socket='{sock}'/></domainbackup>",
                        None, 0)
        first = tmp / "fake.raw"
        measure("fakevirt", f"nbd+unix:///vda?socket={sock}", first, data, size, None)
        dom.abortJob()
        qcow = srv.call(lambda: export_chain(hv.images, IMG, tmp / "exp"))[0]
        qemu_nbd = shutil.which("qemu-nbd")
        if qemu_nbd is not None:
            sock2 = tmp / "qemu.sock"
            proc = subprocess.Popen([qemu_nbd, "-r", "-f", "qcow2", "-k", str(sock2), "-x", "vda", "--persistent",
                                     str(qcow)])
            try:
                wait_for(sock2.exists)
                measure("qemu-nbd", f"nbd+unix:///vda?socket={sock2}", tmp / "qemu.raw", data, size, first)
            finally:
                proc.terminate()
                proc.wait()
        if args.reference:
            reference(qcow, tmp, data, size, first)


if __name__ == "__main__":
    main()
