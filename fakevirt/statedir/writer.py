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
from ..model.events import DomainEvent, EventID, Lifecycle
from ..model.images.image import Image
from ..model.network.events import NetworkEvent
from ..model.secrets.events import SecretEvent
from ..model.storage_events import PoolEvent
from . import layout as L
from .api import LocalApi
from .counters import COUNTERS_FILE, encode_slot, read_counters
from .files import Counters, Link, MakeDir, Plan, Remove, Write, WriteImage
from .imagefile import ImageFile
from .loader import Loaded
from .render import FAMILIES, Files, SnapshotCache, config_paths, domain_files

if TYPE_CHECKING:
    from ..handlers import Client
    from ..model.domain import Domain
    from ..model.hypervisor import Hypervisor

log = logging.getLogger("fakevirt.statedir")

DomainKey = tuple[str, uuid.UUID]  # driver path ("/system"), domain UUID
_FAMILY_OF: dict[int, str] = {ErrorDomain.STORAGE: "storage", ErrorDomain.NETWORK: "network", ErrorDomain.SECRET: "secret",
              ErrorDomain.NWFILTER: "nwfilter"}
_EVENT_FAMILY: dict[type, str] = {PoolEvent: "storage", NetworkEvent: "network", SecretEvent: "secret"}
# what changes only a domain's state, never its config (defining, undefining, reverting to a snapshot,
# a --config change and the rest mark the config as well)
_LIVE_EVENTS = {Lifecycle.STARTED, Lifecycle.SUSPENDED, Lifecycle.RESUMED, Lifecycle.STOPPED, Lifecycle.SHUTDOWN,
                Lifecycle.PMSUSPENDED, Lifecycle.CRASHED}
_LIVE_EVENT_IDS = {EventID.REBOOT, EventID.RTC_CHANGE, EventID.WATCHDOG, EventID.IO_ERROR, EventID.GRAPHICS,
                   EventID.IO_ERROR_REASON, EventID.CONTROL_ERROR, EventID.PMWAKEUP, EventID.PMSUSPEND,
                   EventID.BALLOON_CHANGE, EventID.PMSUSPEND_DISK, EventID.AGENT_LIFECYCLE,
                   EventID.MIGRATION_ITERATION, EventID.JOB_COMPLETED, EventID.BLOCK_THRESHOLD,
                   EventID.MEMORY_FAILURE}
_PORT_EVENT_IDS = {EventID.DEVICE_ADDED, EventID.DEVICE_REMOVED}
_LIVE_CALLS = {"DOMAIN_CREATE", "DOMAIN_CREATE_WITH_FLAGS", "DOMAIN_SUSPEND", "DOMAIN_RESUME", "DOMAIN_DESTROY",
               "DOMAIN_DESTROY_FLAGS", "DOMAIN_SHUTDOWN", "DOMAIN_SHUTDOWN_FLAGS", "DOMAIN_REBOOT", "DOMAIN_RESET",
               "DOMAIN_PM_SUSPEND_FOR_DURATION", "DOMAIN_PM_WAKEUP"}


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
        self.files: dict[str, ImageFile] = {}  # what each image file holds, for writing only what changed
        self.dirs: set[str] = set()
        self.snapshots = SnapshotCache()
        self.dirty_domains: dict[DomainKey, bool] = {}  # True: its config may have changed too
        self.dirty_families: set[str] = set(FAMILIES)
        self._host: object = None  # what fakevirt.json holds
        self._counters: object = None  # what fakevirt.pos holds
        self._rng: tuple[object, list[Any]] | None = None  # the last position packed, packed
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
            event = ev.data.get("event") if ev.event_id == EventID.LIFECYCLE else None
            live = ev.event_id in _LIVE_EVENT_IDS or event in _LIVE_EVENTS
            self._mark((path, ev.domain.uuid), not live)
            if ev.event_id in _PORT_EVENT_IDS or (event in (Lifecycle.STARTED, Lifecycle.STOPPED)
                                                  and self._on_a_network((path, ev.domain.uuid))):
                self.dirty_families.add("network")  # a network's status counts its connections

    def _mark(self, key: DomainKey, config: bool) -> None:
        self.dirty_domains[key] = self.dirty_domains.get(key, False) or config

    # ---- what to write -----------------------------------------------------------------------

    def after_call(self, client: Client | None, proc: Procedure | None, args: Any = None, ret: Any = None) -> Plan:
        """The changes a call made (``proc`` None: something happened outside a call)."""
        if proc is not None:
            if client is None or client.hv is not self.hv or not may_change(proc):
                return Plan()  # a read, or a call to a test driver's own host (not kept)
            driver = self._uris.get(client.driver.uri) if client.driver is not None else None
            if driver is not None:
                named = [call_object(proc, value) for value in (args, ret)]
                snapshot = next((n["snapshot"] for n in named if "snapshot" in n), None)
                for n in named:
                    if "domain" in n and "uuid" in n:
                        key = (driver, uuid.UUID(n["uuid"]))
                        self._mark(key, not self._live_only(proc, key, snapshot))
            family = _FAMILY_OF.get(proc.error_domain)
            if family is not None:
                self.dirty_families.add(family)
        return self.collect()

    def _live_only(self, proc: Procedure, key: DomainKey, snapshot: str | None) -> bool:
        """Whether the call cannot have changed the domain's config (nor its autostart link):
        libvirt rewrites neither on a state change, nor on an internal snapshot."""
        if proc.name in _LIVE_CALLS:
            return True
        if proc.name != "DOMAIN_SNAPSHOT_CREATE_XML" or snapshot is None:
            return False
        dom = self._find(key)
        snap = dom.snapshots.find(snapshot) if dom is not None else None
        return snap is not None and not snap.definition.is_external

    def _on_a_network(self, key: DomainKey) -> bool:
        dom = self._find(key)
        return dom is None or any(i.type == "network" for i in dom.definition.interfaces)

    def _find(self, key: DomainKey) -> Domain | None:
        driver = self.hv.drivers.get(key[0])
        if driver is None:
            return None
        try:
            return driver.domains.by_uuid(key[1])
        except VirtError:
            return None

    def write_failed(self) -> None:
        """A plan did not reach the disk: forget what the files hold, so the next call rewrites all."""
        self.cache, self.images, self.dirs, self._host, self._counters = {}, {}, set(), None, None
        self.files = {}
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
            self.dirty_domains.update({(path, dom.uuid): True for path, d in self.hv.drivers.items() for dom in d.domains})
            self.dirty_domains.update({k: True for k in self.owned if isinstance(k, tuple)})
        writes: dict[str, bytes | str] = {}
        removes: set[str] = set()
        families, self.dirty_families = self.dirty_families, set()
        for family in families:
            self._diff(family, FAMILIES[family](self.hv, self._apis["/system"]), writes, removes)
        domains, self.dirty_domains = self.dirty_domains, {}
        for key, config in domains.items():
            self._diff(key, self._domain(key, config), writes, removes)
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

    def _domain(self, key: DomainKey, config: bool = True) -> Files:
        dom = self._find(key)
        if dom is None:
            return {}
        root = L.driver_root(key[0])
        kept = None
        if not config and dom.persistent:
            conf, link = config_paths(root, dom.name)
            owned = self.owned.get(key, set())
            if conf in owned and conf in self.cache:
                kept = {p: self.cache[p] for p in (conf, link) if p in owned and p in self.cache}
        return domain_files(self._apis[key[0]], root, dom, self.snapshots, kept)

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
                ops.append(WriteImage(L.image_file(path), frozen_copy(img), self.files.setdefault(path, ImageFile())))
        for path in set(self.images) - seen:
            del self.images[path]
            self.files.pop(path, None)
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
            ops.append(Counters(COUNTERS_FILE, self._seq,
                                encode_slot(self._seq, {"rng": self._packed(position), "next_id": next_ids})))
        if (hv.seed, dirs) != self._host:
            self._host = (hv.seed, dirs)
            ops.append(Write(L.STATE_FILE, json.dumps({"format": 1, "seed": hv.seed, "rng": self._packed(position),
                                                       "next_id": next_ids, "dirs": dirs}).encode()))
        return ops

    def _packed(self, position: object) -> list[Any]:
        """The generator's position as the files keep it (a start moves the next ID, not the generator)."""
        if self._rng is None or self._rng[0] != position:
            self._rng = (position, L.pack_position(position))
        return self._rng[1]
