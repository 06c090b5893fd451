"""The test driver's IOThreads and its statistics groups: AddIOThread keeps polling settings beside
the definition that SetIOThreadParams changes and the iothread group lists; the same list on
fakevirt and, as the `real` twin, on libvirtd 9.0's test driver.

Affinities are left out: the reference derives a new thread's from the real machine's CPUs.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

import libvirt
import pytest

from fakevirt.testing import ThreadedServer
from tests.integration.conftest import result_or_error

IO = """<domain type='test'><name>io</name><memory>65536</memory><vcpu>2</vcpu><iothreads>2</iothreads>
<iothreadids><iothread id='1'/><iothread id='5'/></iothreadids><os><type>hvm</type></os></domain>"""
LIVE, CONFIG = libvirt.VIR_DOMAIN_AFFECT_LIVE, libvirt.VIR_DOMAIN_AFFECT_CONFIG
ENFORCE = libvirt.VIR_CONNECT_GET_ALL_DOMAINS_STATS_ENFORCE_STATS
STATE, VCPU, IOTHREAD = libvirt.VIR_DOMAIN_STATS_STATE, libvirt.VIR_DOMAIN_STATS_VCPU, libvirt.VIR_DOMAIN_STATS_IOTHREAD



def _scenario(uri: str) -> list[Any]:
    conn = libvirt.open(uri)
    try:
        d = conn.defineXML(IO)

        def stats(groups: int = IOTHREAD, flags: int = 0) -> Any:
            return result_or_error(lambda: conn.domainListGetStats([d], groups, flags)[0][1])

        def ids(flags: int = 0) -> list[int]:
            return [i for i, _cpus in d.ioThreadInfo(flags)]

        out: list[Any] = [stats(0), stats(), stats(VCPU), stats(VCPU, ENFORCE), stats(STATE | 1 << 20, ENFORCE),
                          result_or_error(conn.getAllDomainStats, 0, 1 << 20),
                          result_or_error(d.addIOThread, 9, LIVE | CONFIG), result_or_error(d.addIOThread, 9, LIVE),
                          result_or_error(d.addIOThread, 0, 0), result_or_error(d.addIOThread, 3, 0), result_or_error(d.addIOThread, 3, 0), ids(),
                          result_or_error(d.setIOThreadParams, 3, {"poll_max_ns": 5}, 0),
                          result_or_error(d.setIOThreadParams, 1, {"poll_max_ns": 5}, 0)]
        d.create()
        out += [stats(), stats(0), result_or_error(d.addIOThread, 7, LIVE), stats(), ids(), ids(CONFIG),
                result_or_error(d.setIOThreadParams, 7, {"poll_grow": 2, "poll_shrink": 3}, 0),
                result_or_error(d.setIOThreadParams, 7, {"poll_grow": 2}, CONFIG),
                result_or_error(d.setIOThreadParams, 0, {"poll_grow": 2}, 0),
                result_or_error(d.setIOThreadParams, 7, {"thread_pool_min": 1}, 0),
                result_or_error(d.setIOThreadParams, 7, {"poll_max_ns": 1 << 40}, 0), stats(),
                result_or_error(d.delIOThread, 7, LIVE | CONFIG), result_or_error(d.delIOThread, 7, 0), stats(),
                result_or_error(d.delIOThread, 77, 0), result_or_error(d.ioThreadInfo, 4), result_or_error(d.pinIOThread, 1, (True,), 8)]
        d.destroy()
        d.create()
        out += [stats(), ids()]
        return out
    finally:
        conn.close()


def _poll(*settings: tuple[int, int, int, int]) -> dict[str, int]:
    out = {"iothread.count": len(settings)}
    for i, max_ns, grow, shrink in settings:
        out |= {f"iothread.{i}.poll-max-ns": max_ns, f"iothread.{i}.poll-grow": grow,
                f"iothread.{i}.poll-shrink": shrink}
    return out


UNKNOWN = (1, 0, "An error occurred, but the cause is unknown")
EXCLUSIVE = (8, 20, "Flags 'VIR_DOMAIN_AFFECT_LIVE' and 'VIR_DOMAIN_AFFECT_CONFIG' are mutually exclusive")
EXPECTED: list[Any] = [
    {"state.state": 5, "state.reason": 0}, {}, {},
    (74, 12, "argument unsupported: Stats types bits 0x8 are not supported by this daemon"),
    (74, 12, "argument unsupported: Stats types bits 0x100000 are not supported by this daemon"),
    (8, 12, "unsupported flags (0x100000) in function testConnectGetAllDomainStats"),
    EXCLUSIVE, (55, 20, "Requested operation is not valid: domain is not running"),
    (8, 12, "invalid argument: invalid value of 0 for iothread_id"), 0,
    (8, 20, "invalid argument: an IOThread is already using iothread_id '3'"), [1, 5, 3],
    0, UNKNOWN,  # a thread of the XML has no polling settings
    _poll((3, 5, 0, 0)), {"state.state": 1, "state.reason": 1, **_poll((3, 5, 0, 0))}, 0,
    _poll((3, 5, 0, 0), (7, 32768, 0, 0)), [1, 5, 3, 7], [1, 5, 3],
    0, (8, 12, "unsupported flags (0x2) in function testDomainSetIOThreadParams"),
    (8, 12, "invalid argument: invalid value of 0 for iothread_id"),
    (74, 0, "argument unsupported: parameter 'thread_pool_min' not supported"), 0,
    _poll((3, 5, 0, 0), (7, 1 << 40, 2, 3)),
    EXCLUSIVE, 0, _poll((3, 5, 0, 0)), (8, 20, "invalid argument: cannot find IOThread '77' in iothreadids list"),
    (8, 12, "unsupported flags (0x4) in function testDomainGetIOThreadInfo"),
    (8, 12, "unsupported flags (0x8) in function testDomainPinIOThread"),
    _poll((3, 5, 0, 0)), [1, 5, 3],
]


def test_iothreads_on_fakevirt(fakevirt: ThreadedServer) -> None:
    assert _scenario(fakevirt.uri("default").replace("qemu+", "test+")) == EXPECTED


def test_iothread_stats_through_virsh(fakevirt: ThreadedServer, virsh) -> None:  # type: ignore[no-untyped-def]
    uri = fakevirt.uri("default").replace("qemu+", "test+")
    r = virsh("domstats", "test", "--iothread", "--enforce", uri=uri)
    assert r.returncode == 0 and r.stdout.split() == ["Domain:", "'test'"], r.stderr
    r = virsh("domstats", "test", "--vcpu", "--enforce", uri=uri)
    assert r.returncode == 1 and "Stats types bits 0x8 are not supported by this daemon" in r.stderr


@pytest.mark.real
def test_iothreads_on_libvirtd(reference_uri: str) -> None:
    u = urlsplit(reference_uri)
    assert _scenario(f"test+tcp://{u.hostname}:{u.port}/default") == EXPECTED
