"""The test driver's interfaces: define, start, stop, undefine and the change transaction, on fakevirt
and (the `real` twin) on libvirtd 9.0's test driver; the QEMU connection refuses them as the udev
backend does."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any
from urllib.parse import urlsplit

import libvirt
import pytest

from fakevirt.testing import ThreadedServer
from tests.integration.conftest import err, ok

ETH9 = """<interface type='ethernet' name='eth9'><start mode='onboot'/><mac address='aa:bb:cc:dd:ee:01'/>
<protocol family='ipv4'><ip address='192.168.5.5' prefix='24'/></protocol></interface>"""


def _call(fn: Callable[..., Any], *args: Any) -> Any:
    try:
        r = fn(*args)
    except libvirt.libvirtError as e:
        return e.get_error_code(), e.get_error_domain(), e.get_error_message()
    return (r.name(), r.MACString(), r.isActive()) if isinstance(r, libvirt.virInterface) else r


def _scenario(uri: str) -> list[Any]:
    conn = libvirt.open(uri)
    try:
        def listing() -> list[tuple[str, int]]:
            return sorted((i.name(), i.isActive()) for i in conn.listAllInterfaces(0))

        out: list[Any] = [_call(conn.changeRollback, 0), _call(conn.changeCommit, 0), _call(conn.changeBegin, 1)]
        i = conn.interfaceDefineXML(ETH9, 0)
        out += [_call(lambda: i), _call(conn.interfaceDefineXML, ETH9, 1), _call(i.create, 1), _call(i.create, 0),
                _call(i.create, 0), _call(conn.interfaceDefineXML, ETH9.replace(".5.5", ".5.6"), 0),
                i.XMLDesc(0), _call(conn.interfaceLookupByMACString, "aa:bb:cc:dd:ee:01"), listing(),
                _call(i.undefine), listing(), _call(i.destroy, 1), _call(i.destroy, 0), _call(i.undefine),
                _call(conn.interfaceDefineXML, "<interface type='ethernet'/>", 0),
                _call(conn.interfaceDefineXML, "<interface type='foo' name='x'/>", 0),
                _call(conn.interfaceDefineXML, "<interface type='ethernet' name='eth8'>"
                      "<mac address='aa:bb:cc:dd:ee:ff'/></interface>", 0),
                _call(conn.interfaceLookupByMACString, "aa:bb:cc:dd:ee:ff"),
                _call(conn.changeBegin, 0), _call(conn.changeBegin, 0), _call(i.create, 0), listing(),
                _call(conn.interfaceDefineXML, ETH9, 0), listing(), _call(conn.changeRollback, 1),
                _call(conn.changeRollback, 0), listing(),
                _call(conn.changeBegin, 0), _call(conn.changeCommit, 1), _call(conn.changeCommit, 0),
                _call(conn.interfaceLookupByName("eth1").destroy, 0)]
        return out
    finally:
        conn.close()


def _no_iface(name: str) -> tuple[int, int, str]:
    return 57, 12, f"Interface not found: no interface with matching name '{name}'"


EXPECTED: list[Any] = [
    (55, 12, "Requested operation is not valid: no transaction running, nothing to rollback."),
    (55, 12, "Requested operation is not valid: no transaction running, nothing to be committed."),
    (8, 12, "unsupported flags (0x1) in function testInterfaceChangeBegin"),
    ("eth9", "aa:bb:cc:dd:ee:01", 0), ("eth9", "aa:bb:cc:dd:ee:01", 0),
    (8, 12, "unsupported flags (0x1) in function testInterfaceCreate"), 0,
    (55, 12, "Requested operation is not valid"), ("eth9", "aa:bb:cc:dd:ee:01", 1),
    "<interface type='ethernet' name='eth9'>\n  <start mode='onboot'/>\n  <protocol family='ipv4'>\n"
    "    <ip address='192.168.5.6' prefix='24'/>\n  </protocol>\n  <mac address='aa:bb:cc:dd:ee:01'/>\n"
    "</interface>\n",
    ("eth9", "aa:bb:cc:dd:ee:01", 1), [("eth1", 1), ("eth9", 1)], 0, [("eth1", 1)],
    (8, 12, "unsupported flags (0x1) in function testInterfaceDestroy"), _no_iface("eth9"), _no_iface("eth9"),
    (27, 26, "XML error: interface has no name"),
    (27, 5, "XML error: Invalid value for attribute 'type' in element 'interface': 'foo'."),
    ("eth8", "aa:bb:cc:dd:ee:ff", 0), (59, 12, "multiple matching interfaces found"),
    0, (55, 12, "Requested operation is not valid: there is another transaction running."), _no_iface("eth9"),
    [("eth1", 1), ("eth8", 0)], ("eth9", "aa:bb:cc:dd:ee:01", 0), [("eth1", 1), ("eth8", 0), ("eth9", 0)],
    (8, 12, "unsupported flags (0x1) in function testInterfaceChangeRollback"), 0,
    [("eth1", 0), ("eth8", 0)],  # what ChangeBegin saw, all inactive
    0, (8, 12, "unsupported flags (0x1) in function testInterfaceChangeCommit"), 0,
    (55, 12, "Requested operation is not valid"),
]


def test_interfaces_on_fakevirt(fakevirt: ThreadedServer) -> None:
    assert _scenario(fakevirt.uri("default").replace("qemu+", "test+")) == EXPECTED


def test_interfaces_through_virsh(fakevirt: ThreadedServer, virsh, tmp_path) -> None:  # type: ignore[no-untyped-def]
    (tmp_path / "eth9.xml").write_text(ETH9)
    uri = fakevirt.uri("default").replace("qemu+", "test+")
    # one virsh session: test:///default forgets everything when its last connection closes
    out = ok(virsh(f"iface-define {tmp_path}/eth9.xml; iface-start eth9; iface-list --all", uri=uri))
    assert "Interface eth9 defined" in out and "Interface eth9 started" in out
    assert " eth9   active   aa:bb:cc:dd:ee:01" in out
    assert err(virsh("iface-define", str(tmp_path / "eth9.xml"))) == (
        f"error: Failed to define interface from {tmp_path}/eth9.xml\n"
        "error: this function is not supported by the connection driver: virInterfaceDefineXML")


@pytest.mark.real
def test_interfaces_on_libvirtd(reference_uri: str) -> None:
    u = urlsplit(reference_uri)
    assert _scenario(f"test+tcp://{u.hostname}:{u.port}/default") == EXPECTED
