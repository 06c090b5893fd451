"""The test driver through go-libvirt (golibvirt/testdriver.go): test:///default's node, a start
without disk images, the test driver's own error texts and its missing secret driver."""

from __future__ import annotations

import re
from pathlib import Path
from urllib.parse import urlsplit

import libvirt
import pytest

from fakevirt.testing import ThreadedServer
from tests.integration.test_golibvirt import golibvirt, run

__all__ = ["golibvirt"]  # the session fixture that builds the program

EXPECTED = [
    "connected: TEST",
    "node: version=2 model=i686 memory=3145728 cpus=16 mhz=1400 nodes=2",
    f"domain: test id=1 state={libvirt.VIR_DOMAIN_RUNNING} reason=0",
    "networks: default",
    "pools: default-pool",
    "interfaces: eth1/aa:bb:cc:dd:ee:ff",
    "nodedevs: computer,scsi_host1,scsi_host11,scsi_host2",
    f"restarted: id=2 state={libvirt.VIR_DOMAIN_RUNNING} reason={libvirt.VIR_DOMAIN_RUNNING_BOOTED}",
    f"error suspend: code={libvirt.VIR_ERR_INTERNAL_ERROR} message=internal error: domain 'test' not running",
    f"error lookup: code={libvirt.VIR_ERR_NO_DOMAIN} message=Domain not found",
    f"error secrets: code={libvirt.VIR_ERR_NO_SUPPORT} message=this function is not supported by the "
    "connection driver: virConnectListAllSecrets",
    "done",
]


def test_golibvirt_lists_the_default_node(golibvirt: Path, fakevirt: ThreadedServer) -> None:
    assert run(golibvirt, fakevirt.tcp_address, "test:///default", "testdriver") == EXPECTED


def test_golibvirt_default_node_is_fresh_for_the_next_client(golibvirt: Path, fakevirt: ThreadedServer) -> None:
    """The step restarted "test" (id 2); with no connection left the node is the default again."""
    run(golibvirt, fakevirt.tcp_address, "test:///default", "testdriver")
    assert run(golibvirt, fakevirt.tcp_address, "test:///default", "testdriver") == EXPECTED


@pytest.mark.real
def test_golibvirt_test_driver_matches_reference(golibvirt: Path, fakevirt: ThreadedServer,
                                                 reference_uri: str) -> None:
    u = urlsplit(reference_uri)
    real = run(golibvirt, f"{u.hostname}:{u.port}", "test:///default", "testdriver")
    assert _ids_masked(run(golibvirt, fakevirt.tcp_address, "test:///default", "testdriver")) == _ids_masked(real)


def _ids_masked(lines: list[str]) -> list[str]:
    """Domain ids count up while the shared node lives, and other clients of the reference may hold it."""
    return [re.sub(r" id=\d+", " id=N", line) for line in lines]
