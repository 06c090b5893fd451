"""The agent channel of one running domain: connected or not, answering or hung, frozen or thawed."""

from __future__ import annotations

from dataclasses import dataclass

from ..devices import Chr
from ..domaindef import DomainDef
from ..flags.agent import DomainAgentResponseTimeoutValues

AGENT_CHANNEL = "org.qemu.guest_agent.0"


@dataclass
class AgentLink:
    """What libvirtd knows of qemu-ga on the channel (qemuDomainObjPrivate's agent)."""

    connected: bool = False
    connect_at: float | None = None  # when the booting guest's qemu-ga opens its port
    hung: bool = False  # connected, but answers nothing (libvirt's timeout)
    frozen: bool = False  # guest-fsfreeze-freeze succeeded, no thaw yet
    timeout: int = DomainAgentResponseTimeoutValues.AGENT_RESPONSE_TIMEOUT_DEFAULT
    exec_pid: int = 0


def agent_channel(d: DomainDef | None) -> Chr | None:
    """qemuFindAgentConfig: the virtio channel named org.qemu.guest_agent.0."""
    if d is None:
        return None
    return next((c for c in d.channels if c.target_type == "virtio"
                 and c.target_attrs.get("name") == AGENT_CHANNEL), None)
