"""The QEMU program (qemu_protocol.x): monitor and agent commands, monitor event registrations and
the DOMAIN_MONITOR_EVENT messages each registration gets."""

from __future__ import annotations

import re
import uuid
from dataclasses import dataclass

from protocol import Message, NonnullDomain, Program, QemuProc
from protocol.remote import qemu as w

from ..errors import ErrorDomain, VirtError, check_flags
from ..errors import console as errors
from ..model.flags.console import ConnectDomainQemuMonitorEventRegisterFlags as EvFlags
from ..model.qmp import MonitorEvent
from ._client import Client
from ._registry import procedure, relay
from .domain import resolve

QEMU = Program.QEMU
FAMILY = "qemu_monitor"


@dataclass(frozen=True)
class MonitorCallback:
    """One monitor event registration: all events, one name, or a pattern; of one domain or all."""

    callback_id: int
    domain: uuid.UUID | None
    event: str | None
    flags: int
    pattern: re.Pattern[str] | None

    def wants(self, ev: MonitorEvent) -> bool:
        if self.domain is not None and self.domain != ev.domain.uuid:
            return False
        if self.event is None:
            return True
        if self.pattern is not None:
            return self.pattern.search(ev.event) is not None
        if self.flags & EvFlags.NOCASE:
            return self.event.lower() == ev.event.lower()
        return self.event == ev.event


@procedure(QemuProc.MONITOR_COMMAND, program=QEMU)
def domain_monitor_command(client: Client, args: w.DomainMonitorCommandArgs) -> w.DomainMonitorCommandRet:
    """virDomainQemuMonitorCommand: one QMP (or HMP) command, QEMU's reply as text."""
    dom = resolve(client, args.dom)
    return w.DomainMonitorCommandRet(result=client.opened.monitor.command(dom, args.cmd, args.flags))


@procedure(QemuProc.MONITOR_COMMAND_WITH_FILES, program=QEMU)
def domain_monitor_command_with_files(client: Client, args: w.DomainMonitorCommandWithFilesArgs
                                      ) -> w.DomainMonitorCommandWithFilesRet:
    """virDomainQemuMonitorCommandWithFiles without files (they cannot travel over TCP)."""
    dom = resolve(client, args.dom)
    return w.DomainMonitorCommandWithFilesRet(result=client.opened.monitor.command(dom, args.cmd, args.flags))


@procedure(QemuProc.AGENT_COMMAND, program=QEMU)
def domain_agent_command(client: Client, args: w.DomainAgentCommandArgs) -> w.DomainAgentCommandRet:
    """virDomainQemuAgentCommand."""
    dom = resolve(client, args.dom)
    return w.DomainAgentCommandRet(result=client.opened.monitor.agent_command(dom, args.cmd, args.timeout, args.flags))


@procedure(QemuProc.DOMAIN_ATTACH, program=QEMU)
def domain_attach(client: Client, args: w.DomainAttachArgs) -> w.DomainAttachRet:
    """virDomainQemuAttach: libvirt 9.0's QEMU driver no longer attaches to a running QEMU."""
    raise VirtError.no_support("virDomainQemuAttach", ErrorDomain.NONE)


def _pattern(event: str, flags: int) -> re.Pattern[str]:
    try:
        return re.compile(event, re.IGNORECASE if flags & EvFlags.NOCASE else 0)
    except re.error as e:  # worded as GLib's PCRE
        missing = {"missing ), unterminated subpattern": "missing terminating )",
                   "unterminated character set": "missing terminating ] for character class"}
        raise errors.monitor_event_regex(event, f"at char {len(event) if e.msg in missing else (e.pos or 0)}: "
                                                f"{missing.get(e.msg, e.msg)}") from None


@procedure(QemuProc.CONNECT_DOMAIN_MONITOR_EVENT_REGISTER, program=QEMU)
def connect_domain_monitor_event_register(client: Client, args: w.ConnectDomainMonitorEventRegisterArgs
                                          ) -> w.ConnectDomainMonitorEventRegisterRet:
    """virConnectDomainQemuMonitorEventRegister: the daemon filters by name or pattern."""
    check_flags("virDomainQemuMonitorEventStateRegisterID", args.flags, EvFlags.REGEX | EvFlags.NOCASE,
                ErrorDomain.NONE)
    dom = resolve(client, args.dom).uuid if args.dom is not None else None
    pattern = _pattern(args.event, args.flags) if args.event is not None and args.flags & EvFlags.REGEX else None
    client.last_callback_id += 1
    cb = MonitorCallback(client.last_callback_id, dom, args.event, args.flags, pattern)
    client.family_callbacks.setdefault(FAMILY, {})[cb.callback_id] = cb
    return w.ConnectDomainMonitorEventRegisterRet(callbackID=cb.callback_id)


@procedure(QemuProc.CONNECT_DOMAIN_MONITOR_EVENT_DEREGISTER, program=QEMU)
def connect_domain_monitor_event_deregister(client: Client, args: w.ConnectDomainMonitorEventDeregisterArgs) -> None:
    callbacks = client.family_callbacks.get(FAMILY, {})
    if args.callbackID not in callbacks:
        raise errors.monitor_callback_missing(args.callbackID)
    del callbacks[args.callbackID]


@relay(MonitorEvent)
def monitor_event_messages(client: Client, ev: MonitorEvent) -> list[Message]:
    """One DOMAIN_MONITOR_EVENT per registration of this client that wants ``ev``."""
    if client.driver is None or ev.uri != client.driver.uri:
        return []
    dom = NonnullDomain(name=ev.domain.name, uuid=ev.domain.uuid.bytes, id=ev.domain.id)
    return [Message(program=QEMU, procedure=QemuProc.DOMAIN_MONITOR_EVENT, body=w.DomainMonitorEventMsg(
                callbackID=cb.callback_id, dom=dom, event=ev.event, seconds=ev.seconds, micros=ev.micros,
                details=ev.details))
            for cb in list(client.family_callbacks.get(FAMILY, {}).values()) if cb.wants(ev)]
