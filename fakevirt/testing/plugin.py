"""pytest plugin (entry point ``pytest11``): fixtures ``fakevirt`` and ``fakevirt_uri``.

    def test_my_tool(fakevirt_uri):
        conn = libvirt.open(fakevirt_uri)

``fakevirt`` is a running ThreadedServer with a fresh Hypervisor per test
(``fakevirt.hypervisor``); change the model only through ``fakevirt.call(fn, *args)``.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from . import ThreadedServer


@pytest.fixture(scope="session")
def _fakevirt_server() -> Iterator[ThreadedServer]:
    with ThreadedServer() as server:
        yield server


@pytest.fixture
def fakevirt(_fakevirt_server: ThreadedServer) -> Iterator[ThreadedServer]:
    """The running emulator, reset to a fresh host for this test."""
    _fakevirt_server.call(_fakevirt_server.hypervisor.reset)
    yield _fakevirt_server
    _fakevirt_server.collect()


@pytest.fixture
def fakevirt_uri(fakevirt: ThreadedServer) -> str:
    """``qemu+tcp://127.0.0.1:PORT/system`` of the running emulator."""
    return fakevirt.uri()
