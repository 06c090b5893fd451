"""qemu-img commit, rebase, convert, resize, compare, snapshot, info, check and map semantics."""

from __future__ import annotations

import pytest

from fakevirt.errors import ErrorCode
from fakevirt.model.clock import ManualClock
from fakevirt.model.images import ImageError, ImageStore, Owner

KiB, MiB = 1024, 1024 * 1024


@pytest.fixture
def store() -> ImageStore:
    """base.qcow2 (A at 0, B at 64K) <- mid.qcow2 (C at 64K) <- top.qcow2 (D at 128K)."""
    s = ImageStore(ManualClock(1_700_000_000.25))
    s.create("/v/base.qcow2", "qcow2", MiB)
    s.write("/v/base.qcow2", 0, b"A" * 64 * KiB + b"B" * 64 * KiB)
    s.create("/v/mid.qcow2", "qcow2", backing="base.qcow2", backing_fmt="qcow2")
    s.write("/v/mid.qcow2", 64 * KiB, b"C" * 64 * KiB)
    s.create("/v/top.qcow2", "qcow2", backing="mid.qcow2", backing_fmt="qcow2")
    s.write("/v/top.qcow2", 128 * KiB, b"D" * 64 * KiB)
    return s


def view(s: ImageStore, path: str, n: int = 4) -> bytes:
    """The first byte of each of the first ``n`` 64 KiB clusters."""
    return bytes(s.read(path, i * 64 * KiB, 1)[0] for i in range(n))


def qmsg(call: object) -> str:
    with pytest.raises(ImageError) as e:
        call()  # type: ignore[operator]
    return e.value.qemu_message


# -- commit ------------------------------------------------------------------------------------

def test_commit_into_backing_empties_top(store: ImageStore) -> None:
    base = store.commit("/v/top.qcow2")
    assert base.path == "/v/mid.qcow2"
    assert store.open("/v/top.qcow2").clusters == {}
    assert view(store, "/v/top.qcow2") == view(store, "/v/mid.qcow2") == b"ACD\0"
    assert view(store, "/v/base.qcow2") == b"AB\0\0"


def test_commit_with_base_keeps_top_and_intermediates(store: ImageStore) -> None:
    store.commit("/v/top.qcow2", "/v/base.qcow2")
    assert view(store, "/v/base.qcow2") == b"ACD\0"
    assert view(store, "/v/top.qcow2") == b"ACD\0"
    assert sorted(store.open("/v/top.qcow2").clusters) == [2]
    assert sorted(store.open("/v/mid.qcow2").clusters) == [1]


def test_commit_grows_base_and_copies_zeros_past_a_short_intermediate() -> None:
    s = ImageStore()
    s.create("/v/b.qcow2", "qcow2", 256 * KiB, cluster_size=4096)
    s.write("/v/b.qcow2", 0, b"\x01" * 256 * KiB)
    s.create("/v/m.qcow2", "qcow2", 64 * KiB, "b.qcow2", "qcow2")
    s.create("/v/t.qcow2", "qcow2", 512 * KiB, "m.qcow2", "qcow2")
    s.write("/v/t.qcow2", 300 * KiB, b"\x02")
    before = s.read("/v/t.qcow2", 0, 512 * KiB)
    assert before[100 * KiB] == 0  # past m's end: zeros, not b's data
    s.commit("/v/t.qcow2", "/v/b.qcow2")
    assert s.open("/v/b.qcow2").virtual_size == 512 * KiB
    assert s.read("/v/b.qcow2", 0, 512 * KiB) == before


@pytest.mark.parametrize(("top", "base", "message"), [
    ("/v/base.qcow2", None, "Image does not have a backing file"),
    ("/v/top.qcow2", "/v/top.qcow2", "Did not find '/v/top.qcow2' in the backing chain of '/v/top.qcow2'"),
    ("/v/mid.qcow2", "/v/nothere", "Did not find '/v/nothere' in the backing chain of '/v/mid.qcow2'"),
])
def test_commit_refusals(store: ImageStore, top: str, base: str | None, message: str) -> None:
    assert qmsg(lambda: store.commit(top, base)) == message


def test_commit_refuses_to_write_a_base_others_depend_on(store: ImageStore) -> None:
    store.create("/v/branch.qcow2", "qcow2", backing="base.qcow2", backing_fmt="qcow2")
    with pytest.raises(ImageError) as e:
        store.commit("/v/mid.qcow2")
    assert e.value.code == ErrorCode.OPERATION_INVALID
    assert e.value.qemu_message == "image '/v/base.qcow2' is in use by '/v/branch.qcow2' as its backing file"
    with pytest.raises(ImageError, match="'/v/base.qcow2' is in use"):
        store.commit("/v/top.qcow2", "/v/base.qcow2")  # mid is fine, base is not
    store.acquire("/v/mid.qcow2", Owner.snapshot("dom", "s1"))
    with pytest.raises(ImageError, match="'/v/mid.qcow2' is in use by snapshot dom s1"):
        store.commit("/v/top.qcow2")
    store.commit("/v/top.qcow2", force=True)


def test_commit_with_dangling_chain(store: ImageStore) -> None:
    store.delete("/v/base.qcow2")
    assert qmsg(lambda: store.commit("/v/top.qcow2")) == (
        "Could not open '/v/top.qcow2': Could not open backing file: Could not open backing file: "
        "Could not open '/v/base.qcow2': No such file or directory")


# -- rebase ------------------------------------------------------------------------------------

def test_safe_rebase_copies_what_differs(store: ImageStore) -> None:
    before = store.read("/v/top.qcow2", 0, MiB)
    store.rebase("/v/top.qcow2", "base.qcow2", "qcow2")
    top = store.open("/v/top.qcow2")
    assert (top.backing, top.backing_format) == ("base.qcow2", "qcow2")
    assert sorted(top.clusters) == [1, 2]  # C copied up; A is the same in both chains
    assert store.read("/v/top.qcow2", 0, MiB) == before
    assert store.users("/v/mid.qcow2") == []


def test_safe_rebase_onto_nothing_flattens(store: ImageStore) -> None:
    before = store.read("/v/top.qcow2", 0, MiB)
    store.rebase("/v/top.qcow2", None)
    assert store.open("/v/top.qcow2").backing is None
    assert sorted(store.open("/v/top.qcow2").clusters) == [0, 1, 2]
    assert store.read("/v/top.qcow2", 0, MiB) == before


def test_unsafe_rebase_moves_the_pointer_only(store: ImageStore) -> None:
    store.rebase("/v/top.qcow2", "base.qcow2", "qcow2", safe=False)
    assert view(store, "/v/top.qcow2") == b"ABD\0"
    store.rebase("/v/top.qcow2", "nothere.qcow2", "qcow2", safe=False)  # qemu-img allows it
    assert store.info("/v/top.qcow2")["full-backing-filename"] == "/v/nothere.qcow2"


def test_rebase_refusals(store: ImageStore) -> None:
    assert qmsg(lambda: store.rebase("/v/top.qcow2", "base.qcow2")) == (
        "Could not change the backing file to 'base.qcow2': backing format must be specified")
    assert qmsg(lambda: store.rebase("/v/top.qcow2", "nothere.qcow2", "qcow2")) == (
        "Could not open new backing file 'nothere.qcow2': Could not open '/v/nothere.qcow2': "
        "No such file or directory")
    assert qmsg(lambda: store.rebase("/v/base.qcow2", "top.qcow2", "qcow2")) == (
        "Could not open new backing file 'top.qcow2': Backing file '/v/base.qcow2' creates an "
        "infinite loop.")
    assert qmsg(lambda: store.rebase("/v/top.qcow2", "base.qcow2", "raw")) == (
        "Could not open new backing file 'base.qcow2': Image '/v/base.qcow2' is in qcow2 format, not raw")
    with pytest.raises(ImageError, match="in use by '/v/top.qcow2' as its backing file"):
        store.rebase("/v/mid.qcow2", None, safe=False)


# -- resize ------------------------------------------------------------------------------------

def test_resize(store: ImageStore) -> None:
    assert qmsg(lambda: store.resize("/v/top.qcow2", 1000)).startswith(
        "Use the --shrink option to perform a shrink operation.\nqemu-img: warning: Shrinking")
    assert qmsg(lambda: store.resize("/v/top.qcow2", 0)) == "New image size must be positive"
    assert qmsg(lambda: store.resize("/v/top.qcow2", MiB + 1)) == "The new size must be a multiple of 512"
    store.resize("/v/top.qcow2", 130 * KiB, shrink=True)
    assert sorted(store.open("/v/top.qcow2").clusters) == [2]
    assert store.read("/v/top.qcow2", 128 * KiB, 2 * KiB) == b"D" * 2 * KiB
    store.resize("/v/top.qcow2", MiB)
    # Growing over a longer backing file zeroes the new area (QEMU 5.1+), so no old data shows.
    assert view(store, "/v/top.qcow2") == b"ACD\0"
    assert store.read("/v/top.qcow2", 130 * KiB, 200 * KiB) == bytes(200 * KiB)


def test_resize_raw_rounds_up(store: ImageStore) -> None:
    store.create("/v/r.raw", "raw", MiB)
    assert store.resize("/v/r.raw", MiB + 1).virtual_size == MiB + 512


def test_shrink_refused_under_users(store: ImageStore) -> None:
    with pytest.raises(ImageError, match="in use"):
        store.resize("/v/mid.qcow2", 64 * KiB, shrink=True)
    store.resize("/v/mid.qcow2", 2 * MiB)  # growing changes nothing anyone sees


# -- convert and compare -----------------------------------------------------------------------

def test_convert_flattens_sparsely(store: ImageStore) -> None:
    store.write("/v/top.qcow2", 192 * KiB, bytes(64 * KiB))  # zeros are not copied
    flat = store.convert("/v/top.qcow2", "/w/flat.qcow2")
    assert (flat.backing, sorted(flat.clusters)) == (None, [0, 1, 2])
    assert store.compare("/v/top.qcow2", "/w/flat.qcow2") is None
    raw = store.convert("/v/top.qcow2", "/w/flat.raw", "raw")
    assert raw.cluster_size == 65536 and store.compare("/w/flat.raw", "/w/flat.qcow2") is None
    small = store.convert("/v/base.qcow2", "/w/small.qcow2", cluster_size=512)
    assert len(small.clusters) == 256 and store.compare("/w/small.qcow2", "/v/base.qcow2") is None


def test_convert_refusals(store: ImageStore) -> None:
    assert qmsg(lambda: store.convert("/v/top.qcow2", "/v/top.qcow2")) == (
        '/v/top.qcow2: error while converting qcow2: Failed to get "write" lock\n'
        "Is another process using the image [/v/top.qcow2]?")
    assert qmsg(lambda: store.convert("/v/top.qcow2", "/w/x", "vdi")) == "/w/x: Unknown file format 'vdi'"
    assert qmsg(lambda: store.convert("/v/top.qcow2", "/w/x", snapshot="nope")) == (
        "Failed to load snapshot: Can't find snapshot")


def test_compare_reports_the_first_differing_sector(store: ImageStore) -> None:
    store.convert("/v/top.qcow2", "/w/copy.qcow2")
    store.write("/w/copy.qcow2", 70000, b"x")
    assert store.compare("/v/top.qcow2", "/w/copy.qcow2") == 70000 // 512 * 512
    store.create("/w/big.qcow2", "qcow2", 2 * MiB, "/v/top.qcow2", "qcow2")
    assert store.compare("/v/top.qcow2", "/w/big.qcow2") is None
    store.write("/w/big.qcow2", MiB + 1000, b"x")
    assert store.compare("/w/big.qcow2", "/v/top.qcow2") == MiB + 512


# -- internal snapshots ------------------------------------------------------------------------

def test_snapshots(store: ImageStore) -> None:
    s1 = store.snapshot_create("/v/top.qcow2", "s1", vm_state_size=1234, vm_clock_ns=5_500_000_000)
    assert (s1.id, s1.date_sec, s1.date_nsec) == ("1", 1_700_000_000, 250_000_000)
    assert s1.clusters[2] is store.open("/v/top.qcow2").clusters[2]  # shared, not copied
    store.write("/v/top.qcow2", 0, b"Z")
    store.snapshot_create("/v/top.qcow2", "1")
    store.resize("/v/top.qcow2", 2 * MiB)
    assert [s.id for s in store.snapshot_list("/v/top.qcow2")] == ["1", "2"]
    store.snapshot_apply("/v/top.qcow2", "1")  # an ID first, as qcow2 looks it up
    assert view(store, "/v/top.qcow2") == b"ACD\0"
    assert store.open("/v/top.qcow2").virtual_size == MiB
    store.snapshot_delete("/v/top.qcow2", "1")  # by name: removes ID 2
    assert [s.name for s in store.snapshot_list("/v/top.qcow2")] == ["s1"]
    assert store.snapshot_create("/v/top.qcow2", "s1").id == "2"  # names may repeat
    info = store.info("/v/top.qcow2")["snapshots"][0]
    assert info == {"id": "1", "name": "s1", "vm-state-size": 1234, "date-sec": 1_700_000_000,
                    "date-nsec": 250_000_000, "vm-clock-sec": 5, "vm-clock-nsec": 500_000_000,
                    "icount": 0}


def test_snapshot_refusals(store: ImageStore) -> None:
    store.create("/v/r.raw", "raw", MiB)
    assert qmsg(lambda: store.snapshot_create("/v/r.raw", "s")) == (
        "Could not create snapshot 's': -95 (Operation not supported)")
    assert qmsg(lambda: store.snapshot_apply("/v/r.raw", "s")) == (
        "Could not apply snapshot 's': Block driver does not support snapshots")
    assert qmsg(lambda: store.snapshot_apply("/v/top.qcow2", "nope")) == (
        "Could not apply snapshot 'nope': Failed to load snapshot: No such file or directory")
    assert qmsg(lambda: store.snapshot_delete("/v/top.qcow2", "nope")) == (
        "Could not delete snapshot 'nope': snapshot not found")
    store.snapshot_create("/v/mid.qcow2", "m")
    with pytest.raises(ImageError, match="in use"):
        store.snapshot_apply("/v/mid.qcow2", "m")


def test_convert_a_snapshot(store: ImageStore) -> None:
    store.snapshot_create("/v/top.qcow2", "s1")
    store.write("/v/top.qcow2", 0, b"Z" * 10)
    store.convert("/v/top.qcow2", "/w/s1.qcow2", snapshot="s1")
    assert view(store, "/w/s1.qcow2") == b"ACD\0"


# -- info, check, map --------------------------------------------------------------------------

def test_info_chain(store: ImageStore) -> None:
    chain = store.info("/v/top.qcow2", backing_chain=True)
    assert [i["filename"] for i in chain] == ["/v/top.qcow2", "/v/mid.qcow2", "/v/base.qcow2"]
    top = chain[0]
    assert {k: top[k] for k in ("virtual-size", "format", "cluster-size", "backing-filename",
                                "full-backing-filename", "backing-filename-format")} == {
        "virtual-size": MiB, "format": "qcow2", "cluster-size": 65536, "backing-filename": "mid.qcow2",
        "full-backing-filename": "/v/mid.qcow2", "backing-filename-format": "qcow2"}
    assert top["actual-size"] == 393216 and "backing-filename" not in chain[2]


def test_check(store: ImageStore) -> None:
    assert store.check("/v/top.qcow2") == {
        "filename": "/v/top.qcow2", "format": "qcow2", "check-errors": 0,
        "image-end-offset": 393216, "total-clusters": 16, "allocated-clusters": 1}
    store.create("/v/r.raw", "raw", MiB)
    assert qmsg(lambda: store.check("/v/r.raw")) == "This image format does not support checks"


def test_map(store: ImageStore) -> None:
    store.write_zeroes("/v/top.qcow2", 192 * KiB, 64 * KiB)
    assert [(e["start"], e["length"], e["depth"], e["present"], e["zero"], e["data"])
            for e in store.map("/v/top.qcow2")] == [
        (0, 64 * KiB, 2, True, False, True),
        (64 * KiB, 64 * KiB, 1, True, False, True),
        (128 * KiB, 64 * KiB, 0, True, False, True),
        (192 * KiB, 64 * KiB, 0, True, True, False),
        (256 * KiB, 768 * KiB, 2, False, True, False),
    ]
