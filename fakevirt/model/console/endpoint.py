"""The host side of one open console or channel stream: a pty or socket the guest writes to."""

from __future__ import annotations

from collections.abc import Callable

from protocol import LibvirtError

PENDING_MAX = 64 * 1024  # like a pty's buffer: output the client does not read is dropped beyond it


def _nothing(_data: bytes) -> None:
    return None


class Endpoint:
    """What the guest writes waits here for the session to send; what the client writes goes to
    ``on_input``. Ends when the guest goes (``end``) or the client closes (``close``)."""

    def __init__(self, on_input: Callable[[bytes], None] = _nothing,
                 on_close: Callable[[Endpoint], None] | None = None) -> None:
        self.on_input = on_input
        self.on_close = on_close
        self.error: LibvirtError | None = None
        self.gone = False
        self.closed = False
        self.unread = False  # the client wrote what the guest never read
        self._pending = bytearray()
        self._waker: Callable[[], None] | None = None

    def push(self, data: bytes) -> None:
        """The guest wrote ``data``."""
        if self.gone or not data:
            return
        self._pending += data
        if len(self._pending) > PENDING_MAX:
            del self._pending[:len(self._pending) - PENDING_MAX]
        self._wake()

    def end(self, error: LibvirtError | None = None) -> None:
        """The guest side went away: end of stream, or ``error`` for the client."""
        if self.gone:
            return
        self.gone, self.error = True, error
        self._wake()

    # the session's side (handlers.DuplexEnd)

    def write(self, data: bytes) -> None:
        if not self.gone:
            self.on_input(data)

    def read(self) -> tuple[bytes, bool]:
        data = bytes(self._pending)
        self._pending.clear()
        return data, self.gone

    def set_waker(self, waker: Callable[[], None] | None) -> None:
        self._waker = waker

    def close(self) -> None:
        """The client finished or aborted the stream, or went away."""
        if self.closed:
            return
        self.closed = self.gone = True
        if self.on_close is not None:
            self.on_close(self)
        self._wake()

    def _wake(self) -> None:
        if self._waker is not None:
            self._waker()
