"""libvirt's domain flag enums (include/libvirt/libvirt-domain.h), members named as libvirt names
them without the ``VIR_DOMAIN_`` (or ``VIR_``) prefix."""

from __future__ import annotations

from enum import IntEnum, IntFlag

__all__ = [
    "ConnectGetAllDomainStatsFlags", "ConnectListAllDomainsFlags", "DomainCreateFlags", "DomainDefineFlags",
    "DomainDestroyFlagsValues", "DomainDeviceModifyFlags", "DomainGetHostnameFlags", "DomainMemoryModFlags",
    "DomainMessageType", "DomainMetadataType", "DomainModificationImpact", "DomainRebootFlagValues",
    "DomainSaveRestoreFlags", "DomainShutdownFlagValues", "DomainStatsTypes", "DomainUndefineFlagsValues",
    "DomainVcpuFlags", "DomainXMLFlags",
]


class DomainModificationImpact(IntFlag):
    AFFECT_CURRENT = 0
    AFFECT_LIVE = 1
    AFFECT_CONFIG = 2


class DomainMemoryModFlags(IntFlag):
    MEM_CURRENT = 0
    MEM_LIVE = 1
    MEM_CONFIG = 2
    MEM_MAXIMUM = 4


class DomainVcpuFlags(IntFlag):
    VCPU_CURRENT = 0
    VCPU_LIVE = 1
    VCPU_CONFIG = 2
    VCPU_MAXIMUM = 4
    VCPU_GUEST = 8
    VCPU_HOTPLUGGABLE = 16


class DomainDeviceModifyFlags(IntFlag):
    DEVICE_MODIFY_CURRENT = 0
    DEVICE_MODIFY_LIVE = 1
    DEVICE_MODIFY_CONFIG = 2
    DEVICE_MODIFY_FORCE = 4


class DomainMetadataType(IntEnum):
    METADATA_DESCRIPTION = 0
    METADATA_TITLE = 1
    METADATA_ELEMENT = 2


class DomainGetHostnameFlags(IntFlag):
    GET_HOSTNAME_LEASE = 1
    GET_HOSTNAME_AGENT = 2


class DomainMessageType(IntFlag):
    MESSAGE_DEPRECATION = 1
    MESSAGE_TAINTING = 2


class DomainCreateFlags(IntFlag):
    NONE = 0
    START_PAUSED = 1
    START_AUTODESTROY = 2
    START_BYPASS_CACHE = 4
    START_FORCE_BOOT = 8
    START_VALIDATE = 16
    START_RESET_NVRAM = 32


class DomainDefineFlags(IntFlag):
    DEFINE_VALIDATE = 1


class DomainDestroyFlagsValues(IntFlag):
    DESTROY_DEFAULT = 0
    DESTROY_GRACEFUL = 1
    DESTROY_REMOVE_LOGS = 2


class DomainShutdownFlagValues(IntFlag):
    SHUTDOWN_DEFAULT = 0
    SHUTDOWN_ACPI_POWER_BTN = 1
    SHUTDOWN_GUEST_AGENT = 2
    SHUTDOWN_INITCTL = 4
    SHUTDOWN_SIGNAL = 8
    SHUTDOWN_PARAVIRT = 16


class DomainRebootFlagValues(IntFlag):
    REBOOT_DEFAULT = 0
    REBOOT_ACPI_POWER_BTN = 1
    REBOOT_GUEST_AGENT = 2
    REBOOT_INITCTL = 4
    REBOOT_SIGNAL = 8
    REBOOT_PARAVIRT = 16


class DomainUndefineFlagsValues(IntFlag):
    UNDEFINE_MANAGED_SAVE = 1
    UNDEFINE_SNAPSHOTS_METADATA = 2
    UNDEFINE_NVRAM = 4
    UNDEFINE_KEEP_NVRAM = 8
    UNDEFINE_CHECKPOINTS_METADATA = 16
    UNDEFINE_TPM = 32
    UNDEFINE_KEEP_TPM = 64


class DomainSaveRestoreFlags(IntFlag):
    SAVE_BYPASS_CACHE = 1
    SAVE_RUNNING = 2
    SAVE_PAUSED = 4
    SAVE_RESET_NVRAM = 8


class DomainXMLFlags(IntFlag):
    XML_SECURE = 1
    XML_INACTIVE = 2
    XML_UPDATE_CPU = 4
    XML_MIGRATABLE = 8


class ConnectListAllDomainsFlags(IntFlag):
    """virConnectListAllDomainsFlags (``VIR_CONNECT_`` dropped)."""

    LIST_DOMAINS_ACTIVE = 1 << 0
    LIST_DOMAINS_INACTIVE = 1 << 1
    LIST_DOMAINS_PERSISTENT = 1 << 2
    LIST_DOMAINS_TRANSIENT = 1 << 3
    LIST_DOMAINS_RUNNING = 1 << 4
    LIST_DOMAINS_PAUSED = 1 << 5
    LIST_DOMAINS_SHUTOFF = 1 << 6
    LIST_DOMAINS_OTHER = 1 << 7
    LIST_DOMAINS_MANAGEDSAVE = 1 << 8
    LIST_DOMAINS_NO_MANAGEDSAVE = 1 << 9
    LIST_DOMAINS_AUTOSTART = 1 << 10
    LIST_DOMAINS_NO_AUTOSTART = 1 << 11
    LIST_DOMAINS_HAS_SNAPSHOT = 1 << 12
    LIST_DOMAINS_NO_SNAPSHOT = 1 << 13
    LIST_DOMAINS_HAS_CHECKPOINT = 1 << 14
    LIST_DOMAINS_NO_CHECKPOINT = 1 << 15


class DomainStatsTypes(IntFlag):
    STATS_STATE = 1
    STATS_CPU_TOTAL = 2
    STATS_BALLOON = 4
    STATS_VCPU = 8
    STATS_INTERFACE = 16
    STATS_BLOCK = 32
    STATS_PERF = 64
    STATS_IOTHREAD = 128
    STATS_MEMORY = 256
    STATS_DIRTYRATE = 512
    STATS_VM = 1024


class ConnectGetAllDomainStatsFlags(IntFlag):
    """virConnectGetAllDomainStatsFlags (``VIR_CONNECT_`` dropped); the filters are the list filters' bits."""

    GET_ALL_DOMAINS_STATS_ACTIVE = 1 << 0
    GET_ALL_DOMAINS_STATS_INACTIVE = 1 << 1
    GET_ALL_DOMAINS_STATS_PERSISTENT = 1 << 2
    GET_ALL_DOMAINS_STATS_TRANSIENT = 1 << 3
    GET_ALL_DOMAINS_STATS_RUNNING = 1 << 4
    GET_ALL_DOMAINS_STATS_PAUSED = 1 << 5
    GET_ALL_DOMAINS_STATS_SHUTOFF = 1 << 6
    GET_ALL_DOMAINS_STATS_OTHER = 1 << 7
    GET_ALL_DOMAINS_STATS_NOWAIT = 1 << 29
    GET_ALL_DOMAINS_STATS_BACKING = 1 << 30
    GET_ALL_DOMAINS_STATS_ENFORCE_STATS = 1 << 31
