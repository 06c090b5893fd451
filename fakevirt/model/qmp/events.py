"""The QMP events QEMU sends for what happens to a domain, derived from the domain events fakevirt
publishes (libvirt derives its domain events from these QMP events; this goes the other way)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from ..events import DomainEvent, DomainRef, EventID, Lifecycle, ShutdownDetail
from .jsontext import dumps


@dataclass(frozen=True)
class MonitorEvent:
    """One QMP event of a domain of driver instance ``uri`` (details: its "data" as JSON, or None)."""

    uri: str
    domain: DomainRef
    event: str
    seconds: int
    micros: int
    details: str | None


_SHUTDOWN = {ShutdownDetail.GUEST: {"guest": True, "reason": "guest-shutdown"},
             ShutdownDetail.HOST: {"guest": False, "reason": "host-signal"},
             ShutdownDetail.FINISHED: {"guest": False, "reason": "host-signal"}}


def _lifecycle(x: dict[str, Any]) -> list[tuple[str, Any]]:
    event, detail = x.get("event"), x.get("detail")
    if event == Lifecycle.SUSPENDED:
        return [("STOP", None)]
    if event == Lifecycle.RESUMED:
        return [("RESUME", None)]
    if event == Lifecycle.SHUTDOWN and detail in _SHUTDOWN:
        return [("SHUTDOWN", _SHUTDOWN[ShutdownDetail(detail)])]
    if event == Lifecycle.CRASHED:
        return [("GUEST_PANICKED", {"action": "pause"})]
    return []


def _get(x: dict[str, Any], *keys: str) -> Any:
    return next((x[k] for k in keys if k in x), None)


# EventID -> the QMP events QEMU sent for it: (name, data) pairs built from the event's data
_QMP: dict[int, Callable[[dict[str, Any]], list[tuple[str, Any]]]] = {
    EventID.LIFECYCLE: _lifecycle,
    EventID.REBOOT: lambda x: [("RESET", {"guest": True, "reason": "guest-reset"})],
    EventID.RTC_CHANGE: lambda x: [("RTC_CHANGE", {"offset": _get(x, "offset", "utcoffset") or 0,
                                                   "qom-path": "/machine/unattached/device[8]"})],
    EventID.WATCHDOG: lambda x: [("WATCHDOG", {"action": {0: "none", 1: "pause", 2: "reset", 3: "poweroff",
                                                          4: "shutdown", 5: "debug", 6: "inject-nmi"}
                                               .get(_get(x, "action") or 0, "none")})],
    EventID.TRAY_CHANGE: lambda x: [("DEVICE_TRAY_MOVED", {"device": "", "tray-open": _get(x, "reason") == 0,
                                                           "id": _get(x, "devAlias", "alias") or ""})],
    EventID.BALLOON_CHANGE: lambda x: [("BALLOON_CHANGE", {"actual": int(_get(x, "actual") or 0) * 1024})],
    EventID.DEVICE_REMOVED: lambda x: [("DEVICE_DELETED", {"device": _get(x, "devAlias", "alias") or "",
                                                           "path": f"/machine/peripheral/{_get(x, 'devAlias', 'alias')}"})],
    EventID.PMWAKEUP: lambda x: [("WAKEUP", None)],
    EventID.PMSUSPEND: lambda x: [("SUSPEND", None)],
    EventID.PMSUSPEND_DISK: lambda x: [("SUSPEND_DISK", None)],
    EventID.IO_ERROR_REASON: lambda x: [("BLOCK_IO_ERROR", {
        "device": "", "operation": "write", "action": ("ignore", "stop", "report")[int(x.get("action") or 0) % 3],
        "nospace": x.get("reason") == "enospc",
        "reason": "No space left on device" if x.get("reason") == "enospc" else "Input/output error"})],
    EventID.GRAPHICS: lambda x: _graphics(x),
    EventID.MEMORY_FAILURE: lambda x: [("MEMORY_FAILURE", {
        "recipient": ("hypervisor", "guest")[int(x.get("recipient") or 0) % 2],
        "action": ("ignore", "inject", "fatal", "reset")[int(x.get("action") or 0) % 4],
        "flags": {"action-required": bool(int(x.get("flags") or 0) & 1),
                  "recursive": bool(int(x.get("flags") or 0) & 2)}})],
}


def _graphics(x: dict[str, Any]) -> list[tuple[str, Any]]:
    """VNC_CONNECTED / VNC_INITIALIZED / VNC_DISCONNECTED with the server and client addresses."""
    def address(a: Any) -> dict[str, Any]:
        family, host, service = a if isinstance(a, (list, tuple)) and len(a) == 3 else (0, "", "")
        return {"family": ("ipv4", "ipv6", "unix")[int(family) % 3], "service": str(service), "host": host,
                "websocket": False}
    phase = int(x.get("phase") or 0)
    name = ("VNC_CONNECTED", "VNC_INITIALIZED", "VNC_DISCONNECTED")[phase % 3]
    return [(name, {"server": {"auth": "none", **address(x.get("local"))}, "client": address(x.get("remote"))})]


def monitor_events(ev: DomainEvent, now: float) -> list[MonitorEvent]:
    """The QMP events behind one domain event, stamped ``now`` (seconds since the epoch)."""
    build = _QMP.get(ev.event_id)
    if build is None:
        return []
    seconds, micros = int(now), int(round((now - int(now)) * 1_000_000)) % 1_000_000
    return [MonitorEvent(ev.uri, ev.domain, name, seconds, micros, None if data is None else dumps(data))
            for name, data in build(ev.data)]
