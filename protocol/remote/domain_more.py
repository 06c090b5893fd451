"""Domain and connect procedures of libvirt 9.0 not declared elsewhere (transcribed from remote_protocol.x)."""

from __future__ import annotations

from typing import Annotated

from .._common import NonnullDomain, NonnullString, OptString, TypedParam
from .._xdr import Array, Opaque, UHyper, UInt, struct
from ._procedures import Proc
from .limits import CONNECT_IDENTITY_PARAMS_MAX, DOMAIN_MEMORY_PEEK_BUFFER_MAX, DOMAIN_SAVE_PARAMS_MAX

SaveParams = Annotated[tuple[TypedParam, ...], Array(TypedParam, DOMAIN_SAVE_PARAMS_MAX)]


@struct
class DomainMemoryPeekArgs:
    dom: NonnullDomain
    offset: UHyper
    size: UInt
    flags: UInt


@struct
class DomainMemoryPeekRet:
    buffer: Annotated[bytes, Opaque(DOMAIN_MEMORY_PEEK_BUFFER_MAX)]


@struct
class DomainSaveParamsArgs:
    dom: NonnullDomain
    params: SaveParams
    flags: UInt


@struct
class DomainRestoreParamsArgs:
    params: SaveParams
    flags: UInt


@struct
class DomainSaveImageDefineXmlArgs:
    file: NonnullString
    dxml: NonnullString
    flags: UInt


@struct
class DomainManagedSaveDefineXmlArgs:
    dom: NonnullDomain
    dxml: OptString
    flags: UInt


@struct
class DomainCreateWithFilesArgs:
    dom: NonnullDomain
    flags: UInt


@struct
class DomainCreateWithFilesRet:
    dom: NonnullDomain


@struct
class DomainCreateXmlWithFilesArgs:
    xml_desc: NonnullString
    flags: UInt


@struct
class DomainCreateXmlWithFilesRet:
    dom: NonnullDomain


@struct
class ConnectDomainXmlFromNativeArgs:
    nativeFormat: NonnullString
    nativeConfig: NonnullString
    flags: UInt


@struct
class ConnectDomainXmlFromNativeRet:
    domainXml: NonnullString


@struct
class ConnectDomainXmlToNativeArgs:
    nativeFormat: NonnullString
    domainXml: NonnullString
    flags: UInt


@struct
class ConnectDomainXmlToNativeRet:
    nativeConfig: NonnullString


@struct
class ConnectSetIdentityArgs:
    params: Annotated[tuple[TypedParam, ...], Array(TypedParam, CONNECT_IDENTITY_PARAMS_MAX)]
    flags: UInt


@struct
class DomainFdAssociateArgs:
    dom: NonnullDomain
    name: NonnullString
    flags: UInt


DECLARATIONS = [
    (Proc.DOMAIN_MEMORY_PEEK, DomainMemoryPeekArgs, DomainMemoryPeekRet),
    (Proc.DOMAIN_SAVE_PARAMS, DomainSaveParamsArgs, None),
    (Proc.DOMAIN_RESTORE_PARAMS, DomainRestoreParamsArgs, None),
    (Proc.DOMAIN_SAVE_IMAGE_DEFINE_XML, DomainSaveImageDefineXmlArgs, None),
    (Proc.DOMAIN_MANAGED_SAVE_DEFINE_XML, DomainManagedSaveDefineXmlArgs, None),
    (Proc.DOMAIN_CREATE_WITH_FILES, DomainCreateWithFilesArgs, DomainCreateWithFilesRet),
    (Proc.DOMAIN_CREATE_XML_WITH_FILES, DomainCreateXmlWithFilesArgs, DomainCreateXmlWithFilesRet),
    (Proc.CONNECT_DOMAIN_XML_FROM_NATIVE, ConnectDomainXmlFromNativeArgs, ConnectDomainXmlFromNativeRet),
    (Proc.CONNECT_DOMAIN_XML_TO_NATIVE, ConnectDomainXmlToNativeArgs, ConnectDomainXmlToNativeRet),
    (Proc.CONNECT_SET_IDENTITY, ConnectSetIdentityArgs, None),
    (Proc.DOMAIN_FD_ASSOCIATE, DomainFdAssociateArgs, None),
]
