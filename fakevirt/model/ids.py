"""Deterministic identifiers: every UUID and MAC comes from the hypervisor's seeded generator."""

from __future__ import annotations

import random
import uuid


class IdGenerator:
    """A seeded source of UUIDs, MAC addresses and other random choices."""

    def __init__(self, seed: int | None = 0) -> None:
        self._random = random.Random(seed)

    def uuid(self) -> uuid.UUID:
        return uuid.UUID(int=self._random.getrandbits(128), version=4)

    def mac(self, prefix: str = "52:54:00") -> str:
        """A MAC in QEMU's locally administered range, as libvirt generates them."""
        tail = ":".join(f"{self._random.randrange(256):02x}" for _ in range(3))
        return f"{prefix}:{tail}"

    def randrange(self, start: int, stop: int) -> int:
        return self._random.randrange(start, stop)
