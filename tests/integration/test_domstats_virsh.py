"""virsh domstats, domifstat, cpu-stats, dommemstat and domdirtyrate-calc on a running fakevirt domain whose clock the test moves."""

from __future__ import annotations

import os
import shutil
import subprocess

import pytest

from tests.integration.conftest import err, ok
from tests.integration.domstats_common import IMAGES, NAME, StatsServer, stats_server

__all__ = ["stats_server"]


def virsh(srv: StatsServer, *args: str) -> subprocess.CompletedProcess[str]:
    exe = shutil.which("virsh")
    if exe is None:
        pytest.skip("virsh is not installed")
    return subprocess.run([exe, "-c", srv.uri(), *args], capture_output=True, text=True, timeout=60,
                          env={**os.environ, "LC_ALL": "C"})


def fields(text: str) -> dict[str, str]:
    return dict(line.strip().split("=", 1) for line in text.splitlines() if "=" in line)


def test_domstats_moves_with_the_clock_and_guest_traffic(stats_server: StatsServer) -> None:
    srv = stats_server
    ok(virsh(srv, "start", NAME))
    srv.advance(100)
    srv.net_traffic("vnet0", rx=3000, tx=1600)
    srv.guest_io("vda", b"x" * 4096, 512)
    before = fields(ok(virsh(srv, "domstats", NAME)))
    assert before["cpu.time"] == str(int(100 * 1e9 * 0.01))
    assert int(before["cpu.user"]) + int(before["cpu.system"]) == int(before["cpu.time"])
    assert (before["net.count"], before["net.0.name"]) == ("2", "vnet0")
    assert (before["net.0.rx.bytes"], before["net.0.rx.pkts"], before["net.0.tx.bytes"], before["net.0.tx.pkts"]) == (
        "3000", "2", "1600", "2")
    assert not any(k.startswith("net.1.") for k in before)  # the user-mode NIC has no host device
    assert (before["block.0.wr.bytes"], before["block.0.rd.bytes"]) == ("4096", "512")
    srv.advance(50)
    after = fields(ok(virsh(srv, "domstats", NAME, "--cpu-total", "--vcpu")))
    assert int(after["cpu.time"]) > int(before["cpu.time"])
    assert int(after["vcpu.0.time"]) > int(before["vcpu.0.time"])
    ok(virsh(srv, "suspend", NAME))
    paused = fields(ok(virsh(srv, "domstats", NAME, "--cpu-total")))
    srv.advance(50)
    assert fields(ok(virsh(srv, "domstats", NAME, "--cpu-total")))["cpu.time"] == paused["cpu.time"]


def test_domstats_field_order_of_a_running_domain(stats_server: StatsServer) -> None:
    """The groups and fields in the order libvirtd 9.0 prints them for a running TCG domain."""
    srv = stats_server
    ok(virsh(srv, "start", NAME))
    names = [k for k in fields(ok(virsh(srv, "domstats", NAME)))]
    prefixes = [n.split(".")[0] for n in names]
    assert list(dict.fromkeys(prefixes)) == ["state", "cpu", "balloon", "vcpu", "net", "block", "dirtyrate"]
    assert names[:8] == ["state.state", "state.reason", "cpu.time", "cpu.user", "cpu.system", "cpu.cache.monitor.count",
                         "cpu.haltpoll.success.time", "cpu.haltpoll.fail.time"]
    assert names[-4:] == ["dirtyrate.calc_status", "dirtyrate.calc_start_time", "dirtyrate.calc_period", "dirtyrate.calc_mode"]


def test_domstats_backing_lists_the_chain(stats_server: StatsServer) -> None:
    srv = stats_server
    ok(virsh(srv, "start", NAME))
    assert fields(ok(virsh(srv, "domstats", NAME, "--block")))["block.count"] == "1"
    got = fields(ok(virsh(srv, "domstats", NAME, "--block", "--backing")))
    assert (got["block.count"], got["block.1.name"], got["block.1.path"], got["block.1.backingIndex"]) == (
        "2", "vda", f"{IMAGES}/base.qcow2", "2")
    assert "block.1.rd.reqs" not in got


def test_domifstat_by_device_and_mac_and_errors(stats_server: StatsServer) -> None:
    srv = stats_server
    assert err(virsh(srv, "domifstat", NAME, "vnet0")).endswith("Requested operation is not valid: domain is not running")
    ok(virsh(srv, "start", NAME))
    srv.net_traffic("52:54:00:5a:00:01", rx=100, tx=0)
    out = ok(virsh(srv, "domifstat", NAME, "vnet0"))
    assert "vnet0 rx_bytes 100\nvnet0 rx_packets 1\n" in out
    assert ok(virsh(srv, "domifstat", NAME, "52:54:00:5A:00:01")).count(" 100\n") == 1
    assert err(virsh(srv, "domifstat", NAME, "52:54:00:5a:00:02")).endswith("internal error: Interface name not provided")
    assert err(virsh(srv, "domifstat", NAME, "net0")).endswith("invalid argument: 'net0' is not a known interface")


def test_cpu_stats_total_and_per_cpu(stats_server: StatsServer) -> None:
    srv = stats_server
    ok(virsh(srv, "start", NAME))
    srv.advance(200)
    out = ok(virsh(srv, "cpu-stats", NAME, "--total"))
    assert "cpu_time             2.000000000 seconds" in out
    assert "user_time            1.400000000 seconds" in out
    assert err(virsh(srv, "cpu-stats", NAME)).endswith(
        "Operation not supported: operation 'getCpuacctPercpuUsage' not supported for backend 'cgroup V2'")


def test_dommemstat_period_and_last_update(stats_server: StatsServer) -> None:
    srv = stats_server
    ok(virsh(srv, "start", NAME))
    assert ok(virsh(srv, "dommemstat", NAME)).splitlines()[:2] == ["actual 65536", "last_update 0"]
    ok(virsh(srv, "dommemstat", NAME, "--period", "10"))
    srv.advance(25)
    got = dict(line.split() for line in ok(virsh(srv, "dommemstat", NAME)).splitlines() if line)
    start = int(srv.clock.now()) - 25
    assert got["last_update"] == str(start + 20)
    assert list(got)[0] == "actual" and list(got)[-1] == "rss" and "usable" in got
    assert "<stats period='10'/>" in ok(virsh(srv, "dumpxml", NAME))
    assert err(virsh(srv, "dommemstat", NAME, "--period", "-1")) == "error: Invalid collection period value '-1'"


def test_dirtyrate_measurement(stats_server: StatsServer) -> None:
    srv = stats_server
    ok(virsh(srv, "start", NAME))
    dom = srv.dom()
    srv.server.call(lambda: srv.hv.system.stats.set_dirty_rate(dom, 12))
    ok(virsh(srv, "domdirtyrate-calc", NAME, "--seconds", "2"))
    assert fields(ok(virsh(srv, "domstats", NAME, "--dirtyrate")))["dirtyrate.calc_status"] == "1"
    assert err(virsh(srv, "domdirtyrate-calc", NAME, "--seconds", "2")).endswith(
        "the dirty rate is already being measured.")
    srv.advance(2)
    got = fields(ok(virsh(srv, "domstats", NAME, "--dirtyrate")))
    assert (got["dirtyrate.calc_status"], got["dirtyrate.calc_period"], got["dirtyrate.megabytes_per_second"]) == ("2", "2", "12")
    assert err(virsh(srv, "domdirtyrate-calc", NAME, "--seconds", "61")).endswith(
        "unsupported configuration: seconds=61 is invalid, please choose value within [1, 60].")
    assert err(virsh(srv, "domdirtyrate-calc", NAME, "--mode", "dirty-ring")).endswith(
        "Operation not supported: dirty-ring calculation mode requires dirty-ring feature enabled.")
