"""The disk side of ``--state DIR``: apply a plan of file changes so that a crash leaves each file
either as it was or as it is now, and the changes are durable before the caller goes on.

Each file is written to a temporary name beside it, fsynced and renamed over the old one; image
files whose content the writer knows are updated in place instead (imagefile.py). A plan is applied
in phases: the counters first (in place, see counters.py), then every temporary file is written and
every known image updated, then the temporary files are fsynced, then the renames and removals
happen in the plan's order, and every directory whose entries changed is fsynced once at the end.
"""

from __future__ import annotations

import json
import logging
import os
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

from ..model.images.image import Image
from ..model.images.qcow2 import Layout
from .counters import whole_file, write_in_place
from .imagefile import ImageFile, update, write_whole
from .layout import bitmap_file

log = logging.getLogger("fakevirt.statedir")

TMP_SUFFIX = ".fakevirt-tmp"


@dataclass(frozen=True, slots=True)
class Write:
    path: str  # relative to the state directory
    data: bytes


@dataclass(frozen=True, slots=True)
class Link:
    path: str
    target: str  # what the symlink points to (relative, like ../NAME.xml)


@dataclass(frozen=True, slots=True)
class Remove:
    path: str


@dataclass(frozen=True, slots=True)
class WriteImage:
    path: str
    image: Image  # a copy taken on the event loop: the thread reads it while clients go on
    file: ImageFile = field(default_factory=ImageFile)  # what the file holds now: updated in place when known

    @property
    def clusters(self) -> int:
        return len(self.image.clusters.data) + sum(len(s.clusters.data) for s in self.image.snapshots)


@dataclass(frozen=True, slots=True)
class MakeDir:
    path: str


@dataclass(frozen=True, slots=True)
class Counters:
    """The host's counters: one slot of ``fakevirt.pos``, overwritten in place (see counters.py)."""

    path: str
    seq: int
    slot: bytes


Op = Write | Link | Remove | WriteImage | MakeDir | Counters


@dataclass
class Plan:
    """File changes that one acknowledged call made, in the order they must reach the disk."""

    ops: list[Op] = field(default_factory=list)

    def __bool__(self) -> bool:
        return bool(self.ops)

    def __iter__(self) -> Iterator[Op]:
        return iter(self.ops)

    def heavy(self, clusters: int = 16) -> bool:
        """Whether applying takes long enough to belong on a worker thread (image data)."""
        return sum(op.clusters for op in self.ops if isinstance(op, WriteImage)) > clusters


def _fsync(path: str, flags: int = os.O_RDONLY) -> None:
    fd = os.open(path, flags)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _mkdirs(root: str, rel: str, changed: set[str]) -> None:
    """Make the directories of ``rel`` under ``root``; each new one's parent must be fsynced."""
    if not rel or os.path.isdir(f"{root}/{rel}"):
        return
    path = root
    for part in rel.split("/"):
        parent, path = path, f"{path}/{part}"
        if not os.path.isdir(path):
            os.mkdir(path, 0o755)
            changed.add(parent)


class _Staged:
    """Temporary files written but not yet durable, and what each becomes."""

    def __init__(self, root: str) -> None:
        self.root = root
        self.renames: dict[str, str] = {}  # relative target -> absolute temporary path
        self.layouts: dict[str, Layout | None] = {}  # images written whole: where their clusters are
        self.unsynced: list[str] = []

    def write(self, rel: str, data: bytes) -> None:
        tmp = f"{self.root}/{rel}{TMP_SUFFIX}"
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        try:
            view = memoryview(data)
            while view:
                view = view[os.write(fd, view):]
        finally:
            os.close(fd)
        self.renames[rel] = tmp
        self.unsynced.append(tmp)

    def link(self, rel: str, target: str) -> None:
        tmp = f"{self.root}/{rel}{TMP_SUFFIX}"
        try:
            os.unlink(tmp)
        except FileNotFoundError:
            pass
        os.symlink(target, tmp)
        self.renames[rel] = tmp

    def image(self, op: WriteImage, changed: set[str]) -> None:
        """The image file, after its dirty bitmaps beside the tree of images: a crash between the
        two leaves bitmaps that mark more than was written, never less."""
        bitmaps = op.image.bitmaps
        if bitmaps:
            rel = bitmap_file(op.path)
            _mkdirs(self.root, rel.rpartition("/")[0], changed)
            _write_now(self.root, rel, json.dumps([{"name": b.name, "granularity": b.granularity, "enabled": b.enabled,
                                                    "runs": b.runs} for b in bitmaps.values()]).encode())
        if update(f"{self.root}/{op.path}", op.image, op.file):
            return
        tmp = f"{self.root}/{op.path}{TMP_SUFFIX}"
        self.layouts[op.path] = write_whole(tmp, op.image)
        self.renames[op.path] = tmp
        self.unsynced.append(tmp)

    def sync(self) -> None:
        for tmp in self.unsynced:
            _fsync(tmp)
        self.unsynced = []


def _remove(root: str, rel: str, changed: set[str]) -> None:
    target = f"{root}/{rel}"
    try:
        if os.path.isdir(target) and not os.path.islink(target):
            os.rmdir(target)
        else:
            os.unlink(target)
        changed.add(os.path.dirname(target))
    except FileNotFoundError:
        pass
    except OSError as e:  # a directory that still holds files the emulation does not know
        log.warning("--state: cannot remove %s: %s", target, e)


def _write_now(root: str, rel: str, data: bytes) -> None:
    """``data`` durably at ``rel`` before anything after it in the plan."""
    staged = _Staged(root)
    staged.write(rel, data)
    staged.sync()
    target = f"{root}/{rel}"
    os.replace(staged.renames[rel], target)
    _fsync(os.path.dirname(target), os.O_RDONLY | os.O_DIRECTORY)


def _counters(root: str, op: Counters) -> None:
    """Durable before any file that uses the ids they count."""
    if not write_in_place(Path(root, op.path), op.seq, op.slot):
        _write_now(root, op.path, whole_file(op.seq, op.slot))


def apply(root: Path, plan: Plan) -> None:
    """Make the plan's changes durable under ``root`` (blocking: call it off the event loop when heavy)."""
    top = str(root)
    changed: set[str] = set()
    staged = _Staged(top)
    for op in plan:
        if isinstance(op, Counters):
            _counters(top, op)
        elif isinstance(op, MakeDir):
            _mkdirs(top, op.path, changed)
        elif not isinstance(op, Remove):
            _mkdirs(top, op.path.rpartition("/")[0], changed)
            if isinstance(op, Write):
                staged.write(op.path, op.data)
            elif isinstance(op, Link):
                staged.link(op.path, op.target)
            else:
                staged.image(op, changed)
    staged.sync()
    for op in plan:
        if isinstance(op, Remove):
            _remove(top, op.path, changed)
        elif isinstance(op, WriteImage) and not op.image.bitmaps:
            _remove(top, bitmap_file(op.path), changed)
        if isinstance(op, (Write, Link, WriteImage)) and op.path in staged.renames:
            target = f"{top}/{op.path}"
            os.replace(staged.renames[op.path], target)
            changed.add(os.path.dirname(target))
            if isinstance(op, WriteImage):
                op.file.written(op.image, staged.layouts[op.path])
    for directory in changed:
        _fsync(directory, os.O_RDONLY | os.O_DIRECTORY)
