"""The guest-agent procedures through go-libvirt (golibvirt/agent.go), its own XDR for every struct."""

from __future__ import annotations

from pathlib import Path

import libvirt

from fakevirt.testing import ThreadedServer
from tests.integration.test_agent_python import start_guest
from tests.integration.test_golibvirt import golibvirt, run

__all__ = ["golibvirt"]  # the session fixture that builds the program


def test_agent_step(golibvirt: Path, fakevirt: ThreadedServer) -> None:
    conn = libvirt.open(fakevirt.uri())
    try:
        start_guest(fakevirt, conn, "golibvirt-agent")
        start_guest(fakevirt, conn, "golibvirt-plain", channel=False, up=False)
    finally:
        conn.close()
    assert run(golibvirt, fakevirt.tcp_address, "qemu:///system", "agent") == [
        "connected: QEMU",
        "fsinfo: 1 / vda1 ext4 [vda]",
        "guestinfo: hostname=golibvirt-agent",
        "guestvcpus: vcpus=0-1",
        "guestvcpus: online=0",
        "guestvcpus: offlinable=1",
        "freeze: 1 thaw: 1",
        "time: true",
        "sshkeys: [ssh-ed25519 AAAA go@test]",
        "ifaddr: lo 127.0.0.1/8",
        "hostname: golibvirt-agent",
        f"error: code={libvirt.VIR_ERR_ARGUMENT_UNSUPPORTED} message=argument unsupported: QEMU guest agent is not configured",
        "done",
    ]
