"""Custom metadata elements (virDomainSetMetadata / virDomainGetMetadata with VIR_DOMAIN_METADATA_ELEMENT)."""

from __future__ import annotations

from ..errors import ErrorDomain
from ..errors import xml as err
from ..model.devices import RawElement
from .domain_tree import node_dump
from .parser import parse_document


def namespaced_element(xml: str, key: str, uri: str) -> RawElement:
    """The user's element put in namespace uri with prefix key, as libvirt stores it.

    libvirt parses the text keeping blanks and reparents the element into the namespace (every
    element of the fragment that has no namespace of its own gets the prefix).
    """
    root, has_doctype = parse_document(xml, "(metadata_xml)", ErrorDomain.DOMAIN, keep_blanks=True)
    if has_doctype:  # libvirt copies the document's first node, the DTD, and cannot give it a namespace
        raise err.namespace_failed()
    todo = [(root, False)]
    while todo:
        el, in_default_ns = todo.pop()
        in_default_ns = in_default_ns or "xmlns" in el.attrs
        if el.tag != "#text" and ":" not in el.tag and not in_default_ns:
            el.tag = f"{key}:{el.tag}"
        todo.extend((c, in_default_ns) for c in el.children)
    root.attrs = {**root.attrs, f"xmlns:{key}": uri}
    return root


def metadata_text(el: RawElement) -> str:
    """virDomainGetMetadata's answer: the element formatted without its namespace."""
    return node_dump(_unqualified(el), 0)


def _unqualified(el: RawElement) -> RawElement:
    return RawElement(el.tag.split(":", 1)[-1] if el.tag != "#text" else el.tag,
                      {k: v for k, v in el.attrs.items() if k != "xmlns" and not k.startswith("xmlns:")},
                      el.text, [_unqualified(c) for c in el.children])
