"""Entry points for tests: a server in a thread (for libvirt-python / virsh) and trio helpers."""

from __future__ import annotations

import gc
import tempfile
import threading
from collections.abc import AsyncIterator, Callable, Iterator
from contextlib import asynccontextmanager, contextmanager
from pathlib import Path
from typing import Any, TypeVar

import trio

from ..model.hypervisor import KEEP, Hypervisor, Keep
from ..server.core import Server, ServerConfig
from ..server.listeners import BoundSocket, ListenAddress

__all__ = ["ThreadedServer", "minimal_domain_xml", "serving"]

_T = TypeVar("_T")

_MINIMAL_DOMAIN = """<domain type='{virt_type}'>
  <name>{name}</name>
  <memory unit='MiB'>{memory_mib}</memory>
  <vcpu>{vcpus}</vcpu>
  <os><type arch='x86_64'>hvm</type></os>
</domain>
"""


def minimal_domain_xml(name: str, *, memory_mib: int = 64, vcpus: int = 1, virt_type: str = "kvm") -> str:
    """The smallest domain XML libvirt accepts: handy to define throwaway domains in tests."""
    return _MINIMAL_DOMAIN.format(name=name, memory_mib=memory_mib, vcpus=vcpus, virt_type=virt_type)


class ThreadedServer:
    """fakevirt running ``trio.run`` in a background thread, on a free TCP port and a UNIX socket.

    Mutate the model only through ``call(fn, *args)``, which runs fn in the server's thread
    between two procedure calls, so a test never races the server.

    While it runs, Python's automatic cyclic garbage collection is off and ``collect()`` runs it
    in the caller's thread instead: a libvirt-python connection that dies in a reference cycle
    closes itself with a blocking CONNECT_CLOSE call, and if the collector happened to run in
    the server's thread, the server would wait for itself forever.  ``collect()`` does what the
    automatic collector would have done by now (usually nothing; a young generation now and then),
    so calling it after every test costs microseconds, not a full collection.
    """

    def __init__(self, hv: Hypervisor | None = None, config: ServerConfig | None = None,
                 unix: bool = True) -> None:
        self.hypervisor = hv if hv is not None else Hypervisor()
        self.server = Server(self.hypervisor, config or ServerConfig())
        self._tmp = tempfile.TemporaryDirectory(prefix="fakevirt-") if unix else None
        self._addresses = [ListenAddress("tcp", host="127.0.0.1", port=0)]
        if self._tmp is not None:
            self._addresses.append(ListenAddress("unix", path=str(Path(self._tmp.name) / "sock")))
        self._thread: threading.Thread | None = None
        self._ready = threading.Event()
        self._token: trio.lowlevel.TrioToken | None = None
        self._cancel: trio.CancelScope | None = None
        self._bound: list[BoundSocket] = []
        self._error: BaseException | None = None
        self._gc_was_enabled = True
        self._preparing: threading.Thread | None = None

    def start(self) -> ThreadedServer:
        self._gc_was_enabled = gc.isenabled()
        gc.disable()
        self._thread = threading.Thread(target=self._run, name="fakevirt", daemon=True)
        self._thread.start()
        self._ready.wait(10)
        if self._error is not None:
            raise self._error
        if not self._bound:
            raise RuntimeError("fakevirt did not start")
        return self

    def _run(self) -> None:
        try:
            trio.run(self._main)
        except BaseException as e:  # reported to start()
            self._error = e
            self._ready.set()

    async def _main(self) -> None:
        self._token = trio.lowlevel.current_trio_token()
        with trio.CancelScope() as scope:
            self._cancel = scope
            async with trio.open_nursery() as nursery:
                self._bound = await nursery.start(self.server.serve, self._addresses)
                self._ready.set()

    def stop(self) -> None:
        self.wait_prepared()
        if self._token is not None and self._cancel is not None:
            try:
                trio.from_thread.run_sync(self._cancel.cancel, trio_token=self._token)
            except trio.RunFinishedError:
                pass
        if self._thread is not None:
            self._thread.join(10)
        if self._tmp is not None:
            self._tmp.cleanup()
        if self._gc_was_enabled:
            gc.enable()

    @staticmethod
    def collect(full: bool = False) -> None:
        """Collect garbage cycles here, in the client's thread (see the class docstring).

        The generation CPython's automatic collector would pick from the allocation counts and
        thresholds, or every generation with ``full``.
        """
        if full:
            gc.collect()
            return
        counts, thresholds = gc.get_count(), gc.get_threshold()
        due = [gen for gen in range(3) if thresholds[gen] and counts[gen] > thresholds[gen]]
        if due and due[0] == 0:  # like the collector: an older generation only with a younger one due
            top = 0
            while top + 1 in due:
                top += 1
            gc.collect(top)

    def reset(self, seed: int | None | Keep = KEEP) -> None:
        """A fresh host (of ``seed``, or the current one), between two procedure calls."""
        self.call(self.hypervisor.reset, seed)

    def save_state(self, name: str) -> None:
        """Keep the whole host as it is now under ``name`` (``hv.states``); saved states outlive resets."""
        self.call(self.hypervisor.states.save, name)
        self.prepare_state(name)

    @contextmanager
    def preparing(self, name: str, seed: int | None | Keep = KEEP) -> Iterator[ThreadedServer]:
        """``with server.preparing("NAME"):`` a fresh host to build on, saved as NAME at the end."""
        self.reset(seed)
        yield self
        self.save_state(name)

    def load_state(self, name: str) -> None:
        """Make the host what it was when ``name`` was saved (open connections stay open)."""
        self.wait_prepared()
        self.call(self.hypervisor.states.load, name)
        self.prepare_state(name)

    def prepare_state(self, name: str) -> None:
        """Build the next copy of ``name`` in a thread of its own, so the next load only swaps it in."""
        self.wait_prepared()
        self._preparing = threading.Thread(target=self.hypervisor.states.prepare, args=(name,),
                                           name="fakevirt-prepare", daemon=True)
        self._preparing.start()

    def wait_prepared(self) -> None:
        if self._preparing is not None:
            self._preparing.join()
            self._preparing = None

    def control(self, operation: str, **body: Any) -> Any:
        """Run a control-API operation (``fakevirt ctl``'s, e.g. ``control("guest", domain="vm",
        action="crash")``, ``control("fault.add", procedure="DOMAIN_CREATE", match={"name": "vm"},
        error="OPERATION_FAILED")``) in the server thread; a refusal raises ``ControlError``."""
        from ..control import load_operations
        from ..control.registry import OPERATIONS, ControlError

        load_operations()
        if operation not in OPERATIONS:
            raise ControlError(f"no operation {operation!r}", 404)
        return self.call(OPERATIONS[operation].fn, self.hypervisor, body)

    def call(self, fn: Callable[..., _T], *args: Any) -> _T:
        """Run fn(*args) in the server thread and return its result."""
        assert self._token is not None
        result: _T = trio.from_thread.run_sync(fn, *args, trio_token=self._token)
        return result

    @property
    def tcp_address(self) -> str:
        return next(b.address for b in self._bound if b.kind == "tcp")

    @property
    def unix_path(self) -> str:
        return next(b.address for b in self._bound if b.kind == "unix")

    def uri(self, path: str = "system", transport: str = "tcp") -> str:
        """``qemu+tcp://127.0.0.1:PORT/system`` or ``qemu+unix:///system?socket=PATH``."""
        return next(b.uri("qemu", path) for b in self._bound if b.kind == transport)

    def __enter__(self) -> ThreadedServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()


@asynccontextmanager
async def serving(hv: Hypervisor | None = None, config: ServerConfig | None = None
                  ) -> AsyncIterator[tuple[Server, list[BoundSocket]]]:
    """For pytest-trio tests: a server on a free loopback port in the current trio run."""
    server = Server(hv if hv is not None else Hypervisor(), config or ServerConfig())
    async with trio.open_nursery() as nursery:
        bound = await nursery.start(server.serve, [ListenAddress("tcp", host="127.0.0.1", port=0)])
        try:
            yield server, bound
        finally:
            nursery.cancel_scope.cancel()
