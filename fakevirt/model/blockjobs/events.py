"""The block-job events libvirtd sends: BLOCK_JOB (names the image) then BLOCK_JOB_2 (names the target)."""

from __future__ import annotations

from ..domain import Domain
from ..events import DomainEvent, EventBus, EventID


def emit_block_job(bus: EventBus, uri: str, dom: Domain, path: str, dst: str, job: int, status: int) -> None:
    """A block job event in both forms, in libvirtd's order."""
    bus.publish(DomainEvent(uri, EventID.BLOCK_JOB, dom.ref(), {"path": path, "type": job, "status": status}))
    bus.publish(DomainEvent(uri, EventID.BLOCK_JOB_2, dom.ref(), {"dst": dst, "type": job, "status": status}))
