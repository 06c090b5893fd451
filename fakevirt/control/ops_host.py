"""Control operations on the whole host: version, reset, preload, the clock, dump."""

from __future__ import annotations

import math
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from .. import __version__
from ..errors import VirtError
from ..etclibvirt import EtcLoadError, preload_path
from .registry import API_VERSION, Body, ControlError, field, operation

if TYPE_CHECKING:
    from ..model.hypervisor import Hypervisor


@operation("version")
def version(hv: Hypervisor, body: Body) -> dict[str, Any]:
    """The control API's version, fakevirt's and the libvirt version it emulates."""
    assert hv.host is not None
    v = hv.host.libvirt_version
    return {"api": API_VERSION, "fakevirt": __version__,
            "libvirt": f"{v // 1_000_000}.{v // 1000 % 1000}.{v % 1000}"}


@operation("reset")
def reset(hv: Hypervisor, body: Body) -> dict[str, Any]:
    """Make the host a fresh one: {seed?} gives the ids a new server with --seed SEED gives."""
    seed = field(body, "seed", int, None)
    if seed is not None and not 0 <= seed < 1 << 64:
        raise ControlError("field 'seed' must be between 0 and 2**64-1")
    if seed is None:
        hv.reset()
    else:
        hv.reset(seed)
    return {"seed": hv.seed}


@operation("preload")
def preload(hv: Hypervisor, body: Body) -> dict[str, Any]:
    """Load {path}: a test-driver node file, or a directory laid out like /etc/libvirt; all or nothing."""
    path = field(body, "path", str)
    try:
        with hv.states.all_or_nothing():  # a refused file leaves the host as it was
            skipped = preload_path(hv, path)
    except EtcLoadError as e:
        raise ControlError(str(e), 422) from None
    except VirtError as e:
        raise ControlError(f"{path}: {e.message}", 422) from None
    return {"skipped": skipped}


def _clock(hv: Hypervisor) -> Any:
    clock = hv.clock
    if not callable(getattr(clock, "advance", None)) or not callable(getattr(clock, "set", None)):
        raise ControlError(f"this host's clock ({type(clock).__name__}) cannot be moved", 409)
    return clock


def _now(hv: Hypervisor) -> dict[str, Any]:
    if hv.blockjobs.wake is not None:  # jobs due at the new time progress now, not at the next poll
        hv.blockjobs.wake()
    now = hv.clock.now()
    return {"time": now, "iso": datetime.fromtimestamp(now, UTC).isoformat()}


@operation("clock.get")
def clock_get(hv: Hypervisor, body: Body) -> dict[str, Any]:
    """The host's time: {time: epoch seconds, iso: ISO 8601}."""
    return _now(hv)


@operation("clock.advance")
def clock_advance(hv: Hypervisor, body: Body) -> dict[str, Any]:
    """Move the host's clock {seconds} (>= 0) forward: CPU time, stats and jobs move with it."""
    seconds = field(body, "seconds", float)
    if not math.isfinite(seconds) or seconds < 0:
        raise ControlError("field 'seconds' must be a finite number >= 0")
    _clock(hv).advance(seconds)
    return _now(hv)


@operation("clock.set")
def clock_set(hv: Hypervisor, body: Body) -> dict[str, Any]:
    """Set the host's clock to {time}: epoch seconds or an ISO 8601 date with its zone."""
    when = body.get("time")
    if isinstance(when, str):
        try:
            parsed = datetime.fromisoformat(when)
        except ValueError:
            raise ControlError(f"field 'time': {when!r} is not an ISO 8601 date") from None
        if parsed.tzinfo is None:
            raise ControlError(f"field 'time': {when!r} has no time zone (e.g. 'Z' or '+00:00')")
        seconds = parsed.timestamp()
    else:
        seconds = field(body, "time", float)
    if not math.isfinite(seconds) or not 0 <= seconds < 1 << 40:
        raise ControlError("field 'time' must be between the epoch and year 36812")
    _clock(hv).set(seconds)
    return _now(hv)


@operation("dump")
def dump(hv: Hypervisor, body: Body) -> Any:
    """The whole host as JSON: domains, storage, networks, secrets (the state's own form)."""
    return hv.states.dump()
