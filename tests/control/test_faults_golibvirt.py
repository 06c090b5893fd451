"""A Go program arms a fault over the control API and meets it through go-libvirt (golibvirt/faults.go)."""

from __future__ import annotations

from pathlib import Path

from tests.control.test_faults_ctl import Host, serving_with_control
from tests.integration.test_golibvirt import golibvirt, run

__all__ = ["golibvirt"]  # the session fixture that builds the program


def test_fault_on_one_domains_start_from_go(golibvirt: Path, virsh_bin: str) -> None:
    with serving_with_control(virsh_bin) as host:
        out = _run(golibvirt, host, "faults")
        assert out == [
            "connected: QEMU",
            "start golibvirt-f2: ok",
            "start golibvirt-f1: code=9 message=operation failed: injected by the Go test",
            "start golibvirt-f1 again: ok",
            "calls: 3 create results: 2 ok",
            "done",
        ]


def _run(binary: Path, host: Host, *steps: str) -> list[str]:
    address = host.uri.split("//", 1)[1].split("/", 1)[0]
    return run(binary, address, "qemu:///system", *steps, env={"FAKEVIRT_CONTROL": host.url})


def test_held_save_failed_from_go(golibvirt: Path, virsh_bin: str) -> None:
    """golibvirt/heldjobs.go: hold a save, watch it on the same connection while it waits, fail it."""
    with serving_with_control(virsh_bin) as host:
        out = _run(golibvirt, host, "heldjob")
        assert out == [
            "connected: QEMU",
            "heldjob running: type=2 operation=2",
            "heldjob save: code=9 message=operation failed: job 'domain save' unexpectedly failed",
            "heldjob state: 1/7",  # running, save canceled
            "done",
        ]
