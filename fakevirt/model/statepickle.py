"""How whole-host states (hoststate.py) pickle the model.

- Live objects that are not the host's (the clock, the event bus, …) are pickled as references
  (``external_ref``) and the loader points at the live ones.
- Images' cluster maps, immutable objects (``compact.immutable``) and the model's classes are kept
  beside the pickle (``Saved``) and named by index: a load copies a cluster map's dict, and shares
  an immutable object with the saved state instead of rebuilding it.
- The model's dataclasses are pickled compactly (compact.py).
- A class may name fields that are rarely read and held by it alone (``state_lazy``, such as a
  snapshot's copy of the domain definition; a method ``keeps_pickled(name)`` may choose per object):
  their values are pickled on their own, and a loaded object keeps that ``Pickled`` until the
  field is first read.  A load so costs nothing for the
  snapshots a test never looks at, and saving again a host loaded from a state reuses them as
  they are.
"""

from __future__ import annotations

import io
import pickle
import types
from dataclasses import dataclass
from typing import Any

from .compact import immutable, reduce_compact, state_function
from .images.clusters import ClusterMap

_SAFE_GLOBALS = {("builtins", n) for n in ("set", "frozenset", "bytearray", "complex", "slice")} | {
    ("copyreg", "_reconstructor"), ("uuid", "UUID"), ("uuid", "SafeUUID"), ("random", "Random"),
    ("collections", "OrderedDict"), ("collections", "Counter"), ("collections", "deque"), ("collections", "defaultdict"),
    ("ipaddress", "IPv4Address"), ("ipaddress", "IPv6Address"), ("ipaddress", "IPv4Network"),
    ("ipaddress", "IPv6Network"), ("ipaddress", "IPv4Interface"), ("ipaddress", "IPv6Interface")}
_SAFE_PACKAGES = ("fakevirt.model.", "fakevirt.errors")


def external_ref(key: str) -> Any:
    """Stands in a pickle for a live object; the loader's ``find_class`` replaces it."""
    raise pickle.UnpicklingError(f"no live object {key!r} to point at")


def bound_method(obj: Any, name: str) -> Any:
    """A bound method of a model object (``hv.new_uuid``, ``clock.now``), as pickled here."""
    if name.startswith("__"):
        raise pickle.UnpicklingError(f"refusing method {name!r}")
    return getattr(obj, name)


def shared_clusters(index: int) -> Any:
    """Stands in a pickle for an image's clusters kept beside it; the loader's ``find_class`` replaces it."""
    raise pickle.UnpicklingError(f"no cluster map {index}")


def shared_object(index: int) -> Any:
    """Stands in a pickle for an immutable object kept beside it; the loader's ``find_class`` replaces it."""
    raise pickle.UnpicklingError(f"no shared object {index}")


@dataclass(frozen=True, slots=True)
class Saved:
    """One saved state: the pickled model, and the images' cluster maps and the immutable objects
    (``compact.immutable``) it names by index.

    Cluster data are immutable bytes (images/clusters.py), so a saved map shares them with the
    host it was saved from and with every host loaded from it: saving and loading an image costs
    a dict of its clusters, not a copy of its data.  Immutable objects are shared as they are.
    """

    model: bytes
    clusters: tuple[ClusterMap, ...]
    shared: tuple[object, ...] = ()


class StatePickler(pickle.Pickler):
    """Pickles the model for a state: live objects by reference, images' clusters and immutable
    objects beside the pickle, dataclasses compactly, lazy fields (``lazy_fields``) as ``Pickled``."""

    def __init__(self, file: io.BytesIO, externals: dict[int, str]) -> None:
        super().__init__(file, protocol=pickle.HIGHEST_PROTOCOL)
        self.externals = externals
        self.clusters: list[ClusterMap] = []
        self.shared: list[object] = []
        self.outside = False  # it named a live object or clusters: not something to keep Pickled

    def reducer_override(self, obj: Any) -> Any:
        # Called only for objects of non-builtin types (not for ints, strs, dicts, lists, tuples),
        # once per object (pickle's memo keeps shared references shared).
        key = self.externals.get(id(obj))
        if key is not None:
            self.outside = True
            return external_ref, (key,)
        if type(obj) is ClusterMap:  # not a lazily read one (HostClusters): that reads its file on copy
            self.outside = True
            self.clusters.append(obj.copy())
            return shared_clusters, (len(self.clusters) - 1,)
        if isinstance(obj, type) and obj.__module__.startswith(_SAFE_PACKAGES):
            # a model class kept beside the pickle: no global to look up by name when pickling a
            # lazy value on its own, nor when loading
            self.shared.append(obj)
            return shared_object, (len(self.shared) - 1,)
        if type(obj) is types.MethodType:
            self.outside = True
            return bound_method, (obj.__self__, obj.__func__.__name__)
        state_of = state_function(type(obj))
        if state_of is not None:
            reduced = reduce_compact(obj, state_of)
            lazy = lazy_fields(type(obj))
            if lazy and reduced[2]:
                self.keep_pickled(obj, reduced[2], lazy)
            return reduced
        if immutable(obj):
            self.shared.append(obj)
            return shared_object, (len(self.shared) - 1,)
        return NotImplemented

    def keep_pickled(self, obj: Any, state: dict[str, Any], names: tuple[str, ...]) -> None:
        """The lazy fields' values in obj's state as ``Pickled`` (one not read since a load stays as it is)."""
        keeps = getattr(obj, "keeps_pickled", None)
        for name in names:
            if name in obj.__dict__:  # set since the load (read, or assigned): a Pickled left is stale
                state.pop(_pickled_key(name), None)
            value = state.get(name)
            if value is None or (keeps is not None and not keeps(name)):
                continue
            buf = io.BytesIO()
            inner = StatePickler(buf, self.externals)
            inner.dump(value)
            if not inner.outside:  # else pickled with the rest, as it must point at the same objects
                del state[name]
                state[_pickled_key(name)] = Pickled(buf.getvalue(), tuple(inner.shared))


_found: dict[tuple[str, str], Any] = {}  # what find_class allowed: a load names ~90 globals


class StateUnpickler(pickle.Unpickler):
    """Unpickles what StatePickler made, naming only the model's own classes."""

    def __init__(self, data: bytes, externals: dict[str, Any], saved: Saved | None = None) -> None:
        super().__init__(io.BytesIO(data))
        self.externals = externals
        self.clusters = saved.clusters if saved is not None else ()
        self.shared = saved.shared if saved is not None else ()
        self.envelope = saved is None  # an exported file's outer pickle: the model pickle and what is beside it

    def copy_clusters(self, index: int) -> ClusterMap:
        return self.clusters[index].copy()

    def find_class(self, module: str, name: str) -> Any:
        # Only the model's own classes and functions (it does no I/O) and a few plain types:
        # an imported state file cannot name os.system.
        if (module, name) == (__name__, "external_ref"):
            return self.externals.__getitem__
        if (module, name) == (__name__, "shared_clusters"):
            return self.copy_clusters
        if (module, name) == (__name__, "shared_object"):
            return self.shared.__getitem__
        if (module, name) == (__name__, "bound_method"):
            return bound_method
        if (module, name) == (__name__, "Pickled") and not self.envelope:
            # only beside a model pickle, where an import checks each one (hoststate.import_)
            raise pickle.UnpicklingError("a lazy value inside a model pickle")
        found = _found.get((module, name))
        if found is not None:
            return found
        if (module, name) in _SAFE_GLOBALS or (module.startswith(_SAFE_PACKAGES) and not name.startswith("__")):
            found = super().find_class(module, name)
            if isinstance(found, type):
                state_function(found)  # its objects may come sparse: install its descriptors
                lazy_fields(found)
            _found[(module, name)] = found
            return found
        raise pickle.UnpicklingError(f"global {module}.{name} is not part of a host state")


@dataclass(frozen=True, slots=True)
class Pickled:
    """A lazy field's value, kept pickled in a loaded object until the field is first read."""

    data: bytes
    shared: tuple[object, ...]

    def load(self) -> Any:
        return StateUnpickler(self.data, {}, Saved(b"", (), self.shared)).load()


def _pickled_key(name: str) -> str:
    return f"{name}@pickled"  # not an identifier: no field can have it


_NO_DEFAULT: Any = object()


class _LazyField:
    """A lazy field of a loaded object: its Pickled value unpickled on first read, then kept."""

    __slots__ = ("name", "key", "default")

    def __init__(self, name: str, default: object) -> None:
        self.name, self.key, self.default = name, _pickled_key(name), default

    def __get__(self, obj: object, owner: type | None = None) -> object:
        pickled = None if obj is None else obj.__dict__.get(self.key)
        if pickled is None:
            if self.default is _NO_DEFAULT:
                raise AttributeError(self.name)
            return self.default
        value = obj.__dict__[self.name] = pickled.load()
        del obj.__dict__[self.key]
        return value


_lazy: dict[type, tuple[str, ...]] = {}


def lazy_fields(cls: type) -> tuple[str, ...]:
    """cls's lazy fields (its ``state_lazy`` attribute); installs their descriptors on first use.

    A lazy field's plain default, if any, is its class attribute, which the descriptor replaces."""
    try:
        return _lazy[cls]
    except KeyError:
        pass
    names: tuple[str, ...] = tuple(vars(cls).get("state_lazy", ()))
    for name in names:
        default = vars(cls).get(name, _NO_DEFAULT)
        if not isinstance(default, _LazyField):
            setattr(cls, name, _LazyField(name, default))
    _lazy[cls] = names
    return names
