"""Loading libvirt's own files: a directory laid out like /etc/libvirt (``load_etc_libvirt``), and a
whole ``--state`` directory (``load_state``): what libvirtd does when it starts.

Every object goes in through the API calls a client would make (define, redefine, set-value,
autostart), so the drivers' checks apply; one that fails is logged and left out, as libvirtd
does with a config it cannot parse. Running domains come back through ``Domains.reconnect``
(same ID and live definition, no events), then autostart objects that are not running start.
"""

from __future__ import annotations

import base64
import gc
import json
import logging
import os
import re
import xml.etree.ElementTree as ET
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from protocol import LibvirtError, NonnullDomain, NonnullNetwork, NonnullStoragePool

from ..model.domain import Domain, SavedState
from ..model.flags.checkpoint import DomainCheckpointCreateFlags
from ..model.flags.snapshot import DomainSnapshotCreateFlags
from ..xml.domain import parse_domain_xml
from . import layout as L
from .api import LocalApi, domain_handle
from .counters import read_counters
from .files import TMP_SUFFIX
from .images import load_images
from .render import CURRENT

if TYPE_CHECKING:
    from ..model.hypervisor import Hypervisor, QemuDriver

log = logging.getLogger("fakevirt.statedir")


@dataclass
class Loaded:
    """What a load read: every XML file and link (by path relative to the directory), the images
    it loaded, and what it had to leave out."""

    files: dict[str, bytes | str] = field(default_factory=dict)
    images: set[str] = field(default_factory=set)
    problems: list[str] = field(default_factory=list)
    # which of those files each loaded object owns: (driver path, domain UUID) or a family name
    owned: dict[object, set[str]] = field(default_factory=dict)
    # what the load defined: ("network", name), ("pool", name), ("domain", driver path, name)
    defined: set[tuple[str, ...]] = field(default_factory=set)


class LoadError(Exception):
    """A strict load met a file libvirt would refuse: ``PATH: reason``."""


class _Reader:
    def __init__(self, root: Path, loaded: Loaded, strict: bool = False) -> None:
        self.root = root
        self.loaded = loaded
        self.strict = strict

    def docs(self, rel: str, suffix: str = ".xml") -> list[tuple[str, str]]:
        """(stem, text) of the files in one directory, in name order."""
        out = []
        for entry in sorted(self._entries(rel), key=lambda e: e.name):
            if entry.name.endswith(TMP_SUFFIX):
                os.unlink(entry.path)
            elif entry.name.endswith(suffix) and entry.is_file(follow_symlinks=False):
                with open(entry.path, "rb") as f:
                    data = f.read()
                self.loaded.files[f"{rel}/{entry.name}"] = data
                out.append((entry.name[: -len(suffix)], data.decode()))
        return out

    def links(self, rel: str) -> set[str]:
        """Names (without .xml) of the autostart links (or copies) in one directory."""
        names = set()
        for entry in self._entries(rel):
            if entry.name.endswith(".xml") and (entry.is_symlink() or entry.is_file()):
                if entry.is_symlink():
                    self.loaded.files[f"{rel}/{entry.name}"] = os.readlink(entry.path)
                else:
                    with open(entry.path, "rb") as f:
                        self.loaded.files[f"{rel}/{entry.name}"] = f.read()
                names.add(entry.name[:-4])
        return names

    def subdirs(self, rel: str) -> set[str]:
        """The names of the directories in one directory."""
        return {e.name for e in self._entries(rel) if e.is_dir()}

    def _entries(self, rel: str) -> list[os.DirEntry[str]]:
        try:
            with os.scandir(self.root / rel) as it:
                return list(it)
        except (FileNotFoundError, NotADirectoryError):
            return []

    def attempt(self, what: str, fn: Any, *args: Any, **kwargs: Any) -> Any:
        """``fn(...)``; what it refuses is left out and logged, or (strict) stops the load."""
        try:
            return fn(*args, **kwargs)
        except (LibvirtError, ValueError, ET.ParseError) as e:
            message = getattr(e, "message", None) or str(e)
            if self.strict:
                raise LoadError(f"{what}: {message}") from e
            self.loaded.problems.append(f"{what}: {message}")
            log.warning("--state: %s not loaded: %s", what, message)
            return None


def _body(text: str) -> str:
    return L.strip_header(text)


def load_etc_libvirt(hv: Hypervisor, path: str | os.PathLike[str], *, driver: QemuDriver | None = None,
                     loaded: Loaded | None = None, prefix: str = "", strict: bool = False) -> Loaded:
    """Define what a directory laid out like /etc/libvirt holds: secrets/, nwfilter/,
    qemu/networks/, storage/, qemu/*.xml, with their autostart links (or copies). Nothing is
    started (``autostart`` does that). A file the driver refuses is left out and reported in
    ``Loaded.problems``, as libvirtd logs it; ``strict``: it raises ``LoadError`` instead.

    ``prefix``: how the files are named in ``Loaded.files`` (relative to a state directory).
    """
    loaded = loaded if loaded is not None else Loaded()
    r = _Reader(Path(path), loaded, strict)
    api = LocalApi(hv, driver)
    path_of = driver.uri.removeprefix("qemu://") if driver is not None else "/system"

    def define(kind: str, rel: str, proc: str, **extra: Any) -> list[tuple[str, Any]]:
        out = []
        for name, text in _docs(r, prefix, rel):
            what = f"{Path(path) / rel / name}.xml" if strict else f"{kind} {name}"
            ret = r.attempt(what, api, proc, xml=_body(text), **extra)
            if ret is not None:
                out.append((name, ret))
        return out

    if path_of == "/system":
        _load_secrets(r, api, prefix)
        define("nwfilter", "nwfilter", "NWFILTER_DEFINE_XML")
        auto = _links(r, prefix, "qemu/networks/autostart")
        for name, ret in define("network", "qemu/networks", "NETWORK_DEFINE_XML"):
            loaded.defined.add(("network", ret.net.name))
            if name in auto:
                api("NETWORK_SET_AUTOSTART", net=ret.net, autostart=1)
        auto = _links(r, prefix, "storage/autostart")
        for name, ret in define("pool", "storage", "STORAGE_POOL_DEFINE_XML", flags=0):
            loaded.defined.add(("pool", ret.pool.name))
            if name in auto:
                api("STORAGE_POOL_SET_AUTOSTART", pool=ret.pool, autostart=1)
    auto = _links(r, prefix, "qemu/autostart")
    for name, ret in define("domain", "qemu", "DOMAIN_DEFINE_XML_FLAGS", flags=0):
        loaded.defined.add(("domain", path_of, ret.dom.name))
        if name in auto:
            api("DOMAIN_SET_AUTOSTART", dom=ret.dom, autostart=1)
    return loaded


def _docs(r: _Reader, prefix: str, rel: str, suffix: str = ".xml") -> list[tuple[str, str]]:
    out = r.docs(rel, suffix)
    if prefix:  # name the files as the state directory sees them
        for stem, _ in out:
            r.loaded.files[f"{prefix}{rel}/{stem}{suffix}"] = r.loaded.files.pop(f"{rel}/{stem}{suffix}")
    return out


def _links(r: _Reader, prefix: str, rel: str) -> set[str]:
    names = r.links(rel)
    if prefix:
        for name in names:
            r.loaded.files[f"{prefix}{rel}/{name}.xml"] = r.loaded.files.pop(f"{rel}/{name}.xml")
    return names


def _load_secrets(r: _Reader, api: LocalApi, prefix: str) -> None:
    values = dict(_docs(r, prefix, "secrets", ".base64"))
    for name, text in _docs(r, prefix, "secrets"):
        what = f"{r.root / 'secrets' / name}.xml" if r.strict else f"secret {name}"
        ret = r.attempt(what, api, "SECRET_DEFINE_XML", xml=_body(text), flags=0)
        if ret is not None and name in values:
            r.attempt(f"secret {name} value", api, "SECRET_SET_VALUE", secret=ret.secret,
                      value=base64.b64decode(values[name]), flags=0)


def read_host_state(root: str | os.PathLike[str]) -> dict[str, Any] | None:
    """DIR/fakevirt.json with the counters of DIR/fakevirt.pos, or None for a new directory."""
    try:
        data: dict[str, Any] = json.loads((Path(root) / L.STATE_FILE).read_text())
    except FileNotFoundError:
        return None
    counters = read_counters(root)  # newer than the copy in fakevirt.json
    if counters is not None:
        data.update(counters[1])
    return data


@contextmanager
def _gc_paused() -> Iterator[None]:
    """No cyclic collection while a load builds objects that all stay: each one would walk
    everything built so far (a sixth of a 1,000-domain load)."""
    was = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was:
            gc.enable()


def load_state(hv: Hypervisor, root: str | os.PathLike[str]) -> Loaded:
    """Bring back the host a ``--state`` directory holds, in libvirtd's order; autostart comes
    after (``autostart``), once whoever keeps the directory listens to the events it causes."""
    with _gc_paused():
        return _load_state(hv, Path(root))


def _load_state(hv: Hypervisor, top: Path) -> Loaded:
    host = read_host_state(top)
    loaded = Loaded()
    if host is not None:
        loaded.files[L.STATE_FILE] = (top / L.STATE_FILE).read_bytes()
    loaded.images = load_images(hv.images, hv.storage.dirs, top / L.IMAGES, host.get("dirs") if host else None)
    load_etc_libvirt(hv, top / "etc/libvirt", loaded=loaded, prefix="etc/libvirt/")
    r = _Reader(top, loaded)
    api = LocalApi(hv)
    _restore_networks(r, api, hv)
    _restore_pools(r, api, hv)
    for path, driver in hv.drivers.items():
        root_rel = L.driver_root(path)
        if root_rel:
            load_etc_libvirt(hv, top / root_rel / "etc/libvirt", driver=driver, loaded=loaded,
                             prefix=f"{root_rel}etc/libvirt/")
        _restore_domains(r, LocalApi(hv, driver), driver, root_rel)
        by_dir: dict[str, list[str]] = {}
        for f in loaded.files:
            by_dir.setdefault(f.rpartition("/")[0], []).append(f)
        for dom in driver.domains:
            loaded.owned[(path, dom.uuid)] = _domain_files(loaded.files, by_dir, root_rel, dom.name)
    _family_files(hv, loaded)
    if host is not None:
        hv.rng.seek(L.unpack_position(host["rng"]))
        for path, next_id in host.get("next_id", {}).items():
            if path in hv.drivers:
                hv.drivers[path].domains.next_id = max(hv.drivers[path].domains.next_id, next_id)
    return loaded


def _domain_files(files: dict[str, bytes | str], by_dir: dict[str, list[str]], root: str, name: str) -> set[str]:
    own = {f"{root}{L.QEMU}/{name}.xml", f"{root}{L.QEMU_AUTOSTART}/{name}.xml", f"{root}{L.QEMU_RUN}/{name}.xml",
           f"{root}{L.MANAGED_SAVES}/{name}.save"}
    return {f for f in own if f in files} | {f for d in (L.SNAPSHOTS, L.CHECKPOINTS)
                                            for f in by_dir.get(f"{root}{d}/{name}", [])}


def _family_files(hv: Hypervisor, loaded: Loaded) -> None:
    """The files of the pools, networks, secrets and filters that loaded (a broken one stays)."""
    names = {"storage": ([L.POOLS, L.POOLS_AUTOSTART, L.POOLS_RUN], [p.name for p in hv.storage]),
             "network": ([L.NETWORKS, L.NETWORKS_AUTOSTART, L.NETWORKS_RUN], [n.name for n in hv.networks]),
             "secret": ([L.SECRETS], [str(s.uuid) for s in hv.secrets.list_all(0)]),
             "nwfilter": ([L.NWFILTERS], [f.name for f in hv.nwfilters.list_all(0)])}
    for family, (dirs, objects) in names.items():
        loaded.owned[family] = {f"{d}/{n}{ext}" for d in dirs for n in objects for ext in (".xml", ".base64")
                                } & loaded.files.keys()


def _restore_networks(r: _Reader, api: LocalApi, hv: Hypervisor) -> None:
    for name, text in r.docs(L.NETWORKS_RUN):
        _, inner = r.attempt(f"network {name} state", L.unwrap, text, "networkstatus") or (None, None)
        if inner is None:
            continue
        net = next((n for n in hv.networks if n.name == name), None)
        if net is None:
            r.attempt(f"network {name}", api, "NETWORK_CREATE_XML", xml=inner)
        elif not net.active:
            r.attempt(f"network {name}", api, "NETWORK_CREATE", net=NonnullNetwork(name=name, uuid=net.uuid.bytes))


def _restore_pools(r: _Reader, api: LocalApi, hv: Hypervisor) -> None:
    for name, text in r.docs(L.POOLS_RUN):
        _, inner = r.attempt(f"pool {name} state", L.unwrap, text, "poolstate") or (None, None)
        if inner is None:
            continue
        pool = hv.storage.pools.get(name)
        if pool is None:
            r.attempt(f"pool {name}", api, "STORAGE_POOL_CREATE_XML", xml=inner, flags=0)
        elif not pool.active:
            r.attempt(f"pool {name}", api, "STORAGE_POOL_CREATE",
                      pool=NonnullStoragePool(name=name, uuid=pool.uuid.bytes), flags=0)


_DOMAIN_ID = re.compile(r"<domain\b[^>]*\bid='(\d+)'")


def _restore_domains(r: _Reader, api: LocalApi, driver: QemuDriver, root: str) -> None:
    for name, text in r.docs(f"{root}{L.QEMU_RUN}"):
        r.attempt(f"running domain {name}", _reconnect, driver, text)
    for name, text in r.docs(f"{root}{L.MANAGED_SAVES}", ".save"):
        dom = driver.domains.find_name(name)
        if dom is not None:
            r.attempt(f"managed save of {name}", _managed_save, driver, dom, text)
    with_snapshots, with_checkpoints = r.subdirs(f"{root}{L.SNAPSHOTS}"), r.subdirs(f"{root}{L.CHECKPOINTS}")
    for dom in driver.domains:
        h = domain_handle(dom)

        def snapshot(text: str, h: NonnullDomain = h) -> object:
            flags = DomainSnapshotCreateFlags.REDEFINE | (DomainSnapshotCreateFlags.CURRENT if CURRENT in text else 0)
            return api("DOMAIN_SNAPSHOT_CREATE_XML", dom=h, xml_desc=_body(text).replace(CURRENT, ""), flags=flags)

        def checkpoint(text: str, h: NonnullDomain = h) -> object:
            return api("DOMAIN_CHECKPOINT_CREATE_XML", dom=h, xml_desc=_body(text),
                       flags=DomainCheckpointCreateFlags.REDEFINE)

        if dom.name in with_snapshots:
            _moments(r, f"snapshot {dom.name}", r.docs(f"{root}{L.SNAPSHOTS}/{dom.name}"), snapshot)
        if dom.name in with_checkpoints:
            _moments(r, f"checkpoint {dom.name}", r.docs(f"{root}{L.CHECKPOINTS}/{dom.name}"), checkpoint)


_PARENT = re.compile(r"\n\s*<parent>\s*<name>[^<]*</name>\s*</parent>")


def _moments(r: _Reader, what: str, docs: list[tuple[str, str]], redefine: Callable[[str], object]) -> None:
    """Snapshots or checkpoints, parents first. One whose parent did not load becomes a root, as in
    libvirt's virDomainMomentObjListUpdateRelations (a crash amid an undefine removed a part of them)."""
    parents = {}
    for name, text in docs:
        try:
            parents[name] = ET.fromstring(_body(text)).findtext("parent/name")
        except ET.ParseError:
            parents[name] = None
    done: set[str] = set()
    for name, text in _by_parent(docs, parents):
        parent = parents[name]
        if parent is not None and parent not in done:
            r.loaded.problems.append(f"{what}/{name}: its parent {parent} is missing; loaded as a root")
            log.warning("--state: %s/%s: its parent %s is missing; loaded as a root", what, name, parent)
            text = _PARENT.sub("", text, count=1)
        if r.attempt(f"{what}/{name}", redefine, text) is not None:
            done.add(name)


def _reconnect(driver: QemuDriver, text: str) -> None:
    attrs, inner = L.unwrap(text, "domstatus")
    m = _DOMAIN_ID.search(inner)
    if m is None:
        raise ValueError("the status file's <domain> has no id")
    state, reason = L.state_of(attrs.get("state", "running"), attrs.get("reason", "unknown"))
    driver.domains.reconnect(parse_domain_xml(inner), int(m.group(1)), state, reason)


def _managed_save(driver: QemuDriver, dom: Domain, text: str) -> None:
    attrs, inner = L.unwrap(text, "fakevirt-save")
    saved = SavedState(parse_domain_xml(inner), attrs.get("running") == "1", int(attrs.get("cpu-time-ns", "0")))
    driver.domains.managed_save_found(dom, saved)


def _by_parent(docs: list[tuple[str, str]], parents: dict[str, str | None]) -> list[tuple[str, str]]:
    """Snapshots or checkpoints with every parent before its children (redefine needs the parent)."""
    texts = dict(docs)
    out: list[tuple[str, str]] = []
    done: set[str] = set()
    for name, _ in docs:
        chain = []
        node: str | None = name
        while node is not None and node not in done and node in texts and node not in chain:
            chain.append(node)
            node = parents.get(node)
        for n in reversed(chain):
            done.add(n)
            out.append((n, texts[n]))
    return out


def autostart(hv: Hypervisor, loaded: Loaded) -> list[str]:
    """libvirtd's autostart: networks, then pools, then domains that the load defined and that
    are not running; returns (and adds to ``loaded.problems``) the starts that failed."""
    failed: list[str] = []

    def start(api: LocalApi, what: str, name: str, **args: Any) -> None:
        try:
            api(what, **args)
        except LibvirtError as e:
            failed.append(f"{name}: {e.message}")
            log.warning("autostart of %s failed: %s", name, e.message)

    api = LocalApi(hv)
    for net in hv.networks:
        if net.autostart and not net.active and ("network", net.name) in loaded.defined:
            start(api, "NETWORK_CREATE", f"network {net.name}", net=NonnullNetwork(name=net.name, uuid=net.uuid.bytes))
    for pool in hv.storage:
        if pool.autostart and not pool.active and ("pool", pool.name) in loaded.defined:
            start(api, "STORAGE_POOL_CREATE", f"pool {pool.name}",
                  pool=NonnullStoragePool(name=pool.name, uuid=pool.uuid.bytes), flags=0)
    for path, driver in hv.drivers.items():
        dapi = LocalApi(hv, driver)
        for dom in driver.domains:
            if dom.autostart and not dom.active and ("domain", path, dom.name) in loaded.defined:
                start(dapi, "DOMAIN_CREATE", f"domain {dom.name}", dom=domain_handle(dom))
    loaded.problems += failed
    return failed
