"""Guest-agent procedures not declared with the domain statistics (transcribed from remote_protocol.x)."""

from __future__ import annotations

from typing import Annotated

from .._common import REMOTE_STRING_MAX, NonnullDomain, NonnullString
from .._xdr import Array, Int, String, UInt, struct
from ._procedures import Proc
from .limits import DOMAIN_AUTHORIZED_SSH_KEYS_MAX


@struct
class DomainSetGuestVcpusArgs:
    dom: NonnullDomain
    cpumap: NonnullString
    state: Int
    flags: UInt


@struct
class DomainAgentSetResponseTimeoutArgs:
    dom: NonnullDomain
    timeout: Int
    flags: UInt


@struct
class DomainAgentSetResponseTimeoutRet:
    result: Int


@struct
class DomainAuthorizedSshKeysGetArgs:
    dom: NonnullDomain
    user: NonnullString
    flags: UInt


@struct
class DomainAuthorizedSshKeysGetRet:
    keys: Annotated[tuple[str, ...], Array(String(REMOTE_STRING_MAX), DOMAIN_AUTHORIZED_SSH_KEYS_MAX)]


@struct
class DomainAuthorizedSshKeysSetArgs:
    dom: NonnullDomain
    user: NonnullString
    keys: Annotated[tuple[str, ...], Array(String(REMOTE_STRING_MAX), DOMAIN_AUTHORIZED_SSH_KEYS_MAX)]
    flags: UInt


DECLARATIONS = [
    (Proc.DOMAIN_SET_GUEST_VCPUS, DomainSetGuestVcpusArgs, None),
    (Proc.DOMAIN_AGENT_SET_RESPONSE_TIMEOUT, DomainAgentSetResponseTimeoutArgs, DomainAgentSetResponseTimeoutRet),
    (Proc.DOMAIN_AUTHORIZED_SSH_KEYS_GET, DomainAuthorizedSshKeysGetArgs, DomainAuthorizedSshKeysGetRet),
    (Proc.DOMAIN_AUTHORIZED_SSH_KEYS_SET, DomainAuthorizedSshKeysSetArgs, None),
]
