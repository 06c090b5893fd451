"""What the QEMU driver does to a definition straight after parsing it, before anyone sees it.

The XML parser returns the document's content as it is; ``normalize`` gives it libvirt's list
order, a UUID and MAC addresses where the document has none, the host's emulator and machine, and
every post-parse default (virDomainDefPostParse), then, unless told not to, libvirt's validation.
"""

from __future__ import annotations

from ..devices import Device, Interface
from ..host import HostInfo
from ..ids import IdGenerator
from .definition import DomainDef
from .devdefaults import device_post_parse
from .postparse import post_parse, resolve_host
from .validate import validate_def

__all__ = ["normalize", "normalize_device"]


def normalize(d: DomainDef, rng: IdGenerator, host: HostInfo, *, validate: bool = True) -> DomainDef:
    """Complete a parsed <domain> as virDomainDefineXML does; returns ``d``, completed in place.

    Args:
        d: what the XML parser returned.
        rng: the hypervisor's seeded generator, for a missing UUID and MAC addresses.
        host: the emulated host (its QEMU binaries, machines and CPU).
        validate: False for VIR_DOMAIN_DEF_PARSE_SKIP_VALIDATE (a snapshot's saved definition).

    Raises:
        VirtError: what libvirtd 9.0 reports for the same definition.
    """
    d.normalize_order()  # virDomainDiskInsert / virDomainControllerInsert as the parser adds them
    if d.uuid.int == 0:
        d.uuid = rng.uuid()
    _generate_macs(d.interfaces, rng)
    resolve_host(d, host)
    post_parse(d)
    if validate:
        validate_def(d, host)
    return d


def normalize_device(dev: Device, d: DomainDef, rng: IdGenerator) -> Device:
    """Complete a parsed device of attach/detach/update-device for the domain ``d``."""
    if isinstance(dev, Interface):
        _generate_macs([dev], rng)
    device_post_parse(dev, d)
    return dev


def _generate_macs(nets: list[Interface], rng: IdGenerator) -> None:
    for n in nets:
        if n.mac is None:
            n.mac, n.mac_generated = rng.mac(), True
