"""Failures of the image layer, worded as qemu-img 7.2 / QEMU's block layer print them.

``ImageError.qemu_message`` is QEMU's own text (what follows ``qemu-img: `` on stderr), so a caller
that reports a failed block job or volume operation can quote it the way libvirt quotes qemu-img.
``reason`` is a short machine-readable tag callers may switch on.
"""

from __future__ import annotations

from collections.abc import Iterable

from . import ErrorCode, ErrorDomain, VirtError

ENOENT = "No such file or directory"
EIO = "Input/output error"


class ImageError(VirtError):
    """A disk image operation failed; ``qemu_message`` is the qemu-img / QEMU wording."""

    def __init__(self, reason: str, qemu_message: str, *, code: int = ErrorCode.INTERNAL_ERROR,
                 subject: str | None = None) -> None:
        made = VirtError.report(code, ErrorDomain.STORAGE, qemu_message)
        super().__init__(made.code, made.domain, made.message, template=made.template,
                         detail=made.detail)
        self.reason = reason
        self.qemu_message = qemu_message
        self.subject = subject

    def prefixed(self, prefix: str) -> ImageError:
        """The same failure with QEMU's error_prepend() text in front."""
        return ImageError(self.reason, prefix + self.qemu_message, code=self.code,
                          subject=self.subject)


# Opening images and chains (block.c bdrv_open_backing_file, qemu-img.c collect_image_info_list).

def not_found(path: str) -> ImageError:
    return ImageError("missing", f"Could not open '{path}': {ENOENT}", subject=path)


def backing_missing(depth: int, path: str) -> ImageError:
    """The backing file ``depth`` levels below the opened image does not exist."""
    prefix = "Could not open backing file: " * depth
    return ImageError("missing", f"{prefix}Could not open '{path}': {ENOENT}", subject=path)


def backing_loop(path: str) -> ImageError:
    return ImageError("loop", f"Backing file '{path}' creates an infinite loop.", subject=path)


def wrong_format(depth: int, path: str, fmt: str, actual: str) -> ImageError:
    """A backing file recorded as ``fmt`` is really ``actual``.

    QEMU says "Image is not in qcow2 format" for qcow2-over-raw; for raw-over-qcow2 it would
    show the qcow2 file's bytes to the guest, which the emulator refuses instead.
    """
    prefix = "Could not open backing file: " * depth
    if fmt == "qcow2":
        return ImageError("format", f"{prefix}Image is not in qcow2 format", subject=path)
    return ImageError("format", f"{prefix}Image '{path}' is in {actual} format, not {fmt}",
                      subject=path)


# qemu-img create (block.c bdrv_img_create, block/qcow2.c qcow2_co_create_opts).

def unknown_format(path: str, fmt: str) -> ImageError:
    return ImageError("invalid", f"{path}: Unknown file format '{fmt}'", code=ErrorCode.INVALID_ARG)


def needs_size(path: str) -> ImageError:
    return ImageError("invalid", f"{path}: Image creation needs a size parameter",
                      code=ErrorCode.INVALID_ARG)


def invalid_size() -> ImageError:
    return ImageError("invalid", "Invalid image size specified. You may use k, M, G, T, P or E "
                      "suffixes for\nqemu-img: kilobytes, megabytes, gigabytes, terabytes, "
                      "petabytes and exabytes.", code=ErrorCode.INVALID_ARG)


def bad_cluster_size(path: str) -> ImageError:
    return ImageError("invalid", f"{path}: Cluster size must be a power of two between 512 and 2048k",
                      code=ErrorCode.INVALID_ARG)


def name_too_long(path: str) -> ImageError:
    return ImageError("name_too_long", f"{path}: Could not create '{path}': File name too long",
                      code=ErrorCode.INVALID_ARG, subject=path)


def too_large(path: str, fmt: str) -> ImageError:
    """bdrv_img_create() on -EFBIG (qemu-img adds the cluster size hint for qcow2)."""
    hint = " (try using a larger cluster size)" if fmt == "qcow2" else ""
    return ImageError("too_large", f"{path}: The image size is too large for file format '{fmt}'{hint}",
                      code=ErrorCode.INVALID_ARG, subject=path)


def backing_unsupported(path: str, fmt: str) -> ImageError:
    return ImageError("invalid", f"{path}: Backing file not supported for file format '{fmt}'",
                      code=ErrorCode.INVALID_ARG)


def backing_fmt_without_file(path: str) -> ImageError:
    return ImageError("invalid", f"{path}: Backing format cannot be used without backing file",
                      code=ErrorCode.INVALID_ARG)


def backing_without_fmt(path: str, detected: str) -> ImageError:
    return ImageError("invalid", f"{path}: Backing file specified without backing format\n"
                      f"Detected format of {detected}.", code=ErrorCode.INVALID_ARG)


def backing_is_self(path: str) -> ImageError:
    return ImageError("invalid", f"{path}: Error: Trying to create an image with the same filename "
                      "as the backing file", code=ErrorCode.INVALID_ARG)


def create_backing_failed(path: str, err: ImageError) -> ImageError:
    return ImageError(err.reason, f"{path}: {err.qemu_message}\nCould not open backing image.",
                      subject=err.subject)


def snapshot_load_missing(name: str) -> ImageError:
    """Opening an image as one of its internal snapshots (qemu-img convert -l / compare)."""
    return ImageError("no_snapshot", "Failed to load snapshot: Can't find snapshot",
                      code=ErrorCode.OPERATION_INVALID, subject=name)


# Guest I/O (qemu-io: "read failed: Input/output error").

def io_error(op: str) -> ImageError:
    return ImageError("range", f"{op} failed: {EIO}", code=ErrorCode.INVALID_ARG)


# qemu-img commit / rebase / resize / convert / check.

def no_backing() -> ImageError:
    return ImageError("invalid", "Image does not have a backing file", code=ErrorCode.OPERATION_INVALID)


def base_not_in_chain(base: str, top: str) -> ImageError:
    return ImageError("invalid", f"Did not find '{base}' in the backing chain of '{top}'",
                      code=ErrorCode.INVALID_ARG, subject=base)


def rebase_needs_format(backing: str) -> ImageError:
    return ImageError("invalid", f"Could not change the backing file to '{backing}': backing "
                      "format must be specified", code=ErrorCode.INVALID_ARG)


def shrink_needs_flag() -> ImageError:
    return ImageError("shrink", "Use the --shrink option to perform a shrink operation.\n"
                      "qemu-img: warning: Shrinking an image will delete all data beyond the "
                      "shrunken image's end. Before performing such an operation, make sure there "
                      "is no important data there.", code=ErrorCode.OPERATION_INVALID)


def size_not_positive() -> ImageError:
    return ImageError("invalid", "New image size must be positive", code=ErrorCode.INVALID_ARG)


def resize_too_large(fmt: str) -> ImageError:
    """qcow2 cannot grow its L1 table that far; a raw file cannot be truncated that far."""
    text = "Failed to grow the L1 table" if fmt == "qcow2" else "Could not resize file"
    return ImageError("too_large", f"{text}: File too large", code=ErrorCode.INVALID_ARG)


def size_not_aligned() -> ImageError:
    return ImageError("invalid", "The new size must be a multiple of 512", code=ErrorCode.INVALID_ARG)


def same_image(path: str, fmt: str) -> ImageError:
    return ImageError("in_use", f"{path}: error while converting {fmt}: Failed to get \"write\" "
                      f"lock\nIs another process using the image [{path}]?",
                      code=ErrorCode.OPERATION_INVALID, subject=path)


def commit_top_not_emptied() -> VirtError:
    """qemu-img commit -d (keep nothing) needs the immediate backing file as its base."""
    return VirtError.invalid_arg("the top image can only be emptied when committing into "
                                 "its immediate backing file")


def check_unsupported() -> ImageError:
    return ImageError("unsupported", "This image format does not support checks",
                      code=ErrorCode.NO_SUPPORT)


# qemu-img snapshot (qemu-img.c img_snapshot).

def snapshot_create_unsupported(name: str) -> ImageError:
    return ImageError("unsupported", f"Could not create snapshot '{name}': -95 (Operation not supported)",
                      code=ErrorCode.NO_SUPPORT)


def snapshot_apply_unsupported(name: str) -> ImageError:
    return ImageError("unsupported", f"Could not apply snapshot '{name}': Block driver does not "
                      "support snapshots", code=ErrorCode.NO_SUPPORT)


def snapshot_apply_missing(name: str) -> ImageError:
    return ImageError("no_snapshot", f"Could not apply snapshot '{name}': Failed to load snapshot: "
                      f"{ENOENT}", code=ErrorCode.OPERATION_INVALID, subject=name)


def snapshot_delete_missing(name: str) -> ImageError:
    return ImageError("no_snapshot", f"Could not delete snapshot '{name}': snapshot not found",
                      code=ErrorCode.OPERATION_INVALID, subject=name)


# Persistent dirty bitmaps (qemu-img bitmap; QMP block-dirty-bitmap-*: block/dirty-bitmap.c, qcow2-bitmap.c).

def _bitmap_op(op: str, name: str, reason: str, text: str) -> ImageError:
    return ImageError(reason, f"Operation {op} on bitmap {name} failed: {text}", subject=name)


def bitmap_exists(name: str) -> ImageError:
    return _bitmap_op("add", name, "bitmap_exists", f"Bitmap already exists: {name}")


def bitmap_missing(op: str, name: str, missing: str) -> ImageError:
    return _bitmap_op(op, name, "no_bitmap", f"Dirty bitmap '{missing}' not found")


def bitmap_granularity(name: str) -> ImageError:
    return _bitmap_op("add", name, "bitmap_granularity", "Granularity must be power of 2 and at least 512")


def bitmap_name_too_long(name: str, path: str) -> ImageError:
    return _bitmap_op("add", name, "bitmap_name", f"Can't make bitmap '{name}' persistent in "
                      f"'{path}': Name length exceeds maximum (1023 characters)")


def bitmap_unsupported(op: str, name: str, path: str) -> ImageError:
    return _bitmap_op(op, name, "bitmap_unsupported",
                      f"Can't store persistent bitmaps to {path}: Operation not supported")


# The real qemu-img, for importing and exporting host files (model/images/interop.py).

def qemu_img_missing() -> ImageError:
    return ImageError("unsupported", "qemu-img is not installed (apt-get install qemu-utils)")


def qemu_img_failed(stderr: str) -> ImageError:
    """qemu-img exited non-zero: its own message, without the ``qemu-img: `` prefix."""
    return ImageError("external", stderr.strip().removeprefix("qemu-img: "))


def import_unsupported(host_path: str) -> ImageError:
    return ImageError("unsupported", f"{host_path}: encrypted images, extended L2 entries and "
                      "external data files cannot be imported", code=ErrorCode.NO_SUPPORT)


# The emulator's own namespace and rule: absolute paths; never change what another user of an image sees.

def path_not_absolute(path: str) -> VirtError:
    return VirtError.invalid_arg(f"image path '{path}' is not absolute")


def in_use(path: str, users: Iterable[str]) -> ImageError:
    """``users``: how each other user of the image is described (``Owner.describe()``)."""
    who = ", ".join(sorted(users))
    return ImageError("in_use", f"image '{path}' is in use by {who}", code=ErrorCode.OPERATION_INVALID,
                      subject=path)


def not_held(path: str, user: str) -> VirtError:
    """An image released by a user that never acquired it (a bug of the emulator's bookkeeping)."""
    return VirtError.internal(f"'{path}' is not held by {user}")
