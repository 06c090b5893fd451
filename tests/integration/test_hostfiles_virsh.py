"""``fakevirt serve --host-files DIR`` through virsh: pools list real files, domains start on them,
the guest sees what qemu would, and nothing is ever written to the real files.

Images are made with the real qemu-img / qemu-io; ``@pytest.mark.real`` twins put a pool on the
same directory in the reference libvirtd and compare what both report.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from tests.integration.conftest import err, ok

pytestmark = pytest.mark.skipif(shutil.which("qemu-img") is None or shutil.which("qemu-io") is None,
                                reason="qemu-utils is not installed")
MiB = 1 << 20
SERVE = [sys.executable, "-m", "fakevirt", "serve", "--listen", "tcp://127.0.0.1:0"]
DOMAIN = """<domain type='kvm'><name>{name}</name><memory unit='MiB'>64</memory><vcpu>1</vcpu>
<os><type arch='x86_64'>hvm</type></os><devices>
<disk type='file' device='disk'><driver name='qemu' type='qcow2'/><source file='{disk}'/>
<target dev='vda' bus='virtio'/></disk></devices></domain>"""


@contextmanager
def serve(*args: str) -> Iterator[tuple[str, Callable[[], str]]]:
    """``fakevirt serve ARGS`` on a free port: (its URI, a function that stops it and returns its log)."""
    proc = subprocess.Popen([*SERVE, *args], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    stopped: list[str] = []

    def stop() -> str:
        if not stopped:
            proc.send_signal(signal.SIGTERM)
            _, log = proc.communicate(timeout=15)
            stopped.append(log)
        return stopped[0]

    try:
        assert proc.stdout is not None
        line = proc.stdout.readline()
        m = re.search(r"virsh -c '([^']+)'$", line.rstrip("\n"))
        assert m is not None, line + (proc.stderr.read() if proc.stderr else "")
        yield m.group(1), stop
        stop()
    finally:
        if proc.poll() is None:
            os.kill(proc.pid, signal.SIGKILL)
            proc.wait()


def run(*args: str) -> str:
    return subprocess.run(args, check=True, capture_output=True, text=True).stdout


def digest(directory: Path) -> dict[str, str]:
    return {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in sorted(directory.iterdir()) if p.is_file()}


def guest_bytes(path: Path, tmp: Path) -> bytes:
    out = tmp / f"{path.name}.guest"
    run("qemu-img", "convert", "-O", "raw", str(path), str(out))
    return out.read_bytes()


@pytest.fixture
def images(tmp_path: Path) -> Path:
    """A cloud-image-like base, an overlay on it with an internal snapshot, a compressed copy,
    and a sparse raw disk: the kinds of files people make with qemu-img before using libvirt."""
    d = tmp_path / "images"
    d.mkdir()
    os.chmod(d, 0o755)
    base = d / "base.qcow2"
    run("qemu-img", "create", "-q", "-f", "qcow2", str(base), "64M")
    run("qemu-io", "-f", "qcow2", "-c", "write -P 0xab 0 1M", "-c", "write -P 0xcd 10M 64k", str(base))
    run("qemu-img", "create", "-q", "-f", "qcow2", "-b", "base.qcow2", "-F", "qcow2", str(d / "over.qcow2"))
    run("qemu-io", "-f", "qcow2", "-c", "write -P 0x11 512k 4k", str(d / "over.qcow2"))
    run("qemu-img", "snapshot", "-c", "s1", str(d / "over.qcow2"))
    run("qemu-img", "convert", "-c", "-O", "qcow2", str(base), str(d / "packed.qcow2"))
    with open(d / "disk.raw", "wb") as f:
        f.truncate(3 * MiB)
        f.seek(2 * MiB)
        f.write(b"raw data")
    for p in d.iterdir():
        os.chmod(p, 0o644)
    return d


def test_pool_on_a_host_directory_lists_its_files(virsh_bin: str, images: Path) -> None:
    with serve("--host-files", str(images)) as (uri, _):
        def virsh(*args: str) -> subprocess.CompletedProcess[str]:
            return subprocess.run([virsh_bin, "-c", uri, *args], capture_output=True, text=True, timeout=30,
                                  env={**os.environ, "LC_ALL": "C"})

        ok(virsh("pool-create-as", "host", "dir", "--target", str(images)))
        names = ok(virsh("vol-list", "host")).split()
        assert [n for n in names if "." in n and "/" not in n] == ["base.qcow2", "disk.raw", "over.qcow2",
                                                                    "packed.qcow2"]
        for name in ("base.qcow2", "over.qcow2", "packed.qcow2", "disk.raw"):
            path = images / name
            info = json.loads(run("qemu-img", "info", "--output=json", str(path)))
            xml = ok(virsh("vol-dumpxml", "--pool", "host", name))
            st = path.stat()
            assert f"<capacity unit='bytes'>{info['virtual-size']}</capacity>" in xml
            assert f"<allocation unit='bytes'>{st.st_blocks * 512}</allocation>" in xml
            assert f"<physical unit='bytes'>{st.st_size}</physical>" in xml
            assert f"<format type='{info['format']}'/>" in xml
            assert "<mode>0644</mode>" in xml
        over = ok(virsh("vol-dumpxml", "--pool", "host", "over.qcow2"))
        assert f"<backingStore>\n    <path>{images}/base.qcow2</path>\n    <format type='qcow2'/>" in over


def test_domain_on_host_files_sees_their_data_and_writes_stay_in_memory(virsh_bin: str, images: Path,
                                                                         tmp_path: Path) -> None:
    before = digest(images)
    with serve("--host-files", str(images)) as (uri, _):
        def virsh(*args: str) -> subprocess.CompletedProcess[str]:
            return subprocess.run([virsh_bin, "-c", uri, *args], capture_output=True, text=True, timeout=60,
                                  env={**os.environ, "LC_ALL": "C"})

        ok(virsh("pool-create-as", "host", "dir", "--target", str(images)))
        # a Terraform-style overlay volume on the host's base image, and a domain on it
        ok(virsh("vol-create-as", "host", "vm.qcow2", "64M", "--format", "qcow2",
                 "--backing-vol", str(images / "base.qcow2"), "--backing-vol-format", "qcow2"))
        dom = tmp_path / "dom.xml"
        dom.write_text(DOMAIN.format(name="vm", disk=images / "vm.qcow2"))
        ok(virsh("define", str(dom)))
        ok(virsh("start", "vm"))
        assert "Capacity:       67108864" in ok(virsh("domblkinfo", "vm", "vda"))
        # a domain straight on a host file whose backing file is a host file too
        direct = tmp_path / "direct.xml"
        direct.write_text(DOMAIN.format(name="direct", disk=images / "over.qcow2"))
        ok(virsh("create", str(direct)))
        assert "Capacity:       67108864" in ok(virsh("domblkinfo", "direct", "vda"))
        missing = tmp_path / "missing.xml"
        missing.write_text(DOMAIN.format(name="missing", disk=images / "nope.qcow2"))
        assert err(virsh("create", str(missing))) == (
            f"error: Failed to create domain from {missing}\n"
            f"error: Cannot access storage file '{images}/nope.qcow2' (as uid:64055, gid:64055): "
            "No such file or directory")
        # what the guest of each file sees, flattened into a raw volume and downloaded
        for name in ("vm.qcow2", "over.qcow2", "packed.qcow2"):
            flat = tmp_path / "flat.xml"
            flat.write_text(f"<volume><name>{name}.raw</name><capacity>0</capacity>"
                            "<target><format type='raw'/></target></volume>")
            ok(virsh("vol-create-from", "host", str(flat), name, "--inputpool", "host"))
            out = tmp_path / f"{name}.raw"
            ok(virsh("vol-download", "--pool", "host", f"{name}.raw", str(out)))
            source = images / "base.qcow2" if name == "vm.qcow2" else images / name
            assert out.read_bytes() == guest_bytes(source, tmp_path), name
        # uploads and deletions change the emulated host only
        up = tmp_path / "up.bin"
        up.write_bytes(b"uploaded")
        ok(virsh("vol-upload", "--pool", "host", "disk.raw", str(up)))
        got = tmp_path / "got.bin"
        ok(virsh("vol-download", "--pool", "host", "disk.raw", str(got), "--length", "8"))
        assert got.read_bytes() == b"uploaded"
        ok(virsh("vol-delete", "--pool", "host", "packed.qcow2"))
        assert "packed.qcow2" not in ok(virsh("vol-list", "host")).split()
    assert digest(images) == before


def test_without_the_option_a_real_directory_is_not_seen(virsh_bin: str, images: Path) -> None:
    with serve("--log-level", "warning") as (uri, stop):
        r = subprocess.run([virsh_bin, "-c", uri, "pool-create-as", "host", "dir", "--target", str(images)],
                           capture_output=True, text=True, timeout=30, env={**os.environ, "LC_ALL": "C"})
        assert err(r) == ("error: Failed to create pool host\n"
                          f"error: cannot open directory '{images}': No such file or directory")
        log = stop()
    assert f"start it with --host-files {images}" in log


def test_host_files_must_name_directories(tmp_path: Path) -> None:
    r = subprocess.run([*SERVE, "--host-files", str(tmp_path / "nope")], capture_output=True, text=True,
                       timeout=30)
    assert (r.returncode, r.stderr) == (2, f"fakevirt: --host-files {tmp_path / 'nope'}: not a directory\n")


def _volumes(virsh_bin: str, uri: str, pool: str, images: Path) -> dict[str, str]:
    """Each volume's XML without the timestamps (the real daemon prints nanoseconds) and the qcow2
    details fakevirt does not format yet (compat, clusterSize, features)."""
    out: dict[str, str] = {}
    for name in sorted(p.name for p in images.iterdir()):
        xml = subprocess.run([virsh_bin, "-c", uri, "vol-dumpxml", "--pool", pool, name], capture_output=True,
                             text=True, timeout=30, check=True).stdout
        xml = re.sub(r"\s*<timestamps>.*?</timestamps>", "", xml, flags=re.S)
        out[name] = re.sub(r"\s*<(compat|clusterSize|features)\b[^>]*?(/>|>.*?</\1>)", "", xml, flags=re.S)
    return out


@pytest.mark.real
def test_volumes_of_a_host_directory_match_libvirtd(virsh_bin: str, reference_uri: str, images: Path) -> None:
    name = f"fv-hostfiles-{uuid.uuid4().hex[:8]}"
    subprocess.run([virsh_bin, "-c", reference_uri, "pool-create-as", name, "dir", "--target", str(images)],
                   check=True, capture_output=True, timeout=30)
    try:
        want = _volumes(virsh_bin, reference_uri, name, images)
    finally:
        subprocess.run([virsh_bin, "-c", reference_uri, "pool-destroy", name], capture_output=True, timeout=30)
    with serve("--host-files", str(images)) as (uri, _):
        subprocess.run([virsh_bin, "-c", uri, "pool-create-as", name, "dir", "--target", str(images)],
                       check=True, capture_output=True, timeout=30)
        assert _volumes(virsh_bin, uri, name, images) == want
