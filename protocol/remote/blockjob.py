"""Block-job procedures: pull, rebase, commit, copy, and the job's info/abort/speed (remote_protocol.x)."""

from __future__ import annotations

from typing import Annotated

from .._common import NonnullDomain, NonnullString, OptString, TypedParam
from .._xdr import Array, Int, UHyper, UInt, struct
from ._procedures import Proc
from .limits import DOMAIN_BLOCK_COPY_PARAMETERS_MAX


@struct
class DomainBlockJobAbortArgs:
    dom: NonnullDomain
    path: NonnullString
    flags: UInt


@struct
class DomainGetBlockJobInfoArgs:
    dom: NonnullDomain
    path: NonnullString
    flags: UInt


@struct
class DomainGetBlockJobInfoRet:
    found: Int
    type: Int
    bandwidth: UHyper
    cur: UHyper
    end: UHyper


@struct
class DomainBlockJobSetSpeedArgs:
    dom: NonnullDomain
    path: NonnullString
    bandwidth: UHyper
    flags: UInt


@struct
class DomainBlockPullArgs:
    dom: NonnullDomain
    path: NonnullString
    bandwidth: UHyper
    flags: UInt


@struct
class DomainBlockRebaseArgs:
    dom: NonnullDomain
    path: NonnullString
    base: OptString
    bandwidth: UHyper
    flags: UInt


@struct
class DomainBlockCopyArgs:
    dom: NonnullDomain
    path: NonnullString
    destxml: NonnullString
    params: Annotated[tuple[TypedParam, ...], Array(TypedParam, DOMAIN_BLOCK_COPY_PARAMETERS_MAX)]
    flags: UInt


@struct
class DomainBlockCommitArgs:
    dom: NonnullDomain
    disk: NonnullString
    base: OptString
    top: OptString
    bandwidth: UHyper
    flags: UInt


DECLARATIONS = [
    (Proc.DOMAIN_BLOCK_JOB_ABORT, DomainBlockJobAbortArgs, None),
    (Proc.DOMAIN_GET_BLOCK_JOB_INFO, DomainGetBlockJobInfoArgs, DomainGetBlockJobInfoRet),
    (Proc.DOMAIN_BLOCK_JOB_SET_SPEED, DomainBlockJobSetSpeedArgs, None),
    (Proc.DOMAIN_BLOCK_PULL, DomainBlockPullArgs, None),
    (Proc.DOMAIN_BLOCK_REBASE, DomainBlockRebaseArgs, None),
    (Proc.DOMAIN_BLOCK_COPY, DomainBlockCopyArgs, None),
    (Proc.DOMAIN_BLOCK_COMMIT, DomainBlockCommitArgs, None),
]
