"""Whether a definition has the QEMU guest agent's virtio channel."""

from __future__ import annotations

from ..domaindef import DomainDef

AGENT_CHANNEL = "org.qemu.guest_agent.0"


def has_agent_channel(d: DomainDef) -> bool:
    """A <channel> with <target type='virtio' name='org.qemu.guest_agent.0'/>."""
    return any(c.target_type == "virtio" and c.target_attrs.get("name") == AGENT_CHANNEL for c in d.channels)
