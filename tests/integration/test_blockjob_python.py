"""Block jobs through libvirt-python: events in libvirtd's order, info, errors — and the same scenario
run against a real libvirtd 9.0 (QEMU/TCG, real qcow2 files), whose observations must be equal."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from fakevirt.testing import ThreadedServer
from fakevirt.testing.libvirt_events import ensure_event_loop, wait_for

libvirt = pytest.importorskip("libvirt")

MIB = 1 << 20
FAKE_DIR = "/var/lib/libvirt/images/bj"


def domain_xml(name: str, d: str) -> str:
    disks = "".join(f"""<disk type='file' device='disk'><driver name='qemu' type='qcow2'/>
      <source file='{d}/{f}'/><target dev='{t}' bus='virtio'/></disk>""" for f, t in (("top.qcow2", "vda"),
                                                                                      ("other.qcow2", "vdb")))
    return f"""<domain type='qemu'><name>{name}</name><memory unit='MiB'>64</memory><vcpu>1</vcpu>
  <os><type arch='x86_64'>hvm</type></os><devices>{disks}<graphics type='vnc'/></devices></domain>"""


def chain(dom: Any, dst: str, d: str) -> list[str]:
    """The disk's live chain as (file, index) strings, the directory replaced by D."""
    x = dom.XMLDesc(0)
    disk = next(m for m in re.findall(r"<disk .*?</disk>", x, re.S) if f"dev='{dst}'" in m)
    body = disk.split("<mirror")[0]
    out = [f"{f.replace(d, 'D')}#{i}" for f, i in re.findall(r"<source file='([^']+)' index='(\d+)'/>", body)]
    out += [f"{f.replace(d, 'D')}#{i}" for i, f in re.findall(
        r"<backingStore type='file' index='(\d+)'>\s*<format type='qcow2'/>\s*<source file='([^']+)'/>", body)]
    return out


def scenario(conn: Any, name: str, d: str) -> dict[str, Any]:
    """Commit below the top, an active commit pivoted, a pull, and the refusals around them."""
    seen: list[tuple[str, str, int, int]] = []
    obs: dict[str, Any] = {}
    dom = conn.defineXML(domain_xml(name, d))
    dom.create()
    cbs = [conn.domainEventRegisterAny(dom, libvirt.VIR_DOMAIN_EVENT_ID_BLOCK_JOB,
                                       lambda c, dm, p, t, s, o: seen.append(("BJ", p.replace(d, "D"), t, s)), None),
           conn.domainEventRegisterAny(dom, libvirt.VIR_DOMAIN_EVENT_ID_BLOCK_JOB_2,
                                       lambda c, dm, p, t, s, o: seen.append(("BJ2", p, t, s)), None)]

    def error(fn: Callable[..., Any], *args: Any) -> tuple[int, int, str]:
        try:
            fn(*args)
        except libvirt.libvirtError as e:
            return e.get_error_code(), e.get_error_domain(), e.get_error_message().replace(d, "D")
        return (0, 0, "no error")

    def until(status: int, job: int) -> None:
        wait_for(lambda: ("BJ2", "vda", job, status) in seen, timeout=60)

    try:
        obs["start"] = chain(dom, "vda", d)
        obs["info none"] = dom.blockJobInfo("vda", 0)
        obs["errors"] = [
            error(dom.blockJobAbort, "vda", 0), error(dom.blockJobSetSpeed, "vda", 1, 0),
            error(dom.blockJobInfo, "vdz", 0), error(dom.blockCommit, "vda", None, None, 0, 0),
            error(dom.blockCommit, "vda", f"{d}/nope.qcow2", None, 0, 0),
            error(dom.blockCommit, "vda", None, f"{d}/nope.qcow2", 0, 0),
            error(dom.blockCommit, "vda", f"{d}/mid.qcow2", f"{d}/base.qcow2", 0, 0),
            error(dom.blockCommit, "vdb", None, None, 0, libvirt.VIR_DOMAIN_BLOCK_COMMIT_ACTIVE),
            error(dom.blockPull, "vda", 1 << 43, 0), error(dom.blockPull, "vda", 0, 1),
            error(dom.blockJobAbort, "vda", 1 << 5),
            error(dom.blockRebase, "vdb", None, 0, libvirt.VIR_DOMAIN_BLOCK_REBASE_RELATIVE),
        ]
        dom.blockCommit("vda", None, f"{d}/mid.qcow2", 0, 0)
        until(libvirt.VIR_DOMAIN_BLOCK_JOB_COMPLETED, libvirt.VIR_DOMAIN_BLOCK_JOB_TYPE_COMMIT)
        obs["after commit"] = chain(dom, "vda", d)
        dom.blockCommit("vda", None, None, 0, libvirt.VIR_DOMAIN_BLOCK_COMMIT_ACTIVE)
        until(libvirt.VIR_DOMAIN_BLOCK_JOB_READY, libvirt.VIR_DOMAIN_BLOCK_JOB_TYPE_ACTIVE_COMMIT)
        info = dom.blockJobInfo("vda", 0)
        obs["ready info"] = (info["type"], info["cur"] == info["end"])
        obs["busy"] = error(dom.blockPull, "vda", 0, 0)
        dom.blockJobAbort("vda", libvirt.VIR_DOMAIN_BLOCK_JOB_ABORT_PIVOT)
        until(libvirt.VIR_DOMAIN_BLOCK_JOB_COMPLETED, libvirt.VIR_DOMAIN_BLOCK_JOB_TYPE_ACTIVE_COMMIT)
        obs["after pivot"] = chain(dom, "vda", d)
        dom.blockPull("vdb", 0, 0)
        wait_for(lambda: ("BJ2", "vdb", libvirt.VIR_DOMAIN_BLOCK_JOB_TYPE_PULL, 0) in seen, timeout=60)
        obs["events"] = list(seen)
    finally:
        for cb in cbs:
            conn.domainEventDeregisterAny(cb)
        dom.destroy()
        dom.undefine()
    return obs


def fake_images(fakevirt: ThreadedServer) -> None:
    def make() -> None:
        imgs = fakevirt.hypervisor.images
        imgs.create(f"{FAKE_DIR}/base.qcow2", "qcow2", 64 * MIB)
        imgs.write(f"{FAKE_DIR}/base.qcow2", 0, b"\x11" * MIB)
        imgs.create(f"{FAKE_DIR}/mid.qcow2", "qcow2", None, f"{FAKE_DIR}/base.qcow2", "qcow2")
        imgs.write(f"{FAKE_DIR}/mid.qcow2", MIB, b"\x22" * MIB)
        imgs.create(f"{FAKE_DIR}/top.qcow2", "qcow2", None, f"{FAKE_DIR}/mid.qcow2", "qcow2")
        imgs.write(f"{FAKE_DIR}/top.qcow2", 2 * MIB, b"\x33" * MIB)
        imgs.create(f"{FAKE_DIR}/other.qcow2", "qcow2", 16 * MIB)
    fakevirt.call(make)


@pytest.fixture
def fake_obs(fakevirt: ThreadedServer, fakevirt_uri: str) -> dict[str, Any]:
    ensure_event_loop()
    fake_images(fakevirt)
    conn = libvirt.open(fakevirt_uri)
    try:
        return scenario(conn, "vm", FAKE_DIR)
    finally:
        conn.close()


def test_scenario_on_fakevirt(fake_obs: dict[str, Any]) -> None:
    assert fake_obs["start"] == ["D/top.qcow2#2", "D/mid.qcow2#3", "D/base.qcow2#4"]
    assert fake_obs["after commit"] == ["D/top.qcow2#2", "D/base.qcow2#4"]
    assert fake_obs["after pivot"] == ["D/base.qcow2#4"]
    assert fake_obs["info none"] == {}
    commit, active, pull = 3, 4, 1
    assert fake_obs["events"] == [
        ("BJ", "D/top.qcow2", commit, 0), ("BJ2", "vda", commit, 0),
        ("BJ", "D/top.qcow2", active, 3), ("BJ2", "vda", active, 3),
        ("BJ", "D/base.qcow2", active, 0), ("BJ2", "vda", active, 0),
        ("BJ", "D/other.qcow2", pull, 0), ("BJ2", "vdb", pull, 0)]
    assert fake_obs["errors"][0] == (8, 10, "invalid argument: disk vda does not have an active block job")


@pytest.fixture
def ref_dir() -> Iterator[str]:
    d = f"/var/lib/libvirt/images/fvref-bj-{os.getpid()}"
    Path(d).mkdir(parents=True, exist_ok=True)

    def sh(*args: str) -> None:
        subprocess.run(args, check=True, capture_output=True)

    sh("qemu-img", "create", "-q", "-f", "qcow2", f"{d}/base.qcow2", "64M")
    sh("qemu-io", "-c", "write -P 0x11 0 1M", f"{d}/base.qcow2")
    for name, below, at in (("mid", "base", 1), ("top", "mid", 2)):
        sh("qemu-img", "create", "-q", "-f", "qcow2", "-b", f"{d}/{below}.qcow2", "-F", "qcow2", f"{d}/{name}.qcow2")
        sh("qemu-io", "-c", f"write -P 0x{at + 1}{at + 1} {at}M 1M", f"{d}/{name}.qcow2")
    sh("qemu-img", "create", "-q", "-f", "qcow2", f"{d}/other.qcow2", "16M")
    for f in Path(d).iterdir():
        f.chmod(0o666)
    yield d
    shutil.rmtree(d, ignore_errors=True)


@pytest.mark.real
def test_real_twin(fake_obs: dict[str, Any], reference_uri: str, ref_dir: str) -> None:
    if shutil.which("qemu-img") is None:
        pytest.skip("qemu-img is not installed")
    conn = libvirt.open(reference_uri)
    try:
        ref = scenario(conn, f"fvref-pytest-bj-{os.getpid()}", ref_dir)
    finally:
        conn.close()
    assert fake_obs == ref
