"""The QEMU guest agent: a guest model a test sets, the agent channel, and the APIs over them.

The APIs are ``GuestAgents`` (``agent.api``), one per driver as ``driver.agents``; a domain's
guest is ``dom.guest`` (``Guest``), its channel state ``dom.guest.link``.
"""

from __future__ import annotations

from .guest import Guest, GuestDisk, GuestFS, GuestFSDisk, GuestNIC, GuestOS, GuestUser, GuestVcpu
from .link import AGENT_CHANNEL, AgentLink, agent_channel

__all__ = ["AGENT_CHANNEL", "AgentLink", "Guest", "GuestDisk", "GuestFS", "GuestFSDisk", "GuestNIC", "GuestOS",
           "GuestUser", "GuestVcpu", "agent_channel"]
