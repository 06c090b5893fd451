"""dir pools and their volumes through real virsh, with the storage driver's outputs and error texts."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

import fakevirt.handlers.storage  # noqa: F401  registers
import fakevirt.handlers.storage_vol  # noqa: F401  registers
from tests.integration.conftest import err, ok


def vol_names(virsh, pool: str) -> list[str]:
    return [line.split()[0] for line in ok(virsh("vol-list", pool)).splitlines()[2:] if line.strip()]


def fields(text: str) -> dict[str, str]:
    return {k.strip(): v.strip() for k, v in (line.split(":", 1) for line in text.strip().splitlines())}


@pytest.fixture
def pool(virsh) -> str:
    ok(virsh("pool-define-as", "fv", "dir", "--target", "/tmp/fv-pools/fv"))
    ok(virsh("pool-build", "fv"))
    ok(virsh("pool-start", "fv"))
    return "fv"


def test_pool_lifecycle(virsh) -> None:
    assert "Pool fv defined" in ok(virsh("pool-define-as", "fv", "dir", "--target", "/tmp/fv-pools/fv"))
    xml = ok(virsh("pool-dumpxml", "fv"))
    assert "<capacity unit='bytes'>0</capacity>" in xml and "<path>/tmp/fv-pools/fv</path>" in xml
    assert "<permissions>" not in xml
    assert fields(ok(virsh("pool-info", "fv")))["State"] == "inactive"
    assert err(virsh("pool-start", "fv")).endswith(
        "error: cannot open directory '/tmp/fv-pools/fv': No such file or directory")
    assert "Pool fv built" in ok(virsh("pool-build", "fv"))
    assert "Pool fv started" in ok(virsh("pool-start", "fv"))
    info = fields(ok(virsh("pool-info", "fv")))
    assert info["State"] == "running" and info["Persistent"] == "yes" and info["Capacity"] == "256.00 GiB"
    assert "<mode>0711</mode>" in ok(virsh("pool-dumpxml", "--inactive", "fv"))
    row = ok(virsh("pool-list", "--all", "--details")).splitlines()[2].split()
    assert row[:5] == ["fv", "running", "no", "yes", "256.00"]
    assert err(virsh("pool-start", "fv")).endswith(
        "error: Requested operation is not valid: storage pool 'fv' is already active")
    assert err(virsh("pool-undefine", "fv")).endswith(
        "error: Requested operation is not valid: storage pool 'fv' is still active")
    assert err(virsh("pool-define-as", "fv2", "dir", "--target", "/tmp/fv-pools/fv")).endswith(
        "error: operation failed: Storage source conflict with pool: 'fv'")
    ok(virsh("pool-autostart", "fv"))
    assert ok(virsh("pool-list", "--autostart", "--name")).split() == ["fv"]
    uuid = ok(virsh("pool-uuid", "fv")).strip()
    assert ok(virsh("pool-name", uuid)).strip() == "fv"
    ok(virsh("pool-destroy", "fv"))
    assert err(virsh("pool-destroy", "fv")).endswith(
        "error: Requested operation is not valid: storage pool 'fv' is not active")
    assert err(virsh("vol-list", "fv")).endswith(
        "error: Requested operation is not valid: storage pool 'fv' is not active")
    ok(virsh("pool-delete", "fv"))
    ok(virsh("pool-undefine", "fv"))
    assert ok(virsh("pool-list", "--all", "--name")).strip() == ""
    assert err(virsh("pool-info", "nope")) == ("error: failed to get pool 'nope'\nerror: Storage pool not "
                                               "found: no storage pool with matching name 'nope'")


def test_transient_pool(virsh) -> None:
    ok(virsh("pool-create-as", "t", "dir", "--target", "/tmp/fv-pools/t", "--build"))
    assert ok(virsh("pool-list", "--transient", "--name")).split() == ["t"]
    ok(virsh("pool-destroy", "t"))
    assert ok(virsh("pool-list", "--all", "--name")).strip() == ""


def test_volumes(virsh, pool: str) -> None:
    assert "Vol a.raw created" in ok(virsh("vol-create-as", pool, "a.raw", "10M", "--format", "raw"))
    ok(virsh("vol-create-as", pool, "b.qcow2", "20M", "--format", "qcow2"))
    ok(virsh("vol-create-as", pool, "c.qcow2", "30M", "--format", "qcow2", "--backing-vol", "b.qcow2",
             "--backing-vol-format", "qcow2"))
    lines = ok(virsh("vol-list", pool, "--details")).splitlines()
    assert [line.split() for line in lines[2:5]] == [
        ["a.raw", "/tmp/fv-pools/fv/a.raw", "file", "10.00", "MiB", "10.00", "MiB"],
        ["b.qcow2", "/tmp/fv-pools/fv/b.qcow2", "file", "20.00", "MiB", "196.00", "KiB"],
        ["c.qcow2", "/tmp/fv-pools/fv/c.qcow2", "file", "30.00", "MiB", "196.00", "KiB"]]
    assert fields(ok(virsh("vol-info", "b.qcow2", "--pool", pool, "--bytes"))) == {
        "Name": "b.qcow2", "Type": "file", "Capacity": "20971520 bytes", "Allocation": "200704 bytes"}
    xml = ok(virsh("vol-dumpxml", "c.qcow2", "--pool", pool))
    assert "<key>/tmp/fv-pools/fv/c.qcow2</key>" in xml and "<physical unit='bytes'>196616</physical>" in xml
    assert "  <backingStore>\n    <path>/tmp/fv-pools/fv/b.qcow2</path>\n    <format type='qcow2'/>" in xml
    assert xml.count("<timestamps>") == 2 and xml.count("<btime>0</btime>") == 2
    assert err(virsh("vol-create-as", pool, "a.raw", "1M")).endswith(
        "error: storage volume 'a.raw' exists already")
    assert ok(virsh("vol-path", "a.raw", "--pool", pool)).strip() == "/tmp/fv-pools/fv/a.raw"
    assert ok(virsh("vol-pool", "/tmp/fv-pools/fv/a.raw")).strip() == pool
    assert err(virsh("vol-info", "/nonexist/x")).endswith(
        "Storage volume not found: no storage vol with matching path '/nonexist/x'")

    assert err(virsh("vol-resize", "a.raw", "5M", "--pool", pool, "--shrink")).endswith(
        "error: invalid argument: can't shrink capacity below existing allocation")
    assert err(virsh("vol-resize", "b.qcow2", "5M", "--pool", pool)).endswith(
        "error: invalid argument: Can't shrink capacity below current capacity unless shrink flag "
        "explicitly specified")
    ok(virsh("vol-resize", "b.qcow2", "40M", "--pool", pool))
    ok(virsh("vol-resize", "b.qcow2", "+1M", "--pool", pool, "--delta"))
    assert fields(ok(virsh("vol-info", "b.qcow2", "--pool", pool, "--bytes")))["Capacity"] == "42991616 bytes"
    ok(virsh("vol-resize", "b.qcow2", "10M", "--pool", pool, "--shrink"))

    assert "Vol d.raw cloned from a.raw" in ok(virsh("vol-clone", "a.raw", "d.raw", "--pool", pool))
    assert fields(ok(virsh("vol-info", "d.raw", "--pool", pool)))["Capacity"] == "10.00 MiB"
    assert "Vol c.qcow2 wiped" in ok(virsh("vol-wipe", "c.qcow2", "--pool", pool))
    assert err(virsh("pool-delete", pool)).endswith("storage pool 'fv' is still active")
    ok(virsh("vol-delete", "d.raw", "--pool", pool))
    assert vol_names(virsh, pool) == ["a.raw", "b.qcow2", "c.qcow2"]
    ok(virsh("pool-destroy", pool))
    assert err(virsh("pool-delete", pool)).endswith(
        "error: failed to remove pool '/tmp/fv-pools/fv': Directory not empty")


def test_refresh_finds_new_images(virsh, pool: str, fakevirt) -> None:
    from fakevirt.model.storage import storage_for

    store = fakevirt.call(storage_for, fakevirt.hypervisor).images
    fakevirt.call(store.create, "/tmp/fv-pools/fv/new.qcow2", "qcow2", 1 << 20)
    assert vol_names(virsh, pool) == []
    ok(virsh("pool-refresh", pool))
    assert vol_names(virsh, pool) == ["new.qcow2"]


def test_upload_download_round_trip(virsh, pool: str, tmp_path: Path) -> None:
    data = os.urandom(3 * 1024 * 1024 + 123)
    src, back, part = tmp_path / "src", tmp_path / "back", tmp_path / "part"
    src.write_bytes(data)
    ok(virsh("vol-create-as", pool, "u.raw", "4M", "--format", "raw", "--allocation", "0"))
    ok(virsh("vol-upload", "u.raw", str(src), "--pool", pool))
    ok(virsh("vol-download", "u.raw", str(back), "--pool", pool))
    assert back.read_bytes() == data + bytes(4 * 1024 * 1024 - len(data))
    ok(virsh("vol-download", "u.raw", str(part), "--pool", pool, "--offset", "1000", "--length", "5000"))
    assert part.read_bytes() == data[1000:6000]
    # virsh sends the whole file: what --length allows is written, then libvirt's fdstream refuses
    assert err(virsh("vol-upload", "u.raw", str(src), "--pool", pool, "--offset", "100", "--length", "50")) == (
        "error: cannot send data to volume u.raw\nerror: cannot write to stream: No space left on device")
    ok(virsh("vol-download", "u.raw", str(part), "--pool", pool, "--length", "200", "--sparse"))
    assert part.read_bytes() == data[:100] + data[:50] + data[150:200]
    ok(virsh("vol-create-as", pool, "q.qcow2", "8M", "--format", "qcow2"))
    ok(virsh("vol-upload", "q.qcow2", str(src), "--pool", pool, "--offset", "1048576", "--sparse"))
    ok(virsh("vol-download", "q.qcow2", str(back), "--pool", pool, "--sparse"))
    assert back.read_bytes()[1048576:1048576 + len(data)] == data
