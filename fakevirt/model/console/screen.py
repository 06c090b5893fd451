"""The guest's screen as QEMU 7.2's screendump writes it in PNG: 720x400 RGB, the VGA text mode
of a guest that shows nothing (what a real TCG guest without an OS shows)."""

from __future__ import annotations

import struct
import zlib
from functools import cache

WIDTH, HEIGHT = 720, 400


def _chunk(kind: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))


@cache
def screenshot_png() -> bytes:
    """A valid PNG of the (black) screen; made once, it never changes."""
    header = struct.pack(">IIBBBBB", WIDTH, HEIGHT, 8, 2, 0, 0, 0)  # 8-bit RGB, not interlaced
    rows = (b"\x00" + bytes(3 * WIDTH)) * HEIGHT  # filter type 0 per row
    return (b"\x89PNG\r\n\x1a\n" + _chunk(b"IHDR", header) + _chunk(b"IDAT", zlib.compress(rows, 9))
            + _chunk(b"IEND", b""))
