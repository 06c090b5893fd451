"""libvirt's guest-agent enums (include/libvirt/libvirt-domain.h), named as libvirt names them
without the ``VIR_DOMAIN_`` (or ``VIR_CONNECT_DOMAIN_EVENT_``) prefix."""

from __future__ import annotations

from enum import IntEnum, IntFlag

__all__ = [
    "AgentLifecycleReason", "AgentLifecycleState", "DomainAgentResponseTimeoutValues",
    "DomainAuthorizedSSHKeysSetFlags", "DomainGuestInfoTypes", "DomainSetUserPasswordFlags", "DomainTimeFlags",
]


class DomainGuestInfoTypes(IntFlag):
    GUEST_INFO_USERS = 1 << 0
    GUEST_INFO_OS = 1 << 1
    GUEST_INFO_TIMEZONE = 1 << 2
    GUEST_INFO_HOSTNAME = 1 << 3
    GUEST_INFO_FILESYSTEM = 1 << 4
    GUEST_INFO_DISKS = 1 << 5
    GUEST_INFO_INTERFACES = 1 << 6


class DomainAgentResponseTimeoutValues(IntEnum):
    AGENT_RESPONSE_TIMEOUT_BLOCK = -2
    AGENT_RESPONSE_TIMEOUT_DEFAULT = -1
    AGENT_RESPONSE_TIMEOUT_NOWAIT = 0


class DomainAuthorizedSSHKeysSetFlags(IntFlag):
    AUTHORIZED_SSH_KEYS_SET_APPEND = 1 << 0
    AUTHORIZED_SSH_KEYS_SET_REMOVE = 1 << 1


class DomainSetUserPasswordFlags(IntFlag):
    PASSWORD_ENCRYPTED = 1 << 0


class DomainTimeFlags(IntFlag):
    TIME_SYNC = 1 << 0


class AgentLifecycleState(IntEnum):
    """virConnectDomainEventAgentLifecycleState."""

    CONNECTED = 1
    DISCONNECTED = 2


class AgentLifecycleReason(IntEnum):
    """virConnectDomainEventAgentLifecycleReason."""

    UNKNOWN = 0
    DOMAIN_STARTED = 1
    CHANNEL = 2
