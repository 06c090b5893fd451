"""Volume operations of the storage driver: create, clone, delete, wipe, resize, upload, download.

``VolumeOps`` deals with one volume at a time, on the pools and accounting of ``StorageCore``.
"""

from __future__ import annotations

import posixpath
from collections.abc import Iterator

from ..errors import images as image_errors
from ..errors import storage as err
from .flags.secret import SecretUsageType
from .flags.storage import (
    VOL_CREATE_ALL,
    VOL_DELETE_ALL,
    VOL_RESIZE_ALL,
    StorageVolDownloadFlags,
    StorageVolInfoFlags,
    StorageVolResizeFlags,
    StorageVolType,
    StorageVolUploadFlags,
    StorageVolWipeAlgorithm,
)
from .images import ImageError, formats
from .images.image import FS_BLOCK, FS_MAX_FILE_SIZE, NAME_MAX, RAW_CHUNK, SECTOR, Image, round_up
from .storage_core import StorageCore
from .storage_defs import ENCRYPTION_FORMATS, Perms, Pool, VolDef, VolEncryption, Volume

_PIECE = 1 << 20  # a download's data pieces


def _name_too_long(path: str) -> bool:
    return len(posixpath.basename(path).encode()) > NAME_MAX


class VolumeOps(StorageCore):
    """The volume calls of the storage driver (StorageState adds the pool lifecycle)."""

    def vol_info(self, vol: Volume, flags: int = 0) -> tuple[int, int, int]:
        """virStorageVolGetInfoFlags: type, capacity, allocation (or physical with GET_PHYSICAL)."""
        err.check_flags("storageVolGetInfoFlags", flags, StorageVolInfoFlags.GET_PHYSICAL)
        img = self.image(vol)
        physical = flags & StorageVolInfoFlags.GET_PHYSICAL
        vtype = StorageVolType.DIR if (vol.declared_format or img.format) == "dir" else StorageVolType.FILE
        return vtype, img.virtual_size, self.physical(vol) if physical else self.allocation(vol)

    def _new_volume_checks(self, pool: Pool, vd: VolDef, flags: int, fn: str) -> str:
        err.check_flags(fn, flags, VOL_CREATE_ALL)
        if not pool.active:
            raise err.pool_not_active(pool.name)
        if vd.name in self.live_volumes(pool):
            raise err.vol_exists(vd.name)
        if "/" in vd.name or vd.name in ("", ".", ".."):
            raise err.vol_name_invalid(vd.name)
        path = posixpath.join(pool.path, vd.name)
        if self.images.exists(path):
            raise err.vol_file_exists(path)
        return path

    def vol_create(self, pool: Pool, vd: VolDef, flags: int = 0) -> Volume:
        """virStorageVolCreateXML: ``qemu-img create`` for qcow2, a (preallocated) file for raw."""
        path = self._new_volume_checks(pool, vd, flags, "storageVolCreateXML")
        fmt = vd.format or "raw"
        capacity = vd.capacity or 0
        if vd.encryption is not None:
            self._check_encryption(vd.encryption, fmt)
        if fmt == "raw" and vd.encryption is None:
            if vd.backing_path is not None:
                raise err.raw_backing_unsupported()
            self._create_raw_file(pool, path, capacity, capacity if vd.allocation is None else vd.allocation)
        elif fmt != "qcow2" and vd.encryption is None:
            self._create_other(path, fmt, capacity)
        else:
            bfmt = vd.backing_format
            if vd.backing_path is not None:
                bpath = self.images.normpath(vd.backing_path)
                if not self.images.exists(bpath):
                    raise err.backing_inaccessible(vd.backing_path)
                if bfmt is None:
                    bfmt = self.images.open(bpath).format
            img = self._qemu_img_create(path, fmt, vd.capacity, vd.backing_path, bfmt)
            img.compat_v2 = fmt == "qcow2" and vd.compat in (None, "0.10")
        vol = Volume(vd.name, path, pool, perms=Perms.of_volume(vd.perms), encryption=vd.encryption)
        vol.touch(self.images.clock.now())
        if fmt == "raw" and vd.encryption is None:
            vol.prealloc = capacity if vd.allocation is None else min(vd.allocation, capacity)
        self._declare(vol, fmt)
        pool.volumes[vd.name] = vol
        pool.volumes = dict(sorted(pool.volumes.items()))
        self.update_stats(pool)
        return vol

    def _check_encryption(self, enc: VolEncryption, fmt: str) -> None:
        """storageBackendCreateQemuImg for an encrypted volume: its one passphrase secret (which must
        have a value), then the formats qemu-img can encrypt (LUKS only)."""
        if len(enc.secrets) != 1:
            raise err.single_secret_expected()
        self.hv.secrets.value_for(enc.secrets[0][1], SecretUsageType.VOLUME)
        if enc.format in ("default", "qcow") and fmt == "qcow2":
            raise err.qcow_encryption_unsupported()
        if fmt == "raw" and enc.format != "luks":
            raise err.raw_needs_luks()
        if enc.format != "luks":
            raise err.encryption_format_unsupported(ENCRYPTION_FORMATS.index(enc.format))

    def _create_raw_file(self, pool: Pool, path: str, capacity: int, allocation: int) -> None:
        """createRawFile: open(O_CREAT|O_EXCL), ftruncate to the capacity, fallocate the allocation."""
        if _name_too_long(path):
            raise err.file_name_too_long(path)
        if capacity > FS_MAX_FILE_SIZE:
            raise err.cannot_extend(path)
        self.update_stats(pool)
        if allocation > pool.available:
            raise err.cannot_allocate(allocation, path)
        self.images.add(Image(path, "raw", capacity, RAW_CHUNK))  # exact bytes: no qemu-img rounding

    def _create_other(self, path: str, fmt: str, capacity: int) -> None:
        """The dir backend's other formats: a directory, ploop (no tools), or ``qemu-img create``
        (iso as raw; bochs, cloop and dmg are read-only drivers; fat, vhd and cow unknown)."""
        if fmt == "ploop":
            raise err.ploop_missing()
        if fmt == "dir":
            self.images.add(formats.directory(path))
            return
        kib = -(-capacity // 1024)
        args = f"create -f {'raw' if fmt == 'iso' else fmt} {path} {kib}K"
        if fmt in formats.CREATE_UNSUPPORTED or fmt in formats.CREATE_UNKNOWN:
            raise err.qemu_img_cannot_create(args, f"{path}: ", fmt, fmt in formats.CREATE_UNSUPPORTED)
        if _name_too_long(path):
            raise err.qemu_img_failed(args, f"{path}: Could not create '{path}': File name too long")
        if fmt == "iso":
            self.images.create(path, "raw", kib * 1024)
        else:
            self.images.add(formats.foreign_image(path, fmt, kib * 1024, self.images.clock.now()))

    @staticmethod
    def _declare(vol: Volume, fmt: str) -> None:
        """Formats the probe cannot tell from raw show as declared until the next refresh."""
        if fmt in ("iso", "dir"):
            vol.declared_format = fmt
        if fmt == "iso":
            vol.prealloc = FS_BLOCK  # qemu-img create -f raw writes the first block

    def _qemu_img_create(self, path: str, fmt: str, capacity: int | None, backing: str | None,
                         bfmt: str | None) -> Image:
        """``qemu-img create`` as libvirt runs it: the size in KiB, rounded up."""
        kib = None if capacity is None else -(-capacity // 1024)
        opts = f"-b {backing} -o backing_fmt={bfmt},compat=0.10" if backing else "-o compat=0.10"
        try:
            return self.images.create(path, fmt, None if kib is None else kib * 1024, backing, bfmt)
        except ImageError as e:
            if e.reason not in ("too_large", "name_too_long"):
                raise
            raise err.qemu_img_failed(f"create -f {fmt} {opts} {path}{'' if kib is None else f' {kib}K'}",
                                      e.qemu_message) from None

    def vol_create_from(self, pool: Pool, vd: VolDef, src_pool_name: str, src_name: str, flags: int = 0) -> Volume:
        """virStorageVolCreateXMLFrom: a copy (``qemu-img convert``) of another volume."""
        src_pool = self.by_name(src_pool_name) if src_pool_name != pool.name else pool
        if not pool.active:
            raise err.pool_not_active(pool.name)
        src = self.vol_by_name(src_pool, src_name)
        path = self._new_volume_checks(pool, vd, flags, "storageVolCreateXMLFrom")
        src_img = self.image(src)
        fmt = vd.format or "raw"
        if _name_too_long(path):
            raise err.file_name_too_long(path)
        size = max(vd.capacity or 0, src_img.virtual_size)
        if fmt == "raw" and size > FS_MAX_FILE_SIZE:
            raise err.cannot_extend(path)
        img = self._convert(src.path, src_img.format, path, fmt, size)
        vol = Volume(vd.name, path, pool, perms=Perms.of_volume(vd.perms))
        vol.touch(self.images.clock.now())
        self._declare(vol, fmt)
        if self._copied(src_img.format, fmt):
            vol.prealloc = img.virtual_size if vd.allocation is None else min(vd.allocation, img.virtual_size)
            if src_img.format == "raw":
                vol.prealloc = max(vol.prealloc, self.allocation(src))
        pool.volumes[vd.name] = vol
        pool.volumes = dict(sorted(pool.volumes.items()))
        self.update_stats(pool)
        return vol

    def _convert(self, src: str, src_fmt: str, path: str, fmt: str, size: int) -> Image:
        """``qemu-img convert -f SRC_FMT -O FMT``: raw and qcow2 through the model, the formats it
        keeps as files as an empty image of the source's size (their data is not modelled)."""
        args = f"convert -f {src_fmt} -O {fmt} {src} {path}"
        if fmt in formats.CREATE_UNSUPPORTED or fmt in formats.CREATE_UNKNOWN or fmt == "ploop":
            raise err.qemu_img_cannot_create(args, "", fmt, fmt in formats.CREATE_UNSUPPORTED)
        if fmt in formats.CREATED:
            return self.images.add(formats.foreign_image(path, fmt, round_up(size, SECTOR),
                                                         self.images.clock.now()))
        img = self.images.convert(src, path, "qcow2" if fmt == "qcow2" else "raw")
        if fmt == "qcow2":
            img.virtual_size = round_up(img.virtual_size, SECTOR)  # qemu-img counts in sectors
        elif size > img.virtual_size or not self._copied(src_fmt, fmt):
            self.images.truncate(path, size if self._copied(src_fmt, fmt) else round_up(size, SECTOR))
        return img

    @staticmethod
    def _copied(src_fmt: str, fmt: str) -> bool:
        """Whether libvirt copies the bytes itself (raw to raw, preallocated) rather than run
        ``qemu-img convert`` (sparse, whole sectors)."""
        return src_fmt == "raw" and fmt in ("raw", "dir")

    def vol_delete(self, vol: Volume, flags: int = 0) -> None:
        err.check_flags("storageVolDelete", flags, VOL_DELETE_ALL)
        if self.image(vol).format == "dir" and self.images.listdir(vol.path):
            raise err.rmdir_failed(vol.path, "Directory not empty")
        self.images.delete(vol.path)
        vol.pool.volumes.pop(vol.name, None)
        self.update_stats(vol.pool)

    def vol_wipe(self, vol: Volume, algorithm: int = StorageVolWipeAlgorithm.ZERO, flags: int = 0) -> None:
        """virStorageVolWipePattern: the file's bytes are overwritten (a qcow2 file becomes raw)."""
        err.check_flags("storageVolWipePattern", flags, 0)
        if not StorageVolWipeAlgorithm.ZERO <= algorithm <= StorageVolWipeAlgorithm.TRIM:
            raise err.wipe_algorithm_unsupported(algorithm)
        if algorithm not in (StorageVolWipeAlgorithm.ZERO, StorageVolWipeAlgorithm.TRIM):
            raise err.scrub_missing()  # patterns are written by scrub(1), which the host lacks
        img = self.image(vol)
        if img.format == "dir":
            raise err.wipe_open_dir(vol.path)
        vol.touch(self.images.clock.now())
        # storageBackendVolWipeLocalFile: zeros over the allocation (the file may grow to it);
        # a sparse file (allocation below its size) is truncated to nothing and back instead.
        size, alloc = self.physical(vol), self.allocation(vol)
        size, alloc = (max(size, alloc), max(size, alloc)) if alloc >= size else (size, 0)
        if img.format == "raw":
            img.clusters.discard(0)
            self.images.truncate(vol.path, size)
        else:
            self.images.delete(vol.path)
            self.images.create(vol.path, "raw", size, force=True)
        vol.prealloc = alloc
        vol.declared_format = None  # the volume is probed again: zeros are raw

    def vol_resize(self, vol: Volume, capacity: int, flags: int = 0) -> None:
        """virStorageVolResize, with storageVolResize's checks in its order."""
        err.check_flags("storageVolResize", flags, VOL_RESIZE_ALL)
        f = StorageVolResizeFlags
        img = self.image(vol)
        cur, alloc = img.virtual_size, self.allocation(vol)
        if flags & f.DELTA:
            new = cur - min(capacity, cur) if flags & f.SHRINK else cur + capacity
        else:
            new = capacity
        if new < alloc:
            raise err.shrink_below_allocation()
        if new < cur and not flags & f.SHRINK:
            raise err.shrink_without_flag()
        delta = new - alloc if flags & f.ALLOCATE else 0
        if delta > vol.pool.available:
            raise err.pool_full()
        if img.format == "raw" and vol.declared_format != "iso":  # ftruncate(2), to the byte (iso: qemu-img)
            if new > FS_MAX_FILE_SIZE:
                raise err.truncate_too_large(vol.path)
            self.images.truncate(vol.path, new)
        elif new != cur:
            self._qemu_img_resize(img, round_up(new, SECTOR))
        if flags & f.ALLOCATE and img.format == "raw":
            vol.prealloc = round_up(new, FS_BLOCK)
        vol.touch(self.images.clock.now())
        self.update_stats(vol.pool)

    def _qemu_img_resize(self, img: Image, size: int) -> None:
        path = img.path
        if img.format == "dir":
            raise err.qemu_img_failed(f"resize {path} {size}",
                                      f"Could not open '{path}': Could not open '{path}': Is a directory")
        if img.format in formats.KEPT:
            if not formats.resize_kept(img, size):
                raise err.qemu_img_failed(f"resize {path} {size}", "Image format driver does not support resize")
            return
        try:
            if size >= 1 << 63:  # printed unsigned, read back as a negative int64
                raise image_errors.size_not_positive()
            self.images.resize(path, size, shrink=True, force=True)
        except ImageError as e:
            raise err.qemu_img_failed(f"resize {path} {size}", e.qemu_message) from None

    # -- data streams ----------------------------------------------------------------------

    def upload(self, vol: Volume, offset: int, length: int, flags: int = 0) -> VolumeWriter:
        """virStorageVolUpload: a writer the stream feeds (raw files grow as written)."""
        err.check_flags("storageVolUpload", flags, StorageVolUploadFlags.SPARSE_STREAM)
        if self.image(vol).format == "dir":
            raise err.stream_open_dir(vol.path)
        if offset > FS_MAX_FILE_SIZE:
            raise err.seek_failed(vol.path, offset)
        return VolumeWriter(self, vol, offset, length)

    def download(self, vol: Volume, offset: int, length: int, flags: int = 0) -> Iterator[bytes | int]:
        """virStorageVolDownload: the file's bytes from offset (a qcow2 volume as a qcow2 file),
        as data pieces and holes."""
        err.check_flags("storageVolDownload", flags, StorageVolDownloadFlags.SPARSE_STREAM)
        raw = formats.file_of(self.image(vol))
        vol.touch(self.images.clock.now(), modified=False)
        start = min(offset, raw.virtual_size)
        stop = raw.virtual_size if length == 0 else min(raw.virtual_size, start + length)
        return formats.pieces(raw, start, stop, _PIECE)


class VolumeWriter:
    """Where an upload's data goes: the volume's file, sequentially from ``offset``, at most
    ``length`` bytes.

    As libvirt's fdstream: data past ``length`` fails with ENOSPC (after what fits was written),
    a hole past it is cut short; the file grows as written up to the filesystem's largest file,
    and each hole truncates it where the hole ends (lseek + ftruncate).  The bytes are the file's,
    whatever its format: a qcow2 volume becomes the raw bytes of its file at the first write, and
    when the stream ends the file is probed and interpreted again (formats.interpret), as
    libvirt's pool refresh after an upload does.
    """

    def __init__(self, state: StorageCore, vol: Volume, offset: int, length: int) -> None:
        self.state, self.vol, self.pos = state, vol, offset
        self.end = offset + length if length else None
        self.touched = False
        self.written: list[tuple[int, int]] = []  # data ranges written (the file's allocated blocks)

    def _fit(self, n: int) -> int:
        return n if self.end is None else max(0, min(n, self.end - self.pos))

    def _image(self) -> Image:
        img = self.state.image(self.vol)
        if not self.touched:
            self.touched = True
            if img.format != "raw":
                raw = formats.as_file(img)
                self.state.images.set_backing(img, None, None)
                formats.replace(img, raw)
        return img

    def write(self, data: bytes) -> None:
        n = self._fit(len(data))
        img = self._image()
        room = max(0, FS_MAX_FILE_SIZE - self.pos)
        if min(n, room):
            if self.pos + min(n, room) > img.virtual_size:
                self.state.images.truncate(self.vol.path, self.pos + min(n, room))
            self.state.images.write(self.vol.path, self.pos, data[:min(n, room)], force=True)
            self._record(self.pos, self.pos + min(n, room))
            self.pos += min(n, room)
        if room < n:
            raise err.write_too_large(self.vol.path)
        if n < len(data):
            raise err.stream_full()

    def hole(self, length: int) -> None:
        n = self._fit(length)
        img = self._image()
        start, end = self.pos, self.pos + n
        if end > FS_MAX_FILE_SIZE:
            raise err.hole_seek_failed(self.vol.path)
        stop = min(end, img.virtual_size)
        if stop > start:
            # A sparse file's hole: drop the chunks inside it, zero the partial ones at its ends.
            cs = img.cluster_size
            first, last = -(-start // cs), stop // cs  # chunks wholly inside [start, stop)
            img.clusters.discard(first, last)
            for a, b in ((start, min(stop, first * cs)), (max(start, last * cs), stop)):
                if a < b:
                    self.state.images.write(self.vol.path, a, bytes(b - a), force=True)
        self.state.images.truncate(self.vol.path, end)
        self.pos = end

    def _record(self, a: int, b: int) -> None:
        if self.written and self.written[-1][1] == a:
            self.written[-1] = (self.written[-1][0], b)
        else:
            self.written.append((a, b))

    def _interpret(self) -> None:
        if not self.touched or not self.state.images.exists(self.vol.path):
            return
        img = self.state.image(self.vol)
        size = img.virtual_size
        blocks = sum(round_up(min(b, size), FS_BLOCK) - a // FS_BLOCK * FS_BLOCK for a, b in self.written if a < size)
        new = formats.interpret(img)
        if new is not img:
            self.state.images.set_backing(img, new.backing, new.backing_format)
            formats.replace(img, new)
        if img.file is not None:
            img.file.allocation = max(img.file.raw.allocation, blocks)
        else:
            self.vol.prealloc = max(self.vol.prealloc, blocks)  # zeros written are blocks too
        self.vol.declared_format = formats.probed_format(img)

    def abort(self) -> None:
        """The client aborted (or the stream failed): what was written stays written."""
        self._interpret()

    def finish(self) -> None:
        """The upload completed: libvirt refreshes the pool (a refresh event), probing the file."""
        self._interpret()
        self.vol.touch(self.state.images.clock.now())
        if self.vol.pool.active:
            self.state.update_stats(self.vol.pool)
            self.state.emit_refresh(self.vol.pool)
