"""Block copy in the model: the mirror, ready, pivot/finish/abort, the destination's content, errors."""

from __future__ import annotations

import pytest

from fakevirt.errors import ErrorCode, VirtError
from fakevirt.model.blockjobs import BlockJob
from fakevirt.model.blockjobs.copy import (
    CopyRequest,
    check_copy_call,
    copy_params,
    rebase_request,
    start_copy,
)
from fakevirt.model.blockjobs.mirror import clear, mark_ready, show_active_commit
from fakevirt.model.clock import ManualClock
from fakevirt.model.devices import Disk
from fakevirt.model.domain import Domain
from fakevirt.model.events import DomainEvent, EventID
from fakevirt.model.flags.blockjob import BlockJobStatus as S
from fakevirt.model.flags.blockjob import DomainBlockCopyFlags as Copy
from fakevirt.model.flags.blockjob import DomainBlockJobAbortFlags as Abort
from fakevirt.model.flags.blockjob import DomainBlockRebaseFlags as Rebase
from fakevirt.model.hypervisor import Hypervisor
from fakevirt.testing.domains import domain_from_xml
from fakevirt.xml.domain import format_domain_xml
from fakevirt.xml.mirror import format_mirror

MIB = 1 << 20
T = Copy.TRANSIENT_JOB
DOMAIN = """<domain type='kvm'><name>vm</name><memory unit='MiB'>64</memory><vcpu>1</vcpu>
<os><type arch='x86_64'>hvm</type></os><devices>
<disk type='file' device='disk'><driver name='qemu' type='qcow2'/><source file='/images/vm.qcow2'/>
<target dev='vda' bus='virtio'/></disk></devices></domain>"""


class Env:
    def __init__(self) -> None:
        self.clock = ManualClock()
        self.hv = Hypervisor(clock=self.clock)
        imgs = self.hv.images
        imgs.create("/images/base.qcow2", "qcow2", 64 * MIB)
        imgs.write("/images/base.qcow2", 0, b"\x11" * (4 * MIB))
        imgs.create("/images/vm.qcow2", "qcow2", None, "/images/base.qcow2", "qcow2")
        imgs.write("/images/vm.qcow2", 4 * MIB, b"\x22" * (4 * MIB))
        self.driver = self.hv.system
        self.dom: Domain = self.driver.domains.define(domain_from_xml(DOMAIN, self.hv.rng))
        self.driver.domains.start(self.dom)
        self.events: list[tuple[str, int, int]] = []
        self.hv.bus.subscribe(DomainEvent, self._record)

    def _record(self, ev: DomainEvent) -> None:
        if ev.event_id == EventID.BLOCK_JOB:
            self.events.append((ev.data["path"], ev.data["type"], ev.data["status"]))

    def copy(self, path: str, flags: Copy = T, **kw: object) -> BlockJob:
        return start_copy(self.hv.blockjobs, self.driver, self.dom, "vda", CopyRequest(path, flags=flags, **kw))  # type: ignore[arg-type]

    def abort(self, flags: int = 0) -> None:
        self.hv.blockjobs.abort(self.driver, self.dom, "vda", flags)

    def xml(self, inactive: bool = False) -> str:
        d = self.dom.config if inactive else self.dom.live
        assert d is not None
        return format_domain_xml(d, domain_id=None if inactive else self.dom.id, inactive=inactive)

    def disk_xml(self, inactive: bool = False) -> str:
        x = self.xml(inactive)
        return x[x.index("<disk"):x.index("</disk>")]

    def guest(self, offset: int, length: int) -> bytes:
        return self.driver.domains.guest_read(self.dom, "vda", offset, length)


@pytest.fixture
def env() -> Env:
    return Env()


def test_mirror_in_the_live_xml_until_pivot(env: Env) -> None:
    job = env.copy("/images/copy.qcow2", bandwidth=MIB)
    assert job.end == 64 * MIB and job.name == "copy-vda-libvirt-1-format"
    assert ("<mirror type='file' file='/images/copy.qcow2' format='qcow2' job='copy'>\n"
            "        <format type='qcow2'/>\n"
            "        <source file='/images/copy.qcow2' index='3'/>\n"
            "        <backingStore/>\n"
            "      </mirror>") in env.disk_xml()
    assert "<mirror" not in env.disk_xml(inactive=True)
    with pytest.raises(VirtError) as e:
        env.abort(Abort.PIVOT)
    assert (e.value.code, e.value.message) == (
        ErrorCode.BLOCK_COPY_ACTIVE, "block copy still active: block job 'copy-vda-libvirt-1-format' not ready for pivot yet")
    env.clock.advance(8)  # 8 MiB of data at 1 MiB/s
    env.hv.blockjobs.poll()
    assert "job='copy' ready='yes'>" in env.disk_xml()
    assert env.events == [("/images/vm.qcow2", 2, S.READY)]
    env.driver.domains.guest_write(env.dom, "vda", 20 * MIB, b"\x33" * 4096)  # mirrored
    env.abort(Abort.PIVOT)
    assert env.events[-1] == ("/images/copy.qcow2", 2, S.COMPLETED)
    disk = env.disk_xml()
    assert "<source file='/images/copy.qcow2' index='3'/>\n      <backingStore/>\n      <target" in disk
    assert "<mirror" not in disk
    inactive = env.disk_xml(inactive=True)
    assert "<source file='/images/copy.qcow2'/>\n      <backingStore/>\n" in inactive
    img = env.hv.images.open("/images/copy.qcow2")
    assert img.backing is None
    assert env.guest(0, 4) == b"\x11" * 4 and env.guest(4 * MIB, 4) == b"\x22" * 4
    assert env.guest(20 * MIB, 4096) == b"\x33" * 4096
    assert env.hv.images.compare("/images/copy.qcow2", "/images/vm.qcow2") is None


def test_shallow_copy_keeps_the_backing(env: Env) -> None:
    job = env.copy("/images/top.qcow2", T | Copy.SHALLOW)
    assert "<source file='/images/top.qcow2' index='3'/>\n      </mirror>" in env.disk_xml()
    env.hv.blockjobs.finish(job)
    env.abort(Abort.PIVOT)
    disk = env.disk_xml()
    assert "<source file='/images/top.qcow2' index='3'/>\n      <backingStore type='file' index='2'>" in disk
    assert "<source file='/images/top.qcow2'/>\n      <target" in env.disk_xml(inactive=True)
    top = env.hv.images.open("/images/top.qcow2")
    assert (top.backing, len(top.clusters)) == ("/images/base.qcow2", 64)  # only the top's 4 MiB
    assert env.guest(0, 4) == b"\x11" * 4 and env.guest(4 * MIB, 4) == b"\x22" * 4


def test_finish_leaves_a_standalone_copy_and_the_disk_on_its_chain(env: Env) -> None:
    env.copy("/images/copy.qcow2")
    env.clock.advance(1)
    env.hv.blockjobs.poll()
    env.driver.domains.guest_write(env.dom, "vda", MIB, b"\x44" * 512)
    env.abort()
    assert env.events == [("/images/vm.qcow2", 2, S.READY), ("/images/vm.qcow2", 2, S.CANCELED)]
    assert "<source file='/images/vm.qcow2' index='1'/>" in env.disk_xml()
    assert env.hv.images.compare("/images/copy.qcow2", "/images/vm.qcow2") is None
    env.driver.domains.guest_write(env.dom, "vda", MIB, b"\x55" * 512)  # no longer mirrored
    assert env.hv.images.read("/images/copy.qcow2", MIB, 1) == b"\x44"


def test_abort_before_ready_keeps_what_was_copied(env: Env) -> None:
    job = env.copy("/images/copy.qcow2", bandwidth=MIB)
    env.hv.blockjobs.hold(job, 0.0)
    env.hv.blockjobs.step(job, 4 * MIB + 2 * MIB)  # base's 4 MiB, then 2 MiB of the top's
    env.abort(Abort.ASYNC)
    assert env.events == [("/images/vm.qcow2", 2, S.CANCELED)]
    read = env.hv.images.read
    assert read("/images/copy.qcow2", 0, 1) == b"\x11" and read("/images/copy.qcow2", 5 * MIB, 1) == b"\x22"
    assert read("/images/copy.qcow2", 7 * MIB, 1) == b"\0"
    # the next image opened gets the next index, even though the aborted copy's is free again
    env.copy("/images/copy2.qcow2")
    assert "index='4'" in env.disk_xml()


def test_reuse_external_shallow_shows_the_detected_chain(env: Env) -> None:
    """As the reference: the reused file's backing is detected with new node indexes, and kept by the pivot."""
    env.hv.images.create("/images/pre.qcow2", "qcow2", None, "/images/base.qcow2", "qcow2")
    job = env.copy("/images/pre.qcow2", T | Copy.SHALLOW | Copy.REUSE_EXT)
    assert ("        <source file='/images/pre.qcow2' index='3'/>\n"
            "        <backingStore type='file' index='4'>\n"
            "          <format type='qcow2'/>\n"
            "          <source file='/images/base.qcow2'/>\n"
            "          <backingStore/>\n"
            "        </backingStore>\n"
            "      </mirror>") in env.disk_xml()
    env.hv.blockjobs.finish(job)
    env.abort(Abort.PIVOT)
    assert ("<source file='/images/pre.qcow2' index='3'/>\n      <backingStore type='file' index='4'>"
            in env.disk_xml())
    assert "<source file='/images/pre.qcow2'/>\n      <target" in env.disk_xml(inactive=True)
    assert env.guest(0, 1) == b"\x11" and env.guest(4 * MIB, 1) == b"\x22"


def test_reuse_external_and_raw(env: Env) -> None:
    env.hv.images.create("/images/pre.raw", "raw", 64 * MIB)
    job = env.copy("/images/pre.raw", T | Copy.REUSE_EXT)
    assert ("file='/images/pre.raw' format='raw' job='copy'>\n        <format type='raw'/>\n"
            "        <source file='/images/pre.raw' index='3'/>\n        <backingStore/>\n") in env.disk_xml()
    env.hv.blockjobs.finish(job)
    env.abort(Abort.PIVOT)
    assert "<driver name='qemu' type='raw'/>\n      <source file='/images/pre.raw' index='3'/>" in env.disk_xml()
    assert env.guest(0, 1) == b"\x11" and env.guest(4 * MIB, 1) == b"\x22"


@pytest.mark.parametrize(("path", "flags", "kw", "code", "message"), [
    ("rel.qcow2", T, {}, ErrorCode.INVALID_ARG, "invalid argument: absolute path must be used as block copy target"),
    ("/images/x.qcow2", Copy(0), {}, ErrorCode.OPERATION_INVALID,
     "Requested operation is not valid: domain is not transient"),
    ("/images/base.qcow2", T, {}, ErrorCode.CONFIG_UNSUPPORTED,
     "unsupported configuration: external destination file for disk vda already exists and is not a block "
     "device: /images/base.qcow2"),
    ("/images/none.qcow2", T | Copy.REUSE_EXT, {}, ErrorCode.SYSTEM_ERROR,
     "missing destination file for disk vda: /images/none.qcow2: No such file or directory"),
    ("/images/x.raw", T | Copy.SHALLOW, {"format": "raw"}, ErrorCode.CONFIG_UNSUPPORTED,
     "unsupported configuration: shallow copy of disk 'vda' into a raw file is not possible"),
    ("/images/x.qcow2", T, {"granularity": 256}, ErrorCode.INTERNAL_ERROR,
     "internal error: unable to execute QEMU command 'blockdev-mirror': Parameter 'granularity' expects a value "
     "in range [512B, 64MB]"),
])
def test_refusals(env: Env, path: str, flags: Copy, kw: dict[str, object], code: int, message: str) -> None:
    with pytest.raises(VirtError) as e:
        env.copy(path, flags, **kw)
    assert (e.value.code, e.value.message) == (code, message)
    assert "<mirror" not in env.disk_xml() and env.hv.blockjobs.find(env.driver, env.dom, "vda") is None


def test_second_job_and_parameters(env: Env) -> None:
    env.copy("/images/copy.qcow2")
    with pytest.raises(VirtError) as e:
        env.copy("/images/copy2.qcow2")
    assert (e.value.code, e.value.message) == (
        ErrorCode.BLOCK_COPY_ACTIVE, "block copy still active: disk 'vda' already in active block job")
    with pytest.raises(VirtError) as e:
        copy_params([("granularity", 2, 1000)])
    assert e.value.message == "invalid argument: granularity must be power of 2"
    with pytest.raises(VirtError) as e:
        copy_params([("bandwidth", 4, 1 << 63)])
    assert e.value.message == ("invalid argument: bandwidth must be less than '9223372036854775807' bytes/s "
                               "(8796093022207 MiB/s)")
    with pytest.raises(VirtError) as e:
        check_copy_call(1 << 10, [])
    assert e.value.message == "unsupported flags (0x400) in function qemuDomainBlockCopy"
    with pytest.raises(VirtError) as e:
        rebase_request("/x", 0, Rebase.COPY | Rebase.RELATIVE)
    assert e.value.message == "argument unsupported: Relative backing during copy not supported yet"
    assert rebase_request("/x", 2, Rebase.COPY | Rebase.COPY_RAW | Rebase.SHALLOW) == CopyRequest(
        "/x", "raw", "file", Copy.SHALLOW, 2 * MIB)


def test_active_commit_mirror_format() -> None:
    """The reference's <mirror> of an active commit: no file/format attributes, the base's index."""
    disk = Disk(source="/i/vm.qcow2")
    show_active_commit(disk, "/i/base.qcow2", "qcow2", 2)
    assert disk.mirror is not None
    assert format_mirror(disk.mirror, 6) == [
        "      <mirror type='file' job='active-commit'>", "        <format type='qcow2'/>",
        "        <source file='/i/base.qcow2' index='2'/>", "      </mirror>"]
    mark_ready(disk)
    assert format_mirror(disk.mirror, 0)[0] == "<mirror type='file' job='active-commit' ready='yes'>"
    clear(disk)
    assert disk.mirror is None


def test_destination_deleted_under_the_job(env: Env) -> None:
    """QEMU keeps the destination open: a pivot still lands on it; an abort leaves it deleted."""
    job = env.copy("/images/copy.qcow2")
    env.hv.blockjobs.finish(job)
    env.hv.images.delete("/images/copy.qcow2")
    env.abort(Abort.PIVOT)
    assert env.guest(4 * MIB, 1) == b"\x22" and env.hv.images.exists("/images/copy.qcow2")
    env.copy("/images/copy2.qcow2")
    env.hv.images.delete("/images/copy2.qcow2")
    env.abort()
    assert not env.hv.images.exists("/images/copy2.qcow2")
    assert "<source file='/images/copy.qcow2' index='3'/>" in env.disk_xml()
