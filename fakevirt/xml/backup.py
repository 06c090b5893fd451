"""<domainbackup> documents (virDomainBackupDefParseString / virDomainBackupDefFormat).

libvirtd validates them against domainbackup.rng first; the checks below give libxml2's messages
for the mistakes a client makes most (a bad mode, an unknown element, a disk or server outside the
schema), not a whole RelaxNG validator.
"""

from __future__ import annotations

from ..errors import ErrorDomain
from ..errors import xml as xml_errors
from ..model.backup.definition import BackupDef, BackupDisk, BackupServer
from ..model.devices import RawElement
from .fmt import escape
from .parser import parse_xml

URL = "(domain_backup)"
SCHEMA = "/usr/share/libvirt/schemas/domainbackup.rng"
_FORMATS = {"raw", "qcow2", "qcow", "qed", "vmdk", "vpc", "vdi", "dmg", "bochs", "cloop", "cow",
            "iso", "ploop", "vhdx", "luks", "fat", "dir"}


def _invalid(*lines: str) -> Exception:
    return xml_errors.schema_invalid(SCHEMA, *lines)


def _disk_valid(el: RawElement, pull: bool) -> bool:
    a = el.attrs
    if el.tag != "disk" or not a.get("name"):
        return False
    if a.get("backupmode") not in (None, "full", "incremental"):
        return False
    if a.get("backupmode") == "full" and "incremental" in a:
        return False
    if a.get("backup") == "no":
        return not el.children and set(a) <= {"name", "backup", "backupmode", "incremental",
                                               "exportname", "exportbitmap"}
    if a.get("backup") not in (None, "yes"):
        return False
    kind = a.get("type")
    if kind not in (("file", "block", None) if pull else ("file", "block")):
        return False
    where = "scratch" if pull else "target"
    for child in el.children:
        if child.tag == "driver":
            fmt = child.attrs.get("type")
            if fmt != "qcow2" and (pull or fmt not in _FORMATS):
                return False
        elif child.tag == where:
            path = child.attrs.get("dev" if kind == "block" else "file", "")
            if not path.startswith("/"):
                return False
        else:
            return False
    return True


def _server_valid(el: RawElement) -> bool:
    a = el.attrs
    if a.get("tls") not in (None, "yes", "no"):
        return False
    if a.get("transport") == "unix":
        return a.get("socket", "").startswith("/") and set(a) <= {"transport", "socket", "tls"}
    if a.get("transport") not in (None, "tcp") or not a.get("name"):
        return False
    return a.get("port", "0").isdigit() and set(a) <= {"transport", "name", "port", "tls"}


def _validate(root: RawElement) -> None:
    mode = root.attrs.get("mode")
    if mode not in (None, "push", "pull") or set(root.attrs) - {"mode"}:
        raise _invalid("Invalid attribute mode for element domainbackup")
    for child in root.children:
        if child.tag not in ("incremental", "disks", "server"):
            raise _invalid(f"Element domainbackup has extra content: {child.tag}")
    server = root.find("server")
    if server is not None and (mode != "pull" or not _server_valid(server)):
        raise _invalid("Extra element server in interleave", "Element domainbackup failed to validate content")
    disks = root.find("disks")
    if disks is not None and (not disks.children
                              or not all(_disk_valid(d, mode == "pull") for d in disks.children)):
        raise _invalid("Extra element disks in interleave", "Element domainbackup failed to validate content")
    if mode == "pull" and server is None:
        raise _invalid("Expecting an element server, got nothing",
                       "Element domainbackup failed to validate content")


def parse_backup_xml(xml: str) -> BackupDef:
    """Parse and validate a <domainbackup> document as libvirtd's qemuBackupBegin does."""
    root = parse_xml(xml, URL, ErrorDomain.DOMAIN)
    if root.tag != "domainbackup":
        raise xml_errors.wrong_root("domainbackup", root.tag)
    _validate(root)
    out = BackupDef(mode=root.attrs.get("mode", "push"))
    inc = root.find("incremental")
    out.incremental = (inc.text or "") if inc is not None else None
    server = root.find("server")
    if server is not None:
        a = server.attrs
        out.server = BackupServer(transport=a.get("transport", "tcp"), name=a.get("name"),
                                  port=int(a["port"]) if a.get("port") else None, socket=a.get("socket"),
                                  tls=None if "tls" not in a else a["tls"] == "yes")
    disks = root.find("disks")
    for el in disks.children if disks is not None else []:
        out.disks.append(_parse_disk(el, out.pull))
    return out


def _parse_disk(el: RawElement, pull: bool) -> BackupDisk:
    a = el.attrs
    disk = BackupDisk(name=a["name"], backup=a.get("backup") != "no")
    if not disk.backup:
        return disk
    if pull:
        disk.exportname, disk.exportbitmap = a.get("exportname"), a.get("exportbitmap")
    disk.backupmode, disk.incremental = a.get("backupmode"), a.get("incremental")
    disk.type = a.get("type", "file")
    driver = el.find("driver")
    disk.format = driver.attrs.get("type") if driver is not None else None
    src = el.find("scratch" if pull else "target")
    if src is not None:
        disk.store = src.attrs.get("dev" if disk.type == "block" else "file")
    return disk


def format_backup_xml(d: BackupDef) -> str:
    """virDomainBackupDefFormat (not the internal status form)."""
    out = [f"<domainbackup mode='{d.mode}'>\n"]
    if d.incremental is not None:
        out.append(f"  <incremental>{escape(d.incremental)}</incremental>\n")
    s = d.server
    if s is not None:
        attrs = f" transport='{s.transport}'"
        if s.tls is not None:
            attrs += f" tls='{'yes' if s.tls else 'no'}'"
        attrs += "".join(f" {k}='{escape(v)}'" for k, v in (("name", s.name),) if v is not None)
        attrs += f" port='{s.port}'" if s.port else ""
        attrs += f" socket='{escape(s.socket)}'" if s.socket is not None else ""
        out.append(f"  <server{attrs}/>\n")
    if d.disks:
        out.append("  <disks>\n")
        out += [_format_disk(disk, d.pull) for disk in d.disks]
        out.append("  </disks>\n")
    out.append("</domainbackup>\n")
    return "".join(out)


def _format_disk(disk: BackupDisk, pull: bool) -> str:
    attrs = f" name='{escape(disk.name)}' backup='{'yes' if disk.backup else 'no'}'"
    if not disk.backup:
        return f"    <disk{attrs}/>\n"
    attrs += f" type='{disk.type}'"
    attrs += f" backupmode='{disk.backupmode}'" if disk.backupmode else ""
    for name in ("incremental", "exportname", "exportbitmap"):
        value = getattr(disk, name)
        attrs += f" {name}='{escape(value)}'" if value is not None else ""
    attrs += f" index='{disk.index}'" if disk.index else ""
    children = f"      <driver type='{disk.format}'/>\n" if disk.format else ""
    if disk.store is not None:
        children += f"      <{'scratch' if pull else 'target'} {'dev' if disk.type == 'block' else 'file'}='{escape(disk.store)}'/>\n"
    if not children:
        return f"    <disk{attrs}/>\n"
    return f"    <disk{attrs}>\n{children}    </disk>\n"
