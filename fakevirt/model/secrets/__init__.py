"""The secret driver: secrets, their values and events, and what a starting domain's disks need."""

from __future__ import annotations

from .definition import USAGE_ELEMENTS, USAGE_NAMES, Secret, SecretDef
from .events import SecretEvent, SecretEventID, SecretEventLifecycleType
from .resource import SecretResource, disk_secrets
from .state import Secrets

__all__ = ["USAGE_ELEMENTS", "USAGE_NAMES", "Secret", "SecretDef", "SecretEvent", "SecretEventID",
           "SecretEventLifecycleType", "SecretResource", "Secrets", "disk_secrets"]
