"""Storage pool and volume XML: parsed as ``src/conf/storage_conf.c`` does, formatted like libvirt 9.0."""

from __future__ import annotations

import uuid as uuidlib

from ..errors import ErrorDomain, VirtError
from ..errors import storage as err
from ..errors import xml as xml_errors
from ..errors.storage import unknown_vol_format, unknown_vol_type, xml_error
from ..model.devices import RawElement
from ..model.storage import StorageState
from ..model.storage_defs import (
    ENCRYPTION_FORMATS,
    POOL_TYPES,
    Perms,
    Pool,
    PoolDef,
    VolDef,
    VolEncryption,
    Volume,
    sanitize_path,
)
from .domain_parse import parse_uuid
from .fmt import escape
from .parser import parse_xml

STORAGE = ErrorDomain.STORAGE
_UNITS = {"": 1, "b": 1, "byte": 1, "bytes": 1}
for _i, _p in enumerate("kmgtpe", start=1):
    _UNITS[_p] = _UNITS[f"{_p}ib"] = 1024 ** _i
    _UNITS[f"{_p}b"] = 1000 ** _i
ULLONG_MAX = (1 << 64) - 1
LLONG_MAX = (1 << 63) - 1


def _text(root: RawElement, *path: str) -> str | None:
    node: RawElement | None = root
    for tag in path:
        node = node.find(tag) if node is not None else None
    if node is None:
        return None
    return node.text or ""


def _attr(root: RawElement, attr: str, *path: str) -> str | None:
    node: RawElement | None = root
    for tag in path:
        node = node.find(tag) if node is not None else None
    return None if node is None else node.get(attr)


def scale(value: str, unit: str | None, what: str) -> int:
    """virStorageSize: an unsigned long long with an optional unit suffix, scaled to at most
    LLONG_MAX (virScaleInteger, which reports from no particular domain)."""
    try:
        n = int(value.strip(), 10)
        if not 0 <= n <= ULLONG_MAX:
            raise ValueError
    except ValueError:
        raise xml_error(f"malformed {what} element") from None
    factor = _UNITS.get((unit or "").lower())
    if factor is None:
        raise xml_errors.unknown_suffix(unit)
    if n > LLONG_MAX // factor:
        raise xml_errors.value_too_large(f"{value}{unit or ''}")
    return n * factor


def _perms(root: RawElement, *path: str) -> Perms | None:
    node: RawElement | None = root
    for tag in path:
        node = node.find(tag) if node is not None else None
    if node is None:
        return None
    out = Perms(-1, -1, -1)
    mode = _text(node, "mode")
    if mode is not None:
        try:
            out.mode = int(mode, 8)
            if not 0 <= out.mode <= 0o777:
                raise ValueError
        except ValueError:
            raise xml_error("malformed octal mode") from None
    for name in ("owner", "group"):
        v = _text(node, name)
        if v is not None:
            try:
                setattr(out, name, int(v))
            except ValueError:
                raise xml_error(f"malformed {name} element") from None
    return out


def _root(text: str, url: str, tag: str) -> RawElement:
    root = parse_xml(text, url, STORAGE)
    if root.tag != tag:
        raise xml_errors.wrong_root(tag, root.tag)
    return root


def parse_pool_xml(text: str) -> PoolDef:
    """virStoragePoolDefParseString for the parts a dir pool uses."""
    root = _root(text, "(storage_pool_definition)", "pool")
    ptype = root.get("type")
    if ptype is None:
        raise xml_error("Missing required attribute 'type' in element 'pool'")
    if ptype not in POOL_TYPES:
        raise xml_error(f"Invalid value for attribute 'type' in element 'pool': '{ptype}'.")
    name = _text(root, "name")
    if not name:
        raise xml_error("missing pool source name element")
    if "/" in name:
        raise xml_error(f"name {name} cannot contain '/'")
    uuid_text = _text(root, "uuid")
    uuid = None
    if uuid_text is not None:
        try:
            uuid = uuidlib.UUID(uuid_text.strip())
        except ValueError:
            raise xml_error("malformed uuid element") from None
    target = _text(root, "target", "path")
    if not target:
        raise xml_error("missing storage pool target path")
    return PoolDef(name, uuid, sanitize_path(target.strip()), ptype, _perms(root, "target", "permissions"))


def parse_vol_xml(text: str, *, need_capacity: bool = True) -> VolDef:
    """virStorageVolDefParseString for a volume of a dir pool (a clone's may omit the capacity:
    VIR_VOL_XML_PARSE_NO_CAPACITY)."""
    root = _root(text, "(storage_volume_definition)", "volume")
    name = _text(root, "name")
    if name is None:
        raise xml_error("missing volume name element")
    vtype = root.get("type")
    if vtype is not None and vtype not in ("file", "block", "dir", "network", "netdir", "ploop"):
        raise unknown_vol_type(vtype)
    backing = _text(root, "backingStore", "path")
    bfmt = None
    if backing is not None:
        bfmt = _format(_attr(root, "type", "backingStore", "format"))
    cap = _text(root, "capacity")
    capacity = None
    if cap is not None:
        capacity = scale(cap, _attr(root, "unit", "capacity"), "capacity")
    elif backing is None and need_capacity:
        raise xml_error("missing capacity element")
    alloc = _text(root, "allocation")
    allocation = None if alloc is None else scale(alloc, _attr(root, "unit", "allocation"), "allocation")
    fmt = _format(_attr(root, "type", "target", "format"))
    target = root.find("target")
    enc = target.find("encryption") if target is not None else None
    return VolDef(name, capacity, allocation, fmt, backing, bfmt, _perms(root, "target", "permissions"),
                  None if enc is None else parse_encryption(enc), _text(root, "target", "compat"))


def parse_encryption(node: RawElement) -> VolEncryption:
    """virStorageEncryptionParseNode (the cipher and ivgen details are not kept)."""
    fmt = node.get("format")
    if not fmt:
        raise xml_error("unknown volume encryption format")
    if fmt not in ENCRYPTION_FORMATS:
        raise err.unknown_encryption_format(fmt)
    engine = node.get("engine")
    if engine is not None and engine not in ("qemu", "librbd"):
        raise xml_errors.invalid_attribute("engine", "encryption", engine)
    enc = VolEncryption(fmt, engine)
    for secret in node.findall("secret"):
        stype = secret.get("type")
        if not stype:
            raise xml_error("unknown volume encryption secret type")
        if stype != "passphrase":
            raise err.unknown_encryption_secret_type(stype)
        enc.secrets.append((stype, _secret_lookup(secret)))
    return enc


def _secret_lookup(secret: RawElement) -> uuidlib.UUID | str:
    """virSecretLookupParseSecret (util/, from no particular domain): a uuid or a usage attribute."""

    xml_error = err.secret_lookup_xml

    uuid_text, usage = secret.get("uuid"), secret.get("usage")
    if uuid_text is None and usage is None:
        raise xml_error("missing secret uuid or usage attribute")
    if uuid_text is not None and usage is not None:
        raise xml_error("either secret uuid or usage expected")
    if uuid_text is None:
        assert usage is not None
        return usage
    parsed = parse_uuid(uuid_text)
    if parsed is None:
        raise xml_error(f"invalid secret uuid '{uuid_text}'")
    return parsed


def format_encryption(enc: VolEncryption, indent: str) -> list[str]:
    """virStorageEncryptionFormat."""
    engine = f" engine='{enc.engine}'" if enc.engine else ""
    lines = [f"{indent}<encryption format='{enc.format}'{engine}>"]
    for stype, ref in enc.secrets:
        attr = "uuid" if isinstance(ref, uuidlib.UUID) else "usage"
        lines.append(f"{indent}  <secret type='{stype}' {attr}='{escape(str(ref))}'/>")
    return [*lines, f"{indent}</encryption>"]


_FILE_FORMATS = ("none", "raw", "dir", "bochs", "cloop", "dmg", "iso", "vpc", "vdi", "fat", "vhd", "ploop",
                 "cow", "qcow", "qcow2", "qed", "vmdk")


def _format(fmt: str | None) -> str | None:
    if fmt is None:
        return None
    if fmt not in _FILE_FORMATS or fmt == "none":  # virStorageFileFormatTypeFromString() <= 0
        raise unknown_vol_format(fmt)
    return fmt


def _perm_lines(p: Perms, indent: str) -> list[str]:
    return [f"{indent}<permissions>", f"{indent}  <mode>0{p.mode:o}</mode>",
            f"{indent}  <owner>{p.owner}</owner>", f"{indent}  <group>{p.group}</group>",
            f"{indent}</permissions>"]


def _stamp(name: str, t: float) -> str:
    """virStorageVolTimestampFormat: seconds, and nanoseconds when there are any."""
    ns = round(t * 1_000_000_000)
    sec, nsec = divmod(ns, 1_000_000_000)
    return f"<{name}>{sec}.{nsec:09d}</{name}>" if nsec else f"<{name}>{sec}</{name}>"


def _time_lines(vol: Volume, indent: str) -> list[str]:
    return [f"{indent}<timestamps>", f"{indent}  {_stamp('atime', vol.atime)}", f"{indent}  {_stamp('mtime', vol.mtime)}",
            f"{indent}  {_stamp('ctime', vol.ctime)}", f"{indent}  <btime>0</btime>", f"{indent}</timestamps>"]


def format_pool_xml(state: StorageState, pool: Pool, inactive: bool = False) -> str:
    """virStoragePoolDefFormat of the live (or, with INACTIVE, the pending) definition."""
    d = pool.new_config if inactive and pool.new_config is not None else pool.config
    cap, alloc, avail = pool.stats
    lines = [f"<pool type='{d.type}'>", f"  <name>{escape(d.name)}</name>", f"  <uuid>{d.uuid}</uuid>",
             f"  <capacity unit='bytes'>{cap}</capacity>", f"  <allocation unit='bytes'>{alloc}</allocation>",
             f"  <available unit='bytes'>{avail}</available>", "  <source>", "  </source>", "  <target>",
             f"    <path>{escape(d.target)}</path>"]
    perms = pool.target_perms if d is pool.config else None
    if perms is not None:
        lines += _perm_lines(perms, "    ")
    lines += ["  </target>", "</pool>"]
    return "\n".join(lines) + "\n"


def format_vol_xml(state: StorageState, vol: Volume) -> str:
    """virStorageVolDefFormat for a file volume and its immediate backing store."""
    img = state.image(vol)
    fmt = vol.declared_format or img.format
    kind = "dir" if fmt == "dir" else "file"
    physical = [] if kind == "dir" else [f"  <physical unit='bytes'>{state.physical(vol)}</physical>"]
    lines = [f"<volume type='{kind}'>", f"  <name>{escape(vol.name)}</name>", f"  <key>{escape(vol.key)}</key>",
             f"  <capacity unit='bytes'>{img.virtual_size}</capacity>",
             f"  <allocation unit='bytes'>{state.allocation(vol)}</allocation>", *physical, "  <target>",
             f"    <path>{escape(vol.path)}</path>", f"    <format type='{fmt}'/>",
             *_perm_lines(vol.perms, "    "), *_time_lines(vol, "    "),
             *(format_encryption(vol.encryption, "    ") if vol.encryption is not None else ()), "  </target>"]
    bpath = state.images.backing_path(img)
    if bpath is not None:
        bfmt = img.backing_format
        if bfmt is None and state.images.exists(bpath):
            bfmt = state.images.open(bpath).format
        lines += ["  <backingStore>", f"    <path>{escape(bpath)}</path>"]
        if bfmt is not None:
            lines.append(f"    <format type='{bfmt}'/>")
        if state.images.exists(bpath):
            try:
                bvol: Volume | None = state.vol_by_path(bpath)
            except VirtError:
                bvol = None
            lines += _perm_lines(bvol.perms if bvol is not None else Perms(), "    ")
            if bvol is not None:
                lines += _time_lines(bvol, "    ")
        lines.append("  </backingStore>")
    lines.append("</volume>")
    return "\n".join(lines) + "\n"
