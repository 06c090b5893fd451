"""Whole-host states: save the model under a name, load it back in place, export and import it.

A state is the pickle of everything ``Hypervisor.reset()`` rebuilds (both QEMU drivers' domains,
snapshots, checkpoints, storage with the image data, networks, secrets, nwfilters, node devices,
block jobs, the host's node settings, the id generator's position).  It leaves out what is not the
host's: the event bus and its subscribers, the clock, the fault plan and the calls log, the
server's NBD binder, the host files, and the test drivers' instances (their connections' own
hosts, like event registrations).  Those live objects are pickled as references and the loaded
model points at them.  How the model is pickled (compactly, sharing what cannot change, rarely
read definitions left pickled until read): statepickle.py.

Loading is in place: sessions hold ``hv`` and ``hv.drivers[...]``, so their attributes are replaced,
never the objects.  Unpickling costs time in proportion to the host, so ``prepare(name)`` builds
the next copy ahead (a server runs it in a worker thread) and ``load`` then only swaps it in.
"""

from __future__ import annotations

import gc
import io
import pickle
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any

from ..control.registry import ControlError
from .compact import immutable
from .images.clusters import ClusterMap
from .statepickle import Pickled, Saved, StatePickler, StateUnpickler

if TYPE_CHECKING:
    from .hypervisor import Hypervisor

# export format: this line, then the pickle of (model pickle, cluster maps, shared objects) (statepickle.py)
FORMAT = 2
MAGIC = f"fakevirt-state {FORMAT}\n".encode()
# Not the host's (see the module docstring), or kept by reset(): saved as references to the live ones.
EXTERNAL = ("clock", "faults", "calls", "bus", "nbd_binder", "host_files", "parent", "read_file", "drivers",
            "test_drivers", "states", "domjobs")
DRIVER_EXTERNAL = ("uri", "hypervisor")
class HostStates:
    """``hv.states``: named whole-host states, kept in memory; they survive ``hv.reset()``."""

    def __init__(self, hv: Hypervisor) -> None:
        self.hv = hv
        self._saved: dict[str, Saved] = {}
        self._ready: dict[str, tuple[Saved, dict[str, Any]]] = {}  # a copy unpickled ahead, by name
        self._lock = threading.Lock()  # prepare() runs in a worker thread
        self._retired: list[Any] = []  # the host a load replaced: freed by prepare(), off the caller's time

    def names(self) -> list[str]:
        return sorted(self._saved)

    @contextmanager
    def all_or_nothing(self) -> Iterator[None]:
        """A change that must happen whole: when the block raises, the host is put back as it was
        before (a host that cannot be saved now, e.g. while a pull backup serves, gets no undo)."""
        try:
            before: Saved | None = self._pickle()
        except ControlError:
            before = None
        try:
            yield
        except BaseException:
            if before is not None:
                self._apply(self._unpickle(before))
            raise

    def save(self, name: str) -> None:
        """Keep the host as it is now under name (replacing a state of that name)."""
        data = self._pickle()
        with self._lock:
            self._saved[name] = data
            self._ready.pop(name, None)

    def load(self, name: str) -> None:
        """Make the host exactly what it was when name was saved; open connections stay open."""
        data = self._data(name)
        with self._lock:
            ready = self._ready.pop(name, None)
        state = ready[1] if ready is not None and ready[0] is data else self._unpickle(data)
        self._apply(state)

    def prepare(self, name: str) -> None:
        """Unpickle the next copy of name ahead of its load; safe in another thread than the model's."""
        data = self._data(name)
        with self._lock:
            retired, self._retired = self._retired, []
        del retired
        with self._lock:
            ready = self._ready.get(name)
            if ready is not None and ready[0] is data:
                return
        state = self._unpickle(data)
        with self._lock:
            if self._saved.get(name) is data:
                self._ready[name] = (data, state)

    def delete(self, name: str) -> None:
        self._data(name)
        with self._lock:
            del self._saved[name]
            self._ready.pop(name, None)

    def export(self, name: str) -> bytes:
        """The state as a file's content, for ``import_`` in another process of this version."""
        saved = self._data(name)
        return MAGIC + pickle.dumps((saved.model, list(saved.clusters), list(saved.shared)),
                                    protocol=pickle.HIGHEST_PROTOCOL)

    def import_(self, name: str, data: bytes) -> None:
        if not data.startswith(MAGIC):
            if data.startswith(b"fakevirt-state "):
                version = data[15:].split(b"\n", 1)[0][:20].decode(errors="replace")
                raise ControlError(f"a state file of format {version}: this fakevirt reads format {FORMAT} "
                                   "(export the state again)", 400)
            raise ControlError("not a fakevirt state file (or one of another version)", 400)
        try:
            envelope = StateUnpickler(data[len(MAGIC):], {}).load()
            if (not isinstance(envelope, tuple) or len(envelope) != 3 or not isinstance(envelope[0], bytes)
                    or not isinstance(envelope[1], list) or not all(type(c) is ClusterMap for c in envelope[1])
                    or not isinstance(envelope[2], list) or not all(map(immutable, envelope[2]))):
                raise pickle.UnpicklingError("not a host state")
            body = Saved(envelope[0], tuple(envelope[1]), tuple(envelope[2]))
            self._unpickle(body)
            pending = list(body.shared)  # a lazy field's value is unpickled when read: check it now
            while pending:
                lazy = pending.pop()
                if type(lazy) is Pickled:
                    lazy.load()
                    pending += lazy.shared
        except Exception as e:  # a damaged or foreign file: whatever unpickling raises
            raise ControlError(f"bad state file: {e}", 400) from None
        with self._lock:
            self._saved[name] = body
            self._ready.pop(name, None)

    def dump(self) -> dict[str, Any]:
        """The whole host as JSON-able data (formatted by the control layer, which knows XML)."""
        from ..control.dump import dump_host  # the model itself stays free of XML

        return dump_host(self.hv)

    # ---- pickling --------------------------------------------------------------------------------

    def _data(self, name: str) -> Saved:
        data = self._saved.get(name)
        if data is None:
            raise ControlError(f"no saved state {name!r}", 404)
        return data

    def _externals(self) -> dict[str, Any]:
        hv = self.hv
        live: dict[str, Any] = {f"hv.{k}": getattr(hv, k) for k in EXTERNAL}
        live["hv"] = hv
        live |= {f"driver:{path}": driver for path, driver in hv.drivers.items()}
        return {k: v for k, v in live.items() if v is not None and not isinstance(v, (str, int))}

    def _pickle(self) -> Saved:
        hv = self.hv
        state = {"hv": {k: v for k, v in vars(hv).items() if k not in EXTERNAL},
                 "drivers": {path: {k: v for k, v in vars(d).items() if k not in DRIVER_EXTERNAL}
                             for path, d in hv.drivers.items()}}
        wake, hv.blockjobs.wake = hv.blockjobs.wake, None  # the server's timer task: not the host's
        buf = io.BytesIO()
        pickler = StatePickler(buf, {id(v): k for k, v in self._externals().items()})
        try:
            pickler.dump(state)
        except (TypeError, AttributeError, pickle.PicklingError) as e:
            # something the model holds that is not state (a live socket of a pull backup, ...)
            raise ControlError(f"cannot save the host now: {e}", 409) from None
        finally:
            hv.blockjobs.wake = wake
        return Saved(buf.getvalue(), tuple(pickler.clusters), tuple(pickler.shared))

    def _unpickle(self, saved: Saved) -> dict[str, Any]:
        # tens of thousands of new containers: without this, each few hundred start a collection
        # (now and then of the whole heap); a ThreadedServer, which keeps the collector off, is unaffected
        was_enabled = gc.isenabled()
        gc.disable()
        try:
            state = StateUnpickler(saved.model, self._externals(), saved).load()
        finally:
            if was_enabled:
                gc.enable()
        if not isinstance(state, dict) or set(state) != {"hv", "drivers"}:
            raise pickle.UnpicklingError("not a host state")
        return state

    def _apply(self, state: dict[str, Any]) -> None:
        hv = self.hv
        wake = hv.blockjobs.wake
        hv.domjobs.drop_all()
        if set(state["drivers"]) != set(hv.drivers):
            raise ControlError("the state's drivers are not this host's", 400)
        retired = [vars(hv).get(key) for key in state["hv"]]
        for key, value in state["hv"].items():
            setattr(hv, key, value)
        for path, attrs in state["drivers"].items():
            driver = hv.drivers[path]
            retired += [vars(driver).get(key) for key in attrs]
            for key, value in attrs.items():
                setattr(driver, key, value)
        with self._lock:
            self._retired = retired
        hv.blockjobs.wake = wake
        if wake is not None and hv.blockjobs.jobs:
            wake()
