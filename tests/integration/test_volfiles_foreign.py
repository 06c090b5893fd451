"""Uploaded qcow, qed, vmdk and vpc files: their guest data is what qemu reads from them.  A file made
by qemu-img and written by qemu-io is uploaded (virsh vol-upload), converted to raw
(vol-create-from), downloaded, and ``qemu-img compare`` finds the download identical to the
source; the downloaded source volume is the uploaded file byte for byte."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

from fakevirt.testing import ThreadedServer
from tests.integration.conftest import ok

pytestmark = pytest.mark.skipif(shutil.which("qemu-io") is None or shutil.which("qemu-img") is None,
                                reason="qemu-utils is not installed")
POOL = "/var/lib/libvirt/images/foreign"


def _source(tmp: Path, fmt: str, compressed: bool) -> Path:
    src = tmp / f"src.{fmt}"
    made = tmp / "made.raw" if compressed else src
    subprocess.run(["qemu-img", "create", "-q", "-f", "raw" if compressed else fmt, str(made), "8M"], check=True)
    subprocess.run(["qemu-io", "-f", "raw" if compressed else fmt, "-c", "write -P 0x5a 1M 64k",
                    "-c", "write -P 0x33 5000k 300k", "-c", "write -P 0x7e 0 512", str(made)],
                   check=True, capture_output=True)
    if compressed:  # deflated clusters (qemu-img 7.2 exits 1 after writing a good qcow file: compare it)
        subprocess.run(["qemu-img", "convert", "-c", "-O", fmt, str(made), str(src)], capture_output=True)
        subprocess.run(["qemu-img", "compare", "-q", str(made), str(src)], check=True)
    return src


@pytest.mark.parametrize(("fmt", "compressed"), [("qcow", False), ("qcow", True), ("qed", False), ("vmdk", False),
                                                 ("vpc", False)])
def test_uploaded_file_reads_as_qemu_reads_it(fakevirt: ThreadedServer, virsh, tmp_path: Path,  # type: ignore[no-untyped-def]
                                              fmt: str, compressed: bool) -> None:
    src = _source(tmp_path, fmt, compressed)
    ok(virsh("pool-create-as", "foreign", "dir", "--target", POOL, "--build"))
    ok(virsh("vol-create-as", "foreign", "src", "1M", "--format", fmt))
    ok(virsh("vol-upload", "src", str(src), "--pool", "foreign"))
    ok(virsh("vol-create-as", "foreign", "out", "1M", "--format", "raw"))
    ok(virsh("vol-delete", "out", "--pool", "foreign"))
    (tmp_path / "out.xml").write_text("<volume><name>out</name><capacity>0</capacity>"
                                      "<target><format type='raw'/></target></volume>")
    ok(virsh("vol-create-from", "foreign", str(tmp_path / "out.xml"), "src", "--inputpool", "foreign"))
    ok(virsh("vol-download", "out", str(tmp_path / "out.raw"), "--pool", "foreign"))
    ok(virsh("vol-download", "src", str(tmp_path / f"back.{fmt}"), "--pool", "foreign"))
    assert (tmp_path / f"back.{fmt}").read_bytes() == src.read_bytes()
    r = subprocess.run(["qemu-img", "compare", "-f", fmt, "-F", "raw", str(src), str(tmp_path / "out.raw")],
                       capture_output=True, text=True)
    assert r.returncode == 0, r.stdout + r.stderr
