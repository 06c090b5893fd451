"""virsh blockcopy and blockjob --pivot/--abort against fakevirt: libvirt 9.0's outputs, XML and texts.

The texts were recorded from a real libvirtd 9.0 (QEMU/TCG) doing the same; test_blockcopy_reference.py
replays the scenario there.
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
      <source file='{IMG}/vm.qcow2'/>
      <target dev='vda' bus='virtio'/>
    </disk>
  </devices>
</domain>
"""


def disk_xml(virsh: Callable[..., object], *args: str) -> str:
    x = ok(virsh("dumpxml", "vm", *args))  # type: ignore[arg-type]
    return x[x.index("    <disk"):x.index("</disk>") + 7]


class Host:
    def __init__(self, fakevirt: ThreadedServer, virsh: Callable[..., object], tmp: Path) -> None:
        self.fv, self.hv, self.virsh, self.tmp = fakevirt, fakevirt.hypervisor, virsh, tmp

    def images(self) -> None:
        imgs = self.hv.images
        imgs.create(f"{IMG}/base.qcow2", "qcow2", 64 * MIB)
        imgs.write(f"{IMG}/base.qcow2", 0, b"\x11" * (4 * MIB))
        imgs.create(f"{IMG}/vm.qcow2", "qcow2", None, f"{IMG}/base.qcow2", "qcow2")
        imgs.write(f"{IMG}/vm.qcow2", 4 * MIB, b"\x22" * (4 * MIB))

    def start(self, transient: bool = False) -> None:
        self.fv.call(self.images)
        f = self.tmp / "vm.xml"
        f.write_text(DOMAIN)
        if transient:
            ok(self.virsh("create", str(f)))  # type: ignore[arg-type]
        else:
            ok(self.virsh("define", str(f)))  # type: ignore[arg-type]
            ok(self.virsh("start", "vm"))  # type: ignore[arg-type]

    def job(self) -> BlockJob:
        def find() -> BlockJob:
            drv = self.hv.system
            job = self.hv.blockjobs.find(drv, drv.domains.find_name("vm"), "vda")
            assert job is not None
            return job
        return self.fv.call(find)

    def hold(self) -> BlockJob:
        job = self.job()
        self.fv.call(self.hv.blockjobs.hold, job, 0.25)
        return job

    def guest_read(self, offset: int, length: int) -> bytes:
        drv = self.hv.system
        return self.fv.call(lambda: drv.domains.guest_read(drv.domains.find_name("vm"), "vda", offset, length))


@pytest.fixture
def host(fakevirt: ThreadedServer, virsh: Callable[..., object], tmp_path: Path) -> Host:
    return Host(fakevirt, virsh, tmp_path)


MIRROR = f"""      <mirror type='file' file='{IMG}/copy.qcow2' format='qcow2' job='copy'{{ready}}>
        <format type='qcow2'/>
        <source file='{IMG}/copy.qcow2' index='3'/>
        <backingStore/>
      </mirror>
"""
CHAIN = f"""      <source file='{IMG}/vm.qcow2' index='1'/>
      <backingStore type='file' index='2'>
        <format type='qcow2'/>
        <source file='{IMG}/base.qcow2'/>
        <backingStore/>
      </backingStore>
"""


def test_copy_of_a_persistent_domain_then_pivot(host: Host, virsh: Callable[..., object]) -> None:
    host.start()
    v = virsh
    assert err(v("blockcopy", "vm", "vda", f"{IMG}/copy.qcow2")) == (  # type: ignore[arg-type]
        "error: Requested operation is not valid: domain is not transient")
    assert ok(v("blockcopy", "vm", "vda", f"{IMG}/copy.qcow2", "--transient-job", "--bandwidth", "1")) == (  # type: ignore[arg-type]
        "Block Copy started\n")
    job = host.hold()
    assert CHAIN + MIRROR.format(ready="") in disk_xml(v)
    assert "<mirror" not in disk_xml(v, "--inactive")
    raw = ok(v("blockjob", "vm", "vda", "--raw"))  # type: ignore[arg-type]
    assert raw.startswith(" type=Block Copy\n bandwidth=1\n cur=") and raw.endswith(" end=67108864\n\n")
    assert err(v("blockjob", "vm", "vda", "--pivot")) == (  # type: ignore[arg-type]
        "error: block copy still active: block job 'copy-vda-libvirt-1-format' not ready for pivot yet")
    assert err(v("blockcopy", "vm", "vda", f"{IMG}/copy2.qcow2", "--transient-job")) == (  # type: ignore[arg-type]
        "error: block copy still active: disk 'vda' already in active block job")
    host.fv.call(host.hv.blockjobs.finish, job)
    assert MIRROR.format(ready=" ready='yes'") in disk_xml(v)
    assert ok(v("blockjob", "vm", "vda", "--raw")) == (  # type: ignore[arg-type]
        " type=Block Copy\n bandwidth=1\n cur=67108864\n end=67108864\n\n")
    assert ok(v("blockjob", "vm", "vda", "--pivot")) == "\n"  # type: ignore[arg-type]
    assert ok(v("blockjob", "vm", "vda", "--info")) == "No current block job for vda\n"  # type: ignore[arg-type]
    assert f"<source file='{IMG}/copy.qcow2' index='3'/>\n      <backingStore/>\n      <target" in disk_xml(v)
    assert f"<source file='{IMG}/copy.qcow2'/>\n      <backingStore/>\n      <target" in disk_xml(v, "--inactive")
    assert ok(v("domblklist", "vm")).split()[-2:] == ["vda", f"{IMG}/copy.qcow2"]  # type: ignore[arg-type]
    assert host.guest_read(0, 1) == b"\x11" and host.guest_read(4 * MIB, 1) == b"\x22"
    assert err(v("blockjob", "vm", "vda", "--abort")) == (  # type: ignore[arg-type]
        "error: invalid argument: disk vda does not have an active block job")


def test_wait_pivot_and_finish_on_a_transient_domain(host: Host, virsh: Callable[..., object]) -> None:
    host.start(transient=True)
    v = virsh
    r = v("blockcopy", "vm", "vda", f"{IMG}/copy.qcow2", "--wait", "--pivot", "--verbose")
    assert ok(r) == "\nSuccessfully pivoted\n"  # type: ignore[arg-type]
    assert r.stderr.endswith("Block Copy: [100 %]")  # type: ignore[attr-defined]
    assert f"<source file='{IMG}/copy.qcow2' index='3'/>" in disk_xml(v)
    # what --finish does, step by step (virsh's --wait --finish can hang in its own cleanup when the
    # CANCELED event is still being dispatched: a client-side race, so the test avoids it)
    assert ok(v("blockcopy", "vm", "vda", f"{IMG}/fin.qcow2", "--shallow")) == "Block Copy started\n"  # type: ignore[arg-type]
    host.fv.call(host.hv.blockjobs.finish, host.job())
    assert ok(v("blockjob", "vm", "vda", "--abort")) == "\n"  # type: ignore[arg-type]
    assert f"<source file='{IMG}/copy.qcow2' index='3'/>" in disk_xml(v)
    assert host.fv.call(host.hv.images.compare, f"{IMG}/fin.qcow2", f"{IMG}/copy.qcow2") is None
    # the aborted mirror's node name stays used: the next copy gets index 5
    ok(v("blockcopy", "vm", "vda", f"{IMG}/third.qcow2", "--raw", "--bandwidth", "1"))  # type: ignore[arg-type]
    host.hold()
    assert f"<mirror type='file' file='{IMG}/third.qcow2' format='raw' job='copy'>" in disk_xml(v)
    assert f"<source file='{IMG}/third.qcow2' index='5'/>" in disk_xml(v)
    assert ok(v("blockjob", "vm", "vda", "--abort", "--async")) == "\n"  # type: ignore[arg-type]
    assert "<mirror" not in disk_xml(v)


@pytest.mark.parametrize(("args", "message"), [
    (["relative.qcow2"], "error: invalid argument: absolute path must be used as block copy target"),
    ([f"{IMG}/base.qcow2"], "error: unsupported configuration: external destination file for disk vda already "
                            f"exists and is not a block device: {IMG}/base.qcow2"),
    ([f"{IMG}/missing.qcow2", "--reuse-external"],
     f"error: missing destination file for disk vda: {IMG}/missing.qcow2: No such file or directory"),
    ([f"{IMG}/r.img", "--shallow", "--format", "raw"],
     "error: unsupported configuration: shallow copy of disk 'vda' into a raw file is not possible"),
    ([f"{IMG}/g.qcow2", "--granularity", "1000"], "error: invalid argument: granularity must be power of 2"),
    ([f"{IMG}/g.qcow2", "--granularity", "256"],
     "error: internal error: unable to execute QEMU command 'blockdev-mirror': Parameter 'granularity' expects "
     "a value in range [512B, 64MB]"),
    ([f"{IMG}/g.qcow2", "--bytes", "--bandwidth", "9223372036854775808"],
     "error: invalid argument: bandwidth must be less than '9223372036854775807' bytes/s (8796093022207 MiB/s)"),
])
def test_refusals(host: Host, virsh: Callable[..., object], args: list[str], message: str) -> None:
    host.start()
    assert err(virsh("blockcopy", "vm", "vda", *args, "--transient-job")) == message  # type: ignore[arg-type]
    assert "<mirror" not in disk_xml(virsh)


def test_missing_disk_and_inactive_domain(host: Host, virsh: Callable[..., object]) -> None:
    host.start()
    v = virsh
    assert err(v("blockcopy", "vm", "vdz", f"{IMG}/x.qcow2", "--transient-job")) == (  # type: ignore[arg-type]
        "error: invalid argument: disk 'vdz' not found in domain")
    ok(v("destroy", "vm"))  # type: ignore[arg-type]
    assert err(v("blockcopy", "vm", "vda", f"{IMG}/x.qcow2", "--transient-job")) == (  # type: ignore[arg-type]
        "error: Requested operation is not valid: domain is not running")
