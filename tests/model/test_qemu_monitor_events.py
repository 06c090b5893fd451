"""The QMP events behind fakevirt's domain events, and the QMP answers of the monitor model."""

from __future__ import annotations

import json
import uuid

import pytest

from fakevirt.model.events import DomainEvent, DomainRef, EventID, Lifecycle, ShutdownDetail
from fakevirt.model.qmp.events import monitor_events

REF = DomainRef("vm1", uuid.UUID(int=1), 3)


def qmp(event_id: EventID, **data: object) -> list[tuple[str, object]]:
    out = monitor_events(DomainEvent("qemu:///system", event_id, REF, data), 1_800_000_000.25)
    assert all((e.seconds, e.micros, e.domain) == (1_800_000_000, 250_000, REF) for e in out)
    return [(e.event, None if e.details is None else json.loads(e.details)) for e in out]


@pytest.mark.parametrize(("event", "detail", "expected"), [
    (Lifecycle.SUSPENDED, 0, [("STOP", None)]),
    (Lifecycle.RESUMED, 0, [("RESUME", None)]),
    (Lifecycle.SHUTDOWN, ShutdownDetail.HOST, [("SHUTDOWN", {"guest": False, "reason": "host-signal"})]),
    (Lifecycle.SHUTDOWN, ShutdownDetail.GUEST, [("SHUTDOWN", {"guest": True, "reason": "guest-shutdown"})]),
    (Lifecycle.CRASHED, 0, [("GUEST_PANICKED", {"action": "pause"})]),
    (Lifecycle.STARTED, 0, []),  # QEMU's RESUME is libvirt's RESUMED(unpaused) that precedes it
    (Lifecycle.STOPPED, 1, []),
])
def test_lifecycle(event: Lifecycle, detail: int, expected: list[tuple[str, object]]) -> None:
    assert qmp(EventID.LIFECYCLE, event=int(event), detail=int(detail)) == expected


def test_guest_originated_events() -> None:
    assert qmp(EventID.WATCHDOG, action=2) == [("WATCHDOG", {"action": "reset"})]
    assert qmp(EventID.RTC_CHANGE, offset=42) == [("RTC_CHANGE", {"offset": 42, "qom-path": "/machine/unattached/device[8]"})]
    assert qmp(EventID.BALLOON_CHANGE, actual=1024) == [("BALLOON_CHANGE", {"actual": 1048576})]
    assert qmp(EventID.TRAY_CHANGE, devAlias="ide0-1-0", reason=0) == [
        ("DEVICE_TRAY_MOVED", {"device": "", "tray-open": True, "id": "ide0-1-0"})]
    assert qmp(EventID.DEVICE_REMOVED, devAlias="net1") == [
        ("DEVICE_DELETED", {"device": "net1", "path": "/machine/peripheral/net1"})]
    assert qmp(EventID.IO_ERROR_REASON, srcPath="/x", devAlias="virtio-disk0", action=1, reason="enospc") == [
        ("BLOCK_IO_ERROR", {"device": "", "operation": "write", "action": "stop", "nospace": True,
                            "reason": "No space left on device"})]
    assert qmp(EventID.IO_ERROR, srcPath="/x", devAlias="virtio-disk0", action=1) == []  # the REASON one carries it
    assert qmp(EventID.PMSUSPEND) == [("SUSPEND", None)]
    assert qmp(EventID.PMWAKEUP) == [("WAKEUP", None)]
    assert qmp(EventID.REBOOT) == [("RESET", {"guest": True, "reason": "guest-reset"})]
    assert qmp(EventID.MEMORY_FAILURE, recipient=1, action=1, flags=1) == [
        ("MEMORY_FAILURE", {"recipient": "guest", "action": "inject",
                            "flags": {"action-required": True, "recursive": False}})]
    vnc = qmp(EventID.GRAPHICS, phase=0, local=(0, "127.0.0.1", "5900"), remote=(0, "10.0.0.2", "51000"))
    assert vnc == [("VNC_CONNECTED", {
        "server": {"auth": "none", "family": "ipv4", "service": "5900", "host": "127.0.0.1", "websocket": False},
        "client": {"family": "ipv4", "service": "51000", "host": "10.0.0.2", "websocket": False}})]
