"""A pull backup's NBD export read by libnbd (python3-libnbd) and nbdcopy: holes come back as
holes, block status answers REQ_ONE and full queries, and the copy equals the disk at the start."""

from __future__ import annotations

import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from fakevirt.testing import ThreadedServer
from tests.integration.backup_common import domain_xml, guest_write, running

IMG = "/var/lib/libvirt/images/nbdc/vm.qcow2"
MIB, CS = 1 << 20, 65536
SIZE = 256 * MIB


def libnbd():  # type: ignore[no-untyped-def]
    """python3-libnbd is built for the system's Python; its module loads in ours (same 3.11 ABI)."""
    if "/usr/lib/python3/dist-packages" not in sys.path:
        sys.path.append("/usr/lib/python3/dist-packages")
    return pytest.importorskip("nbd")


@pytest.fixture
def export(fakevirt: ThreadedServer, tmp_path: Path) -> Iterator[tuple[ThreadedServer, str, bytes]]:
    hv = fakevirt.hypervisor

    def setup() -> bytes:
        for i in range(0, SIZE // CS, 16):  # one cluster in 16 written
            hv.images.write(IMG, i * CS, bytes([i % 251 + 1]) * CS, force=True)
        hv.images.write(IMG, 3 * CS, b"short", force=True)
        return hv.images.read(IMG, 0, SIZE)

    with running(fakevirt, domain_xml("nbdc", IMG), {IMG: SIZE}) as (_, dom):
        before = fakevirt.call(setup)
        sock = tmp_path / "nbd.sock"
        dom.backupBegin(f"<domainbackup mode='pull'><server transport='unix' socket='{sock}'/></domainbackup>",
                        None, 0)
        for i in range(0, SIZE // CS, 7):
            guest_write(fakevirt, "nbdc", i * CS + 100, b"after")
        yield fakevirt, f"nbd+unix:///vda?socket={sock}", before
        dom.abortJob()


def test_libnbd_reads_data_holes_and_block_status(export) -> None:
    nbd = libnbd()
    _, uri, before = export
    h = nbd.NBD()
    h.add_meta_context("base:allocation")
    h.connect_uri(uri)
    assert h.get_size() == SIZE and h.can_meta_context("base:allocation")
    kinds: list[tuple[int, int, int]] = []

    def chunk(subbuf, offset, status, error):  # type: ignore[no-untyped-def]
        kinds.append((status, offset, len(subbuf)))
        return 0

    buf = h.pread_structured(32 * MIB, 0, chunk)
    assert buf == before[:32 * MIB]
    assert (nbd.READ_HOLE, 17 * CS, 15 * CS) in kinds  # the clusters between two written ones
    assert (nbd.READ_DATA, 3 * CS, 5) in kinds and (nbd.READ_HOLE, 3 * CS + 5, 13 * CS - 5) in kinds
    extents: list[int] = []

    def status(meta, offset, entries, err):  # type: ignore[no-untyped-def]
        extents.extend(entries)
        return 0

    h.block_status(SIZE, 0, status)
    assert extents[:10] == [CS, 0, 2 * CS, 3, CS, 0, 12 * CS, 3, CS, 0]
    extents.clear()
    h.block_status(SIZE - 17 * CS, 17 * CS, status, nbd.CMD_FLAG_REQ_ONE)
    assert extents == [15 * CS, 3]
    h.shutdown()


@pytest.mark.skipif(shutil.which("nbdcopy") is None, reason="nbdcopy is not installed")
def test_nbdcopy_gets_the_disk_as_it_was(export, tmp_path: Path) -> None:
    _, uri, before = export
    out = tmp_path / "copy.raw"
    subprocess.run(["nbdcopy", uri, str(out)], check=True, timeout=60)
    assert out.read_bytes() == before
