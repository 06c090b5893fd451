"""Real twins: the same volume-file scenarios on fakevirt and on libvirtd's QEMU driver (dir pools).

Every dir-pool format created and cloned, and terraform-provider-libvirt's flow (a cloud image
uploaded into a volume, an overlay on it, a cloud-init ISO, a domain on the overlay): the same
capacities, allocations, formats, guest-visible bytes and downloaded files on both.
"""

from __future__ import annotations

import shutil
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import Any

import libvirt
import pytest

import fakevirt.handlers.storage  # noqa: F401  registers
import fakevirt.handlers.storage_vol  # noqa: F401  registers
from fakevirt.testing import ThreadedServer
from tests.integration import volfiles_common as vc

pytestmark = [pytest.mark.real, pytest.mark.skipif(not vc.have_tools(), reason="qemu-utils or xorriso missing")]


def domain_on_overlay(conn: libvirt.virConnect, name: str, path: str) -> dict[str, Any]:
    """A domain on the overlay with the seed ISO as its CD-ROM: what its disks are while it runs."""
    dom = conn.createXML(
        f"<domain type='qemu'><name>{name}</name><memory unit='MiB'>64</memory><vcpu>1</vcpu>"
        "<os><type arch='x86_64' machine='pc'>hvm</type></os><devices>"
        f"<disk type='file' device='disk'><driver name='qemu' type='qcow2'/><source file='{path}/overlay'/>"
        "<target dev='vda' bus='virtio'/></disk>"
        f"<disk type='file' device='cdrom'><driver name='qemu' type='raw'/><source file='{path}/cloud-init.iso'/>"
        "<target dev='hda' bus='ide'/><readonly/></disk></devices></domain>", 0)
    try:
        # capacity and physical size (the allocation is QEMU's write high-water mark on libvirtd)
        return {dev: [dom.blockInfo(dev)[0], dom.blockInfo(dev)[2]] for dev in ("vda", "hda")}
    finally:
        dom.destroy()


def run(uri: str, root: str, body: Callable[[libvirt.virConnect, libvirt.virStoragePool, str], Any]) -> Any:
    conn = libvirt.open(uri)
    name = f"files-{uuid.uuid4().hex[:8]}"
    path = f"{root}/{name}"
    pool = vc.start_pool(conn, name, path)
    try:
        return body(conn, pool, path)
    finally:
        vc.drop_pool(pool)
        shutil.rmtree(path, ignore_errors=True)
        conn.close()


def test_every_format_like_libvirtd(fakevirt: ThreadedServer, reference_uri: str) -> None:
    real = run(reference_uri, "/tmp/files-ref", lambda c, p, path: vc.formats_scenario(p, path))
    assert run(fakevirt.uri(), "/tmp/files-fv", lambda c, p, path: vc.formats_scenario(p, path)) == real


def test_terraform_flow_like_libvirtd(fakevirt: ThreadedServer, reference_uri: str, tmp_path: Path) -> None:
    base, iso = vc.make_base_qcow2(tmp_path), vc.make_iso(tmp_path)

    def flow(work: Path) -> Callable[[libvirt.virConnect, libvirt.virStoragePool, str], Any]:
        def body(conn: libvirt.virConnect, pool: libvirt.virStoragePool, path: str) -> Any:
            work.mkdir()
            out = vc.terraform_scenario(conn, pool, path, base, iso, work)
            out["domain"] = domain_on_overlay(conn, Path(path).name, path)
            return out
        return body

    real = run(reference_uri, "/tmp/files-ref", flow(tmp_path / "real"))
    got = run(fakevirt.uri(), "/tmp/files-fv", flow(tmp_path / "fv"))
    assert got == real
    assert real["base"]["info"][1] == 33554432 and real["qemu-img check"] == real["qemu-img compare"] == 0
