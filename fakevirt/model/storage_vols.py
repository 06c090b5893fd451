"""Volume operations of the storage driver: create, clone, delete, wipe, resize, upload, download.

``VolumeOps`` is the part of ``StorageState`` that deals with one volume at a time; it relies on
the state's image store, volume lists and pool refresh.
"""

from __future__ import annotations

import posixpath
from collections.abc import Iterator

from ..errors import ErrorCode, ErrorDomain, VirtError
from ..errors import images as image_errors
from .images import ImageError, ImageStore
from .images import chain as rw
from .images.image import FS_BLOCK, FS_MAX_FILE_SIZE, NAME_MAX, RAW_CHUNK, SECTOR, Image, round_up
from .storage_defs import (
    RESIZE_ALLOCATE,
    RESIZE_DELTA,
    RESIZE_SHRINK,
    SPARSE_STREAM,
    STORAGE,
    VOL_CREATE_PREALLOC_METADATA,
    VOL_CREATE_REFLINK,
    VOL_CREATE_VALIDATE,
    VOL_FILE,
    Pool,
    VolDef,
    Volume,
    _vol_perms,
    no_vol_name,
    not_active,
)

QEMU_IMG = "/usr/bin/qemu-img"
STREAMS = ErrorDomain.STREAMS


def qemu_img_failed(args: str, e: ImageError) -> VirtError:
    """virCommandRun's report of a qemu-img that failed: its command line and stderr."""
    return VirtError.report(ErrorCode.INTERNAL_ERROR, ErrorDomain.NONE, f"Child process ({QEMU_IMG} {args}) "
                            f"unexpected exit status 1: qemu-img: {e.qemu_message}\n")


def system_error(domain: int, message: str) -> VirtError:
    return VirtError.report(ErrorCode.SYSTEM_ERROR, domain, message)


def _name_too_long(path: str) -> bool:
    return len(posixpath.basename(path).encode()) > NAME_MAX


class VolumeOps:
    """Volume methods of StorageState (see storage.py)."""

    images: ImageStore

    def by_name(self, name: str) -> Pool:
        raise NotImplementedError

    def _live_volumes(self, pool: Pool) -> dict[str, Volume]:
        raise NotImplementedError

    def update_stats(self, pool: Pool) -> None:
        raise NotImplementedError

    def emit(self, pool: Pool, event: int, detail: int = 0) -> None:
        raise NotImplementedError

    def image(self, vol: Volume) -> Image:
        return self.images.open(vol.path)

    def allocation(self, vol: Volume) -> int:
        """Bytes on disk (st_blocks * 512): written blocks, or the preallocation of a raw file."""
        img = self.images.open(vol.path)
        if img.format == "raw":
            return min(max(img.allocation, vol.prealloc), round_up(img.virtual_size, FS_BLOCK))
        return round_up(img.allocation, FS_BLOCK)

    def physical(self, vol: Volume) -> int:
        """The file's size (st_size)."""
        img = self.images.open(vol.path)
        return img.virtual_size if img.format == "raw" else img.allocation

    def vol_info(self, vol: Volume, flags: int = 0) -> tuple[int, int, int]:
        """virStorageVolGetInfoFlags: type, capacity, allocation (or physical with GET_PHYSICAL)."""
        if flags & ~1:
            raise VirtError.unsupported_flags("storageVolGetInfoFlags", flags & ~1, STORAGE)
        img = self.image(vol)
        return VOL_FILE, img.virtual_size, self.physical(vol) if flags & 1 else self.allocation(vol)

    def vol_list(self, pool: Pool) -> list[Volume]:
        if not pool.active:
            raise not_active(pool.name)
        return list(self._live_volumes(pool).values())

    def _new_volume_checks(self, pool: Pool, vd: VolDef, flags: int, fn: str) -> str:
        if flags & ~(VOL_CREATE_PREALLOC_METADATA | VOL_CREATE_REFLINK | VOL_CREATE_VALIDATE):
            raise VirtError.unsupported_flags(fn, flags & ~7, STORAGE)
        if not pool.active:
            raise not_active(pool.name)
        if vd.name in self._live_volumes(pool):
            raise VirtError.report(ErrorCode.STORAGE_VOL_EXIST, STORAGE, f"'{vd.name}'")
        if "/" in vd.name or vd.name in ("", ".", ".."):
            raise VirtError.operation_invalid(f"volume name '{vd.name}' cannot contain '/'", STORAGE)
        path = posixpath.join(pool.path, vd.name)
        if self.images.exists(path):
            raise VirtError.report(ErrorCode.SYSTEM_ERROR, STORAGE,
                                   f"cannot create volume '{path}': File exists")
        return path

    def vol_create(self, pool: Pool, vd: VolDef, flags: int = 0) -> Volume:
        """virStorageVolCreateXML: ``qemu-img create`` for qcow2, a (preallocated) file for raw."""
        path = self._new_volume_checks(pool, vd, flags, "storageVolCreateXML")
        fmt = vd.format or "raw"
        capacity = vd.capacity or 0
        if fmt == "raw":
            if vd.backing_path is not None:
                raise VirtError.report(ErrorCode.CONFIG_UNSUPPORTED, STORAGE,
                                       "backing storage not supported for raw volumes")
            self._create_raw_file(pool, path, capacity, capacity if vd.allocation is None else vd.allocation)
        else:
            bfmt = vd.backing_format
            if vd.backing_path is not None:
                bpath = self.images.normpath(vd.backing_path)
                if not self.images.exists(bpath):
                    raise VirtError.report(ErrorCode.SYSTEM_ERROR, STORAGE, f"inaccessible backing store "
                                           f"volume {vd.backing_path}: No such file or directory")
                if bfmt is None:
                    bfmt = self.images.open(bpath).format
            self._qemu_img_create(path, fmt, vd.capacity, vd.backing_path, bfmt)
        vol = Volume(vd.name, path, pool, perms=_vol_perms(vd.perms))
        vol.touch(self.images.clock.now())
        if fmt == "raw":
            vol.prealloc = capacity if vd.allocation is None else min(vd.allocation, capacity)
        pool.volumes[vd.name] = vol
        pool.volumes = dict(sorted(pool.volumes.items()))
        self.update_stats(pool)
        return vol

    def _create_raw_file(self, pool: Pool, path: str, capacity: int, allocation: int) -> None:
        """createRawFile: open(O_CREAT|O_EXCL), ftruncate to the capacity, fallocate the allocation."""
        if _name_too_long(path):
            raise system_error(STORAGE, f"Failed to create file '{path}': File name too long")
        if capacity > FS_MAX_FILE_SIZE:
            raise system_error(STORAGE, f"cannot extend file '{path}': File too large")
        self.update_stats(pool)
        if allocation > pool.stats[2]:
            raise system_error(STORAGE, f"cannot allocate {allocation} bytes in file '{path}': "
                               "No space left on device")
        self.images.add(Image(path, "raw", capacity, RAW_CHUNK))  # exact bytes: no qemu-img rounding

    def _qemu_img_create(self, path: str, fmt: str, capacity: int | None, backing: str | None,
                         bfmt: str | None) -> None:
        """``qemu-img create`` as libvirt runs it: the size in KiB, rounded up."""
        kib = None if capacity is None else -(-capacity // 1024)
        opts = f"-b {backing} -o backing_fmt={bfmt},compat=0.10" if backing else "-o compat=0.10"
        try:
            self.images.create(path, fmt, None if kib is None else kib * 1024, backing, bfmt)
        except ImageError as e:
            if e.reason not in ("too_large", "name_too_long"):
                raise
            raise qemu_img_failed(f"create -f {fmt} {opts} {path}{'' if kib is None else f' {kib}K'}", e) from None

    def vol_create_from(self, pool: Pool, vd: VolDef, src_pool_name: str, src_name: str, flags: int = 0) -> Volume:
        """virStorageVolCreateXMLFrom: a copy (``qemu-img convert``) of another volume."""
        src_pool = self.by_name(src_pool_name) if src_pool_name != pool.name else pool
        if not pool.active:
            raise not_active(pool.name)
        if not src_pool.active:
            raise not_active(src_pool.name)
        src = self._live_volumes(src_pool).get(src_name)
        if src is None:
            raise no_vol_name(src_name)
        path = self._new_volume_checks(pool, vd, flags, "storageVolCreateXMLFrom")
        src_img = self.image(src)
        fmt = vd.format or "raw"
        if _name_too_long(path):
            raise system_error(STORAGE, f"Failed to create file '{path}': File name too long")
        size = max(vd.capacity or 0, src_img.virtual_size)
        if fmt == "raw" and size > FS_MAX_FILE_SIZE:
            raise system_error(STORAGE, f"cannot extend file '{path}': File too large")
        img = self.images.convert(src.path, path, fmt)
        if fmt == "raw" and size > img.virtual_size:  # qemu-img convert to qcow2 keeps the source's size
            self.images.truncate(path, size)
        vol = Volume(vd.name, path, pool, perms=_vol_perms(vd.perms))
        vol.touch(self.images.clock.now())
        if fmt == "raw":
            vol.prealloc = img.virtual_size if vd.allocation is None else min(vd.allocation, img.virtual_size)
            if src_img.format == "raw":
                vol.prealloc = max(vol.prealloc, self.allocation(src))
        pool.volumes[vd.name] = vol
        pool.volumes = dict(sorted(pool.volumes.items()))
        self.update_stats(pool)
        return vol

    def vol_delete(self, vol: Volume, flags: int = 0) -> None:
        if flags & ~3:
            raise VirtError.unsupported_flags("storageVolDelete", flags & ~3, STORAGE)
        self.images.delete(vol.path)
        vol.pool.volumes.pop(vol.name, None)
        self.update_stats(vol.pool)

    def vol_wipe(self, vol: Volume, algorithm: int = 0, flags: int = 0) -> None:
        """virStorageVolWipePattern: the file's bytes are overwritten (a qcow2 file becomes raw)."""
        if flags:
            raise VirtError.unsupported_flags("storageVolWipePattern", flags, STORAGE)
        if not 0 <= algorithm <= 9:
            raise VirtError.report(ErrorCode.INVALID_ARG, STORAGE, f"wiping algorithm {algorithm} not supported")
        if 0 < algorithm < 9:  # patterns are written by scrub(1), which the host lacks
            raise VirtError.report(ErrorCode.SYSTEM_ERROR, ErrorDomain.NONE,
                                   "Cannot find 'scrub' in path: No such file or directory")
        img = self.image(vol)
        vol.touch(self.images.clock.now())
        if img.format == "raw":
            img.clusters.discard(0)
            return
        size, alloc = img.allocation, self.allocation(vol)
        self.images.delete(vol.path)
        self.images.create(vol.path, "raw", size, force=True)
        vol.prealloc = alloc

    def vol_resize(self, vol: Volume, capacity: int, flags: int = 0) -> None:
        """virStorageVolResize, with storageVolResize's checks in its order."""
        if flags & ~7:
            raise VirtError.unsupported_flags("storageVolResize", flags & ~7, STORAGE)
        img = self.image(vol)
        cur, alloc = img.virtual_size, self.allocation(vol)
        if flags & RESIZE_DELTA:
            new = cur - min(capacity, cur) if flags & RESIZE_SHRINK else cur + capacity
        else:
            new = capacity
        if new < alloc:
            raise VirtError.report(ErrorCode.INVALID_ARG, STORAGE, "can't shrink capacity below existing allocation")
        if new < cur and not flags & RESIZE_SHRINK:
            raise VirtError.report(ErrorCode.INVALID_ARG, STORAGE, "Can't shrink capacity below current "
                                   "capacity unless shrink flag explicitly specified")
        delta = new - alloc if flags & RESIZE_ALLOCATE else 0
        if delta > vol.pool.stats[2]:
            raise VirtError.report(ErrorCode.OPERATION_FAILED, STORAGE, "Not enough space left in storage pool")
        if img.format == "raw":  # ftruncate(2), to the byte
            if new > FS_MAX_FILE_SIZE:
                raise system_error(ErrorDomain.NONE, f"Failed to truncate file '{vol.path}': File too large")
            self.images.truncate(vol.path, new)
        elif new != cur:
            self._qemu_img_resize(vol.path, round_up(new, SECTOR))
        if flags & RESIZE_ALLOCATE and img.format == "raw":
            vol.prealloc = round_up(new, FS_BLOCK)
        vol.touch(self.images.clock.now())
        self.update_stats(vol.pool)

    def _qemu_img_resize(self, path: str, size: int) -> None:
        try:
            if size >= 1 << 63:  # printed unsigned, read back as a negative int64
                raise image_errors.size_not_positive()
            self.images.resize(path, size, shrink=True, force=True)
        except ImageError as e:
            raise qemu_img_failed(f"resize {path} {size}", e) from None

    # -- data streams ----------------------------------------------------------------------

    def upload(self, vol: Volume, offset: int, length: int, flags: int = 0) -> VolumeWriter:
        """virStorageVolUpload: a writer the stream feeds (raw files grow as written)."""
        if flags & ~SPARSE_STREAM:
            raise VirtError.unsupported_flags("storageVolUpload", flags & ~SPARSE_STREAM, STORAGE)
        self.image(vol)
        if offset > FS_MAX_FILE_SIZE:
            raise system_error(STREAMS, f"Unable to seek {vol.path} to {offset}: Invalid argument")
        return VolumeWriter(self, vol, offset, length)

    def download(self, vol: Volume, offset: int, length: int, flags: int = 0) -> Iterator[bytes | int]:
        """virStorageVolDownload: the volume's bytes from offset, as data pieces and holes."""
        if flags & ~SPARSE_STREAM:
            raise VirtError.unsupported_flags("storageVolDownload", flags & ~SPARSE_STREAM, STORAGE)
        size = self.image(vol).virtual_size
        vol.touch(self.images.clock.now(), modified=False)
        start = min(offset, size)
        stop = size if length == 0 else min(size, start + length)
        return self._chunks(vol.path, start, stop)

    def _chunks(self, path: str, start: int, stop: int) -> Iterator[bytes | int]:
        images = self.images.chain(path)
        pos = start
        for a, b in rw.data_ranges(images, stop):  # everything else reads as zeros: holes
            a, b = max(a, start), min(b, stop)
            if a >= b:
                continue
            if a > pos:
                yield a - pos
            for p in range(a, b, 1 << 20):
                yield self.images.read(path, p, min(1 << 20, b - p))
            pos = b
        if stop > pos:
            yield stop - pos


class VolumeWriter:
    """Where an upload's data goes: sequential writes from ``offset``, at most ``length`` bytes.

    As libvirt's fdstream: data past ``length`` fails with ENOSPC (after what fits was written),
    a hole past it is cut short; a raw file grows as written up to the filesystem's largest file,
    and each hole truncates it where the hole ends (lseek + ftruncate).  A qcow2 volume carries
    what the guest sees, so it does not grow.
    """

    def __init__(self, state: VolumeOps, vol: Volume, offset: int, length: int) -> None:
        self.state, self.vol, self.pos = state, vol, offset
        self.end = offset + length if length else None

    def _fit(self, n: int) -> int:
        return n if self.end is None else max(0, min(n, self.end - self.pos))

    def _image(self, n: int) -> Image:
        img = self.state.image(self.vol)
        if img.format != "raw" and self.pos + n > img.virtual_size:
            raise system_error(STORAGE, "Unable to write stream data: No space left on device")
        return img

    def write(self, data: bytes) -> None:
        n = self._fit(len(data))
        img = self._image(n)
        room = max(0, FS_MAX_FILE_SIZE - self.pos) if img.format == "raw" else n
        if min(n, room):
            if self.pos + min(n, room) > img.virtual_size:
                self.state.images.truncate(self.vol.path, self.pos + min(n, room))
            self.state.images.write(self.vol.path, self.pos, data[:min(n, room)], force=True)
            self.pos += min(n, room)
        if room < n:
            raise system_error(STREAMS, f"Unable to write {self.vol.path}: File too large")
        if n < len(data):
            raise system_error(STREAMS, "cannot write to stream: No space left on device")

    def hole(self, length: int) -> None:
        n = self._fit(length)
        img = self._image(n)
        start, end = self.pos, self.pos + n
        if img.format == "raw" and end > FS_MAX_FILE_SIZE:
            raise system_error(STREAMS, f"unable to seek in {self.vol.path}: Invalid argument")
        stop = min(end, img.virtual_size)
        if stop > start and img.backing is None:
            # Nothing shows through: drop the clusters inside the hole (a sparse file's hole).
            cs = img.cluster_size
            first, last = -(-start // cs), stop // cs  # clusters wholly inside [start, stop)
            img.clusters.discard(first, last)
            for a, b in ((start, min(stop, first * cs)), (max(start, last * cs), stop)):
                if a < b:
                    self.state.images.write(self.vol.path, a, bytes(b - a), force=True)
        elif stop > start:
            self.state.images.write_zeroes(self.vol.path, start, stop - start, force=True)
        if img.format == "raw":
            self.state.images.truncate(self.vol.path, end)
        self.pos = end

    def finish(self) -> None:
        """The upload completed: libvirt refreshes the pool (a refresh event)."""
        self.vol.touch(self.state.images.clock.now())
        if self.vol.pool.active:
            self.state.update_stats(self.vol.pool)
            self.state.emit(self.vol.pool, -1)
