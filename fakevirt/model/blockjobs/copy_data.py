"""What a block copy's mirror has written into its destination, built from the source on demand.

QEMU's mirror copies the source, then keeps the destination in step with every guest write until
the job ends.  fakevirt writes the destination once, when the job ends (pivot, finish or abort):
at that moment it holds what the source shows, so no guest write needs mirroring on the way.  The
cost is the source's allocated clusters, never its virtual size.
"""

from __future__ import annotations

from ..images.chain import decide, read
from ..images.image import Image
from ..images.store import ImageStore

CHUNK = 1 << 20  # bytes read and written at a time


def work_ranges(chain: list[Image], shallow: bool) -> list[tuple[int, int]]:
    """The guest ranges the mirror must copy: the top layer's clusters (shallow) or the chain's data."""
    layers = chain[:1] if shallow else chain
    return [(a, b) for a, b, kind in decide(layers, 0, chain[0].virtual_size) if kind]


def fill(store: ImageStore, chain: list[Image], dst: Image, limit: int, *, shallow: bool, fresh: bool) -> None:
    """Write into ``dst`` what the mirror copied of ``chain`` below guest offset ``limit``.

    shallow: only the top layer's own clusters (data and zero clusters; the rest shows through the
    backing the destination shares). fresh: ``dst`` was created by the job and reads as zeros, so
    zeros need no writing (QEMU skips them too).
    """
    top = chain[0]
    size = min(limit, top.virtual_size, dst.virtual_size)
    if (fresh and size == top.virtual_size and (shallow or len(chain) == 1) and top.format == dst.format == "qcow2"
            and top.cluster_size == dst.cluster_size):
        dst.clusters = top.clusters.copy()  # shares the buffers
        return
    layers = chain[:1] if shallow else chain
    for a, b, kind in decide(layers, 0, size):
        if kind is None or (kind is False and fresh):
            continue
        if kind is False:
            store.write_zeroes(dst.path, a, b - a, force=True)
            continue
        for pos in range(a, b, CHUNK):
            n = min(CHUNK, b - pos)
            store.write(dst.path, pos, read(chain, pos, n), force=True)
