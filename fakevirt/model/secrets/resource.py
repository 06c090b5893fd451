"""A starting domain's disks get their secrets (qemuDomainSecretStorageSourcePrepare).

A disk's ``<auth>`` (under ``<disk>`` or its ``<source>``) names a ceph secret for rbd, an iscsi
secret for other protocols; its ``<encryption>`` names a volume secret (the first ``<secret>``).
Each is looked up by UUID or usage, and must have a value: otherwise the domain does not start.
"""

from __future__ import annotations

import uuid as uuidlib
from collections.abc import Iterator
from typing import TYPE_CHECKING

from ..flags.secret import SecretUsageType

if TYPE_CHECKING:
    from ..device_parts import SecretRef
    from ..domain import Domain
    from ..domaindef import DomainDef
    from .state import Secrets


def _reference(secret: SecretRef | None) -> uuidlib.UUID | str | None:
    """The secret an <auth> or <encryption> names, by UUID or usage (the parser checked its form)."""
    if secret is None:
        return None
    if secret.uuid is not None:
        try:
            return uuidlib.UUID(secret.uuid.strip())
        except ValueError:
            return None
    return secret.usage


def disk_secrets(d: DomainDef) -> Iterator[tuple[uuidlib.UUID | str, SecretUsageType]]:
    """Every secret the disks of ``d`` need, in libvirt's order (per disk: auth, then encryption)."""
    for disk in d.disks:
        if disk.source is None and disk.type != "network":
            continue  # an empty drive (virStorageSourceIsEmpty) needs nothing
        auth = _reference(disk.auth.secret) if disk.auth is not None else None
        if auth is not None:
            rbd = disk.source_attrs.get("protocol") == "rbd"
            yield auth, SecretUsageType.CEPH if rbd else SecretUsageType.ISCSI
        enc = _reference(disk.encryption.secrets[0]) if disk.encryption and disk.encryption.secrets else None
        if enc is not None:
            yield enc, SecretUsageType.VOLUME


class SecretResource:
    """The secret driver's part of a domain start: the HostResource of model/resources.py."""

    def __init__(self, secrets: Secrets) -> None:
        self.secrets = secrets

    def acquire(self, dom: Domain, live: DomainDef) -> None:
        for ref, usage_type in disk_secrets(live):
            self.secrets.value_for(ref, usage_type)

    def release(self, dom: Domain) -> None:
        """Nothing is held: qemu got copies of the values."""
