"""Domain definitions from XML for tests, as the define and attach-device handlers make them."""

from __future__ import annotations

from ..model.devices import Device
from ..model.domaindef import DomainDef, normalize, normalize_device
from ..model.host import HostInfo
from ..model.ids import IdGenerator
from ..xml.domain import parse_device_xml, parse_domain_xml

__all__ = ["device_from_xml", "domain_from_xml"]


def domain_from_xml(xml: str, rng: IdGenerator, host: HostInfo | None = None, *, validate: bool = False) -> DomainDef:
    """Parse a <domain> and complete it as virDomainDefineXML does (``host`` defaults to the standard one)."""
    return normalize(parse_domain_xml(xml, validate=validate), rng, host or HostInfo())


def device_from_xml(xml: str, d: DomainDef, rng: IdGenerator) -> Device:
    """Parse a device of attach/detach/update-device and complete it for the domain ``d``."""
    return normalize_device(parse_device_xml(xml), d, rng)
