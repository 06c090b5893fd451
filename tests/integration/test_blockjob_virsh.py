"""virsh blockcommit, blockpull, blockjob --info/--abort/--pivot/--bandwidth against fakevirt.

Outputs and texts as recorded from a real libvirtd 9.0 (QEMU/TCG) doing the same; the `real` twin in
test_blockjob_python.py replays a scenario there.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from fakevirt.model.blockjobs import BlockJob
from fakevirt.testing import ThreadedServer
from tests.integration.conftest import err, ok

IMG = "/var/lib/libvirt/images"
MIB = 1 << 20
DOMAIN = f"""<domain type='kvm'>
  <name>vm</name>
  <memory unit='MiB'>64</memory>
  <vcpu>1</vcpu>
  <os><type arch='x86_64'>hvm</type></os>
  <devices>
    <disk type='file' device='disk'>
      <driver name='qemu' type='qcow2'/>
      <source file='{IMG}/top.qcow2'/>
      <target dev='vda' bus='virtio'/>
    </disk>
    <disk type='file' device='disk'>
      <driver name='qemu' type='qcow2'/>
      <source file='{IMG}/other.qcow2'/>
      <target dev='vdb' bus='virtio'/>
    </disk>
  </devices>
</domain>
"""
CHAIN = f"""      <source file='{IMG}/top.qcow2' index='2'/>
      <backingStore type='file' index='3'>
        <format type='qcow2'/>
        <source file='{IMG}/mid.qcow2'/>
        <backingStore type='file' index='4'>
          <format type='qcow2'/>
          <source file='{IMG}/base.qcow2'/>
          <backingStore/>
        </backingStore>
      </backingStore>
"""
VirshFn = Callable[..., object]


def disk_xml(virsh: VirshFn, *args: str) -> str:
    x = ok(virsh("dumpxml", "vm", *args))  # type: ignore[arg-type]
    return x[x.index("    <disk"):x.index("</disk>") + 7]


class Host:
    def __init__(self, fakevirt: ThreadedServer, virsh: VirshFn, tmp: Path) -> None:
        self.fv, self.hv, self.virsh, self.tmp = fakevirt, fakevirt.hypervisor, virsh, tmp

    def images(self) -> None:
        imgs = self.hv.images
        imgs.create(f"{IMG}/base.qcow2", "qcow2", 64 * MIB)
        imgs.write(f"{IMG}/base.qcow2", 0, b"\x11" * MIB)
        imgs.create(f"{IMG}/mid.qcow2", "qcow2", None, f"{IMG}/base.qcow2", "qcow2")
        imgs.write(f"{IMG}/mid.qcow2", MIB, b"\x22" * MIB)
        imgs.create(f"{IMG}/top.qcow2", "qcow2", None, f"{IMG}/mid.qcow2", "qcow2")
        imgs.write(f"{IMG}/top.qcow2", 2 * MIB, b"\x33" * MIB)
        imgs.create(f"{IMG}/other.qcow2", "qcow2", 16 * MIB)

    def start(self) -> bytes:
        self.fv.call(self.images)
        f = self.tmp / "vm.xml"
        f.write_text(DOMAIN)
        ok(self.virsh("define", str(f)))  # type: ignore[arg-type]
        ok(self.virsh("start", "vm"))  # type: ignore[arg-type]
        return self.guest_read(0, 4 * MIB)

    def job(self) -> BlockJob:
        def find() -> BlockJob:
            drv = self.hv.system
            job = self.hv.blockjobs.find(drv, drv.domains.find_name("vm"), "vda")
            assert job is not None
            return job
        return self.fv.call(find)

    def guest_read(self, offset: int, length: int) -> bytes:
        drv = self.hv.system
        return self.fv.call(lambda: drv.domains.guest_read(drv.domains.find_name("vm"), "vda", offset, length))


@pytest.fixture
def host(fakevirt: ThreadedServer, virsh: VirshFn, tmp_path: Path) -> Host:
    return Host(fakevirt, virsh, tmp_path)


def test_commit_below_the_active_layer(host: Host, virsh: VirshFn) -> None:
    before = host.start()
    assert CHAIN in disk_xml(virsh)
    r = virsh("blockcommit", "vm", "vda", "--top", f"{IMG}/mid.qcow2", "--wait", "--verbose")
    assert ok(r) == "\nCommit complete\n"  # type: ignore[arg-type]
    assert r.stderr.endswith("Block commit: [100 %]")  # type: ignore[attr-defined]
    assert f"""      <source file='{IMG}/top.qcow2' index='2'/>
      <backingStore type='file' index='4'>
        <format type='qcow2'/>
        <source file='{IMG}/base.qcow2'/>
        <backingStore/>
      </backingStore>
      <target""" in disk_xml(virsh)
    assert host.guest_read(0, 4 * MIB) == before
    assert ok(virsh("blockjob", "vm", "vda")) == "No current block job for vda\n"  # type: ignore[arg-type]


def test_active_commit_held_then_pivot(host: Host, virsh: VirshFn) -> None:
    before = host.start()
    assert ok(virsh("blockcommit", "vm", "vda", "--active", "--bandwidth", "1")) == (  # type: ignore[arg-type]
        "Active Block Commit started\n")
    job = host.job()
    host.fv.call(host.hv.blockjobs.hold, job, 0.5)
    r = virsh("blockjob", "vm", "vda", "--info")
    assert ok(r) == "    Bandwidth limit: 1048576 bytes/s (1.000 MiB/s)\n\n"  # type: ignore[arg-type]
    assert r.stderr == "\nActive Block Commit: [ 50 %]"  # type: ignore[attr-defined]
    assert f"""      <mirror type='file' job='active-commit'>
        <format type='qcow2'/>
        <source file='{IMG}/base.qcow2' index='4'/>
      </mirror>
""" in disk_xml(virsh)
    assert err(virsh("blockjob", "vm", "vda", "--pivot")) == (  # type: ignore[arg-type]
        "error: block copy still active: block job 'active-commit-vda-libvirt-2-format' not ready for pivot yet")
    assert err(virsh("blockpull", "vm", "vda")) == (  # type: ignore[arg-type]
        "error: block copy still active: disk 'vda' already in active block job")
    ok(virsh("blockjob", "vm", "vda", "--bandwidth", "0"))  # type: ignore[arg-type]
    host.fv.call(host.hv.blockjobs.finish, job)
    assert "<mirror type='file' job='active-commit' ready='yes'>" in disk_xml(virsh)
    assert ok(virsh("blockjob", "vm", "vda", "--raw")) == (  # type: ignore[arg-type]
        " type=Active Block Commit\n bandwidth=0\n cur=2097152\n end=2097152\n\n")
    assert ok(virsh("blockjob", "vm", "vda", "--pivot")) == "\n"  # type: ignore[arg-type]
    assert f"""      <source file='{IMG}/base.qcow2' index='4'/>
      <backingStore/>
      <target""" in disk_xml(virsh)
    assert f"<source file='{IMG}/base.qcow2'/>" in disk_xml(virsh, "--inactive")
    assert ok(virsh("domblklist", "vm")).split()[-4:-2] == ["vda", f"{IMG}/base.qcow2"]  # type: ignore[arg-type]
    assert host.guest_read(0, 4 * MIB) == before


def test_active_commit_wait_pivot_delete(host: Host, virsh: VirshFn) -> None:
    before = host.start()
    r = virsh("blockcommit", "vm", "vda", "--active", "--wait", "--pivot", "--verbose", "--delete")
    assert ok(r) == "\nSuccessfully pivoted\n"  # type: ignore[arg-type]
    assert r.stderr.endswith("Block commit: [100 %]")  # type: ignore[attr-defined]
    assert host.guest_read(0, 4 * MIB) == before
    assert not host.fv.call(host.hv.images.exists, f"{IMG}/top.qcow2")
    assert not host.fv.call(host.hv.images.exists, f"{IMG}/mid.qcow2")


def test_active_commit_wait_then_abort(host: Host, virsh: VirshFn) -> None:
    host.start()
    assert ok(virsh("blockcommit", "vm", "vda", "--active", "--wait")) == (  # type: ignore[arg-type]
        "\nNow in synchronized phase\n")
    assert ok(virsh("blockjob", "vm", "vda", "--abort")) == "\n"  # type: ignore[arg-type]
    assert CHAIN in disk_xml(virsh)


def test_pull_and_rebase(host: Host, virsh: VirshFn) -> None:
    before = host.start()
    r = virsh("blockpull", "vm", "vda", "--base", f"{IMG}/base.qcow2", "--wait", "--verbose")
    assert ok(r) == "\nPull complete\n"  # type: ignore[arg-type]
    assert r.stderr.endswith("Block Pull: [100 %]")  # type: ignore[attr-defined]
    assert f"<source file='{IMG}/top.qcow2' index='2'/>\n      <backingStore type='file' index='4'>" in disk_xml(virsh)
    assert ok(virsh("blockpull", "vm", "vda", "--wait")) == "\nPull complete\n"  # type: ignore[arg-type]
    assert f"<source file='{IMG}/top.qcow2' index='2'/>\n      <backingStore/>" in disk_xml(virsh)
    assert host.guest_read(0, 4 * MIB) == before
    assert host.fv.call(lambda: host.hv.images.open(f"{IMG}/top.qcow2").backing) is None


@pytest.mark.parametrize(("args", "message"), [
    (["blockjob", "vm", "vda", "--abort"], "error: invalid argument: disk vda does not have an active block job"),
    (["blockjob", "vm", "vda", "--pivot"], "error: invalid argument: disk vda does not have an active block job"),
    (["blockjob", "vm", "vda", "--bandwidth", "5"],
     "error: invalid argument: disk vda does not have an active block job"),
    (["blockpull", "vm", "vdz"], "error: invalid argument: disk 'vdz' not found in domain"),
    (["blockcommit", "vm", "vda"], "error: invalid argument: commit of 'vda' active layer requires active flag"),
    (["blockcommit", "vm", "vdb", "--active"], "error: invalid argument: could not find base image in chain for 'vdb'"),
    (["blockcommit", "vm", "vda", "--top", f"{IMG}/nope.qcow2"],
     f"error: invalid argument: could not find image '{IMG}/nope.qcow2' in chain for 'vda'"),
    (["blockcommit", "vm", "vda", "--base", f"{IMG}/nope.qcow2", "--active"],
     f"error: invalid argument: could not find image '{IMG}/nope.qcow2' beneath '{IMG}/top.qcow2' in chain for 'vda'"),
    (["blockpull", "vm", "vda", "--bandwidth", "8796093022208"],
     "error: numerical overflow: bandwidth must be less than 8796093022207"),
])
def test_refusals(host: Host, virsh: VirshFn, args: list[str], message: str) -> None:
    host.start()
    assert err(virsh(*args)) == message  # type: ignore[arg-type]


def test_inactive_domain(host: Host, virsh: VirshFn) -> None:
    host.start()
    ok(virsh("destroy", "vm"))  # type: ignore[arg-type]
    for args in (["blockpull", "vm", "vda"], ["blockjob", "vm", "vda", "--info"], ["blockjob", "vm", "vda", "--abort"]):
        assert err(virsh(*args)) == "error: Requested operation is not valid: domain is not running"  # type: ignore[arg-type]
