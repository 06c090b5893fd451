"""Benchmark the in-memory image model: memory per GiB of sparse image, read/write throughput.

    python scripts/bench_images.py [--size-gib 1] [--io-mib 256]
"""

from __future__ import annotations

import argparse
import random
import time
import tracemalloc
from collections.abc import Callable

from fakevirt.model.images import ImageStore

KiB, MiB, GiB = 1024, 1024 * 1024, 1024 * 1024 * 1024


def measure(build: Callable[[], object]) -> tuple[int, object]:
    """Bytes still allocated after ``build()`` (whose result is kept alive)."""
    tracemalloc.start()
    before = tracemalloc.get_traced_memory()[0]
    keep = build()
    after = tracemalloc.get_traced_memory()[0]
    tracemalloc.stop()
    return after - before, keep


def sparse(size: int, write_size: int, fraction: float, seed: int = 1) -> Callable[[], object]:
    def build() -> object:
        rng = random.Random(seed)
        store = ImageStore()
        store.create("/b/disk.qcow2", "qcow2", size)
        slots = size // write_size
        payload = rng.randbytes(write_size)
        for slot in rng.sample(range(slots), int(slots * fraction)):
            store.write("/b/disk.qcow2", slot * write_size, payload)
        return store
    return build


def rate(label: str, nbytes: int, fn: Callable[[], object]) -> None:
    start = time.perf_counter()
    fn()
    secs = time.perf_counter() - start
    print(f"  {label:<44} {nbytes / MiB / secs:9.1f} MiB/s")


def throughput(io_bytes: int) -> None:
    store = ImageStore()
    store.create("/b/base.qcow2", "qcow2", 4 * GiB)
    block = random.Random(2).randbytes(MiB)
    path = "/b/base.qcow2"

    def seq_write() -> None:
        for off in range(0, io_bytes, MiB):
            store.write(path, off, block)

    def seq_read() -> None:
        for off in range(0, io_bytes, MiB):
            store.read(path, off, MiB)

    rng = random.Random(3)
    small = block[: 4 * KiB]
    offsets = [rng.randrange(io_bytes // (4 * KiB)) * 4 * KiB for _ in range(io_bytes // (64 * KiB))]

    def rand_write() -> None:
        for off in offsets:
            store.write(path, off, small)

    def rand_read() -> None:
        for off in offsets:
            store.read(path, off, 4 * KiB)

    print("throughput (one image, 64 KiB clusters):")
    rate(f"sequential write, 1 MiB requests ({io_bytes // MiB} MiB)", io_bytes, seq_write)
    rate("sequential read, 1 MiB requests", io_bytes, seq_read)
    rate(f"random write, 4 KiB requests ({len(offsets)} ops)", len(offsets) * 4 * KiB, rand_write)
    rate("random read, 4 KiB requests", len(offsets) * 4 * KiB, rand_read)
    store.create("/b/mid.qcow2", "qcow2", backing="base.qcow2", backing_fmt="qcow2")
    store.create("/b/top.qcow2", "qcow2", backing="mid.qcow2", backing_fmt="qcow2")
    for off in range(0, io_bytes, 8 * MiB):
        store.write("/b/top.qcow2", off, block)
    rate("sequential read through a 3-image chain", io_bytes,
         lambda: [store.read("/b/top.qcow2", off, MiB) for off in range(0, io_bytes, MiB)])
    rate("commit top into mid (qemu-img commit)", io_bytes // 8, lambda: store.commit("/b/top.qcow2"))
    rate("convert (flatten) the chain to qcow2", io_bytes,
         lambda: store.convert("/b/top.qcow2", "/b/flat.qcow2"))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size-gib", type=int, default=1)
    parser.add_argument("--io-mib", type=int, default=256)
    args = parser.parse_args()
    size = args.size_gib * GiB
    print(f"memory, {args.size_gib} GiB virtual size (tracemalloc, per GiB of virtual size):")
    for label, build in [("empty", sparse(size, 64 * KiB, 0.0)),
                         ("1% written, 64 KiB random cluster writes", sparse(size, 64 * KiB, 0.01)),
                         ("1% written, 4 KiB random writes", sparse(size, 4 * KiB, 0.01))]:
        used, store = measure(build)
        assert isinstance(store, ImageStore)
        img = store.open("/b/disk.qcow2")
        print(f"  {label:<44} {used / args.size_gib / MiB:9.2f} MiB   "
              f"({len(img.clusters)} clusters, qcow2 allocation {img.allocation / MiB:.2f} MiB)")
    throughput(args.io_mib * MiB)


if __name__ == "__main__":
    main()
