"""Secret XML: parsed as ``src/conf/secret_conf.c`` does, formatted as virSecretDefFormat."""

from __future__ import annotations

from ..errors import ErrorDomain
from ..errors import secret as err
from ..errors import xml as xml_errors
from ..model.devices import RawElement
from ..model.flags.secret import SecretUsageType
from ..model.secrets import USAGE_ELEMENTS, USAGE_NAMES, SecretDef
from .domain_parse import parse_uuid
from .fmt import escape
from .parser import parse_xml

# the names secret_conf.c's messages give each usage
_USAGE_MISSING = {SecretUsageType.VOLUME: "volume usage specified, but volume path is missing",
                  SecretUsageType.CEPH: "Ceph usage specified, but name is missing",
                  SecretUsageType.ISCSI: "iSCSI usage specified, but target is missing",
                  SecretUsageType.TLS: "TLS usage specified, but name is missing",
                  SecretUsageType.VTPM: "vTPM usage specified, but name is missing"}


def string_value(el: RawElement | None) -> str | None:
    """virXPathString(string(el)): the text of el and everything in it; None when empty."""
    if el is None:
        return None
    pieces: list[str] = []
    todo = [el]
    while todo:
        node = todo.pop()
        if node.text:
            pieces.append(node.text)
        todo.extend(reversed(node.children))
    return "".join(pieces) or None


def _yes_no(root: RawElement, attr: str) -> bool:
    value = root.get(attr)
    if not value:  # an empty attribute is no attribute (virXPathString)
        return False
    if value not in ("yes", "no"):
        raise err.xml_error(f"invalid value of '{attr}'")
    return value == "yes"


def parse_secret_xml(text: str) -> SecretDef:
    """virSecretDefParse (without the schema check VALIDATE asks for)."""
    root = parse_xml(text, "(definition_of_secret)", ErrorDomain.SECRET)
    if root.tag != "secret":
        raise xml_errors.wrong_root("secret", root.tag)
    d = SecretDef(ephemeral=_yes_no(root, "ephemeral"), private=_yes_no(root, "private"))
    uuid_text = string_value(root.find("uuid"))
    if uuid_text is not None:
        d.uuid = parse_uuid(uuid_text)
        if d.uuid is None:
            raise err.internal("malformed uuid element")
    d.description = string_value(root.find("description"))
    usage = root.find("usage")
    if usage is not None:
        type_str = usage.get("type")
        if not type_str:
            raise err.xml_error("unknown secret usage type")
        if type_str not in USAGE_NAMES:
            raise err.unknown_usage_type(type_str)
        d.usage_type = SecretUsageType(USAGE_NAMES.index(type_str))
        if d.usage_type != SecretUsageType.NONE:
            d.usage_id = string_value(usage.find(USAGE_ELEMENTS[d.usage_type]))
            if d.usage_id is None:
                raise err.internal(_USAGE_MISSING[d.usage_type])
    return d


def format_secret_xml(d: SecretDef) -> str:
    """virSecretDefFormat."""
    yes_no = {True: "yes", False: "no"}
    lines = [f"<secret ephemeral='{yes_no[d.ephemeral]}' private='{yes_no[d.private]}'>", f"  <uuid>{d.uuid}</uuid>"]
    if d.description is not None:
        lines.append(f"  <description>{escape(d.description)}</description>")
    if d.usage_type != SecretUsageType.NONE:
        tag = USAGE_ELEMENTS[d.usage_type]
        lines += [f"  <usage type='{USAGE_NAMES[d.usage_type]}'>",
                  f"    <{tag}>{escape(d.usage_id or '')}</{tag}>", "  </usage>"]
    lines.append("</secret>\n")
    return "\n".join(lines)
