"""Network filter and filter binding definitions (virNWFilterDef, virNWFilterBindingDef)."""

from __future__ import annotations

import uuid as uuidlib
from dataclasses import dataclass, field


@dataclass(frozen=True)
class RuleValue:
    """One attribute of a rule's protocol element, as libvirt prints it back (its value already
    normalised, or a ``$VARIABLE`` reference), and whether it is negated (``match='no'``)."""

    text: str
    negated: bool = False


@dataclass
class Rule:
    """<rule>: action, direction, priority and at most one protocol element with its attributes."""

    action: str
    direction: str
    priority: int = 500
    statematch: bool = True
    protocol: str | None = None  # mac, arp, ip, tcp, …; None for a rule without one
    values: dict[str, RuleValue] = field(default_factory=dict)


@dataclass
class FilterRef:
    """<filterref filter=…> with its parameters (name -> values, in the order given)."""

    filter: str
    params: dict[str, list[str]] = field(default_factory=dict)


@dataclass
class NWFilterDef:
    name: str
    uuid: uuidlib.UUID | None = None  # generated when the document has none
    chain: str = "root"
    priority: int = 0
    entries: list[Rule | FilterRef] = field(default_factory=list)

    def references(self) -> list[str]:
        return [e.filter for e in self.entries if isinstance(e, FilterRef)]


@dataclass
class NWFilter:
    uuid: uuidlib.UUID
    config: NWFilterDef

    @property
    def name(self) -> str:
        return self.config.name


@dataclass
class BindingDef:
    """<filterbinding>: the port it filters, its owner, MAC and filter reference."""

    portdev: str
    owner_name: str
    owner_uuid: uuidlib.UUID
    mac: str
    filterref: FilterRef
    linkdev: str | None = None

    @property
    def filter(self) -> str:
        return self.filterref.filter
