"""What libvirtd would have on disk for each object: ``{relative path: bytes}`` (a ``str`` value is a
symlink's target). Pure: the model is read through the handlers, nothing is written here."""

from __future__ import annotations

import base64
from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

from protocol import NonnullDomainCheckpoint, NonnullDomainSnapshot, NonnullNetwork, NonnullStoragePool
from protocol.remote.nwfilter import NonnullNwfilter
from protocol.remote.secret import NonnullSecret

from ..model.domain import Domain
from ..model.flags.domain import DomainXMLFlags
from ..xml.domain import format_domain_xml
from . import layout as L
from .api import LocalApi, domain_handle

if TYPE_CHECKING:
    from ..model.hypervisor import Hypervisor

Files = dict[str, bytes | str]
CURRENT = "  <active>1</active>\n"  # how libvirt's internal snapshot format marks the current one
SNAPSHOT_END = "</domainsnapshot>\n"
CURRENT_BYTES, SNAPSHOT_END_BYTES = CURRENT.encode(), SNAPSHOT_END.encode()


def _doc(command: str, xml: str) -> bytes:
    return (L.header(command) + xml).encode()


def _status(command: str, tag: str, attrs: str, xml: str) -> bytes:
    return (L.header(command) + L.wrap(tag, attrs, xml)).encode()


class SnapshotCache:
    """A snapshot's file changes only when its definition, parent or current flag does."""

    def __init__(self) -> None:
        self.files: dict[tuple[str, str, str], tuple[tuple[object, ...], bytes]] = {}

    def get(self, key: tuple[str, str, str], stamp: tuple[object, ...]) -> bytes | None:
        hit = self.files.get(key)
        return hit[1] if hit is not None and hit[0] == stamp else None


def config_paths(root: str, name: str) -> tuple[str, str]:
    """A domain's config file and its autostart link."""
    return f"{root}{L.QEMU}/{name}.xml", f"{root}{L.QEMU_AUTOSTART}/{name}.xml"


def domain_files(api: LocalApi, root: str, dom: Domain, cache: SnapshotCache, config: Files | None = None) -> Files:
    """The config, autostart link, status file, snapshots and checkpoints of one domain;
    ``config``: the config file and link as they are (a call that cannot have changed them)."""
    out: Files = {}
    name, h = dom.name, domain_handle(dom)
    if config is not None:
        out.update(config)
    elif dom.persistent:
        xml = api("DOMAIN_GET_XML_DESC", dom=h, flags=DomainXMLFlags.XML_INACTIVE | DomainXMLFlags.XML_SECURE).xml
        out[f"{root}{L.QEMU}/{name}.xml"] = _doc(f"edit {name}", xml)
        if dom.autostart:
            out[f"{root}{L.QEMU_AUTOSTART}/{name}.xml"] = f"../{name}.xml"
    if dom.active:
        live = api("DOMAIN_GET_XML_DESC", dom=h, flags=DomainXMLFlags.XML_SECURE).xml
        state, reason = L.state_names(dom.state, dom.reason)
        out[f"{root}{L.QEMU_RUN}/{name}.xml"] = _status(
            f"edit {name}", "domstatus", f" state='{state}' reason='{reason}' pid='{1000 + dom.id}'", live)
    if dom.managed_save is not None:
        saved = dom.managed_save
        out[f"{root}{L.MANAGED_SAVES}/{name}.save"] = L.wrap(
            "fakevirt-save", f" running='{int(saved.running)}' cpu-time-ns='{saved.cpu_time_ns}'",
            format_domain_xml(saved.definition, secure=True)).encode()
    uuid = str(dom.uuid)
    for snap in dom.snapshots:
        path = f"{root}{L.SNAPSHOTS}/{name}/{snap.name}.xml"
        stamp: tuple[object, ...] = (id(snap.definition), snap.parent.name if snap.parent else None, name)
        data = cache.get((uuid, "s", snap.name), stamp)
        if data is None:  # the document without the current mark: a new snapshot moves the mark only
            xml = api("DOMAIN_SNAPSHOT_GET_XML_DESC", snap=NonnullDomainSnapshot(name=snap.name, dom=h), flags=1).xml
            data = _doc("snapshot-edit", xml)
            cache.files[(uuid, "s", snap.name)] = (stamp, data)
        if dom.snapshots.current is snap and data.endswith(SNAPSHOT_END_BYTES):
            data = data[: -len(SNAPSHOT_END_BYTES)] + CURRENT_BYTES + SNAPSHOT_END_BYTES
        out[path] = data
    for chk in dom.checkpoints:
        path = f"{root}{L.CHECKPOINTS}/{name}/{chk.name}.xml"
        stamp = (id(chk.definition), getattr(chk.parent, "name", None), name)
        data = cache.get((uuid, "c", chk.name), stamp)
        if data is None:
            xml = api("DOMAIN_CHECKPOINT_GET_XML_DESC",
                      checkpoint=NonnullDomainCheckpoint(name=chk.name, dom=h), flags=1).xml
            data = _doc("checkpoint-edit", xml)
            cache.files[(uuid, "c", chk.name)] = (stamp, data)
        out[path] = data
    return out


def _objects(objects: Iterable[Any], api: LocalApi, proc: str, arg: str, handle: Any,
             dirs: tuple[str, str, str], edit: str, status: str) -> Files:
    """Pools' or networks' configs, autostart links and status files."""
    config, autostart, run = dirs
    out: Files = {}
    for obj in objects:
        name = obj.name
        h = {arg: handle(name=name, uuid=obj.uuid.bytes)}
        if obj.persistent:
            out[f"{config}/{name}.xml"] = _doc(f"{edit} {name}", api(proc, **h, flags=1).xml)
            if obj.autostart:
                out[f"{autostart}/{name}.xml"] = f"../{name}.xml"
        if obj.active:
            out[f"{run}/{name}.xml"] = _status(f"{edit} {name}", status, "", api(proc, **h, flags=0).xml)
    return out


def pool_files(hv: Hypervisor, api: LocalApi) -> Files:
    return _objects(hv.storage, api, "STORAGE_POOL_GET_XML_DESC", "pool", NonnullStoragePool,
                    (L.POOLS, L.POOLS_AUTOSTART, L.POOLS_RUN), "pool-edit", "poolstate")


def network_files(hv: Hypervisor, api: LocalApi) -> Files:
    return _objects(hv.networks, api, "NETWORK_GET_XML_DESC", "net", NonnullNetwork,
                    (L.NETWORKS, L.NETWORKS_AUTOSTART, L.NETWORKS_RUN), "net-edit", "networkstatus")


def secret_files(hv: Hypervisor, api: LocalApi) -> Files:
    """virSecretObjSaveConfig/SaveData: no header; ephemeral secrets never reach the disk."""
    out: Files = {}
    for s in hv.secrets.list_all(0):
        if s.config.ephemeral:
            continue
        h = NonnullSecret(uuid=s.uuid.bytes, usageType=int(s.usage_type), usageID=s.usage_id or "")
        out[f"{L.SECRETS}/{s.uuid}.xml"] = api("SECRET_GET_XML_DESC", secret=h, flags=0).xml.encode()
        if s.value is not None:
            out[f"{L.SECRETS}/{s.uuid}.base64"] = base64.b64encode(s.value)
    return out


def nwfilter_files(hv: Hypervisor, api: LocalApi) -> Files:
    out: Files = {}
    for f in hv.nwfilters.list_all(0):
        xml = api("NWFILTER_GET_XML_DESC", nwfilter=NonnullNwfilter(name=f.name, uuid=f.uuid.bytes), flags=0).xml
        out[f"{L.NWFILTERS}/{f.name}.xml"] = _doc(f"nwfilter-edit {f.name}", xml)
    return out


FAMILIES = {"storage": pool_files, "network": network_files, "secret": secret_files, "nwfilter": nwfilter_files}
