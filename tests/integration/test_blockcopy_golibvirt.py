"""go-libvirt's DomainBlockCopy, GetBlockJobInfo and BlockJobAbort(PIVOT) against fakevirt."""

from __future__ import annotations

from pathlib import Path

import libvirt

from fakevirt.testing import ThreadedServer
from tests.integration.test_golibvirt import golibvirt, run

__all__ = ["golibvirt"]  # the fixture, shared with the other go-libvirt tests

IMG = "/var/lib/libvirt/images"


def test_golibvirt_blockcopy(golibvirt: Path, fakevirt: ThreadedServer) -> None:
    def mk() -> None:
        fakevirt.hypervisor.images.create(f"{IMG}/golibvirt-copy.qcow2", "qcow2", 64 << 20)
        fakevirt.hypervisor.images.write(f"{IMG}/golibvirt-copy.qcow2", 0, b"go" * 4096)
    fakevirt.call(mk)
    assert run(golibvirt, fakevirt.tcp_address, "qemu:///system", "blockcopy") == [
        "connected: QEMU",
        f"copy error: code={libvirt.VIR_ERR_OPERATION_INVALID} "
        "message=Requested operation is not valid: domain is not transient",
        f"job: type={libvirt.VIR_DOMAIN_BLOCK_JOB_TYPE_COPY} end={64 << 20}",
        f"pivoted: {IMG}/golibvirt-copy.dst index=2",
        "done",
    ]
    assert fakevirt.call(fakevirt.hypervisor.images.read, f"{IMG}/golibvirt-copy.dst", 0, 8192) == b"go" * 4096
