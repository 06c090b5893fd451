"""Domain checkpoints (virDomainCheckpoint*, virDomainListAllCheckpoints)."""

from __future__ import annotations

from collections.abc import Sequence

from protocol import NonnullDomainCheckpoint, Proc
from protocol.remote import checkpoint as w
from protocol.remote.limits import DOMAIN_CHECKPOINT_LIST_MAX

from ..errors import check_flags
from ..model.checkpoints.api import DomainCheckpoints
from ..model.checkpoints.tree import Checkpoint
from ..model.domain import Domain
from ..model.flags.checkpoint import DomainCheckpointXMLFlags as XMLFlags
from ..xml.checkpoint import format_checkpoint_xml, parse_checkpoint_xml
from ._client import Client
from ._lists import list_all
from ._registry import procedure
from .domain import nonnull_domain, resolve


def api(client: Client) -> DomainCheckpoints:
    return client.opened.checkpoints


def handles(dom: Domain, found: Sequence[Checkpoint]) -> tuple[NonnullDomainCheckpoint, ...]:
    dh = nonnull_domain(dom)
    return tuple(NonnullDomainCheckpoint(name=c.name, dom=dh) for c in found)


@procedure(Proc.DOMAIN_CHECKPOINT_CREATE_XML)
def checkpoint_create_xml(client: Client, args: w.DomainCheckpointCreateXmlArgs
                          ) -> w.DomainCheckpointCreateXmlRet:
    """virDomainCheckpointCreateXML."""
    dom = resolve(client, args.dom)
    redefine = api(client).check_create(dom, args.flags)
    cd = parse_checkpoint_xml(args.xml_desc, redefine=redefine)
    chk = api(client).create(dom, cd, args.flags)
    return w.DomainCheckpointCreateXmlRet(checkpoint=handles(dom, [chk])[0])


@procedure(Proc.DOMAIN_CHECKPOINT_GET_XML_DESC)
def checkpoint_get_xml_desc(client: Client, args: w.DomainCheckpointGetXmlDescArgs
                            ) -> w.DomainCheckpointGetXmlDescRet:
    """virDomainCheckpointGetXMLDesc."""
    dom = resolve(client, args.checkpoint.dom)
    f = args.flags
    cd = api(client).xml_definition(dom, args.checkpoint.name, f)
    return w.DomainCheckpointGetXmlDescRet(xml=format_checkpoint_xml(
        cd, secure=bool(f & XMLFlags.SECURE), no_domain=bool(f & XMLFlags.NO_DOMAIN), size=bool(f & XMLFlags.SIZE)))


@procedure(Proc.DOMAIN_LIST_ALL_CHECKPOINTS)
def list_all_checkpoints(client: Client, args: w.DomainListAllCheckpointsArgs) -> w.DomainListAllCheckpointsRet:
    """virDomainListAllCheckpoints: need_results 0 asks only for the count."""
    dom = resolve(client, args.dom)
    found = api(client).list(dom, None, args.flags, "qemuDomainListAllCheckpoints")
    out = list_all("domain_checkpoint", found, DOMAIN_CHECKPOINT_LIST_MAX, args.need_results,
                   lambda f: handles(dom, f))
    return w.DomainListAllCheckpointsRet(checkpoints=out, ret=len(found))


@procedure(Proc.DOMAIN_CHECKPOINT_LIST_ALL_CHILDREN)
def checkpoint_list_all_children(client: Client, args: w.DomainCheckpointListAllChildrenArgs
                                 ) -> w.DomainCheckpointListAllChildrenRet:
    """virDomainCheckpointListAllChildren."""
    dom = resolve(client, args.checkpoint.dom)
    found = api(client).list(dom, args.checkpoint.name, args.flags, "qemuDomainCheckpointListAllChildren")
    out = list_all("domain_checkpoint", found, DOMAIN_CHECKPOINT_LIST_MAX, args.need_results,
                   lambda f: handles(dom, f))
    return w.DomainCheckpointListAllChildrenRet(checkpoints=out, ret=len(found))


@procedure(Proc.DOMAIN_CHECKPOINT_LOOKUP_BY_NAME)
def checkpoint_lookup_by_name(client: Client, args: w.DomainCheckpointLookupByNameArgs
                              ) -> w.DomainCheckpointLookupByNameRet:
    """virDomainCheckpointLookupByName."""
    check_flags("qemuDomainCheckpointLookupByName", args.flags, 0)
    dom = resolve(client, args.dom)
    return w.DomainCheckpointLookupByNameRet(checkpoint=handles(dom, [dom.checkpoints.get(args.name)])[0])


@procedure(Proc.DOMAIN_CHECKPOINT_GET_PARENT)
def checkpoint_get_parent(client: Client, args: w.DomainCheckpointGetParentArgs) -> w.DomainCheckpointGetParentRet:
    """virDomainCheckpointGetParent."""
    check_flags("qemuDomainCheckpointGetParent", args.flags, 0)
    dom = resolve(client, args.checkpoint.dom)
    chk = dom.checkpoints.get(args.checkpoint.name)
    return w.DomainCheckpointGetParentRet(parent=handles(dom, [DomainCheckpoints.parent(chk)])[0])


@procedure(Proc.DOMAIN_CHECKPOINT_DELETE)
def checkpoint_delete(client: Client, args: w.DomainCheckpointDeleteArgs) -> None:
    """virDomainCheckpointDelete."""
    dom = resolve(client, args.checkpoint.dom)
    api(client).delete(dom, args.checkpoint.name, args.flags)
