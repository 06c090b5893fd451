"""The emulator's virtual filesystem of disk images, and who uses each image.

Paths are absolute and normalised.  Users (``Owner``: a domain's disk, a snapshot) name *paths*,
the way domain XML and backing headers do: deleting or renaming an image does not drop them.  Images whose backing resolves to a path are
its implicit ``Owner.backing(child_path)`` users.  Operations that would change what another user
sees refuse unless called with that user as ``owner`` or with ``force=True`` (plain qemu-img).
"""

from __future__ import annotations

import posixpath
from collections import Counter
from collections.abc import Iterator
from typing import Any, Literal, overload

from ...errors import images as err
from ..clock import Clock, ManualClock
from . import bitmaps as bitmap_ops
from . import chain as rw
from . import hostfs, internal_snapshots, ops
from . import info as info_mod
from .image import (
    DEFAULT_CLUSTER_SIZE,
    FORMATS,
    NAME_MAX,
    RAW_CHUNK,
    SECTOR,
    Image,
    InternalSnapshot,
    max_size,
    resolve,
    round_up,
    valid_cluster_size,
)
from .owner import Owner


class ImageStore:
    """Disk images keyed by absolute path, plus the reference counts of their users."""

    def __init__(self, clock: Clock | None = None, host: hostfs.HostFS | None = None) -> None:
        self.clock: Clock = clock if clock is not None else ManualClock()
        self.host = host  # real files shown read-only beside the emulated ones (hostfs.py)
        self._hidden: set[str] = set()  # host files deleted or renamed in the emulation
        self._from_host: dict[str, Image] = {}  # images opened from host files, by path
        self._images: dict[str, Image] = {}
        self._owners: dict[str, Counter[Owner]] = {}
        self._overlays: dict[str, set[str]] = {}  # backing path -> images naming it (kept in step)

    # -- namespace -----------------------------------------------------------------------------

    @staticmethod
    def normpath(path: str) -> str:
        if not posixpath.isabs(path):
            raise err.path_not_absolute(path)
        return posixpath.normpath(path)

    def exists(self, path: str) -> bool:
        path = self.normpath(path)
        return path in self._images or self._host_file(path)

    def _host_file(self, path: str) -> bool:
        """A host file, or a host directory (a 'dir' volume of the pool above it)."""
        return self.host is not None and path not in self._hidden and self.host.kind(path) is not None

    def _lookup(self, path: str) -> Image | None:
        """The image at normalised ``path``; a host file is opened on its first use."""
        img = self._images.get(path)
        if img is None and self._host_file(path):
            assert self.host is not None
            img = self._images[path] = self._from_host[path] = hostfs.open_image(self.host, path)
            self._index(img)
        return img

    def host_stat(self, path: str) -> hostfs.HostStat | None:
        """The real file's stat while ``path`` still is the host file it was opened from."""
        path = self.normpath(path)
        img = self._lookup(path)
        if img is None or self.host is None or self._from_host.get(path) is not img:
            return None
        return self.host.stat(path)

    def open(self, path: str) -> Image:
        """The image at ``path`` (its chain is not opened)."""
        path = self.normpath(path)
        img = self._lookup(path)
        if img is None:
            raise err.not_found(path)
        return img

    def listdir(self, directory: str, recursive: bool = False) -> list[str]:
        """Paths of the images in ``directory`` (and below it when ``recursive``), sorted."""
        directory = self.normpath(directory)
        prefix = directory.rstrip("/") + "/"
        found = {p for p in self._images
                 if p.startswith(prefix) and (recursive or "/" not in p[len(prefix):])}
        if self.host is not None:
            found.update(p for p in hostfs.listing(self.host, directory, recursive) if p not in self._hidden)
        return sorted(found)

    def host_dir(self, path: str) -> bool:
        """True when ``path`` is a real directory the host shows (--host-files)."""
        return self.host is not None and self.host.kind(self.normpath(path)) == "dir"

    def images(self) -> Iterator[tuple[str, Image]]:
        """Every image the emulation made or changed, by path (host files it only read are not here)."""
        return iter(list(self._images.items()))

    def add(self, img: Image, *, force: bool = False) -> Image:
        """Put a made-up image at ``img.path``, replacing what is there unless someone uses it."""
        img.path = self.normpath(img.path)
        if img.path in self._images:
            self.guard(img.path, force=force)
            self._unindex(self._images[img.path])
        self._images[img.path] = img
        self._index(img)
        return img

    def delete(self, path: str) -> Image:
        """Unlink an image even if others use it (libvirt does); dependents fail when opened."""
        img = self.open(path)
        del self._images[img.path]
        self._unindex(img)
        self._hidden.add(img.path)
        self._from_host.pop(img.path, None)
        return img

    def rename(self, src: str, dst: str, *, force: bool = False) -> Image:
        """Move an image like rename(2); images naming ``src`` as backing now dangle."""
        img = self.open(src)
        dst = self.normpath(dst)
        if dst == img.path:
            return img
        if self._lookup(dst) is not None:
            self.guard(dst, force=force)
            self._unindex(self._images[dst])
        del self._images[img.path]
        self._unindex(img)
        self._hidden.add(img.path)
        self._from_host.pop(img.path, None)
        img.path = dst
        self._images[dst] = img
        self._index(img)
        return img

    def set_backing(self, img: Image, backing: str | None, backing_fmt: str | None) -> None:
        """Rewrite an image's backing name and format in its header (what rebase -u does)."""
        self._unindex(img)
        img.backing, img.backing_format = backing, backing_fmt if backing else None
        self._index(img)

    def _index(self, img: Image) -> None:
        if img.backing is not None and self._images.get(img.path) is img:
            self._overlays.setdefault(resolve(img.path, img.backing), set()).add(img.path)

    def _unindex(self, img: Image) -> None:
        if img.backing is not None:
            bpath = resolve(img.path, img.backing)
            users = self._overlays.get(bpath)
            if users is not None:
                users.discard(img.path)
                if not users:
                    del self._overlays[bpath]

    def backing_path(self, img: Image) -> str | None:
        return None if img.backing is None else resolve(img.path, img.backing)

    def chain(self, path: str) -> list[Image]:
        """Open ``path`` and its backing chain as QEMU does, top first.

        Raises:
            ImageError: the image or a backing file is missing, has the wrong format, or the
                chain loops.
        """
        img = self.open(path)
        out = [img]
        seen = {img.path}
        while img.backing is not None:
            bpath = resolve(img.path, img.backing)
            if bpath in seen:
                raise err.backing_loop(bpath)
            nxt = self._lookup(bpath)
            if nxt is None:
                raise err.backing_missing(len(out), bpath)
            if img.backing_format is not None and img.backing_format != nxt.format:
                raise err.wrong_format(len(out), bpath, img.backing_format, nxt.format)
            out.append(nxt)
            seen.add(bpath)
            img = nxt
        return out

    def opened_chain(self, path: str) -> list[Image]:
        """chain() with qemu-img's "Could not open 'FILE': " in front of backing failures."""
        path = self.normpath(path)
        try:
            return self.chain(path)
        except err.ImageError as e:
            if e.reason == "loop":
                raise
            raise e.prefixed(f"Could not open '{path}': ") from None

    def children(self, path: str) -> list[str]:
        """Images whose backing name resolves to ``path``."""
        return sorted(self._overlays.get(self.normpath(path), ()))

    # -- users -----------------------------------------------------------------------------

    def acquire(self, path: str, owner: Owner) -> None:
        """Count one more use of ``path`` by ``owner`` (the image need not exist yet)."""
        self._owners.setdefault(self.normpath(path), Counter())[owner] += 1

    def release(self, path: str, owner: Owner) -> None:
        path = self.normpath(path)
        held = self._owners.get(path)
        if not held or held[owner] <= 0:
            raise err.not_held(path, owner.describe())
        held[owner] -= 1
        if held[owner] == 0:
            del held[owner]
        if not held:
            del self._owners[path]

    def users(self, path: str) -> list[Owner]:
        """Who depends on ``path``: explicit owners, then overlays using it as backing."""
        path = self.normpath(path)
        explicit = sorted(self._owners.get(path, Counter()))
        return explicit + [Owner.backing(c) for c in self.children(path) if not self._images[c].backing_only_named]

    def is_shared(self, path: str, owner: Owner | None = None) -> bool:
        """True when anyone but ``owner`` uses ``path``."""
        return any(o != owner for o in self.users(path))

    def guard(self, path: str, owner: Owner | None = None, *, force: bool = False,
              allowed: frozenset[Owner] = frozenset()) -> None:
        """Refuse to change ``path``'s content under a user other than ``owner``/``allowed``."""
        if force:
            return
        others = [o for o in self.users(path) if o != owner and o not in allowed]
        if others:
            raise err.in_use(self.normpath(path), [o.describe() for o in others])

    # -- qemu-img create and guest I/O ------------------------------------------------------

    def create(self, path: str, fmt: str, size: int | None = None, backing: str | None = None,
               backing_fmt: str | None = None, *, cluster_size: int | None = None,
               force: bool = False) -> Image:
        """``qemu-img create -f FMT [-b BACKING -F BACKING_FMT] [-o cluster_size=N] PATH [SIZE]``.

        Size defaults to the backing image's and is rounded up to 512 bytes.  An existing image
        at ``path`` is replaced, as qemu-img does, unless someone uses it (see guard()).
        """
        path = self.normpath(path)
        if fmt not in FORMATS:
            raise err.unknown_format(path, fmt)
        if backing is not None and fmt == "raw":
            raise err.backing_unsupported(path, fmt)
        if backing_fmt is not None and backing is None:
            raise err.backing_fmt_without_file(path)
        cs = DEFAULT_CLUSTER_SIZE if cluster_size is None else cluster_size
        if fmt == "qcow2" and not valid_cluster_size(cs):
            raise err.bad_cluster_size(path)
        if size is not None and size < 0:
            raise err.invalid_size()
        if backing is not None:
            size = self._check_new_backing(path, backing, backing_fmt, size)
        if size is None:
            raise err.needs_size(path)
        if len(posixpath.basename(path).encode()) > NAME_MAX:
            raise err.name_too_long(path)
        if round_up(size, SECTOR) > max_size(fmt, cs):
            raise err.too_large(path, fmt)
        if path in self._images:
            self.guard(path, force=force)
        img = Image(path, fmt, round_up(size, SECTOR), cs if fmt == "qcow2" else RAW_CHUNK,
                    backing, backing_fmt)
        if path in self._images:
            self._unindex(self._images[path])
        self._images[path] = img
        self._index(img)
        return img

    def _check_new_backing(self, path: str, backing: str, backing_fmt: str | None,
                           size: int | None) -> int:
        bpath = resolve(path, backing)
        if bpath == path:
            raise err.backing_is_self(path)
        bimg = self._lookup(bpath)
        if bimg is None:
            raise err.create_backing_failed(path, err.not_found(bpath))
        if backing_fmt is None:
            raise err.backing_without_fmt(path, bimg.format)
        if backing_fmt != bimg.format:
            raise err.create_backing_failed(path, err.wrong_format(0, bpath, backing_fmt, bimg.format))
        return bimg.virtual_size if size is None else size

    def read(self, path: str, offset: int, length: int) -> bytes:
        """Guest bytes [offset, offset+length) of ``path`` through its backing chain."""
        images = self.chain(path)
        if offset < 0 or length < 0 or offset + length > images[0].virtual_size:
            raise err.io_error("read")
        return rw.read(images, offset, length)

    def write(self, path: str, offset: int, data: bytes | bytearray | memoryview, *,
              owner: Owner | None = None, force: bool = False) -> None:
        """A guest write into the top of ``path``'s chain (copy-on-write of partial clusters)."""
        images = self.chain(path)
        self.guard(images[0].path, owner, force=force)
        if offset < 0 or offset + len(data) > images[0].virtual_size:
            raise err.io_error("write")
        rw.write(images, offset, data)

    def truncate(self, path: str, size: int) -> Image:
        """ftruncate(2) of a raw image: the exact byte size; data past it is dropped."""
        img = self.open(path)
        if size < img.virtual_size:
            img.drop_beyond(size)
        img.virtual_size = size
        return img

    def write_zeroes(self, path: str, offset: int, length: int, *, owner: Owner | None = None,
                     force: bool = False) -> None:
        """``qemu-io -c 'write -z'``: zero clusters that hide the backing file."""
        images = self.chain(path)
        self.guard(images[0].path, owner, force=force)
        if offset < 0 or length < 0 or offset + length > images[0].virtual_size:
            raise err.io_error("write")
        rw.write_zeroes(images, offset, length)

    # -- qemu-img operations (see ops.py, internal_snapshots.py, info.py) -------------------------------

    def commit(self, top: str, base: str | None = None, *, keep_top: bool | None = None,
               owner: Owner | None = None, force: bool = False) -> Image:
        """``qemu-img commit [-b BASE] [-d] TOP``; returns the base written into."""
        return ops.commit(self, top, base, keep_top=keep_top, owner=owner, force=force)

    def rebase(self, path: str, backing: str | None, backing_fmt: str | None = None, *,
               safe: bool = True, owner: Owner | None = None, force: bool = False) -> Image:
        """``qemu-img rebase [-u] -b BACKING -F FMT PATH`` (``backing=None``: ``-b ""``)."""
        return ops.rebase(self, path, backing, backing_fmt, safe=safe, owner=owner, force=force)

    def convert(self, src: str, dst: str, fmt: str = "qcow2", *, cluster_size: int | None = None,
                snapshot: str | None = None, force: bool = False) -> Image:
        """``qemu-img convert [-l SNAPSHOT] -O FMT SRC DST``: a flattened, sparse copy."""
        return ops.convert(self, src, dst, fmt, cluster_size=cluster_size, snapshot=snapshot,
                           force=force)

    def resize(self, path: str, size: int, *, shrink: bool = False, owner: Owner | None = None,
               force: bool = False) -> Image:
        """``qemu-img resize [--shrink] PATH SIZE``."""
        return ops.resize(self, path, size, shrink=shrink, owner=owner, force=force)

    def compare(self, a: str, b: str) -> int | None:
        """``qemu-img compare A B``: the first differing offset, or None if identical."""
        return ops.compare(self, a, b)

    def snapshot_create(self, path: str, name: str, *, vm_state_size: int = 0, vm_clock_ns: int = 0,
                        icount: int | None = 0) -> InternalSnapshot:
        """``qemu-img snapshot -c NAME PATH`` (qemu-img records icount 0; savevm records None)."""
        return internal_snapshots.create(self, path, name, vm_state_size=vm_state_size,
                                vm_clock_ns=vm_clock_ns, icount=icount)

    def snapshot_apply(self, path: str, name: str, *, owner: Owner | None = None,
                       force: bool = False) -> InternalSnapshot:
        """``qemu-img snapshot -a NAME PATH`` (NAME is an ID or a name)."""
        return internal_snapshots.apply(self, path, name, owner=owner, force=force)

    def snapshot_delete(self, path: str, name: str) -> InternalSnapshot:
        """``qemu-img snapshot -d NAME PATH``."""
        return internal_snapshots.delete(self, path, name)

    def snapshot_list(self, path: str) -> list[InternalSnapshot]:
        """``qemu-img snapshot -l PATH``."""
        return list(self.opened_chain(path)[0].snapshots)

    # -- persistent dirty bitmaps (qemu-img bitmap; see bitmaps.py) ------------------------------

    def bitmap_add(self, path: str, name: str, *, granularity: int | None = None,
                   enabled: bool = True) -> bitmap_ops.Bitmap:
        """``qemu-img bitmap --add [-g GRANULARITY] [--disable] PATH NAME``."""
        return bitmap_ops.add(self, path, name, granularity=granularity, enabled=enabled)

    def bitmap_remove(self, path: str, name: str) -> bitmap_ops.Bitmap:
        """``qemu-img bitmap --remove PATH NAME``."""
        return bitmap_ops.remove(self, path, name)

    def bitmap_enable(self, path: str, name: str, enabled: bool = True) -> bitmap_ops.Bitmap:
        """``qemu-img bitmap --enable|--disable PATH NAME``."""
        return bitmap_ops.set_enabled(self, path, name, enabled)

    def bitmap_clear(self, path: str, name: str) -> bitmap_ops.Bitmap:
        """``qemu-img bitmap --clear PATH NAME``."""
        return bitmap_ops.clear(self, path, name)

    def bitmap_merge(self, path: str, target: str, source: str,
                     source_path: str | None = None) -> bitmap_ops.Bitmap:
        """``qemu-img bitmap --merge SOURCE [-b SOURCE_PATH] PATH TARGET``."""
        return bitmap_ops.merge(self, path, target, source, source_path)

    def bitmap(self, path: str, name: str) -> bitmap_ops.Bitmap:
        """The bitmap ``name`` of image ``path`` (dirty_ranges(), dirty_bytes(), enabled)."""
        return bitmap_ops.get(self, path, name)

    def bitmaps(self, path: str) -> list[bitmap_ops.Bitmap]:
        """The image's bitmaps in creation order."""
        return list(self.open(path).bitmaps.values())

    @overload
    def info(self, path: str, backing_chain: Literal[False] = False) -> dict[str, Any]: ...

    @overload
    def info(self, path: str, backing_chain: Literal[True]) -> list[dict[str, Any]]: ...

    def info(self, path: str, backing_chain: bool = False) -> dict[str, Any] | list[dict[str, Any]]:
        """``qemu-img info [--backing-chain] --output=json PATH``."""
        if backing_chain:
            return info_mod.info_chain(self, path)
        return info_mod.info(self, path)

    def check(self, path: str) -> dict[str, Any]:
        """``qemu-img check --output=json PATH`` (raises where qemu-img cannot open the chain)."""
        return info_mod.check(self, path)

    def map(self, path: str) -> list[dict[str, Any]]:
        """``qemu-img map --output=json PATH`` without host offsets."""
        return info_mod.map_extents(self, path)
