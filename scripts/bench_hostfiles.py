"""What --host-files costs: opening real images on first use, and reading their clusters.

    python3 -m scripts.bench_hostfiles [--data-mib 256] [--files 200]

Makes, with qemu-img/qemu-io in a temporary directory: a 16 GiB qcow2 with DATA MiB written in
1 MiB pieces spread over the disk, a zlib-compressed copy of it, a raw file with the same data,
and FILES small qcow2 files.  Prints, per image: the cost of the first use (header and tables: what
a pool refresh or a domain start pays), of reading every byte the first time (copy-on-read from
the file) and again (from memory), in ms per MiB of data; and the time of a pool-like listing
that opens FILES images.  The bytes read from the host are counted, to show the laziness.
"""

from __future__ import annotations

import argparse
import subprocess
import tempfile
import time
from pathlib import Path

from fakevirt.hostfiles import HostFiles
from fakevirt.model.images import ImageStore

MiB = 1 << 20
GiB = 1 << 30


class Counting(HostFiles):
    """HostFiles that counts what it reads."""

    def __init__(self, roots: list[str]) -> None:
        super().__init__(roots)
        self.bytes_read = 0

    def read(self, path: str, offset: int, length: int) -> bytes:
        data = super().read(path, offset, length)
        self.bytes_read += len(data)
        return data


def make(d: Path, data_mib: int, files: int) -> None:
    qcow = d / "disk.qcow2"
    subprocess.run(["qemu-img", "create", "-q", "-f", "qcow2", str(qcow), "16G"], check=True)
    stride = 16 * GiB // data_mib
    cmds = [a for i in range(data_mib) for a in ("-c", f"write -P {i % 251 + 1} {i * stride} 1M")]
    subprocess.run(["qemu-io", "-f", "qcow2", *cmds, str(qcow)], check=True, capture_output=True)
    subprocess.run(["qemu-img", "convert", "-c", "-O", "qcow2", str(qcow), str(d / "packed.qcow2")], check=True)
    subprocess.run(["qemu-img", "convert", "-O", "raw", "-S", "4k", str(qcow), str(d / "disk.raw")], check=True)
    many = d / "many"
    many.mkdir()
    for i in range(files):
        subprocess.run(["qemu-img", "create", "-q", "-f", "qcow2", str(many / f"v{i}.qcow2"), "10G"], check=True)


def bench_image(d: Path, name: str, data_mib: int) -> str:
    host = Counting([str(d)])
    store = ImageStore(host=host)
    path = str(d / name)
    t0 = time.perf_counter()
    img = store.open(path)
    opened = time.perf_counter() - t0
    meta = host.bytes_read
    stride = img.virtual_size // data_mib
    t0 = time.perf_counter()
    for i in range(data_mib):  # every written MiB, as a guest reading its data would
        store.read(path, i * stride, MiB)
    cold = time.perf_counter() - t0
    t0 = time.perf_counter()
    for i in range(data_mib):
        store.read(path, i * stride, MiB)
    warm = time.perf_counter() - t0
    return (f"{name:14} first use {opened * 1000:7.2f} ms ({meta:>8} B read)   "
            f"first read {cold * 1000 / data_mib:6.2f} ms/MiB   again {warm * 1000 / data_mib:6.2f} ms/MiB   "
            f"(16 GiB disk, {data_mib} MiB data, {host.bytes_read / MiB:.0f} MiB read from the file)")


def bench_listing(d: Path, files: int) -> str:
    host = Counting([str(d)])
    store = ImageStore(host=host)
    t0 = time.perf_counter()
    paths = store.listdir(str(d / "many"))
    sizes = [store.open(p).allocation for p in paths]
    elapsed = time.perf_counter() - t0
    assert len(sizes) == files
    return (f"listing + first use of {files} qcow2 files: {elapsed * 1000:.1f} ms "
            f"({elapsed * 1e6 / files:.0f} µs per file, {host.bytes_read // files} B read per file)")


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--data-mib", type=int, default=256)
    ap.add_argument("--files", type=int, default=200)
    args = ap.parse_args()
    with tempfile.TemporaryDirectory(prefix="fv-bench-hostfiles-") as tmp:
        d = Path(tmp)
        make(d, args.data_mib, args.files)
        for name in ("disk.qcow2", "packed.qcow2", "disk.raw"):
            print(bench_image(d, name, args.data_mib))
        print(bench_listing(d, args.files))



if __name__ == "__main__":
    main()
