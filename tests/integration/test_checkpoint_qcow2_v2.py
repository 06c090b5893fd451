"""Checkpoints on qcow2 v2 images: QEMU cannot store a persistent bitmap in them.

libvirt's vol-create makes qcow2 volumes with compat=0.10 unless the volume XML asks for 1.1; a
file disk on such an image refuses a checkpoint just as a volume disk does.  The same scenario runs
on fakevirt and, as the `real` twin, on libvirtd 9.0 (a TCG guest).
"""

from __future__ import annotations

import os
from contextlib import closing

import libvirt
import pytest

from fakevirt.testing import ThreadedServer
from tests.integration.conftest import reference_session, result_or_error

NAME, POOL = f"fvcpv2-{os.getpid()}", f"fvcpv2p-{os.getpid()}"
CHECKPOINT = "<domaincheckpoint><name>c1</name></domaincheckpoint>"


def _vol_xml(name: str, compat: str | None) -> str:
    extra = f"<compat>{compat}</compat>" if compat else ""
    return (f"<volume><name>{name}</name><capacity>16777216</capacity><target><format type='qcow2'/>{extra}"
            "</target></volume>")


def _domain_xml(v2: str, v3: str) -> str:
    disks = "".join(f"<disk type='file' device='disk'><driver name='qemu' type='qcow2'/><source file='{path}'/>"
                    f"<target dev='{dev}' bus='virtio'/></disk>" for dev, path in (("vda", v3), ("vdb", v2)))
    return (f"<domain type='qemu'><name>{NAME}</name><memory unit='MiB'>64</memory><vcpu>1</vcpu>"
            "<os><type arch='x86_64' machine='pc'>hvm</type></os><devices>"
            f"<emulator>/usr/bin/qemu-system-x86_64</emulator>{disks}</devices></domain>")


def _scenario(conn: libvirt.virConnect, target: str) -> list[object]:
    pool = conn.storagePoolDefineXML(f"<pool type='dir'><name>{POOL}</name><target><path>{target}</path>"
                                     "</target></pool>")
    pool.build()
    pool.create()
    v2 = pool.createXML(_vol_xml("v2.qcow2", None)).path()
    v3 = pool.createXML(_vol_xml("v3.qcow2", "1.1")).path()
    dom = conn.defineXML(_domain_xml(v2, v3))
    dom.create()
    only_vda = CHECKPOINT.replace("</name>", "</name><disks><disk name='vdb' checkpoint='no'/></disks>")
    out = [result_or_error(dom.checkpointCreateXML, xml) for xml in (CHECKPOINT, only_vda)]  # vdb (v2) refuses
    out = [r if isinstance(r, tuple) else "ok" for r in out]
    out.append([c.getName() for c in dom.listAllCheckpoints()])
    return out


EXPECTED = [
    (1, 10, "internal error: unable to execute QEMU command 'transaction': Can't make bitmap 'c1' persistent "
            "in 'libvirt-1-format': Cannot store dirty bitmaps in qcow2 v2 files"),
    "ok",
    ["c1"],
]


def _cleanup(conn: libvirt.virConnect) -> None:
    for fn in (lambda: conn.lookupByName(NAME).destroy(),
               lambda: conn.lookupByName(NAME).undefineFlags(libvirt.VIR_DOMAIN_UNDEFINE_CHECKPOINTS_METADATA),
               lambda: conn.storagePoolLookupByName(POOL).destroy(),
               lambda: conn.storagePoolLookupByName(POOL).undefine()):
        result_or_error(fn)


def test_checkpoint_refused_on_qcow2_v2_on_fakevirt(fakevirt: ThreadedServer, fakevirt_uri: str) -> None:
    with closing(libvirt.open(fakevirt_uri)) as conn:
        assert _scenario(conn, "/var/lib/libvirt/images/cpv2") == EXPECTED


@pytest.mark.real
def test_checkpoint_refused_on_qcow2_v2_on_libvirtd(reference_uri: str) -> None:
    with reference_session(reference_uri, _cleanup) as (conn, target):
        assert _scenario(conn, target) == EXPECTED
