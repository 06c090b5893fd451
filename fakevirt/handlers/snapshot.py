"""Domain snapshots (virDomainSnapshot*, virDomainRevertToSnapshot, virDomainListAllSnapshots)."""

from __future__ import annotations

from collections.abc import Sequence

from protocol import NonnullDomain, NonnullDomainSnapshot, Proc
from protocol.remote import snapshot as w
from protocol.remote.limits import DOMAIN_SNAPSHOT_LIST_MAX

from ..errors import snapshot as err
from ..errors.snapshot import check_flags
from ..model.domain import Domain
from ..model.domain_jobs import JobHeld
from ..model.flags.snapshot import (
    FILTERS_ALL,
    DomainSnapshotCreateFlags,
    DomainSnapshotListFlags,
    DomainSnapshotXMLFlags,
)
from ..model.snapshots.api import DomainSnapshots
from ..model.snapshots.tree import Snapshot
from ..xml.snapshot import format_snapshot_xml, parse_snapshot_xml
from ._client import Client
from ._lists import legacy_list, list_all
from ._registry import procedure
from ._stored import stored_snapshot
from .domain import nonnull_domain, resolve

_CHILD_FLAGS = DomainSnapshotListFlags.DESCENDANTS | DomainSnapshotListFlags.TOPOLOGICAL


def api(client: Client) -> DomainSnapshots:
    return client.opened.snapshots


def snap_handle(dom: Domain, snap: Snapshot | str) -> NonnullDomainSnapshot:
    name = snap if isinstance(snap, str) else snap.name
    return NonnullDomainSnapshot(name=name, dom=nonnull_domain(dom))


def snap_handles(dom: Domain, snaps: Sequence[Snapshot]) -> tuple[NonnullDomainSnapshot, ...]:
    dh = nonnull_domain(dom)
    return tuple(NonnullDomainSnapshot(name=s.name, dom=dh) for s in snaps)


def lookup(client: Client, h: NonnullDomainSnapshot) -> tuple[Domain, Snapshot]:
    """qemuDomObjFromSnapshot + qemuSnapObjFromSnapshot."""
    dom = resolve(client, h.dom)
    return dom, dom.snapshots.get(h.name)


def _domain_list(client: Client, h: NonnullDomain, flags: int, fn: str) -> tuple[Domain, list[Snapshot]]:
    snaps = api(client)
    snaps.check_list_flags(fn, flags)
    dom = resolve(client, h)
    return dom, dom.snapshots.select(None, flags)


def _child_list(client: Client, h: NonnullDomainSnapshot, flags: int, fn: str) -> tuple[Domain, list[Snapshot]]:
    check_flags(fn, flags, _CHILD_FLAGS | FILTERS_ALL)
    dom, snap = lookup(client, h)
    return dom, dom.snapshots.select(snap, flags)


@procedure(Proc.DOMAIN_SNAPSHOT_CREATE_XML)
def snapshot_create_xml(client: Client, args: w.DomainSnapshotCreateXmlArgs) -> w.DomainSnapshotCreateXmlRet:
    """virDomainSnapshotCreateXML."""
    dom = resolve(client, args.dom)
    snaps = api(client)
    snaps.check_create_flags(dom, args.flags)
    redefine = bool(args.flags & DomainSnapshotCreateFlags.REDEFINE)
    sd = parse_snapshot_xml(args.xml_desc, redefine=redefine,
                            offline=redefine and snaps.parse_offline(dom, args.flags),
                            validate=bool(args.flags & DomainSnapshotCreateFlags.VALIDATE))
    if not redefine and snaps.parse_offline(dom, args.flags) and sd.branch is None \
            and sd.memory not in (None, "no"):
        raise err.memory_needs_full_snapshot()
    try:
        name = snaps.create(dom, sd, args.flags)
    except JobHeld as held:  # its memory's migration is held: the reply is built when it ends
        held.job.then(lambda name: w.DomainSnapshotCreateXmlRet(snap=snap_handle(dom, str(name))))
        raise
    return w.DomainSnapshotCreateXmlRet(snap=snap_handle(dom, name))


@procedure(Proc.DOMAIN_SNAPSHOT_GET_XML_DESC)
def snapshot_get_xml_desc(client: Client, args: w.DomainSnapshotGetXmlDescArgs) -> w.DomainSnapshotGetXmlDescRet:
    """virDomainSnapshotGetXMLDesc."""
    check_flags("qemuDomainSnapshotGetXMLDesc", args.flags, DomainSnapshotXMLFlags.SECURE)
    _, snap = lookup(client, args.snap)
    secure = bool(args.flags & DomainSnapshotXMLFlags.SECURE)
    return w.DomainSnapshotGetXmlDescRet(xml=format_snapshot_xml(stored_snapshot(client, snap.definition), secure=secure))


@procedure(Proc.DOMAIN_SNAPSHOT_NUM)
def snapshot_num(client: Client, args: w.DomainSnapshotNumArgs) -> w.DomainSnapshotNumRet:
    """virDomainSnapshotNum."""
    _, found = _domain_list(client, args.dom, args.flags, "qemuDomainSnapshotNum")
    return w.DomainSnapshotNumRet(num=len(found))


@procedure(Proc.DOMAIN_SNAPSHOT_LIST_NAMES)
def snapshot_list_names(client: Client, args: w.DomainSnapshotListNamesArgs) -> w.DomainSnapshotListNamesRet:
    """virDomainSnapshotListNames."""
    names = legacy_list(lambda: [s.name for s in _domain_list(client, args.dom, args.flags, "qemuDomainSnapshotListNames")[1]],
                        args.maxnames, DOMAIN_SNAPSHOT_LIST_MAX, "DOMAIN_SNAPSHOT_LIST_MAX")
    return w.DomainSnapshotListNamesRet(names=names)


@procedure(Proc.DOMAIN_LIST_ALL_SNAPSHOTS)
def list_all_snapshots(client: Client, args: w.DomainListAllSnapshotsArgs) -> w.DomainListAllSnapshotsRet:
    """virDomainListAllSnapshots: need_results 0 asks only for the count."""
    dom, found = _domain_list(client, args.dom, args.flags, "qemuDomainListAllSnapshots")
    handles = list_all("domain_snapshot", found, DOMAIN_SNAPSHOT_LIST_MAX, args.need_results,
                       lambda f: snap_handles(dom, f))
    return w.DomainListAllSnapshotsRet(snapshots=handles, ret=len(found))


@procedure(Proc.DOMAIN_SNAPSHOT_NUM_CHILDREN)
def snapshot_num_children(client: Client, args: w.DomainSnapshotNumChildrenArgs) -> w.DomainSnapshotNumChildrenRet:
    """virDomainSnapshotNumChildren."""
    _, found = _child_list(client, args.snap, args.flags, "qemuDomainSnapshotNumChildren")
    return w.DomainSnapshotNumChildrenRet(num=len(found))


@procedure(Proc.DOMAIN_SNAPSHOT_LIST_CHILDREN_NAMES)
def snapshot_list_children_names(client: Client, args: w.DomainSnapshotListChildrenNamesArgs
                                 ) -> w.DomainSnapshotListChildrenNamesRet:
    """virDomainSnapshotListChildrenNames."""
    names = legacy_list(lambda: [s.name for s in _child_list(client, args.snap, args.flags, "qemuDomainSnapshotListChildrenNames")[1]],
                        args.maxnames, DOMAIN_SNAPSHOT_LIST_MAX, "DOMAIN_SNAPSHOT_LIST_MAX")
    return w.DomainSnapshotListChildrenNamesRet(names=names)


@procedure(Proc.DOMAIN_SNAPSHOT_LIST_ALL_CHILDREN)
def snapshot_list_all_children(client: Client, args: w.DomainSnapshotListAllChildrenArgs
                               ) -> w.DomainSnapshotListAllChildrenRet:
    """virDomainSnapshotListAllChildren."""
    dom, found = _child_list(client, args.snapshot, args.flags, "qemuDomainSnapshotListAllChildren")
    handles = list_all("domain_snapshot", found, DOMAIN_SNAPSHOT_LIST_MAX, args.need_results,
                       lambda f: snap_handles(dom, f))
    return w.DomainSnapshotListAllChildrenRet(snapshots=handles, ret=len(found))


@procedure(Proc.DOMAIN_SNAPSHOT_LOOKUP_BY_NAME)
def snapshot_lookup_by_name(client: Client, args: w.DomainSnapshotLookupByNameArgs
                            ) -> w.DomainSnapshotLookupByNameRet:
    """virDomainSnapshotLookupByName."""
    check_flags("qemuDomainSnapshotLookupByName", args.flags, 0)
    dom = resolve(client, args.dom)
    return w.DomainSnapshotLookupByNameRet(snap=snap_handle(dom, dom.snapshots.get(args.name)))


@procedure(Proc.DOMAIN_HAS_CURRENT_SNAPSHOT)
def has_current_snapshot(client: Client, args: w.DomainHasCurrentSnapshotArgs) -> w.DomainHasCurrentSnapshotRet:
    """virDomainHasCurrentSnapshot."""
    check_flags("qemuDomainHasCurrentSnapshot", args.flags, 0)
    dom = resolve(client, args.dom)
    return w.DomainHasCurrentSnapshotRet(result=int(dom.snapshots.current is not None))


@procedure(Proc.DOMAIN_SNAPSHOT_CURRENT)
def snapshot_current(client: Client, args: w.DomainSnapshotCurrentArgs) -> w.DomainSnapshotCurrentRet:
    """virDomainSnapshotCurrent."""
    check_flags("qemuDomainSnapshotCurrent", args.flags, 0)
    dom = resolve(client, args.dom)
    return w.DomainSnapshotCurrentRet(snap=snap_handle(dom, DomainSnapshots.current(dom)))


@procedure(Proc.DOMAIN_SNAPSHOT_GET_PARENT)
def snapshot_get_parent(client: Client, args: w.DomainSnapshotGetParentArgs) -> w.DomainSnapshotGetParentRet:
    """virDomainSnapshotGetParent."""
    check_flags("qemuDomainSnapshotGetParent", args.flags, 0)
    dom, snap = lookup(client, args.snap)
    return w.DomainSnapshotGetParentRet(snap=snap_handle(dom, DomainSnapshots.parent(snap)))


@procedure(Proc.DOMAIN_SNAPSHOT_IS_CURRENT)
def snapshot_is_current(client: Client, args: w.DomainSnapshotIsCurrentArgs) -> w.DomainSnapshotIsCurrentRet:
    """virDomainSnapshotIsCurrent."""
    check_flags("qemuDomainSnapshotIsCurrent", args.flags, 0)
    dom, snap = lookup(client, args.snap)
    return w.DomainSnapshotIsCurrentRet(current=int(dom.snapshots.current is snap))


@procedure(Proc.DOMAIN_SNAPSHOT_HAS_METADATA)
def snapshot_has_metadata(client: Client, args: w.DomainSnapshotHasMetadataArgs) -> w.DomainSnapshotHasMetadataRet:
    """virDomainSnapshotHasMetadata: every snapshot the driver knows has metadata."""
    check_flags("qemuDomainSnapshotHasMetadata", args.flags, 0)
    lookup(client, args.snap)
    return w.DomainSnapshotHasMetadataRet(metadata=1)


@procedure(Proc.DOMAIN_REVERT_TO_SNAPSHOT)
def revert_to_snapshot(client: Client, args: w.DomainRevertToSnapshotArgs) -> None:
    """virDomainRevertToSnapshot."""
    api(client).check_revert_client_flags(args.flags)
    dom, snap = lookup(client, args.snap)
    api(client).revert(dom, snap, args.flags)


@procedure(Proc.DOMAIN_SNAPSHOT_DELETE)
def snapshot_delete(client: Client, args: w.DomainSnapshotDeleteArgs) -> None:
    """virDomainSnapshotDelete."""
    api(client).check_delete_client_flags(args.flags)
    dom, snap = lookup(client, args.snap)
    api(client).delete(dom, snap, args.flags)
