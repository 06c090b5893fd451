"""virDomainQemuAgentCommand: a raw qemu-ga command (JSON text) answered from the guest model."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

from ...errors import agent as errors
from ...errors import check_flags
from ...errors import domain as domain_errors
from ..domain import Domain
from ..qmp.jsontext import check_sendable, loads
from . import qga

if TYPE_CHECKING:
    from .api import GuestAgents

COMMAND_MIN_TIMEOUT = -2  # VIR_DOMAIN_QEMU_AGENT_COMMAND_MIN


def agent_command(agents: GuestAgents, dom: Domain, json_text: str, timeout: int = -1, flags: int = 0) -> str:
    """qemuDomainQemuAgentCommand + qemuAgentArbitraryCommand: the whole reply, as compact JSON."""
    check_flags("qemuDomainQemuAgentCommand", flags, 0)
    if not dom.active:
        raise domain_errors.not_active()
    link = agents.available(dom)
    if timeout < COMMAND_MIN_TIMEOUT:
        raise errors.timeout_below_minimum(timeout)
    cmd = loads(json_text)
    if link.hung:
        raise errors.timed_out()  # the guest-sync before the command gets no answer
    check_sendable(cmd)
    name = cmd.get("execute") if isinstance(cmd, dict) else None
    label = name if isinstance(name, str) else "<unknown>"
    problem = _check(cmd)
    if problem is not None:
        raise errors.command_failed(label, problem)
    args = cmd.get("arguments", {})
    try:
        result = agents.run(dom, label, args)
    except qga.NoResponse:
        raise errors.timed_out() from None  # libvirt waits for an answer that never comes
    return json.dumps({"return": result}, separators=(",", ":"), ensure_ascii=False)


def _check(cmd: Any) -> str | None:
    """qmp_dispatch_check_obj of QEMU 7.2: the shape of a command object."""
    if not isinstance(cmd, dict):
        return "QMP input must be a JSON object"
    for key, value in cmd.items():
        if key == "execute":
            if not isinstance(value, str):
                return "QMP input member 'execute' must be a string"
        elif key == "arguments":
            if not isinstance(value, dict):
                return "QMP input member 'arguments' must be an object"
        elif key != "id":
            return f"QMP input member '{key}' is unexpected"
    if "execute" not in cmd:
        return "QMP input lacks member 'execute'"
    return None
