"""<networkport> documents (virNetworkPortDefParse, virNetDevBandwidthParse) -> ``Port``."""

from __future__ import annotations

import re
import uuid as uuidlib

from ..errors import ErrorDomain
from ..errors import network as err
from ..errors import xml as xml_errors
from ..model.devices import RawElement
from ..model.network.defs import parse_mac
from ..model.network.ports import Port
from .domain_parse import parse_uuid
from .parser import parse_xml

PLUG_TYPES = ("none", "network", "bridge", "direct", "hostdev-pci")
MACVTAP_MODES = ("vepa", "private", "bridge", "passthrough")
MAC_TABLE_MANAGERS = ("kernel", "libvirt")  # "default" (0) is refused too
TRISTATE = ("yes", "no")
# networkport.rng's elements, in its order; with VALIDATE anything else is refused
SCHEMA_CHILDREN = ("uuid", "owner", "group", "mac", "virtualport", "bandwidth", "vlan", "port", "rxfilters", "plug")
_ULL = re.compile(r"^\s*\+?[0-9]+$")


def _text(root: RawElement, *path: str) -> str | None:
    """XPath string(): the text of the first element on the path, None when absent or empty."""
    el: RawElement | None = root
    for tag in path:
        el = el.find(tag) if el is not None else None
    return (el.text or None) if el is not None else None


def _uuid(text: str | None, what: str) -> uuidlib.UUID:
    if text is None:
        raise err.port_missing(what)
    parsed = parse_uuid(text)
    if parsed is None:
        raise err.port_bad_uuid(text)
    return parsed


def _rate(el: RawElement) -> dict[str, int]:
    """virNetDevBandwidthParseRate."""
    given = {k: el.get(k) for k in ("average", "peak", "burst", "floor")}
    if given["average"] is None and given["floor"] is None:
        raise err.bandwidth_detail("Missing mandatory average or floor attributes")
    if given["average"] is not None and not _ULL.match(given["average"]):
        raise err.bandwidth_unsupported(f"could not convert bandwidth average value '{given['average']}'")
    if (given["peak"] is not None or given["burst"] is not None) and given["average"] is None:
        raise err.bandwidth_unsupported("'peak' and 'burst' require 'average' attribute")
    out: dict[str, int] = {}
    for key, value in given.items():
        if value is None:
            continue
        if not _ULL.match(value):
            raise err.bandwidth_unsupported(f"could not convert bandwidth {key} value '{value}'")
        out[key] = int(value)
    return out


def parse_bandwidth(el: RawElement, port: Port) -> None:
    """virNetDevBandwidthParse with a class ID and floor allowed (the port parser's call)."""
    class_id = el.get("classID")
    if class_id is not None:
        if not _ULL.match(class_id) or int(class_id) > 0xFFFFFFFF:
            raise err.bandwidth_class_id(class_id)
        port.class_id = int(class_id)
    found: dict[str, RawElement] = {}
    for child in el.children:
        if child.tag in ("inbound", "outbound"):
            if child.tag in found:
                raise err.bandwidth_detail(f"Only one child <{child.tag}> element allowed")
            found[child.tag] = child
    if "inbound" in found:
        port.bandwidth_inbound = _rate(found["inbound"])
    if "outbound" in found:
        port.bandwidth_outbound = _rate(found["outbound"])
        if "floor" in port.bandwidth_outbound:
            raise err.bandwidth_unsupported("'floor' attribute allowed only in <inbound> element")


def _validate(root: RawElement) -> None:
    """The part of networkport.rng that VALIDATE checks here: the root's children."""
    for child in root.children:
        if child.tag not in SCHEMA_CHILDREN:
            raise xml_errors.schema_invalid(err.PORT_SCHEMA, f"Element networkport has extra content: {child.tag}")


def _enum(el: RawElement, attr: str, values: tuple[str, ...]) -> str | None:
    value = el.get(attr)
    if value is not None and value not in values:
        raise xml_errors.invalid_attribute(attr, el.tag, value)
    return value


def _plug(el: RawElement | None, port: Port) -> None:
    if el is None:
        return
    port.plug_type = _enum(el, "type", PLUG_TYPES) or "none"
    if port.plug_type in ("network", "bridge"):
        bridge = el.get("bridge")
        if bridge is None:
            raise err.xml_error("Missing network port bridge name")
        manager = el.get("macTableManager")
        if manager is not None and manager not in MAC_TABLE_MANAGERS:
            raise err.xml_error(f"Invalid macTableManager setting '{manager}' in network port")
        port.plug_dev, port.mac_table_manager = bridge, manager
    elif port.plug_type == "direct":
        dev = el.get("dev")
        if dev is None:
            raise err.xml_error("Missing network port link device name")
        mode = el.get("mode")
        if mode is not None and mode not in MACVTAP_MODES:
            raise err.xml_error(f"Invalid mode setting '{mode}' in network port")
        port.plug_dev, port.plug_mode = dev, mode or "vepa"
    elif port.plug_type == "hostdev-pci":
        _enum(el, "managed", TRISTATE)
        driver = el.find("driver")
        if driver is not None and driver.get("name") not in ("kvm", "vfio", "xen"):
            raise err.xml_error("Missing network port driver name")
        address = el.find("address")
        if address is None:
            raise err.xml_error("Missing network port PCI address")
        port.extra.append(address)
        domain, bus, slot, function = (_pci_number(address.get(k)) for k in ("domain", "bus", "slot", "function"))
        port.pci = (domain, bus, slot, function)


def parse_port_xml(text: str, validate: bool) -> Port:
    """virNetworkPortDefParse: the document as given (the network driver fills the plug in later)."""
    root = parse_xml(text, "(networkport_definition)", ErrorDomain.NETWORK)
    if root.tag != "networkport":
        raise xml_errors.wrong_root("networkport", root.tag)
    if validate:
        _validate(root)
    port_uuid = _uuid(_text(root, "uuid"), "uuid")
    owner_name = _text(root, "owner", "name")
    if owner_name is None:
        raise err.port_missing("owner name")
    owner_uuid = _uuid(_text(root, "owner", "uuid"), "owner UUID")
    mac_el = root.find("mac")
    mac_text = mac_el.get("address") if mac_el is not None else None
    if not mac_text:
        raise err.port_missing("mac")
    mac = parse_mac(mac_text)
    if mac is None:
        raise err.port_bad_mac(mac_text)
    port = Port(port_uuid, "", owner_name, owner_uuid, mac, "none", "", group=_text(root, "group"))
    port.extra = [c for c in root.children if c.tag in ("virtualport", "vlan")]
    bandwidth = root.find("bandwidth")
    if bandwidth is not None:
        parse_bandwidth(bandwidth, port)
    isolated = root.find("port")
    if isolated is not None:
        port.isolated = _enum(isolated, "isolated", TRISTATE)
    rx = root.find("rxfilters")
    if rx is not None:
        port.trust_guest_rx_filters = _enum(rx, "trustGuest", TRISTATE)
    _plug(root.find("plug"), port)
    return port


def _pci_number(text: str | None) -> int:
    """A PCI address field as virPCIDeviceAddressParseXML reads it (0x… hexadecimal, else decimal)."""
    try:
        return int(text or "0", 0)
    except ValueError:
        return 0
