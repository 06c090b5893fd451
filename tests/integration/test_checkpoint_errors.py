"""Checkpoint error triples (code, domain, message) through libvirt-python, on fakevirt and, as a
``real`` twin, on the reference libvirtd 9.0 with a running TCG domain: one table for both."""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
from collections.abc import Iterator
from pathlib import Path

import libvirt
import pytest

from tests.integration.conftest import error_of
from tests.integration.test_checkpoint_virsh import IMAGES_ROOT, MiB, domain_xml

R, V = libvirt.VIR_DOMAIN_CHECKPOINT_CREATE_REDEFINE, libvirt.VIR_DOMAIN_CHECKPOINT_CREATE_REDEFINE_VALIDATE
QEMU, CKPT, CONF, XML = (libvirt.VIR_FROM_QEMU, libvirt.VIR_FROM_DOMAIN_CHECKPOINT, libvirt.VIR_FROM_DOMAIN,
                         libvirt.VIR_FROM_XML)
SCHEMA = ("XML document failed to validate against schema: Unable to validate doc against "
          "/usr/share/libvirt/schemas/domaincheckpoint.rng\n")


def ck(body: str) -> str:
    return f"<domaincheckpoint>{body}</domaincheckpoint>"


def table(dom: libvirt.virDomain) -> list[tuple[str, tuple[int, int, str]]]:
    dom.checkpointCreateXML(ck("<name>c1</name>"))
    c1 = dom.checkpointLookupByName("c1")
    create = [
        ("quiesce", ck(""), 2), ("validate-alone", ck(""), V), ("unknown-flag", ck(""), 8),
        ("no-disk", ck("<name>q</name><disks><disk name='vdz'/></disks>"), 0),
        ("twice", ck("<name>q</name><disks><disk name='vda'/><disk name='vda'/></disks>"), 0),
        ("too-many", ck("<name>q</name><disks><disk name='vda'/><disk name='vdb'/><disk name='vdc'/></disks>"), 0),
        ("bitmap-name", ck("<name>q</name><disks><disk name='vda' bitmap='x'/></disks>"), 0),
        ("exists", ck("<name>c1</name>"), 0),
        ("root", "<nope/>", 0), ("schema-extra", ck("<foo/>"), 0), ("schema-name", ck("<name>a/b</name>"), 0),
        ("schema-checkpoint", ck("<name>q</name><disks><disk name='vda' checkpoint='bogus'/></disks>"), 0),
        ("redefine-no-name", ck(""), R), ("redefine-no-time", ck("<name>q</name>"), R),
        ("redefine-self", ck("<name>z</name><parent><name>z</name></parent><creationTime>1</creationTime>"), R),
        ("redefine-no-parent", ck("<name>z</name><parent><name>qq</name></parent><creationTime>1</creationTime>"), R),
        ("redefine-validate", ck("<name>zz</name><creationTime>1</creationTime>"
                                 "<disks><disk name='vda' checkpoint='bitmap' bitmap='zz'/></disks>"), R | V),
    ]
    out = [(label, error_of(dom.checkpointCreateXML, xml, flags)) for label, xml, flags in create]
    out += [
        ("lookup", error_of(dom.checkpointLookupByName, "nope")),
        ("lookup-flags", error_of(dom.checkpointLookupByName, "c1", 1)),
        ("parent", error_of(c1.getParent)),
        ("parent-flags", error_of(c1.getParent, 1)),
        ("xml-flags", error_of(c1.getXMLDesc, 8)),
        ("list-flags", error_of(dom.listAllCheckpoints, 16)),
        ("children-flags", error_of(c1.listAllChildren, 16)),
        ("delete-flags", error_of(c1.delete, 8)),
        ("delete-exclusive", error_of(c1.delete, 5)),
    ]
    dom.destroy()
    out += [
        ("inactive-create", error_of(dom.checkpointCreateXML, ck("<name>c2</name>"))),
        ("inactive-delete", error_of(c1.delete)),
        ("inactive-size", error_of(c1.getXMLDesc, libvirt.VIR_DOMAIN_CHECKPOINT_XML_SIZE)),
        ("inactive-validate", error_of(dom.checkpointCreateXML, c1.getXMLDesc(), R | V)),
        ("undefine", error_of(dom.undefineFlags, 0)),
        ("undefine-managed-save", error_of(dom.undefineFlags, libvirt.VIR_DOMAIN_UNDEFINE_MANAGED_SAVE)),
        ("offline-snapshot", error_of(dom.snapshotCreateXML, "<domainsnapshot><name>s1</name></domainsnapshot>")),
    ]
    return out


EXPECTED = [
    ("quiesce", (8, QEMU, "unsupported flags (0x2) in function qemuCheckpointCreateXML")),
    ("validate-alone", (8, CKPT, "Flag 'VIR_DOMAIN_CHECKPOINT_CREATE_REDEFINE' is required by flag "
                                 "'VIR_DOMAIN_CHECKPOINT_CREATE_REDEFINE_VALIDATE'")),
    ("unknown-flag", (8, QEMU, "unsupported flags (0x8) in function qemuCheckpointCreateXML")),
    ("no-disk", (67, CKPT, "unsupported configuration: no disk named 'vdz'")),
    ("twice", (67, CKPT, "unsupported configuration: disk 'vda' specified twice")),
    ("too-many", (67, CKPT, "unsupported configuration: too many disk checkpoint requests for domain")),
    ("bitmap-name", (67, QEMU, "unsupported configuration: bitmap for disk 'vda' must match checkpoint name 'q'")),
    ("exists", (9, CONF, "operation failed: domain moment c1 already exists")),
    ("root", (27, XML, "XML error: expecting root element of 'domaincheckpoint', not 'nope'")),
    ("schema-extra", (92, XML, SCHEMA + "Element domaincheckpoint has extra content: foo\n")),
    ("schema-name", (92, XML, SCHEMA + "Extra element name in interleave\n"
                                      "Element domaincheckpoint failed to validate content\n")),
    ("schema-checkpoint", (92, XML, SCHEMA + "Extra element disks in interleave\n"
                                            "Element domaincheckpoint failed to validate content\n")),
    ("redefine-no-name", (27, CKPT, "XML error: a redefined checkpoint must have a name")),
    ("redefine-no-time", (1, CKPT, "internal error: missing creationTime from existing checkpoint")),
    ("redefine-self", (8, CONF, "invalid argument: cannot set moment z as its own parent")),
    ("redefine-no-parent", (8, CONF, "invalid argument: parent qq for moment z not found")),
    ("redefine-validate", (109, QEMU, "checkpoint inconsistent: missing or broken bitmap 'zz' for disk 'vda'")),
    ("lookup", (103, QEMU, "Domain checkpoint not found: no domain checkpoint with matching name 'nope'")),
    ("lookup-flags", (8, QEMU, "unsupported flags (0x1) in function qemuDomainCheckpointLookupByName")),
    ("parent", (103, QEMU, "Domain checkpoint not found: checkpoint 'c1' does not have a parent")),
    ("parent-flags", (8, QEMU, "unsupported flags (0x1) in function qemuDomainCheckpointGetParent")),
    ("xml-flags", (8, QEMU, "unsupported flags (0x8) in function qemuCheckpointGetXMLDesc")),
    ("list-flags", (8, QEMU, "unsupported flags (0x10) in function qemuDomainListAllCheckpoints")),
    ("children-flags", (8, QEMU, "unsupported flags (0x10) in function qemuDomainCheckpointListAllChildren")),
    ("delete-flags", (8, QEMU, "unsupported flags (0x8) in function qemuCheckpointDelete")),
    ("delete-exclusive", (8, CKPT, "Flags 'VIR_DOMAIN_CHECKPOINT_DELETE_CHILDREN' and "
                                   "'VIR_DOMAIN_CHECKPOINT_DELETE_CHILDREN_ONLY' are mutually exclusive")),
    ("inactive-create", (84, QEMU, "Operation not supported: cannot create checkpoint for inactive domain")),
    ("inactive-delete", (84, QEMU, "Operation not supported: cannot delete checkpoint for inactive domain")),
    ("inactive-size", (55, CONF, "Requested operation is not valid: domain is not running")),
    ("inactive-validate", (55, CONF, "Requested operation is not valid: domain is not running")),
    ("undefine", (55, QEMU, "Requested operation is not valid: cannot delete inactive domain with 1 checkpoints")),
    ("undefine-managed-save", (55, QEMU, "Requested operation is not valid: cannot delete inactive domain with "
                                         "1 checkpoints")),
    ("offline-snapshot", (84, QEMU, "Operation not supported: cannot perform block operations while checkpoint "
                                    "exists")),
]


def test_checkpoint_errors(fakevirt, fakevirt_uri: str) -> None:
    hv = fakevirt.hypervisor
    images = f"{IMAGES_ROOT}/ckpt-errors"
    for f in ("vm", "vm2"):
        fakevirt.call(hv.images.create, f"{images}/{f}.qcow2", "qcow2", 64 * MiB)
    conn = libvirt.open(fakevirt_uri)
    try:
        dom = conn.defineXML(domain_xml("ckvm", images))
        dom.create()
        assert table(dom) == EXPECTED
    finally:
        conn.close()


@pytest.fixture
def ref_domain(reference_uri: str) -> Iterator[libvirt.virDomain]:
    if shutil.which("qemu-img") is None:
        pytest.skip("qemu-img is not installed")
    Path(IMAGES_ROOT).mkdir(parents=True, exist_ok=True)
    images = tempfile.mkdtemp(prefix="fvref-ckerr-", dir=IMAGES_ROOT)
    os.chmod(images, 0o755)
    for f in ("vm", "vm2"):
        subprocess.run(["qemu-img", "create", "-q", "-f", "qcow2", f"{images}/{f}.qcow2", "64M"], check=True)
    conn = libvirt.open(reference_uri)
    dom = conn.defineXML(domain_xml(f"fvref-ckerr-{os.getpid()}", images))
    try:
        dom.create()
        yield dom
    finally:
        if dom.isActive():
            dom.destroy()
        dom.undefineFlags(libvirt.VIR_DOMAIN_UNDEFINE_CHECKPOINTS_METADATA)
        conn.close()
        shutil.rmtree(images, ignore_errors=True)


@pytest.mark.real
def test_checkpoint_errors_on_the_reference(ref_domain: libvirt.virDomain) -> None:
    assert table(ref_domain) == EXPECTED
