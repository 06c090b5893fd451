"""Domain backups (virDomainBackupBegin/GetXMLDesc) and the job calls a backup answers
(virDomainGetJobStats, virDomainAbortJob, virDomainAbortJobFlags)."""

from __future__ import annotations

from protocol import Proc, TypedParam
from protocol.remote import backup as w
from protocol.remote import domain as d

from ..errors import check_flags
from ..model.backup import DomainBackups
from ..xml.backup import format_backup_xml, parse_backup_xml
from ..xml.checkpoint import parse_checkpoint_xml
from ._client import Client
from ._registry import procedure
from .domain import resolve


def api(client: Client) -> DomainBackups:
    return client.opened.backups


@procedure(Proc.DOMAIN_BACKUP_BEGIN)
def domain_backup_begin(client: Client, args: w.DomainBackupBeginArgs) -> None:
    """virDomainBackupBegin: both XMLs are parsed before the domain's state is looked at."""
    dom = resolve(client, args.dom)
    bdef = parse_backup_xml(args.backup_xml)
    chk = parse_checkpoint_xml(args.checkpoint_xml) if args.checkpoint_xml is not None else None
    api(client).begin(dom, bdef, chk, args.flags)


@procedure(Proc.DOMAIN_BACKUP_GET_XML_DESC)
def domain_backup_get_xml_desc(client: Client, args: w.DomainBackupGetXmlDescArgs) -> w.DomainBackupGetXmlDescRet:
    """virDomainBackupGetXMLDesc of the running backup job."""
    dom = resolve(client, args.dom)
    check_flags("qemuDomainBackupGetXMLDesc", args.flags, 0)
    return w.DomainBackupGetXmlDescRet(xml=format_backup_xml(api(client).job(dom).definition))


@procedure(Proc.DOMAIN_GET_JOB_STATS)
def domain_get_job_stats(client: Client, args: d.DomainGetJobStatsArgs) -> d.DomainGetJobStatsRet:
    """virDomainGetJobStats: a held save/dump/snapshot job's, the backup job's, or the last completed."""
    kind, params = api(client).job_stats(resolve(client, args.dom), args.flags)
    return d.DomainGetJobStatsRet(type=kind, params=tuple(TypedParam(field=f, value=(k, v)) for f, k, v in params))


@procedure(Proc.DOMAIN_ABORT_JOB)
def domain_abort_job(client: Client, args: d.DomainAbortJobArgs) -> None:
    """virDomainAbortJob."""
    api(client).abort(resolve(client, args.dom))


@procedure(Proc.DOMAIN_ABORT_JOB_FLAGS)
def domain_abort_job_flags(client: Client, args: w.DomainAbortJobFlagsArgs) -> None:
    """virDomainAbortJobFlags: POSTCOPY only concerns migrations, which never run here."""
    dom = resolve(client, args.dom)
    check_flags("qemuDomainAbortJobFlags", args.flags, 1)
    api(client).abort(dom)
