"""go-libvirt's generated block-device calls against fakevirt (golibvirt/blockdev.go, step "blockdev")."""

from __future__ import annotations

from pathlib import Path

import libvirt

from fakevirt.testing import ThreadedServer
from tests.integration.domblk_common import make_images
from tests.integration.test_golibvirt import golibvirt, run

__all__ = ["golibvirt"]


def test_golibvirt_blockdev(golibvirt: Path, fakevirt: ThreadedServer) -> None:
    make_images(fakevirt, "/var/lib/libvirt/images/goblk")
    assert run(golibvirt, fakevirt.tcp_address, "qemu:///system", "blockdev") == [
        "connected: QEMU",
        f"blockinfo: vda capacity={128 << 20}",
        "blockstats: nparams=8 first=wr_bytes",
        "iotune: nparams=20 total_iops_sec=200 group_name=gogrp",
        "peek: 16 bytes",
        f"peek qcow2: code={libvirt.VIR_ERR_OPERATION_UNSUPPORTED} "
        "message=Operation not supported: peeking is only supported for disk with 'raw' format not 'qcow2'",
        "disk errors: disks=2 listed=0",
        "done",
    ]
