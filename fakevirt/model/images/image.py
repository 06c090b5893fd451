"""One disk image: sparse clusters, an optional backing pointer, internal snapshots.

A stored cluster is an immutable ``bytes`` of at most ``cluster_size`` bytes whose missing tail
reads as zeros, so ``b""`` is qcow2's "reads as zero" cluster and a copy of the cluster map (an
internal snapshot, a converted image) shares every buffer.  Zero clusters are kept as runs (see
clusters.py).  An unallocated cluster reads from the backing chain, or zeros.
"""

from __future__ import annotations

import posixpath
from collections.abc import Iterator
from dataclasses import dataclass, field

from .bitmaps import Bitmap
from .clusters import ClusterMap

FORMATS = ("qcow2", "raw")
DEFAULT_CLUSTER_SIZE = 65536
RAW_CHUNK = 65536  # raw images are kept sparse in chunks of this size
SECTOR = 512
MIN_CLUSTER, MAX_CLUSTER = 512, 2 * 1024 * 1024
QCOW2_HEADER_CLUSTERS = 3  # header, refcount table, first refcount block
FS_BLOCK = 4096  # what a sparse raw file allocates per written block
# The one synthetic filesystem every image lives on: ext4 with 4 KiB blocks, as on libvirt's hosts.
FS_MAX_FILE_SIZE = (1 << 44) - FS_BLOCK  # the largest file it holds (16 TiB - 4 KiB)
NAME_MAX = 255  # bytes in one file name
QCOW_MAX_L1_SIZE = 32 * 1024 * 1024  # bytes: QEMU's bound on a qcow2 L1 table


def qcow2_max_size(cluster_size: int) -> int:
    """The largest virtual size QEMU's qcow2 driver accepts (2^51 with 64 KiB clusters)."""
    return QCOW_MAX_L1_SIZE // 8 * (cluster_size * (cluster_size // 8))


def max_size(fmt: str, cluster_size: int) -> int:
    """The largest image of ``fmt``: a raw file is bounded by the filesystem, qcow2 by its L1."""
    return qcow2_max_size(cluster_size) if fmt == "qcow2" else FS_MAX_FILE_SIZE


def round_up(n: int, to: int) -> int:
    return -(-n // to) * to


def resolve(child: str, backing: str) -> str:
    """Where a backing name recorded in image ``child`` points (relative to its directory)."""
    return posixpath.normpath(posixpath.join(posixpath.dirname(child), backing))


def valid_cluster_size(cs: int) -> bool:
    return MIN_CLUSTER <= cs <= MAX_CLUSTER and cs & (cs - 1) == 0


@dataclass(eq=False, slots=True)
class InternalSnapshot:
    """A qcow2 snapshot table entry plus the image's own clusters as they were."""

    id: str
    name: str
    date_sec: int
    date_nsec: int
    vm_state_size: int
    vm_clock_ns: int
    virtual_size: int
    clusters: ClusterMap = field(repr=False)
    icount: int | None = None

    def as_json(self) -> dict[str, object]:
        """The entry as ``qemu-img info --output=json`` lists it."""
        out: dict[str, object] = {
            "id": self.id, "name": self.name, "vm-state-size": self.vm_state_size,
            "date-sec": self.date_sec, "date-nsec": self.date_nsec,
            "vm-clock-sec": self.vm_clock_ns // 1_000_000_000,
            "vm-clock-nsec": self.vm_clock_ns % 1_000_000_000,
        }
        if self.icount is not None:
            out["icount"] = self.icount
        return out


@dataclass(eq=False, slots=True)
class FileCopy:
    """The bytes of an image's file as written from outside, valid while ``key`` still matches."""

    raw: Image
    key: tuple[object, ...]
    allocation: int | None = None  # the file's blocks on disk, when not just its non-zero chunks


@dataclass(eq=False, slots=True)
class Image:
    """A qcow2 or raw image in the emulator's virtual filesystem.

    ``backing`` is the name recorded in the header, relative names being relative to the
    image's directory; it may name nothing (a dangling chain fails when opened, as in QEMU).
    """

    path: str
    format: str
    virtual_size: int
    cluster_size: int = DEFAULT_CLUSTER_SIZE
    backing: str | None = None
    backing_format: str | None = None
    clusters: ClusterMap = field(default_factory=ClusterMap, repr=False)
    snapshots: list[InternalSnapshot] = field(default_factory=list, repr=False)
    bitmaps: dict[str, Bitmap] = field(default_factory=dict, repr=False)  # persistent, by name
    compat_v2: bool = False  # qcow2 compat=0.10 (libvirt's vol-create): it cannot store dirty bitmaps
    backing_only_named: bool = False  # a backup's scratch/target: its backing file may change under it
    # The file's own bytes when they came from outside (an upload): a raw image of the file and
    # what the image held then; see formats.py.  Formats the model does not interpret keep only this.
    file: FileCopy | None = field(default=None, repr=False)

    @property
    def capacity(self) -> int:
        return self.virtual_size

    @property
    def allocation(self) -> int:
        """Bytes the image would take on disk: qcow2 metadata plus clusters, or raw blocks."""
        known = self.clusters.host_file()
        if known is not None:
            return known[1] if self.format == "raw" else known[0]
        if self.format == "raw":
            return sum(round_up(len(b), FS_BLOCK) for b in self.clusters.data.values())
        return qcow2_allocation(self)

    def own_extent(self, idx: int) -> tuple[int, int]:
        """The guest byte range cluster ``idx`` covers, clipped to the virtual size."""
        start = idx * self.cluster_size
        return start, min(start + self.cluster_size, self.virtual_size)

    def clusters_in(self, offset: int, length: int) -> range:
        cs = self.cluster_size
        return range(offset // cs, -(-(offset + length) // cs))

    def drop_beyond(self, size: int) -> None:
        """Forget data past ``size`` (a shrink), zeroing the tail of the last cluster."""
        cs = self.cluster_size
        last = size // cs
        tail = self.clusters.get(last) if size % cs else None
        self.clusters.discard(last)
        if tail is not None:
            self.clusters.set(last, tail[: size % cs].rstrip(b"\0"))

    def next_snapshot_id(self) -> str:
        """qcow2 find_new_snapshot_id(): one more than the largest numeric ID."""
        ids = [int(s.id) for s in self.snapshots if s.id.isdigit()]
        return str(max(ids, default=0) + 1)


def _l1_bytes(size: int, cs: int) -> int:
    per_l2 = cs * (cs // 8)
    return 8 * max(1, -(-size // per_l2))


def _data_keys(img: Image) -> Iterator[tuple[int, int]]:
    for tree in [img.clusters, *(s.clusters for s in img.snapshots)]:
        for idx, buf in tree.data.items():
            yield idx, id(buf)


def qcow2_allocation(img: Image) -> int:
    """The end offset of a qcow2 file holding ``img``, laid out the way QEMU grows one.

    Data clusters shared by snapshots count once (qcow2 refcounts them); zero clusters cost
    only their L2 entry.
    """
    cs = img.cluster_size
    l1 = _l1_bytes(img.virtual_size, cs)
    if not img.clusters and not img.snapshots:
        return QCOW2_HEADER_CLUSTERS * cs + l1
    per_l2 = cs // 8
    l2 = img.clusters.l2_tables(per_l2)
    for snap in img.snapshots:
        changed = snap.clusters.minus(img.clusters)
        l2 += changed.l2_tables(per_l2) + round_up(_l1_bytes(snap.virtual_size, cs), cs) // cs
    table = 1 if img.snapshots else 0
    data = len(set(_data_keys(img)))
    return (QCOW2_HEADER_CLUSTERS + round_up(l1, cs) // cs + l2 + table + data) * cs
