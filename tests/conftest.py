"""Shared fixtures: the emulator in a thread, virsh, and the real libvirtd when one is reachable."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

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


# Certificates for the TLS tests, made at test time with scripts/make_pki.sh (openssl).
MAKE_PKI = Path(__file__).resolve().parents[1] / "scripts" / "make_pki.sh"


@dataclass(frozen=True)
class Pki:
    """Directories in libvirt's ``pkipath`` layout."""

    good: Path  # the server's CA, server and client certificates
    no_cert: Path  # the CA only: a libvirt client then connects without a certificate
    other_ca: Path  # a client certificate from another CA (the client trusts both CAs)


@pytest.fixture(scope="session")
def pki(tmp_path_factory: pytest.TempPathFactory) -> Pki:
    root = tmp_path_factory.mktemp("pki")
    for name in ("good", "other"):
        subprocess.run(["bash", str(MAKE_PKI), str(root / name), "127.0.0.1", "localhost"],
                       check=True, capture_output=True, env={**os.environ, "CA_NAME": name})
    no_cert, other_ca = root / "no-cert", root / "other-ca"
    no_cert.mkdir()
    other_ca.mkdir()
    shutil.copy(root / "good" / "cacert.pem", no_cert)
    # libvirt's client checks its own certificate against its cacert.pem, so that file holds both
    (other_ca / "cacert.pem").write_bytes((root / "good" / "cacert.pem").read_bytes()
                                          + (root / "other" / "cacert.pem").read_bytes())
    for name in ("clientcert.pem", "clientkey.pem"):
        shutil.copy(root / "other" / name, other_ca)
    return Pki(root / "good", no_cert, other_ca)
