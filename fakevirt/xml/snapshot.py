"""libvirt's domain snapshot XML: parse what clients send, format what ``snapshot-dumpxml`` prints.

``parse_snapshot_xml`` is virDomainSnapshotDefParseString with the PARSE_REDEFINE, PARSE_OFFLINE and
PARSE_VALIDATE flags of libvirt 9.x (snapshot_conf.c), plus fakevirt's ``<branch>`` extension;
``format_snapshot_xml`` is virDomainSnapshotDefFormat.  Errors carry libvirt's codes, error
domains and wording.  What the daemon decides afterwards (a default name, the creation time, the
parent, disk alignment, the saved domain definitions) is up to the model.
"""

from __future__ import annotations

import re

from ..errors import ErrorDomain, VirtError
from ..errors import xml as xml_errors
from ..errors.snapshot import conf_internal as _internal
from ..errors.snapshot import conf_unsupported as _unsupported
from ..errors.snapshot import memory_needs_full_snapshot
from ..errors.snapshot import xml_error as _xml_error
from ..model.devices import RawElement
from ..model.domaindef import DomainDef
from ..model.snapshots.snapshotdef import STATES, BranchRequest, SaveCookie, SnapshotDef, SnapshotDisk
from .domain import format_domain_xml
from .domain_devparse import enum_attr
from .domain_format import format_cpu
from .domain_parse import parse_cpu, parse_domain_tree, parse_uuid
from .domain_schema import validate_domain
from .domain_tree import raw_lines
from .fmt import escape
from .parser import parse_xml

__all__ = ["SCHEMA", "format_snapshot_xml", "parse_snapshot_xml", "validate_snapshot"]

URL = "(domain_snapshot)"
SCHEMA = "/usr/share/libvirt/schemas/domainsnapshot.rng"
_SNAP = ErrorDomain.DOMAIN_SNAPSHOT

# virDomainSnapshotLocation (without "default", which VIR_XML_PROP_NONZERO refuses)
_LOCATIONS = ("no", "internal", "external", "manual")
# virStorageType (without "none")
_STORAGE_TYPES = ("file", "block", "dir", "network", "volume", "nvme", "vhostuser")
# virStorageFileFormat (without "none")
_FORMATS = ("raw", "dir", "bochs", "cloop", "dmg", "iso", "vpc", "vdi", "fat", "vhd", "ploop", "cow", "qcow",
            "qcow2", "qed", "vmdk")
_PATH_ATTR = {"file": "file", "block": "dev", "dir": "dir"}
_BRANCH_STATES = ("running", "paused", "inactive")
_LLONG = re.compile(r"^\s*[+-]?\d+$")


def _text(el: RawElement) -> str:
    """XPath string(): the text of the element and all its descendants."""
    return (el.text or "") + "".join(c.text or "" if c.tag == "#text" else _text(c) for c in el.children)


def _string(el: RawElement | None) -> str | None:
    """virXPathString("string(./x)"): None when the element is missing or its text is empty."""
    if el is None:
        return None
    return _text(el) or None


# --- parsing ---------------------------------------------------------------------------------


def parse_snapshot_xml(xml: str, *, redefine: bool = False,
                       offline: bool = False, validate: bool = False) -> SnapshotDef:
    """Parse a <domainsnapshot> document as virDomainSnapshotDefParseString does.

    Args:
        xml: the document the client sent.
        redefine: VIR_DOMAIN_SNAPSHOT_PARSE_REDEFINE: state, creationTime, parent, domain,
            inactiveDomain, cookie, revertDisks and snapshotDeleteInProgress are read too, and
            name, creationTime and state are required.
        offline: VIR_DOMAIN_SNAPSHOT_PARSE_OFFLINE (disk-only or inactive domain); under
            ``redefine`` the <state> decides instead.
        validate: VIR_DOMAIN_SNAPSHOT_PARSE_VALIDATE: check the schema first.

    Returns:
        The definition; without ``redefine``, name and creation_time stay None when absent (the
        caller fills in virDomainMomentDefPostParse's defaults). An embedded <domain> or
        <inactiveDomain> is as written, without defaults: the model completes it
        (``snapshotdef.complete_embedded_domains``).

    Raises:
        VirtError: what libvirtd reports for the same document.
    """
    root = parse_xml(xml, URL, _SNAP)
    if root.tag != "domainsnapshot":
        raise xml_errors.wrong_root("domainsnapshot", root.tag)
    if validate:
        validate_snapshot(root)
    return _parse(root, redefine, offline)


def _parse(root: RawElement, redefine: bool, offline: bool) -> SnapshotDef:
    sd = SnapshotDef()
    sd.name = _string(root.find("name"))
    if sd.name is None and redefine:
        raise _xml_error("a redefined snapshot must have a name")
    sd.description = _string(root.find("description"))

    if redefine:
        created = _string(root.find("creationTime"))
        if created is None or not _LLONG.match(created) or not -2**63 <= int(created) < 2**63:
            raise _internal("missing creationTime from existing snapshot")
        sd.creation_time = int(created)
        parent = root.find("parent")
        sd.parent = _string(parent.find("name")) if parent is not None else None
        state = _string(root.find("state"))
        if state is None:
            raise _xml_error("missing state from existing snapshot")
        if state not in STATES[1:]:
            raise _unsupported(f"Invalid state '{state}' in domain snapshot XML")
        sd.state = state
        offline = state in ("shutoff", "disk-snapshot")
        dom = root.find("domain")
        if dom is not None and dom.get("type"):
            sd.domain = _parse_domain(dom)
        elif dom is not None and (u := dom.find("uuid")) is not None:
            sd.domain_uuid = parse_uuid(_text(u))  # an older snapshot: only the domain's UUID
        inactive = root.find("inactiveDomain")
        if inactive is not None:
            sd.inactive_domain = _parse_domain(inactive)

    _parse_memory(root, sd, redefine, offline)

    disks = root.find("disks")
    if disks is not None:
        sd.disks = [_parse_disk(el, redefine) for el in disks.children if el.tag != "#text"]
    if redefine:
        revert = root.find("revertDisks")
        if revert is not None:
            sd.revert_disks = [_parse_disk(el, redefine) for el in revert.children if el.tag != "#text"]
        cookie = root.find("cookie")
        if cookie is not None and not offline:
            sd.cookie = _parse_cookie(cookie)

    branch = root.find("branch")
    if branch is not None:
        sd.branch = _parse_branch(branch)
    return sd


def _parse_domain(el: RawElement) -> DomainDef:
    """The parse half of virDomainDefParseNode (the model post-parses it)."""
    return parse_domain_tree(RawElement("domain", dict(el.attrs), el.text, list(el.children)))


def _parse_memory(root: RawElement, sd: SnapshotDef, redefine: bool, offline: bool) -> None:
    mem = root.find("memory")
    if mem is not None:
        sd.memory_file = mem.get("file")
        sd.memory = enum_attr(mem, "snapshot", _LOCATIONS)
        if sd.memory == "manual":
            raise _xml_error("'manual' memory snapshot mode not supported")
    if sd.memory is None:
        if sd.memory_file is not None:
            sd.memory = "external"
        elif redefine:
            sd.memory = "no" if offline else "internal"
    if sd.memory_file is not None and sd.memory != "external":
        raise _xml_error(f"memory filename '{sd.memory_file}' requires external snapshot")
    if sd.memory_file is None and sd.memory == "external":
        raise _xml_error("external memory snapshots require a filename")
    if offline and sd.memory not in (None, "no"):
        raise memory_needs_full_snapshot()
    if sd.memory_file is not None and not sd.memory_file.startswith("/"):
        raise _xml_error(f"memory snapshot file path ({sd.memory_file}) must be absolute")


def _parse_disk(el: RawElement, redefine: bool) -> SnapshotDisk:
    """virDomainSnapshotDiskDefParseXML."""
    name = el.get("name")
    if name is None:
        raise _internal("missing name from disk snapshot element")
    disk = SnapshotDisk(name=name)
    disk.snapshot = enum_attr(el, "snapshot", _LOCATIONS)
    stype = enum_attr(el, "type", _STORAGE_TYPES, "file") or "file"
    if stype in ("volume", "dir"):
        raise _xml_error(f"unsupported disk snapshot type '{stype}'")
    disk.type = stype
    if redefine:
        disk.delete_in_progress = el.find("snapshotDeleteInProgress") is not None
    src = el.find("source")
    if src is not None:
        _parse_source(src, disk)
    driver = el.find("driver")
    fmt = driver.get("type") if driver is not None else None
    if fmt:
        if fmt not in _FORMATS:
            raise _unsupported(f"unknown disk snapshot driver '{fmt}'")
        disk.driver_type = fmt
    if driver is not None and (cache := driver.find("metadata_cache")) is not None:
        if (size := cache.find("max_size")) is not None:
            disk.metadata_cache_max_size = _scaled(size, "./driver/metadata_cache/max_size") or None
    if disk.source is not None and stype in _PATH_ATTR and not disk.source.startswith("/"):
        raise _xml_error(f"disk snapshot image path '{disk.source}' must be absolute")
    if disk.snapshot is None and (disk.source is not None or disk.driver_type is not None):
        disk.snapshot = "external"
    return disk


def _parse_source(src: RawElement, disk: SnapshotDisk) -> None:
    """virDomainStorageSourceParse, as far as a snapshot's new image needs it."""
    stype = disk.type or "file"
    if stype in _PATH_ATTR:
        disk.source = src.get(_PATH_ATTR[stype]) or None  # a bogus '' means no source
    elif stype == "network":
        disk.source = src.get("name") or None
        disk.source_attrs = {k: v for k, v in src.attrs.items() if k != "name"}
    else:
        disk.source_attrs = dict(src.attrs)
    disk.source_extra = [c for c in src.children if c.tag != "#text"]


_SCALES = {"": 1, "b": 1, "byte": 1, "bytes": 1}


def _scaled(el: RawElement, path: str) -> int:
    """virParseScaledValue with scale 1: a byte count with an optional unit."""
    text = _text(el)
    if not _LLONG.match(text) or text.strip().startswith("-"):
        raise xml_errors.invalid_value(text, path)
    unit = (el.get("unit") or "").lower()
    if unit in _SCALES:
        scale = 1
    elif unit[:1] in "kmgtpe" and unit[1:] in ("", "ib", "b"):
        scale = (1000 if unit[1:] == "b" else 1024) ** ("kmgtpe".index(unit[0]) + 1)
    else:
        raise xml_errors.unknown_suffix(el.get("unit"))
    return int(text) * scale


def _parse_branch(el: RawElement) -> BranchRequest:
    """fakevirt's <branch current='yes|no' state='running|paused|inactive'>POINT</branch>."""
    point = _text(el)
    if not point.strip():
        raise _xml_error("missing branch point: element <branch> must name an existing snapshot")
    current = el.get("current", "no")
    if current not in ("yes", "no"):
        raise _xml_error(f"invalid value '{current}' for attribute 'current' of element <branch>: "
                         "expected 'yes' or 'no'")
    state = el.get("state")
    if state is not None and state not in _BRANCH_STATES:
        raise _xml_error(f"invalid value '{state}' for attribute 'state' of element <branch>: "
                         "expected 'running', 'paused' or 'inactive'")
    return BranchRequest(point=point, current=current == "yes", state=state)


# --- schema (VIR_DOMAIN_SNAPSHOT_PARSE_VALIDATE) --------------------------------------------

_TOP = ("name", "description", "state", "creationTime", "memory", "disks", "revertDisks", "active", "domain",
        "inactiveDomain", "parent", "cookie", "branch")
_TARGET_DEV = re.compile(r"^(ioemu:)?(fd|hd|sd|vd|xvd|ubd)[a-zA-Z0-9_]+$")
_ABS_PATH = re.compile(r"^(/|[a-zA-Z]:\\).+$")
_UUID = re.compile(r"^([a-fA-F0-9]{32}|[a-fA-F0-9]{8}-([a-fA-F0-9]{4}-){3}[a-fA-F0-9]{12})$")
_BACKING_FORMATS = ("cow", "qcow", "qcow2", "qed", "vmdk")
_SOURCE_CHILDREN = ("seclabel", "slices", "encryption", "reservations", "auth", "host", "snapshot",
                    "config", "initiator", "cookies", "readahead", "timeout", "ssl", "knownHosts",
                    "identity", "reconnect")


def _invalid(*lines: str) -> VirtError:
    return xml_errors.schema_invalid(SCHEMA, *lines)


def validate_snapshot(root: RawElement) -> None:
    """Raise VIR_ERR_XML_INVALID_SCHEMA where domainsnapshot.rng (plus <branch>) refuses the document.

    libxml2's RelaxNG validator names only the top-level element that failed inside the
    interleave; so do we.  The embedded domains get the domain schema's (partial) check.
    """
    for attr in root.attrs:
        if attr != "xmlns" and not attr.startswith("xmlns:"):  # namespace declarations are no attributes
            raise _invalid(f"Invalid attribute {attr} for element domainsnapshot")
    if root.text is not None and root.text.strip():
        raise _invalid(f"Element domainsnapshot has extra content: {root.text}")
    seen: set[str] = set()
    for child in root.children:
        if child.tag == "#text":
            if (child.text or "").strip():
                raise _invalid(f"Element domainsnapshot has extra content: {child.text}")
            continue
        if child.tag not in _TOP:
            raise _invalid(f"Element domainsnapshot has extra content: {child.tag}")
        if child.tag in seen or not _valid_top(child):
            raise _invalid(f"Extra element {child.tag} in interleave",
                           "Element domainsnapshot failed to validate content")
        seen.add(child.tag)


def _kids(el: RawElement) -> list[RawElement]:
    return [c for c in el.children if c.tag != "#text"]


def _plain_text(el: RawElement) -> bool:
    return not el.attrs and not _kids(el)


def _valid_top(el: RawElement) -> bool:
    tag = el.tag
    if tag in ("name", "description", "creationTime"):
        return _plain_text(el)
    if tag == "state":
        return _plain_text(el) and _text(el).strip() in STATES[1:] and _text(el).strip() != "pmsuspended"
    if tag == "active":
        return _plain_text(el) and _text(el).strip() in ("0", "1")
    if tag == "memory":
        return _valid_memory(el)
    if tag in ("disks", "revertDisks"):
        return el.text is None and all(c.tag == "disk" and _valid_disk(c) for c in el.children)
    if tag == "parent":
        kids = _kids(el)
        return not el.attrs and len(kids) == 1 and kids[0].tag == "name" and _plain_text(kids[0])
    if tag == "domain" and "type" not in el.attrs:
        kids = _kids(el)
        return (not el.attrs and len(kids) == 1 and kids[0].tag == "uuid" and _plain_text(kids[0])
                and bool(_UUID.match(_text(kids[0]).strip())))
    if tag in ("domain", "inactiveDomain"):
        try:
            validate_domain(RawElement("domain", dict(el.attrs), el.text, list(el.children)))
        except VirtError:
            return False
        return True
    if tag == "cookie":
        return not el.attrs and not (el.text or "").strip() and all(c.tag != "#text" for c in el.children)
    if tag == "branch":
        return (not _kids(el) and bool(_text(el).strip()) and set(el.attrs) <= {"current", "state"}
                and el.get("current", "no") in ("yes", "no") and el.get("state", "running") in _BRANCH_STATES)
    return False


def _valid_memory(el: RawElement) -> bool:
    if _kids(el) or (el.text or "").strip() or set(el.attrs) - {"snapshot", "file"}:
        return False
    mode, file = el.get("snapshot"), el.get("file")
    if mode in ("no", "internal"):
        return file is None
    return mode in (None, "external") and file is not None and bool(_ABS_PATH.match(file))


def _valid_disk(el: RawElement) -> bool:
    name = el.get("name")
    if name is None or not (_TARGET_DEV.match(name) or _ABS_PATH.match(name)):
        return False
    mode = el.get("snapshot")
    if mode in ("no", "internal", "manual"):
        return set(el.attrs) <= {"name", "snapshot"} and not _kids(el)
    if mode not in (None, "external") or set(el.attrs) - {"name", "snapshot", "type"}:
        return False
    stype = el.get("type", "file")
    if stype not in ("file", "block", "network"):
        return False
    seen: set[str] = set()
    for c in _kids(el):
        if c.tag in seen or c.tag not in ("source", "driver", "snapshotDeleteInProgress"):
            return False
        seen.add(c.tag)
        if c.tag == "driver" and not _valid_driver(c):
            return False
        if c.tag == "snapshotDeleteInProgress" and (c.attrs or _kids(c) or c.text):
            return False
        if c.tag == "source" and not _valid_source(c, stype):
            return False
    return True


def _valid_driver(el: RawElement) -> bool:
    if set(el.attrs) - {"type"} or el.get("type", "qcow2") not in _BACKING_FORMATS:
        return False
    return all(c.tag == "metadata_cache" and all(m.tag == "max_size" for m in _kids(c)) for c in _kids(el))


def _valid_source(el: RawElement, stype: str) -> bool:
    if any(c.tag not in _SOURCE_CHILDREN for c in _kids(el)):
        return False
    if stype == "file":
        return set(el.attrs) <= {"file", "index"} and bool(_ABS_PATH.match(el.attrs.get("file", "/x")))
    if stype == "block":
        return (set(el.attrs) <= {"dev", "index"} and el.get("dev") is not None
                and bool(_ABS_PATH.match(el.attrs.get("dev", ""))))
    return el.get("protocol") is not None


# --- formatting ------------------------------------------------------------------------------


def format_snapshot_xml(sd: SnapshotDef, *, secure: bool = False) -> str:
    """The document ``virsh snapshot-dumpxml`` prints (virDomainSnapshotDefFormat).

    Args:
        sd: the (aligned) definition; ``branch`` is never shown.
        secure: VIR_DOMAIN_SNAPSHOT_XML_SECURE: secrets in the saved domain definitions are shown.
    """
    out = ["<domainsnapshot>"]
    if sd.name is not None:
        out.append(f"  <name>{escape(sd.name)}</name>")
    if sd.description is not None:
        out.append(f"  <description>{escape(sd.description)}</description>")
    if sd.state is not None and sd.state != "nostate":
        out.append(f"  <state>{sd.state}</state>")
    if sd.parent is not None:
        out += ["  <parent>", f"    <name>{escape(sd.parent)}</name>", "  </parent>"]
    if sd.creation_time:
        out.append(f"  <creationTime>{sd.creation_time}</creationTime>")
    if sd.memory is not None:
        file = f" file='{escape(sd.memory_file)}'" if sd.memory_file is not None else ""
        out.append(f"  <memory snapshot='{sd.memory}'{file}/>")
    for tag, disks in (("disks", sd.disks), ("revertDisks", sd.revert_disks)):
        if disks:
            out.append(f"  <{tag}>")
            for disk in disks:
                out += _format_disk(disk, 4)
            out.append(f"  </{tag}>")
    if sd.domain is not None:
        out += _domain_lines(sd.domain, "domain", secure)
    elif sd.domain_uuid is not None:
        out += ["  <domain>", f"    <uuid>{sd.domain_uuid}</uuid>", "  </domain>"]
    if sd.inactive_domain is not None:
        out += _domain_lines(sd.inactive_domain, "inactiveDomain", secure)
    if sd.cookie is not None:
        out += _format_cookie(sd.cookie)
    out.append("</domainsnapshot>")
    return "\n".join(out) + "\n"


def _domain_lines(d: DomainDef, root: str, secure: bool) -> list[str]:
    """virDomainDefFormatInternalSetRootName with VIR_DOMAIN_DEF_FORMAT_INACTIVE (+ SECURE)."""
    lines = format_domain_xml(d, inactive=True, secure=secure).rstrip("\n").split("\n")
    if root != "domain":
        lines[0] = f"<{root}" + lines[0][len("<domain"):]
        lines[-1] = f"</{root}>"
    return ["  " + line for line in lines]


def _format_disk(disk: SnapshotDisk, indent: int) -> list[str]:
    """virDomainSnapshotDiskDefFormat."""
    pad = " " * indent
    attrs = f" name='{escape(disk.name)}'"
    if disk.snapshot is not None:
        attrs += f" snapshot='{disk.snapshot}'"
    body: list[str] = []
    if disk.delete_in_progress:
        body.append(f"{pad}  <snapshotDeleteInProgress/>")
    if disk.source is not None or disk.driver_type is not None:
        stype = disk.type or "file"
        attrs += f" type='{stype}'"
        fmt = f" type='{disk.driver_type}'" if disk.driver_type is not None else ""
        if disk.metadata_cache_max_size:
            body += [f"{pad}  <driver{fmt}>", f"{pad}    <metadata_cache>",
                     f"{pad}      <max_size unit='bytes'>{disk.metadata_cache_max_size}</max_size>",
                     f"{pad}    </metadata_cache>", f"{pad}  </driver>"]
        elif fmt:
            body.append(f"{pad}  <driver{fmt}/>")
        body += _format_source(disk, stype, indent + 2)
    if not body:
        return [f"{pad}<disk{attrs}/>"]
    return [f"{pad}<disk{attrs}>", *body, f"{pad}</disk>"]


def _format_source(disk: SnapshotDisk, stype: str, indent: int) -> list[str]:
    """virDomainDiskSourceFormat with no flags: nothing when there is nothing to say."""
    pad = " " * indent
    items: list[tuple[str, str]] = []
    if stype in _PATH_ATTR:
        if disk.source is not None:
            items.append((_PATH_ATTR[stype], disk.source))
        items += list(disk.source_attrs.items())
    elif stype == "network":
        if "protocol" in disk.source_attrs:
            items.append(("protocol", disk.source_attrs["protocol"]))
        if disk.source is not None:
            items.append(("name", disk.source))
        items += [(k, v) for k, v in disk.source_attrs.items() if k != "protocol"]
    else:
        items += list(disk.source_attrs.items())
    attrs = "".join(f" {k}='{escape(v)}'" for k, v in items)
    kids = [line for el in disk.source_extra for line in raw_lines(el, indent + 2)]
    if not attrs and not kids:
        return []
    if not kids:
        return [f"{pad}<source{attrs}/>"]
    return [f"{pad}<source{attrs}>", *kids, f"{pad}</source>"]


def _parse_cookie(el: RawElement) -> SaveCookie:
    """qemuDomainSaveCookieParse: the guest CPU and the slirp-helper mark; nothing else is kept."""
    cpu = el.find("cpu")
    return SaveCookie(cpu=parse_cpu(cpu) if cpu is not None else None, slirp_helper=el.find("slirpHelper") is not None)


def _format_cookie(cookie: SaveCookie) -> list[str]:
    body = format_cpu(cookie.cpu, 4) if cookie.cpu is not None else []
    if cookie.slirp_helper:
        body.append("    <slirpHelper/>")
    return ["  <cookie>", *body, "  </cookie>"] if body else []
