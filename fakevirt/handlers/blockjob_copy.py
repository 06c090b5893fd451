"""virDomainBlockCopy and virDomainBlockRebase (virsh blockcopy, blockpull --base)."""

from __future__ import annotations

from protocol import Proc
from protocol.remote import blockjob as w

from ..model.blockjobs.copy import CopyRequest, check_copy_call, copy_params, rebase_request, start_copy
from ..model.blockjobs.pull import start_rebase
from ..model.flags.blockjob import DomainBlockCopyFlags, DomainBlockRebaseFlags
from ..xml.mirror import parse_copy_destination
from ._client import Client
from ._registry import procedure
from .domain import resolve


@procedure(Proc.DOMAIN_BLOCK_COPY)
def block_copy(client: Client, args: w.DomainBlockCopyArgs) -> None:
    params = [(p.field, *p.value) for p in args.params]
    check_copy_call(args.flags, params)
    dom = resolve(client, args.dom)
    bandwidth, granularity, buf_size = copy_params(params)
    dest = parse_copy_destination(args.destxml)
    req = CopyRequest(dest.path, dest.format, dest.type, DomainBlockCopyFlags(args.flags), bandwidth,
                      granularity, buf_size)
    start_copy(client.opened.hypervisor.blockjobs, client.opened, dom, args.path, req)


@procedure(Proc.DOMAIN_BLOCK_REBASE)
def block_rebase(client: Client, args: w.DomainBlockRebaseArgs) -> None:
    """The COPY form; without COPY a rebase is a pull (model/blockjobs/pull.py)."""
    dom = resolve(client, args.dom)
    if not args.flags & DomainBlockRebaseFlags.COPY:
        start_rebase(client.opened.hypervisor.blockjobs, client.opened, dom, args.path, args.base, args.bandwidth,
                     args.flags)
        return
    req = rebase_request(args.base, args.bandwidth, args.flags)
    start_copy(client.opened.hypervisor.blockjobs, client.opened, dom, args.path, req)
