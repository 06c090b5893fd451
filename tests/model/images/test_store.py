"""ImageStore: the namespace, qemu-img create's refusals, guest I/O through chains, users."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from fakevirt.errors import ErrorCode, ErrorDomain, VirtError
from fakevirt.model.images import ImageError, ImageStore, Owner

MiB = 1024 * 1024


@pytest.fixture
def store() -> ImageStore:
    return ImageStore()


def chain3(store: ImageStore) -> None:
    store.create("/v/base.raw", "raw", MiB)
    store.create("/v/mid.qcow2", "qcow2", backing="base.raw", backing_fmt="raw")
    store.create("/v/top.qcow2", "qcow2", backing="/v/mid.qcow2", backing_fmt="qcow2")


def expect(call: Callable[[], object], code: ErrorCode, message: str) -> ImageError:
    with pytest.raises(ImageError) as e:
        call()
    assert (e.value.code, e.value.message) == (code, message)
    assert e.value.domain == ErrorDomain.STORAGE
    return e.value


# -- create -------------------------------------------------------------------------------------

def test_create_defaults(store: ImageStore) -> None:
    img = store.create("/v/a.qcow2", "qcow2", 1000)
    assert (img.virtual_size, img.cluster_size, img.backing, img.allocation) == (1024, 65536, None, 196616)
    assert store.exists("/v/a.qcow2") and store.open("/v//x/../a.qcow2") is img


def test_create_size_defaults_to_backing(store: ImageStore) -> None:
    store.create("/v/base.qcow2", "qcow2", 3 * MiB)
    top = store.create("/v/top.qcow2", "qcow2", backing="base.qcow2", backing_fmt="qcow2")
    assert top.virtual_size == 3 * MiB and top.backing == "base.qcow2"
    assert store.backing_path(top) == "/v/base.qcow2"


@pytest.mark.parametrize(("args", "kwargs", "message"), [
    (("/v/n.qcow2", "qcow2"), {}, "invalid argument: /v/n.qcow2: Image creation needs a size parameter"),
    (("/v/f.img", "vmdk", MiB), {}, "invalid argument: /v/f.img: Unknown file format 'vmdk'"),
    (("/v/c.qcow2", "qcow2", MiB), {"cluster_size": 1000},
     "invalid argument: /v/c.qcow2: Cluster size must be a power of two between 512 and 2048k"),
    (("/v/r.raw", "raw", MiB, "b.qcow2", "qcow2"), {},
     "invalid argument: /v/r.raw: Backing file not supported for file format 'raw'"),
    (("/v/y.qcow2", "qcow2", MiB, None, "qcow2"), {},
     "invalid argument: /v/y.qcow2: Backing format cannot be used without backing file"),
    (("/v/x.qcow2", "qcow2", None, "missing.qcow2", "qcow2"), {},
     "internal error: /v/x.qcow2: Could not open '/v/missing.qcow2': No such file or directory\n"
     "Could not open backing image."),
    (("/v/b.qcow2", "qcow2", None, "b.qcow2", "qcow2"), {},
     "invalid argument: /v/b.qcow2: Error: Trying to create an image with the same filename as the "
     "backing file"),
    (("/v/t.qcow2", "qcow2", None, "b.raw"), {},
     "invalid argument: /v/t.qcow2: Backing file specified without backing format\n"
     "Detected format of raw."),
    (("/v/t.qcow2", "qcow2", None, "b.raw", "qcow2"), {},
     "internal error: /v/t.qcow2: Image is not in qcow2 format\nCould not open backing image."),
])
def test_create_refusals(store: ImageStore, args: tuple, kwargs: dict, message: str) -> None:
    store.create("/v/b.raw", "raw", MiB)
    code = ErrorCode.INVALID_ARG if message.startswith("invalid") else ErrorCode.INTERNAL_ERROR
    expect(lambda: store.create(*args, **kwargs), code, message)


def test_create_refuses_negative_size(store: ImageStore) -> None:
    with pytest.raises(ImageError, match="Invalid image size specified"):
        store.create("/v/a.qcow2", "qcow2", -1)


def test_paths_must_be_absolute(store: ImageStore) -> None:
    with pytest.raises(VirtError, match="image path 'a.qcow2' is not absolute"):
        store.create("a.qcow2", "qcow2", MiB)


def test_create_replaces_unless_used(store: ImageStore) -> None:
    store.create("/v/a.qcow2", "qcow2", MiB)
    store.write("/v/a.qcow2", 0, b"x")
    assert store.create("/v/a.qcow2", "qcow2", MiB).clusters == {}
    store.acquire("/v/a.qcow2", Owner.disk("u1", "vda"))
    with pytest.raises(ImageError) as e:
        store.create("/v/a.qcow2", "qcow2", MiB)
    assert e.value.code == ErrorCode.OPERATION_INVALID
    assert e.value.message == ("Requested operation is not valid: image '/v/a.qcow2' is in use by "
                               "domain u1 (disk vda)")
    store.create("/v/a.qcow2", "qcow2", MiB, force=True)


# -- namespace ---------------------------------------------------------------------------------

def test_list_rename_delete(store: ImageStore) -> None:
    chain3(store)
    store.create("/v/sub/x.raw", "raw", 512)
    assert store.listdir("/v") == ["/v/base.raw", "/v/mid.qcow2", "/v/top.qcow2"]
    assert store.listdir("/v/", recursive=True)[-1] == "/v/top.qcow2"
    assert "/v/sub/x.raw" in store.listdir("/v", recursive=True)
    store.rename("/v/base.raw", "/w/base.raw")
    assert store.open("/w/base.raw").path == "/w/base.raw"
    with pytest.raises(ImageError) as e:
        store.read("/v/top.qcow2", 0, 1)
    assert e.value.qemu_message == ("Could not open backing file: Could not open backing file: "
                                    "Could not open '/v/base.raw': No such file or directory")
    assert e.value.reason == "missing" and e.value.subject == "/v/base.raw"
    store.rebase("/v/mid.qcow2", "/w/base.raw", "raw", safe=False, force=True)
    assert store.read("/v/top.qcow2", 0, 4) == bytes(4)
    gone = store.delete("/v/top.qcow2")
    assert gone.path == "/v/top.qcow2" and not store.exists("/v/top.qcow2")
    expect(lambda: store.open("/v/top.qcow2"), ErrorCode.INTERNAL_ERROR,
           "internal error: Could not open '/v/top.qcow2': No such file or directory")


def test_delete_backing_file_is_allowed_and_dependents_fail_on_open(store: ImageStore) -> None:
    chain3(store)
    store.delete("/v/base.raw")
    with pytest.raises(ImageError) as e:
        store.read("/v/mid.qcow2", 0, 1)
    assert e.value.message == ("internal error: Could not open backing file: Could not open "
                               "'/v/base.raw': No such file or directory")
    with pytest.raises(ImageError) as e:
        store.check("/v/top.qcow2")
    assert e.value.qemu_message == ("Could not open '/v/top.qcow2': Could not open backing file: "
                                    "Could not open backing file: Could not open '/v/base.raw': "
                                    "No such file or directory")
    assert store.info("/v/mid.qcow2")["backing-filename"] == "base.raw"  # info does not open it


def test_loop_is_reported(store: ImageStore) -> None:
    chain3(store)
    store.rebase("/v/base.raw", None, force=True)  # raw: nothing to point anywhere
    store.create("/v/a.qcow2", "qcow2", MiB)
    store.create("/v/b.qcow2", "qcow2", backing="a.qcow2", backing_fmt="qcow2")
    store.rebase("/v/a.qcow2", "b.qcow2", "qcow2", safe=False, force=True)  # qemu-img allows -u
    for call in (lambda: store.read("/v/b.qcow2", 0, 1), lambda: store.info("/v/b.qcow2", True),
                 lambda: store.check("/v/a.qcow2")):
        with pytest.raises(ImageError) as e:
            call()
        assert e.value.reason == "loop"
        assert e.value.qemu_message.endswith("' creates an infinite loop.")


def test_wrong_backing_format_fails_on_open(store: ImageStore) -> None:
    chain3(store)
    store.rebase("/v/mid.qcow2", "base.raw", "qcow2", safe=False, force=True)
    with pytest.raises(ImageError) as e:
        store.read("/v/top.qcow2", 0, 1)
    assert e.value.qemu_message == "Could not open backing file: Could not open backing file: Image is not in qcow2 format"


# -- guest I/O --------------------------------------------------------------------------------

def test_copy_on_write_through_the_chain(store: ImageStore) -> None:
    chain3(store)
    store.write("/v/base.raw", 0, b"A" * 200_000, force=True)
    store.write("/v/top.qcow2", 100, b"B" * 10)
    top = store.open("/v/top.qcow2")
    assert list(top.clusters) == [0]
    assert top.clusters[0] == b"A" * 100 + b"B" * 10 + b"A" * (65536 - 110)
    assert store.read("/v/top.qcow2", 90, 30) == b"A" * 10 + b"B" * 10 + b"A" * 10
    assert store.read("/v/mid.qcow2", 100, 3) == b"AAA"
    assert store.open("/v/mid.qcow2").clusters == {}


def test_zero_clusters_hide_the_backing(store: ImageStore) -> None:
    chain3(store)
    store.write("/v/base.raw", 0, b"A" * 200_000, force=True)
    store.write_zeroes("/v/top.qcow2", 0, 65536 + 10)
    top = store.open("/v/top.qcow2")
    assert top.clusters[0] == b"" and top.clusters[1] == bytes(10) + b"A" * (65536 - 10)
    assert store.read("/v/top.qcow2", 0, 65546) == bytes(65546)
    assert store.read("/v/top.qcow2", 65546, 4) == b"AAAA"


def test_reads_past_a_short_backing_file_are_zeros(store: ImageStore) -> None:
    store.create("/v/b.qcow2", "qcow2", 4096, cluster_size=512)
    store.write("/v/b.qcow2", 0, b"\x01" * 4096)
    store.create("/v/t.qcow2", "qcow2", 3 * 65536, "b.qcow2", "qcow2")
    assert store.read("/v/t.qcow2", 4000, 200) == b"\x01" * 96 + bytes(104)


def test_io_past_the_end_is_an_io_error(store: ImageStore) -> None:
    store.create("/v/a.qcow2", "qcow2", 1024)
    expect(lambda: store.write("/v/a.qcow2", 1000, b"x" * 25), ErrorCode.INVALID_ARG,
           "invalid argument: write failed: Input/output error")
    expect(lambda: store.read("/v/a.qcow2", 1000, 100), ErrorCode.INVALID_ARG,
           "invalid argument: read failed: Input/output error")
    store.write("/v/a.qcow2", 1000, b"x" * 24)
    assert store.read("/v/a.qcow2", 1020, 4) == b"xxxx"


def test_allocation_grows_with_clusters(store: ImageStore) -> None:
    a = store.create("/v/a.qcow2", "qcow2", 1024 * MiB)
    empty = a.allocation
    assert empty == 196608 + 16
    store.write("/v/a.qcow2", 0, b"x" * 4096)
    store.write("/v/a.qcow2", 600 * MiB, b"x" * 4096)
    assert a.allocation == 524288  # qemu-img check: "Image end offset: 524288"
    r = store.create("/v/r.raw", "raw", MiB)
    store.write("/v/r.raw", 10, b"x")
    assert r.allocation == 4096 and a.capacity == 1024 * MiB


# -- users -------------------------------------------------------------------------------------

def test_users_and_refcounts(store: ImageStore) -> None:
    chain3(store)
    vda = Owner.disk("u1", "vda")
    assert store.users("/v/base.raw") == [Owner.backing("/v/mid.qcow2")]
    assert not store.is_shared("/v/top.qcow2")
    store.acquire("/v/top.qcow2", vda)
    store.acquire("/v/top.qcow2", vda)
    assert store.users("/v/top.qcow2") == [vda]
    assert store.is_shared("/v/top.qcow2") and not store.is_shared("/v/top.qcow2", vda)
    store.write("/v/top.qcow2", 0, b"ok", owner=vda)
    with pytest.raises(ImageError, match="is in use by domain u1 \\(disk vda\\)"):
        store.write("/v/top.qcow2", 0, b"no")
    store.release("/v/top.qcow2", vda)
    assert store.users("/v/top.qcow2") == [vda]
    store.release("/v/top.qcow2", vda)
    assert store.users("/v/top.qcow2") == []
    with pytest.raises(VirtError, match="is not held by domain u1"):
        store.release("/v/top.qcow2", vda)


def test_writing_a_backing_file_is_refused(store: ImageStore) -> None:
    chain3(store)
    with pytest.raises(ImageError) as e:
        store.write("/v/mid.qcow2", 0, b"x")
    assert e.value.message == ("Requested operation is not valid: image '/v/mid.qcow2' is in use "
                               "by '/v/top.qcow2' as its backing file")
    store.write("/v/mid.qcow2", 0, b"x", force=True)  # what qemu-io would do


def test_owners_name_paths_and_survive_delete(store: ImageStore) -> None:
    store.create("/v/a.qcow2", "qcow2", MiB)
    store.acquire("/v/a.qcow2", Owner.snapshot("u1", "s1"))
    store.delete("/v/a.qcow2")
    assert store.users("/v/a.qcow2") == [Owner.snapshot("u1", "s1")]


def test_rename_onto_a_used_image_is_refused(store: ImageStore) -> None:
    chain3(store)
    store.create("/v/other.qcow2", "qcow2", MiB)
    with pytest.raises(ImageError, match="'/v/mid.qcow2' is in use by '/v/top.qcow2'"):
        store.rename("/v/other.qcow2", "/v/mid.qcow2")
    moved = store.rename("/v/other.qcow2", "/v/sub/../moved.qcow2")
    assert moved.path == "/v/moved.qcow2" and "/v/moved.qcow2" in store.listdir("/v")
