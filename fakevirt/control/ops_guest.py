"""Control operations ``guest`` (play the guest's part) and ``job`` (steer a block job, or hold a save/dump)."""

from __future__ import annotations

import base64
import binascii
import ipaddress
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from .registry import Body, ControlError, field, operation

if TYPE_CHECKING:
    from ..model.domain import Domain
    from ..model.hypervisor import Hypervisor, QemuDriver

MAX_READ = 64 * 1024 * 1024  # a read's reply is built at once: the length is bounded


def find_domain(hv: Hypervisor, text: str) -> tuple[QemuDriver, Domain]:
    """The domain of qemu:///system (then /session) named ``text``, or with that UUID."""
    try:
        wanted: uuid.UUID | None = uuid.UUID(text)
    except ValueError:
        wanted = None
    for driver in (hv.system, hv.session):
        dom = driver.domains.find_name(text)
        if dom is None and wanted is not None:
            dom = next((d for d in driver.domains if d.uuid == wanted), None)
        if dom is not None:
            return driver, dom
    raise ControlError(f"no domain {text!r}", 404)


def _int(text: object, what: str) -> int:
    try:
        value = int(str(text), 0)
    except ValueError:
        raise ControlError(f"{what} must be an integer, not {text!r}") from None
    if value < 0:
        raise ControlError(f"{what} must not be negative")
    return value


def _address(text: str) -> tuple[str, str, int]:
    """``192.168.122.7/24`` or ``fd00::7`` (default prefix 24 or 64) as qemu-ga's (type, address, prefix)."""
    try:
        iface = ipaddress.ip_interface(text if "/" in text else f"{text}/{24 if ':' not in text else 64}")
    except ValueError:
        raise ControlError(f"not an IP address: {text!r}") from None
    return ("ipv4" if iface.version == 4 else "ipv6", str(iface.ip), iface.network.prefixlen)


def _args(body: Body, n: int, usage: str) -> list[str]:
    args = [str(a) for a in field(body, "args", list, [])]
    if len(args) < n:
        raise ControlError(f"usage: {usage}")
    return args


def _write_data(body: Body, args: list[str]) -> bytes:
    path = field(body, "file", str, None)
    if path is not None:
        try:
            return Path(path).read_bytes()
        except OSError as e:
            raise ControlError(f"cannot read {path}: {e.strerror}") from None
    text = field(body, "data", str, None)
    if text is None:
        if len(args) < 3:
            raise ControlError("usage: write DISK OFFSET DATA (base64; or the field 'file')")
        text = args[2]
    try:
        return base64.b64decode(text, validate=True)
    except binascii.Error:
        raise ControlError("DATA must be base64") from None


def _guest_action(driver: QemuDriver, dom: Domain, action: str, body: Body) -> dict[str, Any]:
    domains, agents = driver.domains, driver.agents
    simple: dict[str, Callable[[Domain], Any]] = {
        "shutdown": domains.guest_shutdown, "reboot": domains.guest_reboot, "crash": domains.panic,
        "panic": domains.panic, "poweroff": domains.qemu_exits, "agent up": agents.agent_up,
        "agent down": agents.agent_down}
    if action in simple:
        simple[action](dom)
        return {}
    if action == "set-ip":
        args = _args(body, 1, "set-ip IFACE [ADDR[/PREFIX]…]")
        agents.set_addresses(dom, args[0], [_address(a) for a in args[1:]])
        return {}
    if action == "write":
        args = _args(body, 2, "write DISK OFFSET DATA")
        data = _write_data(body, args)
        domains.guest_write(dom, args[0], _int(args[1], "OFFSET"), data)
        return {"written": len(data)}
    if action == "read":
        args = _args(body, 3, "read DISK OFFSET LENGTH")
        length = _int(args[2], "LENGTH")
        if length > MAX_READ:
            raise ControlError(f"LENGTH is limited to {MAX_READ} bytes")
        data = domains.guest_read(dom, args[0], _int(args[1], "OFFSET"), length)
        return {"data": base64.b64encode(data).decode()}
    raise ControlError(f"unknown guest action {action!r} (known: {', '.join([*simple, 'set-ip', 'write', 'read'])})")


@operation("guest")
def guest(hv: Hypervisor, body: Body) -> dict[str, Any]:
    """What a running guest does on its own: {domain, action, args?} (shutdown, reboot, crash, set-ip, write…)."""
    driver, dom = find_domain(hv, field(body, "domain", str))
    action = " ".join(field(body, "action", str).replace("-", " ").split())
    if action == "agent":  # "agent" with args ["up"]
        rest = _args(body, 1, "agent up|down")
        action, body = f"agent {rest[0]}", {**body, "args": rest[1:]}
    if action == "set ip":
        action = "set-ip"
    out = _guest_action(driver, dom, action, body)
    return {"domain": dom.name, "state": [int(dom.state), int(dom.reason)], **out}


def _fraction(body: Body) -> float | None:
    fraction: float | None = field(body, "fraction", float, None)
    if fraction is not None and not 0.0 <= fraction <= 1.0:
        raise ControlError("field 'fraction' must be between 0 and 1")
    return fraction


def _domain_job(hv: Hypervisor, dom: Domain, action: str, fraction: float | None) -> dict[str, Any]:
    """hold arms a hold for the domain's next save/dump (or moves a held one); step, finish (or
    release) and fail steer the held job, whose call waits in the server meanwhile."""
    jobs = hv.domjobs
    job = jobs.job_of(dom)
    if action == "hold" and job is None:
        jobs.arm(dom, fraction or 0.0)
    elif action == "release" and job is None:
        jobs.disarm(dom)
    elif job is None:
        raise ControlError(f"domain {dom.name} has no held job: arm one with 'job {dom.name} hold' "
                           "before its save, managed save or dump", 409)
    elif action in ("hold", "step"):
        if fraction is None:
            raise ControlError(f"'{action}' of a held job needs the field 'fraction'")
        jobs.step(job, fraction)
    elif action in ("finish", "release"):
        jobs.finish(job)
    elif action == "fail":
        jobs.fail(job)
    else:
        raise ControlError(f"unknown job action {action!r} (known: hold, release, step, finish, fail)")
    now = hv.clock.now()
    return {"domain": dom.name, "armed": jobs.armed.get(str(dom.uuid)),
            "job": job.describe(now) if job is not None else None}


@operation("job")
def job(hv: Hypervisor, body: Body) -> dict[str, Any]:
    """Steer a block job {domain, disk, action: hold|release|step|finish|fail, fraction?}, or
    without 'disk' the domain's save/dump job (armed by 'hold' before the call)."""
    driver, dom = find_domain(hv, field(body, "domain", str))
    disk = field(body, "disk", str, None)
    action = field(body, "action", str)
    fraction = _fraction(body)
    if disk is None:
        return _domain_job(hv, dom, action, fraction)
    jobs = hv.blockjobs
    blockjob = jobs.job_of(driver, dom, disk)
    if action == "hold":
        jobs.hold(blockjob, fraction if fraction is not None else blockjob.cur / max(blockjob.end, 1))
    elif action == "release":
        jobs.release(blockjob)
    elif action == "step":
        if fraction is None:
            raise ControlError("'step' needs the field 'fraction'")
        jobs.step(blockjob, int(blockjob.end * fraction))
    elif action == "finish":
        jobs.finish(blockjob)
    elif action == "fail":
        jobs.fail(blockjob)
    else:
        raise ControlError(f"unknown job action {action!r} (known: hold, release, step, finish, fail)")
    return {"domain": dom.name, "disk": blockjob.dst, "type": int(blockjob.type), "cur": blockjob.cur,
            "end": blockjob.end, "phase": blockjob.phase.name.lower()}
