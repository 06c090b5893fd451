"""libvirt-python's block-device calls against fakevirt: sizes, stats, peek, throttling, threshold events, disk errors."""

from __future__ import annotations

from collections.abc import Iterator

import libvirt
import pytest

from fakevirt.model.blockdev.state import record_disk_error
from fakevirt.model.flags.blockdev import DomainDiskErrorCode
from fakevirt.testing import ThreadedServer
from fakevirt.testing.libvirt_events import ensure_event_loop, wait_for
from tests.integration.conftest import error_of
from tests.integration.domblk_common import (
    QCOW2_SIZE,
    RAW_SIZE,
    domain_xml,
    guest_read,
    guest_write,
    make_images,
)

IMAGES = "/var/lib/libvirt/images/blkpy"
E = libvirt


@pytest.fixture
def dom(fakevirt: ThreadedServer, fakevirt_uri: str) -> Iterator[libvirt.virDomain]:
    make_images(fakevirt, IMAGES)
    ensure_event_loop()  # before the connection opens, or its events are never dispatched
    conn = libvirt.open(fakevirt_uri)
    d = conn.defineXML(domain_xml("blkpy", IMAGES))
    d.create()
    yield d
    conn.close()


def test_block_info_and_resize(dom: libvirt.virDomain, fakevirt: ThreadedServer) -> None:
    assert dom.blockInfo("vdb", 0) == [RAW_SIZE, 0, RAW_SIZE]
    assert dom.blockInfo(f"{IMAGES}/vm.qcow2", 0)[0] == QCOW2_SIZE
    assert error_of(dom.blockInfo, "vda", 1) == (
        E.VIR_ERR_INVALID_ARG, E.VIR_FROM_QEMU, "unsupported flags (0x1) in function qemuDomainGetBlockInfo")
    assert dom.blockResize("vda", 100 * 1024, 0) == 0  # KiB
    assert dom.blockInfo("vda", 0)[0] == 100 << 20
    assert dom.blockResize("vda", 1000, E.VIR_DOMAIN_BLOCK_RESIZE_BYTES) == 0
    assert dom.blockInfo("vda", 0)[0] == 1024
    assert error_of(dom.blockResize, "vda", 1000, 4) == (
        E.VIR_ERR_INVALID_ARG, E.VIR_FROM_QEMU, "unsupported flags (0x4) in function qemuDomainBlockResize")
    assert error_of(dom.blockResize, "vda", 1 << 62, 0) == (
        E.VIR_ERR_OVERFLOW, E.VIR_FROM_QEMU, "numerical overflow: size must be less than 18014398509481983")


def test_block_stats_follow_guest_io(dom: libvirt.virDomain, fakevirt: ThreadedServer) -> None:
    assert dom.blockStats("vda") == (0, 0, 0, 0, -1)
    guest_write(fakevirt, "blkpy", "vda", 0, b"a" * 4096)
    guest_write(fakevirt, "blkpy", "vdb", 512, b"b" * 512)
    guest_read(fakevirt, "blkpy", "vdb", 0, 1024)
    assert dom.blockStats("vda") == (0, 0, 1, 4096, -1)
    assert dom.blockStats("") == (1, 1024, 2, 4608, -1)
    stats = dom.blockStatsFlags("vdb", 0)
    assert list(stats) == ["wr_bytes", "wr_operations", "rd_bytes", "rd_operations", "flush_operations",
                           "wr_total_times", "rd_total_times", "flush_total_times"]
    assert (stats["wr_bytes"], stats["wr_operations"], stats["rd_bytes"], stats["rd_operations"]) == (512, 1, 1024, 1)
    assert stats["rd_total_times"] > 0 and stats["flush_total_times"] == 0
    record = dom.connect().domainListGetStats([dom], E.VIR_DOMAIN_STATS_BLOCK)[0][1]
    assert (record["block.count"], record["block.0.name"], record["block.0.path"], record["block.0.backingIndex"]) == (
        3, "vda", f"{IMAGES}/vm.qcow2", 3)
    assert (record["block.0.wr.reqs"], record["block.0.wr.bytes"], record["block.1.rd.bytes"]) == (1, 4096, 1024)
    assert record["block.1.capacity"] == RAW_SIZE and "block.2.path" not in record
    assert error_of(dom.blockStats, "vdz") == (E.VIR_ERR_INVALID_ARG, E.VIR_FROM_QEMU, "invalid argument: invalid path: vdz")
    assert error_of(dom.blockStatsFlags, "vda", 1) == (
        E.VIR_ERR_INVALID_ARG, E.VIR_FROM_QEMU, "unsupported flags (0x1) in function qemuDomainBlockStatsFlags")


def test_block_peek_reads_raw_disks_only(dom: libvirt.virDomain, fakevirt: ThreadedServer) -> None:
    guest_write(fakevirt, "blkpy", "vdb", 1000, b"hello")
    assert dom.blockPeek("vdb", 998, 8, 0) == b"\0\0hello\0"
    assert dom.blockPeek(f"{IMAGES}/vm2.raw", 1000, 5, 0) == b"hello"
    assert error_of(dom.blockPeek, "vda", 0, 16, 0) == (
        E.VIR_ERR_OPERATION_UNSUPPORTED, E.VIR_FROM_QEMU, "Operation not supported: peeking is only supported for disk with 'raw' format not 'qcow2'")
    assert error_of(dom.blockPeek, "hdc", 0, 16, 0) == (
        E.VIR_ERR_OPERATION_UNSUPPORTED, E.VIR_FROM_QEMU, "Operation not supported: peeking is only supported for disk with 'raw' format not 'none'")
    assert error_of(dom.blockPeek, "vdz", 0, 16, 0) == (E.VIR_ERR_INVALID_ARG, E.VIR_FROM_QEMU, "invalid argument: disk 'vdz' not found in domain")
    assert error_of(dom.blockPeek, "vdb", RAW_SIZE - 5, 10, 0) == (
        E.VIR_ERR_INVALID_ARG, E.VIR_FROM_QEMU, f"invalid argument: 'vdb' starting from {RAW_SIZE - 5} has only 5 bytes available")
    assert error_of(dom.blockPeek, "vdb", RAW_SIZE + 100, 1, 0) == (
        E.VIR_ERR_INVALID_ARG, E.VIR_FROM_QEMU, f"invalid argument: 'vdb' starting from {RAW_SIZE + 100} has only 0 bytes available")
    assert error_of(dom.blockPeek, "vdb", 0, 0, 0) == (
        E.VIR_ERR_SYSTEM_ERROR, E.VIR_FROM_STORAGE, f"cannot read header '{IMAGES}/vm2.raw': Invalid argument")
    assert error_of(dom.blockPeek, "vdb", 0, 16, 1) == (
        E.VIR_ERR_INVALID_ARG, E.VIR_FROM_QEMU, "unsupported flags (0x1) in function qemuDomainBlockPeek")
    dom.destroy()
    assert dom.blockPeek("vdb", 1000, 5, 0) == b"hello"  # the file, with or without QEMU


def test_block_io_tune_typed_params(dom: libvirt.virDomain) -> None:
    tune = dom.blockIoTune("vda", 0)
    assert len(tune) == 20 and tune["group_name"] == "" and not any(v for k, v in tune.items() if k != "group_name")
    dom.setBlockIoTune("vda", {"read_iops_sec": 50, "read_iops_sec_max": 80, "group_name": "g"}, E.VIR_DOMAIN_AFFECT_LIVE)
    tune = dom.blockIoTune("vda", E.VIR_DOMAIN_AFFECT_LIVE)
    assert (tune["read_iops_sec"], tune["read_iops_sec_max"], tune["group_name"]) == (50, 80, "g")
    assert error_of(dom.setBlockIoTune, "vda", {"bogus": 1}, 0) == (
        E.VIR_ERR_ARGUMENT_UNSUPPORTED, E.VIR_FROM_NONE, "argument unsupported: parameter 'bogus' not supported")
    assert error_of(dom.setBlockIoTune, "vda", {}, 0) == (
        E.VIR_ERR_INVALID_ARG, E.VIR_FROM_DOMAIN, "nparams in virDomainSetBlockIoTune must be greater than zero")
    assert error_of(dom.setBlockIoTune, "vda", {"total_bytes_sec": 5}, 0x20) == (
        E.VIR_ERR_INVALID_ARG, E.VIR_FROM_QEMU, "unsupported flags (0x20) in function qemuDomainSetBlockIoTune")
    assert error_of(dom.blockIoTune, "vdz", E.VIR_DOMAIN_AFFECT_CONFIG) == (
        E.VIR_ERR_INVALID_ARG, E.VIR_FROM_QEMU, "invalid argument: disk 'vdz' was not found in the domain config")
    assert error_of(dom.setBlockIoTune, "vdz", {"total_bytes_sec": 5}, E.VIR_DOMAIN_AFFECT_CONFIG) == (
        E.VIR_ERR_INVALID_ARG, E.VIR_FROM_QEMU, "invalid argument: missing persistent configuration for disk 'vdz'")


def test_block_threshold_event_fires_once(dom: libvirt.virDomain, fakevirt: ThreadedServer) -> None:
    conn = dom.connect()
    seen: list[tuple[str, str, int, int]] = []
    cid = conn.domainEventRegisterAny(dom, E.VIR_DOMAIN_EVENT_ID_BLOCK_THRESHOLD,
                                      lambda c, d, dev, path, threshold, excess, o: seen.append((dev, path, threshold, excess)),
                                      None)
    dom.setBlockThreshold("vdb", 1 << 20, 0)
    guest_write(fakevirt, "blkpy", "vdb", 0, b"x" * 4096)  # below: nothing
    guest_write(fakevirt, "blkpy", "vdb", (1 << 20) - 512, b"x" * 1024)  # crosses by 512 bytes
    guest_write(fakevirt, "blkpy", "vdb", 2 << 20, b"x" * 1024)  # the threshold is gone
    wait_for(lambda: len(seen) >= 2)
    assert seen == [("vdb", f"{IMAGES}/vm2.raw", 1 << 20, 512), ("vdb[2]", f"{IMAGES}/vm2.raw", 1 << 20, 512)]
    seen.clear()
    dom.setBlockThreshold("vda[3]", 300 * 1024, 0)  # qcow2: the file's growth crosses it
    guest_write(fakevirt, "blkpy", "vda", 0, b"y" * (256 * 1024))
    wait_for(lambda: len(seen) >= 1)
    dev, _path, threshold, excess = seen[0]
    assert (len(seen), dev, threshold) == (1, "vda[3]", 300 * 1024) and excess > 0
    assert error_of(dom.setBlockThreshold, "vda", 1, 1) == (
        E.VIR_ERR_INVALID_ARG, E.VIR_FROM_QEMU, "unsupported flags (0x1) in function qemuDomainSetBlockThreshold")
    conn.domainEventDeregisterAny(cid)


def test_disk_errors(dom: libvirt.virDomain, fakevirt: ThreadedServer) -> None:
    assert dom.diskErrors(0) == {}
    domains = fakevirt.hypervisor.system.domains
    fakevirt.call(lambda: record_disk_error(domains.by_name("blkpy"), "vda"))
    fakevirt.call(lambda: record_disk_error(domains.by_name("blkpy"), "vdb", DomainDiskErrorCode.DISK_ERROR_NO_SPACE))
    assert dom.diskErrors(0) == {"vda": E.VIR_DOMAIN_DISK_ERROR_UNSPEC, "vdb": E.VIR_DOMAIN_DISK_ERROR_NO_SPACE}
    fakevirt.call(lambda: record_disk_error(domains.by_name("blkpy"), "vda", DomainDiskErrorCode.DISK_ERROR_NONE))
    assert dom.diskErrors(0) == {"vdb": E.VIR_DOMAIN_DISK_ERROR_NO_SPACE}
    dom.destroy()
    assert error_of(dom.diskErrors, 0) == (E.VIR_ERR_OPERATION_INVALID, E.VIR_FROM_DOMAIN,
                                           "Requested operation is not valid: domain is not running")


