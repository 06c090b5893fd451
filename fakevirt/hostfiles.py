"""``fakevirt serve --host-files DIR…``: the real files under DIRs, read-only (a ``HostFS``).

This is the only place that reads the host's files for the image model
(``model/images/hostfs.py`` says what the model asks).  Every file is opened ``O_RDONLY``;
nothing is ever written.  A path is visible only when its real path (symlinks resolved) lies
under one of the roots.  Open descriptors are kept for the files last read, a bounded number.
"""

from __future__ import annotations

import os
import posixpath
import stat
from collections import OrderedDict
from collections.abc import Iterable

from .errors import hostfiles as err
from .model.images.hostfs import HostStat, Kind

MAX_OPEN = 64  # descriptors kept open between reads


class HostDirError(ValueError):
    """A --host-files argument that is not an existing directory."""


class HostFiles:
    """The ``HostFS`` of ``fakevirt serve --host-files``."""

    def __init__(self, roots: Iterable[str]) -> None:
        real: list[str] = []
        for root in roots:
            path = os.path.realpath(root)
            if not os.path.isdir(path):
                raise HostDirError(f"--host-files {root}: not a directory")
            real.append(path)
        self.roots = tuple(dict.fromkeys(real))
        self._fds: OrderedDict[str, int] = OrderedDict()

    def _inside(self, path: str) -> str | None:
        """The real path of ``path`` when it lies under a root, else None."""
        real = os.path.realpath(path)
        for root in self.roots:
            if real == root or real.startswith(root.rstrip("/") + "/"):
                return real
        return None

    def kind(self, path: str) -> Kind | None:
        real = self._inside(path)
        if real is None:
            return None
        try:
            mode = os.stat(real).st_mode
        except OSError:
            return None
        if stat.S_ISREG(mode):  # one fakevirt cannot read is skipped, as libvirt's pool refresh does
            return "file" if os.access(real, os.R_OK) else None
        return "dir" if stat.S_ISDIR(mode) else None

    def listdir(self, path: str) -> list[tuple[str, Kind]]:
        if self._inside(path) is None:
            return []
        out: list[tuple[str, Kind]] = []
        try:
            with os.scandir(path) as entries:
                for e in entries:
                    kind = self.kind(posixpath.join(path, e.name)) if e.is_symlink() or e.is_file() else (
                        "dir" if e.is_dir() else None)
                    if kind is not None:
                        out.append((e.name, kind))
        except OSError:
            return []
        return sorted(out)

    def stat(self, path: str) -> HostStat:
        try:
            st = os.fstat(self._fd(path))
        except OSError as e:
            raise err.unreadable(path, e.strerror or str(e)) from None
        return HostStat(st.st_size, st.st_blocks * 512, stat.S_IMODE(st.st_mode), st.st_uid, st.st_gid,
                        st.st_atime_ns / 1e9, st.st_mtime_ns / 1e9, st.st_ctime_ns / 1e9)

    def _fd(self, path: str) -> int:
        fd = self._fds.get(path)
        if fd is not None:
            self._fds.move_to_end(path)
            return fd
        real = self._inside(path)
        if real is None:
            raise FileNotFoundError(2, "No such file or directory")
        fd = os.open(real, os.O_RDONLY | os.O_CLOEXEC)
        self._fds[path] = fd
        if len(self._fds) > MAX_OPEN:
            os.close(self._fds.popitem(last=False)[1])
        return fd

    def read(self, path: str, offset: int, length: int) -> bytes:
        try:
            return os.pread(self._fd(path), length, offset)
        except OSError as e:
            raise err.unreadable(path, e.strerror or str(e)) from None

    def extents(self, path: str, offset: int, length: int) -> list[tuple[int, int]]:
        end = offset + length
        out: list[tuple[int, int]] = []
        try:
            fd = self._fd(path)
            pos = offset
            while pos < end:
                try:
                    start = os.lseek(fd, pos, os.SEEK_DATA)
                except OSError:  # ENXIO: no data after pos
                    break
                if start >= end:
                    break
                stop = min(os.lseek(fd, start, os.SEEK_HOLE), end)
                out.append((start, stop))
                pos = stop
        except OSError as e:
            raise err.unreadable(path, e.strerror or str(e)) from None
        return out

    def close(self) -> None:
        while self._fds:
            os.close(self._fds.popitem()[1])
