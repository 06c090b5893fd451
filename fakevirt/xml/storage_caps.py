"""The source specification of virConnectFindStoragePoolSources and the document of
virConnectGetStoragePoolCapabilities."""

from __future__ import annotations

import re

from ..errors import ErrorDomain
from ..errors import storage as err
from ..errors import xml as xml_errors
from ..model.storage_backends import POOL_CAPS, Formats, SourceSpec
from .parser import parse_xml

_INT_RE = re.compile(r"\s*[+-]?[0-9]+")
_INT_MIN, _INT_MAX = -(1 << 31), (1 << 31) - 1


def parse_source_spec(text: str) -> SourceSpec:
    """virStoragePoolDefParseSourceString: the hosts and the format of a <source> document."""
    root = parse_xml(text, "(storage_source_specification)", ErrorDomain.STORAGE)
    if root.tag != "source":
        raise xml_errors.wrong_root("source", root.tag)
    hosts: list[tuple[str, int | None]] = []
    for host in root.findall("host"):
        name = host.get("name")
        if name is None:
            raise err.missing_host_name()
        hosts.append((name, _port(host.get("port"))))
    fmt = root.find("format")
    return SourceSpec(tuple(hosts), fmt.get("type") if fmt is not None else None)


def _port(text: str | None) -> int | None:
    if text is None:
        return None
    value = int(text) if _INT_RE.fullmatch(text) else None
    if value is None or not _INT_MIN <= value <= _INT_MAX:
        raise xml_errors.invalid_attribute("port", "host", text, "integer")
    return value


def format_pool_capabilities() -> str:
    """virStoragePoolCapsFormat for the backends of this build."""
    out = ["<storagepoolCapabilities>"]
    for caps in POOL_CAPS:
        out.append(f"  <pool type='{caps.type}' supported='{'yes' if caps.supported else 'no'}'>")
        for tag, enum, formats in (("poolOptions", "sourceFormatType", caps.pool),
                                   ("volOptions", "targetFormatType", caps.vol)):
            if formats is not None:
                out.extend(_options(tag, enum, formats))
        out.append("  </pool>")
    out.append("</storagepoolCapabilities>")
    return "\n".join(out) + "\n"


def _options(tag: str, enum: str, formats: Formats) -> list[str]:
    return [f"    <{tag}>", f"      <defaultFormat type='{formats.default}'/>", f"      <enum name='{enum}'>",
            *(f"        <value>{v}</value>" for v in formats.values), "      </enum>", f"    </{tag}>"]
