"""The QEMU program of a driver instance: monitor commands, agent commands, monitor events, taints.

``QemuMonitor.command`` answers what `virsh qemu-monitor-command` sends, as QEMU 7.2 answers it for
the domain's state in the model (``commands``, ``hmp``); using it taints the domain as libvirt does
(virDomainGetMessages shows it until the domain stops). ``monitor_events`` turns the domain events
fakevirt publishes into the QMP events QEMU would have sent.
"""

from __future__ import annotations

import uuid
from typing import TYPE_CHECKING, Any

from ...errors import VirtError, check_flags
from ...errors import console as errors
from ..console import require_active
from ..domain import Domain
from ..events import DomainEvent, EventID, Lifecycle
from ..flags.console import DomainQemuMonitorCommandFlags
from .commands import Context, QmpError, run
from .events import MonitorEvent, monitor_events
from .hmp import human_command
from .jsontext import check_sendable, dumps, loads

if TYPE_CHECKING:
    from ..hypervisor import QemuDriver

__all__ = ["MonitorEvent", "QemuMonitor"]

TAINT_CUSTOM_MONITOR, TAINT_CUSTOM_GA_COMMAND = 1, 10  # virDomainTaintFlags bits
TAINT_MESSAGES = {TAINT_CUSTOM_MONITOR: "custom monitor control commands issued",
                  TAINT_CUSTOM_GA_COMMAND: "custom guest agent control commands issued"}
FIRST_COMMAND_ID = 400  # libvirt has sent about this many monitor commands by the end of a start
_QMP_MEMBERS = {"execute": str, "exec-oob": str, "arguments": dict, "id": object, "control": dict}


class QemuMonitor:
    """The QEMU program's state of one driver: command ids and taints of the running domains."""

    def __init__(self, driver: QemuDriver) -> None:
        self.driver = driver
        self._runs: dict[tuple[uuid.UUID, int], _Run] = {}

    def _run(self, dom: Domain) -> _Run:
        return self._runs.setdefault((dom.uuid, dom.id), _Run())

    def taint_messages(self, dom: Domain) -> list[str]:
        """virDomainGetMessages' tainting lines, in libvirt's order of taint flags."""
        taints = self._runs[(dom.uuid, dom.id)].taints if dom.active and (dom.uuid, dom.id) in self._runs else 0
        return [f"tainted: {text}" for bit, text in sorted(TAINT_MESSAGES.items()) if taints & (1 << bit)]

    def command(self, dom: Domain, cmd: str, flags: int) -> str:
        """virDomainQemuMonitorCommand(WithFiles)."""
        check_flags("qemuDomainQemuMonitorCommandWithFiles", flags, DomainQemuMonitorCommandFlags.QEMU_MONITOR_COMMAND_HMP)
        require_active(dom)
        run_ = self._run(dom)
        run_.taints |= 1 << TAINT_CUSTOM_MONITOR
        ctx = Context(self.driver, dom)
        if flags & DomainQemuMonitorCommandFlags.QEMU_MONITOR_COMMAND_HMP:
            run_.next_id()
            return human_command(ctx, cmd)
        request = loads(cmd)
        command_id: str | None = None
        if isinstance(request, dict) and "execute" in request:
            command_id = run_.next_id()
            if "id" in request:
                raise errors.command_id()
            request["id"] = command_id
        check_sendable(request)
        return dumps(_answer(ctx, request))

    def agent_command(self, dom: Domain, cmd: str, timeout: int, flags: int) -> str:
        """virDomainQemuAgentCommand: the guest agent's reply (model/agent), tainting the domain
        once the agent is known to be there, as qemuDomainQemuAgentCommand does."""
        check_flags("qemuDomainQemuAgentCommand", flags, 0)
        require_active(dom)
        self.driver.agents.available(dom)
        self._run(dom).taints |= 1 << TAINT_CUSTOM_GA_COMMAND
        return self.driver.agents.agent_command(dom, cmd, timeout, flags)

    def channel_answer(self, dom: Domain, line: str) -> str | None:
        """What a connected guest agent writes back on its channel for one command line."""
        try:
            return self.driver.agents.agent_command(dom, line)
        except VirtError:
            return None

    def domain_event(self, ev: DomainEvent) -> None:
        """Publish the QMP events behind a domain event; a stop forgets the run's taints."""
        if ev.uri != self.driver.uri:
            return
        bus = self.driver.hypervisor.bus
        for event in monitor_events(ev, self.driver.hypervisor.clock.now()):
            bus.publish(event)
        if ev.event_id == EventID.LIFECYCLE and ev.data.get("event") == Lifecycle.STOPPED:
            self._runs = {k: v for k, v in self._runs.items() if k[0] != ev.domain.uuid}


class _Run:
    """One run of one domain: its monitor's next command id and its taints."""

    def __init__(self) -> None:
        self.taints = 0
        self._last_id = FIRST_COMMAND_ID

    def next_id(self) -> str:
        self._last_id += 1
        return f"libvirt-{self._last_id}"


def _answer(ctx: Context, request: Any) -> dict[str, Any]:
    """QEMU's reply to one parsed QMP request (qmp_dispatch)."""
    command_id = request.get("id") if isinstance(request, dict) else None
    try:
        if not isinstance(request, dict):
            raise QmpError("GenericError", "QMP input must be a JSON object")
        for key, value in request.items():
            kind = _QMP_MEMBERS.get(key)
            if kind is None:
                raise QmpError("GenericError", f"QMP input member '{key}' is unexpected")
            if kind is not object and not isinstance(value, kind):
                what = "a string" if kind is str else "an object"
                raise QmpError("GenericError", f"QMP input member '{key}' must be {what}")
        name = request.get("execute", request.get("exec-oob"))
        if name is None:
            raise QmpError("GenericError", "QMP input lacks member 'execute'")
        args = request.get("arguments", {})
        if name == "human-monitor-command":
            line = args.get("command-line")
            if not isinstance(line, str):
                raise QmpError("GenericError", "Parameter 'command-line' is missing")
            result: Any = human_command(ctx, line)
        else:
            result = run(ctx, name, args)
    except QmpError as e:
        error = {"class": e.cls, "desc": e.desc}
        return {"id": command_id, "error": error} if command_id is not None else {"error": error}
    return {"return": result, "id": command_id} if command_id is not None else {"return": result}
