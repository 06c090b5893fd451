"""`fakevirt serve` as a user runs it: prints its URIs, serves virsh, stops cleanly on a signal."""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
from pathlib import Path

import pytest


def test_version() -> None:
    out = subprocess.run([sys.executable, "-m", "fakevirt", "--version"], capture_output=True, text=True)
    assert out.returncode == 0 and re.fullmatch(r"fakevirt \d+\.\d+\.\d+\n", out.stdout)


def test_bad_listen_address_is_refused() -> None:
    out = subprocess.run([sys.executable, "-m", "fakevirt", "serve", "--listen", "http://x"],
                         capture_output=True, text=True, timeout=30)
    assert out.returncode == 2
    assert "listen addresses are tcp://HOST:PORT, tls://HOST:PORT or unix:///PATH" in out.stderr


@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGINT])
def test_serve_prints_uris_serves_and_stops(tmp_path: Path, virsh_bin: str, sig: int) -> None:
    sock = tmp_path / "fv.sock"
    proc = subprocess.Popen(
        [sys.executable, "-m", "fakevirt", "serve", "--listen", "tcp://127.0.0.1:0",
         "--listen", f"unix://{sock}", "--log-level", "warning"],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        assert proc.stdout is not None
        lines = [proc.stdout.readline() for _ in range(2)]
        uris = [re.search(r"virsh -c '([^']+)'", line).group(1) for line in lines]  # type: ignore[union-attr]
        assert uris[0].startswith("qemu+tcp://127.0.0.1:") and uris[0].endswith("/system")
        assert uris[1] == f"qemu+unix:///system?socket={sock}"
        for uri in uris:
            r = subprocess.run([virsh_bin, "-c", uri, "hostname"], capture_output=True, text=True, timeout=30)
            assert r.returncode == 0, r.stderr
        proc.send_signal(sig)
        assert proc.wait(timeout=10) == 0
        assert not sock.exists()  # the socket file is removed on the way out
    finally:
        if proc.poll() is None:
            os.kill(proc.pid, signal.SIGKILL)
            proc.wait()


def test_serve_start_up_leaves_out_modules_it_does_not_need() -> None:
    """What `fakevirt serve` imports before it answers (without --control) stays free of modules
    only some calls need: xml.sax.saxutils drags in urllib.request, http.client and email, and the
    control server h11."""
    code = ("import sys, trio, fakevirt.cli, fakevirt.hostfiles, fakevirt.model.hypervisor, fakevirt.server.core, "
            "fakevirt.statedir; print(' '.join(sorted(m for m in ('xml.sax.saxutils', 'email', 'http.client', "
            "'urllib.request', 'h11', 'fakevirt.server.control') if m in sys.modules)))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60, check=True)
    assert out.stdout.split() == []
