"""The test driver's made-up figures (scheduler, guest time and control state, file systems, block
and interface statistics, CPU and memory figures, disk errors) on fakevirt and, as the `real` twin,
on libvirtd 9.0's test driver: the same scenario gives the same list.

Counters libvirt derives from the time of day are checked for that derivation, not for a value.
"""

from __future__ import annotations

import time
from typing import Any
from urllib.parse import urlsplit

import libvirt
import pytest

from fakevirt.testing import ThreadedServer
from tests.integration.conftest import result_or_error

T2_XML = """<domain type='test'><name>fixed2</name><memory>524288</memory><currentMemory>262144</currentMemory>
<vcpu cpuset='2-3'>3</vcpu><os><type>hvm</type></os><devices>
<disk type='file' device='cdrom'><source file='/x.iso'/><target dev='hdc'/></disk>
<disk type='file' device='disk'><source file='/a.img'/><target dev='sdb'/></disk>
<disk type='file' device='disk'><source file='/b.img'/><target dev='vdc'/></disk>
<interface type='network'><source network='default'/><mac address='52:54:00:11:22:33'/></interface>
<memballoon model='virtio'/></devices></domain>"""



def _from_clock(values: tuple[int, ...], divisors: tuple[int, ...], before: float, after: float) -> bool:
    """Whether every value is one microsecond count between before and after divided by its divisor."""
    lo, hi = int(before * 1_000_000), int(after * 1_000_000) + 1
    return all(lo // d <= v <= hi // d for v, d in zip(values, divisors, strict=True))


def _scenario(uri: str) -> list[Any]:
    conn = libvirt.open(uri)
    try:
        d = conn.lookupByName("test")
        out: list[Any] = [d.schedulerType(), d.schedulerParameters(), result_or_error(d.schedulerParametersFlags, 0),
                          result_or_error(d.setSchedulerParameters, {"weight": 70}), d.schedulerParameters(),
                          d.blkioParameters(0), result_or_error(d.setBlkioParameters, {"weight": 500}, 0),
                          d.blkioParameters(0)["weight"], d.getTime(), result_or_error(d.getTime, 1), d.controlInfo()]
        for seconds in (1, 9999, 10000, 29999, 30001, 30003, 59999, 60000):
            d.setTime({"seconds": seconds, "nseconds": 7})
            out.append((d.getTime(), d.controlInfo()))
        out += [result_or_error(d.setTime, None, libvirt.VIR_DOMAIN_TIME_SYNC), d.getTime(), d.fsInfo(),
                result_or_error(d.fSTrim, None, 0, 0), result_or_error(d.fSTrim, "/x", 0, 0), result_or_error(d.fSTrim, None, 0, 1),
                result_or_error(d.fsFreeze, ["/"]), result_or_error(d.fsFreeze), result_or_error(d.fsFreeze), result_or_error(d.fsThaw, ["/boot"]),
                result_or_error(d.fsThaw), result_or_error(d.fsThaw), result_or_error(d.fsFreeze, ["/x"]), d.hostname(), result_or_error(d.hostname, 1),
                d.blockInfo("vda"), d.blockInfo("/guest/diskimage1"), result_or_error(d.blockInfo, "vdz"),
                result_or_error(d.blockStats, ""), result_or_error(d.blockStats, "vdz"), result_or_error(d.interfaceStats, "nope"),
                d.diskErrors(), d.memoryStats(), d.getCPUStats(True), d.getCPUStats(False),
                [(n, s, cpu) for n, s, _t, cpu in d.vcpus()[0]], result_or_error(d.launchSecurityInfo)]
        before = time.time()
        blk, nic, vcpu_time = d.blockStats("vda"), d.interfaceStats("testnet0"), d.vcpus()[0][0][2]
        after = time.time()
        out += [_from_clock(blk[:4], (10, 20, 30, 40), before, after),
                _from_clock((blk[4],), (2_000_000,), before, after),
                _from_clock(nic[:2] + nic[4:6], (10, 100, 20, 110), before, after),
                _from_clock(nic[2:4] + nic[6:], (1_000_000, 2_000_000, 3_000_000, 4_000_000), before, after),
                _from_clock((vcpu_time,), (10,), before, after)]
        d.suspend()
        out += [result_or_error(d.getTime), result_or_error(d.setTime, {"seconds": 5}), d.controlInfo(), d.fsInfo()]
        d.resume()
        d.destroy()
        out += [result_or_error(fn, *args) for fn, *args in (
            (d.controlInfo,), (d.getTime,), (d.setTime, {"seconds": 3}), (d.fsInfo,), (d.hostname,),
            (d.diskErrors,), (d.memoryStats,), (d.vcpus,), (d.blockStats, "vda"), (d.blockStats, ""),
            (d.interfaceStats, "testnet0"), (d.fsFreeze,), (d.blockInfo, "vda"), (d.schedulerParameters,))]
        d.create()
        out += [d.getTime(), d.controlInfo()]  # the guest clock outlives the run
        t2 = conn.createXML(T2_XML)
        out += [t2.fsInfo(), t2.diskErrors(), t2.memoryStats(), [(n, cpu) for n, _s, _t, cpu in t2.vcpus()[0]],
                t2.hostname(), t2.blockInfo("hdc")]
        t2.destroy()
        return out
    finally:
        conn.close()


UNSUPPORTED_SCHED_FLAGS = (8, 12, "unsupported flags (0x4) in function testDomainGetSchedulerParametersFlags")
NOT_RUNNING, NOT_RUNNING_TEST = (55, 20, "Requested operation is not valid: domain is not running"), \
    (55, 12, "Requested operation is not valid: domain is not running")
TIB = 1 << 40
BLOCK = [TIB - 5177344, TIB, TIB]
EXPECTED: list[Any] = [
    ("fair", 1), {"weight": 50}, UNSUPPORTED_SCHED_FLAGS, 0, {"weight": 50},
    {"weight": 0, "device_weight": "", "device_read_iops_sec": "", "device_write_iops_sec": "",
     "device_read_bytes_sec": "", "device_write_bytes_sec": ""}, 0, 500,
    {"seconds": 627319920, "nseconds": 0}, (8, 12, "unsupported flags (0x1) in function testDomainGetTime"),
    [0, 0, 0],
    ({"seconds": 1, "nseconds": 7}, [1, 0, 1]), ({"seconds": 9999, "nseconds": 7}, [1, 0, 9999]),
    ({"seconds": 10000, "nseconds": 7}, [2, 0, 0]), ({"seconds": 29999, "nseconds": 7}, [2, 0, 19999]),
    ({"seconds": 30001, "nseconds": 7}, [3, 1, 1]), ({"seconds": 30003, "nseconds": 7}, [3, 3, 3]),
    ({"seconds": 59999, "nseconds": 7}, [3, 3, 29999]), ({"seconds": 60000, "nseconds": 7}, [0, 0, 0]),
    0, {"seconds": 0, "nseconds": 0}, [("/", "vda1", "ext4", ["vda"]), ("/boot", "vda2", "ext4", ["vda"])],
    0, (55, 12, "Requested operation is not valid: mount point not found: /x"),
    (8, 12, "unsupported flags (0x1) in function testDomainFSTrim"),
    1, 1, 0, 1, 1, 0, (55, 12, "Requested operation is not valid: mount point not found: /x"),
    "testhost", (8, 12, "unsupported flags (0x1) in function testDomainGetHostname"),
    BLOCK, BLOCK, (8, 12, "invalid argument: invalid path vdz not assigned to domain"),
    (84, 12, "Operation not supported: summary statistics are not supported yet"),
    (8, 12, "invalid argument: invalid path: vdz"), (8, 20, "invalid argument: 'nope' is not a known interface"),
    {"vda": 1},
    {"actual": 2097152, "swap_in": 0, "swap_out": 0, "major_fault": 0, "minor_fault": 0, "unused": 1048576,
     "available": 2097152, "usable": 1048576, "last_update": 627319920, "disk_caches": 262144,
     "hugetlb_pgalloc": 0, "hugetlb_pgfail": 0, "rss": 1048576},
    [{"cpu_time": 48772617035, "user_time": 5540000000, "system_time": 6460000000}],
    [{"cpu_time": 24386308517, "vcpu_time": 23151740627}, {"cpu_time": 24386308518, "vcpu_time": 23151740628}],
    [(0, 1, 15), (1, 1, 15)], (8, 12, "unsupported flags (0x4) in function testDomainGetLaunchSecurityInfo"),
    True, True, True, True, True,
    NOT_RUNNING_TEST, 0, [1, 0, 5], [("/", "vda1", "ext4", ["vda"]), ("/boot", "vda2", "ext4", ["vda"])],
    NOT_RUNNING, NOT_RUNNING_TEST, NOT_RUNNING, NOT_RUNNING, NOT_RUNNING, NOT_RUNNING, NOT_RUNNING,
    (55, 12, "Requested operation is not valid: cannot list vcpus for an inactive domain"), NOT_RUNNING,
    (84, 12, "Operation not supported: summary statistics are not supported yet"), NOT_RUNNING, NOT_RUNNING,
    BLOCK, {"weight": 50},
    {"seconds": 5, "nseconds": 0}, [1, 0, 5],
    [("/", "sdb1", "ext4", ["sdb"]), ("/boot", "sdb2", "ext4", ["sdb"])], {"sdb": 1, "hdc": 2, "vdc": 1},
    {"actual": 262144, "swap_in": 0, "swap_out": 0, "major_fault": 0, "minor_fault": 0, "unused": 131072,
     "available": 262144, "usable": 131072, "last_update": 627319920, "disk_caches": 32768,
     "hugetlb_pgalloc": 0, "hugetlb_pgfail": 0, "rss": 131072},
    [(0, 3), (1, 3), (2, 3)], "fixed2host", BLOCK,
]


def test_fixed_figures_on_fakevirt(fakevirt: ThreadedServer) -> None:
    assert _scenario(fakevirt.uri("default").replace("qemu+", "test+")) == EXPECTED


def test_fixed_figures_through_virsh(fakevirt: ThreadedServer, virsh) -> None:  # type: ignore[no-untyped-def]
    uri = fakevirt.uri("default").replace("qemu+", "test+")
    assert virsh("schedinfo", "test", uri=uri).stdout.split() == ["Scheduler", ":", "fair", "weight", ":", "50"]
    assert virsh("domtime", "test", "--pretty", uri=uri).stdout.strip() == "Time: 1989-11-17 15:32:00"
    assert "/boot        vda2   ext4   vda" in virsh("domfsinfo", "test", uri=uri).stdout
    assert virsh("domblkerror", "test", uri=uri).stdout.strip() == "vda: unspecified error"
    r = virsh("domblkstat", "test", "vda", "--human", uri=uri)
    assert r.returncode == 0 and "number of read operations:" in r.stdout, r.stderr


@pytest.mark.real
def test_fixed_figures_on_libvirtd(reference_uri: str) -> None:
    u = urlsplit(reference_uri)
    assert _scenario(f"test+tcp://{u.hostname}:{u.port}/default") == EXPECTED
