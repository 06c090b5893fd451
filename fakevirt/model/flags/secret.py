"""The secret driver's flag and value enums (libvirt-secret.h), with libvirt's member names."""

from __future__ import annotations

from enum import IntEnum, IntFlag

from . import all_of


class SecretUsageType(IntEnum):
    NONE = 0
    VOLUME = 1
    CEPH = 2
    ISCSI = 3
    TLS = 4
    VTPM = 5


class ConnectListAllSecretsFlags(IntFlag):
    EPHEMERAL = 1 << 0
    NO_EPHEMERAL = 1 << 1
    PRIVATE = 1 << 2
    NO_PRIVATE = 1 << 3


LIST_SECRETS_ALL = all_of(ConnectListAllSecretsFlags)


class SecretDefineFlags(IntFlag):
    VALIDATE = 1 << 0
