"""virsh domblkinfo, domblkstat, domblkerror, blockresize, blkdeviotune, domblkthreshold against fakevirt.

The expected texts are what virsh printed against a real libvirtd 9.0 with a TCG domain of the same
disks (test_domblk_reference.py replays the scenario there).
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from fakevirt.testing import ThreadedServer
from tests.integration.conftest import err, ok
from tests.integration.domblk_common import (
    QCOW2_SIZE,
    RAW_SIZE,
    domain_xml,
    guest_read,
    guest_write,
    make_images,
)

IMAGES = "/var/lib/libvirt/images/blk"
NAME = "blk1"
NO_IOTUNE = "\n".join(f"{k}: 0" for k in (
    "total_bytes_sec", "read_bytes_sec ", "write_bytes_sec", "total_iops_sec ", "read_iops_sec  ", "write_iops_sec ",
    "total_bytes_sec_max", "read_bytes_sec_max", "write_bytes_sec_max", "total_iops_sec_max", "read_iops_sec_max",
    "write_iops_sec_max", "size_iops_sec  "))


@pytest.fixture
def running(virsh: Callable[..., object], fakevirt: ThreadedServer, tmp_path: Path) -> str:
    make_images(fakevirt, IMAGES)
    xml = tmp_path / "d.xml"
    xml.write_text(domain_xml(NAME, IMAGES))
    ok(virsh("define", str(xml)))
    ok(virsh("start", NAME))
    return NAME


def fields(out: str) -> dict[str, str]:
    return {k.strip(): v.strip() for k, v in (line.split(":", 1) for line in out.strip().splitlines())}


def test_domblkinfo_single_all_and_errors(virsh, running, fakevirt) -> None:
    assert fields(ok(virsh("domblkinfo", running, "vda")))["Capacity"] == str(QCOW2_SIZE)
    table = ok(virsh("domblkinfo", running, "--all")).splitlines()
    assert table[0].split() == ["Target", "Capacity", "Allocation", "Physical"]
    assert table[2].split()[:2] == ["vda", str(QCOW2_SIZE)]
    assert table[3].split()[:2] == ["vdb", str(RAW_SIZE)] and table[3].split()[3] == str(RAW_SIZE)
    assert table[4].split() == ["hdc", "-", "-", "-"]
    assert err(virsh("domblkinfo", running, "hdc")) == (
        "error: invalid argument: disk 'hdc' does not currently have a source assigned")
    assert err(virsh("domblkinfo", running, "vdz")) == "error: invalid argument: invalid path vdz not assigned to domain"
    by_path = fields(ok(virsh("domblkinfo", running, f"{IMAGES}/vm2.raw")))
    assert by_path == fields(ok(virsh("domblkinfo", running, "vdb")))


def test_domblkstat_counts_guest_io(virsh, running, fakevirt) -> None:
    before = ok(virsh("domblkstat", running, "vda"))
    assert "vda rd_req 0\nvda rd_bytes 0\nvda wr_req 0\nvda wr_bytes 0\nvda flush_operations 0\n" in before
    guest_write(fakevirt, running, "vda", 4096, b"x" * 8192)
    guest_write(fakevirt, running, "vda", 0, b"y" * 512)
    assert guest_read(fakevirt, running, "vda", 4096, 4096) == b"x" * 4096
    guest_write(fakevirt, running, "vdb", 0, b"z" * 1024)
    stats = {line.split()[1]: int(line.split()[2]) for line in ok(virsh("domblkstat", running, "vda")).strip().splitlines()}
    assert (stats["rd_req"], stats["rd_bytes"], stats["wr_req"], stats["wr_bytes"]) == (1, 4096, 2, 8704)
    assert stats["rd_total_times"] > 0 and stats["wr_total_times"] > stats["rd_total_times"]
    total = {line.split()[0]: int(line.split()[1]) for line in ok(virsh("domblkstat", running)).strip().splitlines()}
    assert (total["wr_req"], total["wr_bytes"]) == (3, 8704 + 1024)
    human = ok(virsh("domblkstat", running, "vda", "--human"))
    assert "Device: vda\n number of read operations:      1\n number of bytes read:           4096\n" in human
    assert err(virsh("domblkstat", running, "vdz")) == "error: invalid argument: invalid path: vdz"
    ok(virsh("destroy", running))
    assert err(virsh("domblkstat", running, "vda")) == "error: Requested operation is not valid: domain is not running"
    ok(virsh("start", running))  # a new QEMU process counts from zero
    assert "vda wr_req 0\n" in ok(virsh("domblkstat", running, "vda"))


def test_blockresize_grows_and_shrinks_with_libvirts_rounding(virsh, running, fakevirt) -> None:
    assert ok(virsh("blockresize", running, "vda", "128M")).strip() == "Block device 'vda' is resized"
    assert fields(ok(virsh("domblkinfo", running, "vda")))["Capacity"] == str(128 << 20)
    guest_write(fakevirt, running, "vda", 100 << 20, b"tail")
    assert guest_read(fakevirt, running, "vda", 100 << 20, 4) == b"tail"
    ok(virsh("blockresize", running, "vda", "1000B"))  # qcow2: rounded up to a sector
    assert fields(ok(virsh("domblkinfo", running, "vda")))["Capacity"] == "1024"
    ok(virsh("blockresize", running, "vdb", "1000B"))  # raw: the file gets the exact size, QEMU sees whole sectors
    info = fields(ok(virsh("domblkinfo", running, "vdb")))
    assert (info["Capacity"], info["Physical"]) == ("1024", "1000")
    ok(virsh("blockresize", running, "vda", "64M"))
    assert guest_read(fakevirt, running, "vda", 0, 1024) == bytes(1024)
    assert err(virsh("blockresize", running, "hdc", "1M")) == (
        "error: Failed to resize block device 'hdc'\n"
        "error: Operation not supported: can't resize empty or readonly disk 'hdc'")
    assert err(virsh("blockresize", running, "vdz", "1M")) == (
        "error: Failed to resize block device 'vdz'\n"
        "error: invalid argument: disk 'vdz' was not found in the domain config")
    assert err(virsh("blockresize", running, "vda", str((1 << 41) + 1))) == (  # KiB: 2 PiB + 1 KiB is past qcow2's L1 bound
        "error: Failed to resize block device 'vda'\n"
        "error: internal error: unable to execute QEMU command 'block_resize': Failed to grow the L1 table: File too large")
    ok(virsh("destroy", running))
    assert err(virsh("blockresize", running, "vda", "1M")) == (
        "error: Failed to resize block device 'vda'\nerror: Requested operation is not valid: domain is not running")


def test_blkdeviotune_validation_live_config_and_xml(virsh, running) -> None:
    assert ok(virsh("blkdeviotune", running, "vda")).startswith(NO_IOTUNE + "\ngroup_name     : \n")
    fail = "error: Unable to change block I/O throttle\nerror: "
    for args, text in (
        (["--total-bytes-sec", "1000", "--read-bytes-sec", "10"],
         "invalid argument: total and read/write of bytes_sec cannot be set at the same time"),
        (["--read-iops-sec", "5", "--total-iops-sec", "6"],
         "invalid argument: total and read/write of iops_sec cannot be set at the same time"),
        (["--total-bytes-sec-max", "1000"],
         "unsupported configuration: cannot reset 'total_bytes_sec' when 'total_bytes_sec_max' is set"),
        (["--total-bytes-sec", "1000", "--total-bytes-sec-max", "10"],
         "unsupported configuration: value 'total_bytes_sec_max' cannot be smaller than 'total_bytes_sec'"),
        (["--total-bytes-sec", "1000", "--total-bytes-sec-max-length", "10"],
         "internal error: unable to execute QEMU command 'block_set_io_throttle': burst length set without burst rate"),
        (["--total-bytes-sec", "1000000000000001"],
         "argument unsupported: block I/O throttle limit value must be no more than 1000000000000000"),
        (["--size-iops-sec", "512"],
         "internal error: unable to execute QEMU command 'block_set_io_throttle': iops size requires an iops value to be set"),
    ):
        assert err(virsh("blkdeviotune", running, "vda", *args)) == fail + text, args
    ok(virsh("blkdeviotune", running, "vda", "--total-bytes-sec", "1000", "--total-bytes-sec-max", "2000",
             "--total-bytes-sec-max-length", "10"))
    ok(virsh("blkdeviotune", running, "vda", "--group-name", "grp"))  # the limits stay
    got = fields(ok(virsh("blkdeviotune", running, "vda")))
    assert (got["total_bytes_sec"], got["total_bytes_sec_max"], got["group_name"], got["total_bytes_sec_max_length"]) == (
        "1000", "2000", "grp", "10")
    assert """      <target dev='vda' bus='virtio'/>
      <iotune>
        <total_bytes_sec>1000</total_bytes_sec>
        <total_bytes_sec_max>2000</total_bytes_sec_max>
        <group_name>grp</group_name>
        <total_bytes_sec_max_length>10</total_bytes_sec_max_length>
      </iotune>
""" in ok(virsh("dumpxml", running))
    assert "<iotune>" not in ok(virsh("dumpxml", running, "--inactive"))
    assert err(virsh("blkdeviotune", running, "vda", "--write-bytes-sec", "7")) == (  # total goes, its max stays
        fail + "unsupported configuration: cannot reset 'total_bytes_sec' when 'total_bytes_sec_max' is set")
    assert err(virsh("blkdeviotune", running, "vda", "--total-bytes-sec", "0", "--total-bytes-sec-max", "0",
                     "--total-bytes-sec-max-length", "0", "--group-name", "other")) == (
        fail + "unsupported configuration: creating a new group/updating existing with all tune parameters zero is not supported")
    ok(virsh("blkdeviotune", running, "vda", "--total-bytes-sec", "0", "--total-bytes-sec-max", "0",
             "--total-bytes-sec-max-length", "0"))
    assert ok(virsh("blkdeviotune", running, "vda")).startswith(NO_IOTUNE + "\ngroup_name     : \n")
    # a group: a disk joining it takes its limits, a change to one changes all
    ok(virsh("blkdeviotune", running, "vdb", "--read-bytes-sec", "100", "--group-name", "g2"))
    ok(virsh("blkdeviotune", running, "vda", "--group-name", "g2"))
    ok(virsh("blkdeviotune", running, "vdb", "--read-bytes-sec", "300"))
    assert fields(ok(virsh("blkdeviotune", running, "vda")))["read_bytes_sec"] == "300"
    # the persistent definition is checked less: QEMU sees it only at the next start
    ok(virsh("blkdeviotune", running, "vda", "--config", "--read-iops-sec", "5", "--size-iops-sec", "7",
             "--total-bytes-sec-max", "5"))
    conf = fields(ok(virsh("blkdeviotune", running, "vda", "--config")))
    assert (conf["read_iops_sec"], conf["size_iops_sec"], conf["total_bytes_sec_max"]) == ("5", "7", "5")
    assert err(virsh("blkdeviotune", running, "hdc")) == (
        "error: Unable to get block I/O throttle parameters\n"
        "error: internal error: block_io_throttle inserted entry was not in expected format")
    assert err(virsh("blkdeviotune", running, "vdz")) == (
        "error: Unable to get block I/O throttle parameters\nerror: invalid argument: disk 'vdz' not found in domain")
    ok(virsh("destroy", running))
    assert err(virsh("blkdeviotune", running, "vda", "--live")) == (
        "error: Unable to get number of block I/O throttle parameters\n"
        "error: Requested operation is not valid: domain is not running")
    ok(virsh("blkdeviotune", running, "vda", "--total-bytes-sec", "5"))  # inactive: the persistent definition
    assert "<iotune>\n        <total_bytes_sec>5</total_bytes_sec>\n" in ok(virsh("dumpxml", running))


@pytest.mark.parametrize(("body", "text"), [
    ("<total_bytes_sec>abc</total_bytes_sec>", "XML error: disk iotune field 'total_bytes_sec' must be an integer"),
    ("<total_bytes_sec>5</total_bytes_sec><read_bytes_sec>5</read_bytes_sec>",
     "XML error: total and read/write bytes_sec cannot be set at the same time"),
    ("<total_bytes_sec_max>5</total_bytes_sec_max><write_bytes_sec_max>5</write_bytes_sec_max>",
     "XML error: total and read/write bytes_sec_max cannot be set at the same time"),
    ("<total_bytes_sec>0</total_bytes_sec><group_name>g</group_name>",
     "unsupported configuration: group_name can be configured only together with settings"),
    ("<total_bytes_sec>2000000000000000</total_bytes_sec>",
     "argument unsupported: block I/O throttle limit must be no more than 1000000000000000 using QEMU"),
])
def test_iotune_xml_is_validated_on_define(virsh, tmp_path, body: str, text: str) -> None:
    xml = tmp_path / "d.xml"
    xml.write_text(domain_xml("blk2", IMAGES).replace("<target dev='vda' bus='virtio'/>",
                                                       f"<target dev='vda' bus='virtio'/><iotune>{body}</iotune>"))
    assert err(virsh("define", str(xml))) == f"error: Failed to define domain from {xml}\nerror: {text}"


def test_domblkthreshold_and_domblkerror(virsh, running, fakevirt) -> None:
    assert ok(virsh("domblkerror", running)).strip() == "No errors found"
    assert err(virsh("domblkthreshold", running, "vdz", "1M")) == "error: invalid argument: failed to find disk 'vdz'"
    assert err(virsh("domblkthreshold", running, "vda[1]", "1M")) == "error: invalid argument: failed to find disk 'vda[1]'"
    assert err(virsh("domblkthreshold", running, "hdc", "1M")) == (
        "error: internal error: argument key 'node-name' must not have null value")
    ok(virsh("domblkthreshold", running, "vda[3]", "1M"))  # vda's image has node index 3, as on libvirtd
    from fakevirt.model.blockdev.state import record_disk_error
    from fakevirt.model.flags.blockdev import DomainDiskErrorCode
    domains = fakevirt.hypervisor.system.domains
    fakevirt.call(lambda: record_disk_error(domains.by_name(running), "vdb", DomainDiskErrorCode.DISK_ERROR_NO_SPACE))
    assert ok(virsh("domblkerror", running)).strip() == "vdb: no space"
    ok(virsh("destroy", running))
    assert err(virsh("domblkerror", running)) == "error: Requested operation is not valid: domain is not running"
    assert err(virsh("domblkthreshold", running, "vda", "1M")) == (
        "error: Requested operation is not valid: domain is not running")
    ok(virsh("start", running))
    assert ok(virsh("domblkerror", running)).strip() == "No errors found"
