"""Dirty bitmaps through block jobs, as libvirt 9.0 + QEMU move them: one virsh scenario (checkpoints,
guest writes, external snapshots, commit below the top, active commit + pivot, shallow and full copy
with pivot, a copy finished, a pull) run on fakevirt and on a real libvirtd (QEMU/TCG), observing
after each step every image's bitmaps (name, dirty bytes) and each checkpoint's --size.

On the reference the guest writes go through HMP ``qemu-io`` and the bitmaps are read with QMP
query-named-block-nodes; on fakevirt the writes are ``guest_write`` and the bitmaps the image store's.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import tempfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from fakevirt.testing import ThreadedServer

from .test_blockcopy_reference import IMAGES_ROOT, Run, domain_xml, runner

MIB = 1 << 20
Bitmaps = Callable[[], dict[str, list[tuple[str, int]]]]
Write = Callable[[int, int], None]


def chain_files(run: Run, name: str) -> list[str]:
    x = run("dumpxml", name).stdout
    disk = x[x.index("<disk"):x.index("</disk>")].split("<mirror")[0]
    return re.findall(r"<source file='([^']+)'", disk)


def scenario(run: Run, name: str, d: str, write: Write, bitmaps: Bitmaps) -> list[object]:
    out: list[object] = []

    def step(*args: str) -> None:
        r = run(*args)
        assert r.returncode == 0, (args, r.stderr)

    def observe(label: str) -> None:
        bms = bitmaps()
        files = chain_files(run, name)
        sizes = []
        for c in run("checkpoint-list", name, "--name").stdout.split():
            sizes += re.findall(r"<disk name='vda' checkpoint='bitmap' bitmap='(\w+)' size='(\d+)'/>",
                                run("checkpoint-dumpxml", name, c, "--size").stdout)
        out.append((label, [(Path(f).name, sorted(bms.get(f, []))) for f in files], sorted(sizes)))

    step("checkpoint-create-as", name, "c1")
    write(16, 2)
    step("blockcommit", name, "vda", "--top", f"{d}/mid.qcow2", "--wait")
    observe("commit below the top")
    step("snapshot-create-as", name, "s1", "--disk-only", "--no-metadata", "--diskspec", f"vda,file={d}/s1.qcow2")
    write(20, 1)
    step("checkpoint-create-as", name, "c2")
    write(24, 1)
    observe("snapshot, writes, checkpoint")
    step("blockcommit", name, "vda", "--active", "--wait", "--pivot")
    observe("active commit pivoted")
    step("snapshot-create-as", name, "s2", "--disk-only", "--no-metadata", "--diskspec", f"vda,file={d}/s2.qcow2")
    write(32, 1)
    step("checkpoint-create-as", name, "c3")
    step("snapshot-create-as", name, "s3", "--disk-only", "--no-metadata", "--diskspec", f"vda,file={d}/s3.qcow2")
    write(36, 1)
    step("blockcommit", name, "vda", "--top", f"{d}/s2.qcow2", "--wait")
    observe("commit into a base with bitmaps")
    step("blockcopy", name, "vda", f"{d}/cs.qcow2", "--shallow", "--transient-job", "--wait", "--pivot")
    observe("shallow copy pivoted")
    write(40, 1)
    step("blockcopy", name, "vda", f"{d}/cf.qcow2", "--transient-job", "--wait", "--pivot")
    observe("full copy pivoted")
    step("snapshot-create-as", name, "s4", "--disk-only", "--no-metadata", "--diskspec", f"vda,file={d}/s4.qcow2")
    write(44, 1)
    step("blockcopy", name, "vda", f"{d}/fin.qcow2", "--transient-job", "--wait", "--finish")
    out.append(("finished copy", sorted(bitmaps().get(f"{d}/fin.qcow2", []))))
    step("blockpull", name, "vda", "--wait")
    observe("pull")
    return out


def make_images(d: str) -> None:
    for args in (["create", "-q", "-f", "qcow2", f"{d}/base.qcow2", "64M"],
                 ["create", "-q", "-f", "qcow2", "-b", f"{d}/base.qcow2", "-F", "qcow2", f"{d}/mid.qcow2"],
                 ["create", "-q", "-f", "qcow2", "-b", f"{d}/mid.qcow2", "-F", "qcow2", f"{d}/vm.qcow2"]):
        subprocess.run(["qemu-img", *args], check=True)
    for f, cmd in (("base", "write -P 0x11 0 4M"), ("mid", "write -P 0x22 4M 4M"), ("vm", "write -P 0x33 8M 1M")):
        subprocess.run(["qemu-io", "-f", "qcow2", "-c", cmd, f"{d}/{f}.qcow2"], check=True, capture_output=True)


@contextmanager
def reference_chain(uri: str, prefix: str) -> Iterator[tuple[Run, str, str]]:
    """The chain of make_images under a running domain of the reference: (virsh runner, name, dir)."""
    if shutil.which("qemu-io") is None:
        pytest.skip("qemu-io is needed")
    name = f"{prefix}-{os.getpid()}"
    d = tempfile.mkdtemp(prefix=f"{prefix}-", dir=IMAGES_ROOT)
    os.chmod(d, 0o755)
    ref = runner(uri)
    try:
        make_images(d)
        (Path(d) / "domain.xml").write_text(domain_xml(name, d))
        assert ref("define", f"{d}/domain.xml").returncode == 0 and ref("start", name).returncode == 0
        yield ref, name, d
    finally:
        ref("destroy", name)
        ref("undefine", name, "--checkpoints-metadata")
        shutil.rmtree(d, ignore_errors=True)


def reference_run(ref: Run, name: str, d: str) -> list[object]:
    def write(at_mib: int, mib: int) -> None:
        cmd = f'qemu-io -d /machine/peripheral/virtio-disk0/virtio-backend "write -P 0x55 {at_mib}M {mib}M"'
        assert ref("qemu-monitor-command", "--hmp", name, cmd).returncode == 0

    def bitmaps() -> dict[str, list[tuple[str, int]]]:
        q = '{"execute":"query-named-block-nodes","arguments":{"flat":true}}'
        nodes = json.loads(ref("qemu-monitor-command", name, q).stdout)["return"]
        got = {n["file"]: [(b["name"], b["count"]) for b in n.get("dirty-bitmaps", [])]
               for n in nodes if n["drv"] == "qcow2"}
        fin = f"{d}/fin.qcow2"
        if fin not in got and os.path.exists(fin):  # QEMU closed it: what the file records
            info = json.loads(subprocess.run(["qemu-img", "info", "-U", "--output=json", fin],
                                             capture_output=True, text=True, check=True).stdout)
            got[fin] = [(b["name"], -1) for b in info["format-specific"]["data"].get("bitmaps", [])]
        return got
    return scenario(ref, name, d, write, bitmaps)


def fakevirt_domain(fakevirt: ThreadedServer, uri: str, name: str, d: str, tmp: Path) -> None:
    """The images of make_images in fakevirt's store, the domain defined and started."""
    def mk() -> None:
        imgs = fakevirt.hypervisor.images
        imgs.create(f"{d}/base.qcow2", "qcow2", 64 * MIB)
        imgs.write(f"{d}/base.qcow2", 0, b"\x11" * (4 * MIB))
        imgs.create(f"{d}/mid.qcow2", "qcow2", None, f"{d}/base.qcow2", "qcow2")
        imgs.write(f"{d}/mid.qcow2", 4 * MIB, b"\x22" * (4 * MIB))
        imgs.create(f"{d}/vm.qcow2", "qcow2", None, f"{d}/mid.qcow2", "qcow2")
        imgs.write(f"{d}/vm.qcow2", 8 * MIB, b"\x33" * MIB)
    fakevirt.call(mk)
    fv = runner(uri)
    xml = tmp / "domain.xml"
    xml.write_text(domain_xml(name, d).replace("type='qemu'", "type='kvm'", 1))
    assert fv("define", str(xml)).returncode == 0 and fv("start", name).returncode == 0


def fakevirt_run(fakevirt: ThreadedServer, uri: str, name: str, d: str, tmp: Path) -> list[object]:
    fakevirt_domain(fakevirt, uri, name, d, tmp)
    fv = runner(uri)
    hv = fakevirt.hypervisor

    def write(at_mib: int, mib: int) -> None:
        dom = hv.system.domains.by_name(name)
        fakevirt.call(hv.system.domains.guest_write, dom, "vda", at_mib * MIB, b"\x55" * (mib * MIB))

    def bitmaps() -> dict[str, list[tuple[str, int]]]:
        def get() -> dict[str, list[tuple[str, int]]]:
            store = hv.images
            return {p: [(b.name, b.dirty_bytes(store.open(p).virtual_size)) for b in store.bitmaps(p)]
                    for p in store.listdir(d) if store.open(p).format == "qcow2"}
        got = fakevirt.call(get)
        fin = f"{d}/fin.qcow2"
        got[fin] = [(n, -1) for n, _ in got.get(fin, [])]  # a closed file: names only, as qemu-img shows
        return got
    return scenario(fv, name, d, write, bitmaps)


@pytest.mark.real
def test_bitmaps_follow_the_images_as_on_the_reference(reference_uri: str, fakevirt: ThreadedServer,
                                                        fakevirt_uri: str, tmp_path: Path) -> None:
    with reference_chain(reference_uri, "fvref-pytest-bitmaps") as (ref, name, d):
        want = reference_run(ref, name, d)
    assert fakevirt_run(fakevirt, fakevirt_uri, name, d, tmp_path) == want


CHAIN_STATS: list[list[str]] = [
    ["domstats", "--block", "--backing"],
    ["domblkthreshold", "vda[3]", "1M"], ["domblkthreshold", "vda[2]", "2M"], ["domblkthreshold", "vda[1]", "3M"],
    ["domblkthreshold", "vda[x]", "1"], ["domblkthreshold", "vda[1", "1"], ["domblkthreshold", "vda[9]", "1"],
    ["domblkthreshold", "vdb[1]", "1"], ["domstats", "--block", "--backing"], ["domstats", "--block"],
    ["domblkinfo", "vda[3]"], ["domblkstat", "vda[3]"], ["domblkthreshold", "vda[2]", "0"],
    ["domstats", "--block", "--backing"],
]


def chain_stats(run: Run, name: str, d: str) -> list[tuple[list[str], int, str]]:
    """Each command's exit code and output, without what depends on QEMU's file layout or timing."""
    skip = (".allocation=", ".physical=", ".times=", ".rd.reqs=", ".rd.bytes=")
    out = []
    for argv in CHAIN_STATS:
        r = run(argv[0], name, *argv[1:])
        text = "\n".join(line for line in (r.stdout + r.stderr).replace(d, "D").splitlines()
                         if not any(k in line for k in skip))
        out.append((argv, r.returncode, text))
    return out


@pytest.mark.real
def test_backing_images_in_stats_and_thresholds_as_on_the_reference(
        reference_uri: str, fakevirt: ThreadedServer, fakevirt_uri: str, tmp_path: Path) -> None:
    """vda[N] names a backing image for domblkthreshold; domstats --backing lists the chain."""
    with reference_chain(reference_uri, "fvref-pytest-chainstats") as (ref, name, d):
        want = chain_stats(ref, name, d)
    fakevirt_domain(fakevirt, fakevirt_uri, name, d, tmp_path)
    got = chain_stats(runner(fakevirt_uri), name, d)
    for mine, real in zip(got, want, strict=True):
        assert mine == real
