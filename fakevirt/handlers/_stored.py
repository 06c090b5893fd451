"""Definitions as libvirt stores them in save images and snapshots."""

from __future__ import annotations

import dataclasses

from ..model.domaindef import DomainDef
from ..model.snapshots.snapshotdef import SnapshotDef
from ..xml.domain import format_domain_xml, parse_domain_xml
from ._client import Client


def stored_definition(client: Client, d: DomainDef) -> DomainDef:
    """``d`` written in migratable form and read back (virDomainDefCopy(migratable)), as save
    images and snapshots keep a definition."""
    return client.opened.domains.complete_stored(parse_domain_xml(format_domain_xml(d, migratable=True)))


def stored_domain_xml(client: Client, d: DomainDef, secure: bool) -> str:
    """save-image-dumpxml and managedsave-dumpxml: the stored definition shown inactive."""
    return format_domain_xml(stored_definition(client, d), inactive=True, secure=secure)


def stored_snapshot(client: Client, sd: SnapshotDef) -> SnapshotDef:
    """A snapshot with its <domain> as libvirt stored it; <inactiveDomain> is a plain copy."""
    if sd.domain is None:
        return sd
    return dataclasses.replace(sd, domain=stored_definition(client, sd.domain))  # only formatted: no deep copy
