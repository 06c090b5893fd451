"""The <mirror> an active commit shows: the base it writes into, until the pivot or the abort."""

from __future__ import annotations

from ..device_parts import Mirror
from ..devices import Disk

ACTIVE_COMMIT = "active-commit"


def show_active_commit(disk: Disk, base_path: str, base_format: str | None, base_index: int) -> Mirror:
    """qemuDomainBlockCommit(ACTIVE): the mirror names the base with its node index and no backing."""
    disk.mirror = Mirror(ACTIVE_COMMIT, base_path, base_format, base_index)
    return disk.mirror


def mark_ready(disk: Disk) -> None:
    """The job copied everything: ready='yes' until a pivot or an abort."""
    if disk.mirror is not None:
        disk.mirror.state = "yes"


def clear(disk: Disk) -> None:
    """The job ended (pivot, abort, failure): the mirror goes away."""
    disk.mirror = None
