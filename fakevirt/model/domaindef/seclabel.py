"""A domain's ``<seclabel>`` (virSecurityLabelDef): which security driver labels it, and how."""

from __future__ import annotations

from dataclasses import dataclass

__all__ = ["SecLabel"]


@dataclass
class SecLabel:
    """One security label; ``type`` is dynamic, static or none, ``relabel`` is "yes"/"no" or unset."""

    type: str | None = None
    model: str | None = None
    relabel: str | None = None
    label: str | None = None
    imagelabel: str | None = None
    baselabel: str | None = None

    @property
    def generated(self) -> bool:
        """A dynamic label without a base label: the driver makes it at start, it is runtime state."""
        return self.type == "dynamic" and self.baselabel is None
