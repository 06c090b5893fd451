"""libvirt's console, channel, graphics and QEMU-program flag enums (libvirt-domain.h, libvirt-qemu.h)."""

from __future__ import annotations

from enum import IntEnum, IntFlag

__all__ = [
    "ConnectDomainQemuMonitorEventRegisterFlags", "DomainChannelFlags", "DomainConsoleFlags",
    "DomainOpenGraphicsFlags", "DomainQemuAgentCommandTimeoutValues", "DomainQemuMonitorCommandFlags",
]


class DomainConsoleFlags(IntFlag):
    CONSOLE_FORCE = 1
    CONSOLE_SAFE = 2


class DomainChannelFlags(IntFlag):
    CHANNEL_FORCE = 1


class DomainOpenGraphicsFlags(IntFlag):
    OPEN_GRAPHICS_SKIPAUTH = 1


class DomainQemuMonitorCommandFlags(IntFlag):
    QEMU_MONITOR_COMMAND_DEFAULT = 0
    QEMU_MONITOR_COMMAND_HMP = 1


class DomainQemuAgentCommandTimeoutValues(IntEnum):
    QEMU_AGENT_COMMAND_MIN = -2
    QEMU_AGENT_COMMAND_BLOCK = -2
    QEMU_AGENT_COMMAND_DEFAULT = -1
    QEMU_AGENT_COMMAND_NOWAIT = 0
    QEMU_AGENT_COMMAND_SHUTDOWN = 60


class ConnectDomainQemuMonitorEventRegisterFlags(IntFlag):
    REGEX = 1
    NOCASE = 2
