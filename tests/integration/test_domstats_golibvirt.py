"""go-libvirt's generated statistics calls against fakevirt (golibvirt/stats.go, step "stats")."""

from __future__ import annotations

from pathlib import Path

import libvirt

from fakevirt.testing import ThreadedServer
from tests.integration.test_golibvirt import golibvirt, run

__all__ = ["golibvirt"]


def test_golibvirt_stats(golibvirt: Path, fakevirt: ThreadedServer) -> None:
    cpus = fakevirt.hypervisor.host.cpu_count if fakevirt.hypervisor.host else 0
    assert run(golibvirt, fakevirt.tcp_address, "qemu:///system", "stats") == [
        "connected: QEMU",
        "ifstats: rx=0 tx=0",
        "cpustats: nparams=3 first=cpu_time",
        f"cpustats: host cpus={cpus}",
        f"cpustats ncpus 2: code={libvirt.VIR_ERR_INVALID_ARG} message=ncpus must be 1 when start_cpu is -1",
        "memstats: first tag=6 last tag=7",
        "domstats: records=1 net.0.name=true dirtyrate=true",
        "done",
    ]
