"""Guest-facing procedures: NMIs, keys, PM suspend/wakeup and core dumps."""

from __future__ import annotations

from protocol import Proc
from protocol.remote import domain as d
from protocol.remote import domain_guest as g
from protocol.remote import domain_stats as s

from ..model.flags.guest import DomainCoreDumpFormat
from ._client import Client
from ._registry import procedure
from .domain import resolve


@procedure(Proc.DOMAIN_INJECT_NMI)
def domain_inject_nmi(client: Client, args: s.DomainInjectNmiArgs) -> None:
    """virDomainInjectNMI."""
    client.opened.domains.inject_nmi(resolve(client, args.dom), args.flags)


@procedure(Proc.DOMAIN_SEND_KEY)
def domain_send_key(client: Client, args: s.DomainSendKeyArgs) -> None:
    """virDomainSendKey."""
    client.opened.domains.send_key(resolve(client, args.dom), args.codeset, args.holdtime, args.keycodes, args.flags)


@procedure(Proc.DOMAIN_PM_SUSPEND_FOR_DURATION)
def domain_pm_suspend_for_duration(client: Client, args: g.DomainPmSuspendForDurationArgs) -> None:
    """virDomainPMSuspendForDuration."""
    client.opened.domains.pm_suspend_for_duration(resolve(client, args.dom), args.target, args.duration, args.flags)


@procedure(Proc.DOMAIN_PM_WAKEUP)
def domain_pm_wakeup(client: Client, args: d.DomainPmWakeupArgs) -> None:
    """virDomainPMWakeup."""
    client.opened.domains.pm_wakeup(resolve(client, args.dom), args.flags)


@procedure(Proc.DOMAIN_CORE_DUMP)
def domain_core_dump(client: Client, args: s.DomainCoreDumpArgs) -> None:
    """virDomainCoreDump: the raw format."""
    client.opened.domains.core_dump(resolve(client, args.dom), args.to, DomainCoreDumpFormat.RAW, args.flags)


@procedure(Proc.DOMAIN_CORE_DUMP_WITH_FORMAT)
def domain_core_dump_with_format(client: Client, args: s.DomainCoreDumpWithFormatArgs) -> None:
    """virDomainCoreDumpWithFormat."""
    client.opened.domains.core_dump(resolve(client, args.dom), args.to, args.dumpformat, args.flags)

