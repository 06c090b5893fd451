"""The block-device model: throttling rules, per-run state, resize over a backing file, thresholds on qcow2 growth."""

from __future__ import annotations

import pytest

from fakevirt.errors import VirtError
from fakevirt.model.blockdev import iotune
from fakevirt.model.blockdev.iotune import IoTune
from fakevirt.model.blockdev.state import record_disk_error
from fakevirt.model.clock import ManualClock
from fakevirt.model.domain import Domain
from fakevirt.model.events import DomainEvent, EventID
from fakevirt.model.flags.blockdev import DomainDiskErrorCode
from fakevirt.model.hypervisor import Hypervisor
from fakevirt.xml.domain import parse_domain_xml
from tests.integration.domblk_common import domain_xml

IMAGES = "/img"


@pytest.fixture
def hv() -> Hypervisor:
    return Hypervisor(clock=ManualClock(1_700_000_000.0))


def running(hv: Hypervisor, backing: bool = False) -> Domain:
    images = hv.images
    if backing:
        images.create(f"{IMAGES}/base.qcow2", "qcow2", 1 << 20)
        images.write(f"{IMAGES}/base.qcow2", 0, b"B" * (1 << 20))
        images.create(f"{IMAGES}/vm.qcow2", "qcow2", backing=f"{IMAGES}/base.qcow2", backing_fmt="qcow2")
    else:
        images.create(f"{IMAGES}/vm.qcow2", "qcow2", 64 << 20)
    images.create(f"{IMAGES}/vm2.raw", "raw", 32 << 20)
    domains = hv.system.domains
    dom = domains.define(domains.complete_definition(parse_domain_xml(domain_xml("m", IMAGES))))
    domains.start(dom)
    return dom


def test_a_kind_given_replaces_its_kind_and_keeps_the_rest() -> None:
    old = IoTune({"total_bytes_sec": 1000, "total_bytes_sec_max": 2000, "read_iops_sec": 5}, "g")
    new = iotune.merged(old, {"write_bytes_sec": 7}, None, False, None)
    assert new.values == {"write_bytes_sec": 7, "total_bytes_sec_max": 2000, "read_iops_sec": 5}
    assert new.group_name == "g"
    with pytest.raises(VirtError, match="cannot reset 'total_bytes_sec' when 'total_bytes_sec_max' is set"):
        iotune.check_live(new)


def test_all_zero_drops_the_group_and_a_lone_group_copies_a_member() -> None:
    old = IoTune({"read_iops_sec": 5}, "g")
    assert iotune.merged(old, {"read_iops_sec": 0}, None, False, None) == IoTune({}, None)
    member = IoTune({"total_iops_sec": 9}, "h")
    assert iotune.merged(old, {}, "h", True, member) == IoTune({"total_iops_sec": 9}, "h")
    with pytest.raises(VirtError, match="all tune parameters zero"):
        iotune.merged(old, {"read_iops_sec": 0}, "new", True, None)


def test_counters_belong_to_one_run(hv: Hypervisor) -> None:
    dom = running(hv)
    domains, bd = hv.system.domains, hv.system.blockdev
    domains.guest_write(dom, "vda", 0, b"x" * 4096)
    record_disk_error(dom, "vda", DomainDiskErrorCode.DISK_ERROR_NO_SPACE)
    bd.set_threshold(dom, "vdb", 4096, 0)
    assert bd.stats(dom, "vda") == (0, 0, 1, 4096, -1)
    assert bd.disk_errors(dom, 10, 0) == ([("vda", DomainDiskErrorCode.DISK_ERROR_NO_SPACE)], 1)
    domains.destroy(dom)
    domains.start(dom)
    assert bd.stats(dom, "vda") == (0, 0, 0, 0, -1)
    assert bd.disk_errors(dom, 10, 0) == ([], 0)
    assert bd.threshold_of(dom, "vdb") is None


def test_growing_over_a_backing_file_hides_its_data(hv: Hypervisor) -> None:
    dom = running(hv, backing=True)
    bd, domains = hv.system.blockdev, hv.system.domains
    bd.resize(dom, "vda", 512 * 1024, 1)  # shrink below the backing file's data, then grow again
    bd.resize(dom, "vda", 1 << 20, 1)
    assert domains.guest_read(dom, "vda", 0, 4) == b"BBBB"
    assert domains.guest_read(dom, "vda", 600 * 1024, 4) == bytes(4)  # QEMU zeroes what was cut off


def test_qcow2_threshold_fires_when_the_file_grows_past_it(hv: Hypervisor) -> None:
    dom = running(hv)
    seen: list[DomainEvent] = []
    hv.bus.subscribe(DomainEvent, seen.append)
    bd, domains = hv.system.blockdev, hv.system.domains
    domains.guest_write(dom, "vda", 0, b"a" * 512)
    end = bd.file_end(f"{IMAGES}/vm.qcow2")
    bd.set_threshold(dom, "vda", end, 0)
    domains.guest_write(dom, "vda", 0, b"b" * 512)  # an overwrite: the file does not grow
    assert not [e for e in seen if e.event_id == EventID.BLOCK_THRESHOLD]
    domains.guest_write(dom, "vda", 32 << 20, b"c" * 512)  # a new cluster (and L2 table) past the end
    fired = [e.data for e in seen if e.event_id == EventID.BLOCK_THRESHOLD]
    assert [d["dev"] for d in fired] == ["vda", "vda[3]"]
    assert fired[0]["excess"] == fired[1]["excess"] == bd.file_end(f"{IMAGES}/vm.qcow2") - end > 0
    assert bd.threshold_of(dom, "vda") is None
