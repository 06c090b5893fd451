"""libvirt's domain checkpoint XML: parse what clients send, format what ``checkpoint-dumpxml`` prints.

``parse_checkpoint_xml`` is virDomainCheckpointDefParseString (which always validates against
domaincheckpoint.rng), ``format_checkpoint_xml`` is virDomainCheckpointDefFormat.  The model
completes the definition (name and time defaults, the parent, disk alignment, the domain).
"""

from __future__ import annotations

import re

from ..errors import ErrorDomain, VirtError
from ..errors import checkpoint as err
from ..errors import xml as xml_errors
from ..model.checkpoints.checkpointdef import CheckpointDef, CheckpointDisk
from ..model.devices import RawElement
from .domain import format_domain_xml
from .domain_parse import parse_domain_tree
from .domain_schema import validate_domain
from .fmt import escape
from .parser import parse_xml

__all__ = ["SCHEMA", "format_checkpoint_xml", "parse_checkpoint_xml"]

URL = "(domain_checkpoint)"
SCHEMA = "/usr/share/libvirt/schemas/domaincheckpoint.rng"
_TOP = ("name", "description", "creationTime", "disks", "domain", "parent")
_NAME = re.compile(r"[a-zA-Z0-9_\-][a-zA-Z0-9_\-.]*")
_ULONG = re.compile(r"\s*\+?\d+\s*")
_TARGET_DEV = re.compile(r"(ioemu:)?(fd|hd|sd|vd|xvd|ubd)[a-zA-Z0-9_]+")
_ABS_PATH = re.compile(r"(/|[a-zA-Z]:\\).+")
_LLONG = re.compile(r"^\s*[+-]?\d+$")


def _kids(el: RawElement) -> list[RawElement]:
    return [c for c in el.children if c.tag != "#text"]


def _text(el: RawElement) -> str:
    return (el.text or "") + "".join(c.text or "" if c.tag == "#text" else _text(c) for c in el.children)


def _string(el: RawElement | None) -> str | None:
    """virXPathString("string(./x)"): None when missing or empty."""
    return None if el is None else (_text(el) or None)


def parse_checkpoint_xml(xml: str, *, redefine: bool = False) -> CheckpointDef:
    """Parse a <domaincheckpoint> document; ``redefine``: VIR_DOMAIN_CHECKPOINT_PARSE_REDEFINE
    (name and creationTime required; parent and domain read)."""
    root = parse_xml(xml, URL, ErrorDomain.DOMAIN_CHECKPOINT)
    if root.tag != "domaincheckpoint":
        raise xml_errors.wrong_root("domaincheckpoint", root.tag)
    _validate(root)
    cd = CheckpointDef(name=_string(root.find("name")), description=_string(root.find("description")))
    if cd.name is None and redefine:
        raise err.redefine_needs_name()
    if redefine:
        created = _string(root.find("creationTime"))
        if created is None or not _LLONG.match(created) or not -2**63 <= int(created) < 2**63:
            raise err.redefine_needs_time()
        cd.creation_time = int(created)
        parent = root.find("parent")
        cd.parent = _string(parent.find("name")) if parent is not None else None
        dom = root.find("domain")
        if dom is not None:
            cd.domain = parse_domain_tree(RawElement("domain", dict(dom.attrs), dom.text, list(dom.children)))
    disks = root.find("disks")
    if disks is not None:
        cd.disks = [CheckpointDisk(el.get("name") or "", el.get("checkpoint") or "bitmap", el.get("bitmap"))
                    for el in _kids(disks)]
    return cd


# --- schema (domaincheckpoint.rng) -------------------------------------------------------------

def _invalid(*lines: str) -> VirtError:
    return xml_errors.schema_invalid(SCHEMA, *lines)


def _validate(root: RawElement) -> None:
    """What libxml2's RelaxNG validator says about the document (it names only the top-level
    element that failed inside the interleave)."""
    for attr in root.attrs:
        if attr != "xmlns" and not attr.startswith("xmlns:"):
            raise _invalid(f"Invalid attribute {attr} for element domaincheckpoint")
    seen: set[str] = set()
    for child in root.children:
        if child.tag == "#text":
            if (child.text or "").strip():
                raise _invalid(f"Element domaincheckpoint has extra content: {child.text}")
            continue
        if child.tag not in _TOP:
            raise _invalid(f"Element domaincheckpoint has extra content: {child.tag}")
        if child.tag in seen or not _valid_top(child):
            raise _invalid(f"Extra element {child.tag} in interleave",
                           "Element domaincheckpoint failed to validate content")
        seen.add(child.tag)


def _plain(el: RawElement) -> bool:
    return not el.attrs and not _kids(el)


def _valid_top(el: RawElement) -> bool:
    tag = el.tag
    if tag == "name":
        return _plain(el) and bool(_NAME.fullmatch(_text(el)))
    if tag == "description":
        return _plain(el)
    if tag == "creationTime":
        return _plain(el) and bool(_ULONG.fullmatch(_text(el)))
    if tag == "parent":
        kids = _kids(el)
        return (not el.attrs and len(kids) == 1 and kids[0].tag == "name" and _plain(kids[0])
                and bool(_NAME.fullmatch(_text(kids[0]))))
    if tag == "disks":
        kids = _kids(el)
        return not el.attrs and bool(kids) and all(_valid_disk(k) for k in kids)
    try:
        validate_domain(RawElement("domain", dict(el.attrs), el.text, list(el.children)))
    except VirtError:
        return False
    return True


def _valid_disk(el: RawElement) -> bool:
    if el.tag != "disk" or _kids(el) or (el.text or "").strip():
        return False
    name = el.get("name")
    if name is None or not (_TARGET_DEV.fullmatch(name) or _ABS_PATH.fullmatch(name)):
        return False
    attrs = set(el.attrs) - {"name"}
    if el.get("checkpoint") == "no":
        return attrs == {"checkpoint"}
    if el.get("checkpoint", "bitmap") != "bitmap" or not attrs <= {"checkpoint", "bitmap", "size"}:
        return False
    return el.get("size") is None or bool(_ULONG.fullmatch(el.get("size") or ""))


# --- formatting ---------------------------------------------------------------------------------

def format_checkpoint_xml(cd: CheckpointDef, *, secure: bool = False, no_domain: bool = False,
                          size: bool = False) -> str:
    """virDomainCheckpointDefFormat with the SECURE, NO_DOMAIN and SIZE flags."""
    out = ["<domaincheckpoint>"]
    if cd.name is not None:
        out.append(f"  <name>{escape(cd.name)}</name>")
    if cd.description is not None:
        out.append(f"  <description>{escape(cd.description)}</description>")
    if cd.parent is not None:
        out += ["  <parent>", f"    <name>{escape(cd.parent)}</name>", "  </parent>"]
    if cd.creation_time:
        out.append(f"  <creationTime>{cd.creation_time}</creationTime>")
    if cd.disks:
        out.append("  <disks>")
        for disk in cd.disks:
            attrs = f" name='{escape(disk.name)}'"
            if disk.type is not None:
                attrs += f" checkpoint='{disk.type}'"
            if disk.bitmap is not None:
                attrs += f" bitmap='{escape(disk.bitmap)}'"
                if size and disk.size is not None:
                    attrs += f" size='{disk.size}'"
            out.append(f"    <disk{attrs}/>")
        out.append("  </disks>")
    if cd.domain is not None and not no_domain:
        lines = format_domain_xml(cd.domain, inactive=True, secure=secure).rstrip("\n").split("\n")
        out += ["  " + line for line in lines]
    out.append("</domaincheckpoint>")
    return "\n".join(out) + "\n"
