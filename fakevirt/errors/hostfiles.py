"""Failures reading the host's real files (``fakevirt serve --host-files``).

The texts follow QEMU's block layer where it has one (qcow2.c), prefixed by the store with
``Could not open 'PATH': `` the way qemu-img reports an image it cannot open.
"""

from __future__ import annotations

from . import ErrorCode
from .images import ImageError


def unsupported(what: str) -> ImageError:
    """A qcow2 feature fakevirt does not read from host files."""
    return ImageError("unsupported", f"fakevirt does not read qcow2 {what} from host files",
                      code=ErrorCode.NO_SUPPORT)


def corrupt(detail: str) -> ImageError:
    """A qcow2 header or table that points outside the file or is out of range."""
    return ImageError("corrupt", detail)


def unreadable(path: str, reason: str) -> ImageError:
    """The host refused a read (the file vanished, permissions changed, EIO)."""
    return ImageError("external", f"Could not read '{path}': {reason}", subject=path)


def host_files_hint(path: str) -> str:
    """The log line beside "cannot open directory": how to show fakevirt a real directory."""
    return (f"fakevirt sees only its emulated files: to let pools and domains see the real files "
            f"under '{path}', start it with --host-files {path}")
