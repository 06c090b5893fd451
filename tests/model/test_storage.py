"""The storage driver model: dir pools and their volumes on the image store, libvirt's refusals."""

from __future__ import annotations

import pytest

from fakevirt.errors import ErrorCode, VirtError
from fakevirt.model.clock import ManualClock
from fakevirt.model.hypervisor import Hypervisor
from fakevirt.model.storage import PoolDef, StorageState, VolDef, storage_for
from fakevirt.model.storage_events import PoolEvent

MiB = 1024 * 1024


@pytest.fixture
def hv() -> Hypervisor:
    return Hypervisor(clock=ManualClock())


@pytest.fixture
def st(hv: Hypervisor) -> StorageState:
    return storage_for(hv)


def running(st: StorageState, name: str = "p", path: str = "/pools/p"):
    pool = st.define(PoolDef(name, None, path))
    st.build(pool)
    st.start(pool)
    return pool


def fails(code: int, message: str, fn, *args, **kw) -> None:
    with pytest.raises(VirtError) as e:
        fn(*args, **kw)
    assert (e.value.code, e.value.message) == (code, message)


def test_state_is_per_hypervisor_and_reset_forgets_it(hv: Hypervisor, st: StorageState) -> None:
    assert storage_for(hv) is st
    running(st)
    hv.reset()
    assert storage_for(hv) is not st and not list(storage_for(hv))
    assert storage_for(Hypervisor(clock=ManualClock())) is not storage_for(hv)


def test_pool_lifecycle_and_refusals(st: StorageState) -> None:
    pool = st.define(PoolDef("p", None, "/pools/p"))
    assert not pool.active and pool.persistent and st.info(pool) == (0, 0, 0, 0)
    fails(ErrorCode.SYSTEM_ERROR, "cannot open directory '/pools/p': No such file or directory", st.start, pool)
    assert not pool.active
    st.build(pool)
    st.start(pool)
    state, cap, alloc, avail = st.info(pool)
    assert state == 2 and cap == alloc + avail and alloc > 0
    fails(ErrorCode.OPERATION_INVALID, "Requested operation is not valid: storage pool 'p' is already active",
          st.start, pool)
    fails(ErrorCode.OPERATION_INVALID, "Requested operation is not valid: storage pool 'p' is still active",
          st.undefine, pool)
    fails(ErrorCode.OPERATION_FAILED, f"operation failed: pool 'p' already exists with uuid {pool.uuid}",
          st.define, PoolDef("p", None, "/elsewhere"))
    fails(ErrorCode.OPERATION_FAILED, "operation failed: Storage source conflict with pool: 'p'",
          st.define, PoolDef("q", None, "/pools/p"))
    st.destroy(pool)
    fails(ErrorCode.OPERATION_INVALID, "Requested operation is not valid: storage pool 'p' is not active",
          st.destroy, pool)
    st.delete(pool)
    fails(ErrorCode.SYSTEM_ERROR, "failed to remove pool '/pools/p': No such file or directory", st.delete, pool)
    st.undefine(pool)
    fails(ErrorCode.NO_STORAGE_POOL, "Storage pool not found: no storage pool with matching name 'p'",
          st.by_name, "p")


def test_transient_pool_goes_away_when_destroyed(st: StorageState) -> None:
    pool = st.create_transient(PoolDef("t", None, "/tmp"))
    assert pool.active and not pool.persistent
    fails(ErrorCode.INVALID_ARG, "invalid argument: cannot set autostart for transient pool",
          st.set_autostart, pool, True)
    st.destroy(pool)
    assert not list(st)


def test_list_filters(st: StorageState) -> None:
    running(st, "a", "/pools/a")
    b = st.define(PoolDef("b", None, "/pools/b"))
    st.set_autostart(b, True)
    names = lambda flags: [p.name for p in st.list_all(flags)]  # noqa: E731
    assert names(0) == ["a", "b"]
    assert names(2) == ["a"] and names(1) == ["b"] and names(16) == ["b"] and names(32) == ["a"]
    assert names(64) == ["a", "b"] and names(128) == []
    fails(ErrorCode.INVALID_ARG, "unsupported flags (0x100000) in function storageConnectListAllStoragePools",
          st.list_all, 1 << 20)


def test_volumes_raw_qcow2_backing_and_refresh(st: StorageState) -> None:
    pool = running(st)
    before = st.info(pool)[2]
    raw = st.vol_create(pool, VolDef("a.raw", 10 * MiB, None, "raw"))
    assert st.info(pool)[2] == before + 10 * MiB and pool.stats[1] == before + 10 * MiB
    assert st.vol_info(raw) == (0, 10 * MiB, 10 * MiB)  # preallocated like libvirt does
    sparse = st.vol_create(pool, VolDef("s.raw", 10 * MiB, 0, "raw"))
    assert st.vol_info(sparse) == (0, 10 * MiB, 0)
    base = st.vol_create(pool, VolDef("base.qcow2", 20 * MiB, None, "qcow2"))
    assert st.vol_info(base) == (0, 20 * MiB, 200704) and st.physical(base) == 196616
    top = st.vol_create(pool, VolDef("top.qcow2", 30 * MiB, None, "qcow2", base.path, "qcow2"))
    assert st.image(top).backing == base.path
    fails(ErrorCode.STORAGE_VOL_EXIST, "storage volume 'top.qcow2' exists already",
          st.vol_create, pool, VolDef("top.qcow2", 1, None))
    fails(ErrorCode.CONFIG_UNSUPPORTED, "unsupported configuration: backing storage not supported for raw volumes",
          st.vol_create, pool, VolDef("x.raw", 1, None, "raw", base.path))
    assert [v.name for v in st.vol_list(pool)] == ["a.raw", "base.qcow2", "s.raw", "top.qcow2"]
    assert st.vol_by_key(top.path) is top and st.vol_by_path("/pools//p/top.qcow2") is top
    fails(ErrorCode.NO_STORAGE_VOL, "Storage volume not found: no storage vol with matching path '/x/' (/x)",
          st.vol_by_path, "/x/")
    st.images.create("/pools/p/found.qcow2", "qcow2", MiB)  # appeared behind libvirt's back
    assert "found.qcow2" not in pool.volumes
    st.refresh(pool)
    assert st.vol_by_name(pool, "found.qcow2").path == "/pools/p/found.qcow2"
    st.vol_delete(raw)
    fails(ErrorCode.NO_STORAGE_VOL, "Storage volume not found: no storage vol with matching name 'a.raw'",
          st.volume, "p", "a.raw")
    st.destroy(pool)
    fails(ErrorCode.SYSTEM_ERROR, "failed to remove pool '/pools/p': Directory not empty", st.delete, pool)


def test_resize_rules(st: StorageState) -> None:
    pool = running(st)
    vol = st.vol_create(pool, VolDef("s.raw", 10 * MiB, 0, "raw"))
    fails(ErrorCode.INVALID_ARG, "invalid argument: Can't shrink capacity below current capacity unless shrink "
          "flag explicitly specified", st.vol_resize, vol, 5 * MiB)
    st.vol_resize(vol, 5 * MiB, 4)
    st.vol_resize(vol, MiB, 2)  # delta
    assert st.vol_info(vol)[1:] == (6 * MiB, 0)
    st.vol_resize(vol, 8 * MiB, 1)  # allocate
    assert st.vol_info(vol)[1:] == (8 * MiB, 8 * MiB)
    fails(ErrorCode.INVALID_ARG, "invalid argument: can't shrink capacity below existing allocation",
          st.vol_resize, vol, MiB, 4)
    fails(ErrorCode.SYSTEM_ERROR, "Failed to truncate file '/pools/p/s.raw': File too large",
          st.vol_resize, vol, 1 << 50)
    st.vol_resize(vol, 1 << 40)
    fails(ErrorCode.OPERATION_FAILED, "operation failed: Not enough space left in storage pool",
          st.vol_resize, vol, 1 << 51, 1)


def test_clone_wipe_upload_download(st: StorageState) -> None:
    pool = running(st)
    vol = st.vol_create(pool, VolDef("d.raw", 4 * MiB, 0, "raw"))
    w = st.upload(vol, MiB, 0)
    w.write(b"x" * 70000)
    w.hole(5)
    w.write(b"y")
    data = b"".join(c if isinstance(c, bytes) else bytes(c) for c in st.download(vol, 0, 0))
    assert data == bytes(MiB) + b"x" * 70000 + bytes(5) + b"y"  # a hole truncates a raw file
    chunks = list(st.download(vol, MiB - 10, 20))
    assert b"".join(c if isinstance(c, bytes) else bytes(c) for c in chunks) == bytes(10) + b"x" * 10
    assert isinstance(chunks[0], int)  # a hole
    clone = st.vol_create_from(pool, VolDef("c.raw", 1, None, "raw"), "p", "d.raw")
    assert st.image(clone).format == "raw" and st.images.compare(clone.path, vol.path) is None
    st.vol_wipe(vol)
    img = st.image(vol)
    assert img.format == "raw" and not img.clusters and img.virtual_size == st.physical(vol)


def test_pool_events_in_libvirts_order(hv: Hypervisor, st: StorageState) -> None:
    seen: list[tuple[int, str, int]] = []
    hv.bus.subscribe(PoolEvent, lambda ev: seen.append((ev.event_id, ev.pool_name, ev.event)))
    pool = st.define(PoolDef("p", None, "/pools/p"))
    st.build(pool)
    st.start(pool)
    st.refresh(pool)
    st.destroy(pool)
    st.delete(pool)
    st.undefine(pool)
    st.create_transient(PoolDef("t", None, "/tmp"))
    assert seen == [(0, "p", 0), (0, "p", 4), (0, "p", 2), (1, "p", 0), (0, "p", 3), (0, "p", 5), (0, "p", 1),
                    (0, "t", 2)]
    hv.reset()  # the bus outlives a reset: sessions stay subscribed
    storage_for(hv).define(PoolDef("q", None, "/pools/q"))
    assert seen[-1] == (0, "q", 0)


def test_event_registration_and_messages(hv: Hypervisor) -> None:
    import uuid

    from fakevirt.handlers import Client
    from fakevirt.handlers.storage_events import storage_event_messages
    from fakevirt.server.dispatch import dispatch
    from protocol import Call, ErrorReply, NonnullStoragePool, Proc, Reply
    from protocol.remote import storage as w

    client = Client(hv, id=1)
    client.driver = hv.system

    def call(proc: int, args: object) -> object:
        return dispatch(client, Call(program=0x20008086, version=1, procedure=proc, serial=1, args=args)).reply

    r = call(Proc.CONNECT_STORAGE_POOL_EVENT_REGISTER_ANY, w.ConnectStoragePoolEventRegisterAnyArgs(eventID=0, pool=None))
    assert isinstance(r, Reply) and r.ret.callbackID == 1
    st = storage_for(hv)
    other = st.define(PoolDef("other", None, "/srv"))
    only = NonnullStoragePool(name="other", uuid=other.uuid.bytes)
    r = call(Proc.CONNECT_STORAGE_POOL_EVENT_REGISTER_ANY, w.ConnectStoragePoolEventRegisterAnyArgs(eventID=1, pool=only))
    assert isinstance(r, Reply) and r.ret.callbackID == 2
    bad = call(Proc.CONNECT_STORAGE_POOL_EVENT_REGISTER_ANY, w.ConnectStoragePoolEventRegisterAnyArgs(eventID=2, pool=None))
    assert isinstance(bad, ErrorReply) and bad.error.message == "internal error: unsupported storage pool event ID 2"
    got: list = []
    st.bus.subscribe(PoolEvent, lambda ev: got.extend(storage_event_messages(client, ev)))
    pool = st.define(PoolDef("p", uuid.UUID(int=5), "/tmp"))
    st.start(pool)
    st.refresh(pool)
    st.start(other)
    st.refresh(other)
    assert [(m.procedure, m.body.callbackID, m.body.pool.name) for m in got] == [
        (Proc.STORAGE_POOL_EVENT_LIFECYCLE, 1, "p"), (Proc.STORAGE_POOL_EVENT_LIFECYCLE, 1, "p"),
        (Proc.STORAGE_POOL_EVENT_LIFECYCLE, 1, "other"), (Proc.STORAGE_POOL_EVENT_REFRESH, 2, "other")]
    assert (got[1].body.event, got[1].body.detail) == (2, 0)
    assert isinstance(call(Proc.CONNECT_STORAGE_POOL_EVENT_DEREGISTER_ANY,
                           w.ConnectStoragePoolEventDeregisterAnyArgs(callbackID=1)), Reply)
    again = call(Proc.CONNECT_STORAGE_POOL_EVENT_DEREGISTER_ANY, w.ConnectStoragePoolEventDeregisterAnyArgs(callbackID=1))
    assert isinstance(again, ErrorReply)
    assert again.error.message == "internal error: storage pool event callback 1 not registered"


def test_sparse_upload_holes_stay_sparse(st: StorageState) -> None:
    pool = running(st)
    vol = st.vol_create(pool, VolDef("h.raw", 0, 0, "raw"))
    w = st.upload(vol, 0, 0, 1)
    w.write(b"a" * 100_000)
    w.hole(1 << 40)  # a 1 TiB hole costs nothing
    w.write(b"z")
    img = st.image(vol)
    assert img.virtual_size == 100_000 + (1 << 40) + 1 and len(img.clusters) <= 4
    assert st.images.read(vol.path, 99_990, 20) == b"a" * 10 + bytes(10)
    assert st.images.read(vol.path, img.virtual_size - 2, 2) == b"\0z"
    w2 = st.upload(vol, 50_000, 0, 1)
    w2.hole(65536 * 3)  # zeroes what was written, partial clusters included
    assert st.images.read(vol.path, 49_999, 2) == b"a\0" and st.images.read(vol.path, 0, 50_000) == b"a" * 50_000
    assert st.images.read(vol.path, 50_000, 60_000) == bytes(60_000)
