"""munin's libvirt plugins (Debian's munin-libvirt-plugins) against fakevirt: non-zero block and
interface counters after guest I/O, and their config lists the running domain."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import libvirt
import pytest

from tests.integration.domstats_common import NAME, StatsServer, stats_server

__all__ = ["stats_server"]
PLUGINS = Path("/usr/share/munin/plugins")
pytestmark = pytest.mark.skipif(not (PLUGINS / "libvirt-blkstat").exists(), reason="munin-libvirt-plugins is not installed")
# the plugins run as munin runs them: their own interpreter (/usr/bin/python3 with python3-libvirt, python3-libxml2)


def plugin(name: str, uri: str, *args: str) -> dict[str, str]:
    p = subprocess.run([str(PLUGINS / name), *args], capture_output=True, text=True, timeout=60,
                       env={**os.environ, "uri": uri})
    assert p.returncode == 0, p.stderr
    return dict(line.split(" ", 1) for line in p.stdout.splitlines() if " " in line)


def test_munin_plugins_see_guest_io(stats_server: StatsServer) -> None:
    srv = stats_server
    conn = libvirt.open(srv.uri())
    conn.lookupByName(NAME).create()
    srv.advance(30)
    assert plugin("libvirt-ifstat", srv.uri())[f"{NAME}_rx.value"] == "0"
    srv.net_traffic("vnet0", rx=9000, tx=4000)
    srv.guest_io("vda", b"z" * 16384, 2048)
    blk = plugin("libvirt-blkstat", srv.uri())
    assert (blk[f"{NAME}_read.value"], blk[f"{NAME}_write.value"]) == ("2048", "16384")
    ifs = plugin("libvirt-ifstat", srv.uri())
    assert (ifs[f"{NAME}_rx.value"], ifs[f"{NAME}_tx.value"]) == ("9000", "4000")
    assert plugin("libvirt-blkstat", srv.uri(), "config")[f"{NAME}_read.label"] == NAME
    assert float(plugin("libvirt-cputime", srv.uri()).get(f"{NAME}_time.value", "0")) >= 0
    conn.close()
