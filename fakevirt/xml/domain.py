"""libvirt's domain XML: parse what users send, format what ``virsh dumpxml`` prints.

``parse_domain_xml`` applies the QEMU driver's post-parse defaults of libvirt 9.0 on an x86_64
QEMU 7.2 host (UUID, machine canonical name, default CPU, implicit controllers and devices, MACs,
PCI/drive/USB/virtio-serial addresses) and raises libvirt's errors with its codes and wording.
"""

from __future__ import annotations

from typing import Any

from ..model.devices import Device, Interface
from ..model.domaindef import DomainDef
from ..model.ids import Rng
from .domain_devdefaults import device_post_parse
from .domain_devformat import Flags, format_device
from .domain_devparse import parse_device, unsupported
from .domain_format import format_domain
from .domain_live import prepare_live
from .domain_parse import parse_domain_tree
from .domain_postparse import post_parse, resolve_host
from .domain_schema import validate_domain
from .domain_validate import validate_def
from .parser import parse_xml

__all__ = ["format_device_xml", "format_domain_xml", "parse_device_xml", "parse_domain_xml", "prepare_live"]


def parse_domain_xml(xml: str, rng: Rng, host: Any | None = None, *, validate: bool = False) -> DomainDef:
    """Parse a <domain> document and apply libvirt's defaults, as virDomainDefineXML does.

    Args:
        xml: the document the client sent.
        rng: the hypervisor's seeded generator, for a missing UUID and MAC addresses.
        host: the emulated host (``fakevirt.model.host.HostInfo``); None means stock QEMU 7.2.
        validate: VIR_DOMAIN_DEFINE_VALIDATE: check the document against libvirt's schema first.

    Returns:
        The definition, every default filled in.

    Raises:
        VirtError: what libvirtd 9.0 reports for the same document.
    """
    root = parse_xml(xml, "(domain_definition)")
    if validate:
        validate_domain(root)
    d = parse_domain_tree(root)
    if d.uuid.int == 0:
        d.uuid = rng.uuid()
    _generate_macs(d.interfaces, rng)
    resolve_host(d, host)
    post_parse(d)
    validate_def(d, host)
    return d


def _generate_macs(nets: list[Interface], rng: Rng) -> None:
    for n in nets:
        if n.mac is None:
            n.mac, n.mac_generated = rng.mac(), True


def parse_device_xml(xml: str, d: DomainDef, rng: Rng) -> Device:
    """Parse the device XML of attach/detach/update-device, with the defaults it gets.

    Raises:
        VirtError: not well formed, an unknown device element, or the device's own errors.
    """
    root = parse_xml(xml, "(device_definition)")
    dev = parse_device(root)
    if dev is None or root.tag == "emulator":
        raise unsupported(f"unknown device type '{root.tag}'")
    if isinstance(dev, Interface):
        _generate_macs([dev], rng)
    device_post_parse(dev, d)
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
