"""A secret's definition and state (virSecretDef, virSecretObj)."""

from __future__ import annotations

import uuid as uuidlib
from dataclasses import dataclass

from ..flags.secret import ConnectListAllSecretsFlags as ListFlags
from ..flags.secret import SecretUsageType

# virSecretUsageType's names, in enum order
USAGE_NAMES = ("none", "volume", "ceph", "iscsi", "tls", "vtpm")
# the element naming the usage, per usage type (secret_conf.c)
USAGE_ELEMENTS = {SecretUsageType.VOLUME: "volume", SecretUsageType.CEPH: "name", SecretUsageType.ISCSI: "target",
                  SecretUsageType.TLS: "name", SecretUsageType.VTPM: "name"}


@dataclass
class SecretDef:
    """What a secret's XML says; ``uuid`` None until the driver generates one."""

    uuid: uuidlib.UUID | None = None
    usage_type: SecretUsageType = SecretUsageType.NONE
    usage_id: str | None = None  # None for usage type none
    description: str | None = None
    ephemeral: bool = False
    private: bool = False


@dataclass
class Secret:
    """One defined secret: its definition and its value (None until set)."""

    uuid: uuidlib.UUID
    config: SecretDef
    value: bytes | None = None

    @property
    def usage_type(self) -> SecretUsageType:
        return self.config.usage_type

    @property
    def usage_id(self) -> str | None:
        return self.config.usage_id

    def matches(self, flags: int) -> bool:
        """virSecretObjMatch: each filter group given must accept the secret."""
        d = self.config
        if flags & (ListFlags.EPHEMERAL | ListFlags.NO_EPHEMERAL) and not (
                (flags & ListFlags.EPHEMERAL and d.ephemeral) or (flags & ListFlags.NO_EPHEMERAL and not d.ephemeral)):
            return False
        if flags & (ListFlags.PRIVATE | ListFlags.NO_PRIVATE) and not (
                (flags & ListFlags.PRIVATE and d.private) or (flags & ListFlags.NO_PRIVATE and not d.private)):
            return False
        return True
