"""Domain snapshot procedures (transcribed from remote_protocol.x into our notation)."""

from __future__ import annotations

from typing import Annotated

from .._common import REMOTE_STRING_MAX, NonnullDomain, NonnullDomainSnapshot, NonnullString
from .._xdr import Array, Int, String, UInt, struct
from ._procedures import Proc
from .limits import DOMAIN_SNAPSHOT_LIST_MAX


@struct
class DomainSnapshotCreateXmlArgs:
    dom: NonnullDomain
    xml_desc: NonnullString
    flags: UInt


@struct
class DomainSnapshotCreateXmlRet:
    snap: NonnullDomainSnapshot


@struct
class DomainSnapshotGetXmlDescArgs:
    snap: NonnullDomainSnapshot
    flags: UInt


@struct
class DomainSnapshotGetXmlDescRet:
    xml: NonnullString


@struct
class DomainSnapshotNumArgs:
    dom: NonnullDomain
    flags: UInt


@struct
class DomainSnapshotNumRet:
    num: Int


@struct
class DomainSnapshotListNamesArgs:
    dom: NonnullDomain
    maxnames: Int
    flags: UInt


@struct
class DomainSnapshotListNamesRet:
    names: Annotated[tuple[str, ...], Array(String(REMOTE_STRING_MAX), DOMAIN_SNAPSHOT_LIST_MAX)]


@struct
class DomainSnapshotLookupByNameArgs:
    dom: NonnullDomain
    name: NonnullString
    flags: UInt


@struct
class DomainSnapshotLookupByNameRet:
    snap: NonnullDomainSnapshot


@struct
class DomainHasCurrentSnapshotArgs:
    dom: NonnullDomain
    flags: UInt


@struct
class DomainHasCurrentSnapshotRet:
    result: Int


@struct
class DomainSnapshotCurrentArgs:
    dom: NonnullDomain
    flags: UInt


@struct
class DomainSnapshotCurrentRet:
    snap: NonnullDomainSnapshot


@struct
class DomainRevertToSnapshotArgs:
    snap: NonnullDomainSnapshot
    flags: UInt


@struct
class DomainSnapshotDeleteArgs:
    snap: NonnullDomainSnapshot
    flags: UInt


@struct
class DomainSnapshotGetParentArgs:
    snap: NonnullDomainSnapshot
    flags: UInt


@struct
class DomainSnapshotGetParentRet:
    snap: NonnullDomainSnapshot


@struct
class DomainSnapshotNumChildrenArgs:
    snap: NonnullDomainSnapshot
    flags: UInt


@struct
class DomainSnapshotNumChildrenRet:
    num: Int


@struct
class DomainSnapshotListChildrenNamesArgs:
    snap: NonnullDomainSnapshot
    maxnames: Int
    flags: UInt


@struct
class DomainSnapshotListChildrenNamesRet:
    names: Annotated[tuple[str, ...], Array(String(REMOTE_STRING_MAX), DOMAIN_SNAPSHOT_LIST_MAX)]


@struct
class DomainSnapshotIsCurrentArgs:
    snap: NonnullDomainSnapshot
    flags: UInt


@struct
class DomainSnapshotIsCurrentRet:
    current: Int


@struct
class DomainSnapshotHasMetadataArgs:
    snap: NonnullDomainSnapshot
    flags: UInt


@struct
class DomainSnapshotHasMetadataRet:
    metadata: Int


@struct
class DomainListAllSnapshotsArgs:
    dom: NonnullDomain
    need_results: Int
    flags: UInt


@struct
class DomainListAllSnapshotsRet:
    snapshots: Annotated[tuple[NonnullDomainSnapshot, ...], Array(NonnullDomainSnapshot, DOMAIN_SNAPSHOT_LIST_MAX)]
    ret: Int


@struct
class DomainSnapshotListAllChildrenArgs:
    snapshot: NonnullDomainSnapshot
    need_results: Int
    flags: UInt


@struct
class DomainSnapshotListAllChildrenRet:
    snapshots: Annotated[tuple[NonnullDomainSnapshot, ...], Array(NonnullDomainSnapshot, DOMAIN_SNAPSHOT_LIST_MAX)]
    ret: Int


DECLARATIONS = [
    (Proc.DOMAIN_SNAPSHOT_CREATE_XML, DomainSnapshotCreateXmlArgs, DomainSnapshotCreateXmlRet),
    (Proc.DOMAIN_SNAPSHOT_GET_XML_DESC, DomainSnapshotGetXmlDescArgs, DomainSnapshotGetXmlDescRet),
    (Proc.DOMAIN_SNAPSHOT_NUM, DomainSnapshotNumArgs, DomainSnapshotNumRet),
    (Proc.DOMAIN_SNAPSHOT_LIST_NAMES, DomainSnapshotListNamesArgs, DomainSnapshotListNamesRet),
    (Proc.DOMAIN_SNAPSHOT_LOOKUP_BY_NAME, DomainSnapshotLookupByNameArgs, DomainSnapshotLookupByNameRet),
    (Proc.DOMAIN_HAS_CURRENT_SNAPSHOT, DomainHasCurrentSnapshotArgs, DomainHasCurrentSnapshotRet),
    (Proc.DOMAIN_SNAPSHOT_CURRENT, DomainSnapshotCurrentArgs, DomainSnapshotCurrentRet),
    (Proc.DOMAIN_REVERT_TO_SNAPSHOT, DomainRevertToSnapshotArgs, None),
    (Proc.DOMAIN_SNAPSHOT_DELETE, DomainSnapshotDeleteArgs, None),
    (Proc.DOMAIN_SNAPSHOT_GET_PARENT, DomainSnapshotGetParentArgs, DomainSnapshotGetParentRet),
    (Proc.DOMAIN_SNAPSHOT_NUM_CHILDREN, DomainSnapshotNumChildrenArgs, DomainSnapshotNumChildrenRet),
    (Proc.DOMAIN_SNAPSHOT_LIST_CHILDREN_NAMES, DomainSnapshotListChildrenNamesArgs, DomainSnapshotListChildrenNamesRet),
    (Proc.DOMAIN_SNAPSHOT_IS_CURRENT, DomainSnapshotIsCurrentArgs, DomainSnapshotIsCurrentRet),
    (Proc.DOMAIN_SNAPSHOT_HAS_METADATA, DomainSnapshotHasMetadataArgs, DomainSnapshotHasMetadataRet),
    (Proc.DOMAIN_LIST_ALL_SNAPSHOTS, DomainListAllSnapshotsArgs, DomainListAllSnapshotsRet),
    (Proc.DOMAIN_SNAPSHOT_LIST_ALL_CHILDREN, DomainSnapshotListAllChildrenArgs, DomainSnapshotListAllChildrenRet),
]
