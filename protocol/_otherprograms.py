"""The QEMU and LXC programs: known procedures, none of them implemented by fakevirt."""

from __future__ import annotations

from enum import IntEnum

from ._errorcodes import ErrorDomain
from ._header import Program
from ._procedure import Procedure
from ._readonly import READ_ONLY_RULES


class QemuProc(IntEnum):
    """QEMU_PROC_* (qemu_protocol.x)."""

    MONITOR_COMMAND = 1
    DOMAIN_ATTACH = 2
    AGENT_COMMAND = 3
    CONNECT_DOMAIN_MONITOR_EVENT_REGISTER = 4
    CONNECT_DOMAIN_MONITOR_EVENT_DEREGISTER = 5
    DOMAIN_MONITOR_EVENT = 6
    MONITOR_COMMAND_WITH_FILES = 7


class LxcProc(IntEnum):
    """LXC_PROC_* (lxc_protocol.x)."""

    DOMAIN_OPEN_NAMESPACE = 1


_QEMU_APIS = {
    QemuProc.MONITOR_COMMAND: "virDomainQemuMonitorCommand",
    QemuProc.DOMAIN_ATTACH: "virDomainQemuAttach",
    QemuProc.AGENT_COMMAND: "virDomainQemuAgentCommand",
    QemuProc.CONNECT_DOMAIN_MONITOR_EVENT_REGISTER: "virConnectDomainQemuMonitorEventRegister",
    QemuProc.CONNECT_DOMAIN_MONITOR_EVENT_DEREGISTER: "virConnectDomainQemuMonitorEventDeregister",
    QemuProc.DOMAIN_MONITOR_EVENT: None,
    QemuProc.MONITOR_COMMAND_WITH_FILES: "virDomainQemuMonitorCommandWithFiles",
}

OTHER_PROCEDURES: dict[tuple[int, int], Procedure] = {
    **{(Program.QEMU, p.value): Procedure(Program.QEMU, p.value, p.name, api, ErrorDomain.NONE,
                                          event=p is QemuProc.DOMAIN_MONITOR_EVENT,
                                          read_only=READ_ONLY_RULES.get((Program.QEMU, p.value)))
       for p, api in _QEMU_APIS.items()},
    (Program.LXC, LxcProc.DOMAIN_OPEN_NAMESPACE): Procedure(
        Program.LXC, 1, "DOMAIN_OPEN_NAMESPACE", "virDomainLxcOpenNamespace", ErrorDomain.NONE,
        read_only=READ_ONLY_RULES.get((Program.LXC, LxcProc.DOMAIN_OPEN_NAMESPACE))),
}
