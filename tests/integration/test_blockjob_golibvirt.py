"""go-libvirt (its own XDR and RPC code, no client library checks) drives an active commit on fakevirt."""

from __future__ import annotations

from pathlib import Path

import libvirt

from fakevirt.testing import ThreadedServer
from tests.integration.test_golibvirt import golibvirt, run

__all__ = ["golibvirt"]
MIB = 1 << 20
D = "/var/lib/libvirt/images/gobj"


def test_golibvirt_blockjobs(golibvirt: Path, fakevirt: ThreadedServer) -> None:
    def images() -> None:
        imgs = fakevirt.hypervisor.images
        imgs.create(f"{D}/base.qcow2", "qcow2", 64 * MIB)
        imgs.create(f"{D}/top.qcow2", "qcow2", None, f"{D}/base.qcow2", "qcow2")
        imgs.write(f"{D}/top.qcow2", 0, b"\x33" * (3 * MIB))

    fakevirt.call(images)
    assert run(golibvirt, fakevirt.tcp_address, "qemu:///system", "blockjobs") == [
        "connected: QEMU",
        "info: found=0",
        f"error abort: code={libvirt.VIR_ERR_INVALID_ARG} "
        "message=invalid argument: disk vda does not have an active block job",
        f"error rebase: code={libvirt.VIR_ERR_INVALID_ARG} "
        "message=use of flags requires a copy job",
        f"info: found=1 type={libvirt.VIR_DOMAIN_BLOCK_JOB_TYPE_ACTIVE_COMMIT} bandwidth=1 end={3 * MIB}",
        f"ready: cur={3 * MIB}",
        "pivoted: found=0",
        "done",
    ]
    assert fakevirt.call(lambda: fakevirt.hypervisor.images.read(f"{D}/base.qcow2", 0, 1)) == b"\x33"
