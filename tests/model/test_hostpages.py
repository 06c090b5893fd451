"""Page pools: allocation per cell and for the whole host, partial allocations, free memory."""

from __future__ import annotations

import pytest

from fakevirt.errors import VirtError
from fakevirt.model import hostpages
from fakevirt.model.host import HostInfo


def _alloc(host: HostInfo, sizes: list[int], counts: list[int], start: int, n: int,
           add: bool = False) -> tuple[HostInfo, int]:
    box = [host]
    done = hostpages.alloc_pages(host, sizes, counts, start, n, add, box.append)
    return box[-1], done


def test_whole_host_spreads_over_cells() -> None:
    h = HostInfo(sockets=2, numa_nodes=2)
    h, done = _alloc(h, [2048], [5], -1, 1)
    assert done == 1
    assert hostpages.free_pages(h, [2048], 0, 2) == [3, 2]
    assert hostpages.free_pages(h, [2048], -1, 1) == [5]
    assert sum(c.free_kib for c in h.cells()) == HostInfo(sockets=2, numa_nodes=2).free_kib - 5 * 2048


def test_add_grows_and_set_sets() -> None:
    h, _ = _alloc(HostInfo(), [2048, 1048576], [2, 1], 0, 1)
    h, _ = _alloc(h, [2048], [3], 0, 1, add=True)
    assert hostpages.free_pages(h, [2048, 1048576], 0, 1) == [5, 1]
    h, _ = _alloc(h, [1048576], [0], 0, 1)
    assert hostpages.free_pages(h, [1048576], 0, 1) == [0]
    assert h.cells()[0].free_kib == HostInfo().free_kib - 5 * 2048


def test_shortfall_keeps_what_was_allocated() -> None:
    changed: list[HostInfo] = []
    with pytest.raises(VirtError) as e:
        hostpages.alloc_pages(HostInfo(), [1048576], [10**6], 0, 1, False, changed.append)
    got = hostpages.free_pages(changed[-1], [1048576], 0, 1)[0]
    assert got == HostInfo().free_kib // 1048576
    assert e.value.message == f"operation failed: Unable to allocate {10**6} pages. Allocated only {got}"
