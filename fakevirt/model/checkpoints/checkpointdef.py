"""One checkpoint's definition (virDomainCheckpointDef) and its disk alignment
(virDomainCheckpointAlignDisks, virDomainCheckpointDefAssignBitmapNames)."""

from __future__ import annotations

from dataclasses import dataclass, field

from ...errors import checkpoint as err
from ..devices import Disk
from ..domaindef import DomainDef

TYPES = ("no", "bitmap")  # virDomainCheckpointType without "default"


@dataclass
class CheckpointDisk:
    name: str
    type: str | None = None  # None: "default" (not printed)
    bitmap: str | None = None
    size: int | None = None  # filled in for VIR_DOMAIN_CHECKPOINT_XML_SIZE only


@dataclass
class CheckpointDef:
    name: str | None = None
    description: str | None = None
    parent: str | None = None
    creation_time: int = 0  # 0 is not printed, as in libvirt
    disks: list[CheckpointDisk] = field(default_factory=list)
    domain: DomainDef | None = None

    def bitmap_disks(self) -> list[CheckpointDisk]:
        return [d for d in self.disks if d.type == "bitmap" and d.bitmap is not None]


def disk_by_name(domdef: DomainDef, name: str) -> Disk | None:
    """virDomainDiskByName: a target, or else a source path."""
    for disk in domdef.disks:
        if disk.target_dev == name:
            return disk
    for disk in domdef.disks:
        if disk.path is not None and disk.path == name:
            return disk
    return None


def _empty_or_readonly(disk: Disk) -> bool:
    return not disk.source or disk.readonly


def assign_bitmap_names(cd: CheckpointDef) -> None:
    for disk in cd.disks:
        if disk.type == "bitmap" and disk.bitmap is None:
            disk.bitmap = cd.name


def align_disks(cd: CheckpointDef) -> None:
    """One entry per domain disk in domain order; without <disks> every writable disk gets a bitmap."""
    domdef = cd.domain
    if domdef is None:
        raise err.conf_unsupported("missing domain in checkpoint")
    if len(cd.disks) > len(domdef.disks):
        raise err.conf_unsupported("too many disk checkpoint requests for domain")
    if not domdef.disks:
        raise err.conf_unsupported("domain must have at least one disk to perform checkpoints")
    default = "bitmap" if not cd.disks else "no"
    requested: dict[str, CheckpointDisk] = {}
    for disk in cd.disks:
        dom_disk = disk_by_name(domdef, disk.name)
        if dom_disk is None:
            raise err.conf_unsupported(f"no disk named '{disk.name}'")
        if dom_disk.target_dev in requested:
            raise err.conf_unsupported(f"disk '{disk.name}' specified twice")
        requested[dom_disk.target_dev] = disk
        if _empty_or_readonly(dom_disk) and disk.type != "no":
            raise err.conf_unsupported(f"disk '{disk.name}' is empty or readonly")
        disk.name = dom_disk.target_dev
    aligned: list[CheckpointDisk] = []
    for dom_disk in domdef.disks:
        have = requested.get(dom_disk.target_dev)
        if have is not None:
            if have.type is None:
                have.type = "bitmap"  # the parser's default for a listed disk
            aligned.append(have)
        else:
            aligned.append(CheckpointDisk(dom_disk.target_dev,
                                          "no" if _empty_or_readonly(dom_disk) else default))
    cd.disks = aligned
    assign_bitmap_names(cd)
