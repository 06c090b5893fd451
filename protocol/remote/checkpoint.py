"""Domain checkpoint procedures (transcribed from remote_protocol.x into our notation)."""

from __future__ import annotations

from typing import Annotated

from .._common import NonnullDomain, NonnullDomainCheckpoint, NonnullString
from .._xdr import Array, Int, UInt, struct
from ._procedures import Proc
from .limits import DOMAIN_CHECKPOINT_LIST_MAX


@struct
class DomainCheckpointCreateXmlArgs:
    dom: NonnullDomain
    xml_desc: NonnullString
    flags: UInt


@struct
class DomainCheckpointCreateXmlRet:
    checkpoint: NonnullDomainCheckpoint


@struct
class DomainCheckpointGetXmlDescArgs:
    checkpoint: NonnullDomainCheckpoint
    flags: UInt


@struct
class DomainCheckpointGetXmlDescRet:
    xml: NonnullString


@struct
class DomainListAllCheckpointsArgs:
    dom: NonnullDomain
    need_results: Int
    flags: UInt


@struct
class DomainListAllCheckpointsRet:
    checkpoints: Annotated[tuple[NonnullDomainCheckpoint, ...],
                           Array(NonnullDomainCheckpoint, DOMAIN_CHECKPOINT_LIST_MAX)]
    ret: Int


@struct
class DomainCheckpointListAllChildrenArgs:
    checkpoint: NonnullDomainCheckpoint
    need_results: Int
    flags: UInt


@struct
class DomainCheckpointListAllChildrenRet:
    checkpoints: Annotated[tuple[NonnullDomainCheckpoint, ...],
                           Array(NonnullDomainCheckpoint, DOMAIN_CHECKPOINT_LIST_MAX)]
    ret: Int


@struct
class DomainCheckpointLookupByNameArgs:
    dom: NonnullDomain
    name: NonnullString
    flags: UInt


@struct
class DomainCheckpointLookupByNameRet:
    checkpoint: NonnullDomainCheckpoint


@struct
class DomainCheckpointGetParentArgs:
    checkpoint: NonnullDomainCheckpoint
    flags: UInt


@struct
class DomainCheckpointGetParentRet:
    parent: NonnullDomainCheckpoint


@struct
class DomainCheckpointDeleteArgs:
    checkpoint: NonnullDomainCheckpoint
    flags: UInt


DECLARATIONS = [
    (Proc.DOMAIN_CHECKPOINT_CREATE_XML, DomainCheckpointCreateXmlArgs, DomainCheckpointCreateXmlRet),
    (Proc.DOMAIN_CHECKPOINT_GET_XML_DESC, DomainCheckpointGetXmlDescArgs, DomainCheckpointGetXmlDescRet),
    (Proc.DOMAIN_LIST_ALL_CHECKPOINTS, DomainListAllCheckpointsArgs, DomainListAllCheckpointsRet),
    (Proc.DOMAIN_CHECKPOINT_LIST_ALL_CHILDREN, DomainCheckpointListAllChildrenArgs,
     DomainCheckpointListAllChildrenRet),
    (Proc.DOMAIN_CHECKPOINT_LOOKUP_BY_NAME, DomainCheckpointLookupByNameArgs, DomainCheckpointLookupByNameRet),
    (Proc.DOMAIN_CHECKPOINT_GET_PARENT, DomainCheckpointGetParentArgs, DomainCheckpointGetParentRet),
    (Proc.DOMAIN_CHECKPOINT_DELETE, DomainCheckpointDeleteArgs, None),
]
