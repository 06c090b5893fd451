"""libvirt's flag enums, one ``enum.IntFlag`` per libvirt enum with libvirt's member names.

One module per API family (``flags.domain``, ``flags.storage``, ``flags.snapshot``, …); handlers
and the model test bits with these names, never with bare numbers.
"""

from __future__ import annotations

from ...errors import VirtError

__all__ = ["check_flags"]


def check_flags(driver_fn: str, flags: int, allowed: int) -> None:
    """virCheckFlags: refuse any bit outside ``allowed``, naming the driver function."""
    unknown = flags & ~int(allowed)  # int: ~ of an IntFlag keeps only its known bits
    if unknown:
        raise VirtError.unsupported_flags(driver_fn, unknown)
