"""The control API from a Go program (go-libvirt + net/http, golibvirt/control.go)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from urllib.parse import urlsplit

from tests.control.conftest import Served
from tests.integration.test_golibvirt import golibvirt, run

__all__ = ["golibvirt"]  # the session fixture that builds the program


def run_go(binary: Path, s: Served, *steps: str, seed: int = 0) -> list[str]:
    return run(binary, urlsplit(s.uri).netloc, "qemu:///system", *steps,
               env={"FAKEVIRT_CONTROL": s.control[0], "FAKEVIRT_RESET_SEED": str(seed)})


def test_reset_then_ids_equal_a_fresh_servers(golibvirt: Path, served: Served,
                                              start_served: Callable[..., Served]) -> None:
    connected, before, reset, after, done = run_go(golibvirt, served, "ids", "reset", "ids", seed=42)
    assert (connected, reset, done) == ("connected: QEMU", "reset: seed=42", "done")
    fresh = run_go(golibvirt, start_served("--seed", "42"), "ids")
    assert fresh == [connected, after, done]
    assert after != before and after.startswith("ids: host=")
