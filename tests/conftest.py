"""Shared fixtures: the emulator in a thread, virsh, and the real libvirtd when one is reachable."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
from collections.abc import Callable
from dataclasses import dataclass

import pytest

REFERENCE_HOST = "127.0.0.1"
REFERENCE_PORT = int(os.environ.get("REFERENCE_LIBVIRTD_PORT", "16519"))
REFERENCE_URI = f"qemu+tcp://{REFERENCE_HOST}:{REFERENCE_PORT}/system"


@dataclass
class VirshResult:
    returncode: int
    stdout: str
    stderr: str


def _reachable(host: str, port: int) -> bool:
    try:
        with socket.create_connection((host, port), timeout=0.5):
            return True
    except OSError:
        return False


@pytest.fixture(scope="session")
def virsh_bin() -> str:
    path = shutil.which("virsh")
    if path is None:
        pytest.fail("virsh is not installed: run the README's test command (it installs libvirt-clients)")
    return path


@pytest.fixture
def virsh(virsh_bin: str, fakevirt_uri: str) -> Callable[..., VirshResult]:
    """Run ``virsh -c <fakevirt> ARGS…``; returns code, stdout, stderr."""

    def run(*args: str, uri: str | None = None, readonly: bool = False, timeout: float = 30) -> VirshResult:
        cmd = [virsh_bin, *(["-r"] if readonly else []), "-c", uri or fakevirt_uri, *args]
        p = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout,
                           env={**os.environ, "LC_ALL": "C", "VIRSH_DEFAULT_CONNECT_URI": ""})
        return VirshResult(p.returncode, p.stdout, p.stderr)

    return run


@pytest.fixture(scope="session")
def reference_uri() -> str:
    """The real libvirtd's QEMU URI (../shared/reference-libvirtd.sh); skips when it is not up."""
    if not _reachable(REFERENCE_HOST, REFERENCE_PORT):
        pytest.skip("no reference libvirtd on 127.0.0.1:16519")
    return REFERENCE_URI
