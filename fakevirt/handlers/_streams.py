"""Streams a handler opens (vol-upload, vol-download, …): plain callbacks, no I/O.

A handler of a stream procedure answers its call as usual and hands the session one of these
by returning ``Outcome(stream=...)``; the session then moves the STREAM packets (reference §6):

- ``UploadStream`` (client → server): ``write(data)`` per data packet, ``hole(length)`` per hole
  of a sparse stream, ``finish()`` when the client finishes (a VirtError raised there goes back
  as the stream's error), ``abort()`` when the client aborts.
- ``DownloadStream`` (server → client): ``chunks`` yields bytes (data) or ints (a hole of that
  many bytes; only sent when ``sparse``), then the session sends end-of-stream and waits for the
  client's finish, which calls ``finish()``; an abort calls ``abort()``.
- ``DuplexStream`` (both ways, a console or a channel): ``end`` is the model's far end. Data
  packets go to ``end.write``; the session sends what ``end.read()`` returns whenever the waker
  it set is called, then end-of-stream (or the end's ``error``) once the far end is gone; the
  client's finish or abort calls ``end.close()``.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Protocol

from protocol import LibvirtError


def _nothing() -> None:
    return None


@dataclass
class UploadStream:
    """Data from the client, to be written somewhere."""

    write: Callable[[bytes], None]
    finish: Callable[[], None] = _nothing
    abort: Callable[[], None] = _nothing
    hole: Callable[[int], None] | None = None  # None: holes are refused ("Unexpected stream hole")


@dataclass
class DownloadStream:
    """Data for the client, read lazily."""

    chunks: Iterator[bytes | int]
    finish: Callable[[], None] = _nothing
    abort: Callable[[], None] = _nothing
    sparse: bool = False


class DuplexEnd(Protocol):
    """The far end of a two-way stream, kept by the model (a guest's pty or socket)."""

    error: LibvirtError | None  # why the far end went away, None for a plain end of stream

    def write(self, data: bytes) -> None: ...

    def read(self) -> tuple[bytes, bool]:
        """What the far end sent since the last read, and whether it is gone."""
        ...

    def set_waker(self, waker: Callable[[], None] | None) -> None: ...

    def close(self) -> None: ...


@dataclass
class DuplexStream:
    """Data both ways between the client and a far end the model keeps."""

    end: DuplexEnd

    def finish(self) -> None:
        self.end.close()

    def abort(self) -> None:
        self.end.close()


Stream = UploadStream | DownloadStream | DuplexStream
