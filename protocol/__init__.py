"""libvirt's RPC wire protocol, sans-IO: XDR types, framing, procedure tables, the engine.

Imports only the standard library and xdrlib3.
"""

from __future__ import annotations

from ._common import (
                      REMOTE_STRING_MAX,
                      TYPED_PARAM_VALUE,
                      NonnullDomain,
                      NonnullDomainCheckpoint,
                      NonnullDomainSnapshot,
                      NonnullNetwork,
                      NonnullStoragePool,
                      NonnullStorageVol,
                      NonnullString,
                      OptString,
                      TypedParam,
                      TypedParamType,
                      Uuid,
)
from ._connection import NEED_DATA, Connection, Role, State, StreamHoleBody
from ._errorcodes import ErrorCode, ErrorDomain
from ._errors import (
                      LibvirtError,
                      LocalProtocolError,
                      ProtocolError,
                      RemoteProtocolError,
                      UnencodablePayload,
                      WireError,
                      format_message,
)
from ._events import (
                      Call,
                      ConnectionClosed,
                      ErrorReply,
                      Event,
                      Ignored,
                      InvalidCall,
                      KeepalivePing,
                      KeepalivePong,
                      Message,
                      Reply,
                      StreamAbort,
                      StreamData,
                      StreamFinish,
                      StreamHole,
)
from ._header import (
                      FRAME_MAX,
                      FRAME_MIN,
                      MESSAGE_LEGACY_PAYLOAD_MAX,
                      MESSAGE_MAX,
                      PROGRAM_VERSION,
                      Header,
                      MessageStatus,
                      MessageType,
                      Program,
                      pack_frame,
)
from ._otherprograms import OTHER_PROCEDURES, LxcProc, QemuProc
from ._procedure import Procedure, ProcedureTable
from ._xdr import (
                      BOOL,
                      CHAR,
                      DOUBLE,
                      HYPER,
                      INT,
                      SHORT,
                      UCHAR,
                      UHYPER,
                      UINT,
                      USHORT,
                      VOID,
                      Array,
                      Bool,
                      BoolType,
                      Char,
                      CharArray,
                      CharVarArray,
                      Double,
                      DoubleType,
                      Enum,
                      FixedArray,
                      FixedOpaque,
                      FrozenStructError,
                      Hyper,
                      Int,
                      IntType,
                      Opaque,
                      Optional,
                      Short,
                      String,
                      StructCodec,
                      UChar,
                      UHyper,
                      UInt,
                      Union,
                      UShort,
                      VoidType,
                      XdrError,
                      XdrType,
                      codec_of,
                      decode,
                      encode,
                      is_struct,
                      struct,
                      struct_fields,
)
from .remote import REMOTE_PROCEDURES, Proc
from .remote.qemu import QEMU_PROCEDURES

PROCEDURES: dict[tuple[int, int], Procedure] = {**REMOTE_PROCEDURES, **OTHER_PROCEDURES, **QEMU_PROCEDURES}
"""Every known procedure of every program, keyed by (program, number)."""

SERVED_PROGRAMS = frozenset({Program.REMOTE, Program.QEMU, Program.LXC})
"""The programs libvirtd's main socket answers calls for (ADMIN has its own socket)."""

__all__ = [
    "NEED_DATA", "PROCEDURES", "SERVED_PROGRAMS", "FRAME_MAX", "FRAME_MIN",
    "MESSAGE_LEGACY_PAYLOAD_MAX", "MESSAGE_MAX", "PROGRAM_VERSION",
    "Call", "Connection", "ConnectionClosed", "ErrorCode", "ErrorDomain", "ErrorReply", "Event",
    "Header", "Ignored", "InvalidCall", "KeepalivePing", "KeepalivePong", "LibvirtError",
    "LocalProtocolError", "LxcProc", "Message", "MessageStatus", "MessageType", "NonnullDomain",
    "NonnullDomainCheckpoint", "NonnullDomainSnapshot", "NonnullNetwork", "NonnullStoragePool",
    "NonnullStorageVol", "NonnullString", "OptString", "Proc", "Procedure", "ProcedureTable",
    "Program", "ProtocolError", "QemuProc", "RemoteProtocolError", "Reply", "Role", "State",
    "StreamAbort", "StreamData", "StreamFinish", "StreamHole", "TypedParam", "TypedParamType",
    "UnencodablePayload", "Uuid", "WireError", "XdrError", "decode", "encode", "format_message", "pack_frame",
    "REMOTE_STRING_MAX", "TYPED_PARAM_VALUE", "StreamHoleBody",
    # XDR declarations (protocol._xdr): the scalar codecs, their Annotated aliases, the composite types
    "BOOL", "CHAR", "DOUBLE", "HYPER", "INT", "SHORT", "UCHAR", "UHYPER", "UINT", "USHORT", "VOID",
    "Bool", "Char", "Double", "Hyper", "Int", "Short", "UChar", "UHyper", "UInt", "UShort",
    "BoolType", "DoubleType", "IntType", "StructCodec", "VoidType", "XdrType",
    "Array", "CharArray", "CharVarArray", "Enum", "FixedArray", "FixedOpaque", "Opaque", "Optional",
    "String", "Union", "FrozenStructError", "codec_of", "is_struct", "struct", "struct_fields",
]
