"""Block jobs seen through the rest of the API, by virsh and libvirt-python: a failed job in
domblkerror / virDomainGetDiskErrors, domjobinfo during a block job, a domain destroyed mid-job.

Texts and event sequences as a real libvirtd 9.0 (QEMU/TCG) shows them: domjobinfo prints
"Job type: None" while a block job runs; a destroy during a copy sends only the lifecycle events.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from fakevirt.testing import ThreadedServer
from fakevirt.testing.libvirt_events import ensure_event_loop, wait_for
from tests.integration.conftest import err, ok

from .test_blockjob_bitmaps import fakevirt_domain, reference_chain
from .test_blockjob_virsh import IMG, Host, VirshFn

libvirt = pytest.importorskip("libvirt")


@pytest.fixture
def host(fakevirt: ThreadedServer, virsh: VirshFn, tmp_path: Path) -> Host:
    return Host(fakevirt, virsh, tmp_path)


def fail_job(host: Host) -> None:
    job = host.job()
    host.fv.call(host.hv.blockjobs.fail, job)


def test_failed_job_in_domblkerror_virsh(host: Host, virsh: VirshFn) -> None:
    host.start()
    assert ok(virsh("domblkerror", "vm")) == "No errors found\n\n"
    ok(virsh("blockcommit", "vm", "vda", "--top", f"{IMG}/mid.qcow2", "--bandwidth", "1"))
    fail_job(host)
    assert ok(virsh("domblkerror", "vm")) == "vda: unspecified error\n\n"
    assert err(virsh("blockjob", "vm", "vda", "--abort")) == (
        "error: invalid argument: disk vda does not have an active block job")


def test_failed_job_in_disk_errors_python(host: Host, fakevirt_uri: str) -> None:
    ensure_event_loop()
    host.start()
    conn = libvirt.open(fakevirt_uri)
    try:
        dom = conn.lookupByName("vm")
        seen: list[tuple[str, int, int]] = []
        cb = conn.domainEventRegisterAny(dom, libvirt.VIR_DOMAIN_EVENT_ID_BLOCK_JOB_2,
                                         lambda c, d, p, t, s, o: seen.append((p, t, s)), None)
        assert dom.diskErrors() == {}
        dom.blockCommit("vda", None, f"{IMG}/mid.qcow2", 1, 0)
        fail_job(host)
        wait_for(lambda: bool(seen), timeout=10)
        assert seen == [("vda", libvirt.VIR_DOMAIN_BLOCK_JOB_TYPE_COMMIT, libvirt.VIR_DOMAIN_BLOCK_JOB_FAILED)]
        assert dom.diskErrors() == {"vda": libvirt.VIR_DOMAIN_DISK_ERROR_UNSPEC}
        conn.domainEventDeregisterAny(cb)
    finally:
        conn.close()


def test_domjobinfo_during_a_block_job(host: Host, virsh: VirshFn) -> None:
    host.start()
    ok(virsh("blockcopy", "vm", "vda", f"{IMG}/copy.qcow2", "--transient-job", "--bandwidth", "1"))
    assert ok(virsh("domjobinfo", "vm")) == "Job type:         None        \n\n"
    assert ok(virsh("domjobinfo", "vm", "--completed")) == "Job type:         None        \n\n"


def test_destroy_during_a_copy_python(host: Host, fakevirt_uri: str) -> None:
    """Only lifecycle events (the destroy's and the start's, as the QEMU driver sends them); no job after
    the restart."""
    ensure_event_loop()
    host.start()
    conn = libvirt.open(fakevirt_uri)
    try:
        dom = conn.lookupByName("vm")
        seen: list[Any] = []
        cbs = [conn.domainEventRegisterAny(dom, ev, lambda c, d, *a: seen.append(a[:-1]), None)
               for ev in (libvirt.VIR_DOMAIN_EVENT_ID_BLOCK_JOB, libvirt.VIR_DOMAIN_EVENT_ID_BLOCK_JOB_2,
                          libvirt.VIR_DOMAIN_EVENT_ID_LIFECYCLE)]
        dom.blockCopy("vda", f"<disk type='file'><source file='{IMG}/copy.qcow2'/></disk>",
                      {"bandwidth": 1 << 20}, libvirt.VIR_DOMAIN_BLOCK_COPY_TRANSIENT_JOB)
        dom.destroy()
        dom.create()
        wait_for(lambda: len(seen) >= 4, timeout=10)
        assert dom.blockJobInfo("vda", 0) == {}
        assert seen == [(libvirt.VIR_DOMAIN_EVENT_SHUTDOWN, libvirt.VIR_DOMAIN_EVENT_SHUTDOWN_HOST),
                        (libvirt.VIR_DOMAIN_EVENT_STOPPED, libvirt.VIR_DOMAIN_EVENT_STOPPED_DESTROYED),
                        (libvirt.VIR_DOMAIN_EVENT_RESUMED, libvirt.VIR_DOMAIN_EVENT_RESUMED_UNPAUSED),
                        (libvirt.VIR_DOMAIN_EVENT_STARTED, libvirt.VIR_DOMAIN_EVENT_STARTED_BOOTED)]
        assert "<mirror" not in dom.XMLDesc(0)
        for cb in cbs:
            conn.domainEventDeregisterAny(cb)
    finally:
        conn.close()


def copy_refusals(uri: str, virt_type: str) -> list[tuple[int, int, str]]:
    """virDomainBlockCopy on a domain that is gone: flags first, then the lookup, then the values."""
    conn = libvirt.open(uri)
    try:
        dom = conn.defineXML(f"<domain type='{virt_type}'><name>fvint-gone</name><memory unit='MiB'>64</memory>"
                             "<os><type arch='x86_64'>hvm</type></os></domain>")
        uuid = dom.UUIDString()
        dom.undefine()
        out = []
        for params, flags in (({}, 1 << 10), ({"granularity": 1000}, 0), ({"bandwidth": 1 << 63}, 0)):
            try:
                dom.blockCopy("vda", "<disk type='file'><source file='/x/y.qcow2'/></disk>", params, flags)
            except libvirt.libvirtError as e:
                out.append((e.get_error_code(), e.get_error_domain(), e.get_error_message().replace(uuid, "U")))
        return out
    finally:
        conn.close()


def test_block_copy_looks_the_domain_up_after_the_flags(fakevirt_uri: str) -> None:
    gone = (libvirt.VIR_ERR_NO_DOMAIN, libvirt.VIR_FROM_QEMU,
            "Domain not found: no domain with matching uuid 'U' (fvint-gone)")
    assert copy_refusals(fakevirt_uri, "kvm") == [
        (libvirt.VIR_ERR_INVALID_ARG, libvirt.VIR_FROM_QEMU, "unsupported flags (0x400) in function qemuDomainBlockCopy"),
        gone, gone]


@pytest.mark.real
def test_block_copy_refusal_order_as_the_reference(reference_uri: str, fakevirt_uri: str) -> None:
    assert copy_refusals(fakevirt_uri, "kvm") == copy_refusals(reference_uri, "qemu")


def test_backing_images_in_domstats_and_thresholds(host: Host, virsh: VirshFn) -> None:
    host.start()
    ok(virsh("domblkthreshold", "vm", "vda[4]", "1M"))
    assert err(virsh("domblkthreshold", "vm", "vda[9]", "1")) == (
        "error: invalid argument: failed to find disk 'vda[9]'")
    assert err(virsh("domblkthreshold", "vm", "vdz[1]", "1")) == (
        "error: invalid argument: failed to find disk 'vdz'")
    assert err(virsh("domblkthreshold", "vm", "vda[x]", "1")) == (
        "error: invalid argument: failed to parse block device 'vda[x]'")
    lines = ok(virsh("domstats", "vm", "--block", "--backing")).splitlines()
    entries = [line.strip() for line in lines if ".name=" in line or ".path=" in line or "backingIndex" in line
               or "threshold" in line or "count" in line]
    assert entries == [
        "block.count=4",
        "block.0.name=vda", f"block.0.path={IMG}/top.qcow2", "block.0.backingIndex=2",
        "block.1.name=vda", f"block.1.path={IMG}/mid.qcow2", "block.1.backingIndex=3",
        "block.2.name=vda", f"block.2.path={IMG}/base.qcow2", "block.2.backingIndex=4", "block.2.threshold=1048576",
        "block.3.name=vdb", f"block.3.path={IMG}/other.qcow2", "block.3.backingIndex=1"]
    assert "  block.1.allocation=0" in lines  # QEMU never wrote the backing image
    assert "block.count=2" in ok(virsh("domstats", "vm", "--block"))


def pivot_refusals(uri: str, name: str, d: str) -> list[tuple[int, int, str]]:
    """virDomainBlockJobAbort(PIVOT) of a running pull and of a commit below the top: never ready."""
    conn = libvirt.open(uri)
    try:
        dom = conn.lookupByName(name)
        out = []
        for start in (lambda: dom.blockPull("vda", 1, 0), lambda: dom.blockCommit("vda", None, f"{d}/mid.qcow2", 1, 0)):
            start()
            try:
                dom.blockJobAbort("vda", libvirt.VIR_DOMAIN_BLOCK_JOB_ABORT_PIVOT)
            except libvirt.libvirtError as e:
                out.append((e.get_error_code(), e.get_error_domain(), e.get_error_message()))
            dom.blockJobAbort("vda", 0)
        return out
    finally:
        conn.close()


@pytest.mark.real
def test_pivot_of_pull_and_commit_as_the_reference(reference_uri: str, fakevirt: ThreadedServer, fakevirt_uri: str,
                                                   tmp_path: Path) -> None:
    with reference_chain(reference_uri, "fvref-pytest-pivot") as (_, name, d):
        want = pivot_refusals(reference_uri, name, d)
    fakevirt_domain(fakevirt, fakevirt_uri, name, d, tmp_path)
    got = pivot_refusals(fakevirt_uri, name, d)
    assert got == want and len(got) == 2
