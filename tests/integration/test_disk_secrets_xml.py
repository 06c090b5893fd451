"""A disk's <auth> and <encryption>, under <disk> or its <source>, as libvirt formats them."""

from __future__ import annotations

import re
import uuid
from collections.abc import Callable
from pathlib import Path

import pytest

from tests.integration.conftest import ok

U = "11111111-2222-3333-4444-555555555555"
DISKS = f"""<disk type='network' device='disk'><driver name='qemu' type='raw'/>
<source protocol='rbd' name='pool/image'><host name='127.0.0.1' port='6789'/><encryption format='luks' engine='librbd'>
<secret usage='x' type='passphrase'/></encryption><auth username='admin'><secret usage='fv' type='ceph'/></auth></source>
<target dev='vda' bus='virtio'/></disk>
<disk type='network' device='disk'><driver name='qemu' type='raw'/><encryption format='luks'>
<secret type='passphrase' uuid='{U}'/></encryption><auth username='admin'><secret type='ceph' usage='fv'/></auth>
<source protocol='rbd' name='pool/image2'><host name='127.0.0.1' port='6789'/></source>
<target dev='vdb' bus='virtio'/></disk>
<disk type='file' device='disk'><driver name='qemu' type='qcow2'/><source file='/tmp/fv-x.qcow2'>
<encryption format='luks'><secret uuid='{U}' type='passphrase'/></encryption></source><target dev='vdc' bus='virtio'/></disk>"""
DOMAIN = ("<domain type='qemu'><name>{name}</name><memory>65536</memory>"
          "<os><type arch='x86_64' machine='pc'>hvm</type></os><devices>" + DISKS + "</devices></domain>")


def _disks(virsh: Callable[..., object], tmp_path: Path, uri: str | None) -> list[str]:
    name = f"fvtest-{uuid.uuid4().hex[:8]}"
    path = tmp_path / f"{name}.xml"
    path.write_text(DOMAIN.format(name=name))
    ok(virsh("define", str(path), uri=uri))
    try:
        xml = ok(virsh("dumpxml", name, uri=uri))
    finally:
        virsh("undefine", name, uri=uri)
    return [re.sub(r"\s+<address type='pci'[^>]*/>", "", d) for d in re.findall(r" *<disk .*?</disk>", xml, re.S)]


def test_auth_and_encryption_in_libvirt_form(virsh, tmp_path: Path) -> None:
    vda, vdb, vdc = _disks(virsh, tmp_path, None)
    assert "\n".join(vda.splitlines()[2:11]) == """\
      <source protocol='rbd' name='pool/image'>
        <host name='127.0.0.1' port='6789'/>
        <auth username='admin'>
          <secret type='ceph' usage='fv'/>
        </auth>
        <encryption format='luks' engine='librbd'>
          <secret type='passphrase' usage='x'/>
        </encryption>
      </source>"""
    assert vdb.splitlines()[2:4] == ["      <auth username='admin'>", "        <secret type='ceph' usage='fv'/>"]
    assert vdb.splitlines()[-4:-1] == ["      <encryption format='luks' engine='qemu'>",
                                       f"        <secret type='passphrase' uuid='{U}'/>", "      </encryption>"]
    assert vdc.splitlines()[3:6] == ["        <encryption format='luks' engine='qemu'>",
                                     f"          <secret type='passphrase' uuid='{U}'/>", "        </encryption>"]


@pytest.mark.real
def test_matches_reference(virsh, tmp_path: Path, reference_uri: str) -> None:
    assert _disks(virsh, tmp_path, None) == _disks(virsh, tmp_path, reference_uri)
