"""dir pools and volumes through libvirt-python: flows, lists, error codes, streams, read-only."""

from __future__ import annotations

import os

import libvirt
import pytest

import fakevirt.handlers.storage  # noqa: F401  registers
import fakevirt.handlers.storage_vol  # noqa: F401  registers
from fakevirt.testing.libvirt_events import ensure_event_loop, wait_for
from tests.integration.conftest import error_of

MiB = 1024 * 1024
POOL_XML = "<pool type='dir'><name>{name}</name><target><path>{path}</path></target></pool>"
VOL_XML = ("<volume><name>{name}</name><capacity unit='M'>{mib}</capacity>"
           "<target><format type='{fmt}'/></target>{extra}</volume>")


@pytest.fixture
def conn(fakevirt_uri: str):
    c = libvirt.open(fakevirt_uri)
    yield c
    c.close()


@pytest.fixture
def pool(conn):
    p = conn.storagePoolDefineXML(POOL_XML.format(name="fv", path="/tmp/fv-pools/fv"))
    p.build()
    p.create()
    return p


def vol_xml(name: str, mib: int, fmt: str = "raw", extra: str = "") -> str:
    return VOL_XML.format(name=name, mib=mib, fmt=fmt, extra=extra)


def test_pool_flow_and_lists(conn) -> None:
    p = conn.storagePoolDefineXML(POOL_XML.format(name="fv", path="/tmp/fv-pools/fv"))
    assert p.info() == [libvirt.VIR_STORAGE_POOL_INACTIVE, 0, 0, 0]
    assert p.isActive() == 0 and p.isPersistent() == 1 and p.autostart() == 0
    assert error_of(p.create) == (libvirt.VIR_ERR_SYSTEM_ERROR, libvirt.VIR_FROM_STORAGE,
                                  "cannot open directory '/tmp/fv-pools/fv': No such file or directory")
    p.create(libvirt.VIR_STORAGE_POOL_CREATE_WITH_BUILD)
    state, cap, alloc, avail = p.info()
    assert state == libvirt.VIR_STORAGE_POOL_RUNNING and cap == alloc + avail
    assert conn.storagePoolLookupByUUID(p.UUID()).name() == "fv"
    assert conn.storagePoolLookupByUUIDString(p.UUIDString()).name() == "fv"
    assert conn.storagePoolLookupByTargetPath("/tmp/fv-pools//fv/").name() == "fv"
    t = conn.storagePoolCreateXML(POOL_XML.format(name="t", path="/tmp"), 0)
    assert t.isPersistent() == 0
    assert conn.numOfStoragePools() == 2 and conn.numOfDefinedStoragePools() == 0
    assert sorted(conn.listStoragePools()) == ["fv", "t"]
    assert [x.name() for x in conn.listAllStoragePools(libvirt.VIR_CONNECT_LIST_STORAGE_POOLS_TRANSIENT)] == ["t"]
    assert [x.name() for x in conn.listAllStoragePools(libvirt.VIR_CONNECT_LIST_STORAGE_POOLS_FS)] == []
    p.setAutostart(1)
    assert p.autostart() == 1
    assert error_of(t.setAutostart, 1)[2] == "invalid argument: cannot set autostart for transient pool"
    t.destroy()
    assert error_of(conn.storagePoolLookupByName, "t") == (
        libvirt.VIR_ERR_NO_STORAGE_POOL, libvirt.VIR_FROM_STORAGE, "Storage pool not found: no storage pool with "
        "matching name 't'")
    p.destroy()
    assert conn.listDefinedStoragePools() == ["fv"]
    assert error_of(p.refresh) == (libvirt.VIR_ERR_OPERATION_INVALID, libvirt.VIR_FROM_STORAGE,
                                   "Requested operation is not valid: storage pool 'fv' is not active")
    p.delete()
    p.undefine()
    assert error_of(p.info)[:2] == (libvirt.VIR_ERR_NO_STORAGE_POOL, libvirt.VIR_FROM_STORAGE)
    assert error_of(conn.storagePoolDefineXML, "<pool type='dir'><name>x</name></pool>")[2] == (
        "XML error: missing storage pool target path")


def test_volume_flow(conn, pool) -> None:
    raw = pool.createXML(vol_xml("a.raw", 10), 0)
    assert raw.info() == [libvirt.VIR_STORAGE_VOL_FILE, 10 * MiB, 10 * MiB]
    base = pool.createXML(vol_xml("b.qcow2", 20, "qcow2"), 0)
    top = pool.createXML(vol_xml("c.qcow2", 20, "qcow2", f"<backingStore><path>{base.path()}</path>"
                                 "<format type='qcow2'/></backingStore>"), 0)
    assert top.key() == top.path() == "/tmp/fv-pools/fv/c.qcow2"
    assert f"<backingStore>\n    <path>{base.path()}</path>" in top.XMLDesc()
    assert top.infoFlags(libvirt.VIR_STORAGE_VOL_GET_PHYSICAL)[2] == 196616
    assert pool.numOfVolumes() == 3 and pool.listVolumes() == ["a.raw", "b.qcow2", "c.qcow2"]
    assert [v.name() for v in pool.listAllVolumes()] == ["a.raw", "b.qcow2", "c.qcow2"]
    assert conn.storageVolLookupByKey(top.key()).name() == "c.qcow2"
    assert conn.storageVolLookupByPath(top.path()).storagePoolLookupByVolume().name() == "fv"
    assert error_of(pool.createXML, vol_xml("a.raw", 1), 0) == (
        libvirt.VIR_ERR_STORAGE_VOL_EXIST, libvirt.VIR_FROM_STORAGE, "storage volume 'a.raw' exists already")
    assert error_of(conn.storageVolLookupByKey, "nope") == (
        libvirt.VIR_ERR_NO_STORAGE_VOL, libvirt.VIR_FROM_STORAGE,
        "Storage volume not found: no storage vol with matching key nope")
    assert error_of(base.resize, MiB)[0] == libvirt.VIR_ERR_INVALID_ARG
    base.resize(MiB, libvirt.VIR_STORAGE_VOL_RESIZE_DELTA)
    assert base.info()[1] == 21 * MiB
    clone = pool.createXMLFrom(vol_xml("d.qcow2", 1, "qcow2"), base, 0)
    assert clone.info()[1] == 21 * MiB
    clone.wipe()
    clone.delete()
    assert error_of(clone.info) == (libvirt.VIR_ERR_NO_STORAGE_VOL, libvirt.VIR_FROM_STORAGE,
                                    "Storage volume not found: no storage vol with matching name 'd.qcow2'")


def test_stream_upload_download(conn, pool) -> None:
    vol = pool.createXML(vol_xml("u.raw", 4), 0)
    data = os.urandom(2 * MiB + 7)
    st = conn.newStream(0)
    vol.upload(st, MiB, 0, 0)
    for i in range(0, len(data), 256 * 1024):
        st.send(data[i:i + 256 * 1024])
    st.finish()
    st = conn.newStream(0)
    vol.download(st, MiB - 3, len(data) + 3, 0)
    got = bytearray()
    while True:
        chunk = st.recv(1 << 20)
        if not chunk:
            break
        got += chunk
    st.finish()
    assert bytes(got) == bytes(3) + data


def test_read_only_connection_refuses_changes(fakevirt_uri: str, pool) -> None:
    ro = libvirt.openReadOnly(fakevirt_uri)
    try:
        p = ro.storagePoolLookupByName("fv")
        assert p.info()[0] == libvirt.VIR_STORAGE_POOL_RUNNING
        code, _, _ = error_of(p.destroy)
        assert code == libvirt.VIR_ERR_OPERATION_DENIED
    finally:
        ro.close()


def test_pool_event_registration(conn) -> None:
    ensure_event_loop()
    conn = libvirt.open(conn.getURI())  # libvirt dispatches events only on connections opened after the loop
    seen: list[tuple[str, int, int]] = []
    refreshed: list[str] = []
    cid = conn.storagePoolEventRegisterAny(None, libvirt.VIR_STORAGE_POOL_EVENT_ID_LIFECYCLE,
                                           lambda c, p, event, detail, opaque: seen.append((p.name(), event, detail)),
                                           None)
    rid = conn.storagePoolEventRegisterAny(None, libvirt.VIR_STORAGE_POOL_EVENT_ID_REFRESH,
                                           lambda c, p, opaque: refreshed.append(p.name()), None)
    p = conn.storagePoolDefineXML(POOL_XML.format(name="fv", path="/tmp/fv-pools/fv"))
    p.build()
    p.create()
    p.refresh()
    p.destroy()
    p.undefine()
    expected = [("fv", libvirt.VIR_STORAGE_POOL_EVENT_DEFINED, 0), ("fv", libvirt.VIR_STORAGE_POOL_EVENT_CREATED, 0),
                ("fv", libvirt.VIR_STORAGE_POOL_EVENT_STARTED, 0), ("fv", libvirt.VIR_STORAGE_POOL_EVENT_STOPPED, 0),
                ("fv", libvirt.VIR_STORAGE_POOL_EVENT_UNDEFINED, 0)]
    wait_for(lambda: len(seen) >= len(expected) and refreshed)
    assert seen == expected and refreshed == ["fv"]
    conn.storagePoolEventDeregisterAny(cid)
    conn.storagePoolEventDeregisterAny(rid)
    with pytest.raises(libvirt.libvirtError):
        conn.storagePoolEventDeregisterAny(cid)


def test_domain_disk_on_a_pool_volume(conn, pool) -> None:
    from fakevirt.testing import minimal_domain_xml

    vol = pool.createXML(vol_xml("d.qcow2", 10, "qcow2"), 0)
    disk = (f"<devices><disk type='file' device='disk'><driver name='qemu' type='qcow2'/><source file='{vol.path()}'/>"
            "<target dev='vda' bus='virtio'/></disk></devices></domain>")
    dom = conn.defineXML(minimal_domain_xml("vm").replace("</domain>", disk))
    dom.create()
    assert dom.blockInfo("vda")[0] == vol.info()[1] == 10 * MiB
    dom.destroy()
    vol.resize(20 * MiB)
    dom.create()
    assert dom.blockInfo("vda")[0] == 20 * MiB  # the same image
    dom.destroy()
