"""go-libvirt, a pure-protocol client, moves volume files byte for byte (golibvirt/files.go)."""

from __future__ import annotations

from pathlib import Path

import pytest

from fakevirt.testing import ThreadedServer
from tests.integration.test_golibvirt import golibvirt, reference_address, run

__all__ = ["golibvirt", "reference_address"]  # fixtures, shared with the other go-libvirt tests

EXPECTED = [
    "connected: QEMU",
    'raw: "hello, world\\n" capacity=13 allocation=4096',
    "qcow2 file: 196616 bytes, header 514649fb00000002",
    "done",
]


def test_golibvirt_files(golibvirt: Path, fakevirt: ThreadedServer) -> None:
    assert run(golibvirt, fakevirt.tcp_address, "qemu:///system", "files") == EXPECTED


@pytest.mark.real
def test_golibvirt_files_like_libvirtd(golibvirt: Path, reference_address: str) -> None:
    assert run(golibvirt, reference_address, "qemu:///system", "files") == EXPECTED
