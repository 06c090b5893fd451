"""Secret procedures and secret events (transcribed from remote_protocol.x into our notation)."""

from __future__ import annotations

from typing import Annotated

from .._common import REMOTE_STRING_MAX, NonnullString, Uuid
from .._xdr import Array, Int, Opaque, Optional, String, UInt, struct
from ._procedures import Proc
from .limits import SECRET_LIST_MAX, SECRET_VALUE_MAX


@struct
class NonnullSecret:
    """remote_nonnull_secret: the usage ID is "" for a secret without usage."""

    uuid: Uuid
    usageType: Int
    usageID: NonnullString


OptSecret = Annotated[NonnullSecret | None, Optional(NonnullSecret)]


@struct
class ConnectNumOfSecretsRet:
    num: Int


@struct
class ConnectListSecretsArgs:
    maxuuids: Int


@struct
class ConnectListSecretsRet:
    uuids: Annotated[tuple[str, ...], Array(String(REMOTE_STRING_MAX), SECRET_LIST_MAX)]


@struct
class SecretLookupByUuidArgs:
    uuid: Uuid


@struct
class SecretLookupByUuidRet:
    secret: NonnullSecret


@struct
class SecretDefineXmlArgs:
    xml: NonnullString
    flags: UInt


@struct
class SecretDefineXmlRet:
    secret: NonnullSecret


@struct
class SecretGetXmlDescArgs:
    secret: NonnullSecret
    flags: UInt


@struct
class SecretGetXmlDescRet:
    xml: NonnullString


@struct
class SecretSetValueArgs:
    secret: NonnullSecret
    value: Annotated[bytes, Opaque(SECRET_VALUE_MAX)]
    flags: UInt


@struct
class SecretGetValueArgs:
    secret: NonnullSecret
    flags: UInt


@struct
class SecretGetValueRet:
    value: Annotated[bytes, Opaque(SECRET_VALUE_MAX)]


@struct
class SecretUndefineArgs:
    secret: NonnullSecret


@struct
class SecretLookupByUsageArgs:
    usageType: Int
    usageID: NonnullString


@struct
class SecretLookupByUsageRet:
    secret: NonnullSecret


@struct
class ConnectListAllSecretsArgs:
    need_results: Int
    flags: UInt


@struct
class ConnectListAllSecretsRet:
    secrets: Annotated[tuple[NonnullSecret, ...], Array(NonnullSecret, SECRET_LIST_MAX)]
    ret: UInt


@struct
class ConnectSecretEventRegisterAnyArgs:
    eventID: Int
    secret: OptSecret


@struct
class ConnectSecretEventRegisterAnyRet:
    callbackID: Int


@struct
class ConnectSecretEventDeregisterAnyArgs:
    callbackID: Int


@struct
class SecretEventLifecycleMsg:
    callbackID: Int
    secret: NonnullSecret
    event: Int
    detail: Int


@struct
class SecretEventValueChangedMsg:
    callbackID: Int
    secret: NonnullSecret


DECLARATIONS = [
    (Proc.CONNECT_NUM_OF_SECRETS, None, ConnectNumOfSecretsRet),
    (Proc.CONNECT_LIST_SECRETS, ConnectListSecretsArgs, ConnectListSecretsRet),
    (Proc.SECRET_LOOKUP_BY_UUID, SecretLookupByUuidArgs, SecretLookupByUuidRet),
    (Proc.SECRET_DEFINE_XML, SecretDefineXmlArgs, SecretDefineXmlRet),
    (Proc.SECRET_GET_XML_DESC, SecretGetXmlDescArgs, SecretGetXmlDescRet),
    (Proc.SECRET_SET_VALUE, SecretSetValueArgs, None),
    (Proc.SECRET_GET_VALUE, SecretGetValueArgs, SecretGetValueRet),
    (Proc.SECRET_UNDEFINE, SecretUndefineArgs, None),
    (Proc.SECRET_LOOKUP_BY_USAGE, SecretLookupByUsageArgs, SecretLookupByUsageRet),
    (Proc.CONNECT_LIST_ALL_SECRETS, ConnectListAllSecretsArgs, ConnectListAllSecretsRet),
    (Proc.CONNECT_SECRET_EVENT_REGISTER_ANY, ConnectSecretEventRegisterAnyArgs, ConnectSecretEventRegisterAnyRet),
    (Proc.CONNECT_SECRET_EVENT_DEREGISTER_ANY, ConnectSecretEventDeregisterAnyArgs, None),
    (Proc.SECRET_EVENT_LIFECYCLE, SecretEventLifecycleMsg, None),
    (Proc.SECRET_EVENT_VALUE_CHANGED, SecretEventValueChangedMsg, None),
]
