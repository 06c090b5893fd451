"""Console, channel, screenshot and graphics procedures (transcribed from remote_protocol.x into our notation)."""

from __future__ import annotations

from .._common import NonnullDomain, OptString
from .._xdr import UInt, struct
from ._procedures import Proc


@struct
class DomainOpenConsoleArgs:
    dom: NonnullDomain
    dev_name: OptString
    flags: UInt


@struct
class DomainOpenChannelArgs:
    dom: NonnullDomain
    name: OptString
    flags: UInt


@struct
class DomainScreenshotArgs:
    dom: NonnullDomain
    screen: UInt
    flags: UInt


@struct
class DomainScreenshotRet:
    mime: OptString


@struct
class DomainOpenGraphicsArgs:
    dom: NonnullDomain
    idx: UInt
    flags: UInt


@struct
class DomainOpenGraphicsFdArgs:
    dom: NonnullDomain
    idx: UInt
    flags: UInt


DECLARATIONS = [
    (Proc.DOMAIN_OPEN_CONSOLE, DomainOpenConsoleArgs, None),
    (Proc.DOMAIN_OPEN_CHANNEL, DomainOpenChannelArgs, None),
    (Proc.DOMAIN_SCREENSHOT, DomainScreenshotArgs, DomainScreenshotRet),
    (Proc.DOMAIN_OPEN_GRAPHICS, DomainOpenGraphicsArgs, None),
    (Proc.DOMAIN_OPEN_GRAPHICS_FD, DomainOpenGraphicsFdArgs, None),
]
