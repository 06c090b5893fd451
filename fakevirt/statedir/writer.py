"""``--state DIR``: after each call that may have changed something, the file changes that bring DIR
up to date with the model, found without rewriting everything.

What may have changed after a call:
  - the domains its args and ret name (``call_object``), and every domain an event was published for since the last
    call (a client's close destroying its autodestroy domains, a guest shutting down);
  - the small families (pools, networks, secrets, nwfilters) when the call belongs to one of them
    or one of their events was published: those are rendered whole and compared;
  - images: every image's fingerprint (its cluster map's write counter, size, backing, snapshots)
    is compared, a tuple per image; only changed ones are copied and written;
  - ``fakevirt.json`` (id generator position, next domain IDs, directories) when it differs.
Rendered files are compared with what was last written, so an unchanged object costs no I/O.
"""

from __future__ import annotations

import dataclasses
import json
import logging
import uuid
from pathlib import Path
from typing import TYPE_CHECKING, Any

from protocol import ErrorDomain, Procedure

from ..errors import VirtError
from ..handlers.call_object import call_object
from ..model.events import DomainEvent
from ..model.images.image import Image
from ..model.network.events import NetworkEvent
from ..model.secrets.events import SecretEvent
from ..model.storage_events import PoolEvent
from . import layout as L
from .api import LocalApi
from .counters import COUNTERS_FILE, encode_slot, read_counters
from .files import Counters, Link, MakeDir, Plan, Remove, Write, WriteImage
from .loader import Loaded
from .render import FAMILIES, Files, SnapshotCache, domain_files

if TYPE_CHECKING:
    from ..handlers import Client
    from ..model.hypervisor import Hypervisor

log = logging.getLogger("fakevirt.statedir")

DomainKey = tuple[str, uuid.UUID]  # driver path ("/system"), domain UUID
_FAMILY_OF: dict[int, str] = {ErrorDomain.STORAGE: "storage", ErrorDomain.NETWORK: "network", ErrorDomain.SECRET: "secret",
              ErrorDomain.NWFILTER: "nwfilter"}
_EVENT_FAMILY: dict[type, str] = {PoolEvent: "storage", NetworkEvent: "network", SecretEvent: "secret"}


def may_change(proc: Procedure) -> bool:
    """libvirt lets read-only connections make every call that cannot change anything; the rules
    that depend on an argument guard reads of secrets (GetXMLDesc with SECURE and the like)."""
    return proc.read_only is not None and proc.read_only.arg is None


def fingerprint(img: Image) -> tuple[object, ...]:
    c = img.clusters
    return (id(img), id(c), c.writes, img.format, img.virtual_size, img.cluster_size, img.backing,
            img.backing_format, tuple((s.id, s.name, id(s.clusters)) for s in img.snapshots), id(img.file),
            tuple((b.name, b.enabled, b.granularity, len(b.runs), b.runs[-1] if b.runs else None)
                  for b in img.bitmaps.values()))


def frozen_copy(img: Image) -> Image:
    """What a worker thread may read while clients change the original (buffers are shared)."""
    return dataclasses.replace(img, clusters=img.clusters.copy(), snapshots=list(img.snapshots),
                               bitmaps={n: dataclasses.replace(b, runs=list(b.runs)) for n, b in img.bitmaps.items()})


class StateWriter:
    """Keeps DIR in step with one hypervisor; ``after_call``/``collect`` say what to write."""

    def __init__(self, hv: Hypervisor, root: Path, loaded: Loaded | None = None) -> None:
        """``loaded``: what ``load_state`` read from ``root``; it is on disk already."""
        self.hv = hv
        self.root = root
        self.cache: dict[str, bytes | str] = {}  # what each file holds now
        self.owned: dict[object, set[str]] = {}  # a domain key or a family name -> its files
        self.images: dict[str, tuple[object, ...]] = {}
        self.dirs: set[str] = set()
        self.snapshots = SnapshotCache()
        self.dirty_domains: set[DomainKey] = set()
        self.dirty_families: set[str] = set(FAMILIES)
        self._host: object = None  # what fakevirt.json holds
        self._counters: object = None  # what fakevirt.pos holds
        on_disk = read_counters(root)
        self._seq = on_disk[0] if on_disk is not None else 0
        self._uris = {d.uri: path for path, d in hv.drivers.items()}
        self._apis = {path: LocalApi(hv, d) for path, d in hv.drivers.items()}
        self._seen_generation = self._generation()
        if loaded is not None:
            self.cache.update(loaded.files)
            self.owned.update({k: set(v) for k, v in loaded.owned.items()})
            self.images = {path: fingerprint(img) for path, img in hv.images.images() if path in loaded.images}
            self.dirs = set(hv.storage.dirs)
            if on_disk is not None:  # the loader continued from these
                self._counters = (hv.rng.position(), {path: d.domains.next_id for path, d in hv.drivers.items()})
        bus = hv.bus
        self._stop = [bus.subscribe(DomainEvent, self._domain_event)] + [
            bus.subscribe(kind, self._family_event) for kind in _EVENT_FAMILY]

    def close(self) -> None:
        for stop in self._stop:
            stop()

    def _family_event(self, ev: object) -> None:
        self.dirty_families.add(_EVENT_FAMILY[type(ev)])

    def _domain_event(self, ev: DomainEvent) -> None:
        path = self._uris.get(ev.uri)
        if path is not None:
            self.dirty_domains.add((path, ev.domain.uuid))

    # ---- what to write -----------------------------------------------------------------------

    def after_call(self, client: Client | None, proc: Procedure | None, args: Any = None, ret: Any = None) -> Plan:
        """The changes a call made (``proc`` None: something happened outside a call)."""
        if proc is not None:
            if client is None or client.hv is not self.hv or not may_change(proc):
                return Plan()  # a read, or a call to a test driver's own host (not kept)
            driver = self._uris.get(client.driver.uri) if client.driver is not None else None
            if driver is not None:
                for value in (args, ret):
                    named = call_object(proc, value)
                    if "domain" in named and "uuid" in named:
                        self.dirty_domains.add((driver, uuid.UUID(named["uuid"])))
            family = _FAMILY_OF.get(proc.error_domain)
            if family is not None:
                self.dirty_families.add(family)
        return self.collect()

    def write_failed(self) -> None:
        """A plan did not reach the disk: forget what the files hold, so the next call rewrites all."""
        self.cache, self.images, self.dirs, self._host, self._counters = {}, {}, set(), None, None
        self._seen_generation = ()

    def _generation(self) -> tuple[int, ...]:
        """Changes when the host is reset (Hypervisor.reset replaces its parts): then check everything."""
        return (id(self.hv.images), *(id(d.domains) for d in self.hv.drivers.values()))

    def collect(self, full: bool = False) -> Plan:
        """The plan that makes DIR match the model for everything marked dirty (or everything)."""
        generation = self._generation()
        if generation != self._seen_generation:
            full, self._seen_generation = True, generation
        if full:
            self.dirty_families |= set(FAMILIES)
            self.dirty_domains |= {(path, dom.uuid) for path, d in self.hv.drivers.items() for dom in d.domains}
            self.dirty_domains |= {k for k in self.owned if isinstance(k, tuple)}
        writes: dict[str, bytes | str] = {}
        removes: set[str] = set()
        families, self.dirty_families = self.dirty_families, set()
        for family in families:
            self._diff(family, FAMILIES[family](self.hv, self._apis["/system"]), writes, removes)
        domains, self.dirty_domains = self.dirty_domains, set()
        for key in domains:
            self._diff(key, self._domain(key), writes, removes)
        removes -= writes.keys()
        ops: list[Any] = []
        ops += self._host_state()
        ops += self._image_ops()
        ops += [Link(p, c) if isinstance(c, str) else Write(p, c) for p, c in writes.items()]
        ops += [Remove(p) for p in sorted(removes, reverse=True)]
        for p, c in writes.items():
            self.cache[p] = c
        for p in removes:
            self.cache.pop(p, None)
        return Plan(ops)

    def _domain(self, key: DomainKey) -> Files:
        path, dom_uuid = key
        driver = self.hv.drivers.get(path)
        if driver is None:
            return {}
        try:
            dom = driver.domains.by_uuid(dom_uuid)
        except VirtError:
            return {}
        return domain_files(self._apis[path], L.driver_root(path), dom, self.snapshots)

    def _diff(self, owner: object, new: Files, writes: dict[str, bytes | str], removes: set[str]) -> None:
        old = self.owned.get(owner, set())
        for path, content in new.items():
            if self.cache.get(path) != content:
                writes[path] = content
        removes |= old - new.keys()
        if new:
            self.owned[owner] = set(new)
        else:
            self.owned.pop(owner, None)

    def _image_ops(self) -> list[Any]:
        ops: list[Any] = []
        dirs = set(self.hv.storage.dirs)
        ops += [MakeDir(L.image_file(d)) for d in sorted(dirs - self.dirs)]
        seen: set[str] = set()
        for path, img in self.hv.images.images():
            seen.add(path)
            fp = fingerprint(img)
            if self.images.get(path) != fp:
                self.images[path] = fp
                ops.append(WriteImage(L.image_file(path), frozen_copy(img)))
        for path in set(self.images) - seen:
            del self.images[path]
            ops += [Remove(L.image_file(path)), Remove(L.bitmap_file(L.image_file(path)))]
        ops += [Remove(L.image_file(d)) for d in sorted(self.dirs - dirs, reverse=True)]
        self.dirs = dirs
        return ops

    def _host_state(self) -> list[Any]:
        """The host's own files when they changed, written first, so a restart never hands out an id
        twice: ``fakevirt.pos`` (the counters, which most calls move: a cheap in-place write) and
        ``fakevirt.json`` (the seed and directories, and the counters for a reader without the first)."""
        hv = self.hv
        position = hv.rng.position()
        next_ids = {path: d.domains.next_id for path, d in hv.drivers.items()}
        dirs = {p: [perm.mode, perm.owner, perm.group] for p, perm in sorted(hv.storage.dirs.items())}
        ops: list[Any] = []
        counters = (position, next_ids)
        if counters != self._counters:
            self._counters = counters
            self._seq += 1
            rng = L.pack_position(position)
            ops.append(Counters(COUNTERS_FILE, self._seq, encode_slot(self._seq, {"rng": rng, "next_id": next_ids})))
        if (hv.seed, dirs) != self._host:
            self._host = (hv.seed, dirs)
            ops.append(Write(L.STATE_FILE, json.dumps({"format": 1, "seed": hv.seed, "rng": L.pack_position(position),
                                                       "next_id": next_ids, "dirs": dirs}).encode()))
        return ops
