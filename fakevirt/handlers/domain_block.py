"""A domain's block devices: resize, sizes, I/O statistics, peek, I/O throttling, write threshold, I/O errors."""

from __future__ import annotations

from protocol import Proc, TypedParam
from protocol.remote import blockdev as w
from protocol.remote import domain as wd
from protocol.remote import domain_stats as ws
from protocol.remote.limits import (
    DOMAIN_BLOCK_IO_TUNE_PARAMETERS_MAX,
    DOMAIN_BLOCK_PEEK_BUFFER_MAX,
    DOMAIN_BLOCK_STATS_PARAMETERS_MAX,
    DOMAIN_DISK_ERRORS_MAX,
)

from ..errors import VirtError
from ..errors import blockdev as errors
from ..model.typedparams import Param
from ._client import Client
from ._registry import procedure
from .domain import resolve


def _typed(found: list[Param]) -> tuple[TypedParam, ...]:
    return tuple(TypedParam(field=f, value=(kind, value)) for f, kind, value in found)


@procedure(Proc.DOMAIN_BLOCK_RESIZE)
def domain_block_resize(client: Client, args: w.DomainBlockResizeArgs) -> None:
    """virDomainBlockResize."""
    client.opened.blockdev.resize(resolve(client, args.dom), args.disk, args.size, args.flags)


@procedure(Proc.DOMAIN_GET_BLOCK_INFO)
def domain_get_block_info(client: Client, args: wd.DomainGetBlockInfoArgs) -> wd.DomainGetBlockInfoRet:
    """virDomainGetBlockInfo: sizes of the image behind a disk (by target or by source path)."""
    capacity, allocation, physical = client.opened.blockdev.info(resolve(client, args.dom), args.path, args.flags)
    return wd.DomainGetBlockInfoRet(allocation=allocation, capacity=capacity, physical=physical)


@procedure(Proc.DOMAIN_BLOCK_STATS)
def domain_block_stats(client: Client, args: ws.DomainBlockStatsArgs) -> ws.DomainBlockStatsRet:
    """virDomainBlockStats: one disk, or all of them summed for ''."""
    rd_req, rd_bytes, wr_req, wr_bytes, errs = client.opened.blockdev.stats(resolve(client, args.dom), args.path)
    return ws.DomainBlockStatsRet(rd_req=rd_req, rd_bytes=rd_bytes, wr_req=wr_req, wr_bytes=wr_bytes, errs=errs)


@procedure(Proc.DOMAIN_BLOCK_STATS_FLAGS)
def domain_block_stats_flags(client: Client, args: ws.DomainBlockStatsFlagsArgs) -> ws.DomainBlockStatsFlagsRet:
    """virDomainBlockStatsFlags: nparams 0 asks for the count."""
    if args.nparams > DOMAIN_BLOCK_STATS_PARAMETERS_MAX:
        raise VirtError.daemon("nparams too large")
    found, count = client.opened.blockdev.stats_flags(resolve(client, args.dom), args.path, args.nparams, args.flags)
    return ws.DomainBlockStatsFlagsRet(params=_typed(found), nparams=count)


@procedure(Proc.DOMAIN_BLOCK_PEEK)
def domain_block_peek(client: Client, args: w.DomainBlockPeekArgs) -> w.DomainBlockPeekRet:
    """virDomainBlockPeek: bytes of a raw disk."""
    if args.size > DOMAIN_BLOCK_PEEK_BUFFER_MAX:
        raise errors.peek_too_large()
    data = client.opened.blockdev.peek(resolve(client, args.dom), args.path, args.offset, args.size, args.flags)
    return w.DomainBlockPeekRet(buffer=data)


@procedure(Proc.DOMAIN_SET_BLOCK_IO_TUNE)
def domain_set_block_io_tune(client: Client, args: w.DomainSetBlockIoTuneArgs) -> None:
    """virDomainSetBlockIoTune."""
    if not args.params:
        raise VirtError.bad_arg("nparams", "virDomainSetBlockIoTune", "positive")
    client.opened.blockdev.set_iotune(resolve(client, args.dom), args.disk,
                                      [(p.field, p.value[0], p.value[1]) for p in args.params], args.flags)


@procedure(Proc.DOMAIN_GET_BLOCK_IO_TUNE)
def domain_get_block_io_tune(client: Client, args: w.DomainGetBlockIoTuneArgs) -> w.DomainGetBlockIoTuneRet:
    """virDomainGetBlockIoTune: nparams 0 asks for the count."""
    if args.nparams > DOMAIN_BLOCK_IO_TUNE_PARAMETERS_MAX:
        raise errors.iotune_too_many_params()
    found, count = client.opened.blockdev.get_iotune(resolve(client, args.dom), args.disk, args.nparams, args.flags)
    return w.DomainGetBlockIoTuneRet(params=_typed(found), nparams=count)


@procedure(Proc.DOMAIN_SET_BLOCK_THRESHOLD)
def domain_set_block_threshold(client: Client, args: w.DomainSetBlockThresholdArgs) -> None:
    """virDomainSetBlockThreshold."""
    client.opened.blockdev.set_threshold(resolve(client, args.dom), args.dev, args.threshold, args.flags)


@procedure(Proc.DOMAIN_GET_DISK_ERRORS)
def domain_get_disk_errors(client: Client, args: ws.DomainGetDiskErrorsArgs) -> ws.DomainGetDiskErrorsRet:
    """virDomainGetDiskErrors: maxerrors 0 asks for the number of disks."""
    if args.maxerrors > DOMAIN_DISK_ERRORS_MAX:
        raise errors.disk_errors_too_many()
    found, count = client.opened.blockdev.disk_errors(resolve(client, args.dom), args.maxerrors, args.flags)
    return ws.DomainGetDiskErrorsRet(errors=tuple(ws.DomainDiskError(disk=d, error=e) for d, e in found), nerrors=count)
