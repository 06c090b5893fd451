"""``DIR/fakevirt.pos``: the host's counters (the id generator's position, the next domain IDs), which
almost every mutation moves, kept where rewriting them costs no journal commit.

The file has two fixed-size slots and is only ever overwritten in place: no block is allocated, no
size or name changes, so one ``fdatasync`` makes a write durable. A write goes to the slot the last
one did not use; a crash can tear only that slot, and the other still holds the counters of the last
acknowledged mutation. Each slot: magic, sequence number, payload length, CRC-32 of the payload,
then the payload (JSON); the valid slot with the higher sequence number wins.
"""

from __future__ import annotations

import json
import os
import struct
import zlib
from pathlib import Path
from typing import Any

COUNTERS_FILE = "fakevirt.pos"
SLOT = 8192
MAGIC = b"FVPOS1\n\0"
_HEAD = struct.Struct(">8sQII")


def encode_slot(seq: int, payload: dict[str, Any]) -> bytes:
    body = json.dumps(payload, separators=(",", ":")).encode()
    out = _HEAD.pack(MAGIC, seq, len(body), zlib.crc32(body)) + body
    if len(out) > SLOT:
        raise ValueError(f"{COUNTERS_FILE}: {len(out)} bytes do not fit a slot of {SLOT}")
    return out.ljust(SLOT, b"\0")


def _decode_slot(raw: bytes) -> tuple[int, dict[str, Any]] | None:
    if len(raw) < _HEAD.size:
        return None
    magic, seq, length, crc = _HEAD.unpack_from(raw)
    body = raw[_HEAD.size:_HEAD.size + length]
    if magic != MAGIC or len(body) != length or zlib.crc32(body) != crc:
        return None
    try:
        payload = json.loads(body)
    except ValueError:
        return None
    return (seq, payload) if isinstance(payload, dict) else None


def read_counters(root: str | os.PathLike[str]) -> tuple[int, dict[str, Any]] | None:
    """(sequence number, counters) of the newest intact slot, or None (no file, or nothing intact)."""
    try:
        raw = (Path(root) / COUNTERS_FILE).read_bytes()
    except FileNotFoundError:
        return None
    slots = [s for s in (_decode_slot(raw[:SLOT]), _decode_slot(raw[SLOT:2 * SLOT])) if s is not None]
    return max(slots, key=lambda s: s[0]) if slots else None


def write_in_place(path: Path, seq: int, slot: bytes) -> bool:
    """Overwrite slot ``seq % 2`` of an existing file and make it durable; False when there is no
    whole file to overwrite (the caller creates one through a temporary file and a rename)."""
    try:
        fd = os.open(path, os.O_WRONLY)
    except FileNotFoundError:
        return False
    try:
        if os.fstat(fd).st_size != 2 * SLOT:
            return False
        os.pwrite(fd, slot, (seq % 2) * SLOT)
        os.fdatasync(fd)
        return True
    finally:
        os.close(fd)


def whole_file(seq: int, slot: bytes) -> bytes:
    """A new file holding ``slot`` in its place and an empty (invalid) other slot."""
    empty = bytes(SLOT)
    return slot + empty if seq % 2 == 0 else empty + slot
