"""Image files of a state directory back into the image store: ``DIR/images/PATH`` is the image at
PATH. qcow2 files are parsed in-process (qcow2_read, no qemu-img per file); what that parser cannot
hold goes through ``interop.import_file``; anything else is a raw image, read sparsely."""

from __future__ import annotations

import json
import logging
import os
from pathlib import Path

from ..errors import VirtError
from ..model.images.bitmaps import Bitmap
from ..model.images.clusters import ClusterMap
from ..model.images.image import RAW_CHUNK, Image
from ..model.images.interop import data_ranges, import_file, read_ranges
from ..model.images.qcow2 import MAGIC
from ..model.images.qcow2_read import Qcow2Error
from ..model.images.qcow2_read import read_image as read_qcow2
from ..model.images.store import ImageStore
from ..model.storage_defs import Perms
from .files import TMP_SUFFIX
from .layout import IMAGES, bitmap_file

log = logging.getLogger("fakevirt.statedir")


def read_image(file: Path, path: str) -> Image:
    """The image a file holds, to be stored at ``path``."""
    fd = os.open(file, os.O_RDONLY)
    try:
        size = os.fstat(fd).st_size

        def read(offset: int, length: int) -> bytes:
            data = os.pread(fd, length, offset)
            return data + bytes(length - len(data)) if len(data) < length else data

        if os.pread(fd, 4, 0) == MAGIC:
            try:
                return read_qcow2(read, path, size)
            except Qcow2Error:
                pass
    finally:
        os.close(fd)
    if size >= 4 and file.read_bytes()[:4] == MAGIC:
        return import_file(ImageStore(), file, path)
    clusters = ClusterMap.of(read_ranges(str(file), data_ranges(str(file)), RAW_CHUNK))
    return Image(path, "raw", size, RAW_CHUNK, clusters=clusters)


def _bitmaps(file: Path) -> dict[str, Bitmap]:
    try:
        entries = json.loads(file.read_text())
    except FileNotFoundError:
        return {}
    return {e["name"]: Bitmap(e["name"], e["granularity"], e["enabled"], [tuple(r) for r in e["runs"]])
            for e in entries}


def load_images(store: ImageStore, dirs: dict[str, Perms], top: Path,
                known_dirs: dict[str, list[int]] | None) -> set[str]:
    """Every image file under ``top`` into ``store``; the emulated directories into ``dirs``
    (with the permissions ``known_dirs`` recorded). Returns the loaded images' paths."""
    loaded: set[str] = set()
    for here, _subdirs, names in os.walk(top):
        sub = Path(here).relative_to(top).as_posix()
        rel = "/" if sub == "." else "/" + sub
        if known_dirs is None:
            dirs.setdefault(rel, Perms(0o755))
        elif rel in known_dirs:
            dirs[rel] = Perms(*known_dirs[rel])
        for name in names:
            file = Path(here) / name
            if name.endswith(TMP_SUFFIX):  # a write the crash interrupted: it was never acknowledged
                file.unlink()
                continue
            path = f"{rel.rstrip('/')}/{name}"
            try:
                img = read_image(file, path)
                img.bitmaps = _bitmaps(top.parent / bitmap_file(f"{IMAGES}{path}"))
                store.add(img, force=True)
                loaded.add(path)
            except (OSError, VirtError, ValueError) as e:
                log.warning("--state: image %s not loaded: %s", file, e)
    return loaded
