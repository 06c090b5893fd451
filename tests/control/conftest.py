"""`fakevirt serve --control` in a subprocess, `fakevirt ctl` and virsh against it."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from collections.abc import Callable, Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.cli.test_cli_listeners import serving, uri_of

FAKEVIRT = [sys.executable, "-m", "fakevirt"]
ENV = {**os.environ, "LC_ALL": "C", "VIRSH_DEFAULT_CONNECT_URI": ""}


@dataclass
class Served:
    """A `fakevirt serve` process: its libvirt URI and its control URLs (tcp first, then unix)."""

    uri: str
    control: list[str]
    virsh_bin: str

    def ctl(self, *args: str, url: str | None = None, timeout: float = 30) -> subprocess.CompletedProcess[str]:
        return subprocess.run([*FAKEVIRT, "ctl", "--url", url or self.control[0], *args], capture_output=True,
                              text=True, timeout=timeout, env=ENV)

    def virsh(self, *args: str, timeout: float = 30) -> subprocess.CompletedProcess[str]:
        return subprocess.run([self.virsh_bin, "-c", self.uri, *args], capture_output=True, text=True,
                              timeout=timeout, env=ENV)

    def ok(self, *args: str) -> str:
        """virsh ARGS, which must succeed: its output."""
        r = self.virsh(*args)
        assert r.returncode == 0, r.stderr
        return r.stdout


@contextmanager
def serve(virsh_bin: str, *args: str, unix: Path | None = None) -> Iterator[Served]:
    control = ["--control", "tcp://127.0.0.1:0"] + (["--control", f"unix://{unix}"] if unix else [])
    with serving("--listen", "tcp://127.0.0.1:0", *control, *args, env=ENV) as lines:
        urls = [re.search(r"^fakevirt control on \S+: fakevirt ctl --url '([^']+)'$", line) for line in lines[1:]]
        assert all(urls), lines
        yield Served(uri_of(lines[0]), [u.group(1) for u in urls if u], virsh_bin)


@pytest.fixture
def served(virsh_bin: str, tmp_path: Path) -> Iterator[Served]:
    with serve(virsh_bin, "--seed", "1", unix=tmp_path / "control.sock") as s:
        yield s


@pytest.fixture
def start_served(virsh_bin: str) -> Iterator[Callable[..., Served]]:
    """Start more servers in a test: ``start_served("--seed", "5")``."""
    with ExitStack() as stack:
        yield lambda *args: stack.enter_context(serve(virsh_bin, *args))

