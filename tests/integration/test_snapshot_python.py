"""Domain snapshots through libvirt-python: create flags and their rules, the tree and its lists,
revert (internal, external, fakevirt's DISCARD/MERGE), delete, lifecycle events and branching."""

from __future__ import annotations

import time
import xml.etree.ElementTree as ET

import libvirt
import pytest

from fakevirt.model.flags.snapshot import DomainSnapshotCreateFlags as Create
from fakevirt.model.flags.snapshot import DomainSnapshotRevertFlags as Revert
from fakevirt.testing.libvirt_events import ensure_event_loop
from tests.integration.conftest import error_of

IMG = "/images"
BASE = f"{IMG}/vm.qcow2"
DOMAIN_XML = f"""<domain type='kvm'><name>vm</name><memory unit='MiB'>64</memory><vcpu>1</vcpu>
<os><type arch='x86_64'>hvm</type></os><devices>
<disk type='file' device='disk'><driver name='qemu' type='qcow2'/><source file='{BASE}'/>
<target dev='vda' bus='virtio'/></disk></devices></domain>"""
S = libvirt  # VIR_DOMAIN_SNAPSHOT_* constants
ERR_SNAP = libvirt.VIR_FROM_DOMAIN_SNAPSHOT
ERR_QEMU = libvirt.VIR_FROM_QEMU


def snapxml(name: str | None = None, body: str = "") -> str:
    return f"<domainsnapshot>{f'<name>{name}</name>' if name else ''}{body}</domainsnapshot>"


def memspec(path: str) -> str:
    return f"<memory snapshot='external' file='{path}'/>"


def diskspec(path: str, dev: str = "vda") -> str:
    return f"<disks><disk name='{dev}' snapshot='external'><source file='{path}'/></disk></disks>"


def branch(point: str, current: str | None = None, state: str | None = None) -> str:
    attrs = "".join(f" {k}='{v}'" for k, v in (("current", current), ("state", state)) if v is not None)
    return f"<branch{attrs}>{point}</branch>"


def names(snaps) -> list[str]:
    return [s.getName() for s in snaps]


def sorted_names(snaps) -> list[str]:
    return sorted(names(snaps))


class Guest:
    """The host's files and the guest's view of its disk vda (run in the server's thread)."""

    def __init__(self, fakevirt) -> None:
        self.fv = fakevirt
        self.hv = fakevirt.hypervisor

    def _dom(self):
        return self.hv.system.domains.by_name("vm")

    def source(self) -> str:
        def get() -> str:
            dom = self._dom()
            d = dom.live if dom.active else dom.config
            return d.find_disk("vda").source
        return self.fv.call(get)

    def config_source(self) -> str:
        return self.fv.call(lambda: self._dom().config.find_disk("vda").source)

    def write(self, data: bytes, off: int = 0) -> None:
        def go() -> None:
            dom = self._dom()
            if dom.active:
                self.hv.system.domains.guest_write(dom, "vda", off, data)
            else:
                self.hv.images.write(dom.config.find_disk("vda").source, off, data)
        self.fv.call(go)

    def read(self, n: int = 1, off: int = 0) -> bytes:
        def go() -> bytes:
            dom = self._dom()
            if dom.active:
                return self.hv.system.domains.guest_read(dom, "vda", off, n)
            return self.hv.images.read(dom.config.find_disk("vda").source, off, n)
        return self.fv.call(go)

    def file(self, path: str, n: int = 1, off: int = 0) -> bytes:
        return self.fv.call(self.hv.images.read, path, off, n)

    def exists(self, path: str) -> bool:
        return self.fv.call(self.hv.images.exists, path)

    def chain(self, path: str) -> list[str]:
        return self.fv.call(lambda: [i.path for i in self.hv.images.chain(path)])

    def internal(self, path: str) -> list[str]:
        return self.fv.call(lambda: [s.name for s in self.hv.images.snapshot_list(path)])

    def memory_file(self, path: str) -> bool:
        return self.fv.call(lambda: path in self.hv.system.domains.saved_images)

    def create_image(self, path: str, backing: str | None = None) -> None:
        if backing is None:
            self.fv.call(lambda: self.hv.images.create(path, "qcow2", 64 << 20))
        else:
            self.fv.call(lambda: self.hv.images.create(path, "qcow2", backing=backing, backing_fmt="qcow2"))


@pytest.fixture
def conn(fakevirt_uri: str):
    c = libvirt.open(fakevirt_uri)
    yield c
    c.close()


@pytest.fixture
def guest(fakevirt) -> Guest:
    g = Guest(fakevirt)
    g.create_image(BASE)
    return g


@pytest.fixture
def dom(conn, guest):
    return conn.defineXML(DOMAIN_XML)


def xml_of(snap) -> ET.Element:
    return ET.fromstring(snap.getXMLDesc())


def disk_source(d, flags: int = 0) -> str | None:
    src = ET.fromstring(d.XMLDesc(flags)).find("devices/disk/source")
    return None if src is None else src.get("file")


# ---- create: every flag and its rule ---------------------------------------------------------------


def test_create_internal_inactive_and_running(dom, guest) -> None:
    s1 = dom.snapshotCreateXML(snapxml("s1", "<description>first</description>"), 0)
    x = xml_of(s1)
    assert (x.findtext("name"), x.findtext("state"), x.findtext("description")) == ("s1", "shutoff", "first")
    assert x.find("memory").get("snapshot") == "no" and x.find("parent") is None
    assert [(d.get("name"), d.get("snapshot")) for d in x.findall("disks/disk")] == [("vda", "internal")]
    assert guest.internal(BASE) == ["s1"]
    dom.create()
    s2 = dom.snapshotCreateXML(snapxml("s2"), 0)
    x = xml_of(s2)
    assert x.findtext("state") == "running" and x.find("memory").get("snapshot") == "internal"
    assert x.findtext("parent/name") == "s1"
    assert s2.isCurrent() == 1 and s1.isCurrent() == 0 and s2.hasMetadata() == 1
    assert dom.state()[0] == libvirt.VIR_DOMAIN_RUNNING
    assert guest.internal(BASE) == ["s1", "s2"]
    unnamed = dom.snapshotCreateXML("<domainsnapshot/>", 0)
    assert unnamed.getName().isdigit() and xml_of(unnamed).findtext("creationTime") == unnamed.getName()
    assert error_of(dom.snapshotCreateXML, snapxml("s1"), 0) == (
        libvirt.VIR_ERR_OPERATION_FAILED, libvirt.VIR_FROM_DOMAIN, "operation failed: domain moment s1 already exists")
    assert error_of(dom.snapshotCreateXML, snapxml("a/b"), 0) == (
        libvirt.VIR_ERR_XML_DETAIL, ERR_QEMU, "invalid snapshot name 'a/b': name can't contain '/'")
    assert error_of(dom.snapshotCreateXML, snapxml(".a"), 0) == (
        libvirt.VIR_ERR_XML_DETAIL, ERR_QEMU, "invalid snapshot name '.a': name can't start with '.'")
    assert error_of(dom.snapshotCreateXML, snapxml("x"), 1 << 10) == (
        libvirt.VIR_ERR_INVALID_ARG, ERR_QEMU, "unsupported flags (0x400) in function qemuSnapshotCreateXML")
    assert error_of(dom.snapshotCreateXML, snapxml("x", "<memory snapshot='no'/>"), 0) == (
        libvirt.VIR_ERR_OPERATION_UNSUPPORTED, ERR_QEMU,
        "Operation not supported: internal snapshot of a running VM must include the memory state")


def test_client_library_flag_rules(dom) -> None:
    """Refused by libvirt.so before the RPC is sent (VIR_FROM_DOMAIN_SNAPSHOT)."""
    cases = [
        (S.VIR_DOMAIN_SNAPSHOT_CREATE_CURRENT,
         "Flag 'VIR_DOMAIN_SNAPSHOT_CREATE_REDEFINE' is required by flag 'VIR_DOMAIN_SNAPSHOT_CREATE_CURRENT'"),
        (S.VIR_DOMAIN_SNAPSHOT_CREATE_REDEFINE | S.VIR_DOMAIN_SNAPSHOT_CREATE_NO_METADATA,
         "Flags 'VIR_DOMAIN_SNAPSHOT_CREATE_REDEFINE' and 'VIR_DOMAIN_SNAPSHOT_CREATE_NO_METADATA' are mutually "
         "exclusive"),
        (S.VIR_DOMAIN_SNAPSHOT_CREATE_REDEFINE | S.VIR_DOMAIN_SNAPSHOT_CREATE_HALT,
         "Flags 'VIR_DOMAIN_SNAPSHOT_CREATE_REDEFINE' and 'VIR_DOMAIN_SNAPSHOT_CREATE_HALT' are mutually exclusive"),
    ]
    for flags, message in cases:
        assert error_of(dom.snapshotCreateXML, snapxml("x"), flags) == (libvirt.VIR_ERR_INVALID_ARG, ERR_SNAP, message)
    assert dom.snapshotNum() == 0


def test_redefine_and_current(dom, guest) -> None:
    s1 = dom.snapshotCreateXML(snapxml("s1"), 0)
    s2 = dom.snapshotCreateXML(snapxml("s2"), 0)
    x1, x2 = s1.getXMLDesc(S.VIR_DOMAIN_SNAPSHOT_XML_SECURE), s2.getXMLDesc()
    s2.delete(S.VIR_DOMAIN_SNAPSHOT_DELETE_METADATA_ONLY)
    s1.delete(S.VIR_DOMAIN_SNAPSHOT_DELETE_METADATA_ONLY)
    assert dom.snapshotNum() == 0 and dom.hasCurrentSnapshot() == 0
    assert guest.internal(BASE) == ["s1", "s2"]  # METADATA_ONLY keeps the qcow2 snapshots
    redefine = S.VIR_DOMAIN_SNAPSHOT_CREATE_REDEFINE
    # topological order is required: s2 before its parent s1
    assert error_of(dom.snapshotCreateXML, x2, redefine) == (
        libvirt.VIR_ERR_INVALID_ARG, libvirt.VIR_FROM_DOMAIN, "invalid argument: parent s1 for moment s2 not found")
    r1 = dom.snapshotCreateXML(x1, redefine)
    assert r1.getName() == "s1" and dom.hasCurrentSnapshot() == 0 and r1.isCurrent() == 0
    r2 = dom.snapshotCreateXML(x2, redefine | S.VIR_DOMAIN_SNAPSHOT_CREATE_CURRENT)
    assert r2.isCurrent() == 1 and r2.getParent().getName() == "s1"
    assert r2.getXMLDesc() == x2  # the dump round-trips
    # CURRENT on an existing snapshot just moves the pointer (virsh snapshot-current NAME)
    dom.snapshotCreateXML(x1, redefine | S.VIR_DOMAIN_SNAPSHOT_CREATE_CURRENT)
    assert dom.snapshotCurrent().getName() == "s1" and r2.isCurrent() == 0
    assert guest.internal(BASE) == ["s1", "s2"]
    # redefining an existing one replaces its definition and keeps its children
    edited = x1.replace("<name>s1</name>", "<name>s1</name><description>edited</description>")
    dom.snapshotCreateXML(edited, redefine)
    assert xml_of(r1).findtext("description") == "edited" and names(r1.listAllChildren()) == ["s2"]
    # missing parent (the reference's VT example)
    x3 = x2.replace("<name>s2</name>", "<name>s3</name>")
    orphan = x3.replace("<name>s3</name>", "<name>s2x</name>").replace("<name>s1</name>", "<name>s3</name>")
    assert error_of(dom.snapshotCreateXML, orphan.replace("<name>s2x</name>", "<name>s2</name>"), redefine) == (
        libvirt.VIR_ERR_INVALID_ARG, libvirt.VIR_FROM_DOMAIN, "invalid argument: parent s3 for moment s2 not found")
    # another domain's uuid
    other = "11111111-2222-3333-4444-555555555555"
    uuid = dom.UUIDString()
    assert error_of(dom.snapshotCreateXML, x3.replace(uuid, other), redefine) == (
        libvirt.VIR_ERR_INVALID_ARG, ERR_SNAP, f"invalid argument: definition for snapshot s3 must use uuid {uuid}")
    # online/offline change of an existing snapshot
    running = x1.replace("<state>shutoff</state>", "<state>running</state>")
    assert error_of(dom.snapshotCreateXML, running, redefine) == (
        libvirt.VIR_ERR_INVALID_ARG, ERR_SNAP,
        "invalid argument: cannot change between online and offline snapshot state in snapshot s1")
    assert error_of(dom.snapshotCreateXML, x1, redefine | S.VIR_DOMAIN_SNAPSHOT_CREATE_DISK_ONLY) == (
        libvirt.VIR_ERR_INVALID_ARG, ERR_SNAP, "invalid argument: disk-only flag for snapshot s1 requires "
        "disk-snapshot state")
    assert error_of(dom.snapshotCreateXML, x1, redefine | S.VIR_DOMAIN_SNAPSHOT_CREATE_LIVE) == (
        libvirt.VIR_ERR_INVALID_ARG, ERR_QEMU, "Flags 'VIR_DOMAIN_SNAPSHOT_CREATE_LIVE' and "
        "'VIR_DOMAIN_SNAPSHOT_CREATE_REDEFINE' are mutually exclusive")
    assert dom.snapshotNum() == 2


def test_no_metadata(dom, guest) -> None:
    snap = dom.snapshotCreateXML(snapxml("gone"), S.VIR_DOMAIN_SNAPSHOT_CREATE_NO_METADATA)
    assert snap.getName() == "gone"
    assert dom.snapshotNum() == 0 and dom.hasCurrentSnapshot() == 0
    assert guest.internal(BASE) == ["gone"]  # the disk work is done all the same
    assert error_of(dom.snapshotLookupByName, "gone")[0] == libvirt.VIR_ERR_NO_DOMAIN_SNAPSHOT
    dom.snapshotCreateXML(snapxml("ext"), S.VIR_DOMAIN_SNAPSHOT_CREATE_DISK_ONLY
                          | S.VIR_DOMAIN_SNAPSHOT_CREATE_NO_METADATA)
    assert disk_source(dom) == f"{IMG}/vm.ext" and guest.chain(f"{IMG}/vm.ext") == [f"{IMG}/vm.ext", BASE]
    assert dom.snapshotNum() == 0


def test_halt(conn, dom, guest) -> None:
    dom.create()
    guest.write(b"H")
    snap = dom.snapshotCreateXML(snapxml("h"), S.VIR_DOMAIN_SNAPSHOT_CREATE_HALT)
    assert dom.state() == [libvirt.VIR_DOMAIN_SHUTOFF, libvirt.VIR_DOMAIN_SHUTOFF_FROM_SNAPSHOT]
    assert xml_of(snap).findtext("state") == "running" and snap.isCurrent() == 1
    guest.create_image(f"{IMG}/t.qcow2")
    t = conn.createXML(DOMAIN_XML.replace("<name>vm</name>", "<name>t</name>").replace(BASE, f"{IMG}/t.qcow2"), 0)
    assert error_of(t.snapshotCreateXML, snapxml("x"), S.VIR_DOMAIN_SNAPSHOT_CREATE_HALT) == (
        libvirt.VIR_ERR_OPERATION_INVALID, ERR_QEMU,
        "Requested operation is not valid: cannot halt after transient domain snapshot")


def test_disk_only_running_and_inactive(dom, guest) -> None:
    dom.create()
    guest.write(b"A")
    s1 = dom.snapshotCreateXML(snapxml("s1"), S.VIR_DOMAIN_SNAPSHOT_CREATE_DISK_ONLY)
    x = xml_of(s1)
    assert x.findtext("state") == "disk-snapshot" and x.find("memory").get("snapshot") == "no"
    d = x.find("disks/disk")
    assert (d.get("name"), d.get("snapshot"), d.find("source").get("file")) == ("vda", "external", f"{IMG}/vm.s1")
    assert x.find("domain/devices/disk/source").get("file") == BASE
    assert dom.state()[0] == libvirt.VIR_DOMAIN_RUNNING
    assert disk_source(dom) == f"{IMG}/vm.s1" and disk_source(dom, libvirt.VIR_DOMAIN_XML_INACTIVE) == f"{IMG}/vm.s1"
    assert guest.chain(f"{IMG}/vm.s1") == [f"{IMG}/vm.s1", BASE]
    guest.write(b"B")
    assert guest.file(BASE) == b"A" and guest.read() == b"B"
    assert error_of(dom.snapshotCreateXML, snapxml("m", memspec("/m")), S.VIR_DOMAIN_SNAPSHOT_CREATE_DISK_ONLY) == (
        libvirt.VIR_ERR_XML_ERROR, ERR_SNAP, "XML error: memory state cannot be saved with offline or disk-only "
        "snapshot")
    dom.destroy()
    s2 = dom.snapshotCreateXML(snapxml("s2", diskspec(f"{IMG}/named.qcow2")), S.VIR_DOMAIN_SNAPSHOT_CREATE_DISK_ONLY)
    assert xml_of(s2).findtext("state") == "shutoff" and s2.getParent().getName() == "s1"
    assert disk_source(dom) == f"{IMG}/named.qcow2"
    assert guest.chain(f"{IMG}/named.qcow2") == [f"{IMG}/named.qcow2", f"{IMG}/vm.s1", BASE]
    # without DISK_ONLY the default location is internal, and every disk must follow it
    assert error_of(dom.snapshotCreateXML, snapxml("s3", diskspec(f"{IMG}/three.qcow2")), 0) == (
        libvirt.VIR_ERR_CONFIG_UNSUPPORTED, ERR_SNAP,
        "unsupported configuration: disk 'vda' must use snapshot mode 'internal'")


def test_reuse_ext(dom, guest) -> None:
    target = f"{IMG}/pre.qcow2"
    reuse = S.VIR_DOMAIN_SNAPSHOT_CREATE_DISK_ONLY | S.VIR_DOMAIN_SNAPSHOT_CREATE_REUSE_EXT
    assert error_of(dom.snapshotCreateXML, snapxml("r", diskspec(target)), reuse) == (
        libvirt.VIR_ERR_SYSTEM_ERROR, ERR_QEMU, f"missing existing file for disk vda: {target}: No such file or directory")
    guest.write(b"R", 4096)  # read back through the pre-created overlay's backing file
    guest.create_image(target, backing=BASE)
    assert error_of(dom.snapshotCreateXML, snapxml("r", diskspec(target)), S.VIR_DOMAIN_SNAPSHOT_CREATE_DISK_ONLY) == (
        libvirt.VIR_ERR_CONFIG_UNSUPPORTED, ERR_QEMU,
        f"unsupported configuration: external snapshot file for disk vda already exists and is not a block device: "
        f"{target}")
    snap = dom.snapshotCreateXML(snapxml("r", diskspec(target)), reuse)
    assert disk_source(dom) == target and snap.isCurrent() == 1
    assert guest.read(1, 4096) == b"R" and guest.chain(target) == [target, BASE]


def test_quiesce_live_atomic_validate(dom, guest) -> None:
    assert error_of(dom.snapshotCreateXML, snapxml("q"), S.VIR_DOMAIN_SNAPSHOT_CREATE_QUIESCE) == (
        libvirt.VIR_ERR_INVALID_ARG, ERR_QEMU,
        "Flag 'VIR_DOMAIN_SNAPSHOT_CREATE_DISK_ONLY' is required by flag 'VIR_DOMAIN_SNAPSHOT_CREATE_QUIESCE'")
    live = S.VIR_DOMAIN_SNAPSHOT_CREATE_LIVE
    unsupported = (libvirt.VIR_ERR_OPERATION_UNSUPPORTED, ERR_QEMU,
                   "Operation not supported: live snapshot creation is supported only during full system snapshots")
    assert error_of(dom.snapshotCreateXML, snapxml("l"), live) == unsupported  # inactive domain
    dom.create()
    assert error_of(dom.snapshotCreateXML, snapxml("l"), live) == unsupported  # internal memory
    snap = dom.snapshotCreateXML(snapxml("l", memspec(f"{IMG}/l.mem")), live)
    assert xml_of(snap).find("memory").attrib == {"snapshot": "external", "file": f"{IMG}/l.mem"}
    assert dom.state()[0] == libvirt.VIR_DOMAIN_RUNNING
    assert guest.memory_file(f"{IMG}/l.mem")
    atomic = dom.snapshotCreateXML(snapxml("a"), S.VIR_DOMAIN_SNAPSHOT_CREATE_DISK_ONLY
                                   | S.VIR_DOMAIN_SNAPSHOT_CREATE_ATOMIC)
    assert xml_of(atomic).findtext("state") == "disk-snapshot"
    bad = snapxml("v", "<bogus/>")
    code, domain, message = error_of(dom.snapshotCreateXML, bad, S.VIR_DOMAIN_SNAPSHOT_CREATE_VALIDATE)
    assert (code, domain) == (libvirt.VIR_ERR_XML_INVALID_SCHEMA, libvirt.VIR_FROM_XML)
    assert message.startswith("XML document failed to validate against schema: ") and "bogus" in message
    assert dom.snapshotCreateXML(bad, 0).getName() == "v"  # without VALIDATE unknown elements are ignored


# ---- the tree and its lists -------------------------------------------------------------------------


@pytest.fixture
def tree(dom, guest):
    """r0 and s1 roots; s1 → s2 → {s3 (paused), s4 → s5 (disk-only) → s6 (external memory)}.

    s1 inactive internal, s2/s4 running internal, s3 paused internal, s5 disk-only, s6 memory+disk
    external; r0 is s1's definition redefined as a second root.  Current: s6.
    """
    s1 = dom.snapshotCreateXML(snapxml("s1"), 0)
    dom.create()
    dom.snapshotCreateXML(snapxml("s2"), 0)
    dom.suspend()
    dom.snapshotCreateXML(snapxml("s3"), 0)
    dom.revertToSnapshot(dom.snapshotLookupByName("s2"), 0)
    dom.snapshotCreateXML(snapxml("s4"), 0)
    dom.snapshotCreateXML(snapxml("s5"), S.VIR_DOMAIN_SNAPSHOT_CREATE_DISK_ONLY)
    dom.snapshotCreateXML(snapxml("s6", memspec(f"{IMG}/s6.mem")), 0)
    dom.snapshotCreateXML(s1.getXMLDesc().replace("<name>s1</name>", "<name>r0</name>"),
                          S.VIR_DOMAIN_SNAPSHOT_CREATE_REDEFINE)
    return dom


@pytest.mark.parametrize("flags, expected", [
    (0, ["r0", "s1", "s2", "s3", "s4", "s5", "s6"]),
    (S.VIR_DOMAIN_SNAPSHOT_LIST_ROOTS, ["r0", "s1"]),
    (S.VIR_DOMAIN_SNAPSHOT_LIST_LEAVES, ["r0", "s3", "s6"]),
    (S.VIR_DOMAIN_SNAPSHOT_LIST_NO_LEAVES, ["s1", "s2", "s4", "s5"]),
    (S.VIR_DOMAIN_SNAPSHOT_LIST_LEAVES | S.VIR_DOMAIN_SNAPSHOT_LIST_NO_LEAVES, ["r0", "s1", "s2", "s3", "s4", "s5",
                                                                              "s6"]),
    (S.VIR_DOMAIN_SNAPSHOT_LIST_METADATA, ["r0", "s1", "s2", "s3", "s4", "s5", "s6"]),
    (S.VIR_DOMAIN_SNAPSHOT_LIST_NO_METADATA, []),
    (S.VIR_DOMAIN_SNAPSHOT_LIST_INACTIVE, ["r0", "s1"]),
    (S.VIR_DOMAIN_SNAPSHOT_LIST_ACTIVE, ["s2", "s3", "s4", "s6"]),
    (S.VIR_DOMAIN_SNAPSHOT_LIST_DISK_ONLY, ["s5"]),
    (S.VIR_DOMAIN_SNAPSHOT_LIST_INACTIVE | S.VIR_DOMAIN_SNAPSHOT_LIST_DISK_ONLY, ["r0", "s1", "s5"]),
    (S.VIR_DOMAIN_SNAPSHOT_LIST_INTERNAL, ["r0", "s1", "s2", "s3", "s4"]),
    (S.VIR_DOMAIN_SNAPSHOT_LIST_EXTERNAL, ["s5", "s6"]),
    (S.VIR_DOMAIN_SNAPSHOT_LIST_EXTERNAL | S.VIR_DOMAIN_SNAPSHOT_LIST_ACTIVE, ["s6"]),
    (S.VIR_DOMAIN_SNAPSHOT_LIST_ROOTS | S.VIR_DOMAIN_SNAPSHOT_LIST_LEAVES, ["r0"]),
    (S.VIR_DOMAIN_SNAPSHOT_LIST_ROOTS | S.VIR_DOMAIN_SNAPSHOT_LIST_NO_METADATA, []),
])
def test_list_filters(tree, flags: int, expected: list[str]) -> None:
    assert sorted_names(tree.listAllSnapshots(flags)) == expected
    assert sorted(tree.snapshotListNames(flags)) == expected
    assert tree.snapshotNum(flags) == len(expected)
    assert tree.snapshotNum(flags | S.VIR_DOMAIN_SNAPSHOT_LIST_TOPOLOGICAL) == len(expected)


def test_topological_order_and_children(tree) -> None:
    topo = tree.listAllSnapshots(S.VIR_DOMAIN_SNAPSHOT_LIST_TOPOLOGICAL)
    order = names(topo)
    assert sorted(order) == ["r0", "s1", "s2", "s3", "s4", "s5", "s6"]
    for snap in topo:
        try:
            parent = snap.getParent().getName()
        except libvirt.libvirtError as e:
            assert e.get_error_code() == libvirt.VIR_ERR_NO_DOMAIN_SNAPSHOT
            continue
        assert order.index(parent) < order.index(snap.getName())
    assert tree.snapshotListNames(S.VIR_DOMAIN_SNAPSHOT_LIST_TOPOLOGICAL) == order
    s1, s2 = tree.snapshotLookupByName("s1"), tree.snapshotLookupByName("s2")
    assert names(s2.listAllChildren(0)) == ["s4", "s3"]  # newest first
    assert s2.listChildrenNames(0) == ["s4", "s3"]
    assert names(s2.listAllChildren(S.VIR_DOMAIN_SNAPSHOT_LIST_DESCENDANTS)) == ["s4", "s5", "s6", "s3"]
    assert s2.numChildren(0) == 2 and s2.numChildren(S.VIR_DOMAIN_SNAPSHOT_LIST_DESCENDANTS) == 4
    assert s1.numChildren(S.VIR_DOMAIN_SNAPSHOT_LIST_DESCENDANTS) == 5
    assert names(s1.listAllChildren(S.VIR_DOMAIN_SNAPSHOT_LIST_DESCENDANTS | S.VIR_DOMAIN_SNAPSHOT_LIST_LEAVES)) == [
        "s6", "s3"]
    assert names(s2.listAllChildren(S.VIR_DOMAIN_SNAPSHOT_LIST_DESCENDANTS | S.VIR_DOMAIN_SNAPSHOT_LIST_EXTERNAL)) \
        == ["s5", "s6"]
    assert s2.numChildren(S.VIR_DOMAIN_SNAPSHOT_LIST_NO_METADATA) == 0
    assert tree.snapshotLookupByName("s6").listAllChildren(0) == []
    assert s2.getParent().getName() == "s1" and tree.snapshotLookupByName("s6").getParent().getName() == "s5"
    assert error_of(s1.getParent) == (libvirt.VIR_ERR_NO_DOMAIN_SNAPSHOT, ERR_QEMU,
                                      "Domain snapshot not found: snapshot 's1' does not have a parent")
    assert error_of(s1.listAllChildren, 1 << 11)[0] == libvirt.VIR_ERR_INVALID_ARG


def test_current_lookup_and_metadata(tree) -> None:
    cur = tree.snapshotCurrent()
    assert cur.getName() == "s6" and cur.isCurrent() == 1 and tree.hasCurrentSnapshot() == 1
    assert all(s.hasMetadata() == 1 for s in tree.listAllSnapshots())
    assert sum(s.isCurrent() for s in tree.listAllSnapshots()) == 1
    assert error_of(tree.snapshotLookupByName, "nosuch") == (
        libvirt.VIR_ERR_NO_DOMAIN_SNAPSHOT, ERR_QEMU,
        "Domain snapshot not found: no domain snapshot with matching name 'nosuch'")
    assert cur.getConnect() is not None and cur.getDomain().name() == "vm"


def test_no_current_snapshot(dom) -> None:
    assert dom.hasCurrentSnapshot() == 0 and dom.snapshotNum() == 0 and dom.listAllSnapshots() == []
    assert error_of(dom.snapshotCurrent) == (libvirt.VIR_ERR_NO_DOMAIN_SNAPSHOT, ERR_QEMU,
                                             "Domain snapshot not found: the domain does not have a current snapshot")


def test_read_only_connection(fakevirt_uri: str, dom) -> None:
    dom.snapshotCreateXML(snapxml("s1"), 0)
    ro = libvirt.openReadOnly(fakevirt_uri)
    try:
        rdom = ro.lookupByName("vm")
        snap = rdom.snapshotLookupByName("s1")
        assert ET.fromstring(snap.getXMLDesc()).findtext("name") == "s1"
        assert error_of(snap.getXMLDesc, S.VIR_DOMAIN_SNAPSHOT_XML_SECURE) == (
            libvirt.VIR_ERR_OPERATION_DENIED, ERR_SNAP,
            "operation forbidden: virDomainSnapshotGetXMLDesc with secure flag")
        for call in (lambda: rdom.snapshotCreateXML(snapxml("x"), 0), lambda: rdom.revertToSnapshot(snap, 0),
                     lambda: snap.delete(0)):
            assert error_of(call)[0] == libvirt.VIR_ERR_OPERATION_DENIED
        assert rdom.snapshotNum() == 1 and rdom.snapshotCurrent().getName() == "s1"
    finally:
        ro.close()


# ---- revert ------------------------------------------------------------------------------------------

RUNNING_FROM_SNAPSHOT = [libvirt.VIR_DOMAIN_RUNNING, libvirt.VIR_DOMAIN_RUNNING_FROM_SNAPSHOT]
RUNNING_BOOTED = [libvirt.VIR_DOMAIN_RUNNING, libvirt.VIR_DOMAIN_RUNNING_BOOTED]  # inactive snapshot + RUNNING
PAUSED_FROM_SNAPSHOT = [libvirt.VIR_DOMAIN_PAUSED, libvirt.VIR_DOMAIN_PAUSED_FROM_SNAPSHOT]
SHUTOFF_FROM_SNAPSHOT = [libvirt.VIR_DOMAIN_SHUTOFF, libvirt.VIR_DOMAIN_SHUTOFF_FROM_SNAPSHOT]


def test_revert_internal_inactive_snapshot(dom, guest) -> None:
    guest.write(b"A")
    s1 = dom.snapshotCreateXML(snapxml("s1"), 0)
    dom.create()
    guest.write(b"B")
    dom.snapshotCreateXML(snapxml("s2"), 0)
    dom.revertToSnapshot(s1, 0)
    assert dom.state() == SHUTOFF_FROM_SNAPSHOT and guest.read() == b"A"
    assert s1.isCurrent() == 1
    # an inactive snapshot started by the revert boots as usual: libvirtd 9.0 says "booted" / "user"
    dom.revertToSnapshot(s1, S.VIR_DOMAIN_SNAPSHOT_REVERT_RUNNING)
    assert dom.state() == [libvirt.VIR_DOMAIN_RUNNING, libvirt.VIR_DOMAIN_RUNNING_BOOTED] and guest.read() == b"A"
    guest.write(b"C")
    dom.revertToSnapshot(s1, S.VIR_DOMAIN_SNAPSHOT_REVERT_PAUSED)
    assert dom.state() == [libvirt.VIR_DOMAIN_PAUSED, libvirt.VIR_DOMAIN_PAUSED_USER] and guest.read() == b"A"
    dom.resume()
    assert guest.read() == b"A" and dom.state()[0] == libvirt.VIR_DOMAIN_RUNNING
    assert error_of(dom.revertToSnapshot, s1, S.VIR_DOMAIN_SNAPSHOT_REVERT_RUNNING
                    | S.VIR_DOMAIN_SNAPSHOT_REVERT_PAUSED) == (
        libvirt.VIR_ERR_INVALID_ARG, ERR_SNAP,
        "Flags 'VIR_DOMAIN_SNAPSHOT_REVERT_RUNNING' and 'VIR_DOMAIN_SNAPSHOT_REVERT_PAUSED' are mutually exclusive")
    assert error_of(dom.revertToSnapshot, s1, 1 << 5) == (
        libvirt.VIR_ERR_INVALID_ARG, ERR_QEMU, "unsupported flags (0x20) in function qemuSnapshotRevert")


def test_revert_internal_running_and_paused_snapshots(dom, guest) -> None:
    dom.create()
    guest.write(b"R")
    run = dom.snapshotCreateXML(snapxml("run"), 0)
    dom.suspend()
    guest.write(b"P")
    paused = dom.snapshotCreateXML(snapxml("paused"), 0)
    assert xml_of(paused).findtext("state") == "paused"
    dom.resume()
    guest.write(b"X")
    dom.revertToSnapshot(run, 0)
    assert dom.state() == RUNNING_FROM_SNAPSHOT and guest.read() == b"R"
    dom.revertToSnapshot(paused, 0)
    assert dom.state() == PAUSED_FROM_SNAPSHOT and guest.read() == b"P"
    dom.revertToSnapshot(paused, S.VIR_DOMAIN_SNAPSHOT_REVERT_RUNNING)
    assert dom.state() == RUNNING_FROM_SNAPSHOT
    dom.revertToSnapshot(run, S.VIR_DOMAIN_SNAPSHOT_REVERT_PAUSED)
    assert dom.state() == PAUSED_FROM_SNAPSHOT and guest.read() == b"R"
    dom.destroy()
    dom.revertToSnapshot(run, 0)  # from an inactive domain
    assert dom.state() == RUNNING_FROM_SNAPSHOT and guest.read() == b"R" and run.isCurrent() == 1


def test_revert_transient_domain_needs_a_state(conn, guest) -> None:
    t = conn.createXML(DOMAIN_XML, 0)
    guest.write(b"A")
    disk = t.snapshotCreateXML(snapxml("disk"), S.VIR_DOMAIN_SNAPSHOT_CREATE_DISK_ONLY)
    guest.write(b"B")
    assert xml_of(disk).findtext("state") == "disk-snapshot"
    assert error_of(t.revertToSnapshot, disk, 0) == (
        libvirt.VIR_ERR_OPERATION_INVALID, ERR_QEMU, "Requested operation is not valid: transient domain needs to "
        "request run or pause to revert to inactive snapshot")
    assert t.state()[0] == libvirt.VIR_DOMAIN_RUNNING and guest.read() == b"B"
    t.revertToSnapshot(disk, S.VIR_DOMAIN_SNAPSHOT_REVERT_RUNNING)
    assert t.state() == RUNNING_BOOTED and guest.read() == b"A"


def test_revert_external_memory_snapshot(dom, guest) -> None:
    dom.create()
    guest.write(b"A")
    s1 = dom.snapshotCreateXML(snapxml("s1", memspec(f"{IMG}/s1.mem")), 0)
    assert disk_source(dom) == f"{IMG}/vm.s1" and guest.memory_file(f"{IMG}/s1.mem")
    guest.write(b"B")
    dom.revertToSnapshot(s1, 0)
    assert dom.state() == RUNNING_FROM_SNAPSHOT and guest.read() == b"A"
    overlay = disk_source(dom)
    assert overlay not in (BASE, f"{IMG}/vm.s1") and guest.chain(overlay) == [overlay, BASE]
    assert disk_source(dom, libvirt.VIR_DOMAIN_XML_INACTIVE) == overlay
    assert not guest.exists(f"{IMG}/vm.s1")  # the head the domain left is discarded, as libvirt ≥ 9.7
    assert xml_of(s1).find("disks/disk/source").get("file") == overlay
    assert guest.file(BASE) == b"A" and guest.memory_file(f"{IMG}/s1.mem")
    dom.revertToSnapshot(s1, S.VIR_DOMAIN_SNAPSHOT_REVERT_PAUSED)
    assert dom.state() == PAUSED_FROM_SNAPSHOT and guest.read() == b"A"


def test_revert_external_disk_only_inactive(dom, guest) -> None:
    guest.write(b"A")
    s1 = dom.snapshotCreateXML(snapxml("s1"), S.VIR_DOMAIN_SNAPSHOT_CREATE_DISK_ONLY)
    guest.write(b"B")
    s2 = dom.snapshotCreateXML(snapxml("s2"), S.VIR_DOMAIN_SNAPSHOT_CREATE_DISK_ONLY)
    guest.write(b"C")
    dom.revertToSnapshot(s1, 0)
    overlay = disk_source(dom)
    assert dom.state()[0] == libvirt.VIR_DOMAIN_SHUTOFF and guest.read() == b"A"
    assert guest.chain(overlay) == [overlay, BASE]
    # s1 has a child: its own overlay (s2's base) stays, the revert's goes to <revertDisks>
    assert guest.file(f"{IMG}/vm.s1") == b"B" and guest.exists(f"{IMG}/vm.s1")
    x = xml_of(s1)
    assert x.find("disks/disk/source").get("file") == f"{IMG}/vm.s1"
    assert x.find("revertDisks/disk/source").get("file") == overlay
    assert not guest.exists(f"{IMG}/vm.s2")  # the head s2 left behind
    dom.revertToSnapshot(s2, S.VIR_DOMAIN_SNAPSHOT_REVERT_RUNNING)
    assert dom.state() == RUNNING_BOOTED and guest.read() == b"B"
    assert xml_of(s1).find("revertDisks") is None


# ---- lifecycle events ----------------------------------------------------------------------------------


class Events:
    """Lifecycle events on a connection of its own (opened once the event loop runs)."""

    def __init__(self, uri: str) -> None:
        ensure_event_loop()
        self.conn = conn = libvirt.open(uri)
        self.seen: list[tuple[int, int]] = []
        self.cid = conn.domainEventRegisterAny(None, libvirt.VIR_DOMAIN_EVENT_ID_LIFECYCLE,
                                               lambda c, d, event, detail, opaque: self.seen.append((event, detail)),
                                               None)

    def take(self, expected: list[tuple[int, int]]) -> list[tuple[int, int]]:
        """Wait for the expected number of events (plus a little for any extra one), then drain them."""
        deadline = time.monotonic() + 5
        while len(self.seen) < len(expected) and time.monotonic() < deadline:
            time.sleep(0.01)
        time.sleep(0.05)
        out, self.seen = self.seen, []
        return out

    def close(self) -> None:
        self.conn.domainEventDeregisterAny(self.cid)
        self.conn.close()


E = libvirt
STOPPED = (E.VIR_DOMAIN_EVENT_STOPPED, E.VIR_DOMAIN_EVENT_STOPPED_FROM_SNAPSHOT)
STARTED = (E.VIR_DOMAIN_EVENT_STARTED, E.VIR_DOMAIN_EVENT_STARTED_FROM_SNAPSHOT)
SUSPENDED = (E.VIR_DOMAIN_EVENT_SUSPENDED, E.VIR_DOMAIN_EVENT_SUSPENDED_FROM_SNAPSHOT)
DEFINED = (E.VIR_DOMAIN_EVENT_DEFINED, E.VIR_DOMAIN_EVENT_DEFINED_FROM_SNAPSHOT)
RESUMED = (E.VIR_DOMAIN_EVENT_RESUMED, E.VIR_DOMAIN_EVENT_RESUMED_FROM_SNAPSHOT)
UNPAUSED = (E.VIR_DOMAIN_EVENT_RESUMED, E.VIR_DOMAIN_EVENT_RESUMED_UNPAUSED)


def test_revert_lifecycle_events(fakevirt_uri: str, dom, guest) -> None:
    assert (STOPPED, STARTED, SUSPENDED, DEFINED) == ((5, 6), (2, 3), (3, 5), (0, 3))
    off = dom.snapshotCreateXML(snapxml("off"), 0)
    dom.create()
    run = dom.snapshotCreateXML(snapxml("run"), 0)
    ext = dom.snapshotCreateXML(snapxml("ext", memspec(f"{IMG}/ext.mem")), 0)
    ev = Events(fakevirt_uri)
    try:
        cases = [
            (run, 0, [STOPPED, STARTED, RESUMED, DEFINED]),  # running → running (as libvirtd 9.0)
            (run, S.VIR_DOMAIN_SNAPSHOT_REVERT_PAUSED, [STOPPED, STARTED, SUSPENDED, DEFINED]),  # → paused
            (off, 0, [STOPPED, DEFINED]),  # paused → inactive
            (off, 0, [DEFINED]),  # inactive → inactive
            (off, S.VIR_DOMAIN_SNAPSHOT_REVERT_RUNNING, [UNPAUSED, STARTED, DEFINED]),  # inactive → running
            (ext, 0, [STOPPED, STARTED, RESUMED, DEFINED]),  # external, running → running
        ]
        for snap, flags, expected in cases:
            dom.revertToSnapshot(snap, flags)
            assert ev.take(expected) == expected, (snap.getName(), flags)
        dom.destroy()
        destroyed = [(E.VIR_DOMAIN_EVENT_SHUTDOWN, E.VIR_DOMAIN_EVENT_SHUTDOWN_HOST),
                     (E.VIR_DOMAIN_EVENT_STOPPED, E.VIR_DOMAIN_EVENT_STOPPED_DESTROYED)]
        assert ev.take(destroyed) == destroyed
        dom.revertToSnapshot(run, S.VIR_DOMAIN_SNAPSHOT_REVERT_PAUSED)  # inactive → paused
        assert ev.take([STARTED, SUSPENDED, DEFINED]) == [STARTED, SUSPENDED, DEFINED]
    finally:
        ev.close()


# ---- delete --------------------------------------------------------------------------------------------


@pytest.fixture
def chain(dom, guest):
    """Internal, inactive: s1 → s2 → {s4 (current), s3}."""
    for n in ("s1", "s2", "s3"):
        dom.snapshotCreateXML(snapxml(n), 0)
    dom.revertToSnapshot(dom.snapshotLookupByName("s2"), 0)
    dom.snapshotCreateXML(snapxml("s4"), 0)
    return dom


def parents(d) -> dict[str, str | None]:
    out: dict[str, str | None] = {}
    for s in d.listAllSnapshots():
        out[s.getName()] = xml_of(s).findtext("parent/name")
    return out


def test_delete_reparents_and_moves_current(chain, guest) -> None:
    assert parents(chain) == {"s1": None, "s2": "s1", "s3": "s2", "s4": "s2"}
    chain.snapshotLookupByName("s2").delete(0)
    assert parents(chain) == {"s1": None, "s3": "s1", "s4": "s1"}
    assert sorted(chain.snapshotLookupByName("s1").listChildrenNames()) == ["s3", "s4"]
    assert chain.snapshotCurrent().getName() == "s4"
    assert sorted(guest.internal(BASE)) == ["s1", "s3", "s4"]
    chain.snapshotLookupByName("s4").delete(0)  # the current one: its parent becomes current
    assert chain.snapshotCurrent().getName() == "s1"
    chain.snapshotLookupByName("s1").delete(0)  # a current root: no current any more
    assert chain.hasCurrentSnapshot() == 0 and parents(chain) == {"s3": None}
    assert guest.internal(BASE) == ["s3"]


def test_delete_children(chain, guest) -> None:
    chain.snapshotLookupByName("s2").delete(S.VIR_DOMAIN_SNAPSHOT_DELETE_CHILDREN)
    assert parents(chain) == {"s1": None} and chain.snapshotCurrent().getName() == "s1"
    assert guest.internal(BASE) == ["s1"]


def test_delete_children_only(chain, guest) -> None:
    s2 = chain.snapshotLookupByName("s2")
    s2.delete(S.VIR_DOMAIN_SNAPSHOT_DELETE_CHILDREN_ONLY)
    assert parents(chain) == {"s1": None, "s2": "s1"} and s2.isCurrent() == 1
    assert sorted(guest.internal(BASE)) == ["s1", "s2"]
    chain.snapshotLookupByName("s1").delete(S.VIR_DOMAIN_SNAPSHOT_DELETE_CHILDREN_ONLY)
    assert parents(chain) == {"s1": None} and chain.snapshotCurrent().getName() == "s1"


def test_delete_children_only_keeps_current_outside(chain) -> None:
    chain.snapshotCreateXML(chain.snapshotLookupByName("s3").getXMLDesc(),
                            S.VIR_DOMAIN_SNAPSHOT_CREATE_REDEFINE | S.VIR_DOMAIN_SNAPSHOT_CREATE_CURRENT)
    chain.snapshotLookupByName("s4").delete(S.VIR_DOMAIN_SNAPSHOT_DELETE_CHILDREN_ONLY)  # a leaf: nothing to do
    chain.snapshotLookupByName("s1").delete(S.VIR_DOMAIN_SNAPSHOT_DELETE_METADATA_ONLY)
    assert chain.snapshotCurrent().getName() == "s3"
    assert parents(chain) == {"s2": None, "s3": "s2", "s4": "s2"}


def test_delete_metadata_only_and_flag_errors(chain, guest) -> None:
    s2 = chain.snapshotLookupByName("s2")
    s2.delete(S.VIR_DOMAIN_SNAPSHOT_DELETE_METADATA_ONLY | S.VIR_DOMAIN_SNAPSHOT_DELETE_CHILDREN)
    assert parents(chain) == {"s1": None} and chain.snapshotCurrent().getName() == "s1"
    assert sorted(guest.internal(BASE)) == ["s1", "s2", "s3", "s4"]  # no file touched
    s1 = chain.snapshotLookupByName("s1")
    assert error_of(s1.delete, S.VIR_DOMAIN_SNAPSHOT_DELETE_CHILDREN | S.VIR_DOMAIN_SNAPSHOT_DELETE_CHILDREN_ONLY) == (
        libvirt.VIR_ERR_INVALID_ARG, ERR_SNAP,
        "Flags 'VIR_DOMAIN_SNAPSHOT_DELETE_CHILDREN' and 'VIR_DOMAIN_SNAPSHOT_DELETE_CHILDREN_ONLY' are mutually "
        "exclusive")
    assert error_of(s1.delete, 1 << 3) == (libvirt.VIR_ERR_INVALID_ARG, ERR_QEMU,
                                            "unsupported flags (0x8) in function qemuSnapshotDelete")
    s1.delete(S.VIR_DOMAIN_SNAPSHOT_DELETE_METADATA_ONLY)
    assert chain.snapshotNum() == 0 and chain.hasCurrentSnapshot() == 0
    assert error_of(s1.getXMLDesc)[0] == libvirt.VIR_ERR_NO_DOMAIN_SNAPSHOT


def test_delete_external_leaf_merges(dom, guest) -> None:
    dom.create()
    guest.write(b"A")
    s1 = dom.snapshotCreateXML(snapxml("s1"), S.VIR_DOMAIN_SNAPSHOT_CREATE_DISK_ONLY)
    guest.write(b"B")
    s1.delete(0)  # the running domain built on vm.s1: it is merged down into vm.qcow2
    assert dom.snapshotNum() == 0 and disk_source(dom) == BASE and not guest.exists(f"{IMG}/vm.s1")
    assert guest.read() == b"B" and guest.file(BASE) == b"B"


# ---- fakevirt's branching ------------------------------------------------------------------------------

BRANCH = Create.BRANCH
assert BRANCH == 1 << 31


def seed(dom, guest) -> None:
    """Inactive: A → s1 (vm.qcow2 → vm.s1) → B → s2 (vm.s1 → vm.s2) → C."""
    guest.write(b"A")
    dom.snapshotCreateXML(snapxml("s1"), S.VIR_DOMAIN_SNAPSHOT_CREATE_DISK_ONLY)
    guest.write(b"B")
    dom.snapshotCreateXML(snapxml("s2"), S.VIR_DOMAIN_SNAPSHOT_CREATE_DISK_ONLY)
    guest.write(b"C")


def test_branch_flag_requires_element(dom, guest) -> None:
    seed(dom, guest)
    assert error_of(dom.snapshotCreateXML, snapxml("n1"), BRANCH) == (
        libvirt.VIR_ERR_INVALID_ARG, ERR_QEMU, "VIR_DOMAIN_SNAPSHOT_CREATE_BRANCH requires a <branch> element")
    for other, name in ((S.VIR_DOMAIN_SNAPSHOT_CREATE_HALT, "HALT"), (S.VIR_DOMAIN_SNAPSHOT_CREATE_LIVE, "LIVE")):
        assert error_of(dom.snapshotCreateXML, snapxml("n1", branch("s1")), BRANCH | other) == (
            libvirt.VIR_ERR_INVALID_ARG, ERR_QEMU,
            f"Flags 'VIR_DOMAIN_SNAPSHOT_CREATE_BRANCH' and 'VIR_DOMAIN_SNAPSHOT_CREATE_{name}' are mutually exclusive")
    assert error_of(dom.snapshotCreateXML, snapxml("n1", branch("zz")), 0) == (
        libvirt.VIR_ERR_NO_DOMAIN_SNAPSHOT, ERR_QEMU,
        "Domain snapshot not found: no domain snapshot with matching name 'zz'")
    assert error_of(dom.snapshotCreateXML, snapxml("s2", branch("s1")), 0) == (
        libvirt.VIR_ERR_OPERATION_FAILED, libvirt.VIR_FROM_DOMAIN, "operation failed: domain moment s2 already exists")
    guest.create_image(f"{IMG}/taken.qcow2")
    assert error_of(dom.snapshotCreateXML, snapxml("n1", branch("s1") + diskspec(f"{IMG}/taken.qcow2")), 0) == (
        libvirt.VIR_ERR_CONFIG_UNSUPPORTED, ERR_QEMU, "unsupported configuration: external snapshot file for disk vda "
        f"already exists and is not a block device: {IMG}/taken.qcow2")
    assert dom.snapshotNum() == 2 and not guest.exists(f"{IMG}/vm.n1")


def test_branch_from_internal_snapshot_is_refused(dom, guest) -> None:
    dom.snapshotCreateXML(snapxml("i1"), 0)
    assert error_of(dom.snapshotCreateXML, snapxml("n1", branch("i1")), BRANCH) == (
        libvirt.VIR_ERR_CONFIG_UNSUPPORTED, ERR_QEMU,
        "unsupported configuration: branching is only supported from external snapshots")


def test_branch_not_current_touches_nothing(dom, guest) -> None:
    seed(dom, guest)
    before = dom.XMLDesc()
    n1 = dom.snapshotCreateXML(snapxml("n1", branch("s1")), 0)  # the element alone selects branching
    assert n1.isCurrent() == 0 and dom.snapshotCurrent().getName() == "s2"
    assert n1.getParent().getName() == "s1" and dom.XMLDesc() == before
    x = xml_of(n1)
    assert x.find("branch") is None
    assert (x.findtext("state"), x.findtext("parent/name")) == ("shutoff", "s1")
    assert x.find("disks/disk/source").get("file") == f"{IMG}/vm.n1"  # vm.qcow2 → vm.n1
    assert x.find("domain/devices/disk/source").get("file") == BASE  # s1's point in time
    assert guest.chain(f"{IMG}/vm.n1") == [f"{IMG}/vm.n1", BASE] and guest.file(f"{IMG}/vm.n1") == b"A"
    assert (guest.file(f"{IMG}/vm.s1"), guest.file(f"{IMG}/vm.s2"), guest.read()) == (b"B", b"C", b"C")
    # with the flag bit too, and a given overlay name
    n2 = dom.snapshotCreateXML(snapxml("n2", branch("s1", current="no") + diskspec(f"{IMG}/n2.qcow2")), BRANCH)
    assert xml_of(n2).find("disks/disk/source").get("file") == f"{IMG}/n2.qcow2"
    assert guest.chain(f"{IMG}/n2.qcow2") == [f"{IMG}/n2.qcow2", BASE]
    s1 = dom.snapshotLookupByName("s1")
    assert s1.listChildrenNames() == ["n2", "n1", "s2"]
    assert sorted(dom.snapshotListNames(S.VIR_DOMAIN_SNAPSHOT_LIST_EXTERNAL)) == ["n1", "n2", "s1", "s2"]
    assert sorted(dom.snapshotListNames(S.VIR_DOMAIN_SNAPSHOT_LIST_LEAVES)) == ["n1", "n2", "s2"]
    assert dom.XMLDesc() == before


def test_branch_current_switches_the_domain(dom, guest) -> None:
    seed(dom, guest)
    n1 = dom.snapshotCreateXML(snapxml("n1", branch("s1", current="yes")), BRANCH)
    assert n1.isCurrent() == 1 and disk_source(dom) == f"{IMG}/vm.n1" and guest.read() == b"A"
    assert dom.state()[0] == libvirt.VIR_DOMAIN_SHUTOFF  # s1 is an offline snapshot
    guest.write(b"N")
    assert (guest.file(f"{IMG}/vm.s1"), guest.file(f"{IMG}/vm.s2"), guest.file(BASE)) == (b"B", b"C", b"A")
    # the old head vm.s2 is kept: back to s2's line through another branch
    b2 = dom.snapshotCreateXML(snapxml("b2", branch("s2", current="yes", state="running")), 0)
    assert dom.state() == RUNNING_BOOTED and guest.read() == b"B" and b2.isCurrent() == 1
    assert guest.chain(disk_source(dom)) == [f"{IMG}/vm.b2", f"{IMG}/vm.s1", BASE]
    assert guest.file(f"{IMG}/vm.n1") == b"N" and guest.file(f"{IMG}/vm.s2") == b"C"
    # deleting a non-current branch leaf drops its overlay only
    n1.delete(0)
    assert not guest.exists(f"{IMG}/vm.n1")
    assert all(guest.exists(f"{IMG}/{f}") for f in ("vm.qcow2", "vm.s1", "vm.s2", "vm.b2"))
    assert guest.read() == b"B"


def test_branch_of_a_running_memory_snapshot(conn, dom, guest) -> None:
    dom.create()
    guest.write(b"A")
    mem = f"{IMG}/s1.mem"
    s1 = dom.snapshotCreateXML(snapxml("s1", memspec(mem)), 0)
    guest.write(b"B")
    n1 = dom.snapshotCreateXML(snapxml("n1", branch("s1", current="yes")), 0)
    assert dom.state() == RUNNING_FROM_SNAPSHOT and guest.read() == b"A" and n1.isCurrent() == 1
    x = xml_of(n1)
    assert x.findtext("state") == "running" and x.find("memory").attrib == {"snapshot": "external", "file": mem}
    assert x.findtext("parent/name") == "s1" and disk_source(dom) == f"{IMG}/vm.n1"
    assert guest.file(f"{IMG}/vm.s1") == b"B"  # the line the domain left is kept
    # paused and inactive final states
    n2 = dom.snapshotCreateXML(snapxml("n2", branch("s1", current="yes", state="paused")), 0)
    assert dom.state() == PAUSED_FROM_SNAPSHOT and guest.read() == b"A" and n2.isCurrent() == 1
    dom.snapshotCreateXML(snapxml("n3", branch("s1", current="yes", state="inactive")), 0)
    assert dom.state() == SHUTOFF_FROM_SNAPSHOT and disk_source(dom) == f"{IMG}/vm.n3"
    # a copy of the memory state instead of a shared one; disk-only branches have none
    n4 = dom.snapshotCreateXML(snapxml("n4", branch("s1") + memspec(f"{IMG}/n4.mem")), 0)
    assert xml_of(n4).find("memory").get("file") == f"{IMG}/n4.mem" and guest.memory_file(f"{IMG}/n4.mem")
    n5 = dom.snapshotCreateXML(snapxml("n5", branch("s1")), S.VIR_DOMAIN_SNAPSHOT_CREATE_DISK_ONLY)
    assert xml_of(n5).findtext("state") == "disk-snapshot" and xml_of(n5).find("memory").get("snapshot") == "no"
    assert s1.listChildrenNames() == ["n5", "n4", "n3", "n2", "n1"]
    # deleting branches never drops the shared memory file nor the shared base image
    for name in ("n5", "n4", "n2", "n1"):
        dom.snapshotLookupByName(name).delete(0)
    assert guest.memory_file(mem) and guest.exists(BASE) and not guest.memory_file(f"{IMG}/n4.mem")
    assert not guest.exists(f"{IMG}/vm.n1") and not guest.exists(f"{IMG}/vm.n2")
    assert xml_of(s1).find("memory").get("file") == mem
    dom.revertToSnapshot(s1, 0)  # the shared memory state still boots
    assert dom.state() == RUNNING_FROM_SNAPSHOT and guest.read() == b"A"


def test_branch_events(fakevirt_uri: str, dom, guest) -> None:
    dom.create()
    dom.snapshotCreateXML(snapxml("s1", memspec(f"{IMG}/s1.mem")), 0)
    ev = Events(fakevirt_uri)
    try:
        dom.snapshotCreateXML(snapxml("n0", branch("s1")), 0)
        assert ev.take([]) == []
        dom.snapshotCreateXML(snapxml("n1", branch("s1", current="yes")), 0)
        assert ev.take([STOPPED, STARTED, RESUMED, DEFINED]) == [STOPPED, STARTED, RESUMED, DEFINED]
    finally:
        ev.close()


# ---- fakevirt's revert options: DISCARD and MERGE --------------------------------------------------------


def test_revert_discard_drops_descendants_and_their_files(dom, guest) -> None:
    seed(dom, guest)
    s1 = dom.snapshotLookupByName("s1")
    dom.revertToSnapshot(s1, Revert.DISCARD)
    assert dom.snapshotListNames() == ["s1"] and s1.isCurrent() == 1 and s1.numChildren() == 0
    assert guest.read() == b"A" and not guest.exists(f"{IMG}/vm.s2")
    overlay = disk_source(dom)
    assert xml_of(s1).find("disks/disk/source").get("file") == overlay and xml_of(s1).find("revertDisks") is None
    assert guest.chain(overlay) == [overlay, BASE]


def test_revert_merge_keeps_changes_in_the_target_overlay(dom, guest) -> None:
    seed(dom, guest)
    s1 = dom.snapshotLookupByName("s1")
    dom.revertToSnapshot(s1, Revert.MERGE)
    assert dom.snapshotListNames() == ["s1"] and s1.isCurrent() == 1
    assert guest.read() == b"A"  # the domain restarts from s1's point in time
    assert guest.file(f"{IMG}/vm.s1") == b"C" and not guest.exists(f"{IMG}/vm.s2")  # the head, merged
    x = xml_of(s1)
    assert x.find("disks/disk/source").get("file") == f"{IMG}/vm.s1"
    assert x.find("revertDisks/disk/source").get("file") == disk_source(dom)


def test_revert_merge_and_discard_errors(dom, guest) -> None:
    seed(dom, guest)
    s1, s2 = dom.snapshotLookupByName("s1"), dom.snapshotLookupByName("s2")
    assert error_of(dom.revertToSnapshot, s1, Revert.MERGE | Revert.DISCARD) == (
        libvirt.VIR_ERR_INVALID_ARG, ERR_QEMU,
        "Flags 'VIR_DOMAIN_SNAPSHOT_REVERT_DISCARD' and 'VIR_DOMAIN_SNAPSHOT_REVERT_MERGE' are mutually exclusive")
    dom.snapshotCreateXML(snapxml("n1", branch("s1", current="yes")), 0)
    assert error_of(dom.revertToSnapshot, s2, Revert.MERGE) == (
        libvirt.VIR_ERR_CONFIG_UNSUPPORTED, ERR_QEMU,
        "unsupported configuration: cannot merge into snapshot 's2': it is not an ancestor of the current snapshot")
    assert dom.snapshotCurrent().getName() == "n1" and guest.file(f"{IMG}/vm.s2") == b"C"


def test_revert_merge_running(dom, guest) -> None:
    dom.create()
    guest.write(b"A")
    s1 = dom.snapshotCreateXML(snapxml("s1", memspec(f"{IMG}/s1.mem")), 0)
    guest.write(b"B")
    dom.snapshotCreateXML(snapxml("s2"), S.VIR_DOMAIN_SNAPSHOT_CREATE_DISK_ONLY)
    guest.write(b"C")
    dom.revertToSnapshot(s1, Revert.MERGE)
    assert dom.state() == RUNNING_FROM_SNAPSHOT and guest.read() == b"A"
    assert dom.snapshotListNames() == ["s1"] and guest.file(f"{IMG}/vm.s1") == b"C"
    assert guest.memory_file(f"{IMG}/s1.mem")


def test_branch_with_other_create_flags(dom, guest) -> None:
    seed(dom, guest)
    # VALIDATE: fakevirt's schema knows <branch>
    v1 = dom.snapshotCreateXML(snapxml("v1", branch("s1", current="no")), S.VIR_DOMAIN_SNAPSHOT_CREATE_VALIDATE)
    assert v1.getParent().getName() == "s1"
    # NO_METADATA: the overlay is made and the domain switched, nothing recorded, current unchanged
    dom.snapshotCreateXML(snapxml("nm", branch("s1", current="yes")), S.VIR_DOMAIN_SNAPSHOT_CREATE_NO_METADATA)
    assert disk_source(dom) == f"{IMG}/vm.nm" and guest.read() == b"A"
    assert "nm" not in dom.snapshotListNames() and dom.snapshotCurrent().getName() == "s2"
    # REUSE_EXT: the file must exist and sit on the branch point's image
    reuse = S.VIR_DOMAIN_SNAPSHOT_CREATE_REUSE_EXT
    guest.create_image(f"{IMG}/re.qcow2", backing=f"{IMG}/vm.s1")
    re = dom.snapshotCreateXML(snapxml("re", branch("s2") + diskspec(f"{IMG}/re.qcow2")), reuse)
    assert xml_of(re).find("disks/disk/source").get("file") == f"{IMG}/re.qcow2"
    guest.create_image(f"{IMG}/bad.qcow2")
    assert error_of(dom.snapshotCreateXML, snapxml("r2", branch("s2") + diskspec(f"{IMG}/bad.qcow2")), reuse) == (
        libvirt.VIR_ERR_CONFIG_UNSUPPORTED, ERR_QEMU,
        f"unsupported configuration: reused file '{IMG}/bad.qcow2' is not backed by '{IMG}/vm.s1'")
    assert error_of(dom.snapshotCreateXML, snapxml("r3", branch("s2") + diskspec(f"{IMG}/none.qcow2")), reuse) == (
        libvirt.VIR_ERR_SYSTEM_ERROR, ERR_QEMU,
        f"missing existing file for disk vda: {IMG}/none.qcow2: No such file or directory")
    # REDEFINE ignores <branch> (metadata only) and refuses the flag
    x2 = dom.snapshotLookupByName("s2").getXMLDesc()
    assert error_of(dom.snapshotCreateXML, x2, S.VIR_DOMAIN_SNAPSHOT_CREATE_REDEFINE | BRANCH) == (
        libvirt.VIR_ERR_INVALID_ARG, ERR_QEMU,
        "Flags 'VIR_DOMAIN_SNAPSHOT_CREATE_BRANCH' and 'VIR_DOMAIN_SNAPSHOT_CREATE_REDEFINE' are mutually exclusive")
    unnamed = dom.snapshotCreateXML(snapxml(None, branch("s1")), 0)
    assert unnamed.getName().isdigit() and unnamed.getParent().getName() == "s1"
    assert sorted(dom.snapshotListNames()) == sorted(["s1", "s2", "v1", "re", unnamed.getName()])


@pytest.mark.parametrize("body, code, domain, message", [
    (branch("s1") + diskspec("rel"), libvirt.VIR_ERR_XML_ERROR, ERR_SNAP,
     "XML error: disk snapshot image path 'rel' must be absolute"),
    (branch("s1", state="bogus"), libvirt.VIR_ERR_XML_ERROR, ERR_SNAP,
     "XML error: invalid value 'bogus' for attribute 'state' of element <branch>: expected 'running', 'paused' "
     "or 'inactive'"),
    (branch("s1", current="maybe"), libvirt.VIR_ERR_XML_ERROR, ERR_SNAP,
     "XML error: invalid value 'maybe' for attribute 'current' of element <branch>: expected 'yes' or 'no'"),
    ("<branch/>", libvirt.VIR_ERR_XML_ERROR, ERR_SNAP,
     "XML error: missing branch point: element <branch> must name an existing snapshot"),
])
def test_branch_xml_errors(dom, guest, body: str, code: int, domain: int, message: str) -> None:
    seed(dom, guest)
    assert error_of(dom.snapshotCreateXML, snapxml("bx", body), 0) == (code, domain, message)
    assert dom.snapshotNum() == 2 and not guest.exists(f"{IMG}/vm.bx")


def test_delete_with_branches(dom, guest) -> None:
    seed(dom, guest)
    n1 = dom.snapshotCreateXML(snapxml("n1", branch("s1", current="yes")), 0)
    guest.write(b"N")
    # the current branch leaf sits on vm.qcow2, which s1 still needs: no merge into it
    assert error_of(n1.delete, 0) == (
        libvirt.VIR_ERR_CONFIG_UNSUPPORTED, ERR_QEMU,
        f"unsupported configuration: cannot delete snapshot 'n1': its base image '{BASE}' is shared with s1, "
        f"{IMG}/vm.s1")
    s1 = dom.snapshotLookupByName("s1")
    assert error_of(s1.delete, 0) == (
        libvirt.VIR_ERR_CONFIG_UNSUPPORTED, ERR_QEMU,
        "unsupported configuration: deletion of external disk snapshot with multiple children snapshots not supported")
    assert error_of(s1.delete, S.VIR_DOMAIN_SNAPSHOT_DELETE_CHILDREN) == (
        libvirt.VIR_ERR_CONFIG_UNSUPPORTED, ERR_QEMU,
        "unsupported configuration: deletion of external children disk snapshots not supported")
    dom.snapshotLookupByName("s2").delete(0)  # the other line's leaf, and the images only it needed
    assert not guest.exists(f"{IMG}/vm.s2") and not guest.exists(f"{IMG}/vm.s1")
    s1.delete(0)  # now a single child: n1 takes its place
    assert dom.snapshotListNames() == ["n1"] and error_of(n1.getParent)[0] == libvirt.VIR_ERR_NO_DOMAIN_SNAPSHOT
    assert guest.read() == b"N" and guest.file(BASE) == b"A" and guest.chain(disk_source(dom)) == [f"{IMG}/vm.n1",
                                                                                                BASE]
    n1.delete(S.VIR_DOMAIN_SNAPSHOT_DELETE_METADATA_ONLY)
    assert dom.snapshotNum() == 0 and guest.read() == b"N"


def test_revert_discard_drops_other_branches_too(dom, guest) -> None:
    seed(dom, guest)
    dom.snapshotCreateXML(snapxml("n1", branch("s1")), 0)
    dom.snapshotCreateXML(snapxml("b", branch("s2")), 0)
    s1 = dom.snapshotLookupByName("s1")
    dom.revertToSnapshot(s1, Revert.DISCARD)
    assert dom.snapshotListNames() == ["s1"] and guest.read() == b"A"
    for gone in ("vm.s1", "vm.s2", "vm.n1", "vm.b"):
        assert not guest.exists(f"{IMG}/{gone}")
    assert guest.exists(BASE) and guest.file(BASE) == b"A"


def test_revert_discard_running_keeps_shared_memory(dom, guest) -> None:
    dom.create()
    guest.write(b"A")
    s1 = dom.snapshotCreateXML(snapxml("s1", memspec(f"{IMG}/s1.mem")), 0)
    guest.write(b"B")
    dom.snapshotCreateXML(snapxml("n1", branch("s1")), 0)  # shares s1.mem
    dom.snapshotCreateXML(snapxml("s2", memspec(f"{IMG}/s2.mem")), 0)
    dom.revertToSnapshot(s1, Revert.DISCARD)
    assert dom.state() == RUNNING_FROM_SNAPSHOT and guest.read() == b"A"
    assert dom.snapshotListNames() == ["s1"]
    assert guest.memory_file(f"{IMG}/s1.mem") and not guest.memory_file(f"{IMG}/s2.mem")
    assert not guest.exists(f"{IMG}/vm.n1") and not guest.exists(f"{IMG}/vm.s2")


# ---- snapshots and the rest of the domain API --------------------------------------------------------------


def test_flag_checks_of_the_list_calls(dom) -> None:
    s1 = dom.snapshotCreateXML(snapxml("s1"), 0)
    for fn, name in ((dom.listAllSnapshots, "qemuDomainListAllSnapshots"), (dom.snapshotNum, "qemuDomainSnapshotNum"),
                     (s1.numChildren, "qemuDomainSnapshotNumChildren")):
        assert error_of(fn, 1 << 11) == (libvirt.VIR_ERR_INVALID_ARG, ERR_QEMU,
                                         f"unsupported flags (0x800) in function {name}")
    assert error_of(dom.snapshotLookupByName, "s1", 1) == (
        libvirt.VIR_ERR_INVALID_ARG, ERR_QEMU, "unsupported flags (0x1) in function qemuDomainSnapshotLookupByName")


def test_undefine_and_rename_with_snapshots(conn, dom) -> None:
    dom.snapshotCreateXML(snapxml("s1"), 0)
    assert error_of(dom.undefine) == (libvirt.VIR_ERR_OPERATION_INVALID, ERR_QEMU,
                                      "Requested operation is not valid: cannot delete inactive domain with 1 snapshots")
    assert error_of(dom.rename, "vm2", 0) == (libvirt.VIR_ERR_OPERATION_INVALID, ERR_QEMU,
                                              "Requested operation is not valid: cannot rename domain with snapshots")
    dom.undefineFlags(libvirt.VIR_DOMAIN_UNDEFINE_SNAPSHOTS_METADATA)
    assert conn.listAllDomains() == []


def test_revert_risky_cases(dom, guest) -> None:
    s1 = dom.snapshotCreateXML(snapxml("s1"), 0)
    dom.create()
    dom.managedSave()
    assert error_of(dom.revertToSnapshot, s1, 0) == (
        libvirt.VIR_ERR_SNAPSHOT_REVERT_RISKY, ERR_QEMU, "revert requires force: snapshot without memory state, "
        "removal of existing managed saved state strongly recommended to avoid corruption")
    dom.revertToSnapshot(s1, S.VIR_DOMAIN_SNAPSHOT_REVERT_FORCE)
    assert dom.state()[0] == libvirt.VIR_DOMAIN_SHUTOFF and s1.isCurrent() == 1
    dom.managedSaveRemove()
    legacy = "<domainsnapshot><name>old</name><state>shutoff</state><creationTime>1</creationTime></domainsnapshot>"
    old = dom.snapshotCreateXML(legacy, S.VIR_DOMAIN_SNAPSHOT_CREATE_REDEFINE)
    assert old.getName() == "old" and xml_of(old).find("domain") is None
    for flags in (0, S.VIR_DOMAIN_SNAPSHOT_REVERT_FORCE):
        assert error_of(dom.revertToSnapshot, old, flags) == (
            libvirt.VIR_ERR_SNAPSHOT_REVERT_RISKY, ERR_QEMU, "revert requires force: snapshot 'old' lacks domain 'vm' "
            "rollback info")


def test_running_snapshot_keeps_both_definitions(dom, guest) -> None:
    dom.create()
    s = dom.snapshotCreateXML(snapxml("s"), 0)
    x = xml_of(s)
    assert x.find("domain") is not None and x.find("inactiveDomain") is not None
    assert x.findtext("domain/name") == "vm" and x.findtext("inactiveDomain/uuid") == dom.UUIDString()


def test_secure_xml(conn, guest) -> None:
    d = conn.defineXML(DOMAIN_XML.replace("</devices>", "<graphics type='vnc' passwd='sekrit'/></devices>"))
    off = d.snapshotCreateXML(snapxml("off"), 0)
    d.create()
    run = d.snapshotCreateXML(snapxml("run"), 0)
    for snap in (off, run):
        assert "sekrit" not in snap.getXMLDesc() and "sekrit" in snap.getXMLDesc(S.VIR_DOMAIN_SNAPSHOT_XML_SECURE)
    assert error_of(off.getXMLDesc, 2) == (libvirt.VIR_ERR_INVALID_ARG, ERR_QEMU,
                                           "unsupported flags (0x2) in function qemuDomainSnapshotGetXMLDesc")
