"""libvirt's domain XML: parse what users send, format what ``virsh dumpxml`` prints.

Parsing returns the document's content with libvirt's parse errors (virDomainDefParseXML); the
model completes it (``fakevirt.model.domaindef.normalize``: defaults, addresses, validation).
"""

from __future__ import annotations

from ..errors import domain as errors
from ..model.devices import Device
from ..model.domaindef import DomainDef
from .domain_devformat import Flags, format_device
from .domain_devparse import parse_device
from .domain_format import format_domain
from .domain_parse import parse_domain_tree
from .domain_schema import validate_domain
from .parser import parse_xml

__all__ = ["format_device_xml", "format_domain_xml", "parse_device_xml", "parse_domain_xml"]


def parse_domain_xml(xml: str, *, validate: bool = False) -> DomainDef:
    """Parse a <domain> document, as virDomainDefineXML's parser does, before any defaults.

    Args:
        xml: the document the client sent.
        validate: VIR_DOMAIN_DEFINE_VALIDATE: check the document against libvirt's schema first.

    Raises:
        VirtError: what libvirtd 9.0 reports for the same document.
    """
    root = parse_xml(xml, "(domain_definition)")
    if validate:
        validate_domain(root)
    return parse_domain_tree(root)


def parse_device_xml(xml: str) -> Device:
    """Parse the device XML of attach/detach/update-device, before its defaults.

    Raises:
        VirtError: not well formed, an unknown device element, or the device's own errors.
    """
    root = parse_xml(xml, "(device_definition)")
    dev = parse_device(root)
    if dev is None or root.tag == "emulator":
        raise errors.conf_unsupported(f"unknown device type '{root.tag}'")
    return dev


def format_domain_xml(d: DomainDef, *, domain_id: int | None = None, inactive: bool = False,
                      secure: bool = False, migratable: bool = False) -> str:
    """The document ``virsh dumpxml`` prints.

    Args:
        d: the definition to show (the live one for a running domain, unless ``inactive``).
        domain_id: the running domain's ID; None for a domain that is not running.
        inactive: VIR_DOMAIN_XML_INACTIVE.
        secure: VIR_DOMAIN_XML_SECURE (graphics passwords are shown).
        migratable: VIR_DOMAIN_XML_MIGRATABLE.
    """
    return format_domain(d, domain_id, Flags(inactive=inactive or domain_id is None, secure=secure,
                                             migratable=migratable))


def format_device_xml(dev: Device, *, inactive: bool = True) -> str:
    """One device element, indented as at the top level (for events and debugging)."""
    return "\n".join(format_device(dev, Flags(inactive=inactive), 0)) + "\n"
