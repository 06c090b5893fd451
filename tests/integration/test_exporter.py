"""Debian's prometheus-libvirt-exporter scraped against fakevirt: libvirt_up 1, moving counters, and the
metric families it reports against the reference libvirtd for a comparable running domain."""

from __future__ import annotations

import re
import shutil
import socket
import subprocess
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager

import libvirt
import pytest

from tests.integration.domstats_common import NAME, StatsServer, reference_dom, stats_server

__all__ = ["reference_dom", "stats_server"]
EXPORTER = shutil.which("prometheus-libvirt-exporter")
pytestmark = pytest.mark.skipif(EXPORTER is None, reason="prometheus-libvirt-exporter is not installed")


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@contextmanager
def exporter(uri: str) -> Iterator[str]:
    assert EXPORTER is not None
    port = _free_port()
    proc = subprocess.Popen([EXPORTER, f"--libvirt.uri={uri}", f"--web.listen-address=127.0.0.1:{port}"],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    url = f"http://127.0.0.1:{port}/metrics"
    try:
        deadline = time.monotonic() + 20
        while True:  # the exporter's listener comes up asynchronously: bounded retry, no fixed sleep
            try:
                urllib.request.urlopen(url, timeout=10).close()
                break
            except OSError:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.05)
        yield url
    finally:
        proc.terminate()
        proc.wait(timeout=10)


def scrape(url: str) -> str:
    with urllib.request.urlopen(url, timeout=30) as r:
        return r.read().decode()


def libvirt_families(text: str) -> set[str]:
    return {m for m in re.findall(r"^# TYPE (libvirt_\S+)", text, re.M)}


def sample(text: str, metric: str, **labels: str) -> float:
    for line in text.splitlines():
        if line.startswith(metric + "{") and all(f'{k}="{v}"' in line for k, v in labels.items()):
            return float(line.rsplit(" ", 1)[1])
    raise AssertionError(f"{metric} {labels} not in the scrape")


def test_exporter_reports_up_and_guest_traffic(stats_server: StatsServer) -> None:
    srv = stats_server
    conn = libvirt.open(srv.uri())
    conn.lookupByName(NAME).create()
    srv.advance(60)
    srv.net_traffic("vnet0", rx=7000, tx=2500)
    srv.guest_io("vda", b"y" * 8192, 1024)
    with exporter(srv.uri()) as url:
        text = scrape(url)
    assert re.search(r"^libvirt_up(\{[^}]*\})? 1$", text, re.M), text[:2000]
    assert sample(text, "libvirt_domain_interface_stats_receive_bytes_total", target_device="vnet0") == 7000
    assert sample(text, "libvirt_domain_interface_stats_transmit_bytes_total", target_device="vnet0") == 2500
    assert sample(text, "libvirt_domain_block_stats_write_bytes_total", target_device="vda") == 8192
    assert sample(text, "libvirt_domain_block_stats_read_bytes_total", target_device="vda") == 1024
    conn.close()


@pytest.mark.real
def test_exporter_metric_families_match_libvirtd(stats_server: StatsServer, reference_uri: str,
                                                 reference_dom: libvirt.virDomain) -> None:
    """The same families against fakevirt and against the reference running the same domain."""
    conn = libvirt.open(stats_server.uri())
    conn.lookupByName(NAME).create()
    conn.close()
    with exporter(stats_server.uri()) as url:
        ours = scrape(url)
    with exporter(reference_uri) as url:
        theirs = scrape(url)
    assert re.search(r"^libvirt_up(\{[^}]*\})? 1$", theirs, re.M)
    assert libvirt_families(ours) == libvirt_families(theirs)
