"""Console, channel, screenshot and graphics procedures: streams on a running domain's devices."""

from __future__ import annotations

from protocol import Proc
from protocol.remote import console as w

from ..errors import console as errors
from ._client import Client
from ._registry import procedure
from ._streams import DownloadStream, DuplexStream
from .domain import resolve
from .outcome import Outcome


@procedure(Proc.DOMAIN_OPEN_CONSOLE)
def domain_open_console(client: Client, args: w.DomainOpenConsoleArgs) -> Outcome:
    """virDomainOpenConsole: a two-way stream on the guest's serial console."""
    dom = resolve(client, args.dom)
    return Outcome(stream=DuplexStream(client.opened.consoles.open_console(dom, args.dev_name, args.flags)))


@procedure(Proc.DOMAIN_OPEN_CHANNEL)
def domain_open_channel(client: Client, args: w.DomainOpenChannelArgs) -> Outcome:
    """virDomainOpenChannel: a two-way stream on a UNIX-socket channel."""
    dom = resolve(client, args.dom)
    return Outcome(stream=DuplexStream(client.opened.consoles.open_channel(dom, args.name, args.flags)))


@procedure(Proc.DOMAIN_SCREENSHOT)
def domain_screenshot(client: Client, args: w.DomainScreenshotArgs) -> Outcome:
    """virDomainScreenshot: the MIME type in the reply, the image on the stream."""
    image, mime = client.opened.consoles.screenshot(resolve(client, args.dom), args.screen, args.flags)
    return Outcome(w.DomainScreenshotRet(mime=mime), stream=DownloadStream(chunks=iter([image])))


@procedure(Proc.DOMAIN_OPEN_GRAPHICS)
def domain_open_graphics(client: Client, args: w.DomainOpenGraphicsArgs) -> None:
    """virDomainOpenGraphics: the client's socket travels as a file descriptor beside the call.

    A call that announces one never gets here over TCP (the session drops the client, as
    libvirtd does); without one, remoteDispatchDomainOpenGraphics finds no FD to hand on.
    """
    resolve(client, args.dom)
    raise errors.no_fd_at_slot(0)


@procedure(Proc.DOMAIN_OPEN_GRAPHICS_FD)
def domain_open_graphics_fd(client: Client, args: w.DomainOpenGraphicsFdArgs) -> Outcome:
    """virDomainOpenGraphicsFD: the reply carries the new socket as a file descriptor; over TCP
    libvirtd cannot send it after the reply and closes the connection."""
    client.opened.consoles.open_graphics(resolve(client, args.dom), args.idx, args.flags, "qemuDomainOpenGraphicsFD")
    return Outcome(fds=1, close=True)
