"""The disk side of ``--state DIR``: apply a plan of file changes so that a crash leaves each file
either as it was or as it is now, and the changes are durable before the caller goes on.

Each file is written to a temporary name beside it, fsynced and renamed over the old one; every
directory whose entries changed is fsynced once at the end of the plan.
"""

from __future__ import annotations

import json
import logging
import os
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

from ..model.images.image import Image
from ..model.images.interop import write_image
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

    @property
    def clusters(self) -> int:
        return len(self.image.clusters.data) + sum(len(s.clusters.data) for s in self.image.snapshots)


@dataclass(frozen=True, slots=True)
class MakeDir:
    path: str


Op = Write | Link | Remove | WriteImage | MakeDir


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


def _fsync_dir(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY | os.O_DIRECTORY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _durable(target: Path) -> None:
    fd = os.open(target, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _mkdirs(root: Path, rel: Path, changed: set[Path]) -> None:
    """Make the directories of ``rel`` under ``root``; each new one's parent must be fsynced."""
    path = root
    for part in rel.parts:
        path = path / part
        if not path.is_dir():
            path.mkdir(mode=0o755)
            changed.add(path.parent)


def _write(target: Path, data: bytes) -> None:
    """``data`` durably at ``target`` through a temporary file and a rename."""
    tmp = target.with_name(target.name + TMP_SUFFIX)
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    try:
        view = memoryview(data)
        while view:
            view = view[os.write(fd, view):]
        os.fsync(fd)
    finally:
        os.close(fd)
    os.replace(tmp, target)


def _bitmaps(root: Path, op: WriteImage, changed: set[Path]) -> None:
    """The image's dirty bitmaps beside the tree of images (written before the image itself)."""
    target = root / bitmap_file(op.path)
    bitmaps = op.image.bitmaps
    if not bitmaps:
        if target.exists():
            target.unlink()
            changed.add(target.parent)
        return
    _mkdirs(root, Path(bitmap_file(op.path)).parent, changed)
    _write(target, json.dumps([{"name": b.name, "granularity": b.granularity, "enabled": b.enabled,
                                "runs": b.runs} for b in bitmaps.values()]).encode())
    changed.add(target.parent)


def apply(root: Path, plan: Plan) -> None:
    """Make the plan's changes durable under ``root`` (blocking: call it off the event loop when heavy)."""
    changed: set[Path] = set()
    for op in plan:
        target = root / op.path
        if isinstance(op, MakeDir):
            _mkdirs(root, Path(op.path), changed)
            continue
        if isinstance(op, Remove):
            try:
                if target.is_dir() and not target.is_symlink():
                    target.rmdir()
                else:
                    target.unlink()
                changed.add(target.parent)
            except FileNotFoundError:
                pass
            except OSError as e:  # a directory that still holds files the emulation does not know
                log.warning("--state: cannot remove %s: %s", target, e)
            continue
        if isinstance(op, WriteImage):
            _bitmaps(root, op, changed)
        _mkdirs(root, Path(op.path).parent, changed)
        tmp = target.with_name(target.name + TMP_SUFFIX)
        if isinstance(op, Write):
            _write(target, op.data)
            changed.add(target.parent)
            continue
        if isinstance(op, Link):
            tmp.unlink(missing_ok=True)
            os.symlink(op.target, tmp)
        else:
            img = op.image
            write_image(img, tmp, (img.backing, img.backing_format or "") if img.backing else None)
            _durable(tmp)
        os.replace(tmp, target)
        changed.add(target.parent)
    for directory in changed:
        _fsync_dir(directory)
