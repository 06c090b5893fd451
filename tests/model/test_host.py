"""The host model: topology, node info, CPU/memory statistics and their errors (no sockets)."""

from __future__ import annotations

import dataclasses

import pytest
from hypothesis import given
from hypothesis import strategies as st

from fakevirt.errors import ErrorCode, ErrorDomain, VirtError
from fakevirt.model import hostpages
from fakevirt.model.host import NS_PER_TICK, HostInfo

T0 = 1_700_000_000.0


def err(e: pytest.ExceptionInfo[VirtError]) -> tuple[int, int, str, str | None, str | None]:
    v = e.value
    return v.code, v.domain, v.message, v.template, v.detail


# --- defaults and topology --------------------------------------------------------------------


def test_defaults_are_a_realistic_x86_host() -> None:
    h = HostInfo()
    assert (h.arch, h.qemu_version, h.libvirt_version) == ("x86_64", 7_002_000, 9_000_000)
    assert h.guest_for_arch("x86_64").emulator == "/usr/bin/qemu-system-x86_64"
    assert h.guest_for_arch("i686").emulator == "/usr/bin/qemu-system-i386"
    x86 = h.guest_for_arch("x86_64")
    assert x86.canonical_machine("pc") == "pc-i440fx-7.2" == h.default_machine(x86)
    assert x86.canonical_machine("q35") == "pc-q35-7.2"
    assert x86.canonical_machine("pc-q35-6.2") == "pc-q35-6.2"
    assert x86.machine("pc-q35-7.2").max_cpus == 288 and x86.machine("pc-i440fx-7.2").max_cpus == 255
    assert x86.domain_types == ("qemu", "kvm")
    assert h.sysinfo() is not None and h.sysinfo().system.uuid == h.uuid


def test_host_info_is_deterministic_and_frozen() -> None:
    assert HostInfo() == HostInfo()
    with pytest.raises(dataclasses.FrozenInstanceError):
        HostInfo().hostname = "x"  # type: ignore[misc]


def test_node_info_matches_topology() -> None:
    h = HostInfo()
    i = h.node_info()
    assert (i.model, i.cpus, i.mhz, i.nodes, i.sockets, i.cores, i.threads) == ("x86_64", 8, 3400, 1, 1, 4, 2)
    assert i.memory == h.memory_kib == sum(c.memory_kib for c in h.cells())


def test_siblings_are_hyperthreads_of_one_core() -> None:
    cpus = HostInfo().logical_cpus()
    assert cpus[0].siblings == cpus[4].siblings == (0, 4)
    assert {(c.socket_id, c.core_id) for c in cpus} == {(0, n) for n in range(4)}


def test_two_socket_two_node_host() -> None:
    h = HostInfo(sockets=2, cores=6, numa_nodes=2, memory_kib=65_000_001, free_kib=60_000_000)
    cells = h.cells()
    assert [len(c.cpus) for c in cells] == [12, 12]
    assert {c.socket_id for c in cells[1].cpus} == {1}
    assert sum(c.memory_kib for c in cells) == 65_000_001
    i = h.node_info()
    assert (i.cpus, i.nodes, i.sockets, i.cores, i.threads) == (24, 2, 1, 6, 2)
    assert h.distance(0, 1) == 21 and h.distance(1, 1) == 10


def test_odd_topology_falls_back_like_libvirt() -> None:
    i = HostInfo(numa_nodes=3).node_info()  # 4 cores over 3 nodes: the product no longer adds up
    assert (i.nodes, i.sockets, i.cores, i.threads) == (1, 1, 8, 1)


def test_bad_topology_is_refused() -> None:
    with pytest.raises(ValueError):
        HostInfo(cores=0)
    with pytest.raises(ValueError):
        HostInfo(numa_nodes=5)


# --- virNodeGetCPUStats ---------------------------------------------------------------------------


def test_cpu_stats_fields_and_units() -> None:
    stats = HostInfo().cpu_stats(-1, T0)
    assert [k for k, _ in stats] == ["kernel", "user", "idle", "iowait"]
    assert all(v > 0 and v % NS_PER_TICK == 0 for _, v in stats)


def test_total_is_the_sum_of_the_cpus() -> None:
    h = HostInfo()
    per_cpu = [dict(h.cpu_stats(n, T0)) for n in range(h.cpu_count)]
    total = dict(h.cpu_stats(-1, T0))
    assert total == {k: sum(c[k] for c in per_cpu) for k in total}


def test_cpu_time_adds_up_to_uptime() -> None:
    h = HostInfo()
    busy = sum(v for _, v in h.cpu_stats(0, h.boot_time + 1000))
    assert 1000e9 - 5 * NS_PER_TICK <= busy <= 1000e9


def test_counters_before_boot_are_zero() -> None:
    h = HostInfo()
    assert all(v == 0 for _, v in h.cpu_stats(-1, h.boot_time - 5))


@given(st.lists(st.floats(min_value=0, max_value=1e8), min_size=2, max_size=8),
       st.integers(min_value=-1, max_value=7))
def test_cpu_counters_never_decrease(offsets: list[float], cpu: int) -> None:
    h = HostInfo()
    samples = [dict(h.cpu_stats(cpu, h.boot_time + t)) for t in sorted(offsets)]
    for before, after in zip(samples, samples[1:], strict=False):
        assert all(after[k] >= before[k] for k in before)


@pytest.mark.parametrize("cpu", [8, 99])
def test_cpu_stats_unknown_cpu(cpu: int) -> None:
    with pytest.raises(VirtError) as e:
        HostInfo().cpu_stats(cpu, T0)
    assert err(e) == (ErrorCode.INVALID_ARG, ErrorDomain.NONE, "Invalid cpuNum in virHostCPUGetStatsLinux",
                      "virHostCPUGetStatsLinux", "cpuNum")


def test_cpu_stats_negative_cpu() -> None:
    with pytest.raises(VirtError) as e:
        HostInfo().cpu_stats(-2, T0)
    assert err(e) == (ErrorCode.INVALID_ARG, ErrorDomain.DOMAIN,
                      "cpuNum in virNodeGetCPUStats only accepts -1 as a negative value",
                      "virNodeGetCPUStats", "cpuNum")


def test_cpu_stats_nparams() -> None:
    h = HostInfo()
    assert len(h.cpu_stats(99, T0, nparams=0)) == 4  # only the count is asked: no cpuNum check
    with pytest.raises(VirtError) as e:
        h.cpu_stats(0, T0, nparams=2)
    assert e.value.message == "nparams in virHostCPUGetStatsLinux must be equal to 4"


# --- virNodeGetMemoryStats and free memory ----------------------------------------------------------


def test_memory_stats_all_cells_and_one_cell() -> None:
    h = HostInfo()
    assert h.memory_stats(-1) == [("total", h.memory_kib), ("free", h.free_kib),
                                  ("buffers", h.buffers_kib), ("cached", h.cached_kib)]
    assert h.memory_stats(0) == [("total", h.memory_kib), ("free", h.free_kib)]
    two = HostInfo(sockets=2, numa_nodes=2)
    assert sum(dict(two.memory_stats(n))["total"] for n in (0, 1)) == two.memory_kib


def test_memory_stats_errors() -> None:
    h = HostInfo()
    with pytest.raises(VirtError) as e:
        h.memory_stats(5)
    assert err(e) == (ErrorCode.INVALID_ARG, ErrorDomain.NONE,
                      "cellNum in virHostMemGetStats must be less than or equal to 0", "virHostMemGetStats",
                      "cellNum")
    with pytest.raises(VirtError) as e:
        h.memory_stats(-2)
    assert err(e)[:3] == (ErrorCode.INVALID_ARG, ErrorDomain.DOMAIN,
                          "cellNum in virNodeGetMemoryStats only accepts -1 as a negative value")
    with pytest.raises(VirtError) as e:
        h.memory_stats(0, nparams=4)
    assert e.value.message == "nparams in virHostMemGetStatsLinux must be 2"
    with pytest.raises(VirtError) as e:
        HostInfo(sockets=2, numa_nodes=2).memory_stats(2)
    assert e.value.message == "cellNum in virHostMemGetStats must be less than or equal to 1"


def test_free_memory() -> None:
    h = HostInfo(sockets=2, numa_nodes=2)
    cells = h.cells_free_memory_bytes(0, 8)
    assert cells == [c.free_kib * 1024 for c in h.cells()] and sum(cells) == h.free_memory_bytes()
    assert h.cells_free_memory_bytes(1, 1) == cells[1:]
    with pytest.raises(VirtError) as e:
        h.cells_free_memory_bytes(2, 1)
    assert err(e)[:3] == (ErrorCode.INTERNAL_ERROR, ErrorDomain.NONE,
                          "internal error: start cell 2 out of range (0-1)")
    with pytest.raises(VirtError) as e:
        h.cells_free_memory_bytes(0, 0)
    assert e.value.message == "maxCells in virNodeGetCellsFreeMemory must be greater than zero"


def test_free_pages() -> None:
    h = HostInfo()
    assert hostpages.free_pages(h, [4, 2048, 1048576], 0, 5) == [h.free_kib // 4, 0, 0]
    with pytest.raises(VirtError) as e:
        hostpages.free_pages(h, [8], 0, 1)
    assert err(e)[:3] == (ErrorCode.OPERATION_FAILED, ErrorDomain.NONE,
                          "operation failed: page size 8 is not available on node 0")


def test_cpu_map() -> None:
    assert HostInfo().cpu_map() == (8, (True,) * 8, 8)


# --- the same errors from the real libvirtd -----------------------------------------------------------


@pytest.mark.real
def test_errors_match_real_libvirtd(reference_uri: str) -> None:
    libvirt = pytest.importorskip("libvirt")
    conn = libvirt.open(reference_uri)
    try:
        real_cells = conn.getInfo()[4]
        h = HostInfo()
        cases = [
            (lambda: conn.getCPUStats(999), lambda: h.cpu_stats(999, T0)),
            (lambda: conn.getCPUStats(-2), lambda: h.cpu_stats(-2, T0)),
            (lambda: conn.getMemoryStats(real_cells + 5), lambda: h.memory_stats(h.numa_nodes + 5)),
            (lambda: conn.getCellsFreeMemory(real_cells + 3, 1),
             lambda: h.cells_free_memory_bytes(h.numa_nodes + 3, 1)),
        ]
        for real_call, fake_call in cases:
            with pytest.raises(libvirt.libvirtError) as r:
                real_call()
            with pytest.raises(VirtError) as f:
                fake_call()
            real = (r.value.get_error_code(), r.value.get_error_domain(), r.value.get_error_message())
            if real_cells == 1:
                assert real == (f.value.code, f.value.domain, f.value.message)
            else:
                assert real[:2] == (f.value.code, f.value.domain)
        assert [k for k in conn.getCPUStats(-1)] == [k for k, _ in h.cpu_stats(-1, T0)]
        assert set(conn.getMemoryStats(0)) == {k for k, _ in h.memory_stats(0)}
    finally:
        conn.close()
