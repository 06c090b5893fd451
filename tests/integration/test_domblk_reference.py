"""The block-device scenario on fakevirt and on a real libvirtd 9.0 (a TCG domain with the same disks): same texts.

Sizes that depend on how QEMU lays out a qcow2 file (allocation, physical) are left out; every
error, every iotune value and every capacity is compared.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
from collections.abc import Callable, Iterator
from pathlib import Path

import libvirt
import pytest

from fakevirt.testing import ThreadedServer
from fakevirt.testing.libvirt_events import ensure_event_loop, wait_for
from tests.integration.domblk_common import QCOW2_SIZE, RAW_SIZE, domain_xml, guest_write, make_images

pytestmark = pytest.mark.real
IMAGES_ROOT = Path("/var/lib/libvirt/images")
NAME = f"fvref-blk-{os.getpid()}"
Run = Callable[..., tuple[int, str]]

SCENARIO: list[list[str]] = [
    ["domblkinfo", NAME, "hdc"], ["domblkinfo", NAME, "vdz"], ["domblkstat", NAME, "vdz"], ["domblkstat", NAME, "hdc"],
    ["domblkerror", NAME], ["blkdeviotune", NAME, "vda"], ["blkdeviotune", NAME, "hdc"], ["blkdeviotune", NAME, "vdz"],
    ["blkdeviotune", NAME, "vda", "--total-bytes-sec", "1000", "--read-bytes-sec", "10"],
    ["blkdeviotune", NAME, "vda", "--total-bytes-sec-max", "1000"],
    ["blkdeviotune", NAME, "vda", "--total-bytes-sec", "1000", "--total-bytes-sec-max", "10"],
    ["blkdeviotune", NAME, "vda", "--total-bytes-sec", "1000", "--total-bytes-sec-max-length", "10"],
    ["blkdeviotune", NAME, "vda", "--total-bytes-sec", "1000000000000001"],
    ["blkdeviotune", NAME, "vda", "--size-iops-sec", "512"],
    ["blkdeviotune", NAME, "vda", "--total-bytes-sec", "1000", "--total-bytes-sec-max", "2000",
     "--total-bytes-sec-max-length", "10"],
    ["blkdeviotune", NAME, "vda", "--group-name", "grp"], ["blkdeviotune", NAME, "vda"],
    ["blkdeviotune", NAME, "vda", "--read-bytes-sec", "50", "--read-bytes-sec-max", "100"],
    ["blkdeviotune", NAME, "vda", "--write-bytes-sec", "7"],
    ["blkdeviotune", NAME, "vda", "--total-bytes-sec", "0", "--total-bytes-sec-max", "0",
     "--total-bytes-sec-max-length", "0", "--group-name", "other"],
    ["blkdeviotune", NAME, "vda", "--total-bytes-sec", "0", "--total-bytes-sec-max", "0",
     "--total-bytes-sec-max-length", "0"],
    ["blkdeviotune", NAME, "vdb", "--read-bytes-sec", "100", "--group-name", "g2"],
    ["blkdeviotune", NAME, "vda", "--group-name", "g2"], ["blkdeviotune", NAME, "vdb", "--read-bytes-sec", "300"],
    ["blkdeviotune", NAME, "vda"],
    ["blkdeviotune", NAME, "vda", "--config", "--read-iops-sec", "5", "--size-iops-sec", "7", "--total-bytes-sec-max", "5"],
    ["blkdeviotune", NAME, "vda", "--config"],
    ["blockresize", NAME, "vda", "128M"], ["blockresize", NAME, "vda", "1000B"], ["blockresize", NAME, "vdb", "1000B"],
    ["blockresize", NAME, "hdc", "1M"], ["blockresize", NAME, "vdz", "1M"],
    ["blockresize", NAME, "vda", str((1 << 41) + 1)],
    ["blockresize", NAME, "vda", "64M"], ["blockresize", NAME, "vdb", "32M"],
    ["domblkthreshold", NAME, "vdz", "1M"], ["domblkthreshold", NAME, "vda[1]", "1M"],
    ["domblkthreshold", NAME, "hdc", "1M"], ["domblkthreshold", NAME, "vda[3]", "1M"], ["domstats", NAME, "--block"],
    ["destroy", NAME], ["domblkstat", NAME, "vda"], ["domblkerror", NAME], ["blockresize", NAME, "vda", "1M"],
    ["domblkthreshold", NAME, "vda", "1M"], ["blkdeviotune", NAME, "vda", "--live"],
]


def _virsh(uri: str) -> Run:
    virsh = shutil.which("virsh")
    if virsh is None:
        pytest.skip("virsh is not installed")

    def run(*args: str) -> tuple[int, str]:
        p = subprocess.run([virsh, "-c", uri, *args], capture_output=True, text=True, timeout=120,
                           env={**os.environ, "LC_ALL": "C", "VIRSH_DEFAULT_CONNECT_URI": ""})
        return p.returncode, p.stdout + p.stderr
    return run


@pytest.fixture
def reference(reference_uri: str) -> Iterator[tuple[Run, str]]:
    if shutil.which("qemu-img") is None:
        pytest.skip("qemu-img is not installed")
    images = tempfile.mkdtemp(prefix="fvref-blk-", dir=IMAGES_ROOT)
    os.chmod(images, 0o755)
    subprocess.run(["qemu-img", "create", "-q", "-f", "qcow2", f"{images}/vm.qcow2", str(QCOW2_SIZE)], check=True)
    subprocess.run(["qemu-img", "create", "-q", "-f", "raw", f"{images}/vm2.raw", str(RAW_SIZE)], check=True)
    (Path(images) / "d.xml").write_text(domain_xml(NAME, images))
    run = _virsh(reference_uri)
    run("destroy", NAME)
    run("undefine", NAME)
    assert run("define", f"{images}/d.xml")[0] == 0
    try:
        yield run, images
    finally:
        run("destroy", NAME)
        run("undefine", NAME)
        shutil.rmtree(images, ignore_errors=True)


def _replay(run: Run, images: str, xml_dir: Path) -> list[tuple[list[str], int, str]]:
    out = [(["domstats --block (inactive)"], *_domstats(run, images))]
    assert run("start", NAME)[0] == 0
    out.append((["domstats --block"], *_domstats(run, images)))
    for argv in SCENARIO:
        if argv[0] == "domstats":
            out.append((argv, *_domstats(run, images)))
            continue
        rc, text = run(*argv)
        out.append((argv, rc, text.replace(images, "/IMAGES")))
        if argv[0] == "blockresize" and rc == 0:
            rc, text = run("domblkinfo", NAME, argv[2])
            out.append((["domblkinfo", argv[2]], rc, text.splitlines()[0]))  # the capacity
    rc, text = run("dumpxml", NAME, "--inactive")
    out.append((["dumpxml --inactive iotune"], rc, text[text.find("<iotune>"):text.find("</iotune>")]))
    return out


def _domstats(run: Run, images: str) -> tuple[int, str]:
    """domstats --block without what depends on QEMU's file layout or timing (sizes but capacity, times)."""
    rc, text = run("domstats", NAME, "--block")
    skip = (".allocation=", ".physical=", ".times=", ".rd.reqs=", ".rd.bytes=")  # QEMU reads the boot sector
    return rc, "\n".join(line for line in text.replace(images, "/IMAGES").splitlines() if not any(k in line for k in skip))


def test_block_device_scenario_matches_libvirtd(reference: tuple[Run, str], fakevirt: ThreadedServer,
                                               tmp_path: Path) -> None:
    ref_run, ref_images = reference
    images = "/var/lib/libvirt/images/fvblk"
    make_images(fakevirt, images)
    (tmp_path / "d.xml").write_text(domain_xml(NAME, images))
    run = _virsh(fakevirt.uri())
    assert run("define", str(tmp_path / "d.xml"))[0] == 0
    ours, theirs = _replay(run, images, tmp_path), _replay(ref_run, ref_images, tmp_path)
    for mine, real in zip(ours, theirs, strict=True):
        assert mine == real


def _threshold_events(uri: str, trigger: Callable[[], None]) -> list[tuple[str, str, int, int]]:
    ensure_event_loop()
    conn = libvirt.open(uri)
    seen: list[tuple[str, str, int, int]] = []
    dom = conn.lookupByName(NAME)
    dom.create()
    cid = conn.domainEventRegisterAny(dom, libvirt.VIR_DOMAIN_EVENT_ID_BLOCK_THRESHOLD,
                                      lambda c, d, dev, path, th, excess, o: seen.append((dev, path, th, excess)), None)
    try:
        dom.setBlockThreshold("vdb", 1 << 20, 0)
        trigger()
        wait_for(lambda: len(seen) >= 2, timeout=20)
        return seen
    finally:
        conn.domainEventDeregisterAny(cid)
        conn.close()


def test_threshold_event_matches_libvirtd(reference: tuple[Run, str], reference_uri: str, fakevirt: ThreadedServer,
                                          tmp_path: Path) -> None:
    ref_run, ref_images = reference
    qdev = "/machine/peripheral/virtio-disk1/virtio-backend"  # vdb's device: qemu-io writes as the guest would
    real = _threshold_events(reference_uri, lambda: ref_run(
        "qemu-monitor-command", NAME, "--hmp", f'qemu-io -d {qdev} "write -P 0x41 {(1 << 20) - 512} 1024"'))
    images = "/var/lib/libvirt/images/fvblk"
    make_images(fakevirt, images)
    (tmp_path / "d.xml").write_text(domain_xml(NAME, images))
    assert _virsh(fakevirt.uri())("define", str(tmp_path / "d.xml"))[0] == 0
    ours = _threshold_events(fakevirt.uri(), lambda: guest_write(fakevirt, NAME, "vdb", (1 << 20) - 512, b"A" * 1024))
    assert [(dev, path.replace(images, "/IMAGES"), th, ex) for dev, path, th, ex in ours] == [
        (dev, path.replace(ref_images, "/IMAGES"), th, ex) for dev, path, th, ex in real]
