"""Domain backup procedures and the flag-taking job abort (transcribed from remote_protocol.x)."""

from __future__ import annotations

from .._common import NonnullDomain, NonnullString, OptString
from .._xdr import UInt, struct
from ._procedures import Proc


@struct
class DomainBackupBeginArgs:
    dom: NonnullDomain
    backup_xml: NonnullString
    checkpoint_xml: OptString
    flags: UInt


@struct
class DomainBackupGetXmlDescArgs:
    dom: NonnullDomain
    flags: UInt


@struct
class DomainBackupGetXmlDescRet:
    xml: NonnullString


@struct
class DomainAbortJobFlagsArgs:
    dom: NonnullDomain
    flags: UInt


DECLARATIONS = [
    (Proc.DOMAIN_BACKUP_BEGIN, DomainBackupBeginArgs, None),
    (Proc.DOMAIN_BACKUP_GET_XML_DESC, DomainBackupGetXmlDescArgs, DomainBackupGetXmlDescRet),
    (Proc.DOMAIN_ABORT_JOB_FLAGS, DomainAbortJobFlagsArgs, None),
]
