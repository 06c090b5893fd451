"""virDomainSnapshot*Flags (libvirt-domain-snapshot.h), with fakevirt's BRANCH, DISCARD and MERGE bits.

``X_ALL`` is every bit of a flag enum.  Never test ``flags & ~Member``: an
``IntFlag``'s ``~`` stays inside the enum's own bits, so it would hide unknown bits.
"""

from __future__ import annotations

from enum import IntFlag

from . import all_of


class DomainSnapshotCreateFlags(IntFlag):
    REDEFINE = 1 << 0
    CURRENT = 1 << 1
    NO_METADATA = 1 << 2
    HALT = 1 << 3
    DISK_ONLY = 1 << 4
    REUSE_EXT = 1 << 5
    QUIESCE = 1 << 6
    ATOMIC = 1 << 7
    LIVE = 1 << 8
    VALIDATE = 1 << 9
    # fakevirt's extension: bits 9 and 10 are (or will be) upstream's, so the top bit is used
    BRANCH = 1 << 31


class DomainSnapshotXMLFlags(IntFlag):
    SECURE = 1 << 0


class DomainSnapshotRevertFlags(IntFlag):
    RUNNING = 1 << 0
    PAUSED = 1 << 1
    FORCE = 1 << 2
    RESET_NVRAM = 1 << 3
    # fakevirt's extensions (the branching RFC's options 1 and 2, see snapshots/revert_options.py)
    DISCARD = 1 << 30  # option 1: drop the snapshots and overlays the revert invalidates
    MERGE = 1 << 31  # option 2: commit the changes since the snapshot, then revert


class DomainSnapshotDeleteFlags(IntFlag):
    CHILDREN = 1 << 0
    METADATA_ONLY = 1 << 1
    CHILDREN_ONLY = 1 << 2


class DomainSnapshotListFlags(IntFlag):
    ROOTS = 1 << 0
    DESCENDANTS = 1 << 0  # the same bit: ROOTS for a domain, DESCENDANTS for a snapshot
    METADATA = 1 << 1
    LEAVES = 1 << 2
    NO_LEAVES = 1 << 3
    NO_METADATA = 1 << 4
    INACTIVE = 1 << 5
    ACTIVE = 1 << 6
    DISK_ONLY = 1 << 7
    INTERNAL = 1 << 8
    EXTERNAL = 1 << 9
    TOPOLOGICAL = 1 << 10


CREATE_ALL = all_of(DomainSnapshotCreateFlags)
REVERT_ALL = all_of(DomainSnapshotRevertFlags)
DELETE_ALL = all_of(DomainSnapshotDeleteFlags)

_L = DomainSnapshotListFlags
FILTERS_METADATA = _L.METADATA | _L.NO_METADATA
FILTERS_LEAVES = _L.LEAVES | _L.NO_LEAVES
FILTERS_STATUS = _L.INACTIVE | _L.ACTIVE | _L.DISK_ONLY
FILTERS_LOCATION = _L.INTERNAL | _L.EXTERNAL
FILTERS_ALL = FILTERS_METADATA | FILTERS_LEAVES | FILTERS_STATUS | FILTERS_LOCATION

_PREFIXES: dict[type[IntFlag], str] = {
    DomainSnapshotCreateFlags: "VIR_DOMAIN_SNAPSHOT_CREATE_", DomainSnapshotRevertFlags: "VIR_DOMAIN_SNAPSHOT_REVERT_",
    DomainSnapshotDeleteFlags: "VIR_DOMAIN_SNAPSHOT_DELETE_", DomainSnapshotListFlags: "VIR_DOMAIN_SNAPSHOT_LIST_",
    DomainSnapshotXMLFlags: "VIR_DOMAIN_SNAPSHOT_XML_",
}


def libvirt_name(flag: IntFlag) -> str:
    """The C name of one flag, as libvirt's messages spell it (VIR_DOMAIN_SNAPSHOT_CREATE_HALT)."""
    return _PREFIXES[type(flag)] + str(flag.name)
