"""Consoles, channels, screenshots and graphics of running domains (virDomainOpenConsole & co.).

One ``GuestConsoles`` per driver instance keeps the streams open on each domain's character
devices (libvirt's virChrdev: one stream per device, FORCE takes it over) and the scripted guest
behind each serial console (``SerialShell``). A domain's stop ends its streams: consoles see end
of stream, channels the socket's reset.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable

from ...errors import check_flags
from ...errors import console as errors
from ...errors import domain as domain_err
from ..domain import Domain
from ..events import DomainEvent, EventID, Lifecycle
from ..flags.console import DomainChannelFlags, DomainConsoleFlags, DomainOpenGraphicsFlags
from .chardevs import find_channel, find_console
from .endpoint import Endpoint
from .screen import screenshot_png
from .shell import SerialShell

__all__ = ["Endpoint", "GuestConsoles", "SerialShell", "screenshot_png"]

AgentAnswer = Callable[[Domain, str], str | None]  # a guest agent's reply to one JSON command line

_P2P_GRAPHICS = {"vnc", "spice", "dbus"}


class GuestConsoles:
    """The streams open on the domains of one driver, and the guests' scripted consoles."""

    def __init__(self, uri: str, agent: AgentAnswer | None = None) -> None:
        self.uri = uri
        self.agent = agent  # answers on the guest agent's channel (None: the agent never answers)
        self._open: dict[tuple[uuid.UUID, str], Endpoint] = {}
        self._shells: dict[tuple[uuid.UUID, int, str], SerialShell] = {}

    def shell(self, dom: Domain, dev_name: str | None = None) -> SerialShell:
        """The guest behind a running domain's console (the first one by default): tests script it."""
        require_active(dom)
        _, key = find_console(dom.definition, dev_name)
        return self._shell(dom, key)

    def _shell(self, dom: Domain, key: str) -> SerialShell:
        ident = (dom.uuid, dom.id, key)  # a restarted guest has a fresh console
        if ident not in self._shells:
            self._shells[ident] = SerialShell(hostname=dom.name)
        return self._shells[ident]

    def open_console(self, dom: Domain, dev_name: str | None, flags: int) -> Endpoint:
        """virDomainOpenConsole: a stream on a pty console, serial or parallel port."""
        check_flags("qemuDomainOpenConsole", flags, DomainConsoleFlags.CONSOLE_SAFE | DomainConsoleFlags.CONSOLE_FORCE)
        require_active(dom)
        _, key = find_console(dom.definition, dev_name)
        shell = self._shell(dom, key)

        def typed(data: bytes) -> None:
            end.push(shell.receive(data))

        end = Endpoint(typed)
        self._take(dom, key, end, bool(flags & DomainConsoleFlags.CONSOLE_FORCE), errors.console_busy)
        return end

    def open_channel(self, dom: Domain, name: str | None, flags: int) -> Endpoint:
        """virDomainOpenChannel: a stream on a UNIX-socket channel; the guest agent's answers."""
        check_flags("qemuDomainOpenChannel", flags, DomainChannelFlags.CHANNEL_FORCE)
        require_active(dom)
        chr_, key = find_channel(dom.definition, name)
        agent = self.agent if chr_.target_attrs.get("name") == "org.qemu.guest_agent.0" else None
        line = bytearray()

        def typed(data: bytes) -> None:
            if agent is None:
                end.unread = True  # nothing in the guest reads this channel
                return
            line.extend(data)
            while b"\n" in line:
                cmd, _, rest = bytes(line).partition(b"\n")
                line[:] = rest
                reply = agent(dom, cmd.decode("utf-8", "replace"))
                if reply is not None:
                    end.push(reply.encode() + b"\n")
            del line[:-4096]  # a line no agent would take is not kept whole

        end = Endpoint(typed)
        self._take(dom, key, end, bool(flags & DomainChannelFlags.CHANNEL_FORCE), errors.channel_busy)
        return end

    def _take(self, dom: Domain, key: str, end: Endpoint, force: bool, busy: Callable[[], Exception]) -> None:
        ident = (dom.uuid, key)
        old = self._open.get(ident)
        if old is not None and not old.gone:
            if not force:
                raise busy()
            old.end(errors.stream_io_failure())
        end.on_close = lambda e: self._release(ident, e)
        self._open[ident] = end

    def _release(self, ident: tuple[uuid.UUID, str], end: Endpoint) -> None:
        if self._open.get(ident) is end:
            del self._open[ident]

    def domain_event(self, ev: DomainEvent) -> None:
        """A domain stopped: its consoles reach end of stream, its channels are reset."""
        if ev.uri != self.uri or ev.event_id != EventID.LIFECYCLE or ev.data.get("event") != Lifecycle.STOPPED:
            return
        for ident, end in list(self._open.items()):
            if ident[0] == ev.domain.uuid:
                del self._open[ident]
                end.end(errors.channel_reset() if end.unread else None)  # as a socket closed unread
        self._shells = {k: v for k, v in self._shells.items() if k[0] != ev.domain.uuid}

    @staticmethod
    def screenshot(dom: Domain, screen: int, flags: int) -> tuple[bytes, str]:
        """virDomainScreenshot: what QEMU 7.2's screendump writes (PNG) and its MIME type."""
        check_flags("qemuDomainScreenshot", flags, 0)
        require_active(dom)
        videos = dom.definition.videos
        if not videos:
            raise errors.no_screens()
        heads = sum(int(v.model_attrs.get("heads", "1")) for v in videos)
        if screen >= heads:
            raise errors.no_such_screen()
        return screenshot_png(), "image/png"

    @staticmethod
    def open_graphics(dom: Domain, idx: int, flags: int, driver_fn: str = "qemuDomainOpenGraphics") -> str:
        """virDomainOpenGraphics(FD): checks before QEMU's add_client; the protocol it would open."""
        check_flags(driver_fn, flags, DomainOpenGraphicsFlags.OPEN_GRAPHICS_SKIPAUTH)
        require_active(dom)
        graphics = dom.definition.graphics
        if idx >= len(graphics):
            raise errors.no_graphics(idx)
        kind = graphics[idx].type
        if kind not in _P2P_GRAPHICS:
            raise errors.graphics_type(kind)
        return kind


def require_active(dom: Domain) -> None:
    """virDomainObjCheckActive."""
    if not dom.active:
        raise domain_err.not_active()
