"""The remaining QEMU-driver domain calls through libvirt-python, with real-libvirtd twins where the call
leaves the reference usable (a save without a file is not tried there: 9.0 leaks the domain's lock)."""

from __future__ import annotations

import uuid

import libvirt
import pytest

from fakevirt.testing import minimal_domain_xml

from .conftest import error_of

UUID = "6f0d2c1e-8a55-4b8e-9d4e-2a7c1f0b3e11"
QEMU, DOMAIN, STORAGE, NONE = libvirt.VIR_FROM_QEMU, libvirt.VIR_FROM_DOMAIN, libvirt.VIR_FROM_STORAGE, 0


def xml(name: str = "more1", vcpus: int = 1) -> str:
    return minimal_domain_xml(name, vcpus=vcpus).replace("<name>", f"<uuid>{UUID}</uuid><name>", 1)


@pytest.fixture
def conn(fakevirt_uri: str):
    c = libvirt.open(fakevirt_uri)
    yield c
    c.close()


@pytest.fixture
def running(conn):
    dom = conn.defineXML(xml())
    dom.create()
    return dom


def test_save_and_restore_params(conn, running) -> None:
    path = "/var/lib/libvirt/images/more1.save"
    running.saveParams({libvirt.VIR_DOMAIN_SAVE_PARAM_FILE: path}, 0)
    assert running.info()[0] == libvirt.VIR_DOMAIN_SHUTOFF
    assert error_of(conn.restoreParams, {}, 0) == (libvirt.VIR_ERR_INVALID_ARG, QEMU,
                                                   "invalid argument: missing path to restore from")
    assert error_of(conn.restoreParams, {"bogus": "x"}, 0) == (
        libvirt.VIR_ERR_ARGUMENT_UNSUPPORTED, NONE, "argument unsupported: parameter 'bogus' not supported")
    conn.restoreParams({libvirt.VIR_DOMAIN_SAVE_PARAM_FILE: path}, libvirt.VIR_DOMAIN_SAVE_PAUSED)
    assert running.info()[0] == libvirt.VIR_DOMAIN_PAUSED


def test_save_params_without_file_is_a_managed_save(conn, running) -> None:
    running.saveParams({libvirt.VIR_DOMAIN_SAVE_PARAM_DXML: xml(vcpus=2)}, 0)
    assert running.hasManagedSaveImage() == 1
    assert "<vcpu placement='static'>2</vcpu>" in running.managedSaveGetXMLDesc(0)


def test_save_image_define_xml(conn, running) -> None:
    path = "/var/lib/libvirt/images/more1.save"
    running.save(path)
    conn.saveImageDefineXML(path, xml(vcpus=2), 0)
    assert "<vcpu placement='static'>2</vcpu>" in conn.saveImageGetXMLDesc(path, 0)
    other = xml().replace(UUID, str(uuid.UUID(int=7)))
    assert error_of(conn.saveImageDefineXML, path, other, 0) == (
        libvirt.VIR_ERR_CONFIG_UNSUPPORTED, DOMAIN,
        f"unsupported configuration: Target domain uuid {uuid.UUID(int=7)} does not match source {UUID}")
    assert error_of(conn.saveImageDefineXML, path, xml(), 1) == (
        libvirt.VIR_ERR_INVALID_ARG, QEMU, "unsupported flags (0x1) in function qemuDomainSaveImageDefineXML")
    assert error_of(conn.saveImageDefineXML, "/nonexist", xml(), 0) == (
        libvirt.VIR_ERR_SYSTEM_ERROR, QEMU, "Failed to open file '/nonexist': No such file or directory")
    conn.saveImageDefineXML(path, xml(), libvirt.VIR_DOMAIN_SAVE_PAUSED)
    conn.restore(path)
    assert running.info()[0] == libvirt.VIR_DOMAIN_PAUSED


def test_managed_save_define_xml(conn, running) -> None:
    assert error_of(running.managedSaveDefineXML, xml(), 0) == (
        libvirt.VIR_ERR_OPERATION_INVALID, QEMU, "Requested operation is not valid: domain does not have managed save image")
    running.managedSave(0)
    running.managedSaveDefineXML(xml(vcpus=3), 0)
    assert "<vcpu placement='static'>3</vcpu>" in running.managedSaveGetXMLDesc(0)
    assert error_of(running.managedSaveDefineXML, xml(), 1)[2] == \
        "unsupported flags (0x1) in function qemuDomainManagedSaveDefineXML"


def test_create_with_files(conn) -> None:
    dom = conn.defineXML(xml())
    dom.createWithFiles([], 0)
    assert dom.isActive()
    t = conn.createXMLWithFiles(minimal_domain_xml("more2"), [], 0)
    assert t.isActive() and not t.isPersistent()


def test_memory_peek(running) -> None:
    assert running.memoryPeek(0, 16, libvirt.VIR_MEMORY_PHYSICAL) == bytes(16)
    assert running.memoryPeek(1 << 40, 8, libvirt.VIR_MEMORY_PHYSICAL) == bytes(8)
    assert running.memoryPeek(0, 0, libvirt.VIR_MEMORY_VIRTUAL) == b""
    assert error_of(running.memoryPeek, 1 << 40, 16, libvirt.VIR_MEMORY_VIRTUAL) == (
        libvirt.VIR_ERR_INTERNAL_ERROR, QEMU,
        "internal error: unable to execute QEMU command 'memsave': Invalid addr 0x0000010000000000/size 16 specified")
    assert error_of(running.memoryPeek, 0, 16, 0) == (
        libvirt.VIR_ERR_INVALID_ARG, QEMU,
        "invalid argument: flags parameter must be VIR_MEMORY_VIRTUAL or VIR_MEMORY_PHYSICAL")
    running.destroy()
    assert error_of(running.memoryPeek, 0, 16, 1) == (
        libvirt.VIR_ERR_OPERATION_INVALID, DOMAIN, "Requested operation is not valid: domain is not running")


def test_security_label_list_and_identity(conn, running) -> None:
    assert running.securityLabelList() == [["", False]]
    assert conn.setIdentity({"user-name": "root", "process-id": 5}, 1) == 0
    assert error_of(conn.setIdentity, {"bogus": "root"}, 0) == (
        libvirt.VIR_ERR_ARGUMENT_UNSUPPORTED, NONE, "argument unsupported: parameter 'bogus' not supported")


@pytest.mark.real
def test_reference_agrees_on_errors(conn, reference_uri: str) -> None:
    """The same calls' errors on the real QEMU driver (no domain needed, nothing left behind)."""
    ref = libvirt.open(reference_uri)
    try:
        for call in (
            lambda c: c.restoreParams({}, 0),
            lambda c: c.restoreParams({"bogus": "x"}, 0),
            lambda c: c.saveImageDefineXML("/nonexist", xml(), 0),
            lambda c: c.saveImageDefineXML("/nonexist", xml(), 1),
            lambda c: c.domainXMLFromNative("qemu-argv", "qemu -m 64", 0),
            lambda c: c.setIdentity({"bogus": "x"}, 0),
        ):
            assert error_of(call, conn) == error_of(call, ref)
        assert conn.setIdentity({"user-name": "root"}, 1) == ref.setIdentity({"user-name": "root"}, 1) == 0
    finally:
        ref.close()
