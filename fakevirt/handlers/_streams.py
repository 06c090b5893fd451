"""Streams a handler opens (vol-upload, vol-download, …): plain callbacks, no I/O.

A handler of a stream procedure answers its call as usual and hands the session one of these
by returning ``Outcome(stream=...)``; the session then moves the STREAM packets (reference §6):

- ``UploadStream`` (client → server): ``write(data)`` per data packet, ``hole(length)`` per hole
  of a sparse stream, ``finish()`` when the client finishes (a VirtError raised there goes back
  as the stream's error), ``abort()`` when the client aborts.
- ``DownloadStream`` (server → client): ``chunks`` yields bytes (data) or ints (a hole of that
  many bytes; only sent when ``sparse``), then the session sends end-of-stream and waits for the
  client's finish, which calls ``finish()``; an abort calls ``abort()``.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass


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


Stream = UploadStream | DownloadStream
