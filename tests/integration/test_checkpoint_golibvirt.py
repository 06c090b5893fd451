"""go-libvirt's checkpoint calls against fakevirt (the "checkpoints" step of golibvirt/checkpoints.go)."""

from __future__ import annotations

from pathlib import Path

import libvirt

from fakevirt.testing import ThreadedServer
from tests.integration.test_golibvirt import golibvirt, run  # noqa: F401 (the session fixture)


def test_golibvirt_checkpoints(golibvirt: Path, fakevirt: ThreadedServer) -> None:  # noqa: F811
    hv = fakevirt.hypervisor
    fakevirt.call(hv.images.create, "/golibvirt/ck.qcow2", "qcow2", 1 << 26)
    assert run(golibvirt, fakevirt.tcp_address, "qemu:///system", "checkpoints") == [
        "connected: QEMU",
        "created: c1",
        "created: c2",
        "list: c1,c2 ret=2",
        "children of c1: c2",
        "parent of c2: c1",
        "c1 disk: <disk name='vda' checkpoint='bitmap' bitmap='c1' size='0'/>",
        "after delete: c2",
        f"error checkpoint: code={libvirt.VIR_ERR_NO_DOMAIN_CHECKPOINT} "
        "message=Domain checkpoint not found: no domain checkpoint with matching name 'c1'",
        f"error undefine: code={libvirt.VIR_ERR_OPERATION_INVALID} "
        "message=Requested operation is not valid: cannot delete inactive domain with 1 checkpoints",
        "done",
    ]
    assert fakevirt.call(lambda: [b.name for b in hv.images.bitmaps("/golibvirt/ck.qcow2")]) == ["c2"]
