"""An interface's <bandwidth> and <filterref> are parsed into fields and formatted as libvirt does."""

from __future__ import annotations

import re
import uuid
from collections.abc import Callable
from pathlib import Path

import pytest

from tests.integration.conftest import err, ok

NIC = ("<interface type='network'><mac address='52:54:00:aa:bb:01'/><source network='default'/>"
       "<bandwidth><outbound burst='3' average='10' peak='0'/><inbound floor='2' average='10' foo='1'/></bandwidth>"
       "<filterref filter='clean-traffic' x='1'><parameter name='Z' value='1'/>"
       "<parameter name='IP' value='10.0.0.1'/><parameter name='IP' value='10.0.0.2'/></filterref></interface>")
DOMAIN = ("<domain type='qemu'><name>{name}</name><memory>65536</memory>"
          "<os><type arch='x86_64' machine='pc'>hvm</type></os><devices>{nic}</devices></domain>")


def _session(virsh: Callable[..., object], tmp_path: Path, uri: str | None) -> list[str]:
    """The interface a definition gives back, and the error for a rate that is not a number."""
    name = f"fvtest-{uuid.uuid4().hex[:8]}"
    path = tmp_path / f"{name}.xml"
    path.write_text(DOMAIN.format(name=name, nic=NIC))
    ok(virsh("define", str(path), uri=uri))
    try:
        xml = ok(virsh("dumpxml", name, uri=uri))
        nic = re.sub(r"\s+<address type='pci'[^>]*/>", "", re.search(r" *<interface .*?</interface>", xml, re.S).group(0))
    finally:
        virsh("undefine", name, uri=uri)
    path.write_text(DOMAIN.format(name=name, nic=NIC.replace("average='10' peak", "average='1x' peak")))
    return [nic, err(virsh("define", str(path), uri=uri)).splitlines()[-1]]


def test_bandwidth_and_filterref_as_libvirt_formats_them(virsh, tmp_path: Path) -> None:
    nic, error = _session(virsh, tmp_path, None)
    assert nic.splitlines() == [
        "    <interface type='network'>",
        "      <mac address='52:54:00:aa:bb:01'/>",
        "      <source network='default'/>",
        "      <bandwidth>",
        "        <inbound average='10' floor='2'/>",
        "        <outbound average='10' burst='3'/>",
        "      </bandwidth>",
        "      <model type='rtl8139'/>",
        "      <filterref filter='clean-traffic'>",
        "        <parameter name='IP' value='10.0.0.1'/>",
        "        <parameter name='IP' value='10.0.0.2'/>",
        "        <parameter name='Z' value='1'/>",
        "      </filterref>",
        "    </interface>"]
    assert error == "error: unsupported configuration: could not convert bandwidth average value '1x'"


@pytest.mark.real
def test_matches_reference(virsh, tmp_path: Path, reference_uri: str) -> None:
    assert _session(virsh, tmp_path, None) == _session(virsh, tmp_path, reference_uri)
