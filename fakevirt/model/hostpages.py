"""virNodeGetFreePages and virNodeAllocPages: the host's page pools per NUMA cell.

Cell -1 is the whole host (libvirt's NUMA-agnostic sysfs files); huge pages are taken from, and
given back to, the cell's free memory, and a pool cannot grow past what is free (the kernel then
allocates what it can, and libvirt reports the shortfall).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable

from ..errors import VirtError
from ..errors import node as errors
from .host import SYSTEM_PAGE_KIB, HostInfo, NumaCell

WHOLE_HOST = -1


def _cells_in_range(host: HostInfo, start_cell: int, cell_count: int) -> range:
    """virHostMemGetFreePages' loop: from start_cell to the last cell, at most cell_count of them."""
    last = host.numa_nodes - 1
    if start_cell > last:
        raise errors.start_cell_out_of_range(start_cell, last)
    return range(start_cell, min(last, start_cell + cell_count - 1) + 1)


def _pools(host: HostInfo, cell: int) -> dict[int, int]:
    """Huge page counts by size (KiB) of one cell, or summed over the host for cell -1."""
    cells = host.cells()
    if cell == WHOLE_HOST:
        total: dict[int, int] = {}
        for c in cells:
            for size, count in c.hugepages:
                total[size] = total.get(size, 0) + count
        return total
    if cell < 0 or cell >= len(cells):
        raise errors.numa_node_unavailable(cell)
    return dict(cells[cell].hugepages)


def free_pages(host: HostInfo, sizes: list[int], start_cell: int, cell_count: int) -> list[int]:
    """Free pages per (cell, size), cell-major; sizes in KiB.  No guest uses huge pages, so all are free."""
    counts = []
    cells = host.cells()
    for cell in _cells_in_range(host, start_cell, cell_count):
        for size in sizes:
            if size == SYSTEM_PAGE_KIB:
                counts.append(_free_system_pages(cells, cell))
                continue
            pools = _pools(host, cell)
            if size not in pools:
                raise errors.page_size_unavailable(size, cell)
            counts.append(pools[size])
    return counts


def _free_system_pages(cells: tuple[NumaCell, ...], cell: int) -> int:
    if cell == WHOLE_HOST:
        return sum(c.free_kib for c in cells) // SYSTEM_PAGE_KIB
    if cell < 0:
        raise VirtError.cause_unknown()  # numa_node_size64() fails silently for such a node
    return cells[cell].free_kib // SYSTEM_PAGE_KIB


def alloc_pages(host: HostInfo, sizes: list[int], counts: list[int], start_cell: int, cell_count: int,
                add: bool, commit: Callable[[HostInfo], None]) -> int:
    """Set (or grow, with ``add``) the pools; returns how many (cell, size) pools were handled.

    Every resized pool is passed to ``commit`` at once: a failure part-way keeps the pools changed
    before it (and a partial allocation), as libvirt's sysfs writes do.
    """
    done = 0
    for cell in _cells_in_range(host, start_cell, cell_count):
        for size, count in zip(sizes, counts, strict=True):
            if size == SYSTEM_PAGE_KIB:
                raise errors.system_pages_pool()
            pools = _pools(host, cell)
            if size not in pools:
                raise errors.page_size_unavailable(size, cell)
            current = pools[size]
            target = current + count if add else count
            if target != current:
                host, got = _resize(host, cell, size, target)
                commit(host)
                if got != target:
                    raise errors.pages_not_allocated(target, got)
            done += 1
    return done


def _resize(host: HostInfo, cell: int, size: int, target: int) -> tuple[HostInfo, int]:
    """Write nr_hugepages: each cell gets what its free memory allows (cell -1 spreads over all cells)."""
    cells = host.cells()
    chosen = range(len(cells)) if cell == WHOLE_HOST else (cell,)
    share, rest = divmod(target, len(chosen))
    overrides = {(c, s): n for c, s, n in host.allocated_pages}
    got = 0
    for k, c in enumerate(chosen):
        want = share + (1 if k < rest else 0)
        have = dict(cells[c].hugepages)[size]
        reachable = have + cells[c].free_kib // size
        overrides[(c, size)] = min(want, reachable)
        got += overrides[(c, size)]
    pools = tuple((c, s, n) for (c, s), n in sorted(overrides.items()))
    return dataclasses.replace(host, allocated_pages=pools), got
