"""Identifiers: every UUID and MAC comes from the hypervisor's seeded generator, and so does the host's identity.

A seed makes a run reproducible; ``None`` draws a fresh host and fresh streams (two such instances
share no UUID, MAC or hostname).
"""

from __future__ import annotations

import random
import re
import uuid
from dataclasses import dataclass

QEMU_OUI = "52:54:00"  # QEMU's locally administered prefix: libvirt's guest NICs, and this host's own NIC
_HOSTNAME = re.compile(r"(?=.{1,253}$)[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?"
                       r"(\.[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?)*")


class IdGenerator:
    """A seeded source of UUIDs, MAC addresses and other random choices."""

    def __init__(self, seed: int | None = 0) -> None:
        # random.Random seeds with abs(n): a negative seed takes the string route (SHA-512 of its digits)
        self._random = random.Random(str(seed) if seed is not None and seed < 0 else seed)

    def uuid(self) -> uuid.UUID:
        return uuid.UUID(int=self._random.getrandbits(128), version=4)

    def mac(self, prefix: str = QEMU_OUI) -> str:
        """A MAC in QEMU's locally administered range, as libvirt generates them."""
        tail = ":".join(f"{self._random.randrange(256):02x}" for _ in range(3))
        return f"{prefix}:{tail}"

    def randrange(self, start: int, stop: int) -> int:
        return self._random.randrange(start, stop)

    def position(self) -> object:
        """Where the stream is (what a restarted host continues from, so no id is handed out twice)."""
        return self._random.getstate()

    def seek(self, position: object) -> None:
        self._random.setstate(position)  # type: ignore[arg-type]


def valid_hostname(name: str) -> bool:
    """RFC 1123: dot-separated labels of letters, digits and inner hyphens, 63 each, 253 in all."""
    return _HOSTNAME.fullmatch(name) is not None


@dataclass(frozen=True, slots=True)
class HostIdentity:
    """What tells one emulated host from another: its name, SMBIOS/capabilities UUID and NIC address."""

    hostname: str
    uuid: str
    nic_mac: str

    @classmethod
    def of_seed(cls, seed: int | None, hostname: str | None = None) -> HostIdentity:
        """The host a seed stands for; its own stream, so the guests' UUIDs do not shift with it."""
        gen = IdGenerator(None) if seed is None else IdGenerator(_host_seed(seed))
        name = f"kvm-host-{gen.randrange(0, 1 << 32):08x}"
        if hostname is not None:
            if not valid_hostname(hostname):
                raise ValueError(f"{hostname!r} is not a valid host name")
            name = hostname
        return cls(name, str(gen.uuid()), gen.mac())


def _host_seed(seed: int) -> int:
    # A different integer than the guests' stream starts from, fixed for a seed (no str hashing:
    # PYTHONHASHSEED must not matter).
    return (seed * 0x9E3779B97F4A7C15 + 0x686F7374) % (1 << 64)
