"""virConnectDomainXMLToNative / FromNative through libvirt-python and virsh; the command lines of a
few shapes of domain (data/native/*.xml) compared with the reference daemon's."""

from __future__ import annotations

import re
from pathlib import Path

import libvirt
import pytest

from fakevirt.model.qemu_argv import DAEMON_PATH

from .conftest import err, error_of, ok

DATA = Path(__file__).parent / "data" / "native"
SHAPES = sorted(p.stem for p in DATA.glob("*.xml"))
HOME = "/var/lib/libvirt/qemu/domain--1-nat-min"
MIN = (f"LC_ALL=C PATH={DAEMON_PATH} HOME={HOME} XDG_DATA_HOME={HOME}/.local/share "
       f"XDG_CACHE_HOME={HOME}/.cache XDG_CONFIG_HOME={HOME}/.config /usr/bin/qemu-system-x86_64 "
       "-name guest=nat-min,debug-threads=on -S -object "
       f"""'{{"qom-type":"secret","id":"masterKey0","format":"raw","file":"{HOME}/master-key.aes"}}' """
       "-machine pc-i440fx-7.2,usb=off,dump-guest-core=off,memory-backend=pc.ram -accel tcg -cpu qemu64 -m 64 "
       """-object '{"qom-type":"memory-backend-ram","id":"pc.ram","size":67108864}' -overcommit mem-lock=off """
       "-smp 1,sockets=1,cores=1,threads=1 -uuid 11111111-2222-3333-4444-555555555555 -display none "
       f"-no-user-config -nodefaults -chardev socket,id=charmonitor,path={HOME}/monitor.sock,server=on,wait=off "
       "-mon chardev=charmonitor,id=monitor,mode=control -rtc base=utc -no-shutdown -no-acpi -boot strict=on "
       """-device '{"driver":"piix3-usb-uhci","id":"usb","bus":"pci.0","addr":"0x1.0x2"}' """
       """-audiodev '{"id":"audio1","driver":"none"}' """
       """-device '{"driver":"virtio-balloon-pci","id":"balloon0","bus":"pci.0","addr":"0x2"}' """
       "-sandbox on,obsolete=deny,elevateprivileges=deny,spawn=deny,resourcecontrol=deny -msg timestamp=on")


def comparable(argv: str) -> str:
    """Without what belongs to the daemon process: its PATH and the descriptors of the taps it opened."""
    return re.sub(r'"fd":"[0-9]+"', '"fd":"N"', re.sub(r"PATH=\S+", "PATH=X", argv))


def test_to_native_python(fakevirt_uri: str) -> None:
    conn = libvirt.open(fakevirt_uri)
    xml = (DATA / "min.xml").read_text()
    assert conn.domainXMLToNative("qemu-argv", xml, 0) == MIN
    net = conn.domainXMLToNative("qemu-argv", (DATA / "net.xml").read_text(), 0)
    assert """-netdev '{"type":"tap","fd":"28","id":"hostnet0"}'""" in net  # every NIC becomes a tap
    assert "-vnc 127.0.0.1:0,audiodev=audio1" in net and "-display none" not in net
    assert error_of(conn.domainXMLToNative, "foo", xml, 0) == (
        libvirt.VIR_ERR_INVALID_ARG, libvirt.VIR_FROM_QEMU, "invalid argument: unsupported config type foo")
    assert error_of(conn.domainXMLToNative, "qemu-argv", xml, 1) == (
        libvirt.VIR_ERR_INVALID_ARG, libvirt.VIR_FROM_QEMU,
        "unsupported flags (0x1) in function qemuConnectDomainXMLToNative")
    assert error_of(conn.domainXMLToNative, "qemu-argv", "<domain", 0)[0] == libvirt.VIR_ERR_XML_DETAIL
    assert error_of(conn.domainXMLFromNative, "qemu-argv", "qemu-system-x86_64 -m 64", 0) == (
        libvirt.VIR_ERR_NO_SUPPORT, libvirt.VIR_FROM_DOMAIN,
        "this function is not supported by the connection driver: virConnectDomainXMLFromNative")
    conn.close()


def test_to_native_virsh(virsh) -> None:
    assert ok(virsh("domxml-to-native", "qemu-argv", str(DATA / "min.xml"))) == MIN + "\n"
    assert err(virsh("domxml-to-native", "foo", str(DATA / "min.xml"))) == (
        "error: invalid argument: unsupported config type foo")
    assert err(virsh("domxml-from-native", "qemu-argv", str(DATA / "min.xml"))) == (
        "error: this function is not supported by the connection driver: virConnectDomainXMLFromNative")


@pytest.mark.real
@pytest.mark.parametrize("shape", SHAPES)
def test_command_lines_match_reference(shape: str, fakevirt_uri: str, reference_uri: str) -> None:
    xml = (DATA / f"{shape}.xml").read_text()
    mine, theirs = libvirt.open(fakevirt_uri), libvirt.open(reference_uri)
    try:
        assert comparable(mine.domainXMLToNative("qemu-argv", xml, 0)) == comparable(
            theirs.domainXMLToNative("qemu-argv", xml, 0))
        for call in (lambda c: c.domainXMLToNative("foo", xml, 0), lambda c: c.domainXMLToNative("qemu-argv", xml, 1),
                     lambda c: c.domainXMLFromNative("qemu-argv", "qemu-system-x86_64", 0)):
            assert error_of(call, mine) == error_of(call, theirs)
    finally:
        mine.close()
        theirs.close()
