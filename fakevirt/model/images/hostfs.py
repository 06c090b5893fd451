"""The host's real files as a read-only backing source of the image store.

``fakevirt serve --host-files DIR…`` gives the ``ImageStore`` a ``HostFS``: the store shows every
regular file under those directories at its real path, and opens one the first time it is used
(``open_image``: the qcow2 header, L1 and snapshot tables, or a raw file's size).  Its clusters
are read later, region by region and cluster by cluster, as the guest or an API reads them
(``lazy_clusters.HostClusters``); writes stay in memory.  The model does no I/O itself: the
``HostFS`` implementation (``fakevirt.hostfiles.HostFiles``) is injected at startup, and tests
may inject an in-memory one.
"""

from __future__ import annotations

import posixpath
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Literal, Protocol

from ...errors.images import ImageError
from . import formats, qcow2_read
from .image import RAW_CHUNK, FileCopy, Image, InternalSnapshot
from .lazy_clusters import HostClusters

Kind = Literal["file", "dir"]
RAW_REGION = 512  # raw chunks whose extents one region() call asks the host for (32 MiB)


@dataclass(frozen=True, slots=True)
class HostStat:
    size: int  # st_size
    allocation: int  # st_blocks * 512
    mode: int = 0o644  # permission bits
    uid: int = 0
    gid: int = 0
    atime: float = 0.0
    mtime: float = 0.0
    ctime: float = 0.0


class HostFS(Protocol):
    """Read-only access to the host's files under ``roots`` (absolute, normalised paths).

    Paths outside the roots (also through symlinks) do not exist for it.  Failures of the host
    raise ``ImageError`` (``errors.hostfiles.unreadable``), never ``OSError``.
    """

    roots: tuple[str, ...]

    def kind(self, path: str) -> Kind | None:
        """"file" for a regular file, "dir" for a directory, None otherwise or outside the roots."""
        ...

    def listdir(self, path: str) -> list[tuple[str, Kind]]:
        """The regular files and directories in directory ``path``: (name, kind)."""
        ...

    def stat(self, path: str) -> HostStat: ...

    def read(self, path: str, offset: int, length: int) -> bytes:
        """Up to ``length`` bytes at ``offset`` (short at the end of the file)."""
        ...

    def extents(self, path: str, offset: int, length: int) -> list[tuple[int, int]]:
        """The (start, stop) ranges in [offset, offset+length) that hold data (not holes)."""
        ...


class RawSource:
    """A raw file's clusters: its data extents, read one chunk at a time (a ``ClusterSource``)."""

    zero_clusters = False
    region_clusters = RAW_REGION

    def __init__(self, fs: HostFS, path: str, st: HostStat) -> None:
        self._fs, self._path, self._size = fs, path, st.size
        self.regions = -(-st.size // (RAW_CHUNK * RAW_REGION))
        self.file_size, self.disk_usage = st.size, st.allocation

    def region(self, r: int) -> Iterator[tuple[int, int]]:
        start = r * RAW_CHUNK * RAW_REGION
        stop = min(start + RAW_CHUNK * RAW_REGION, self._size)
        last = -1
        for a, b in self._fs.extents(self._path, start, stop - start):
            for idx in range(max(a // RAW_CHUNK, last + 1), -(-b // RAW_CHUNK)):
                yield idx, idx * RAW_CHUNK
                last = idx

    def load(self, entry: int) -> bytes:
        return self._fs.read(self._path, entry, RAW_CHUNK)


def open_image(fs: HostFS, path: str) -> Image:
    """The image a host file holds, as libvirt's format probe names it: qcow2 read through the
    model, the formats the model keeps as files (vmdk, vpc, qcow, qed, ...) with their header's
    capacity, raw (an ISO too) otherwise; a directory is an empty 'dir' image.

    A qcow2 file whose tables cannot be read opens with its header's size; reading its data
    raises QEMU's error.

    Raises:
        ImageError: the host's read failed.
    """
    if fs.kind(path) == "dir":
        return formats.directory(path)
    st = fs.stat(path)

    def read(offset: int, length: int) -> bytes:
        return fs.read(path, offset, length)

    raw = Image(path, "raw", st.size, RAW_CHUNK, clusters=HostClusters(RawSource(fs, path, st), RAW_CHUNK))
    # every format the model tells from raw has its magic and size in the first sector (an ISO's
    # magic is further on, but an ISO is raw to the model): opening costs one small read
    fmt, capacity = formats.probe(read(0, 512), st.size)
    if fmt in formats.OPAQUE:
        return Image(path, fmt, capacity, RAW_CHUNK, file=FileCopy(raw, (), st.allocation))
    if fmt != "qcow2":
        return raw
    try:
        head = qcow2_read.parse(read)
    except ImageError as e:  # listed with its header's size; opening its data fails like QEMU
        head = qcow2_read.broken(read, e.prefixed(f"Could not open '{path}': "))
    cs = head.cluster_size

    def tree(l1: list[int], size: int) -> HostClusters:  # every tree is in the same file
        return HostClusters(qcow2_read.Qcow2Source(read, head, l1, size, st.size, st.allocation), cs)

    snaps = [InternalSnapshot(id=s.id, name=s.name, date_sec=s.date_sec, date_nsec=s.date_nsec,
                              vm_state_size=s.vm_state_size, vm_clock_ns=s.vm_clock_ns,
                              virtual_size=s.virtual_size, clusters=tree(s.l1, s.virtual_size),
                              icount=s.icount)
             for s in head.snapshots]
    return Image(path, "qcow2", head.size, cs, head.backing, head.backing_format,
                 tree(head.l1, head.size), snaps)


def listing(fs: HostFS, directory: str, recursive: bool) -> Iterator[str]:
    """Paths of the host's regular files in ``directory`` (below it too when ``recursive``), and
    of its subdirectories when not (a dir pool lists them as volumes of type 'dir')."""
    if fs.kind(directory) == "dir":
        todo = [directory]
    elif recursive:
        prefix = directory.rstrip("/") + "/"
        todo = [r for r in fs.roots if r.startswith(prefix)]
    else:
        todo = []
    while todo:
        d = todo.pop()
        for name, kind in fs.listdir(d):
            path = posixpath.join(d, name)
            if kind == "file" or not recursive:
                yield path
            else:
                todo.append(path)
