"""Real clients that vanish mid-transfer: the server goes on serving everyone else."""

from __future__ import annotations

import os
import signal
import subprocess
import time
from pathlib import Path

import fakevirt.handlers.storage  # noqa: F401  registers
import fakevirt.handlers.storage_vol  # noqa: F401  registers
from tests.integration.conftest import ok


def wait_until(predicate, timeout: float = 20) -> None:  # type: ignore[no-untyped-def]
    deadline = time.monotonic() + timeout
    while not predicate():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.02)


def test_kill_9_of_virsh_vol_download_mid_transfer(virsh, virsh_bin, fakevirt, fakevirt_uri, tmp_path: Path) -> None:
    before = fakevirt.server.statistics().connections_open  # other tests' clients may still be open
    ok(virsh("pool-define-as", "rb", "dir", "--target", "/tmp/fv-pools/rb"))
    ok(virsh("pool-build", "rb"))
    ok(virsh("pool-start", "rb"))
    ok(virsh("vol-create-as", "rb", "big.img", "256M", "--format", "raw"))
    out = tmp_path / "big.out"
    for _ in range(2):  # twice: the first victim must leave nothing behind that hurts the second
        proc = subprocess.Popen([virsh_bin, "-c", fakevirt_uri, "vol-download", "--pool", "rb", "big.img", str(out)],
                                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                                env={**os.environ, "LC_ALL": "C"})
        try:
            wait_until(lambda: out.exists() and out.stat().st_size > (4 << 20))
        finally:
            proc.send_signal(signal.SIGKILL)
            proc.wait()
        assert out.stat().st_size < (256 << 20)
        assert ok(virsh("hostname")).strip()
    ok(virsh("vol-create-as", "rb", "small.img", "1M", "--format", "raw"))
    ok(virsh("vol-download", "--pool", "rb", "small.img", str(tmp_path / "small.out")))
    assert (tmp_path / "small.out").read_bytes() == bytes(1 << 20)
    ok(virsh("vol-delete", "--pool", "rb", "big.img"))
    wait_until(lambda: fakevirt.server.statistics().connections_open <= before)  # the killed ones are gone
