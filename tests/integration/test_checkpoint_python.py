"""Domain checkpoints through libvirt-python: create/redefine, the tree and its lists, XML with
--size from the persistent dirty bitmaps, delete (children, metadata), and the domain rules
(inactive domains, undefine, offline snapshots).  Texts as libvirtd 9.0 reports them."""

from __future__ import annotations

import xml.etree.ElementTree as ET

import libvirt
import pytest

from tests.integration.conftest import error_of

IMG = "/images"
VDA, VDB = f"{IMG}/vm.qcow2", f"{IMG}/vm2.qcow2"
DOMAIN_XML = f"""<domain type='kvm'><name>vm</name><memory unit='MiB'>64</memory><vcpu>1</vcpu>
<os><type arch='x86_64'>hvm</type></os><devices>
<disk type='file' device='disk'><driver name='qemu' type='qcow2'/><source file='{VDA}'/>
<target dev='vda' bus='virtio'/></disk>
<disk type='file' device='disk'><driver name='qemu' type='qcow2'/><source file='{VDB}'/>
<target dev='vdb' bus='virtio'/></disk>
<disk type='file' device='cdrom'><driver name='qemu' type='raw'/><target dev='hdc' bus='ide'/><readonly/></disk>
</devices></domain>"""
QEMU, CKPT, CONF = libvirt.VIR_FROM_QEMU, libvirt.VIR_FROM_DOMAIN_CHECKPOINT, libvirt.VIR_FROM_DOMAIN
MiB = 1 << 20


def ck(name: str | None = None, body: str = "") -> str:
    return f"<domaincheckpoint>{f'<name>{name}</name>' if name else ''}{body}</domaincheckpoint>"


def names(chks) -> list[str]:
    return [c.getName() for c in chks]


class Host:
    """The image store and the guest's disk writes (run in the server's thread)."""

    def __init__(self, fakevirt) -> None:
        self.fv = fakevirt
        self.hv = fakevirt.hypervisor

    def write(self, target: str, off: int, data: bytes) -> None:
        dom = self.fv.call(lambda: self.hv.system.domains.by_name("vm"))
        self.fv.call(self.hv.system.domains.guest_write, dom, target, off, data)

    def bitmaps(self, path: str) -> list[tuple[str, bool]]:
        return self.fv.call(lambda: [(b.name, b.enabled) for b in self.hv.images.bitmaps(path)])

    def info_bitmaps(self, path: str) -> list[dict]:
        return self.fv.call(lambda: self.hv.images.info(path)["format-specific"]["data"].get("bitmaps", []))


@pytest.fixture
def conn(fakevirt_uri: str):
    c = libvirt.open(fakevirt_uri)
    yield c
    c.close()


@pytest.fixture
def host(fakevirt) -> Host:
    h = Host(fakevirt)
    for p in (VDA, VDB):
        fakevirt.call(lambda p=p: h.hv.images.create(p, "qcow2", 64 * MiB))
    return h


@pytest.fixture
def dom(conn, host):
    d = conn.defineXML(DOMAIN_XML)
    d.create()
    return d


def disk_sizes(chk) -> dict[str, str | None]:
    root = ET.fromstring(chk.getXMLDesc(libvirt.VIR_DOMAIN_CHECKPOINT_XML_SIZE))
    return {d.get("name"): d.get("size") for d in root.iter("disk") if d.get("checkpoint") is not None}


def test_create_makes_a_bitmap_per_writable_disk_and_chains_parents(dom, host) -> None:
    c1 = dom.checkpointCreateXML(ck("c1"))
    c2 = dom.checkpointCreateXML(ck("c2", "<description>second</description>"))
    xml = c2.getXMLDesc(libvirt.VIR_DOMAIN_CHECKPOINT_XML_NO_DOMAIN)
    root = ET.fromstring(xml)
    assert root.findtext("parent/name") == "c1" and root.findtext("description") == "second"
    assert [(d.get("name"), d.get("checkpoint"), d.get("bitmap")) for d in root.iter("disk")] == [
        ("vda", "bitmap", "c2"), ("vdb", "bitmap", "c2"), ("hdc", "no", None)]
    assert ET.fromstring(c1.getXMLDesc()).find("domain/name").text == "vm"
    assert host.bitmaps(VDA) == [("c1", True), ("c2", True)]
    assert host.info_bitmaps(VDB) == [{"flags": ["auto"], "name": "c1", "granularity": 65536},
                                      {"flags": ["auto"], "name": "c2", "granularity": 65536}]
    assert c2.getParent().getName() == "c1"
    assert error_of(c1.getParent) == (libvirt.VIR_ERR_NO_DOMAIN_CHECKPOINT, QEMU,
                                      "Domain checkpoint not found: checkpoint 'c1' does not have a parent")


def test_listed_disks_leave_the_others_out_and_bitmap_must_match(dom) -> None:
    c3 = dom.checkpointCreateXML(ck("c3", "<disks><disk name='vda' checkpoint='no'/></disks>"))
    root = ET.fromstring(c3.getXMLDesc(libvirt.VIR_DOMAIN_CHECKPOINT_XML_NO_DOMAIN))
    assert [(d.get("name"), d.get("checkpoint")) for d in root.iter("disk")] == [
        ("vda", "no"), ("vdb", "no"), ("hdc", "no")]
    p = dom.checkpointCreateXML(ck("pp", f"<disks><disk name='{VDA}'/></disks>"))
    assert [d.get("name") for d in ET.fromstring(p.getXMLDesc()).iter("disk")][0] == "vda"
    cases = [
        (ck("c4", "<disks><disk name='vda' bitmap='other'/></disks>"), libvirt.VIR_ERR_CONFIG_UNSUPPORTED, QEMU,
         "unsupported configuration: bitmap for disk 'vda' must match checkpoint name 'c4'"),
        (ck("q", "<disks><disk name='vdz'/></disks>"), libvirt.VIR_ERR_CONFIG_UNSUPPORTED, CKPT,
         "unsupported configuration: no disk named 'vdz'"),
        (ck("q", "<disks><disk name='vda'/><disk name='vda'/></disks>"), libvirt.VIR_ERR_CONFIG_UNSUPPORTED, CKPT,
         "unsupported configuration: disk 'vda' specified twice"),
        (ck("q", "<disks><disk name='hdc'/></disks>"), libvirt.VIR_ERR_CONFIG_UNSUPPORTED, CKPT,
         "unsupported configuration: disk 'hdc' is empty or readonly"),
        (ck("q", "<disks><disk name='vda'/><disk name='vdb'/><disk name='hdc'/><disk name='vdd'/></disks>"),
         libvirt.VIR_ERR_CONFIG_UNSUPPORTED, CKPT, "unsupported configuration: too many disk checkpoint requests for domain"),
        (ck("c3"), libvirt.VIR_ERR_OPERATION_FAILED, CONF, "operation failed: domain moment c3 already exists"),
        ("<nope/>", libvirt.VIR_ERR_XML_ERROR, libvirt.VIR_FROM_XML,
         "XML error: expecting root element of 'domaincheckpoint', not 'nope'"),
        (ck("a/b"), libvirt.VIR_ERR_XML_INVALID_SCHEMA, libvirt.VIR_FROM_XML,
         "XML document failed to validate against schema: Unable to validate doc against "
         "/usr/share/libvirt/schemas/domaincheckpoint.rng\nExtra element name in interleave\n"
         "Element domaincheckpoint failed to validate content\n"),
        ("<domaincheckpoint><foo/></domaincheckpoint>", libvirt.VIR_ERR_XML_INVALID_SCHEMA, libvirt.VIR_FROM_XML,
         "XML document failed to validate against schema: Unable to validate doc against "
         "/usr/share/libvirt/schemas/domaincheckpoint.rng\nElement domaincheckpoint has extra content: foo\n"),
    ]
    for xml, code, domain, text in cases:
        assert error_of(dom.checkpointCreateXML, xml) == (code, domain, text), xml
    assert sorted(names(dom.listAllCheckpoints())) == ["c3", "pp"]


def test_a_leftover_bitmap_fails_the_qemu_transaction(dom, fakevirt) -> None:
    fakevirt.call(fakevirt.hypervisor.images.bitmap_add, VDB, "c1")
    assert error_of(dom.checkpointCreateXML, ck("c1")) == (
        libvirt.VIR_ERR_INTERNAL_ERROR, QEMU,
        "internal error: unable to execute QEMU command 'transaction': Bitmap already exists: c1")
    assert names(dom.listAllCheckpoints()) == []
    assert fakevirt.call(lambda: [b.name for b in fakevirt.hypervisor.images.bitmaps(VDA)]) == []


def test_flags_are_checked_as_libvirt_does(dom) -> None:
    dom.checkpointCreateXML(ck("c1"))
    c1 = dom.checkpointLookupByName("c1")
    U = libvirt.VIR_ERR_INVALID_ARG  # virCheckFlags
    assert error_of(dom.checkpointCreateXML, ck(), 2) == (U, QEMU, "unsupported flags (0x2) in function qemuCheckpointCreateXML")
    assert error_of(dom.checkpointCreateXML, ck(), 4) == (
        libvirt.VIR_ERR_INVALID_ARG, CKPT,
        "Flag 'VIR_DOMAIN_CHECKPOINT_CREATE_REDEFINE' is required by flag 'VIR_DOMAIN_CHECKPOINT_CREATE_REDEFINE_VALIDATE'")
    assert error_of(dom.checkpointLookupByName, "c1", 1) == (U, QEMU, "unsupported flags (0x1) in function qemuDomainCheckpointLookupByName")
    assert error_of(dom.checkpointLookupByName, "nope") == (
        libvirt.VIR_ERR_NO_DOMAIN_CHECKPOINT, QEMU, "Domain checkpoint not found: no domain checkpoint with matching name 'nope'")
    assert error_of(c1.getXMLDesc, 8) == (U, QEMU, "unsupported flags (0x8) in function qemuCheckpointGetXMLDesc")
    assert error_of(dom.listAllCheckpoints, 16) == (U, QEMU, "unsupported flags (0x10) in function qemuDomainListAllCheckpoints")
    assert error_of(c1.listAllChildren, 16) == (U, QEMU, "unsupported flags (0x10) in function qemuDomainCheckpointListAllChildren")
    assert error_of(c1.delete, 8) == (U, QEMU, "unsupported flags (0x8) in function qemuCheckpointDelete")
    assert error_of(c1.delete, 5) == (
        libvirt.VIR_ERR_INVALID_ARG, CKPT, "Flags 'VIR_DOMAIN_CHECKPOINT_DELETE_CHILDREN' and "
        "'VIR_DOMAIN_CHECKPOINT_DELETE_CHILDREN_ONLY' are mutually exclusive")


def test_lists_roots_leaves_descendants_topological(dom) -> None:
    for n in ("c1", "c2", "c3"):
        dom.checkpointCreateXML(ck(n))
    c1 = dom.checkpointLookupByName("c1")
    F = libvirt
    assert sorted(names(dom.listAllCheckpoints())) == ["c1", "c2", "c3"]
    assert names(dom.listAllCheckpoints(F.VIR_DOMAIN_CHECKPOINT_LIST_ROOTS)) == ["c1"]
    assert names(dom.listAllCheckpoints(F.VIR_DOMAIN_CHECKPOINT_LIST_LEAVES)) == ["c3"]
    assert sorted(names(dom.listAllCheckpoints(F.VIR_DOMAIN_CHECKPOINT_LIST_NO_LEAVES))) == ["c1", "c2"]
    assert names(dom.listAllCheckpoints(F.VIR_DOMAIN_CHECKPOINT_LIST_LEAVES | F.VIR_DOMAIN_CHECKPOINT_LIST_NO_LEAVES)) == []
    assert names(dom.listAllCheckpoints(F.VIR_DOMAIN_CHECKPOINT_LIST_TOPOLOGICAL)) == ["c1", "c2", "c3"]
    assert names(c1.listAllChildren()) == ["c2"]
    assert names(c1.listAllChildren(F.VIR_DOMAIN_CHECKPOINT_LIST_DESCENDANTS)) == ["c2", "c3"]


def test_size_counts_the_dirty_bytes_since_each_checkpoint(dom, host) -> None:
    c1 = dom.checkpointCreateXML(ck("c1"))
    host.write("vda", 70000, b"x" * 100)
    c2 = dom.checkpointCreateXML(ck("c2"))
    host.write("vda", MiB, b"y" * 200 * 1024)
    assert disk_sizes(c1) == {"vda": str(65536 + 4 * 65536), "vdb": "0", "hdc": None}
    assert disk_sizes(c2) == {"vda": str(4 * 65536), "vdb": "0", "hdc": None}
    assert "size=" not in c1.getXMLDesc()
    c2.delete()  # c1's bitmap keeps everything since c1: nothing to merge
    assert disk_sizes(c1)["vda"] == str(5 * 65536)
    assert host.bitmaps(VDA) == [("c1", True)]


def test_delete_reparents_children_and_children_flags(dom, host) -> None:
    for n in ("c1", "c2", "c3", "c4"):
        dom.checkpointCreateXML(ck(n))
    dom.checkpointLookupByName("c2").delete()
    assert dom.checkpointLookupByName("c3").getParent().getName() == "c1"
    dom.checkpointLookupByName("c1").delete(libvirt.VIR_DOMAIN_CHECKPOINT_DELETE_CHILDREN_ONLY)
    assert names(dom.listAllCheckpoints()) == ["c1"]
    assert host.bitmaps(VDA) == [("c1", True)]
    c5 = dom.checkpointCreateXML(ck("c5"))  # c1 became current again
    assert c5.getParent().getName() == "c1"
    dom.checkpointLookupByName("c1").delete(libvirt.VIR_DOMAIN_CHECKPOINT_DELETE_CHILDREN
                                            | libvirt.VIR_DOMAIN_CHECKPOINT_DELETE_METADATA_ONLY)
    assert names(dom.listAllCheckpoints()) == []
    assert host.bitmaps(VDA) == [("c1", True), ("c5", True)]  # metadata only: the bitmaps stay


def test_redefine_replaces_metadata_and_validates_bitmaps(dom, host) -> None:
    dom.checkpointCreateXML(ck("c1"))
    red = ck("r1", "<creationTime>100</creationTime><disks><disk name='vda' checkpoint='bitmap' bitmap='c1'/></disks>")
    r1 = dom.checkpointCreateXML(red, libvirt.VIR_DOMAIN_CHECKPOINT_CREATE_REDEFINE)
    assert r1.getXMLDesc() == ("<domaincheckpoint>\n  <name>r1</name>\n  <creationTime>100</creationTime>\n"
                               "  <disks>\n    <disk name='vda' checkpoint='bitmap' bitmap='c1'/>\n  </disks>\n"
                               "</domaincheckpoint>\n")
    R, V = libvirt.VIR_DOMAIN_CHECKPOINT_CREATE_REDEFINE, libvirt.VIR_DOMAIN_CHECKPOINT_CREATE_REDEFINE_VALIDATE
    cases = [
        (ck(), R, libvirt.VIR_ERR_XML_ERROR, CKPT, "XML error: a redefined checkpoint must have a name"),
        (ck("q"), R, libvirt.VIR_ERR_INTERNAL_ERROR, CKPT, "internal error: missing creationTime from existing checkpoint"),
        (ck("z", "<parent><name>z</name></parent><creationTime>1</creationTime>"), R, libvirt.VIR_ERR_INVALID_ARG,
         CONF, "invalid argument: cannot set moment z as its own parent"),
        (ck("z", "<parent><name>qq</name></parent><creationTime>1</creationTime>"), R, libvirt.VIR_ERR_INVALID_ARG,
         CONF, "invalid argument: parent qq for moment z not found"),
        (ck("zz", "<creationTime>1</creationTime><disks><disk name='vda' checkpoint='bitmap' bitmap='zz'/></disks>"),
         R | V, libvirt.VIR_ERR_CHECKPOINT_INCONSISTENT, QEMU,
         "checkpoint inconsistent: missing or broken bitmap 'zz' for disk 'vda'"),
    ]
    for xml, flags, code, domain, text in cases:
        assert error_of(dom.checkpointCreateXML, xml, flags) == (code, domain, text), xml
    c1xml = dom.checkpointLookupByName("c1").getXMLDesc()
    again = dom.checkpointCreateXML(c1xml, R | V)
    assert again.getXMLDesc() == c1xml
    c2 = dom.checkpointCreateXML(ck("c2"))  # c1 stayed current: redefines do not move it
    assert c2.getParent().getName() == "c1"
    assert error_of(dom.checkpointCreateXML, ck("c1", "<parent><name>c2</name></parent><creationTime>1</creationTime>"),
                    R) == (libvirt.VIR_ERR_INVALID_ARG, CONF, "invalid argument: parent c2 would create cycle to c1")


def test_inactive_domain_rules_and_undefine(conn, dom, host) -> None:
    dom.checkpointCreateXML(ck("c1"))
    dom.destroy()
    c1 = dom.checkpointLookupByName("c1")
    OU = libvirt.VIR_ERR_OPERATION_UNSUPPORTED
    assert error_of(dom.checkpointCreateXML, ck("c2")) == (OU, QEMU, "Operation not supported: cannot create checkpoint for inactive domain")
    assert error_of(c1.delete) == (OU, QEMU, "Operation not supported: cannot delete checkpoint for inactive domain")
    assert error_of(c1.getXMLDesc, libvirt.VIR_DOMAIN_CHECKPOINT_XML_SIZE) == (
        libvirt.VIR_ERR_OPERATION_INVALID, CONF, "Requested operation is not valid: domain is not running")
    assert error_of(dom.snapshotCreateXML, "<domainsnapshot><name>s1</name></domainsnapshot>") == (
        OU, QEMU, "Operation not supported: cannot perform block operations while checkpoint exists")
    assert [d.name() for d in conn.listAllDomains(libvirt.VIR_CONNECT_LIST_DOMAINS_HAS_CHECKPOINT)] == ["vm"]
    assert conn.listAllDomains(libvirt.VIR_CONNECT_LIST_DOMAINS_NO_CHECKPOINT) == []
    for flags in (0, libvirt.VIR_DOMAIN_UNDEFINE_SNAPSHOTS_METADATA):
        assert error_of(dom.undefineFlags, flags) == (
            libvirt.VIR_ERR_OPERATION_INVALID, QEMU, "Requested operation is not valid: cannot delete inactive domain with 1 checkpoints")
    dom.undefineFlags(libvirt.VIR_DOMAIN_UNDEFINE_CHECKPOINTS_METADATA)
    assert conn.listAllDomains() == []


def test_external_snapshot_of_a_running_domain_carries_the_bitmaps(dom, host) -> None:
    dom.checkpointCreateXML(ck("c1"))
    dom.snapshotCreateXML("<domainsnapshot><name>s1</name><disks><disk name='vda' snapshot='external'>"
                          f"<source file='{IMG}/vm.s1'/></disk><disk name='vdb' snapshot='no'/></disks>"
                          "</domainsnapshot>", libvirt.VIR_DOMAIN_SNAPSHOT_CREATE_DISK_ONLY)
    assert host.bitmaps(f"{IMG}/vm.s1") == [("c1", True)]
    c1 = dom.checkpointLookupByName("c1")
    host.write("vda", 0, b"z")
    assert disk_sizes(c1)["vda"] == "65536"
    c1.delete()
    assert host.bitmaps(f"{IMG}/vm.s1") == [] and host.bitmaps(VDA) == []


def test_undefine_counts_checkpoints_with_its_own_flags_as_list_flags(conn, dom) -> None:
    """qemuDomainUndefineFlags passes its flags to virDomainListCheckpoints: MANAGED_SAVE reads as
    ROOTS, NVRAM as LEAVES, and a bit no list knows (CHECKPOINTS_METADATA, TPM) makes the count fail,
    so nothing is refused (checked against libvirtd 9.0)."""
    for n in ("c1", "c2", "c3"):
        dom.checkpointCreateXML(ck(n))
    dom.destroy()
    text = "Requested operation is not valid: cannot delete inactive domain with {} checkpoints"
    for flags, count in ((0, 3), (libvirt.VIR_DOMAIN_UNDEFINE_MANAGED_SAVE, 1), (libvirt.VIR_DOMAIN_UNDEFINE_NVRAM, 1)):
        assert error_of(dom.undefineFlags, flags) == (libvirt.VIR_ERR_OPERATION_INVALID, QEMU, text.format(count))
    dom.undefineFlags(libvirt.VIR_DOMAIN_UNDEFINE_TPM)
    assert conn.listAllDomains() == []


def test_running_domain_undefine_keeps_its_checkpoints(conn, dom) -> None:
    dom.checkpointCreateXML(ck("c1"))
    dom.undefine()
    assert names(dom.listAllCheckpoints()) == ["c1"]
    dom.destroy()  # a transient domain goes away with its checkpoints
    assert conn.listAllDomains() == []


def test_rename_keeps_checkpoints_and_read_only_rules(conn, dom, fakevirt_uri) -> None:
    dom.checkpointCreateXML(ck("c1"))
    ro = libvirt.openReadOnly(fakevirt_uri)
    try:
        rdom = ro.lookupByName("vm")
        assert error_of(rdom.checkpointCreateXML, ck("c2")) == (
            libvirt.VIR_ERR_OPERATION_DENIED, CKPT,
            "operation forbidden: read only access prevents virDomainCheckpointCreateXML")
        assert error_of(rdom.checkpointLookupByName("c1").getXMLDesc, libvirt.VIR_DOMAIN_CHECKPOINT_XML_SECURE) == (
            libvirt.VIR_ERR_OPERATION_DENIED, CKPT, "operation forbidden: virDomainCheckpointGetXMLDesc with secure flag")
        assert names(rdom.listAllCheckpoints()) == ["c1"]
    finally:
        ro.close()
    dom.destroy()
    dom.rename("vm-renamed")  # libvirtd 9.0 allows it and keeps the checkpoints
    assert names(conn.lookupByName("vm-renamed").listAllCheckpoints()) == ["c1"]


def test_raw_disk_cannot_take_a_bitmap(conn, host, fakevirt) -> None:
    fakevirt.call(fakevirt.hypervisor.images.create, "/images/raw.img", "raw", MiB)
    d = conn.defineXML(DOMAIN_XML.replace("<name>vm</name>", "<name>rawvm</name>")
                       .replace(f"type='qcow2'/><source file='{VDA}'", "type='raw'/><source file='/images/raw.img'"))
    d.create()
    assert error_of(d.checkpointCreateXML, ck("c1")) == (
        libvirt.VIR_ERR_CONFIG_UNSUPPORTED, QEMU, "unsupported configuration: checkpoint for disk vda unsupported for storage type raw")
    d.checkpointCreateXML(ck("c1", "<disks><disk name='vdb'/></disks>"))
