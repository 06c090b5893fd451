"""Lay an Image out as a qcow2 v3 file (docs/interop/qcow2.txt); pure, no I/O.

The layout is the one the emulator's model implies: each table tree (the active one, then one per
internal snapshot) gets its own L1 and L2 tables, data clusters are shared between trees exactly
when the model shares the ``bytes`` object (qcow2 refcount > 1), and ``b""`` clusters become
"reads as zero" L2 entries with no host cluster.  The refcount structures go last.
"""

from __future__ import annotations

import struct
from collections.abc import Mapping
from dataclasses import dataclass, field

from .clusters import ClusterMap
from .image import Image, InternalSnapshot

MAGIC = b"QFI\xfb"
V2_HEADER_LENGTH = 72
HEADER_LENGTH = 112
EXT_BACKING_FORMAT = 0xE2792ACA
COPIED = 1 << 63
ZERO = 1
_HEADER = struct.Struct(">4sIQIIQIIQQIIQQQQII")


TreeKey = tuple[int, int, int]


@dataclass(frozen=True, slots=True)
class TreeAt:
    """Where one internal snapshot's tables are in a file, for a later layout to keep as they are."""

    l1: tuple[int, int]  # (offset, entries)
    tables: range  # the cluster numbers of its L1 and L2 tables
    data: list[int]  # the cluster number of each data cluster it references
    placed: dict[tuple[int, int], int]  # those clusters by (index, id(buffer))


def tree_key(snap: InternalSnapshot) -> TreeKey:
    """A snapshot's clusters never change; if they did, their write counter would tell."""
    return id(snap.clusters), snap.clusters.writes, snap.virtual_size


@dataclass
class Layout:
    """Where everything goes: ``writes`` are (file offset, bytes); the rest reads as zeros."""

    cluster_size: int
    size: int = 0
    writes: list[tuple[int, bytes]] = field(default_factory=list)
    refcounts: dict[int, int] = field(default_factory=dict)  # cluster number -> refcount
    placed: dict[tuple[int, int], int] = field(default_factory=dict)  # (index, id(buffer)) -> data cluster offset
    trees: dict[TreeKey, TreeAt] = field(default_factory=dict)  # each internal snapshot's tables

    def alloc(self, clusters: int = 1) -> int:
        first = self.size // self.cluster_size
        for n in range(first, first + clusters):
            self.refcounts[n] = 1
        self.size += clusters * self.cluster_size
        return first * self.cluster_size


def _l1_entries(size: int, cs: int) -> int:
    return -(-size // (cs * (cs // 8)))


def _clusters_for(nbytes: int, cs: int) -> int:
    return max(1, -(-nbytes // cs))


def _tree(lay: Layout, clusters: ClusterMap, size: int, active: bool,
          data_at: dict[tuple[int, int], int]) -> TreeAt:
    """Write one L1/L2 tree; returns where it is (an active tree's ``data``/``placed`` left empty)."""
    cs = lay.cluster_size
    per_l2 = cs // 8
    n_l1 = _l1_entries(size, cs)
    data: list[int] = []
    placed: dict[tuple[int, int], int] = {}
    if n_l1 == 0:
        return TreeAt((0, 0), range(0), data, placed)
    l1_off = lay.alloc(_clusters_for(n_l1 * 8, cs))
    l1: dict[int, int] = {}
    groups: dict[int, list[tuple[int, bytes]]] = {}
    for idx, buf in clusters.items():  # a real file has an L2 entry per zero cluster
        groups.setdefault(idx // per_l2, []).append((idx, buf))
    for g in sorted(groups):
        l2_off = lay.alloc()
        l1[g] = l2_off | (COPIED if active else 0)
        l2 = [0] * per_l2
        for idx, buf in groups[g]:
            if not buf:
                l2[idx % per_l2] = ZERO
                continue
            key = (idx, id(buf))
            host = data_at[key]
            if not active:
                data.append(host // cs)
                placed[key] = host
            shared = lay.refcounts[host // cs] > 1
            l2[idx % per_l2] = host | (COPIED if active and not shared else 0)
        lay.writes.append((l2_off, struct.pack(f">{per_l2}Q", *l2)))
    # Only the L1 entries in use are written: the rest of a huge table reads as zeros anyway.
    lay.writes.extend((l1_off + 8 * g, struct.pack(">Q", l1[g])) for g in sorted(groups))
    return TreeAt((l1_off, n_l1), range(l1_off // cs, lay.size // cs), data, placed)


def _place_data(lay: Layout, trees: list[ClusterMap], reuse: Mapping[tuple[int, int], int]) -> dict[tuple[int, int], int]:
    cs = lay.cluster_size
    data_at = lay.placed
    for tree in trees:
        for idx in sorted(tree.data):
            buf = tree.data[idx]
            key = (idx, id(buf))
            if key in data_at:
                lay.refcounts[data_at[key] // cs] += 1
                continue
            at = reuse.get(key)
            if at is not None:  # already in the file: counted, not written
                data_at[key] = at
                lay.refcounts[at // cs] = 1
                continue
            data_at[key] = lay.alloc()
            lay.writes.append((data_at[key], bytes(buf).ljust(cs, b"\0")))  # a whole cluster: no hole in it
    return data_at


def _snapshot_entry(snap: InternalSnapshot, l1_off: int, n_l1: int) -> bytes:
    sid, name = snap.id.encode(), snap.name.encode()
    icount = 0xFFFFFFFFFFFFFFFF if snap.icount is None else snap.icount
    entry = struct.pack(">QIHHIIQII", l1_off, n_l1, len(sid), len(name), snap.date_sec,
                        snap.date_nsec, snap.vm_clock_ns, min(snap.vm_state_size, 0xFFFFFFFF), 24)
    entry += struct.pack(">QQQ", snap.vm_state_size, snap.virtual_size, icount) + sid + name
    return entry + b"\0" * (-len(entry) % 8)


def _header(img: Image, lay: Layout, l1: tuple[int, int], reftable: tuple[int, int],
            snaps: tuple[int, int], backing: tuple[str, str] | None) -> bytes:
    ext = b""
    name = b""
    if backing is not None:
        name = backing[0].encode()
        fmt = backing[1].encode()
        ext = struct.pack(">II", EXT_BACKING_FORMAT, len(fmt)) + fmt + b"\0" * (-len(fmt) % 8)
    ext += struct.pack(">II", 0, 0)
    length = V2_HEADER_LENGTH if img.compat_v2 else HEADER_LENGTH  # compat=0.10: v2 has no v3 fields
    name_off = length + len(ext) if name else 0
    head = _HEADER.pack(MAGIC, 2 if img.compat_v2 else 3, name_off, len(name), img.cluster_size.bit_length() - 1,
                        img.virtual_size, 0, l1[1], l1[0], reftable[0], reftable[1], snaps[1],
                        snaps[0], 0, 0, 0, 4, HEADER_LENGTH)[:length]
    out = head + b"\0" * (length - len(head)) + ext + name
    if len(out) > lay.cluster_size:
        raise ValueError("qcow2 header does not fit in the first cluster")
    return out


def _refcounts(lay: Layout) -> tuple[int, int]:
    """Append the refcount table and blocks (16-bit), covering themselves too."""
    cs = lay.cluster_size
    per_block = cs // 2
    used = lay.size // cs
    blocks = table = 0
    while True:
        total = used + table + blocks
        need_blocks = -(-total // per_block)
        need_table = _clusters_for(need_blocks * 8, cs)
        if (need_blocks, need_table) == (blocks, table):
            break
        blocks, table = need_blocks, need_table
    table_off = lay.alloc(table)
    first_block = lay.alloc(blocks)
    offsets = [first_block + i * cs for i in range(blocks)]
    lay.writes.append((table_off, struct.pack(f">{blocks}Q", *offsets)))
    counts = bytearray(blocks * cs)  # what is set costs, not the blocks' size
    for n, rc in lay.refcounts.items():
        struct.pack_into(">H", counts, 2 * n, rc)
    lay.writes.extend((off, bytes(counts[i * cs:(i + 1) * cs])) for i, off in enumerate(offsets))
    return table_off, table


def layout(img: Image, backing: tuple[str, str] | None = None,
           reuse: Mapping[tuple[int, int], int] | None = None, start: int = 0,
           kept: Mapping[TreeKey, TreeAt] | None = None) -> Layout:
    """The qcow2 file for ``img``; ``backing`` is the (name, format) to record in the header.

    ``start``/``reuse``/``kept``: lay out what is new after ``start`` in a file that already holds
    the data clusters ``reuse`` places and the snapshot tables ``kept`` describes (a previous
    layout's ``placed`` and ``trees``): those are counted, not written again."""
    lay = Layout(img.cluster_size)
    lay.alloc()  # the header cluster, written last
    if start:
        lay.size = start
    snaps = [(snap, (kept or {}).get(tree_key(snap))) for snap in img.snapshots]
    data_at = _place_data(lay, [img.clusters, *(snap.clusters for snap, at in snaps if at is None)], reuse or {})
    for _, at in snaps:
        if at is not None:
            for n in at.data:
                lay.refcounts[n] = lay.refcounts.get(n, 0) + 1
            lay.refcounts.update(dict.fromkeys(at.tables, 1))
    active = _tree(lay, img.clusters, img.virtual_size, True, data_at)
    table = b""
    for snap, at in snaps:
        if at is None:
            at = _tree(lay, snap.clusters, snap.virtual_size, False, data_at)
        else:
            data_at.update(at.placed)
        lay.trees[tree_key(snap)] = at
        table += _snapshot_entry(snap, *at.l1)
    snaps_at = (0, 0)
    if img.snapshots:
        snaps_off = lay.alloc(_clusters_for(len(table), img.cluster_size))
        lay.writes.append((snaps_off, table))
        snaps_at = (snaps_off, len(img.snapshots))
    reftable = _refcounts(lay)
    lay.writes.append((0, _header(img, lay, active.l1, reftable, snaps_at, backing)))
    return lay
