"""The QEMU program (0x20008087): monitor and agent commands, monitor events (qemu_protocol.x)."""

from __future__ import annotations

from .._common import NonnullDomain, NonnullString, OptDomain, OptString
from .._header import Program
from .._otherprograms import OTHER_PROCEDURES, QemuProc
from .._procedure import Procedure, declare
from .._xdr import Hyper, Int, UInt, struct


@struct
class DomainMonitorCommandArgs:
    dom: NonnullDomain
    cmd: NonnullString
    flags: UInt


@struct
class DomainMonitorCommandRet:
    result: NonnullString


@struct
class DomainAttachArgs:
    pid_value: UInt
    flags: UInt


@struct
class DomainAttachRet:
    dom: NonnullDomain


@struct
class DomainAgentCommandArgs:
    dom: NonnullDomain
    cmd: NonnullString
    timeout: Int
    flags: UInt


@struct
class DomainAgentCommandRet:
    result: OptString


@struct
class ConnectDomainMonitorEventRegisterArgs:
    dom: OptDomain
    event: OptString
    flags: UInt


@struct
class ConnectDomainMonitorEventRegisterRet:
    callbackID: Int


@struct
class ConnectDomainMonitorEventDeregisterArgs:
    callbackID: Int


@struct
class DomainMonitorEventMsg:
    callbackID: Int
    dom: NonnullDomain
    event: NonnullString
    seconds: Hyper
    micros: UInt
    details: OptString


@struct
class DomainMonitorCommandWithFilesArgs:
    dom: NonnullDomain
    cmd: NonnullString
    flags: UInt


@struct
class DomainMonitorCommandWithFilesRet:
    result: NonnullString


DECLARATIONS = [
    (QemuProc.MONITOR_COMMAND, DomainMonitorCommandArgs, DomainMonitorCommandRet),
    (QemuProc.DOMAIN_ATTACH, DomainAttachArgs, DomainAttachRet),
    (QemuProc.AGENT_COMMAND, DomainAgentCommandArgs, DomainAgentCommandRet),
    (QemuProc.CONNECT_DOMAIN_MONITOR_EVENT_REGISTER, ConnectDomainMonitorEventRegisterArgs,
     ConnectDomainMonitorEventRegisterRet),
    (QemuProc.CONNECT_DOMAIN_MONITOR_EVENT_DEREGISTER, ConnectDomainMonitorEventDeregisterArgs, None),
    (QemuProc.DOMAIN_MONITOR_EVENT, DomainMonitorEventMsg, None),  # a MESSAGE: its body is "args"
    (QemuProc.MONITOR_COMMAND_WITH_FILES, DomainMonitorCommandWithFilesArgs, DomainMonitorCommandWithFilesRet),
]

QEMU_PROCEDURES: dict[tuple[int, int], Procedure] = declare(
    Program.QEMU, {n: p for (prog, n), p in OTHER_PROCEDURES.items() if prog == Program.QEMU}, DECLARATIONS)
