"""Host CPU and memory calls through libvirt-python, with real-daemon twins for errors and shapes."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Iterator
from typing import Any

import libvirt
import pytest

from fakevirt.testing import ThreadedServer

from .conftest import error_of

DOMAIN_XML = """<domain type='kvm'><name>vm1</name><memory>131072</memory><vcpu>2</vcpu>
<os><type arch='x86_64'>hvm</type></os></domain>"""


@pytest.fixture
def conn(fakevirt_uri: str) -> Iterator[libvirt.virConnect]:
    c = libvirt.open(fakevirt_uri)
    yield c
    c.close()


@pytest.fixture
def ref(reference_uri: str) -> Iterator[libvirt.virConnect]:
    c = libvirt.open(reference_uri)
    yield c
    c.close()


# Calls that fail the same way on any host, and change nothing on the way.
ERROR_CALLS: list[tuple[str, Callable[[libvirt.virConnect], Any]]] = [
    ("cpumap flags", lambda c: c.getCPUMap(1)),
    ("models flags", lambda c: c.getCPUModelNames("x86_64", 1)),
    ("models bogus arch", lambda c: c.getCPUModelNames("bogus")),
    ("models none arch", lambda c: c.getCPUModelNames("none")),
    ("models arch without driver", lambda c: c.getCPUModelNames("riscv64")),
    ("freepages bad size", lambda c: c.getFreePages([8], 0, 1)),
    ("freepages start past last", lambda c: c.getFreePages([4], 5, 1)),
    ("freepages flags", lambda c: c.getFreePages([4], 0, 1, 1)),
    ("freepages empty", lambda c: c.getFreePages([], 0, 1)),
    ("freepages whole host bad size", lambda c: c.getFreePages([8], -1, 1)),
    ("freepages node -2 huge", lambda c: c.getFreePages([2048], -2, 1)),
    ("freepages node -2 system", lambda c: c.getFreePages([4], -2, 1)),
    ("allocpages flags", lambda c: c.allocPages({2048: 0}, 0, 1, 4)),
    ("allocpages system pool", lambda c: c.allocPages({4: 1}, 0, 1)),
    ("allocpages bad size", lambda c: c.allocPages({8: 1}, 0, 1)),
    ("allocpages start past last", lambda c: c.allocPages({2048: 0}, 9, 1)),
    ("allocpages no cells", lambda c: c.allocPages({2048: 0}, 0, 0)),
    ("allocpages node -2", lambda c: c.allocPages({2048: 0}, -2, 1)),
    ("memparams flags", lambda c: c.getMemoryParameters(1)),
    ("set memparams read-only one", lambda c: c.setMemoryParameters({"shm_pages_shared": 0})),
    ("sev", lambda c: c.getSEVInfo()),
    ("suspend mem", lambda c: c.suspendForDuration(libvirt.VIR_NODE_SUSPEND_TARGET_MEM, 60)),
    ("suspend disk", lambda c: c.suspendForDuration(libvirt.VIR_NODE_SUSPEND_TARGET_DISK, 60)),
    ("suspend hybrid", lambda c: c.suspendForDuration(libvirt.VIR_NODE_SUSPEND_TARGET_HYBRID, 60)),
    ("suspend flags", lambda c: c.suspendForDuration(0, 60, 1)),
    ("suspend bad target", lambda c: c.suspendForDuration(9, 60)),
]


def _errors(c: libvirt.virConnect) -> dict[str, tuple[int, int, str]]:
    return {label: error_of(call, c) for label, call in ERROR_CALLS}


def test_errors(conn: libvirt.virConnect) -> None:
    got = _errors(conn)
    assert got["freepages bad size"] == (9, 0, "operation failed: page size 8 is not available on node 0")
    assert got["allocpages system pool"] == (84, 0, "Operation not supported: system pages pool can't be modified")
    assert got["sev"] == (84, 10, "Operation not supported: QEMU does not support SEV guest")
    assert got["suspend mem"] == (74, 0, "argument unsupported: Suspend-to-RAM")


@pytest.mark.real
def test_errors_match_reference(conn: libvirt.virConnect, ref: libvirt.virConnect) -> None:
    assert _errors(conn) == _errors(ref)


def _shapes(c: libvirt.virConnect) -> dict[str, Any]:
    count, online, n_online = c.getCPUMap()
    free = c.getFreePages([4, 2048, 1048576], 0, 1)
    params = c.getMemoryParameters()
    return {
        "cpumap": (len(online) == count, all(online), n_online == count),
        "models": {a: c.getCPUModelNames(a) for a in ("x86_64", "i686", "ppc64", "ppc64le", "aarch64", "s390x")},
        "freepages keys": {cell: sorted(sizes) for cell, sizes in free.items()},
        "freepages whole host": sorted(c.getFreePages([2048, 4], -1, 2)),
        "freepages past count": list(c.getFreePages([4], 0, 5)),
        "memparams": {k: type(v) for k, v in params.items()},
        "memparams values": {k: v for k, v in params.items() if k != "shm_full_scans"},
        "alloc noop": c.allocPages({2048: 0}, 0, 1, libvirt.VIR_NODE_ALLOC_PAGES_ADD),
        "alloc whole host noop": c.allocPages({2048: 0}, -1, 1),
        "set memparams same": c.setMemoryParameters({"shm_pages_to_scan": params["shm_pages_to_scan"]}),
    }


def test_shapes(conn: libvirt.virConnect, fakevirt: ThreadedServer) -> None:
    s = _shapes(conn)
    assert s["cpumap"] == (True, True, True)
    assert conn.getCPUMap()[0] == fakevirt.hypervisor.host.cpu_count
    assert len(s["models"]["x86_64"]) == 58 and "Skylake-Client-IBRS" in s["models"]["x86_64"]
    assert s["models"]["aarch64"] == []
    assert s["memparams values"]["shm_pages_to_scan"] == 100


@pytest.mark.real
def test_shapes_match_reference(conn: libvirt.virConnect, ref: libvirt.virConnect) -> None:
    assert _shapes(conn) == _shapes(ref)


def test_free_pages_follow_the_host(conn: libvirt.virConnect, fakevirt: ThreadedServer) -> None:
    host = fakevirt.hypervisor.host
    assert conn.getFreePages([4, 2048, 1048576], 0, 1) == {0: {4: host.free_kib // 4, 2048: 0, 1048576: 0}}


def test_alloc_pages_changes_the_pools(fakevirt: ThreadedServer) -> None:
    plain = fakevirt.hypervisor.host
    assert plain is not None
    fakevirt.call(setattr, fakevirt.hypervisor, "host", dataclasses.replace(plain, numa_nodes=2,
                                                                          hugepages=((2048, 16),)))
    fakevirt.call(fakevirt.hypervisor.reset)
    c = libvirt.open(fakevirt.uri())
    try:
        free_before = c.getCellsFreeMemory(0, 2)
        assert c.allocPages({2048: 100}, 0, 1, libvirt.VIR_NODE_ALLOC_PAGES_SET) == 1
        assert c.getFreePages([2048], 0, 2) == {0: {2048: 100}, 1: {2048: 16}}
        assert c.allocPages({2048: 4}, 1, 1) == 1  # ADD
        assert c.getFreePages([2048], 0, 2) == {0: {2048: 100}, 1: {2048: 20}}
        assert c.getFreePages([2048], -1, 1) == {-1: {2048: 120}}
        free_after = c.getCellsFreeMemory(0, 2)
        assert free_before[0] - free_after[0] == 84 * 2048 * 1024
        assert free_before[1] - free_after[1] == 4 * 2048 * 1024
        assert "<pages unit='KiB' size='2048'>100</pages>" in c.getCapabilities()
        # more than the cell's free memory: the kernel allocates what it can, libvirt reports it
        assert error_of(c.allocPages, {2048: 10**8}, 1, 1)[:2] == (9, 0)
        got = c.getFreePages([2048], 1, 1)[1][2048]
        assert 20 < got < 10**8
        assert c.getCellsFreeMemory(1, 1)[0] < 2048 * 1024
        assert error_of(c.allocPages, {2048: 10**8}, 1, 1)[2] == (
            f"operation failed: Unable to allocate {got + 10**8} pages. Allocated only {got}")
        fakevirt.call(fakevirt.hypervisor.reset)
        assert c.getFreePages([2048], 0, 1) == {0: {2048: 16}}
    finally:
        c.close()
        fakevirt.call(setattr, fakevirt.hypervisor, "host", plain)  # the session server's own host again


def test_memory_parameters_set(conn: libvirt.virConnect) -> None:
    conn.setMemoryParameters({"shm_pages_to_scan": 250, "shm_sleep_millisecs": 5})
    assert conn.getMemoryParameters()["shm_pages_to_scan"] == 250
    assert conn.getMemoryParameters()["shm_sleep_millisecs"] == 5
    conn.setMemoryParameters({"shm_merge_across_nodes": 0})
    assert error_of(conn.setMemoryParameters, {"shm_merge_across_nodes": 2}) == (
        38, 0, "failed to set shm_merge_across_nodes: Invalid argument")
    assert conn.getMemoryParameters()["shm_merge_across_nodes"] == 0


def test_vcpus_uses_the_cpu_map(conn: libvirt.virConnect, fakevirt: ThreadedServer) -> None:
    dom = conn.defineXML(DOMAIN_XML)
    dom.create()
    info, maps = dom.vcpus()
    host_cpus = fakevirt.hypervisor.host.cpu_count
    assert [i[0] for i in info] == [0, 1]
    assert maps == [(True,) * host_cpus] * 2
    assert dom.launchSecurityInfo() == {}
    assert error_of(dom.setLaunchSecurityState, {"sev-secret": "x", "sev-secret-header": "y"}) == (
        84, 10, "Operation not supported: setting a launch secret is only supported in SEV-enabled domains")


def _host_cpu(c: libvirt.virConnect) -> str:
    caps = c.getCapabilities()
    return caps[caps.index("<cpu>"):caps.index("</cpu>") + len("</cpu>")]


GUEST = "<cpu mode='custom' match='exact'><model>Haswell</model></cpu>"
IVY = "<cpu><arch>x86_64</arch><model>IvyBridge</model><vendor>Intel</vendor>{}</cpu>"


def _cpu_answers(c: libvirt.virConnect) -> dict[str, Any]:
    """Compare/baseline answers that do not depend on the host's own CPU."""
    def run(call: Callable[[], Any]) -> Any:
        try:
            return call()
        except libvirt.libvirtError as e:
            return e.get_error_code(), e.get_error_domain(), e.get_error_message()
    host = _host_cpu(c)
    calls: dict[str, Callable[[], Any]] = {
        "cmp host": lambda: c.compareCPU(host),
        "cmp garbage": lambda: c.compareCPU("<cpu"),
        "cmp not cpu": lambda: c.compareCPU("<foo/>"),
        "cmp empty": lambda: c.compareCPU("<cpu/>"),
        "cmp unknown model": lambda: c.compareCPU("<cpu><model>Foo</model></cpu>"),
        "cmp unknown feature": lambda: c.compareCPU("<cpu><model>Haswell</model><feature name='zzz'/></cpu>"),
        "cmp vendor": lambda: c.compareCPU("<cpu><model>EPYC</model><vendor>AMD</vendor></cpu>", 1),
        "cmp forbid": lambda: c.compareCPU("<cpu><model>qemu64</model><feature policy='forbid' name='sse2'/></cpu>", 1),
        "cmp flags": lambda: c.compareCPU(GUEST, 4),
        "cmp arch": lambda: c.compareCPU("<cpu><arch>ppc64</arch><model>POWER8</model></cpu>", 1),
        "cmp passthrough": lambda: c.compareCPU("<cpu mode='host-passthrough'/>"),
        "cmp old model": lambda: c.compareCPU("<cpu><model>Nehalem</model></cpu>"),
        "bl none": lambda: c.baselineCPU([]),
        "bl no model": lambda: c.baselineCPU(["<cpu><arch>x86_64</arch></cpu>"]),
        "bl guest": lambda: c.baselineCPU([GUEST]),
        "bl vendors": lambda: c.baselineCPU([host, "<cpu><arch>x86_64</arch><model>EPYC</model><vendor>AMD</vendor></cpu>"]),
        "bl flags": lambda: c.baselineCPU([host], 4),
        "bl one": lambda: c.baselineCPU([IVY.format("")]),
        "bl expand": lambda: c.baselineCPU([IVY.format("")], libvirt.VIR_CONNECT_BASELINE_CPU_EXPAND_FEATURES),
        "bl migratable": lambda: c.baselineCPU([IVY.format("<feature name='invtsc'/><feature name='osxsave'/>")],
                                               libvirt.VIR_CONNECT_BASELINE_CPU_MIGRATABLE),
        "bl not migratable": lambda: c.baselineCPU([IVY.format("<feature name='invtsc'/>")]),
        "bl epyc": lambda: c.baselineCPU(["<cpu><arch>x86_64</arch><model>EPYC</model><vendor>AMD</vendor></cpu>"]),
        "bl two": lambda: c.baselineCPU([IVY.format(""), IVY.replace("IvyBridge", "Westmere").format("")]),
        "hcmp arch": lambda: c.compareHypervisorCPU(None, "aarch64", None, None, GUEST),
        "hcmp flags": lambda: c.compareHypervisorCPU(None, None, None, None, GUEST, 8),
        "hcmp old": lambda: c.compareHypervisorCPU(None, None, None, None, "<cpu><model>qemu64</model></cpu>"),
        "hcmp tcg": lambda: c.compareHypervisorCPU(None, None, None, "qemu", "<cpu><model>qemu64</model></cpu>"),
    }
    return {label: run(call) for label, call in calls.items()}


def test_cpu_compare_and_baseline(conn: libvirt.virConnect) -> None:
    got = _cpu_answers(conn)
    assert got["cmp host"] == libvirt.VIR_CPU_COMPARE_IDENTICAL
    assert got["cmp old model"] == libvirt.VIR_CPU_COMPARE_SUPERSET
    assert got["cmp forbid"] == (91, 31, "the CPU is incompatible with host CPU: Host CPU provides forbidden features: sse2")
    assert "<model fallback='forbid'>IvyBridge</model>" in got["bl one"]
    assert "invtsc" in got["bl not migratable"] and "invtsc" not in got["bl migratable"]
    assert "osxsave" not in got["bl migratable"]
    assert conn.compareCPU(_host_cpu(conn).replace(
        "<model>Skylake-Client-IBRS</model>", "<model>Skylake-Client</model>")) == libvirt.VIR_CPU_COMPARE_SUPERSET


@pytest.mark.real
def test_cpu_compare_and_baseline_match_reference(conn: libvirt.virConnect, ref: libvirt.virConnect) -> None:
    assert _cpu_answers(conn) == _cpu_answers(ref)


def test_nova_style_host_start(conn: libvirt.virConnect) -> None:
    """What Nova's libvirt driver asks first: CPU map, models, host CPU baseline and compare."""
    count, online, _ = conn.getCPUMap()
    assert count == len(online)
    models = conn.getCPUModelNames("x86_64")
    assert "Skylake-Client-IBRS" in models
    host = _host_cpu(conn)
    expanded = conn.baselineCPU([host], libvirt.VIR_CONNECT_BASELINE_CPU_EXPAND_FEATURES
                                | libvirt.VIR_CONNECT_BASELINE_CPU_MIGRATABLE)
    assert "<model fallback='forbid'>Skylake-Client-IBRS</model>" in expanded
    assert conn.compareCPU(expanded) == libvirt.VIR_CPU_COMPARE_SUPERSET  # the host also has invtsc, xsaves
    # the host-model CPU disables mpx (domain capabilities), so the plain model does not fit
    plain = "<cpu><model>Skylake-Client-IBRS</model>{}</cpu>"
    assert conn.compareHypervisorCPU(None, "x86_64", None, "kvm", plain.format("")) \
        == libvirt.VIR_CPU_COMPARE_INCOMPATIBLE
    assert conn.compareHypervisorCPU(None, "x86_64", None, "kvm", plain.format(
        "<feature policy='disable' name='mpx'/>")) == libvirt.VIR_CPU_COMPARE_SUPERSET


def _empty_baseline(uri: str) -> tuple[int, int, str]:
    conn = libvirt.open(uri)
    try:
        conn.baselineCPU([], 4)  # no CPUs and an unknown flag: the public API's check comes first
    except libvirt.libvirtError as e:
        return e.get_error_code(), e.get_error_domain(), str(e)
    finally:
        conn.close()
    raise AssertionError("accepted")


def test_empty_baseline_is_refused_before_the_flags(fakevirt_uri: str) -> None:
    assert _empty_baseline(fakevirt_uri) == (libvirt.VIR_ERR_INVALID_ARG, libvirt.VIR_FROM_DOMAIN,
                                             "xmlCPUs in virConnectBaselineCPU must not be NULL")


@pytest.mark.real
def test_empty_baseline_matches_real_libvirtd(fakevirt_uri: str, reference_uri: str) -> None:
    assert _empty_baseline(fakevirt_uri) == _empty_baseline(reference_uri)
