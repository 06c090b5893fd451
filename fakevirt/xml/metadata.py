"""Custom metadata elements (virDomainSetMetadata with VIR_DOMAIN_METADATA_ELEMENT)."""

from __future__ import annotations

import xml.etree.ElementTree as ET

from ..errors import ErrorCode, ErrorDomain, VirtError


def namespaced_element(xml: str, key: str, uri: str) -> str:
    """The user's element put in namespace uri with prefix key, as libvirt stores it.

    libvirt reparents the element into the namespace (every element of the fragment that has no
    namespace of its own) and serialises it with the prefix.
    """
    try:
        root = ET.fromstring(xml)
    except ET.ParseError as e:
        raise VirtError.report(ErrorCode.XML_DETAIL, ErrorDomain.XML, f"(metadata_xml):{e}") from None
    for el in root.iter():
        if isinstance(el.tag, str) and not el.tag.startswith("{"):
            el.tag = f"{key}:{el.tag}"  # written out literally: a prefixed name
    root.set(f"xmlns:{key}", uri)
    return ET.tostring(root, encoding="unicode")
