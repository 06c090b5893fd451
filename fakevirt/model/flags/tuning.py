"""libvirt's enums of domain tuning: lifecycle types and actions, NUMA tuning modes."""

from __future__ import annotations

from enum import IntEnum


class DomainLifecycle(IntEnum):
    """virDomainLifecycle (names as virDomainLifecycleTypeToString spells them)."""

    POWEROFF = 0
    REBOOT = 1
    CRASH = 2


class DomainLifecycleAction(IntEnum):
    """virDomainLifecycleAction."""

    DESTROY = 0
    RESTART = 1
    RESTART_RENAME = 2
    PRESERVE = 3
    COREDUMP_DESTROY = 4
    COREDUMP_RESTART = 5

    @property
    def xml_name(self) -> str:
        return self.name.lower().replace("restart_rename", "rename-restart").replace("_", "-")


class DomainNumatuneMemMode(IntEnum):
    """virDomainNumatuneMemMode."""

    STRICT = 0
    PREFERRED = 1
    INTERLEAVE = 2
    RESTRICTIVE = 3
