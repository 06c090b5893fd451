"""<disk type='volume'>: the pool translates the volume to its file at start (virDomainDiskTranslateSourcePool).

The same scenario runs on fakevirt and, as the `real` twin, on libvirtd 9.0 (a TCG domain): errors of an
inactive domain, of a stopped pool and a missing volume, and the running disk's sizes by target and by file.
"""

from __future__ import annotations

import os
from collections.abc import Iterator

import libvirt
import pytest

from fakevirt.testing import ThreadedServer
from tests.integration.conftest import reference_session, result_or_error

NAME = f"fvvoldisk-{os.getpid()}"
POOL = f"fvvolpool-{os.getpid()}"
QCOW2_CAPACITY, RAW_CAPACITY = 1 << 20, 1000000


def _domain_xml() -> str:
    return f"""<domain type='qemu'><name>{NAME}</name><memory>65536</memory>
<os><type arch='x86_64'>hvm</type></os><devices>
<disk type='volume' device='disk'><driver name='qemu' type='qcow2'/><source pool='{POOL}' volume='v1'/>
<target dev='vda' bus='virtio'/></disk>
<disk type='volume' device='disk'><source pool='{POOL}' volume='v2'/><target dev='vdb' bus='virtio'/></disk>
</devices></domain>"""


def _vol_xml(name: str, capacity: int, fmt: str) -> str:
    return f"<volume><name>{name}</name><capacity>{capacity}</capacity><target><format type='{fmt}'/></target></volume>"


def _scenario(conn: libvirt.virConnect, target: str) -> list[object]:
    pool = conn.storagePoolDefineXML(f"<pool type='dir'><name>{POOL}</name><target><path>{target}</path>"
                                     "</target></pool>")
    pool.build()
    pool.create()
    pool.createXML(_vol_xml("v1", QCOW2_CAPACITY, "qcow2"))
    v2 = pool.createXML(_vol_xml("v2", RAW_CAPACITY, "raw"))
    dom = conn.defineXML(_domain_xml())
    out: list[object] = [result_or_error(dom.blockInfo, "vda"), result_or_error(dom.blockInfo, "vdb")]
    pool.destroy()
    out.append(result_or_error(dom.create))  # the last disk is translated first
    pool.create()
    v2.delete()
    out.append(result_or_error(dom.create))
    pool.createXML(_vol_xml("v2", RAW_CAPACITY, "raw"))
    pool.destroy()
    pool.undefine()
    out.append(result_or_error(dom.create))
    pool = conn.storagePoolDefineXML(f"<pool type='dir'><name>{POOL}</name><target><path>{target}</path>"
                                     "</target></pool>")
    pool.create()
    assert result_or_error(dom.create) == 0
    out.append(dom.blockInfo("vda")[0])
    out.append(dom.blockInfo("vdb")[0])
    out.append(dom.blockInfo(f"{target}/v1")[0])
    out.append(result_or_error(dom.blockInfo, f"{POOL}/v1"))
    stats = conn.domainListGetStats([dom], libvirt.VIR_DOMAIN_STATS_BLOCK)[0][1]
    out.append({k: v for k, v in stats.items() if k.endswith((".path", ".capacity", ".backingIndex"))})
    xml = dom.XMLDesc()
    out.append(xml.count("<driver name='qemu' type='raw'/>"))
    return [str(x).replace(target, "/POOL") for x in out]


EXPECTED = [
    str((1, 18, "internal error: missing storage backend for 'volume' storage")),
    str((1, 18, "internal error: missing storage backend for 'volume' storage")),
    str((67, 20, f"unsupported configuration: storage pool '{POOL}' containing volume 'v2' is not active")),
    str((50, 18, "Storage volume not found: no storage vol with matching name 'v2'")),
    str((49, 18, f"Storage pool not found: no storage pool with matching name '{POOL}'")),
    str(QCOW2_CAPACITY), str(RAW_CAPACITY + 512 - RAW_CAPACITY % 512), str(QCOW2_CAPACITY),
    str((8, 10, f"invalid argument: invalid path {POOL}/v1 not assigned to domain")),
    str({"block.0.path": "/POOL/v1", "block.0.backingIndex": 2, "block.0.capacity": QCOW2_CAPACITY,
         "block.1.path": "/POOL/v2", "block.1.backingIndex": 1, "block.1.capacity": RAW_CAPACITY + 448}),
    "1",  # vdb: QEMU's default format, in the live XML
]


def _cleanup(conn: libvirt.virConnect) -> None:
    for fn in (lambda: conn.lookupByName(NAME).destroy(), lambda: conn.lookupByName(NAME).undefine(),
               lambda: conn.storagePoolLookupByName(POOL).destroy(),
               lambda: conn.storagePoolLookupByName(POOL).undefine()):
        result_or_error(fn)


def test_volume_disks_on_fakevirt(fakevirt: ThreadedServer, fakevirt_uri: str) -> None:
    conn = libvirt.open(fakevirt_uri)
    try:
        assert _scenario(conn, "/var/lib/libvirt/images/voldisks") == EXPECTED
    finally:
        conn.close()


def test_volume_disk_block_info_through_virsh(fakevirt: ThreadedServer, virsh) -> None:  # type: ignore[no-untyped-def]
    conn = libvirt.open(fakevirt.uri())
    try:
        _scenario(conn, "/var/lib/libvirt/images/voldisks")
        r = virsh("domblkinfo", NAME, "vdb")
        assert r.returncode == 0, r.stderr
        assert "Capacity:       1000448" in r.stdout
        virsh("destroy", NAME)
        r = virsh("domblkinfo", NAME, "vda")
        assert r.stderr.strip() == "error: internal error: missing storage backend for 'volume' storage"
    finally:
        conn.close()


@pytest.fixture
def reference_conn(reference_uri: str) -> Iterator[tuple[libvirt.virConnect, str]]:
    with reference_session(reference_uri, _cleanup) as session:
        yield session


@pytest.mark.real
def test_volume_disks_on_libvirtd(reference_conn: tuple[libvirt.virConnect, str]) -> None:
    conn, target = reference_conn
    assert _scenario(conn, target) == EXPECTED


def test_hotplugged_volume_disk_is_translated(fakevirt: ThreadedServer, fakevirt_uri: str) -> None:
    conn = libvirt.open(fakevirt_uri)
    try:
        target = "/var/lib/libvirt/images/voldisks"
        _scenario(conn, target)
        dom = conn.lookupByName(NAME)
        pool = conn.storagePoolLookupByName(POOL)
        pool.createXML(_vol_xml("v3", 3 << 20, "raw"))
        disk = f"<disk type='volume' device='disk'><source pool='{POOL}' volume='v3'/><target dev='vdc'/></disk>"
        dom.attachDeviceFlags(disk, libvirt.VIR_DOMAIN_AFFECT_LIVE)
        assert dom.blockInfo("vdc")[0] == 3 << 20
        assert dom.blockInfo(f"{target}/v3")[0] == 3 << 20
        missing = disk.replace("'v3'", "'v9'").replace("vdc", "vdd")
        with pytest.raises(libvirt.libvirtError) as e:
            dom.attachDeviceFlags(missing, libvirt.VIR_DOMAIN_AFFECT_LIVE)
        assert (e.value.get_error_code(), e.value.get_error_message()) == (
            50, "Storage volume not found: no storage vol with matching name 'v9'")
    finally:
        conn.close()
