"""Exported chains as QEMU's own tools see them, and real images imported (needs qemu-utils)."""

from __future__ import annotations

import json
import random
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest

from fakevirt.model.clock import ManualClock
from fakevirt.model.images import ImageError, ImageStore
from fakevirt.model.images.interop import export_chain, import_chain, import_file

pytestmark = pytest.mark.skipif(shutil.which("qemu-img") is None or shutil.which("qemu-io") is None,
                                reason="qemu-img/qemu-io (Debian qemu-utils) not installed")
KiB, MiB = 1024, 1024 * 1024


def qemu(*args: str, ok: tuple[int, ...] = (0,)) -> str:
    proc = subprocess.run(args, capture_output=True, text=True, check=False)
    assert proc.returncode in ok, proc.stderr
    return proc.stdout


def qjson(*args: str) -> Any:
    return json.loads(qemu("qemu-img", *args, "--output=json"))


def merged(extents: list[dict[str, Any]]) -> list[tuple[int, int, int, bool, bool, bool]]:
    """qemu-img map extents without host offsets, adjacent equal ones merged."""
    out: list[tuple[int, int, int, bool, bool, bool]] = []
    for e in extents:
        key = (e["depth"], e["present"], e["zero"], e["data"])
        if out and out[-1][2:] == key and out[-1][0] + out[-1][1] == e["start"]:
            out[-1] = (out[-1][0], out[-1][1] + e["length"], *key)
        else:
            out.append((e["start"], e["length"], *key))
    return out


def sample_chain(store: ImageStore) -> str:
    """raw base <- qcow2 (4 KiB clusters, a snapshot, zero clusters) <- qcow2 top."""
    store.create("/p/base.raw", "raw", MiB)
    store.write("/p/base.raw", 0, b"a" * 100_000)
    store.create("/p/mid.qcow2", "qcow2", 2 * MiB, "base.raw", "raw", cluster_size=4096)
    store.write("/p/mid.qcow2", 50_000, b"b" * 100)
    store.snapshot_create("/p/mid.qcow2", "s1", vm_clock_ns=1_500_000_000, vm_state_size=5 * MiB)
    store.write("/p/mid.qcow2", MiB, b"c" * 10_000)
    store.write_zeroes("/p/mid.qcow2", 0, 8192)
    store.snapshot_create("/p/mid.qcow2", "s2")
    store.write("/p/mid.qcow2", 60_000, b"e" * 5000)
    store.create("/p/top.qcow2", "qcow2", backing="/p/mid.qcow2", backing_fmt="qcow2")
    store.write("/p/top.qcow2", 70_000, b"d" * 100)
    return "/p/top.qcow2"


def assert_agrees(store: ImageStore, top: str, tmp: Path) -> list[Path]:
    """Export ``top``: qemu-img check, info, map and compare must all agree with the store."""
    files = export_chain(store, top, tmp / "export")
    for f, img in zip(files, store.chain(top), strict=True):
        if img.format == "qcow2":
            result = qjson("check", str(f))
            assert result["check-errors"] == 0 and not result.get("leaks") and not result.get("corruptions")
            assert result.get("allocated-clusters", 0) == store.check(img.path)["allocated-clusters"]
    theirs = qjson("info", "--backing-chain", str(files[0]))
    ours = store.info(top, backing_chain=True)
    fields = ("virtual-size", "format", "cluster-size", "backing-filename-format")
    for t, o in zip(theirs, ours, strict=True):
        assert {k: t.get(k) for k in fields} == {k: o.get(k) for k in fields}
        assert t.get("snapshots", []) == o.get("snapshots", [])
    assert merged(qjson("map", str(files[0]))) == merged(store.map(top))
    flat = store.convert(top, "/flat/view.raw", "raw")
    (flat_file,) = export_chain(store, flat.path, tmp / "flat")
    assert "Images are identical." in qemu("qemu-img", "compare", str(files[0]), str(flat_file))
    return files


def test_exported_chain_agrees_with_qemu_img(tmp_path: Path) -> None:
    store = ImageStore(ManualClock(1_700_000_000.5))
    top = sample_chain(store)
    files = assert_agrees(store, top, tmp_path)
    assert [f.name for f in files] == ["top.qcow2", "mid.qcow2", "base.raw"]
    for name in ("s1", "s2"):  # each internal snapshot's data, as QEMU reads it
        ours = store.convert("/p/mid.qcow2", f"/snap/{name}.raw", "raw", snapshot=name)
        (mine,) = export_chain(store, ours.path, tmp_path / name)
        theirs = tmp_path / f"{name}.theirs.raw"
        qemu("qemu-img", "convert", "-l", f"snapshot.name={name}", "-O", "raw", str(files[1]), str(theirs))
        assert "Images are identical." in qemu("qemu-img", "compare", str(mine), str(theirs))


@pytest.mark.parametrize("seed", range(4))
def test_random_chains_export_cleanly(tmp_path: Path, seed: int) -> None:
    rng = random.Random(seed)
    store = ImageStore()
    path = "/r/0.qcow2"
    store.create(path, "qcow2", rng.choice([256, 700, 1024]) * KiB, cluster_size=rng.choice([512, 4096, 65536]))
    for layer in range(1, 4):
        for _ in range(rng.randrange(1, 30)):
            size = store.open(path).virtual_size
            off = rng.randrange(size)
            n = min(rng.randrange(1, 20_000), size - off)
            if rng.random() < 0.2:
                store.write_zeroes(path, off, n)
            else:
                store.write(path, off, rng.randbytes(n))
            if rng.random() < 0.1:
                store.snapshot_create(path, f"s{rng.randrange(3)}")
        new = f"/r/{layer}.qcow2"
        size = rng.choice([None, 512 * KiB, 2 * MiB])
        store.create(new, "qcow2", size, path, "qcow2", cluster_size=rng.choice([512, 4096, 65536]))
        if rng.random() < 0.3:
            store.commit(new) if store.open(new).clusters else None
        path = new
    assert_agrees(store, path, tmp_path)


def test_round_trip_through_files(tmp_path: Path) -> None:
    store = ImageStore()
    files = export_chain(store, sample_chain(store), tmp_path)
    back = ImageStore()
    paths = import_chain(back, files[0], "/imported")
    assert paths == ["/imported/top.qcow2", "/imported/mid.qcow2", "/imported/base.raw"]
    assert back.read(paths[0], 0, 2 * MiB) == store.read("/p/top.qcow2", 0, 2 * MiB)
    assert back.map(paths[0]) == store.map("/p/top.qcow2")
    mid, orig = back.open(paths[1]), store.open("/p/mid.qcow2")
    assert [(s.id, s.name, s.vm_clock_ns, s.virtual_size, s.clusters) for s in mid.snapshots] == \
        [(s.id, s.name, s.vm_clock_ns, s.virtual_size, s.clusters) for s in orig.snapshots]
    assert mid.snapshots[0].clusters[12] is mid.snapshots[1].clusters[12] or \
        mid.snapshots[1].clusters[12] is mid.clusters[12]  # equal clusters share one buffer


def test_import_real_images(tmp_path: Path) -> None:
    base, top, packed = tmp_path / "base.qcow2", tmp_path / "top.qcow2", tmp_path / "packed.qcow2"
    qemu("qemu-img", "create", "-q", "-f", "qcow2", str(base), "4M")
    qemu("qemu-io", "-c", "write -P 0x11 0 1M", "-c", "write -P 0x22 2M 64k", str(base))
    qemu("qemu-img", "snapshot", "-c", "before", str(base))
    qemu("qemu-io", "-c", "write -z 0 64k", "-c", "write -P 0x33 3M 4k", str(base))
    qemu("qemu-img", "create", "-q", "-f", "qcow2", "-b", "base.qcow2", "-F", "qcow2", str(top))
    qemu("qemu-io", "-c", "write -z 2M 64k", "-c", "write -P 0x44 100k 4k", str(top))
    store = ImageStore()
    paths = import_chain(store, top, "/vm")
    theirs = tmp_path / "flat.raw"
    qemu("qemu-img", "convert", "-O", "raw", str(top), str(theirs))
    assert store.read(paths[0], 0, 4 * MiB) == theirs.read_bytes()
    assert merged(store.map(paths[0])) == merged(qjson("map", str(top)))
    assert store.read(paths[0], 2 * MiB, 4) == bytes(4)  # the zero cluster hides the backing
    (snap,) = store.snapshot_list(paths[1])
    assert (snap.id, snap.name, snap.virtual_size) == ("1", "before", 4 * MiB)
    store.snapshot_apply(paths[1], "before", force=True)
    assert store.read(paths[1], 0, 2) == b"\x11\x11"
    # Compressed clusters (as in cloud images) come in as plain data.
    qemu("qemu-img", "convert", "-c", "-O", "qcow2", str(top), str(packed))
    img = import_file(store, packed, "/vm/packed.qcow2")
    assert img.backing is None and store.read(img.path, 0, 4 * MiB) == theirs.read_bytes()
    raw = tmp_path / "disk.raw"
    qemu("qemu-img", "convert", "-O", "raw", str(top), str(raw))
    assert set(import_file(store, raw, "/vm/disk.raw").clusters) == {*range(1, 16), 48}


def test_import_keeps_the_recorded_backing_name(tmp_path: Path) -> None:
    qemu("qemu-img", "create", "-q", "-f", "raw", str(tmp_path / "b.raw"), "1M")
    qemu("qemu-img", "create", "-q", "-f", "qcow2", "-b", "b.raw", "-F", "raw", str(tmp_path / "t.qcow2"))
    store = ImageStore()
    img = import_file(store, tmp_path / "t.qcow2", "/vm/t.qcow2")
    assert (img.backing, img.backing_format, store.backing_path(img)) == ("b.raw", "raw", "/vm/b.raw")
    with pytest.raises(ImageError, match="Could not open '/vm/b.raw'"):
        store.read("/vm/t.qcow2", 0, 1)
    import_file(store, tmp_path / "b.raw", "/vm/b.raw", fmt="raw")
    assert store.read("/vm/t.qcow2", 0, 1) == b"\0"
    qemu("qemu-img", "create", "-q", "-f", "vmdk", str(tmp_path / "d.vmdk"), "1M")
    with pytest.raises(ImageError, match="^invalid argument: /vm/d.vmdk: Unknown file format 'vmdk'$"):
        import_file(store, tmp_path / "d.vmdk", "/vm/d.vmdk")


def test_export_names_are_unique(tmp_path: Path) -> None:
    store = ImageStore()
    store.create("/a/disk.qcow2", "qcow2", MiB)
    store.create("/b/disk.qcow2", "qcow2", backing="/a/disk.qcow2", backing_fmt="qcow2")
    files = export_chain(store, "/b/disk.qcow2", tmp_path)
    assert [f.name for f in files] == ["disk.qcow2", "1-disk.qcow2"]
    assert qjson("info", "--backing-chain", str(files[0]))[1]["filename"].endswith("1-disk.qcow2")


@pytest.mark.parametrize("v2", [True, False])
def test_compat_survives_export_and_import(tmp_path: Path, v2: bool) -> None:
    """A compat=0.10 image (libvirt's vol-create) is written as a v2 file and read back as one; v3 as v3."""
    store = ImageStore(ManualClock(1_700_000_000.5))
    for name, data in (("empty", False), ("full", True)):
        path = f"/c/{name}.qcow2"
        store.create(path, "qcow2", MiB)
        store.open(path).compat_v2 = v2
        if data:
            store.write(path, 4096, b"x" * 70_000)
            store.snapshot_create(path, "s1")
        (f,) = export_chain(store, path, tmp_path / name)
        info = qjson("info", str(f))
        assert info["format-specific"]["data"]["compat"] == ("0.10" if v2 else "1.1")
        assert qjson("check", str(f))["check-errors"] == 0
        again = ImageStore()
        import_file(again, str(f), f"/again/{name}.qcow2")
        assert again.open(f"/again/{name}.qcow2").compat_v2 is v2
