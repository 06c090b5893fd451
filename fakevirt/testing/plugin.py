"""pytest plugin (entry point ``pytest11``): fixtures ``fakevirt``, ``fakevirt_uri``, ``fakevirt_server``.

    def test_my_tool(fakevirt_uri):
        conn = libvirt.open(fakevirt_uri)

``fakevirt`` is a running ThreadedServer (one per session, one per pytest-xdist worker, on an
ephemeral port) holding a fresh host per test (``fakevirt.hypervisor``); change the model only
through ``fakevirt.call(fn, *args)``.  Every test starts from the same seed (``--fakevirt-seed``,
default 0), so generated UUIDs and MACs do not depend on which tests ran before.  The marker
``@pytest.mark.fakevirt(...)`` chooses per test:

- ``seed=N``: the ids of ``Hypervisor(seed=N)``;
- ``state="NAME"``: start from a saved host instead of an empty one (see below);
- ``faults=[fault("DOMAIN_CREATE", error=VirtError(...), count=1), fault("CONNECT_LIST_ALL_DOMAINS", delay=2)]``.

Prepare a host once per session and restore it per test::

    @pytest.fixture(scope="session")
    def prepared(fakevirt_server):
        conn = libvirt.open(fakevirt_server.uri())
        ...                                   # define, start, snapshot
        conn.close()
        fakevirt_server.save_state("prepared")

    @pytest.mark.fakevirt(state="prepared")
    def test_it(prepared, fakevirt_uri): ...

or ``fakevirt_state("prepared")`` inside a test.  The next copy of a state is built in a thread
after each load, so a load only swaps it in.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

import pytest

from ..errors import VirtError
from ..model.hypervisor import Hypervisor
from . import ThreadedServer

__all__ = ["fault"]


@dataclass(frozen=True)
class Fault:
    procedure: str  # "DOMAIN_CREATE"
    error: VirtError | None = None  # answer with this error
    delay: float = 0.0  # or hold the call this long
    count: int | None = 1  # the next calls it applies to (None: every one)

    def apply(self, hv: Hypervisor) -> None:
        if self.error is not None:
            hv.faults.fail(self.procedure, self.error, self.count)
        else:
            hv.faults.delay(self.procedure, self.delay, self.count)


def fault(procedure: str, *, error: VirtError | None = None, delay: float = 0.0, count: int | None = 1) -> Fault:
    """A fault for ``@pytest.mark.fakevirt(faults=[...])``: fail (``error``) or delay the next calls."""
    if (error is None) == (not delay):
        raise ValueError("a fault needs exactly one of error= or delay=")
    return Fault(procedure.upper(), error, delay, count)


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption("--fakevirt-seed", type=int, default=0,
                     help="fakevirt: the seed every test's host starts from (default 0)")


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", "fakevirt(seed=N, state=NAME, faults=[...]): the fakevirt host of this test")


@pytest.fixture(scope="session")
def fakevirt_server(pytestconfig: pytest.Config) -> Iterator[ThreadedServer]:
    """The session's emulator (one per xdist worker); prefer ``fakevirt``, which resets it per test."""
    with ThreadedServer(Hypervisor(seed=pytestconfig.getoption("fakevirt_seed"))) as server:
        yield server


@pytest.fixture(scope="session")
def _fakevirt_server(fakevirt_server: ThreadedServer) -> ThreadedServer:
    return fakevirt_server  # the old name


def _setup(hv: Hypervisor, seed: int | None, state: str | None, faults: list[Fault]) -> None:
    if state is None:
        hv.reset(seed)
    else:
        hv.states.load(state)
        hv.faults.clear()
    for f in faults:
        f.apply(hv)


@pytest.fixture
def fakevirt(request: pytest.FixtureRequest, fakevirt_server: ThreadedServer) -> Iterator[ThreadedServer]:
    """The running emulator, a fresh host (or the marker's state) for this test."""
    marker = request.node.get_closest_marker("fakevirt")
    opts: dict[str, Any] = dict(marker.kwargs) if marker is not None else {}
    unknown = set(opts) - {"seed", "state", "faults"}
    if unknown:
        raise pytest.UsageError(f"@pytest.mark.fakevirt: unknown argument(s) {sorted(unknown)}")
    seed = opts.get("seed", request.config.getoption("fakevirt_seed"))
    state = opts.get("state")
    if state is not None:
        fakevirt_server.wait_prepared()
    fakevirt_server.call(_setup, fakevirt_server.hypervisor, seed, state, list(opts.get("faults", ())))
    yield fakevirt_server
    fakevirt_server.collect()
    if state is not None:
        fakevirt_server.prepare_state(state)


@pytest.fixture
def fakevirt_uri(fakevirt: ThreadedServer) -> str:
    """``qemu+tcp://127.0.0.1:PORT/system`` of the running emulator."""
    return fakevirt.uri()


@pytest.fixture
def fakevirt_state(fakevirt: ThreadedServer) -> Callable[[str], ThreadedServer]:
    """``fakevirt_state("NAME")``: load a saved host now, in this test; returns the server."""
    def load(name: str) -> ThreadedServer:
        fakevirt.load_state(name)
        fakevirt.call(fakevirt.hypervisor.faults.clear)
        return fakevirt

    return load
