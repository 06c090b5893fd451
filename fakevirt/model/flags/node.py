"""The host calls' flag and value enums (libvirt-host.h), with libvirt's member names."""

from __future__ import annotations

from enum import IntEnum, IntFlag


class NodeAllocPagesFlags(IntFlag):
    ADD = 0
    SET = 1 << 0


class NodeSuspendTarget(IntEnum):
    MEM = 0
    DISK = 1
    HYBRID = 2


class ConnectCompareCpuFlags(IntFlag):
    FAIL_INCOMPATIBLE = 1 << 0
    VALIDATE_XML = 1 << 1


class ConnectBaselineCpuFlags(IntFlag):
    EXPAND_FEATURES = 1 << 0
    MIGRATABLE = 1 << 1


class CpuCompareResult(IntEnum):
    ERROR = -1
    INCOMPATIBLE = 0
    IDENTICAL = 1
    SUPERSET = 2


class TypedParameterFlags(IntFlag):
    STRING_OKAY = 1 << 2


class TypedParamType(IntEnum):
    """virTypedParameterType, with the names virTypedParameterTypeToString gives."""

    INT = 1
    UINT = 2
    LLONG = 3
    ULLONG = 4
    DOUBLE = 5
    BOOLEAN = 6
    STRING = 7
