"""The nwfilter driver's flag enums (libvirt-nwfilter.h), with libvirt's member names."""

from __future__ import annotations

from enum import IntFlag


class NWFilterDefineFlags(IntFlag):
    VALIDATE = 1 << 0


class NWFilterBindingCreateFlags(IntFlag):
    VALIDATE = 1 << 0
