"""virDomainCheckpoint*Flags (libvirt-domain-checkpoint.h)."""

from __future__ import annotations

from enum import IntFlag

from . import all_of


class DomainCheckpointCreateFlags(IntFlag):
    REDEFINE = 1 << 0
    QUIESCE = 1 << 1
    REDEFINE_VALIDATE = 1 << 2


class DomainCheckpointXMLFlags(IntFlag):
    SECURE = 1 << 0
    NO_DOMAIN = 1 << 1
    SIZE = 1 << 2


class DomainCheckpointListFlags(IntFlag):
    ROOTS = 1 << 0
    DESCENDANTS = 1 << 0  # the same bit: ROOTS for a domain, DESCENDANTS for a checkpoint
    TOPOLOGICAL = 1 << 1
    LEAVES = 1 << 2
    NO_LEAVES = 1 << 3


class DomainCheckpointDeleteFlags(IntFlag):
    CHILDREN = 1 << 0
    METADATA_ONLY = 1 << 1
    CHILDREN_ONLY = 1 << 2


# What the QEMU driver's virCheckFlags accept (QUIESCE is a public flag it refuses).
CREATE_ACCEPTED = DomainCheckpointCreateFlags.REDEFINE | DomainCheckpointCreateFlags.REDEFINE_VALIDATE
XML_ALL = all_of(DomainCheckpointXMLFlags)
LIST_ALL = all_of(DomainCheckpointListFlags)
DELETE_ALL = all_of(DomainCheckpointDeleteFlags)
