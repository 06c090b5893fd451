"""Domain snapshots through real virsh: the QEMU driver's outputs and error texts (libvirtd 9.0,
external revert/delete as in 9.7+), checked against the data the guest reads afterwards, and
fakevirt's branching extension (``<branch>`` in plain ``virsh snapshot-create``)."""

from __future__ import annotations

import os
import re
import subprocess
import time
from pathlib import Path

import pytest

from tests.integration.conftest import err, ok
from tests.integration.virsh_events import VirshEvents

IMG = "/var/lib/libvirt/images"
VDA = f"{IMG}/vm.qcow2"
VDB = f"{IMG}/vmb.qcow2"

_DISK = """
    <disk type='file' device='disk'>
      <driver name='qemu' type='qcow2'/>
      <source file='{path}'/>
      <target dev='{dev}' bus='virtio'/>
    </disk>"""

_DOMAIN = """<domain type='kvm'>
  <name>vm</name>
  <memory unit='MiB'>64</memory>
  <vcpu>1</vcpu>
  <os><type arch='x86_64'>hvm</type></os>
  <devices>{disks}
  </devices>
</domain>
"""


def fields(text: str) -> dict[str, str]:
    return {k.strip(): v.strip() for k, v in (line.split(":", 1) for line in text.strip().splitlines())}


def names(virsh, *args: str) -> list[str]:
    return ok(virsh("snapshot-list", "vm", "--name", *args)).split()


def state(virsh) -> str:
    return ok(virsh("domstate", "vm", "--reason")).strip()


def current(virsh) -> str:
    return ok(virsh("snapshot-current", "vm", "--name")).strip()


class Host:
    """The test's hands on the model: images and the guest's disks, through fakevirt.call."""

    def __init__(self, fakevirt, virsh, tmp_path: Path) -> None:
        self.fv = fakevirt
        self.hv = fakevirt.hypervisor
        self.virsh = virsh
        self.tmp = tmp_path

    def define(self, second: bool = False, transient: bool = False) -> None:
        paths = [VDA] + ([VDB] if second else [])

        def mk() -> None:
            for p in paths:
                self.hv.images.create(p, "qcow2", 64 << 20)
        self.fv.call(mk)
        xml = _DOMAIN.format(disks="".join(_DISK.format(path=p, dev=d) for p, d in zip(paths, ("vda", "vdb"), strict=False)))
        ok(self.virsh("create" if transient else "define", self.file("vm.xml", xml)))

    def file(self, name: str, text: str) -> str:
        p = self.tmp / name
        p.write_text(text)
        return str(p)

    def _dom(self):
        return self.hv.system.domains.by_name("vm")

    def source(self, dev: str = "vda") -> str:
        """The disk's current source: the live definition while the domain runs, else the config."""
        def get() -> str:
            dom = self._dom()
            return (dom.live if dom.active else dom.config).find_disk(dev).source
        return self.fv.call(get)

    def chain(self, path: str | None = None) -> list[str]:
        path = path or self.source()
        return self.fv.call(lambda: [i.path for i in self.hv.images.chain(path)])

    def exists(self, path: str) -> bool:
        return self.fv.call(lambda: self.hv.images.exists(path))

    def saved(self, path: str) -> bool:
        """A memory file (save image) exists at ``path``."""
        return self.fv.call(lambda: path in self.hv.system.domains.saved_images)

    def read_image(self, path: str, n: int, off: int = 0) -> bytes:
        return self.fv.call(lambda: self.hv.images.read(path, off, n))

    def read(self, n: int, off: int = 0, dev: str = "vda") -> bytes:
        """What the disk holds now: through the guest when it runs, else through the config's source."""
        def rd() -> bytes:
            dom = self._dom()
            if dom.active:
                return self.hv.system.domains.guest_read(dom, dev, off, n)
            return self.hv.images.read(dom.config.find_disk(dev).source, off, n)
        return self.fv.call(rd)

    def write(self, data: bytes, off: int = 0, dev: str = "vda") -> None:
        def wr() -> None:
            dom = self._dom()
            if dom.active:
                self.hv.system.domains.guest_write(dom, dev, off, data)
            else:
                self.hv.images.write(dom.config.find_disk(dev).source, off, data)
        self.fv.call(wr)


@pytest.fixture
def host(fakevirt, virsh, tmp_path: Path) -> Host:
    return Host(fakevirt, virsh, tmp_path)


# ---- create ------------------------------------------------------------------------------------

def test_internal_snapshot_of_an_inactive_domain(virsh, host) -> None:
    host.define(second=True)
    assert ok(virsh("snapshot-list", "vm")) == " Name   Creation Time   State\n-------------------------------\n\n"
    assert err(virsh("snapshot-current", "vm")) == "error: domain 'vm' has no current snapshot"
    assert ok(virsh("snapshot-create-as", "vm", "s1")) == "Domain snapshot s1 created\n"
    xml = ok(virsh("snapshot-dumpxml", "vm", "s1"))
    tags = re.findall(r"^  <(\w+)", xml, re.M)
    assert tags == ["name", "state", "creationTime", "memory", "disks", "domain"]
    assert "<state>shutoff</state>" in xml and "<memory snapshot='no'/>" in xml
    assert ("<disk name='vda' snapshot='internal'/>\n    <disk name='vdb' snapshot='internal'/>") in xml
    assert f"<source file='{VDA}'/>" in xml
    created = int(re.search(r"<creationTime>(\d+)</creationTime>", xml).group(1))
    assert abs(created - time.time()) < 60
    assert fields(ok(virsh("snapshot-info", "vm", "s1"))) == {
        "Name": "s1", "Domain": "vm", "Current": "yes", "State": "shutoff", "Location": "internal",
        "Parent": "-", "Children": "0", "Descendants": "0", "Metadata": "yes"}
    assert current(virsh) == "s1"
    assert ok(virsh("snapshot-current", "vm")) == xml
    assert err(virsh("snapshot-parent", "vm", "s1")) == "error: snapshot 's1' has no parent"
    lines = ok(virsh("snapshot-list", "vm")).splitlines()
    assert lines[0] == " Name   Creation Time               State"
    assert re.fullmatch(r" s1     \d{4}-\d\d-\d\d \d\d:\d\d:\d\d [+-]\d{4}   shutoff", lines[2])
    assert fakevirt_snapshots(host) == ["s1"]
    for missing in ("snapshot-info", "snapshot-dumpxml", "snapshot-current"):
        assert err(virsh(missing, "vm", "nosuch")) == (
            "error: Domain snapshot not found: no domain snapshot with matching name 'nosuch'")


def fakevirt_snapshots(host: Host) -> list[str]:
    """The internal snapshots the qcow2 image itself holds."""
    return host.fv.call(lambda: [s.name for s in host.hv.images.snapshot_list(VDA)])


def test_internal_snapshot_of_a_running_domain(virsh, host) -> None:
    host.define()
    ok(virsh("start", "vm"))
    host.write(b"AAAA")
    ok(virsh("snapshot-create-as", "vm", "r1"))
    assert state(virsh) == "running (unpaused)"
    xml = ok(virsh("snapshot-dumpxml", "vm", "r1"))
    assert "<state>running</state>" in xml and "<memory snapshot='internal'/>" in xml
    assert "<disk name='vda' snapshot='internal'/>" in xml
    info = fields(ok(virsh("snapshot-info", "vm", "r1")))
    assert info["State"] == "running" and info["Location"] == "internal"
    assert err(virsh("snapshot-create-as", "vm", "e5", "--memspec", "snapshot=no")) == (
        "error: Operation not supported: internal snapshot of a running VM must include the memory state")
    assert err(virsh("snapshot-create-as", "vm", "q2", "--disk-only", "--quiesce")) == (
        "error: argument unsupported: QEMU guest agent is not configured")
    assert err(virsh("snapshot-create-as", "vm", "l2", "--live")) == (
        "error: Operation not supported: live snapshot creation is supported only during full system snapshots")
    assert err(virsh("snapshot-create-as", "vm", "e6", "--disk-only", "--diskspec", "vda,snapshot=internal")) == (
        "error: unsupported configuration: active qemu domains require external disk snapshots; "
        "disk vda requested internal")
    for spec, text in (
            (f"file={IMG}/e9.mem,snapshot=internal", f"memory filename '{IMG}/e9.mem' requires external snapshot"),
            ("file=relative.mem", "memory snapshot file path (relative.mem) must be absolute"),
            ("snapshot=external", "external memory snapshots require a filename")):
        assert err(virsh("snapshot-create-as", "vm", "e", "--memspec", spec)) == f"error: XML error: {text}"
    host.write(b"BBBB")
    ok(virsh("snapshot-revert", "vm", "r1"))
    assert state(virsh) == "running (from snapshot)"
    assert host.read(4) == b"AAAA"


def test_disk_only_snapshots_switch_the_disks_to_new_overlays(virsh, host) -> None:
    host.define(second=True)
    host.write(b"AAAA")
    assert ok(virsh("snapshot-create-as", "vm", "s1", "--disk-only")) == "Domain snapshot s1 created\n"
    assert host.source() == f"{IMG}/vm.s1" and host.source("vdb") == f"{IMG}/vmb.s1"
    assert host.chain() == [f"{IMG}/vm.s1", VDA]
    xml = ok(virsh("snapshot-dumpxml", "vm", "s1"))
    assert ("  <memory snapshot='no'/>\n  <disks>\n"
            "    <disk name='vda' snapshot='external' type='file'>\n"
            "      <driver type='qcow2'/>\n"
            f"      <source file='{IMG}/vm.s1'/>\n"
            "    </disk>\n"
            "    <disk name='vdb' snapshot='external' type='file'>\n"
            "      <driver type='qcow2'/>\n"
            f"      <source file='{IMG}/vmb.s1'/>\n"
            "    </disk>\n  </disks>\n") in xml
    assert "<state>shutoff</state>" in xml and f"<source file='{VDA}'/>" in xml  # <domain> is the old one
    inactive = ok(virsh("dumpxml", "--inactive", "vm"))
    assert f"<source file='{IMG}/vm.s1'/>" in inactive and "<backingStore" not in inactive
    info = fields(ok(virsh("snapshot-info", "vm", "s1")))
    assert info["State"] == "shutoff" and info["Location"] == "external"
    host.write(b"BBBB")
    assert host.read_image(VDA, 4) == b"AAAA"
    assert err(virsh("snapshot-create-as", "vm", "l1", "--live", "--disk-only")) == (
        "error: Operation not supported: live snapshot creation is supported only during full system snapshots")

    ok(virsh("start", "vm"))
    ok(virsh("snapshot-create-as", "vm", "s2", "--disk-only", "--diskspec", "vdb,snapshot=no"))
    assert state(virsh) == "running (booted)"
    live = ok(virsh("dumpxml", "vm"))
    vda = live[live.index("<disk"):live.index("</disk>")]
    assert _indexes_fresh(vda)
    assert f"<source file='{IMG}/vm.s2'/>" in ok(virsh("dumpxml", "--inactive", "vm"))
    xml = ok(virsh("snapshot-dumpxml", "vm", "s2"))
    assert "<state>disk-snapshot</state>" in xml and "<disk name='vdb' snapshot='no'/>" in xml
    assert host.source("vdb") == f"{IMG}/vmb.s1"
    assert host.read(4) == b"BBBB"
    assert names(virsh, "--disk-only") == ["s2"] and names(virsh, "--inactive") == ["s1"]
    assert names(virsh, "--external") == ["s1", "s2"] and names(virsh, "--internal") == []


def _indexes_fresh(vda: str) -> bool:
    """The live chain vm.s2 -> vm.s1 -> vm.qcow2 with a fresh index on the new top."""
    srcs = re.findall(r"<source file='([^']+)'(?: index='(\d+)')?/>", vda)
    assert [s for s, _ in srcs] == [f"{IMG}/vm.s2", f"{IMG}/vm.s1", VDA], vda
    idx = [int(i) for i in re.findall(r"index='(\d+)'", vda)]
    assert len(idx) == len(set(idx)) and idx[0] == max(idx), vda
    assert vda.count("<backingStore/>") == 1
    return True


def test_external_snapshot_with_memory(virsh, host) -> None:
    host.define()
    ok(virsh("start", "vm"))
    host.write(b"AAAA")
    mem = f"{IMG}/m1.mem"
    ok(virsh("snapshot-create-as", "vm", "m1", "--memspec", f"file={mem},snapshot=external",
             "--diskspec", f"vda,file={IMG}/vm.top"))
    assert state(virsh) == "running (unpaused)"
    assert host.chain() == [f"{IMG}/vm.top", VDA]
    xml = ok(virsh("snapshot-dumpxml", "vm", "m1"))
    assert f"<memory snapshot='external' file='{mem}'/>" in xml and "<state>running</state>" in xml
    tags = re.findall(r"^  <(\w+)", xml, re.M)
    assert tags == ["name", "state", "creationTime", "memory", "disks", "domain", "inactiveDomain", "cookie"]  # as libvirtd 9.0
    info = fields(ok(virsh("snapshot-info", "vm", "m1")))
    assert info["State"] == "running" and info["Location"] == "external"
    assert names(virsh, "--active") == ["m1"] and names(virsh, "--external") == ["m1"]
    host.write(b"BBBB")
    ok(virsh("destroy", "vm"))
    ok(virsh("snapshot-revert", "vm", "m1"))
    assert state(virsh) == "running (from snapshot)"
    assert host.read(4) == b"AAAA"
    top = host.source()
    assert re.fullmatch(rf"{IMG}/vm\.\d+", top) and host.chain() == [top, VDA]
    assert not host.exists(f"{IMG}/vm.top")  # the head the domain left is removed


def test_no_metadata_reuse_external_and_halt(virsh, host) -> None:
    host.define()
    ok(virsh("snapshot-create-as", "vm", "s1"))
    ok(virsh("snapshot-create-as", "vm", "nm", "--disk-only", "--no-metadata"))
    assert host.chain() == [f"{IMG}/vm.nm", VDA]
    assert names(virsh) == ["s1"] and current(virsh) == "s1"

    assert err(virsh("snapshot-create-as", "vm", "r1", "--disk-only", "--reuse-external")) == (
        f"error: missing existing file for disk vda: {IMG}/vm.r1: No such file or directory")
    assert err(virsh("snapshot-create-as", "vm", "r2", "--disk-only", "--reuse-external",
                     "--diskspec", f"vda,file={IMG}/missing.qcow2")) == (
        f"error: missing existing file for disk vda: {IMG}/missing.qcow2: No such file or directory")
    pre = f"{IMG}/pre.qcow2"
    host.fv.call(lambda: host.hv.images.create(pre, "qcow2", 64 << 20, backing=f"{IMG}/vm.nm",
                                               backing_fmt="qcow2"))
    ok(virsh("snapshot-create-as", "vm", "ru", "--disk-only", "--reuse-external", "--diskspec", f"vda,file={pre}"))
    assert host.chain() == [pre, f"{IMG}/vm.nm", VDA]
    host.fv.call(lambda: host.hv.images.create(f"{IMG}/pre.ex1", "qcow2", 1 << 20))
    assert err(virsh("snapshot-create-as", "vm", "ex1", "--disk-only", "--diskspec", f"vda,file={IMG}/pre.ex1")) == (
        "error: unsupported configuration: external snapshot file for disk vda already exists and is not "
        f"a block device: {IMG}/pre.ex1")
    host.fv.call(lambda: host.hv.images.create(f"{IMG}/pre.ex2", "qcow2", 1 << 20))
    assert err(virsh("snapshot-create-as", "vm", "ex2", "--disk-only")) == (
        "error: unsupported configuration: external snapshot file for disk vda already exists and is not "
        f"a block device: {IMG}/pre.ex2")
    assert err(virsh("snapshot-create-as", "vm", "q1", "--quiesce")) == (
        "error: Flag 'VIR_DOMAIN_SNAPSHOT_CREATE_DISK_ONLY' is required by flag 'VIR_DOMAIN_SNAPSHOT_CREATE_QUIESCE'")
    assert err(virsh("snapshot-create-as", "vm", "l1", "--live")) == (
        "error: Operation not supported: live snapshot creation is supported only during full system snapshots")

    ok(virsh("start", "vm"))
    ok(virsh("snapshot-create-as", "vm", "h1", "--halt", "--disk-only"))
    assert state(virsh) == "shut off (from snapshot)"
    assert host.source() == f"{IMG}/pre.h1"
    ok(virsh("start", "vm"))
    ok(virsh("snapshot-create-as", "vm", "h2", "--halt"))
    assert state(virsh) == "shut off (from snapshot)"
    info = fields(ok(virsh("snapshot-info", "vm", "h2")))
    assert info["State"] == "running" and info["Parent"] == "h1" and info["Current"] == "yes"
    assert names(virsh) == ["h1", "h2", "ru", "s1"]


def test_create_errors_and_raw_xml(virsh, host) -> None:
    host.define()
    ok(virsh("snapshot-create-as", "vm", "s1"))
    assert err(virsh("snapshot-create-as", "vm", "s1")) == "error: operation failed: domain moment s1 already exists"
    assert err(virsh("snapshot-create-as", "vm", "a/b")) == "error: invalid snapshot name 'a/b': name can't contain '/'"
    assert err(virsh("snapshot-create-as", "vm", ".hidden")) == (
        "error: invalid snapshot name '.hidden': name can't start with '.'")
    foo = host.file("foo.xml", "<domainsnapshot><name>x</name><foo/></domainsnapshot>")
    assert err(virsh("snapshot-create", "vm", foo, "--validate")) == (
        "error: XML document failed to validate against schema: Unable to validate doc against "
        "/usr/share/libvirt/schemas/domainsnapshot.rng\nElement domainsnapshot has extra content: foo")
    wrong = host.file("wrong.xml", "<snapshot><name>y</name></snapshot>")
    assert err(virsh("snapshot-create", "vm", wrong)) == (
        "error: XML error: expecting root element of 'domainsnapshot', not 'snapshot'")
    assert names(virsh) == ["s1"]
    assert ok(virsh("snapshot-create", "vm", foo)) == f"Domain snapshot x created from '{foo}'\n"
    desc = host.file("d.xml", "<domainsnapshot><name>d</name><description>hello</description>"
                              "<disks><disk name='vda' snapshot='external'>"
                              f"<source file='{IMG}/custom.qcow2'/></disk></disks></domainsnapshot>")
    assert err(virsh("snapshot-create", "vm", desc)) == (
        "error: unsupported configuration: disk 'vda' must use snapshot mode 'internal'")
    ok(virsh("snapshot-create", "vm", desc, "--disk-only"))
    xml = ok(virsh("snapshot-dumpxml", "vm", "d"))
    assert re.findall(r"^  <(\w+)", xml, re.M) == [
        "name", "description", "state", "parent", "creationTime", "memory", "disks", "domain"]
    assert "<description>hello</description>" in xml and "<parent>\n    <name>x</name>\n  </parent>" in xml
    assert f"<source file='{IMG}/custom.qcow2'/>" in xml and host.source() == f"{IMG}/custom.qcow2"
    before = int(time.time())
    out = ok(virsh("snapshot-create", "vm"))
    name = re.fullmatch(r"Domain snapshot (\d+) created\n", out).group(1)
    assert before <= int(name) <= time.time() + 1
    assert fields(ok(virsh("snapshot-info", "vm", name)))["Parent"] == "d"


def test_create_option_errors_on_an_inactive_domain(virsh, host) -> None:
    host.define(second=True)
    bad = host.file("bad.xml", "<domainsnapshot><name>x\n")
    assert err(virsh("snapshot-create", "vm", bad)) == (
        "error: (domain_snapshot):2: Premature end of data in tag name line 1\n(null)\n^")
    internal = "unsupported configuration: disk 'vda' must use snapshot mode 'internal'"
    for args, text in (
            (("--memspec", f"file={IMG}/mem1"), "XML error: memory state cannot be saved with offline or disk-only snapshot"),
            (("--memspec", f"file={IMG}/mem2", "--disk-only"),
             "XML error: memory state cannot be saved with offline or disk-only snapshot"),
            (("--memspec", "snapshot=internal"), "XML error: memory state cannot be saved with offline or disk-only snapshot"),
            (("--disk-only", "--diskspec", "vda,snapshot=no", "--diskspec", "vdb,snapshot=no"),
             "unsupported configuration: nothing selected for snapshot"),
            (("--diskspec", "vda,snapshot=no", "--diskspec", "vdb,snapshot=no"), internal),
            (("--diskspec", "vda,snapshot=external", "--diskspec", "vdb,snapshot=no"), internal),
            (("--diskspec", "vda,snapshot=internal", "--diskspec", "vdb,snapshot=external"),
             "unsupported configuration: disk 'vdb' must use snapshot mode 'internal'"),
            (("--diskspec", "vdx"), "unsupported configuration: no disk named 'vdx'"),
            (("--diskspec", "vda", "--diskspec", "vda"), "unsupported configuration: disk 'vda' specified twice"),
            (("--diskspec", "vda,file=relative.qcow2", "--disk-only"),
             "XML error: disk snapshot image path 'relative.qcow2' must be absolute"),
            (("--diskspec", f"vda,snapshot=internal,file={IMG}/x.qcow2"),
             f"unsupported configuration: file '{IMG}/x.qcow2' for disk 'vda' requires use of external snapshot mode"),
            (("--disk-only", "--diskspec", "vda,driver=raw"),
             "unsupported configuration: external snapshot format for disk vda is unsupported: raw"),
            (("--disk-only", "--diskspec", "vda,snapshot=internal"),
             "unsupported configuration: mixing internal and external targets for a snapshot is not yet supported")):
        assert err(virsh("snapshot-create-as", "vm", "e", *args)) == f"error: {text}", args
    assert names(virsh) == [] and host.source() == VDA
    assert err(virsh("snapshot-delete", "vm", "--current")) == (
        "error: Domain snapshot not found: the domain does not have a current snapshot")
    # --disk-only with every disk internal on an inactive domain: metadata only
    ok(virsh("snapshot-create-as", "vm", "m4", "--disk-only", "--diskspec", "vda,snapshot=internal",
             "--diskspec", "vdb,snapshot=internal"))
    info = fields(ok(virsh("snapshot-info", "vm", "m4")))
    assert (info["State"], info["Location"]) == ("shutoff", "internal") and fakevirt_snapshots(host) == []


def test_redefine(virsh, host) -> None:
    host.define()
    ok(virsh("snapshot-create-as", "vm", "m4"))
    ok(virsh("snapshot-create-as", "vm", "m5"))
    xml = ok(virsh("snapshot-dumpxml", "vm", "m4"))
    uuid = re.search(r"<uuid>(.*)</uuid>", xml).group(1)
    with_parent = xml.replace("<creationTime>", "<parent><name>{}</name></parent><creationTime>")
    cases = (
        (with_parent.format("nosuchparent").replace("<name>m4</name>", "<name>child</name>", 1),
         "invalid argument: parent nosuchparent for moment child not found"),
        (re.sub(r"<creationTime>\d+</creationTime>", "", xml), "internal error: missing creationTime from existing snapshot"),
        (xml.replace("<state>shutoff</state>", ""), "XML error: missing state from existing snapshot"),
        (xml.replace("<name>m4</name>", "", 1), "XML error: a redefined snapshot must have a name"),
        (xml.replace("<state>shutoff</state>", "<state>bogus</state>"),
         "unsupported configuration: Invalid state 'bogus' in domain snapshot XML"),
        (xml.replace("<state>shutoff</state>", "<state>running</state>"),
         "invalid argument: cannot change between online and offline snapshot state in snapshot m4"),
        (xml.replace("<name>m4</name>", "<name>m4u</name>", 1).replace(uuid, "11111111-2222-3333-4444-555555555555"),
         f"invalid argument: definition for snapshot m4u must use uuid {uuid}"),
        (with_parent.format("m4"), "invalid argument: cannot set moment m4 as its own parent"),
        (with_parent.format("m5"), "invalid argument: parent m5 would create cycle to m4"))
    for i, (text, message) in enumerate(cases):
        assert err(virsh("snapshot-create", "vm", host.file(f"r{i}.xml", text), "--redefine")) == f"error: {message}", i
    m4 = host.file("m4.xml", xml)
    assert ok(virsh("snapshot-create", "vm", m4, "--redefine")) == f"Domain snapshot m4 created from '{m4}'\n"
    copy = host.file("m4copy.xml", xml.replace("<name>m4</name>", "<name>m4copy</name>", 1))
    ok(virsh("snapshot-create", "vm", copy, "--redefine"))
    assert current(virsh) == "m5" and names(virsh, "--roots") == ["m4", "m4copy"]
    ok(virsh("snapshot-create", "vm", copy, "--redefine", "--current"))
    assert current(virsh) == "m4copy"
    assert err(virsh("snapshot-create", "vm", m4, "--redefine", "--disk-only")) == (
        "error: invalid argument: disk-only flag for snapshot m4 requires disk-snapshot state")
    assert err(virsh("snapshot-create", "vm", m4, "--current")) == (
        "error: Flag 'VIR_DOMAIN_SNAPSHOT_CREATE_REDEFINE' is required by flag 'VIR_DOMAIN_SNAPSHOT_CREATE_CURRENT'")
    assert fields(ok(virsh("snapshot-info", "vm", "m5")))["Parent"] == "m4" and host.source() == VDA

# ---- the tree and listing ----------------------------------------------------------------------

VT_TREE = ("s1\n  |\n  +- s3\n  |   |\n  |   +- s2\n  |   +- s6\n  |       |\n  |       +- s4\n"
           "  |       +- s5\n  |         \n  +- s7\n      |\n      +- s8\n        \n\n")


def test_tree_of_internal_snapshots_like_virshtestdata(virsh, host) -> None:
    """tests/virshtestdata/snapshot.{in,out} on an inactive domain; data checked on every revert."""
    host.define()
    seq = [("c", "s1"), ("c", "s3"), ("c", "s2"), ("r", "s3"), ("c", "s6"), ("c", "s5"), ("r", "s6"),
           ("c", "s4"), ("r", "s1"), ("c", "s7"), ("c", "s8")]
    written: dict[str, bytes] = {}
    for i, (op, name) in enumerate(seq):
        if op == "c":
            data = name.encode() * 2
            host.write(data)
            written[name] = data
            assert ok(virsh("snapshot-create-as", "vm", name)) == f"Domain snapshot {name} created\n"
            if name == "s1":
                assert err(virsh("snapshot-create-as", "vm", "s1")) == (
                    "error: operation failed: domain moment s1 already exists")
        else:
            host.write(b"XXXX")
            assert ok(virsh("snapshot-revert", "vm", name)) == f"Domain snapshot {name} reverted\n\n"
            assert host.read(4) == written[name], (i, name)
            assert state(virsh) == "shut off (unknown)"  # inactive -> inactive: no transition
    assert host.source() == VDA
    assert ok(virsh("snapshot-list", "vm", "--tree")) == VT_TREE
    assert names(virsh, "--topological") == ["s1", "s7", "s8", "s3", "s6", "s4", "s5", "s2"]
    assert names(virsh) == ["s1", "s2", "s3", "s4", "s5", "s6", "s7", "s8"]
    assert names(virsh, "--from", "s1") == ["s3", "s7"]
    assert names(virsh, "--from", "s1", "--topological") == ["s7", "s3"]
    assert names(virsh, "--from", "s1", "--descendants", "--topological") == ["s7", "s8", "s3", "s6", "s4", "s5", "s2"]
    assert names(virsh, "--from", "s1", "--descendants") == ["s2", "s3", "s4", "s5", "s6", "s7", "s8"]
    assert names(virsh, "--roots") == ["s1"]
    assert names(virsh, "--leaves") == ["s2", "s4", "s5", "s8"]
    assert names(virsh, "--no-leaves") == ["s1", "s3", "s6", "s7"]
    assert names(virsh, "--internal") == names(virsh, "--inactive") == names(virsh)
    assert names(virsh, "--external") == names(virsh, "--active") == names(virsh, "--disk-only") == []
    assert names(virsh, "--no-metadata") == [] and names(virsh, "--metadata") == names(virsh)
    assert current(virsh) == "s8"
    assert names(virsh, "--current") == []  # children of the current snapshot
    assert ok(virsh("snapshot-current", "vm", "s1")) == "Snapshot s1 set as current\n"
    assert names(virsh, "--current") == ["s3", "s7"]
    assert names(virsh, "--current", "--descendants", "--leaves") == ["s2", "s4", "s5", "s8"]
    info = fields(ok(virsh("snapshot-info", "vm", "--current")))
    assert (info["Name"], info["Children"], info["Descendants"]) == ("s1", "2", "7")
    assert ok(virsh("snapshot-parent", "vm", "s4")) == "s6\n"
    assert fields(ok(virsh("snapshot-info", "vm", "s6")))["Parent"] == "s3"

    assert ok(virsh("snapshot-delete", "vm", "--current")) == "Domain snapshot s1 deleted\n\n"
    assert err(virsh("snapshot-current", "vm", "--name")) == "error: domain 'vm' has no current snapshot"
    assert names(virsh, "--roots") == ["s3", "s7"]
    assert ok(virsh("snapshot-list", "vm", "--tree")) == (
        "s3\n  |\n  +- s2\n  +- s6\n      |\n      +- s4\n      +- s5\n        \ns7\n  |\n  +- s8\n    \n\n")
    rows = ok(virsh("snapshot-list", "vm", "--parent", "--no-leaves")).splitlines()
    assert rows[0] == " Name   Creation Time               State     Parent"
    assert [r.split()[0::5] for r in rows[2:] if r] == [["s3"], ["s6", "s3"], ["s7"]]
    assert names(virsh, "--from", "s3") == ["s2", "s6"]
    assert names(virsh, "--from", "s3", "--descendants") == ["s2", "s4", "s5", "s6"]
    assert names(virsh, "--from", "s3", "--descendants", "--topological") == ["s6", "s4", "s5", "s2"]

    ok(virsh("snapshot-current", "vm", "s4"))
    assert ok(virsh("snapshot-delete", "vm", "--children-only", "s6")) == "Domain snapshot s6 children deleted\n\n"
    assert current(virsh) == "s6"
    assert ok(virsh("snapshot-delete", "vm", "--children", "s7")) == "Domain snapshot s7 deleted\n\n"
    assert current(virsh) == "s6"
    ok(virsh("snapshot-delete", "vm", "s6"))
    assert current(virsh) == "s3"
    assert ok(virsh("snapshot-list", "vm", "--tree")) == "s3\n  |\n  +- s2\n    \n\n"
    assert names(virsh) == ["s2", "s3"] and names(virsh, "--topological") == ["s3", "s2"]
    assert sorted(fakevirt_snapshots(host)) == ["s2", "s3"]  # deleted ones left the qcow2 too
    ok(virsh("snapshot-revert", "vm", "s2"))
    assert host.read(4) == written["s2"]
    ok(virsh("snapshot-revert", "vm", "s3"))
    assert host.read(4) == written["s3"]


def test_list_options_and_xml_output(virsh, host, fakevirt) -> None:
    host.define()
    ok(virsh("snapshot-create-as", "vm", "s1"))
    ok(virsh("snapshot-create-as", "vm", "s2", "--disk-only"))
    assert ok(virsh("snapshot-list", "vm", "--tree")) == "s1\n  |\n  +- s2\n    \n\n"
    rows = ok(virsh("snapshot-list", "vm", "--parent")).splitlines()
    assert rows[0] == " Name   Creation Time               State     Parent"
    assert rows[1] == "-" * 54
    assert re.fullmatch(r" s1     \S+ \S+ \S+   shutoff   ", rows[2])
    assert re.fullmatch(r" s2     \S+ \S+ \S+   shutoff   s1", rows[3])
    assert names(virsh, "--internal") == ["s1"] and names(virsh, "--external") == ["s2"]
    assert names(virsh, "--inactive") == ["s1", "s2"] and names(virsh, "--disk-only") == []
    assert ok(virsh("snapshot-list", "vm", "--parent", "--name")).split() == ["s1", "s2"]
    for args, text in ((("--tree", "--name"), "Options --tree and --name are mutually exclusive"),
                       (("--roots", "--tree"), "Options --roots and --tree are mutually exclusive"),
                       (("--tree", "--leaves"), "--leaves and --tree are mutually exclusive"),
                       (("--roots", "--from", "s1"), "Options --roots and --from are mutually exclusive"),
                       (("--descendants",), "--descendants requires either --from or --current"),
                       (("--from", "nosuch"),
                        "Domain snapshot not found: no domain snapshot with matching name 'nosuch'")):
        assert err(virsh("snapshot-list", "vm", *args)) == f"error: {text}", args
    info = fields(ok(virsh("snapshot-info", "vm", "--current")))
    assert info["Name"] == "s2" and info["Location"] == "external" and info["Parent"] == "s1"
    assert ok(virsh("snapshot-parent", "vm", "--current")) == "s1\n"
    assert ok(virsh("snapshot-current", "vm", "s1")) == "Snapshot s1 set as current\n"
    assert fields(ok(virsh("snapshot-info", "vm", "s1")))["Children"] == "1"
    assert host.source() == f"{IMG}/vm.s2"  # setting current moves no disk
    ok(virsh("snapshot-current", "vm", "s2"))
    assert current(virsh) == "s2"
    assert err(virsh("snapshot-current", "vm", "nosuch")) == (
        "error: Domain snapshot not found: no domain snapshot with matching name 'nosuch'")


def test_dumpxml_security_info(virsh, host) -> None:
    host.fv.call(lambda: host.hv.images.create(VDA, "qcow2", 64 << 20))
    xml = _DOMAIN.format(disks=_DISK.format(path=VDA, dev="vda")
                         + "\n    <graphics type='vnc' port='-1' passwd='sekret'/>")
    ok(virsh("define", host.file("vm.xml", xml)))
    ok(virsh("snapshot-create-as", "vm", "s1"))
    plain = ok(virsh("snapshot-dumpxml", "vm", "s1"))
    secure = ok(virsh("snapshot-dumpxml", "vm", "s1", "--security-info"))
    assert "<graphics type='vnc' port='-1' autoport='yes'>" in plain and "sekret" not in plain
    assert "<graphics type='vnc' port='-1' autoport='yes' passwd='sekret'>" in secure


def test_snapshot_edit(virsh_bin, fakevirt_uri, host) -> None:
    host.define()
    editor = host.tmp / "editor.sh"
    editor.write_text('#!/bin/sh\nsed -i "s|$FROM|$TO|" "$1"\n')
    editor.chmod(0o755)

    def edit(*args: str, sub: tuple[str, str] = ("x^", "x^")):
        env = {**os.environ, "LC_ALL": "C", "VIRSH_DEFAULT_CONNECT_URI": "", "EDITOR": str(editor),
               "VISUAL": str(editor), "FROM": sub[0], "TO": sub[1]}
        p = subprocess.run([virsh_bin, "-c", fakevirt_uri, "snapshot-edit", "vm", *args], capture_output=True,
                           text=True, env=env, timeout=30)
        return p

    virsh = host.virsh
    ok(virsh("snapshot-create-as", "vm", "s1", "first"))
    ok(virsh("snapshot-create-as", "vm", "s2"))
    ok(virsh("snapshot-create-as", "vm", "s3"))
    assert ok(edit("s1")) == "Snapshot s1 XML configuration not changed.\n\n"
    assert ok(edit("s1", sub=("first", "second"))) == "Snapshot s1 edited.\n\n"
    assert "<description>second</description>" in ok(virsh("snapshot-dumpxml", "vm", "s1"))
    assert current(virsh) == "s3"
    r = edit("s2", sub=("<name>s2<", "<name>s2x<"))
    assert r.returncode == 1 and r.stderr == (
        "error: Must use --rename or --clone to change s2 to s2x\nerror: Failed to update s2\n")
    assert names(virsh) == ["s1", "s2", "s3"]
    assert ok(edit("s2", "--clone", sub=("<name>s2<", "<name>s2c<"))) == "Snapshot s2 cloned to s2c.\n\n"
    assert fields(ok(virsh("snapshot-info", "vm", "s2c")))["Parent"] == "s1"
    ok(edit("s3", "--current", "--rename", sub=("<name>s3<", "<name>s3r<")))
    assert current(virsh) == "s3r" and names(virsh) == ["s1", "s2", "s2c", "s3r"]
    assert fields(ok(virsh("snapshot-info", "vm", "s3r")))["Parent"] == "s2"
    ok(edit("s2", "--rename", sub=("<name>s2<", "<name>s2r<")))   # the old s2's child is reparented
    assert fields(ok(virsh("snapshot-info", "vm", "s3r")))["Parent"] == "s1"
    ok(edit("s1", "--current"))
    assert current(virsh) == "s1" and host.source() == VDA

# ---- revert ------------------------------------------------------------------------------------

def test_revert_internal_states_and_flags(virsh, host) -> None:
    host.define()
    host.write(b"OFF1")
    ok(virsh("snapshot-create-as", "vm", "off1"))
    host.write(b"XXXX")
    ok(virsh("snapshot-revert", "vm", "off1", "--paused"))
    assert state(virsh).startswith("paused (") and host.read(4) == b"OFF1"
    ok(virsh("snapshot-revert", "vm", "off1", "--running"))
    assert state(virsh).startswith("running (") and host.read(4) == b"OFF1"
    host.write(b"RUN1")
    ok(virsh("snapshot-create-as", "vm", "r1"))
    host.write(b"YYYY")
    assert ok(virsh("snapshot-revert", "vm", "r1")) == "Domain snapshot r1 reverted\n\n"
    assert state(virsh) == "running (from snapshot)" and host.read(4) == b"RUN1"
    ok(virsh("snapshot-revert", "vm", "r1", "--paused"))
    assert state(virsh) == "paused (from snapshot)" and host.read(4) == b"RUN1"
    assert err(virsh("snapshot-revert", "vm", "r1", "--running", "--paused")) == (
        "error: Failed to revert snapshot r1\nerror: Flags 'VIR_DOMAIN_SNAPSHOT_REVERT_RUNNING' and "
        "'VIR_DOMAIN_SNAPSHOT_REVERT_PAUSED' are mutually exclusive")
    ok(virsh("resume", "vm"))
    host.write(b"PAU1")
    ok(virsh("suspend", "vm"))
    ok(virsh("snapshot-create-as", "vm", "p1"))
    assert state(virsh) == "paused (user)"
    assert fields(ok(virsh("snapshot-info", "vm", "p1")))["State"] == "paused"
    ok(virsh("snapshot-revert", "vm", "off1"))
    assert state(virsh) == "shut off (from snapshot)" and host.read(4) == b"OFF1"
    ok(virsh("snapshot-revert", "vm", "p1"))
    assert state(virsh) == "paused (from snapshot)" and host.read(4) == b"PAU1"
    ok(virsh("snapshot-revert", "vm", "p1", "--running"))
    assert state(virsh) == "running (from snapshot)"
    assert ok(virsh("snapshot-list", "vm", "--tree")) == "off1\n  |\n  +- r1\n      |\n      +- p1\n        \n\n"
    assert names(virsh, "--active") == ["p1", "r1"] and names(virsh, "--inactive") == ["off1"]
    assert current(virsh) == "p1"


def test_revert_external_snapshots(virsh, host) -> None:
    """9.7+: a fresh overlay vm.<epoch> on the snapshot's image; the head the domain leaves is removed."""
    host.define()
    host.write(b"AAAA")
    ok(virsh("snapshot-create-as", "vm", "s1", "--disk-only"))       # shutoff, vm.qcow2 <- vm.s1
    host.write(b"BBBB")
    ok(virsh("start", "vm"))
    ok(virsh("snapshot-create-as", "vm", "d2", "--disk-only"))       # disk-snapshot, vm.s1 <- vm.d2
    host.write(b"CCCC")
    mem = f"{IMG}/m3.mem"
    ok(virsh("snapshot-create-as", "vm", "m3", "--memspec", f"file={mem}"))  # running, vm.d2 <- vm.m3
    assert host.source() == f"{IMG}/vm.m3"
    host.write(b"DDDD")

    before = int(time.time())
    assert ok(virsh("snapshot-revert", "vm", "s1")) == "Domain snapshot s1 reverted\n\n"
    assert state(virsh) == "shut off (from snapshot)"
    top = host.source()
    m = re.fullmatch(rf"{IMG}/vm\.(\d+)", top)
    assert m and before <= int(m.group(1)) <= time.time() + 1
    assert host.chain() == [top, VDA] and host.read(4) == b"AAAA"
    assert not host.exists(f"{IMG}/vm.m3")                             # the head overlay
    assert host.exists(f"{IMG}/vm.s1") and host.exists(f"{IMG}/vm.d2") and host.saved(mem)
    assert host.read_image(f"{IMG}/vm.d2", 4) == b"CCCC"
    assert current(virsh) == "s1"
    assert f"<source file='{top}'/>" in ok(virsh("dumpxml", "--inactive", "vm"))
    xml = ok(virsh("snapshot-dumpxml", "vm", "s1"))  # s1 has children: its <disks> stay, <revertDisks> added
    assert f"<source file='{IMG}/vm.s1'/>" in xml and "<revertDisks>\n    <disk name='vda'" in xml
    assert f"<source file='{top}'/>" in xml.split("<revertDisks>")[1]

    host.write(b"EEEE")
    ok(virsh("snapshot-revert", "vm", "m3"))
    assert state(virsh) == "running (from snapshot)"
    top2 = host.source()
    assert re.fullmatch(rf"{IMG}/vm\.\d+", top2) and top2 != top
    assert host.chain() == [top2, f"{IMG}/vm.d2", f"{IMG}/vm.s1", VDA]
    assert host.read(4) == b"CCCC" and not host.exists(top)
    live = ok(virsh("dumpxml", "vm"))
    assert re.search(rf"<source file='{top2}' index='\d+'/>\n\s+<backingStore type='file' index='\d+'>\n"
                     rf"\s+<format type='qcow2'/>\n\s+<source file='{IMG}/vm.d2'/>", live)
    host.write(b"FFFF")

    ok(virsh("snapshot-revert", "vm", "d2"))    # disk-only of a running domain: inactive (10.10+)
    assert state(virsh) == "shut off (from snapshot)"
    top3 = host.source()
    assert host.chain() == [top3, f"{IMG}/vm.s1", VDA] and host.read(4) == b"BBBB"
    assert not host.exists(top2)
    ok(virsh("snapshot-revert", "vm", "d2", "--running"))
    assert state(virsh).startswith("running (") and host.read(4) == b"BBBB"
    assert host.read_image(f"{IMG}/vm.s1", 4) == b"BBBB" and host.read_image(VDA, 4) == b"AAAA"
    assert names(virsh, "--external") == ["d2", "m3", "s1"]


def test_revert_of_a_transient_domain_to_an_inactive_snapshot(virsh, host) -> None:
    host.define(transient=True)
    host.write(b"AAAA")
    assert err(virsh("snapshot-create-as", "vm", "h", "--halt")) == (
        "error: Requested operation is not valid: cannot halt after transient domain snapshot")
    ok(virsh("snapshot-create-as", "vm", "t0"))
    host.write(b"BBBB")
    ok(virsh("snapshot-create-as", "vm", "t1", "--disk-only"))
    host.write(b"CCCC")
    assert err(virsh("snapshot-revert", "vm", "t1")) == (
        "error: Failed to revert snapshot t1\nerror: Requested operation is not valid: transient domain needs "
        "to request run or pause to revert to inactive snapshot")
    assert state(virsh) == "running (unpaused)" and host.read(4) == b"CCCC"
    ok(virsh("snapshot-revert", "vm", "t1", "--paused"))
    assert state(virsh).startswith("paused (") and host.read(4) == b"BBBB"
    ok(virsh("snapshot-revert", "vm", "t0"))
    assert state(virsh) == "running (from snapshot)" and host.read(4) == b"AAAA"


# ---- delete ------------------------------------------------------------------------------------

def test_delete_internal_snapshots(virsh, host) -> None:
    host.define()
    host.write(b"AAAA")
    ok(virsh("snapshot-create-as", "vm", "s1"))
    host.write(b"BBBB")
    ok(virsh("snapshot-create-as", "vm", "s2"))
    host.write(b"CCCC")
    assert ok(virsh("snapshot-delete", "vm", "s1")) == "Domain snapshot s1 deleted\n\n"
    assert fakevirt_snapshots(host) == ["s2"] and host.read(4) == b"CCCC"
    assert fields(ok(virsh("snapshot-info", "vm", "s2")))["Parent"] == "-"
    ok(virsh("snapshot-revert", "vm", "s2"))
    assert host.read(4) == b"BBBB"
    assert err(virsh("snapshot-delete", "vm", "s2", "--children", "--children-only")) == (
        "error: Failed to delete snapshot s2\nerror: Flags 'VIR_DOMAIN_SNAPSHOT_DELETE_CHILDREN' and "
        "'VIR_DOMAIN_SNAPSHOT_DELETE_CHILDREN_ONLY' are mutually exclusive")
    assert err(virsh("snapshot-delete", "vm", "nosuch")) == (
        "error: Domain snapshot not found: no domain snapshot with matching name 'nosuch'")
    ok(virsh("snapshot-delete", "vm", "s2", "--metadata"))
    assert names(virsh) == [] and fakevirt_snapshots(host) == ["s2"]  # --metadata leaves the image alone


def test_delete_external_snapshots_merges(virsh, host) -> None:
    host.define()
    host.write(b"AAAA")
    ok(virsh("snapshot-create-as", "vm", "s1", "--disk-only"))
    host.write(b"BBBB", 4)
    ok(virsh("snapshot-create-as", "vm", "s2", "--disk-only"))
    host.write(b"CCCC", 8)
    ok(virsh("snapshot-create-as", "vm", "s3", "--disk-only"))
    host.write(b"DDDD", 12)
    assert err(virsh("snapshot-delete", "vm", "s1", "--children")) == (
        "error: Failed to delete snapshot s1\n"
        "error: unsupported configuration: deletion of external children disk snapshots not supported")
    assert err(virsh("snapshot-delete", "vm", "s1", "--children-only")) == (
        "error: Failed to delete snapshot s1\n"
        "error: unsupported configuration: deletion of external children disk snapshots not supported")
    assert err(virsh("snapshot-delete", "vm", "s3", "--children")) == (
        "error: Failed to delete snapshot s3\n"
        "error: unsupported configuration: deletion of external disk snapshots with children not supported")

    # the current leaf: its overlay is merged into the one below, which the domain uses again
    assert ok(virsh("snapshot-delete", "vm", "s3")) == "Domain snapshot s3 deleted\n\n"
    assert host.source() == f"{IMG}/vm.s2" and not host.exists(f"{IMG}/vm.s3")
    assert host.chain() == [f"{IMG}/vm.s2", f"{IMG}/vm.s1", VDA]
    assert host.read(16) == b"AAAABBBBCCCCDDDD"
    assert current(virsh) == "s2"
    assert f"<source file='{IMG}/vm.s2'/>" in ok(virsh("dumpxml", "--inactive", "vm"))

    # a non-current snapshot in the active chain with one child: merged, the child rebased
    ok(virsh("snapshot-delete", "vm", "s1"))
    assert not host.exists(f"{IMG}/vm.s1") and host.chain() == [f"{IMG}/vm.s2", VDA]
    assert host.read(16) == b"AAAABBBBCCCCDDDD" and host.read_image(VDA, 8) == b"AAAABBBB"
    assert fields(ok(virsh("snapshot-info", "vm", "s2")))["Parent"] == "-"
    ok(virsh("snapshot-delete", "vm", "s2"))
    assert host.source() == VDA and host.read(16) == b"AAAABBBBCCCCDDDD" and not host.exists(f"{IMG}/vm.s2")
    assert names(virsh) == []
    assert state(virsh) == "shut off (shutdown)"  # the daemon ran QEMU (paused) for the block commit
    assert err(virsh("snapshot-current", "vm", "--name")) == "error: domain 'vm' has no current snapshot"


def test_delete_external_refusals_after_revert(virsh, host) -> None:
    host.define()
    host.write(b"AAAA")
    ok(virsh("snapshot-create-as", "vm", "s1", "--disk-only"))
    host.write(b"BBBB")
    ok(virsh("snapshot-create-as", "vm", "s2", "--disk-only"))
    host.write(b"CCCC")
    ok(virsh("snapshot-create-as", "vm", "s3", "--disk-only"))
    ok(virsh("snapshot-revert", "vm", "s1"))
    assert host.read(4) == b"AAAA" and not host.exists(f"{IMG}/vm.s3")
    assert err(virsh("snapshot-delete", "vm", "s1")) == (
        "error: Failed to delete snapshot s1\nerror: unsupported configuration: deletion of active external "
        "snapshot that is not a leaf snapshot is not supported")
    assert err(virsh("snapshot-delete", "vm", "s2")) == (
        "error: Failed to delete snapshot s2\nerror: unsupported configuration: deletion of non-leaf external "
        "snapshot that is not in active chain is not supported")
    # a leaf that is not current: its state image (vm.s2, s3's base) is unlinked, nothing merged
    ok(virsh("snapshot-delete", "vm", "s3"))
    assert not host.exists(f"{IMG}/vm.s2") and host.read(4) == b"AAAA"
    assert ok(virsh("snapshot-list", "vm", "--tree")) == "s1\n  |\n  +- s2\n    \n\n"
    top = host.source()
    ok(virsh("snapshot-create-as", "vm", "s4", "--disk-only"))
    assert host.chain() == [f"{IMG}/vm.s4", top, VDA]
    assert names(virsh, "--from", "s1") == ["s2", "s4"]
    assert err(virsh("snapshot-delete", "vm", "s1")) == (
        "error: Failed to delete snapshot s1\nerror: unsupported configuration: deletion of external disk "
        "snapshot with multiple children snapshots not supported")
    # --metadata: only the metadata goes, every file stays
    assert ok(virsh("snapshot-delete", "vm", "s1", "--metadata")) == "Domain snapshot s1 deleted\n\n"
    assert names(virsh, "--roots") == ["s2", "s4"] and current(virsh) == "s4"
    assert host.exists(f"{IMG}/vm.s1") and host.exists(top) and host.chain() == [f"{IMG}/vm.s4", top, VDA]
    assert host.read(4) == b"AAAA"


def test_delete_external_snapshots_of_a_running_domain(virsh, host) -> None:
    host.define()
    ok(virsh("start", "vm"))
    host.write(b"AAAA")
    ok(virsh("snapshot-create-as", "vm", "d1", "--disk-only"))
    host.write(b"BBBB", 4)
    ok(virsh("snapshot-create-as", "vm", "m2", "--memspec", f"file={IMG}/m2.mem"))
    host.write(b"CCCC", 8)
    assert ok(virsh("snapshot-delete", "vm", "m2")) == "Domain snapshot m2 deleted\n\n"
    assert state(virsh) == "running (unpaused)" and current(virsh) == "d1"
    assert host.source() == f"{IMG}/vm.d1" and host.chain() == [f"{IMG}/vm.d1", VDA]
    assert host.read(12) == b"AAAABBBBCCCC" and not host.exists(f"{IMG}/vm.m2")
    live = ok(virsh("dumpxml", "vm"))
    assert re.findall(r"<source file='([^']+)'", live) == [f"{IMG}/vm.d1", VDA]
    ok(virsh("snapshot-delete", "vm", "d1"))
    assert host.source() == VDA and host.read(12) == b"AAAABBBBCCCC" and not host.exists(f"{IMG}/vm.d1")
    assert "<backingStore/>" in ok(virsh("dumpxml", "vm")) and names(virsh) == []
    ok(virsh("destroy", "vm"))
    assert host.read(12) == b"AAAABBBBCCCC"

def test_undefine_with_snapshots(virsh, host) -> None:
    host.define()
    ok(virsh("snapshot-create-as", "vm", "s1"))
    ok(virsh("snapshot-create-as", "vm", "s2", "--disk-only"))
    assert err(virsh("undefine", "vm")) == (
        "error: Failed to undefine domain 'vm'\nerror: Requested operation is not valid: cannot delete inactive "
        "domain with 2 snapshots")
    assert ok(virsh("undefine", "vm", "--snapshots-metadata")) == "Domain 'vm' has been undefined\n\n"
    assert err(virsh("snapshot-list", "vm")) == "error: failed to get domain 'vm'"
    assert host.exists(f"{IMG}/vm.s2")
    xml = _DOMAIN.format(disks=_DISK.format(path=VDA, dev="vda"))
    ok(virsh("define", host.file("vm2.xml", xml)))
    assert names(virsh) == []
    # a running domain can be undefined with snapshots: it turns transient, and goes away when stopped
    ok(virsh("start", "vm"))
    ok(virsh("snapshot-create-as", "vm", "r1"))
    assert ok(virsh("undefine", "vm")) == "Domain 'vm' has been undefined\n\n"
    assert names(virsh) == ["r1"] and ok(virsh("dominfo", "vm")).count("Persistent:     no") == 1
    ok(virsh("destroy", "vm"))
    assert ok(virsh("list", "--all", "--name")).strip() == ""


# ---- branching (fakevirt's extension) ----------------------------------------------------------

def branch_xml(host: Host, name: str, point: str, attrs: str = "", body: str = "") -> str:
    return host.file(f"{name}.xml", f"<domainsnapshot><name>{name}</name><branch{attrs}>{point}</branch>"
                                    f"{body}</domainsnapshot>")


def test_branch_seed_scenario(virsh, host) -> None:
    host.define()
    host.write(b"AAAA", 0)
    ok(virsh("snapshot-create-as", "vm", "s1", "--disk-only"))   # vm.qcow2 <- vm.s1
    host.write(b"BBBB", 4)
    ok(virsh("snapshot-create-as", "vm", "s2", "--disk-only"))   # vm.s1 <- vm.s2
    host.write(b"CCCC", 8)
    s1_img, s2_img = f"{IMG}/vm.s1", f"{IMG}/vm.s2"
    zero = b"\0" * 4

    n1 = branch_xml(host, "n1", "s1", " current='yes'")
    assert ok(virsh("snapshot-create", "vm", n1)) == f"Domain snapshot n1 created from '{n1}'\n"
    assert host.source() == f"{IMG}/vm.n1" and host.chain() == [f"{IMG}/vm.n1", VDA]
    assert host.read(12) == b"AAAA" + zero + zero                   # s1's point in time, not B or C
    assert host.read_image(s1_img, 12) == b"AAAABBBB" + zero and host.read_image(s2_img, 12) == b"AAAABBBBCCCC"
    assert host.chain(s2_img) == [s2_img, s1_img, VDA]
    assert ok(virsh("snapshot-list", "vm", "--tree")) == "s1\n  |\n  +- n1\n  +- s2\n    \n\n"
    assert current(virsh) == "n1" and state(virsh) == "shut off (unknown)"
    assert fields(ok(virsh("snapshot-info", "vm", "n1"))) == {
        "Name": "n1", "Domain": "vm", "Current": "yes", "State": "shutoff", "Location": "external",
        "Parent": "s1", "Children": "0", "Descendants": "0", "Metadata": "yes"}
    assert fields(ok(virsh("snapshot-info", "vm", "s1")))["Children"] == "2"
    xml = ok(virsh("snapshot-dumpxml", "vm", "n1"))
    assert "branch" not in xml and "<parent>\n    <name>s1</name>\n  </parent>" in xml
    assert f"<source file='{IMG}/vm.n1'/>" in xml.split("<domain ")[0] and f"<source file='{VDA}'/>" in xml
    assert f"<source file='{IMG}/vm.n1'/>" in ok(virsh("dumpxml", "--inactive", "vm"))
    host.write(b"NNNN", 12)

    b2 = branch_xml(host, "b2", "s2", " current='yes'")
    ok(virsh("snapshot-create", "vm", b2))
    assert host.source() == f"{IMG}/vm.b2" and host.chain() == [f"{IMG}/vm.b2", s1_img, VDA]
    assert host.read(16) == b"AAAABBBB" + zero + zero               # s2's point in time
    assert host.read_image(f"{IMG}/vm.n1", 16) == b"AAAA" + zero + zero + b"NNNN"  # n1's head is kept
    assert host.read_image(s2_img, 12) == b"AAAABBBBCCCC"
    assert ok(virsh("snapshot-list", "vm", "--tree")) == (
        "s1\n  |\n  +- n1\n  +- s2\n      |\n      +- b2\n        \n\n")
    assert current(virsh) == "b2" and names(virsh, "--external") == ["b2", "n1", "s1", "s2"]
    assert names(virsh, "--leaves") == ["b2", "n1"]
    host.write(b"bbbb", 8)

    # current='no': a new head on the point, the domain and the current snapshot stay where they are
    ok(virsh("snapshot-create", "vm", branch_xml(host, "n3", "s1", " current='no'")))
    assert host.source() == f"{IMG}/vm.b2" and current(virsh) == "b2"
    assert host.chain(f"{IMG}/vm.n3") == [f"{IMG}/vm.n3", VDA]
    ok(virsh("snapshot-create", "vm", branch_xml(host, "n4", "s1")))
    assert current(virsh) == "b2" and fields(ok(virsh("snapshot-info", "vm", "n4")))["Current"] == "no"
    assert names(virsh, "--from", "s1") == ["n1", "n3", "n4", "s2"]

    # deleting branches never removes a file another one needs
    ok(virsh("snapshot-delete", "vm", "n1"))
    assert not host.exists(f"{IMG}/vm.n1") and host.exists(VDA) and host.exists(f"{IMG}/vm.n3")
    ok(virsh("snapshot-delete", "vm", "n3"))
    assert not host.exists(f"{IMG}/vm.n3") and host.exists(VDA)
    assert host.read(16) == b"AAAABBBBbbbb" + zero
    assert host.exists(s1_img) and host.exists(f"{IMG}/vm.n4")
    assert ok(virsh("snapshot-list", "vm", "--tree")) == (
        "s1\n  |\n  +- n4\n  +- s2\n      |\n      +- b2\n        \n\n")


def test_branch_errors_and_capabilities(virsh, host) -> None:
    caps = ok(virsh("capabilities"))
    features = re.search(r"<guest>.*?<features>(.*?)</features>", caps, re.S).group(1)
    assert "<externalSnapshot/>" in features and "<snapshotBranch/>" in features
    host.define()
    ok(virsh("snapshot-create-as", "vm", "i1"))
    host.write(b"AAAA")
    ok(virsh("snapshot-create-as", "vm", "s1", "--disk-only"))
    assert err(virsh("snapshot-create", "vm", branch_xml(host, "b", "i1", " current='yes'"))) == (
        "error: unsupported configuration: branching is only supported from external snapshots")
    assert err(virsh("snapshot-create", "vm", branch_xml(host, "b", "x"))) == (
        "error: Domain snapshot not found: no domain snapshot with matching name 'x'")
    assert err(virsh("snapshot-create", "vm", branch_xml(host, "s1", "s1"))) == (
        "error: operation failed: domain moment s1 already exists")
    assert err(virsh("snapshot-create", "vm", branch_xml(host, "b", "s1", " current='maybe'"))) == (
        "error: XML error: invalid value 'maybe' for attribute 'current' of element <branch>: expected 'yes' or 'no'")
    assert err(virsh("snapshot-create", "vm", branch_xml(host, "b", "s1", body="<memory snapshot='internal'/>"))) == (
        "error: XML error: memory state cannot be saved with offline or disk-only snapshot")
    host.fv.call(lambda: host.hv.images.create(f"{IMG}/other.qcow2", "qcow2", 64 << 20))
    disks = f"<disks><disk name='vda'><source file='{IMG}/other.qcow2'/></disk></disks>"
    assert err(virsh("snapshot-create", "vm", branch_xml(host, "b", "s1", body=disks))) == (
        "error: unsupported configuration: external snapshot file for disk vda already exists and is not a "
        f"block device: {IMG}/other.qcow2")
    assert err(virsh("snapshot-create", "vm", branch_xml(host, "b", "s1", body=disks), "--reuse-external")) == (
        f"error: unsupported configuration: reused file '{IMG}/other.qcow2' is not backed by '{VDA}'")
    assert err(virsh("snapshot-create", "vm", branch_xml(host, "b", "s1"), "--reuse-external")) == (
        f"error: missing existing file for disk vda: {IMG}/vm.b: No such file or directory")
    assert names(virsh) == ["i1", "s1"] and host.source() == f"{IMG}/vm.s1"

    pre = f"{IMG}/pre.b"
    host.fv.call(lambda: host.hv.images.create(pre, "qcow2", 64 << 20, backing=VDA, backing_fmt="qcow2"))
    body = f"<disks><disk name='vda'><source file='{pre}'/></disk></disks>"
    ok(virsh("snapshot-create", "vm", branch_xml(host, "b", "s1", " current='yes'", body), "--reuse-external"))
    assert host.source() == pre and host.read(4) == b"AAAA"
    ok(virsh("snapshot-create", "vm", branch_xml(host, "v", "s1"), "--validate"))
    assert "branch" not in ok(virsh("snapshot-dumpxml", "vm", "v"))
    assert names(virsh, "--from", "s1") == ["b", "v"]


def test_branch_from_a_snapshot_with_memory(virsh, host) -> None:
    host.define()
    ok(virsh("start", "vm"))
    host.write(b"AAAA")
    mem = f"{IMG}/m1.mem"
    ok(virsh("snapshot-create-as", "vm", "m1", "--memspec", f"file={mem}"))   # vm.qcow2 <- vm.m1
    host.write(b"BBBB")
    ok(virsh("snapshot-create-as", "vm", "d2", "--disk-only"))                # vm.m1 <- vm.d2
    host.write(b"CCCC")

    ok(virsh("snapshot-create", "vm", branch_xml(host, "x1", "m1", " current='yes'")))
    assert state(virsh) == "running (from snapshot)"
    assert host.chain() == [f"{IMG}/vm.x1", VDA] and host.read(4) == b"AAAA"
    xml = ok(virsh("snapshot-dumpxml", "vm", "x1"))
    assert f"<memory snapshot='external' file='{mem}'/>" in xml and "<state>running</state>" in xml
    assert host.read_image(f"{IMG}/vm.d2", 4) == b"CCCC"                      # the head left is kept

    ok(virsh("snapshot-create", "vm", branch_xml(host, "x2", "m1", " current='yes' state='paused'")))
    assert state(virsh) == "paused (from snapshot)" and host.read(4) == b"AAAA"
    ok(virsh("snapshot-create", "vm", branch_xml(host, "x3", "m1", " current='yes' state='inactive'")))
    assert state(virsh) == "shut off (from snapshot)" and host.chain() == [f"{IMG}/vm.x3", VDA]
    ok(virsh("snapshot-create", "vm", branch_xml(host, "x4", "d2", " current='yes'")))
    assert state(virsh) == "shut off (from snapshot)"                          # d2 is disk-only
    assert host.chain() == [f"{IMG}/vm.x4", f"{IMG}/vm.m1", VDA] and host.read(4) == b"BBBB"
    ok(virsh("snapshot-create", "vm", branch_xml(host, "x5", "d2", " current='yes' state='running'")))
    assert state(virsh).startswith("running (") and host.read(4) == b"BBBB"

    ok(virsh("snapshot-create", "vm", branch_xml(host, "x6", "m1", body="<memory snapshot='no'/>")))
    info = fields(ok(virsh("snapshot-info", "vm", "x6")))
    assert (info["State"], info["Parent"], info["Current"]) == ("disk-snapshot", "m1", "no")
    copy = f"{IMG}/x7.mem"
    ok(virsh("snapshot-create", "vm", branch_xml(host, "x7", "m1", body=f"<memory snapshot='external' file='{copy}'/>")))
    assert f"<memory snapshot='external' file='{copy}'/>" in ok(virsh("snapshot-dumpxml", "vm", "x7"))
    assert host.saved(copy) and host.saved(mem)
    assert current(virsh) == "x5" and state(virsh).startswith("running (")
    assert names(virsh, "--from", "m1") == ["d2", "x1", "x2", "x3", "x6", "x7"]
    assert names(virsh, "--active") == ["m1", "x1", "x2", "x3", "x7"]

    ok(virsh("snapshot-delete", "vm", "x1"))     # shares m1's memory file: it stays
    assert host.saved(mem) and not host.exists(f"{IMG}/vm.x1") and host.exists(VDA)
    ok(virsh("snapshot-revert", "vm", "x2"))    # x2 records m1's state; state= only chose where it went
    assert state(virsh) == "running (from snapshot)" and host.read(4) == b"AAAA"


def test_events_and_state_reasons(virsh_bin, fakevirt_uri, virsh, host) -> None:
    """The lifecycle events of snapshot operations, as libvirtd 9.0 sends them (snapshot_reference.md §4)."""
    host.define()
    ev = VirshEvents(virsh_bin, fakevirt_uri, virsh, "vm")
    try:
        ok(virsh("start", "vm"))
        assert ev.sync() == ["'lifecycle': Resumed Unpaused", "'lifecycle': Started Booted"]
        migration = ["'migration-iteration': iteration: '1'", "'migration-iteration': iteration: '2'"]
        ok(virsh("snapshot-create-as", "vm", "r1"))
        assert ev.sync() == ["'lifecycle': Suspended Paused", *migration, "'lifecycle': Resumed Unpaused"]
        assert state(virsh) == "running (unpaused)"
        steps = (
            (("r1",), ["Stopped Snapshot", "Started Snapshot", "Resumed Snapshot", "Defined Snapshot"],
             "running (from snapshot)"),
            (("r1", "--paused"), ["Stopped Snapshot", "Started Snapshot", "Suspended Snapshot", "Defined Snapshot"],
             "paused (from snapshot)"),
            (("r1", "--running"), ["Stopped Snapshot", "Started Snapshot", "Resumed Snapshot", "Defined Snapshot"],
             "running (from snapshot)"))
        for args, events, reason in steps:
            ok(virsh("snapshot-revert", "vm", *args))
            assert ev.sync() == [f"'lifecycle': {e}" for e in events], args
            assert state(virsh) == reason, args
        ok(virsh("destroy", "vm"))
        ok(virsh("snapshot-create-as", "vm", "off"))
        assert ev.sync() == ["'lifecycle': Shutdown Finished after host request", "'lifecycle': Stopped Destroyed"]
        steps = (
            (("r1",), ["Started Snapshot", "Resumed Snapshot", "Defined Snapshot"], "running (from snapshot)"),
            (("off",), ["Stopped Snapshot", "Defined Snapshot"], "shut off (from snapshot)"),
            (("off",), ["Defined Snapshot"], "shut off (from snapshot)"),
            (("off", "--paused"), ["Started Snapshot", "Suspended Snapshot", "Defined Snapshot"], "paused (user)"),
            (("off", "--running"), ["Stopped Snapshot", "Resumed Unpaused", "Started Snapshot", "Defined Snapshot"],
             "running (booted)"))
        for args, events, reason in steps:
            ok(virsh("snapshot-revert", "vm", *args))
            assert ev.sync() == [f"'lifecycle': {e}" for e in events], args
            assert state(virsh) == reason, args

        ok(virsh("suspend", "vm"))
        assert ev.sync() == ["'lifecycle': Suspended Paused"]
        ok(virsh("snapshot-create-as", "vm", "p1"))
        assert ev.sync() == migration and state(virsh) == "paused (user)"
        ok(virsh("resume", "vm"))
        ev.sync()
        ok(virsh("snapshot-create-as", "vm", "d1", "--disk-only"))
        assert ev.sync() == [] and state(virsh) == "running (unpaused)"
        ok(virsh("snapshot-create-as", "vm", "m2", "--memspec", f"file={IMG}/m2.mem"))
        got = [e for e in ev.sync() if "'job-completed'" not in e and not e.startswith("\t")]
        assert got == ["'lifecycle': Suspended Paused", *migration, "'lifecycle': Resumed Unpaused"]
        ok(virsh("snapshot-delete", "vm", "m2"))    # the current leaf: active commit of vm.m2 into vm.d1
        assert ev.sync() == [f"'block-job': Active Block Commit for {IMG}/vm.m2 ready",
                             "'block-job-2': Active Block Commit for vda ready",
                             f"'block-job': Active Block Commit for {IMG}/vm.d1 completed",
                             "'block-job-2': Active Block Commit for vda completed"]
        assert state(virsh) == "running (unpaused)"
        ok(virsh("snapshot-create-as", "vm", "h1", "--halt"))
        assert ev.sync() == ["'lifecycle': Suspended Paused", *migration, "'lifecycle': Stopped Snapshot"]
        assert state(virsh) == "shut off (from snapshot)"
        assert fields(ok(virsh("snapshot-info", "vm", "h1")))["State"] == "running"
    finally:
        ev.close()
