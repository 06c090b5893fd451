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
- ``faults=[fault("DOMAIN_CREATE", error=VirtError(...), count=1), fault("CONNECT_LIST_ALL_DOMAINS", delay=2)]``
  (also ``hang=True``, ``drop=True``, ``match={"name": "vm1"}``, ``after=N``, ``probability=P``).

``fakevirt.control(OPERATION, **body)`` runs any control-API operation (the ones of ``fakevirt ctl``)
in the server thread, e.g. ``fakevirt.control("guest", domain="vm", action="crash")``.

Prepare a host once per session and restore it per test::

    @pytest.fixture(scope="session")
    def prepared(fakevirt_server):
        with fakevirt_server.preparing("prepared"):   # a fresh host, saved at the end
            conn = libvirt.open(fakevirt_server.uri())
            ...                                       # define, start, snapshot
            conn.close()

    @pytest.mark.fakevirt(state="prepared")
    def test_it(prepared, fakevirt_uri): ...

or ``fakevirt_state("prepared")`` inside a test.  The next copy of a state is built in a thread
after each load, so a load only swaps it in.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import replace
from typing import Any

import pytest

from ..errors import VirtError
from ..model.faults import Fault
from ..model.hypervisor import Hypervisor
from . import ThreadedServer

__all__ = ["fault"]


def fault(procedure: str, *, error: VirtError | None = None, delay: float = 0.0, hang: bool = False,
          drop: bool = False, count: int | None = 1, after: int = 0, probability: float = 1.0,
          match: dict[str, str] | None = None) -> Fault:
    """A fault for ``@pytest.mark.fakevirt(faults=[...])``: an error=, a delay= (before the call, or before
    its error), hang= or drop=; ``match`` selects calls by their object ({"name": "vm1"}), ``after`` lets
    that many through first. A fault the host cannot arm is a ValueError here, as the test is collected."""
    made = Fault(procedure.upper(), error=error, delay=delay, count=count, match=dict(match or {}), hang=hang,
                 drop=drop, after=after, probability=probability)
    made.check()
    return made


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
        hv.calls.clear()  # a state does not hold the calls log: each test starts with an empty one
    for f in faults:
        hv.faults.add(replace(f, match=dict(f.match)))  # a fresh count per test: the marker's stays armed


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
