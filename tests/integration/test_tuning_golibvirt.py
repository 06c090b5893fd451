"""go-libvirt's generated tuning calls against fakevirt (golibvirt/tuning.go, step "tuning")."""

from __future__ import annotations

from pathlib import Path

import libvirt

from fakevirt.testing import ThreadedServer
from tests.integration.test_golibvirt import golibvirt, run
from tests.integration.tuning_common import make_images

__all__ = ["golibvirt"]


def test_golibvirt_tuning(golibvirt: Path, fakevirt: ThreadedServer) -> None:
    make_images(fakevirt, "/var/lib/libvirt/images/gotune")
    host_cpus = fakevirt.hypervisor.host.cpu_count
    assert run(golibvirt, fakevirt.tcp_address, "qemu:///system", "tuning") == [
        "connected: QEMU",
        "sched: n=9 cpu_shares=512 vcpu_quota=-1",
        f"vcpupin: num=4 maps=[{(1 << host_cpus) - 1 & 0xFF} 2 {(1 << host_cpus) - 1 & 0xFF} {(1 << host_cpus) - 1 & 0xFF}]",
        "iothreads: count=3 first=2 last=1 last-map=[255]",
        f"del iothread: code={libvirt.VIR_ERR_INVALID_ARG} "
        "message=invalid argument: cannot find IOThread '9' in iothreadids list",
        "perf: n=22 first=cmt",
        "setvcpu and lifecycle: ok",
        "done",
    ]
