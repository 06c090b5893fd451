"""libvirt-python on the stats APIs: values agree across every API that shows them, and libvirt's argument rules and errors."""

from __future__ import annotations

import libvirt
import pytest

from tests.integration.conftest import error_of
from tests.integration.domstats_common import NAME, StatsServer, stats_server

__all__ = ["stats_server"]
INVALID_ARG, INTERNAL, OP_INVALID, OP_UNSUPPORTED, CONFIG_UNSUPPORTED = 8, 1, 55, 84, 67
FROM_QEMU, FROM_DOMAIN, FROM_CGROUP = 10, 20, 54


@pytest.fixture
def dom(stats_server: StatsServer) -> libvirt.virDomain:
    conn = libvirt.open(stats_server.uri())
    d = conn.lookupByName(NAME)
    d.create()
    return d


def test_every_api_shows_the_same_counters(stats_server: StatsServer, dom: libvirt.virDomain) -> None:
    srv = stats_server
    srv.advance(42)
    srv.net_traffic("vnet0", rx=4500, tx=1500)
    srv.guest_io("vda", b"q" * 2048, 4096)
    records = dom.connect().domainListGetStats([dom], 0, 0)
    stats = records[0][1]
    rx_bytes, rx_pkts, _, _, tx_bytes, tx_pkts, _, _ = dom.interfaceStats("vnet0")
    assert (stats["net.0.rx.bytes"], stats["net.0.rx.pkts"], stats["net.0.tx.bytes"], stats["net.0.tx.pkts"]) == (
        rx_bytes, rx_pkts, tx_bytes, tx_pkts) == (4500, 3, 1500, 1)
    rd_req, rd_bytes, wr_req, wr_bytes, _ = dom.blockStats("vda")
    assert (stats["block.0.rd.bytes"], stats["block.0.wr.bytes"]) == (rd_bytes, wr_bytes) == (4096, 2048)
    total = dom.getCPUStats(True)[0]
    assert stats["cpu.time"] == total["cpu_time"] == dom.info()[4]
    assert total["user_time"] + total["system_time"] == total["cpu_time"]
    assert [v[2] for v in dom.vcpus()[0]] == [stats["vcpu.0.time"], stats["vcpu.1.time"]]
    mem = dom.memoryStats()
    assert (mem["actual"], mem["rss"]) == (stats["balloon.current"], stats["balloon.rss"])


def test_background_rates_move_every_counter(stats_server: StatsServer, dom: libvirt.virDomain) -> None:
    srv = stats_server
    stats = srv.hv.system.stats
    srv.server.call(lambda: setattr(stats, "background", type(stats.background)(net_rx=1500, disk_read=65536)))
    srv.advance(10)
    assert dom.interfaceStats("vnet0")[:2] == (15000, 10)
    assert dom.blockStats("vda")[:2] == (10, 655360)
    srv.advance(10)
    assert dom.connect().getAllDomainStats(libvirt.VIR_DOMAIN_STATS_BLOCK)[0][1]["block.0.rd.reqs"] == 20


def test_memory_stats_period(stats_server: StatsServer, dom: libvirt.virDomain) -> None:
    assert dom.memoryStats() == {"actual": 65536, "last_update": 0, "rss": dom.memoryStats()["rss"]}
    dom.setMemoryStatsPeriod(5, libvirt.VIR_DOMAIN_AFFECT_LIVE | libvirt.VIR_DOMAIN_AFFECT_CONFIG)
    assert "<stats period='5'/>" in dom.XMLDesc(libvirt.VIR_DOMAIN_XML_INACTIVE)
    stats_server.advance(12)
    got = dom.memoryStats()
    assert got["last_update"] == int(stats_server.clock.now()) - 2
    assert set(got) >= {"swap_in", "unused", "available", "usable", "disk_caches"}
    assert error_of(dom.setMemoryStatsPeriod, -1, 0) == (
        INVALID_ARG, FROM_DOMAIN, "period in virDomainSetMemoryStatsPeriod must be zero or greater")
    assert error_of(dom.setMemoryStatsPeriod, 1, 4) == (
        INVALID_ARG, FROM_QEMU, "unsupported flags (0x4) in function qemuDomainSetMemoryStatsPeriod")


def test_cpu_stats_argument_rules(dom: libvirt.virDomain) -> None:
    assert list(dom.getCPUStats(True)[0]) == ["cpu_time", "user_time", "system_time"]
    assert error_of(dom.getCPUStats, False) == (
        OP_UNSUPPORTED, FROM_CGROUP, "Operation not supported: operation 'getCpuacctPercpuUsage' not supported for backend 'cgroup V2'")
    assert error_of(dom.getCPUStats, True, 1) == (
        INVALID_ARG, FROM_QEMU, "unsupported flags (0x1) in function qemuDomainGetCPUStats")


def test_errors_of_a_stopped_domain_and_of_bad_devices(dom: libvirt.virDomain) -> None:
    assert error_of(dom.interfaceStats, "vnet9") == (INVALID_ARG, FROM_DOMAIN, "invalid argument: 'vnet9' is not a known interface")
    assert error_of(dom.interfaceStats, "52:54:00:5a:00:02") == (INTERNAL, 0, "internal error: Interface name not provided")
    assert error_of(dom.startDirtyRateCalc, 1, 3) == (
        INVALID_ARG, FROM_DOMAIN,
        "Flags 'VIR_DOMAIN_DIRTYRATE_MODE_DIRTY_BITMAP' and 'VIR_DOMAIN_DIRTYRATE_MODE_DIRTY_RING' are mutually exclusive")
    dom.destroy()
    not_running = (OP_INVALID, FROM_DOMAIN, "Requested operation is not valid: domain is not running")
    for call in (lambda: dom.interfaceStats("vnet0"), dom.memoryStats, lambda: dom.getCPUStats(True),
                 lambda: dom.setMemoryStatsPeriod(3, libvirt.VIR_DOMAIN_AFFECT_LIVE), lambda: dom.startDirtyRateCalc(1, 0)):
        assert error_of(call) == not_running
    assert error_of(dom.startDirtyRateCalc, 0, 0) == (
        CONFIG_UNSUPPORTED, FROM_QEMU, "unsupported configuration: seconds=0 is invalid, please choose value within [1, 60].")
