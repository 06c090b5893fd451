"""A snapshot's definition (virDomainSnapshotDef): plain data, no XML.

``fakevirt.xml.snapshot`` parses and formats it; the model fills in what the daemon decides
(name, state, creation time, parent, disk alignment, the saved domain definitions).
"""

from __future__ import annotations

import copy
import uuid
from dataclasses import dataclass, field
from typing import ClassVar

from ..devices import RawElement, image_path
from ..domaindef import CpuDef, DomainDef, normalize
from ..host import HostInfo
from ..ids import IdGenerator

# virDomainSnapshotState names as the XML spells them (virDomainState + disk-snapshot)
STATES = ("nostate", "running", "blocked", "paused", "shutdown", "shutoff", "crashed", "pmsuspended",
          "disk-snapshot")
MEMORY_MODES = ("no", "internal", "external", "manual")
DISK_MODES = ("no", "internal", "external", "manual")


@dataclass
class SnapshotDisk:
    """One <disks>/<disk> (virDomainSnapshotDiskDef)."""

    name: str  # target dev ("vda") after alignment; as given (maybe a source path) before
    snapshot: str | None = None  # DISK_MODES; None: not said (the domain's or the driver's default)
    type: str | None = None  # file | block | network, for external disks with a source
    source: str | None = None  # the new overlay's path (file) or device (block)
    driver_type: str | None = None  # the overlay's format: qcow2 (default) or qed
    source_extra: list[RawElement] = field(default_factory=list)  # seclabels etc., kept verbatim
    source_attrs: dict[str, str] = field(default_factory=dict)  # network: protocol (name is source)
    metadata_cache_max_size: int | None = None  # <driver><metadata_cache><max_size> in bytes
    delete_in_progress: bool = False  # <snapshotDeleteInProgress/> (redefine only)

    @property
    def image_path(self) -> str | None:
        """The overlay's path as the image store names it."""
        return image_path(self.source)


@dataclass
class BranchRequest:
    """<branch current='yes|no' state='running|paused|inactive'>POINT</branch> (input only).

    fakevirt's extension: create the snapshot from the branch point's state, not the domain's.
    """

    point: str
    current: bool = False
    state: str | None = None  # running | paused | inactive; None: the branch point's


@dataclass
class SaveCookie:
    """<cookie> (qemuDomainSaveCookie): the CPU the guest really ran on, QEMU's slirp-helper support."""

    cpu: CpuDef | None = None
    slirp_helper: bool = False


@dataclass
class SnapshotDef:
    """Everything ``<domainsnapshot>`` says; None means the element was absent."""

    name: str | None = None
    description: str | None = None
    state: str | None = None  # STATES
    creation_time: int | None = None
    parent: str | None = None
    memory: str | None = None  # MEMORY_MODES
    memory_file: str | None = None
    disks: list[SnapshotDisk] = field(default_factory=list)
    revert_disks: list[SnapshotDisk] = field(default_factory=list)
    domain: DomainDef | None = None  # the domain as it was (its live definition when running)
    domain_uuid: uuid.UUID | None = None  # legacy <domain><uuid>…</uuid></domain> without a definition
    inactive_domain: DomainDef | None = None  # the persistent config of a running domain
    cookie: SaveCookie | None = None
    branch: BranchRequest | None = None  # input only, never formatted
    # states keep these pickled in a loaded host until read (model/statepickle.py): this object alone holds them
    state_lazy: ClassVar[tuple[str, ...]] = ("domain", "inactive_domain")

    def copy(self) -> SnapshotDef:
        return copy.deepcopy(self)

    @property
    def is_external(self) -> bool:
        """virDomainSnapshotDefIsExternal: external memory or any external disk."""
        return self.memory == "external" or any(d.snapshot == "external" for d in self.disks)

    def disk(self, name: str) -> SnapshotDisk | None:
        return next((d for d in self.disks if d.name == name), None)


def complete_embedded_domains(sd: SnapshotDef, rng: IdGenerator, host: HostInfo) -> None:
    """The <domain> and <inactiveDomain> of a parsed (redefined) snapshot, finished as
    virDomainDefParseNode with PARSE_INACTIVE | PARSE_SKIP_VALIDATE does: post-parse, no validation."""
    if sd.domain is not None:
        sd.domain = normalize(sd.domain, rng, host, validate=False)
    if sd.inactive_domain is not None:
        sd.inactive_domain = normalize(sd.inactive_domain, rng, host, validate=False)
