"""USB <hostdev>s at domain start (libvirt 9.0's virHostdevPrepareUSBDevices over the synthetic
Logitech receiver at 001:002 and root hub at 001:001), through libvirt-python and virsh."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import libvirt
import pytest

from .conftest import err, error_of, ok

RECEIVER = "<vendor id='0x046d'/><product id='0xc52b'/>"


def _xml(name: str, *sources: str, policy: str = "") -> str:
    extra = f" startupPolicy='{policy}'" if policy else ""
    devs = "".join(f"<hostdev mode='subsystem' type='usb'{extra}><source>{s}</source></hostdev>" for s in sources)
    return (f"<domain type='kvm'><name>{name}</name><memory>131072</memory><vcpu>1</vcpu>"
            f"<os><type arch='x86_64'>hvm</type></os><devices>{devs}</devices></domain>")


@pytest.fixture
def conn(fakevirt_uri: str) -> Iterator[libvirt.virConnect]:
    c = libvirt.open(fakevirt_uri)
    yield c
    c.close()


def test_found_by_vendor_gets_its_address_and_is_held(conn: libvirt.virConnect) -> None:
    a = conn.defineXML(_xml("a", RECEIVER))
    a.create()
    assert "<address bus='1' device='2'/>" in a.XMLDesc()
    assert "<address bus='1' device='2'/>" not in a.XMLDesc(libvirt.VIR_DOMAIN_XML_INACTIVE)
    b = conn.defineXML(_xml("b", "<address bus='1' device='2'/>"))
    assert error_of(b.create) == (55, 0, "Requested operation is not valid: "
                                          "USB device 001:002 is in use by driver QEMU, domain a")
    a.destroy()
    b.create()
    assert b.isActive()


@pytest.mark.parametrize(("source", "message"), [
    ("<vendor id='0x1234'/><product id='0x5678'/>", "Did not find USB device 1234:5678"),
    ("<address bus='1' device='3'/>", "Did not find USB device bus:1 device:3"),
    (RECEIVER + "<address bus='1' device='3'/>", "Did not find USB device 046d:c52b bus:1 device:3"),
])
def test_missing_device(conn: libvirt.virConnect, source: str, message: str) -> None:
    d = conn.defineXML(_xml("m", source))
    assert error_of(d.create) == (1, 0, f"internal error: {message}")
    assert not d.isActive()
    # optional: the domain starts without it
    conn.defineXML(_xml("o", source, policy="optional")).create()


def test_one_device_twice_in_a_domain(conn: libvirt.virConnect) -> None:
    d = conn.defineXML(_xml("t", RECEIVER, "<address bus='1' device='2'/>"))
    assert error_of(d.create) == (1, 0, "internal error: Device 001:002 is already in use")


def test_virsh(virsh, tmp_path: Path) -> None:
    f = tmp_path / "d.xml"
    f.write_text(_xml("v", "<address bus='1' device='1'/>"))
    ok(virsh("define", str(f)))
    ok(virsh("start", "v"))
    f.write_text(_xml("w", "<address bus='001' device='001'/>"))
    ok(virsh("define", str(f)))
    assert err(virsh("start", "w")).endswith("USB device 001:001 is in use by driver QEMU, domain v")
