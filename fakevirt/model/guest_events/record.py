"""What clients sent into a guest, kept for tests to assert on."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class KeyPress:
    """One virDomainSendKey: the keys as sent and as QEMU got them (qnum codes)."""

    codeset: int
    holdtime: int
    keycodes: tuple[int, ...]


@dataclass
class GuestInput:
    """NMIs injected and keys sent since the domain was defined or created."""

    nmis: int = 0
    keys: list[KeyPress] = field(default_factory=list)
