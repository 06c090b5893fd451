"""A CPU definition as virCPUDefParseXML leaves it: what compare and baseline work on."""

from __future__ import annotations

from dataclasses import dataclass, field

POLICIES = ("force", "require", "optional", "disable", "forbid")


@dataclass
class CpuDef:
    """``<cpu>``: a host CPU (with ``<arch>``) or a guest CPU; features as (name, policy) in document order.

    A host CPU's features have no policy (None): they are all present.
    """

    host: bool
    mode: str = "custom"
    match: str = "exact"
    arch: str | None = None
    model: str | None = None
    fallback: str = "allow"
    vendor: str | None = None
    features: list[tuple[str, str | None]] = field(default_factory=list)
