"""Block device procedures of a domain: resize, peek, I/O throttling, write threshold (remote_protocol.x)."""

from __future__ import annotations

from typing import Annotated

from .._common import NonnullDomain, NonnullString, OptString, TypedParam
from .._xdr import Array, Int, Opaque, UHyper, UInt, struct
from ._procedures import Proc
from .limits import DOMAIN_BLOCK_IO_TUNE_PARAMETERS_MAX, DOMAIN_BLOCK_PEEK_BUFFER_MAX


@struct
class DomainBlockResizeArgs:
    dom: NonnullDomain
    disk: NonnullString
    size: UHyper
    flags: UInt


@struct
class DomainBlockPeekArgs:
    dom: NonnullDomain
    path: NonnullString
    offset: UHyper
    size: UInt
    flags: UInt


@struct
class DomainBlockPeekRet:
    buffer: Annotated[bytes, Opaque(DOMAIN_BLOCK_PEEK_BUFFER_MAX)]


@struct
class DomainSetBlockIoTuneArgs:
    dom: NonnullDomain
    disk: NonnullString
    params: Annotated[tuple[TypedParam, ...], Array(TypedParam, DOMAIN_BLOCK_IO_TUNE_PARAMETERS_MAX)]
    flags: UInt


@struct
class DomainGetBlockIoTuneArgs:
    dom: NonnullDomain
    disk: OptString
    nparams: Int
    flags: UInt


@struct
class DomainGetBlockIoTuneRet:
    params: Annotated[tuple[TypedParam, ...], Array(TypedParam, DOMAIN_BLOCK_IO_TUNE_PARAMETERS_MAX)]
    nparams: Int


@struct
class DomainSetBlockThresholdArgs:
    dom: NonnullDomain
    dev: NonnullString
    threshold: UHyper
    flags: UInt


DECLARATIONS = [
    (Proc.DOMAIN_BLOCK_RESIZE, DomainBlockResizeArgs, None),
    (Proc.DOMAIN_BLOCK_PEEK, DomainBlockPeekArgs, DomainBlockPeekRet),
    (Proc.DOMAIN_SET_BLOCK_IO_TUNE, DomainSetBlockIoTuneArgs, None),
    (Proc.DOMAIN_GET_BLOCK_IO_TUNE, DomainGetBlockIoTuneArgs, DomainGetBlockIoTuneRet),
    (Proc.DOMAIN_SET_BLOCK_THRESHOLD, DomainSetBlockThresholdArgs, None),
]
