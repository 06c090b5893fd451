"""Parts of devices that other object families read: a NIC's bandwidth and filter, a disk's secrets."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from .devices import RawElement


# virNetDevBandwidthRateFormat's order; a rate is in kbytes/s (burst in kbytes)
RATE_ATTRS = ("average", "peak", "floor", "burst")


@dataclass
class Bandwidth:
    """An interface's <bandwidth>: the inbound and outbound rates (RATE_ATTRS -> value), None when unset."""

    inbound: dict[str, int] | None = None
    outbound: dict[str, int] | None = None


@dataclass
class FilterRef:
    """An interface's <filterref>: the nwfilter it instantiates and its parameters (name, value), as given."""

    filter: str | None = None
    parameters: list[tuple[str, str]] = field(default_factory=list)


@dataclass
class SecretRef:
    """The <secret type=… uuid=…|usage=…/> of an <auth> or <encryption>."""

    type: str | None = None
    uuid: str | None = None
    usage: str | None = None


@dataclass
class DiskAuth:
    """A disk's <auth>: the user and the secret it logs in with; in_source: written under <source>."""

    username: str | None = None
    secret: SecretRef | None = None
    in_source: bool = False


@dataclass
class DiskEncryption:
    """A disk's <encryption>: format, engine, its secrets, and the rest (cipher, ivgen) kept as given."""

    format: str | None = None
    engine: str | None = None
    secrets: list[SecretRef] = field(default_factory=list)
    others: list[RawElement] = field(default_factory=list)
    in_source: bool = False
