"""In-memory disk images shared by domains, pools, snapshots and block jobs.

``ImageStore`` is a virtual filesystem of ``Image`` objects (qcow2 or raw) with qemu-img's
operations and refusals; ``interop`` (the only module here doing I/O) moves images to and from
real files so QEMU's own tools can inspect them.
"""

from __future__ import annotations

from ...errors.images import ImageError
from .image import DEFAULT_CLUSTER_SIZE, FORMATS, Image, InternalSnapshot, resolve
from .owner import Owner, OwnerKind
from .store import ImageStore

__all__ = ["DEFAULT_CLUSTER_SIZE", "FORMATS", "Image", "ImageError", "ImageStore", "InternalSnapshot",
           "Owner", "OwnerKind", "resolve"]
