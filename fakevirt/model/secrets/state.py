"""libvirt's secret driver (secret_driver.c, virsecretobj.c) as plain state: one per hypervisor.

Secrets are found by UUID and by (usage type, usage ID) in constant time; a usage belongs to one
secret at most.  Nothing is written anywhere: ``ephemeral`` only shows in the XML and list filters.
"""

from __future__ import annotations

import uuid as uuidlib
from typing import TYPE_CHECKING

from ...errors import secret as err
from ..flags.secret import LIST_SECRETS_ALL, SecretUsageType
from .definition import USAGE_NAMES, Secret, SecretDef
from .events import SecretEvent, SecretEventID, SecretEventLifecycleType

if TYPE_CHECKING:
    from ..events import EventBus
    from ..ids import IdGenerator as Rng


class Secrets:
    """The secret driver of one hypervisor (shared by /system and /session, as in libvirtd)."""

    def __init__(self, bus: EventBus, rng: Rng) -> None:
        self.bus = bus
        self.rng = rng
        self.secrets: dict[uuidlib.UUID, Secret] = {}
        self.usages: dict[tuple[int, str], Secret] = {}

    def __len__(self) -> int:
        return len(self.secrets)

    # -- lookups ---------------------------------------------------------------------------

    def by_uuid(self, secret_uuid: uuidlib.UUID) -> Secret:
        found = self.secrets.get(secret_uuid)
        if found is None:
            raise err.no_uuid(secret_uuid)
        return found

    def by_usage(self, usage_type: int, usage_id: str) -> Secret:
        """virSecretObjListFindByUsage: a secret without usage is never found by usage."""
        found = self.usages.get((usage_type, usage_id)) if usage_type != SecretUsageType.NONE else None
        if found is None:
            raise err.no_usage(usage_id)
        return found

    def list_all(self, flags: int) -> list[Secret]:
        err.check_flags("secretConnectListAllSecrets", flags, LIST_SECRETS_ALL)
        return [s for s in self.secrets.values() if s.matches(flags)]

    def uuids(self) -> list[str]:
        return [str(u) for u in self.secrets]

    # -- definition --------------------------------------------------------------------------

    def define(self, d: SecretDef) -> Secret:
        """secretDefineXML after the parse (the handler checks the flags first): a known UUID is
        redefined (keeping its value), a new one must not take another secret's usage."""
        if d.uuid is None:
            d.uuid = self.rng.uuid()
        existing = self.secrets.get(d.uuid)
        if existing is not None:
            if existing.usage_id != d.usage_id:
                raise err.uuid_used_for(d.uuid, existing.usage_id)
            if existing.config.private and not d.private:
                raise err.cannot_unset_private()
            self._forget_usage(existing)
            existing.config = d
            secret = existing
        else:
            other = self.usages.get((d.usage_type, d.usage_id or "")) if d.usage_type != SecretUsageType.NONE else None
            if other is not None:
                raise err.usage_taken(other.uuid, d.usage_id or "")
            secret = self.secrets[d.uuid] = Secret(d.uuid, d)
        if d.usage_type != SecretUsageType.NONE:
            self.usages[(d.usage_type, d.usage_id or "")] = secret
        self._lifecycle(secret, SecretEventLifecycleType.DEFINED)
        return secret

    def undefine(self, secret: Secret) -> None:
        self._forget_usage(secret)
        del self.secrets[secret.uuid]
        self._lifecycle(secret, SecretEventLifecycleType.UNDEFINED)

    def _forget_usage(self, secret: Secret) -> None:
        key = (secret.usage_type, secret.usage_id or "")
        if self.usages.get(key) is secret:
            del self.usages[key]

    # -- values ------------------------------------------------------------------------------

    def set_value(self, secret: Secret, value: bytes, flags: int) -> None:
        err.check_flags("secretSetValue", flags, 0)
        secret.value = bytes(value)
        self.bus.publish(SecretEvent(SecretEventID.VALUE_CHANGED, secret.uuid, secret.usage_type, secret.usage_id))

    def get_value(self, secret: Secret, flags: int) -> bytes:
        """secretGetValue for a client: a private secret's value is for the daemon's drivers only."""
        err.check_flags("secretGetValue", flags, 0)
        if secret.config.private:
            raise err.private()
        return self._value(secret)

    @staticmethod
    def _value(secret: Secret) -> bytes:
        if secret.value is None:
            raise err.no_value(secret.uuid)
        return secret.value

    def value_for(self, ref: uuidlib.UUID | str, usage_type: SecretUsageType) -> bytes:
        """virSecretGetSecretString: what a driver (e.g. a disk's ``<auth>``) gets, by UUID or by
        usage; a secret of another usage type (other than none) is refused."""
        secret = self.by_uuid(ref) if isinstance(ref, uuidlib.UUID) else self.by_usage(usage_type, ref)
        if secret.usage_type not in (SecretUsageType.NONE, usage_type):
            raise err.wrong_usage_type(secret.uuid, USAGE_NAMES[secret.usage_type], USAGE_NAMES[usage_type])
        return self._value(secret)

    def _lifecycle(self, secret: Secret, event: SecretEventLifecycleType) -> None:
        self.bus.publish(SecretEvent(SecretEventID.LIFECYCLE, secret.uuid, secret.usage_type, secret.usage_id, event))
