"""The REMOTE program (0x20008086): procedure numbers and payload declarations per family."""

from __future__ import annotations

from .._errorcodes import ErrorDomain
from .._header import Program
from .._procedure import Procedure, declare
from .._readonly import READ_ONLY_RULES
from . import (
    agent,
    backup,
    blockdev,
    blockjob,
    checkpoint,
    connect,
    console,
    domain,
    domain_guest,
    domain_more,
    domain_stats,
    domain_tuning,
    events,
    interface,
    limits,
    network,
    node,
    nodedev,
    nwfilter,
    qemu,
    secret,
    snapshot,
    storage,
)
from ._procedures import LAST_9X, PROC_INFO, Proc

_KNOWN = {
    p.value: Procedure(Program.REMOTE, p.value, p.name, *_info)
    for p in Proc if p.value <= LAST_9X
    for _info in [(PROC_INFO[p.value][0], ErrorDomain[PROC_INFO[p.value][1]],
                   None, None, False, PROC_INFO[p.value][2], PROC_INFO[p.value][3], READ_ONLY_RULES.get((Program.REMOTE, p.value)))]
}

REMOTE_PROCEDURES = declare(Program.REMOTE, _KNOWN, [
    *connect.DECLARATIONS, *console.DECLARATIONS, *domain.DECLARATIONS, *domain_guest.DECLARATIONS,
    *domain_stats.DECLARATIONS, *events.DECLARATIONS,
    *snapshot.DECLARATIONS, *storage.DECLARATIONS, *node.DECLARATIONS, *interface.DECLARATIONS,
    *nodedev.DECLARATIONS, *network.DECLARATIONS, *secret.DECLARATIONS, *nwfilter.DECLARATIONS,
    *blockjob.DECLARATIONS,
    *blockdev.DECLARATIONS,
    *checkpoint.DECLARATIONS,
    *backup.DECLARATIONS,
    *agent.DECLARATIONS,
    *domain_tuning.DECLARATIONS,
    *domain_more.DECLARATIONS,
])

__all__ = ["Proc", "REMOTE_PROCEDURES", "blockjob", "connect", "domain", "domain_stats", "events", "interface", "limits", "network", "blockdev", "checkpoint", "backup", "agent", "domain_guest", "domain_tuning", "domain_more", "node", "nodedev", "nwfilter", "secret", "snapshot", "storage", "console", "qemu"]
