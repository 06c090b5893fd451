"""A disk's <mirror> (block copy, active commit) and the destination <disk> of virDomainBlockCopy."""

from __future__ import annotations

from dataclasses import dataclass

from ..errors import blockcopy as err
from ..errors import xml as xml_errors
from ..model.device_parts import Mirror
from .domain_devparts import element, format_backing_store
from .parser import parse_xml

# virStorageFileFormat's names (without "none")
STORAGE_FORMATS = ("raw", "dir", "bochs", "cloop", "dmg", "iso", "vpc", "vdi", "fat", "vhd", "ploop", "cow",
                   "qcow", "qcow2", "qed", "vmdk")
_SOURCE_ATTR = {"file": "file", "block": "dev"}


@dataclass(frozen=True)
class CopyDestination:
    """What virDomainBlockCopy's <disk> names: the storage type, the path, the format if given."""

    type: str
    path: str
    format: str | None


def parse_copy_destination(xml: str) -> CopyDestination:
    """virDomainDiskDefParse with VIR_DOMAIN_DEF_PARSE_DISK_SOURCE: only the source and driver count."""
    root = parse_xml(xml, "(disk_definition)")
    if root.tag != "disk":
        raise xml_errors.wrong_root("disk", root.tag)
    kind = root.get("type") or "file"
    src = root.find("source")
    path = src.get(_SOURCE_ATTR.get(kind, "file")) if src is not None else None
    if kind not in _SOURCE_ATTR or not path:
        raise err.no_source()
    fmt = None
    if (drv := root.find("driver")) is not None and (fmt := drv.get("type")) is not None:
        if fmt not in STORAGE_FORMATS:
            raise err.unknown_format(fmt)
    return CopyDestination(kind, path, fmt)


def format_mirror(m: Mirror, indent: int) -> list[str]:
    """virDomainDiskDefFormatMirror: a copy repeats its file and format as attributes (the legacy form)."""
    attrs = [("type", m.type)]
    if m.job == "copy" and m.type == "file":
        attrs += [("file", m.path)] + ([("format", m.format)] if m.format else [])
    attrs.append(("job", m.job))
    if m.state:
        attrs.append(("ready", m.state))
    i2 = indent + 2
    body = element("format", {"type": m.format}, [], i2) if m.format else []
    body += element("source", [(_SOURCE_ATTR[m.type], m.path), ("index", str(m.index))], [], i2)
    if m.backing is not None:
        body += format_backing_store(m.backing, i2, inactive=False)
    return element("mirror", attrs, body, indent)
