"""What the benchmark scripts share: starting a fakevirt server, probing the reference daemon."""

from __future__ import annotations

import re
import socket
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]


def start_fakevirt(*args: str, cwd: Path = REPO, env: dict[str, str] | None = None) -> tuple[subprocess.Popen[str], str]:
    """``fakevirt serve ARGS`` on a free loopback port; returns the process and its qemu+tcp URI.

    ``cwd``: the directory whose fakevirt runs (``python -m`` imports from it); ``env``: the
    process's environment (default: this one's)."""
    proc = subprocess.Popen([sys.executable, "-m", "fakevirt", "serve", "--listen", "tcp://127.0.0.1:0",
                             "--log-level", "warning", *args], cwd=cwd, env=env, stdout=subprocess.PIPE, text=True)
    assert proc.stdout is not None
    line = proc.stdout.readline()
    uri = re.search(r"virsh -c '([^']+)'", line)
    if uri is None:
        proc.kill()
        raise SystemExit(f"fakevirt did not start: {line!r}")
    return proc, uri.group(1)


def reachable(host: str, port: int) -> bool:
    try:
        with socket.create_connection((host, port), timeout=0.5):
            return True
    except OSError:
        return False
