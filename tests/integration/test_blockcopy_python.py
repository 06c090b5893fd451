"""virDomainBlockCopy / virDomainBlockRebase(COPY) through libvirt-python: codes, events, content."""

from __future__ import annotations

import time
from collections.abc import Iterator

import libvirt
import pytest

from fakevirt.testing import ThreadedServer
from fakevirt.testing.libvirt_events import ensure_event_loop
from tests.integration.conftest import error_of

IMG = "/var/lib/libvirt/images"
MIB = 1 << 20
T = libvirt.VIR_DOMAIN_BLOCK_COPY_TRANSIENT_JOB
DOMAIN = f"""<domain type='kvm'><name>vm</name><memory unit='MiB'>64</memory><vcpu>1</vcpu>
<os><type arch='x86_64'>hvm</type></os><devices>
<disk type='file' device='disk'><driver name='qemu' type='qcow2'/><source file='{IMG}/vm.qcow2'/>
<target dev='vda' bus='virtio'/></disk></devices></domain>"""
QEMU, DOMAIN_CONF = libvirt.VIR_FROM_QEMU, libvirt.VIR_FROM_DOMAIN


def dest(path: str, fmt: str | None = None) -> str:
    drv = f"<driver type='{fmt}'/>" if fmt else ""
    return f"<disk type='file'><source file='{path}'/>{drv}</disk>"


class Events:
    """BLOCK_JOB and BLOCK_JOB_2 events, on a connection of their own."""

    def __init__(self, uri: str) -> None:
        ensure_event_loop()
        self.conn = libvirt.open(uri)
        self.seen: list[tuple[str, str, int, int]] = []
        self.ids = [
            self.conn.domainEventRegisterAny(None, libvirt.VIR_DOMAIN_EVENT_ID_BLOCK_JOB,
                                             lambda c, d, p, t, s, o: self.seen.append(("1", p, t, s)), None),
            self.conn.domainEventRegisterAny(None, libvirt.VIR_DOMAIN_EVENT_ID_BLOCK_JOB_2,
                                             lambda c, d, p, t, s, o: self.seen.append(("2", p, t, s)), None)]

    def wait(self, n: int) -> list[tuple[str, str, int, int]]:
        deadline = time.monotonic() + 5
        while len(self.seen) < n and time.monotonic() < deadline:
            time.sleep(0.01)
        out, self.seen = self.seen[:n], self.seen[n:]
        return out

    def close(self) -> None:
        for i in self.ids:
            self.conn.domainEventDeregisterAny(i)
        self.conn.close()


@pytest.fixture
def dom(fakevirt: ThreadedServer, fakevirt_uri: str) -> Iterator[libvirt.virDomain]:
    def mk() -> None:
        imgs = fakevirt.hypervisor.images
        imgs.create(f"{IMG}/base.qcow2", "qcow2", 64 * MIB)
        imgs.write(f"{IMG}/base.qcow2", 0, b"\x11" * MIB)
        imgs.create(f"{IMG}/vm.qcow2", "qcow2", None, f"{IMG}/base.qcow2", "qcow2")
        imgs.write(f"{IMG}/vm.qcow2", 2 * MIB, b"\x22" * MIB)
    fakevirt.call(mk)
    conn = libvirt.open(fakevirt_uri)
    d = conn.defineXML(DOMAIN)
    d.create()
    yield d
    conn.close()


def hold(fakevirt: ThreadedServer) -> None:
    def h() -> None:
        drv = fakevirt.hypervisor.system
        job = fakevirt.hypervisor.blockjobs.find(drv, drv.domains.find_name("vm"), "vda")
        assert job is not None
        fakevirt.hypervisor.blockjobs.hold(job, 0.0)
    fakevirt.call(h)


def test_copy_events_and_pivot(fakevirt: ThreadedServer, fakevirt_uri: str, dom: libvirt.virDomain) -> None:
    ev = Events(fakevirt_uri)
    try:
        dom.blockCopy("vda", dest(f"{IMG}/copy.qcow2"), {"bandwidth": MIB, "granularity": 65536,
                                                          "buf-size": 1 << 20}, T)
        hold(fakevirt)
        t, bw, cur, end = (dom.blockJobInfo("vda", libvirt.VIR_DOMAIN_BLOCK_JOB_INFO_BANDWIDTH_BYTES)[k]
                           for k in ("type", "bandwidth", "cur", "end"))
        assert (t, bw, end) == (libvirt.VIR_DOMAIN_BLOCK_JOB_TYPE_COPY, MIB, 64 * MIB) and cur < end
        assert error_of(dom.blockJobAbort, "vda", libvirt.VIR_DOMAIN_BLOCK_JOB_ABORT_PIVOT) == (
            libvirt.VIR_ERR_BLOCK_COPY_ACTIVE, QEMU,
            "block copy still active: block job 'copy-vda-libvirt-1-format' not ready for pivot yet")
        dom.blockJobSetSpeed("vda", 0, 0)
        fakevirt.call(lambda: fakevirt.hypervisor.blockjobs.finish(
            fakevirt.hypervisor.blockjobs.find(fakevirt.hypervisor.system,
                                               fakevirt.hypervisor.system.domains.find_name("vm"), "vda")))
        ready = (libvirt.VIR_DOMAIN_BLOCK_JOB_TYPE_COPY, libvirt.VIR_DOMAIN_BLOCK_JOB_READY)
        assert ev.wait(2) == [("1", f"{IMG}/vm.qcow2", *ready), ("2", "vda", *ready)]
        assert "job='copy' ready='yes'" in dom.XMLDesc()
        dom.blockJobAbort("vda", libvirt.VIR_DOMAIN_BLOCK_JOB_ABORT_PIVOT)
        done = (libvirt.VIR_DOMAIN_BLOCK_JOB_TYPE_COPY, libvirt.VIR_DOMAIN_BLOCK_JOB_COMPLETED)
        assert ev.wait(2) == [("1", f"{IMG}/copy.qcow2", *done), ("2", "vda", *done)]
        assert dom.blockJobInfo("vda", 0) == {}
        assert f"<source file='{IMG}/copy.qcow2' index='3'/>" in dom.XMLDesc()
        peek = fakevirt.call(fakevirt.hypervisor.images.read, f"{IMG}/copy.qcow2", 0, 3 * MIB)
        assert peek == b"\x11" * MIB + b"\0" * MIB + b"\x22" * MIB
    finally:
        ev.close()


def test_rebase_copy_needs_a_transient_domain(dom: libvirt.virDomain, fakevirt_uri: str) -> None:
    c = libvirt.VIR_DOMAIN_BLOCK_REBASE_COPY
    assert error_of(dom.blockRebase, "vda", f"{IMG}/x.qcow2", 0, c) == (
        libvirt.VIR_ERR_OPERATION_INVALID, QEMU, "Requested operation is not valid: domain is not transient")
    assert error_of(dom.blockRebase, "vda", f"{IMG}/x.qcow2", 0, c | libvirt.VIR_DOMAIN_BLOCK_REBASE_RELATIVE) == (
        libvirt.VIR_ERR_ARGUMENT_UNSUPPORTED, QEMU, "argument unsupported: Relative backing during copy not supported yet")
    assert error_of(dom.blockRebase, "vda", f"{IMG}/x.qcow2", 1 << 62, c) == (
        libvirt.VIR_ERR_OVERFLOW, QEMU, "numerical overflow: bandwidth must be less than 8796093022207")
    dom.destroy()
    dom.undefine()
    conn = libvirt.open(fakevirt_uri)
    d = conn.createXML(DOMAIN, 0)
    d.blockRebase("vda", f"{IMG}/raw.img", 0, c | libvirt.VIR_DOMAIN_BLOCK_REBASE_COPY_RAW)
    deadline = time.monotonic() + 5
    while "ready='yes'" not in d.XMLDesc() and time.monotonic() < deadline:
        time.sleep(0.01)
    assert f"<mirror type='file' file='{IMG}/raw.img' format='raw' job='copy' ready='yes'>" in d.XMLDesc()
    d.blockJobAbort("vda", libvirt.VIR_DOMAIN_BLOCK_JOB_ABORT_PIVOT)
    assert "<driver name='qemu' type='raw'/>" in d.XMLDesc()
    conn.close()


@pytest.mark.parametrize(("xml", "params", "flags", "want"), [
    (dest(f"{IMG}/x.qcow2"), {}, 1 << 10, (libvirt.VIR_ERR_INVALID_ARG, QEMU,
                                           "unsupported flags (0x400) in function qemuDomainBlockCopy")),
    (f"<disk type='file'><source file='{IMG}/x.qcow2'/>", {}, T, (
        libvirt.VIR_ERR_XML_DETAIL, DOMAIN_CONF,
        "(disk_definition):1: Premature end of data in tag disk line 1\n"
        f"<disk type='file'><source file='{IMG}/x.qcow2'/>\n" + "-" * len(f"<disk type='file'><source file='{IMG}/x.qcow2'/>") + "^")),
    ("<disk type='file'/>", {}, T, (libvirt.VIR_ERR_NO_SOURCE, DOMAIN_CONF, "missing source information for device")),
    ("<domain/>", {}, T, (libvirt.VIR_ERR_XML_ERROR, libvirt.VIR_FROM_XML,
                          "XML error: expecting root element of 'disk', not 'domain'")),
    (dest(f"{IMG}/x", "bogus"), {}, T, (libvirt.VIR_ERR_CONFIG_UNSUPPORTED, DOMAIN_CONF,
                                        "unsupported configuration: unknown driver format value 'bogus'")),
    (dest("x.qcow2"), {}, T, (libvirt.VIR_ERR_INVALID_ARG, QEMU,
                              "invalid argument: absolute path must be used as block copy target")),
    (dest(f"{IMG}/x.qcow2"), {"granularity": 1000}, T, (libvirt.VIR_ERR_INVALID_ARG, QEMU,
                                                        "invalid argument: granularity must be power of 2")),
    (dest(f"{IMG}/nope.qcow2"), {}, T | libvirt.VIR_DOMAIN_BLOCK_COPY_REUSE_EXT, (
        libvirt.VIR_ERR_SYSTEM_ERROR, QEMU,
        f"missing destination file for disk vda: {IMG}/nope.qcow2: No such file or directory")),
])
def test_copy_refusals(dom: libvirt.virDomain, xml: str, params: dict[str, int], flags: int,
                       want: tuple[int, int, str]) -> None:
    assert error_of(dom.blockCopy, "vda", xml, params, flags) == want
    assert "<mirror" not in dom.XMLDesc()
