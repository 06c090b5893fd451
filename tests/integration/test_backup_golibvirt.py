"""go-libvirt's backup calls against fakevirt (the "backup" step of golibvirt/backup.go)."""

from __future__ import annotations

from pathlib import Path

import libvirt

from fakevirt.testing import ThreadedServer
from tests.integration.test_golibvirt import golibvirt, run  # noqa: F401 (the session fixture)


def test_golibvirt_backup(golibvirt: Path, fakevirt: ThreadedServer) -> None:  # noqa: F811
    hv = fakevirt.hypervisor
    fakevirt.call(hv.images.create, "/golibvirt/bk.qcow2", "qcow2", 1 << 26)
    assert run(golibvirt, fakevirt.tcp_address, "qemu:///system", "backup") == [
        "connected: QEMU",
        "backup xml: <disk name='vda' backup='yes' type='file' backupmode='full' exportname='vda' index='2'>",
        "backup xml: <scratch file='/golibvirt/bk.qcow2.gb1'/>",
        f"job: type={libvirt.VIR_DOMAIN_JOB_UNBOUNDED} operation={libvirt.VIR_DOMAIN_JOB_OPERATION_BACKUP} "
        f"temp_total={1 << 26}",
        "nbd: NBDMAGIC",
        f"error second backup: code={libvirt.VIR_ERR_OPERATION_TIMEOUT}",
        f"completed: type={libvirt.VIR_DOMAIN_JOB_COMPLETED} errmsg=Operation canceled",
        f"push: type={libvirt.VIR_DOMAIN_JOB_COMPLETED} success=1",
        f"error no backup: code={libvirt.VIR_ERR_NO_DOMAIN_BACKUP} message=Domain backup job id not found: "
        "no domain backup job present",
        "done",
    ]
    assert fakevirt.call(lambda: hv.images.exists("/golibvirt/bk.inc"))
