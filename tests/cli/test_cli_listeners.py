"""`fakevirt serve` listeners: a UNIX socket in use, read-only listeners, TLS."""

from __future__ import annotations

import os
import re
import signal
import socket
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

SERVE = [sys.executable, "-m", "fakevirt", "serve", "--log-level", "error"]
REFUSED = "error: Unable to read TLS confirmation: Input/output error"


@contextmanager
def serving(*args: str, env: dict[str, str] | None = None) -> Iterator[list[str]]:
    """``fakevirt serve ARGS``; yields the line it prints for each --listen, --listen-readonly and
    --control (in that order)."""
    count = sum(a in ("--listen", "--listen-readonly", "--control") for a in args)
    proc = subprocess.Popen([*SERVE, *args], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env)
    try:
        assert proc.stdout is not None
        lines = [proc.stdout.readline().rstrip("\n") for _ in range(count)]
        assert all(lines), proc.stderr.read() if proc.stderr else ""
        yield lines
        proc.send_signal(signal.SIGTERM)
        assert proc.wait(timeout=10) == 0
    finally:
        if proc.poll() is None:
            os.kill(proc.pid, signal.SIGKILL)
            proc.wait()


def uri_of(line: str) -> str:
    m = re.search(r"virsh -c '([^']+)'$", line)
    assert m is not None, line
    return m.group(1)


def virsh(virsh_bin: str, uri: str, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([virsh_bin, "-c", uri, *args], capture_output=True, text=True, timeout=30,
                          env={**os.environ, "LC_ALL": "C"})


def test_second_server_on_a_live_unix_socket_is_refused(tmp_path: Path, virsh_bin: str) -> None:
    sock = tmp_path / "fv.sock"
    with serving("--listen", f"unix://{sock}") as [line]:
        second = subprocess.run([*SERVE, "--listen", f"unix://{sock}"], capture_output=True, text=True,
                                timeout=30)
        assert second.returncode == 1
        assert second.stderr == (f"fakevirt: Failed to bind socket to '{sock}': Address already in use "
                                 "(another server answers on it)\n")
        r = virsh(virsh_bin, uri_of(line), "hostname")  # the first one still serves on it
        assert r.returncode == 0, r.stderr


def test_stale_unix_socket_is_replaced(tmp_path: Path, virsh_bin: str) -> None:
    sock = tmp_path / "fv.sock"
    dead = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    dead.bind(str(sock))
    dead.close()
    with serving("--listen", f"unix://{sock}") as [line]:
        assert virsh(virsh_bin, uri_of(line), "hostname").returncode == 0


def test_readonly_and_tls_listeners_print_their_uris(tmp_path: Path, virsh_bin: str, pki: Any) -> None:
    ro = tmp_path / "ro.sock"
    with serving("--listen", "tls://127.0.0.1:0", "--pki", str(pki.good),
                 "--listen-readonly", "tcp://127.0.0.1:0", "--listen-readonly", f"unix://{ro}") as lines:
        tls, ro_tcp, ro_unix = lines
        assert re.fullmatch(r"fakevirt listening on 127\.0\.0\.1:\d+: virsh -c 'qemu\+tls://127\.0\.0\.1:\d+"
                            rf"/system\?pkipath={re.escape(str(pki.good))}'", tls)
        assert re.fullmatch(r"fakevirt listening on 127\.0\.0\.1:\d+ \(read-only\): "
                            r"virsh -c 'qemu\+tcp://127\.0\.0\.1:\d+/system'", ro_tcp)
        assert ro_unix == f"fakevirt listening on {ro} (read-only): virsh -c 'qemu+unix:///system?socket={ro}'"
        for line in lines:
            r = virsh(virsh_bin, uri_of(line), "hostname")
            assert r.returncode == 0, r.stderr
        for pki_dir in (pki.no_cert, pki.other_ca):
            r = virsh(virsh_bin, uri_of(tls).replace(str(pki.good), str(pki_dir)), "hostname")
            assert (r.returncode, r.stderr.splitlines()[-1:]) == (1, [REFUSED])


def test_tls_without_credentials_is_refused_at_start(tmp_path: Path) -> None:
    out = subprocess.run([*SERVE, "--listen", "tls://127.0.0.1:0", "--pki", str(tmp_path)],
                         capture_output=True, text=True, timeout=30)
    assert (out.returncode, out.stderr) == (
        1, f"fakevirt: Cannot read CA certificate '{tmp_path}/cacert.pem': No such file or directory\n")
