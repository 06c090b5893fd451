"""The stats domain on fakevirt and as a TCG domain on a real libvirtd 9.0: same domstats fields in the
same order, and the same error triples from the stats APIs (values that depend on QEMU's timing are left out)."""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path

import libvirt
import pytest

from tests.integration.domstats_common import (
    NAME,
    REF_NAME,
    StatsServer,
    domain_xml,
    reference_dom,
    stats_server,
)

__all__ = ["reference_dom", "stats_server"]
pytestmark = pytest.mark.real


def shape(dom: libvirt.virDomain, groups: int = 0, flags: int = 0) -> list[tuple[str, type]]:
    """Field names (host device names made generic) and value kinds, in order."""
    stats = dom.connect().domainListGetStats([dom], groups, flags)[0][1]
    return [(re.sub(r"^net\.(\d+)\.name$", r"net.\1.name", k), type(v)) for k, v in stats.items()]


def triples(dom: libvirt.virDomain, mac: str) -> list[tuple[str, object]]:
    def outcome(fn: Callable[[], object]) -> object:
        try:
            fn()
            return "ok"
        except libvirt.libvirtError as e:
            return e.get_error_code(), e.get_error_domain(), e.get_error_message()
    calls: list[tuple[str, Callable[[], object]]] = [
        ("ifstat unknown", lambda: dom.interfaceStats("nope0")),
        ("ifstat user nic", lambda: dom.interfaceStats(mac)),
        ("cpu percpu", lambda: dom.getCPUStats(False)),
        ("cpu flags", lambda: dom.getCPUStats(True, 1)),
        ("period -1", lambda: dom.setMemoryStatsPeriod(-1, 0)),
        ("period flags", lambda: dom.setMemoryStatsPeriod(1, 4)),
        ("period live", lambda: dom.setMemoryStatsPeriod(0, 1)),
        ("dirty 0s", lambda: dom.startDirtyRateCalc(0, 0)),
        ("dirty 61s", lambda: dom.startDirtyRateCalc(61, 0)),
        ("dirty both", lambda: dom.startDirtyRateCalc(1, 3)),
        ("dirty flags", lambda: dom.startDirtyRateCalc(1, 4)),
        ("dirty ring", lambda: dom.startDirtyRateCalc(1, 2)),
        ("dirty", lambda: dom.startDirtyRateCalc(30, 0)),
        ("dirty again", lambda: dom.startDirtyRateCalc(1, 0)),
        ("enforce", lambda: dom.connect().domainListGetStats([dom], 1 << 20, 1 << 31)),
        ("memstats", lambda: sorted(dom.memoryStats())),
    ]
    out = [(label, outcome(fn)) for label, fn in calls]
    dom.destroy()
    out += [(label + " (stopped)", outcome(fn)) for label, fn in calls[:4] + calls[6:8] + calls[15:]]
    return out


def test_domstats_shape_and_errors_match_libvirtd(stats_server: StatsServer, reference_dom: libvirt.virDomain) -> None:
    conn = libvirt.open(stats_server.uri())
    ours = conn.lookupByName(NAME)
    ours.create()
    backing = libvirt.VIR_CONNECT_GET_ALL_DOMAINS_STATS_BACKING
    assert shape(ours) == shape(reference_dom)
    assert shape(ours, libvirt.VIR_DOMAIN_STATS_BLOCK, backing) == shape(reference_dom, libvirt.VIR_DOMAIN_STATS_BLOCK, backing)
    assert triples(ours, "52:54:00:5a:00:02") == triples(reference_dom, "52:54:00:5b:00:02")
    # stopped: the reference's cgroup setup reports its daemon's CPU time (the same for every inactive
    # domain), which a QEMU host with per-VM cgroups does not: the cpu fields are left out
    assert [f for f in shape(ours) if not f[0].startswith("cpu.")] == [
        f for f in shape(reference_dom) if not f[0].startswith("cpu.")]
    conn.close()


def test_balloonless_domain_matches_libvirtd(stats_server: StatsServer, reference_uri: str, tmp_path: Path) -> None:
    def run(uri: str, name: str) -> list[object]:
        conn = libvirt.open(uri)
        xml = domain_xml(name, "/nonexistent").replace("<memballoon model='virtio'/>", "<memballoon model='none'/>")
        xml = re.sub(r"<disk.*?</disk>", "", xml, flags=re.S).replace("52:54:00:5a", "52:54:00:5c")
        dom = conn.createXML(xml)
        try:
            out: list[object] = [sorted(dom.memoryStats()), [k for k in shape(dom, libvirt.VIR_DOMAIN_STATS_BALLOON)]]
            for flags in (1, 2):
                try:
                    dom.setMemoryStatsPeriod(3, flags)
                except libvirt.libvirtError as e:
                    out.append((e.get_error_code(), e.get_error_domain(), e.get_error_message()))
            return out
        finally:
            dom.destroy()
            conn.close()
    assert run(stats_server.uri(), "stats-noballoon") == run(reference_uri, f"{REF_NAME}-nb")
