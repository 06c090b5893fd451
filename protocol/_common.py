"""Types shared by every program: strings, UUIDs, object handles, typed parameters (remote_protocol.x)."""

from __future__ import annotations

from typing import Annotated, Any

from ._xdr import BOOL, DOUBLE, HYPER, INT, UHYPER, UINT, FixedOpaque, Int, Optional, String, Union, struct

REMOTE_STRING_MAX = 4194304
UUID_BUFLEN = 16

NonnullString = Annotated[str, String(REMOTE_STRING_MAX)]
OptString = Annotated[str | None, Optional(String(REMOTE_STRING_MAX))]
Uuid = Annotated[bytes, FixedOpaque(UUID_BUFLEN)]


@struct
class NonnullDomain:
    """remote_nonnull_domain: id is -1 when the domain is inactive."""

    name: NonnullString
    uuid: Uuid
    id: Int


@struct
class NonnullNetwork:
    """remote_nonnull_network."""

    name: NonnullString
    uuid: Uuid


@struct
class NonnullStoragePool:
    """remote_nonnull_storage_pool."""

    name: NonnullString
    uuid: Uuid


@struct
class NonnullStorageVol:
    """remote_nonnull_storage_vol: pool name, volume name, key (usually the path)."""

    pool: NonnullString
    name: NonnullString
    key: NonnullString


@struct
class NonnullDomainSnapshot:
    """remote_nonnull_domain_snapshot."""

    name: NonnullString
    dom: NonnullDomain


@struct
class NonnullDomainCheckpoint:
    """remote_nonnull_domain_checkpoint."""

    name: NonnullString
    dom: NonnullDomain


OptDomain = Annotated[NonnullDomain | None, Optional(NonnullDomain)]
OptNetwork = Annotated[NonnullNetwork | None, Optional(NonnullNetwork)]
OptStoragePool = Annotated[NonnullStoragePool | None, Optional(NonnullStoragePool)]


class TypedParamType:
    """virTypedParameterType values."""

    INT = 1
    UINT = 2
    LLONG = 3
    ULLONG = 4
    DOUBLE = 5
    BOOLEAN = 6
    STRING = 7


TYPED_PARAM_VALUE = Union({
    TypedParamType.INT: INT,
    TypedParamType.UINT: UINT,
    TypedParamType.LLONG: HYPER,
    TypedParamType.ULLONG: UHYPER,
    TypedParamType.DOUBLE: DOUBLE,
    TypedParamType.BOOLEAN: INT,
    TypedParamType.STRING: String(REMOTE_STRING_MAX),
})
TYPED_PARAM_FIELD_LENGTH = 80


@struct
class TypedParam:
    """remote_typed_param: value is (TypedParamType, python value)."""

    field: Annotated[str, String(TYPED_PARAM_FIELD_LENGTH - 1)]
    value: Annotated[tuple[int, Any], TYPED_PARAM_VALUE]


_ = BOOL  # re-exported for declarations
