#!/usr/bin/env python3
"""Upload/download throughput through virsh: fakevirt vs the reference libvirtd's QEMU driver.

    python scripts/bench_storage.py             # 64 MiB
    python scripts/bench_storage.py --mib 256
    python scripts/bench_storage.py --no-reference

Creates a dir pool and a raw volume on each server, times `virsh vol-upload` and
`virsh vol-download` of the same random file (median of 3), checks the bytes came back identical,
and cleans up. Loopback only.

Then the cost of volume files in the image model, in process: a qcow2 file of --mib MiB of data
(qemu-img create + qemu-io write) is imported as an upload's end does it (probe, parse header,
L1/L2 and refcounts into clusters: the one synchronous step of an upload, at its finish) and
exported as a download does it once the guest changed the image (qcow2 layout, then the pieces
streamed), per MiB.
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
REFERENCE_URI = "qemu+tcp://127.0.0.1:16519/system"


def virsh(uri: str, *args: str) -> str:
    p = subprocess.run(["virsh", "-c", uri, *args], capture_output=True, text=True, timeout=600)
    if p.returncode:
        raise SystemExit(f"virsh {' '.join(args)}: {p.stderr.strip()}")
    return p.stdout


def timed(uri: str, *args: str) -> float:
    t = time.perf_counter()
    virsh(uri, *args)
    return time.perf_counter() - t


def run(uri: str, pool_dir: str, data: Path, mib: int) -> tuple[float, float]:
    pool, vol = "fv-bench-pool", "fv-bench.raw"
    virsh(uri, "pool-define-as", pool, "dir", "--target", pool_dir)
    try:
        virsh(uri, "pool-build", pool)
        virsh(uri, "pool-start", pool)
        virsh(uri, "vol-create-as", pool, vol, f"{mib}M", "--format", "raw")
        out = data.with_suffix(".down")
        ups, downs = [], []
        for _ in range(3):
            ups.append(timed(uri, "vol-upload", "--pool", pool, vol, str(data)))
            downs.append(timed(uri, "vol-download", "--pool", pool, vol, str(out)))
            if out.read_bytes() != data.read_bytes():
                raise SystemExit(f"{uri}: downloaded bytes differ from the upload")
        virsh(uri, "vol-delete", "--pool", pool, vol)
        return mib / statistics.median(ups), mib / statistics.median(downs)
    finally:
        subprocess.run(["virsh", "-c", uri, "pool-destroy", pool], capture_output=True)
        subprocess.run(["virsh", "-c", uri, "pool-undefine", pool], capture_output=True)


def model_cost(mib: int, work: Path) -> tuple[float, float]:
    """Milliseconds per MiB of data to import a qcow2 file into the model, and to export it."""
    sys.path.insert(0, str(REPO))
    from fakevirt.model.images import chain, formats
    from fakevirt.model.images.image import RAW_CHUNK, Image

    f = work / "cost.qcow2"
    subprocess.run(["qemu-img", "create", "-q", "-f", "qcow2", str(f), f"{mib + 1}M"], check=True)
    subprocess.run(["qemu-io", "-c", f"write -P 0x5a 0 {mib}M", str(f)], check=True, capture_output=True)
    data = f.read_bytes()
    raw = Image("/bench/cost.qcow2", "raw", len(data), RAW_CHUNK)
    for off in range(0, len(data), 1 << 18):  # what the upload's stream packets write
        chain.write([raw], off, data[off:off + (1 << 18)])
    start = time.perf_counter()
    img = formats.interpret(raw)
    imported = time.perf_counter() - start
    assert img.format == "qcow2" and chain.read([img], 0, 4) == b"\x5a" * 4
    chain.write([img], 0, b"guest")  # the upload's bytes are no longer the file
    start = time.perf_counter()
    size = sum(p if isinstance(p, int) else len(p) for p in formats.pieces(formats.file_of(img), 0, 1 << 62, 1 << 20))
    exported = time.perf_counter() - start
    assert size >= mib << 20
    return imported * 1000 / mib, exported * 1000 / mib


def reachable() -> bool:
    try:
        with socket.create_connection(("127.0.0.1", 16519), timeout=0.5):
            return True
    except OSError:
        return False


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--mib", type=int, default=64)
    parser.add_argument("--no-reference", action="store_true")
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="fv-bench-"))
    data = work / "data.bin"
    data.write_bytes(os.urandom(args.mib << 20))
    results: dict[str, tuple[float, float]] = {}
    proc = subprocess.Popen([sys.executable, "-m", "fakevirt", "serve", "--listen", "tcp://127.0.0.1:0",
                             "--log-level", "warning"], cwd=REPO, stdout=subprocess.PIPE, text=True)
    try:
        assert proc.stdout is not None
        uri = re.search(r"virsh -c '([^']+)'", proc.stdout.readline())
        assert uri is not None
        results["fakevirt"] = run(uri.group(1), "/var/lib/libvirt/images/fv-bench", data, args.mib)
    finally:
        proc.send_signal(signal.SIGTERM)
        proc.wait(timeout=30)
    if not args.no_reference and reachable():
        pool_dir = work / "ref-pool"
        results["libvirtd qemu"] = run(REFERENCE_URI, str(pool_dir), data, args.mib)
    imp, exp = model_cost(args.mib, work) if shutil.which("qemu-io") else (float("nan"), float("nan"))
    shutil.rmtree(work, ignore_errors=True)
    print(f"{args.mib} MiB through virsh vol-upload / vol-download (median of 3)")
    print(f"{'server':<16}{'upload MiB/s':>14}{'download MiB/s':>16}")
    for name, (up, down) in results.items():
        print(f"{name:<16}{up:>14.0f}{down:>16.0f}")
    print(f"qcow2 file of {args.mib} MiB of data in the image model: import {imp:.2f} ms/MiB "
          f"(at the upload's finish), export {exp:.2f} ms/MiB (layout + pieces of a changed image)")


if __name__ == "__main__":
    main()
