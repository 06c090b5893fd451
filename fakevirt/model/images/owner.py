"""Who uses an image: a domain's disk, a snapshot, or an overlay naming it as its backing file."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class OwnerKind(StrEnum):
    DOMAIN = "domain"  # subject: the domain's UUID; name: the disk's target
    SNAPSHOT = "snapshot"  # subject: the domain's UUID; name: the snapshot's name
    BACKING = "backing"  # subject: the overlay's path


@dataclass(frozen=True, order=True)
class Owner:
    """One user of an image path (the image store counts each user's holds)."""

    kind: OwnerKind
    subject: str
    name: str = ""

    @classmethod
    def disk(cls, domain_uuid: str, target: str) -> Owner:
        return cls(OwnerKind.DOMAIN, domain_uuid, target)

    @classmethod
    def snapshot(cls, domain_uuid: str, snap_name: str) -> Owner:
        return cls(OwnerKind.SNAPSHOT, domain_uuid, snap_name)

    @classmethod
    def backing(cls, overlay_path: str) -> Owner:
        return cls(OwnerKind.BACKING, overlay_path)

    def is_disk_of(self, domain_uuid: str) -> bool:
        return self.kind is OwnerKind.DOMAIN and self.subject == domain_uuid

    @property
    def label(self) -> str:
        """What names the user in a message: the snapshot's name, else the subject."""
        return self.name if self.kind is OwnerKind.SNAPSHOT else self.subject

    def describe(self) -> str:
        if self.kind is OwnerKind.BACKING:
            return f"'{self.subject}' as its backing file"
        if self.kind is OwnerKind.DOMAIN:
            return f"domain {self.subject} (disk {self.name})"
        return f"{self.kind} {self.subject} {self.name}"
