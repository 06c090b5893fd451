"""Host interface procedures (transcribed from remote_protocol.x into our notation)."""

from __future__ import annotations

from typing import Annotated

from .._common import REMOTE_STRING_MAX, NonnullString
from .._xdr import Array, Int, String, UInt, struct
from ._procedures import Proc
from .limits import INTERFACE_LIST_MAX


@struct
class NonnullInterface:
    """remote_nonnull_interface: a host interface by name and MAC."""

    name: NonnullString
    mac: NonnullString


@struct
class ConnectNumOfInterfacesRet:
    num: Int


@struct
class ConnectListInterfacesArgs:
    maxnames: Int


@struct
class ConnectListInterfacesRet:
    names: Annotated[tuple[str, ...], Array(String(REMOTE_STRING_MAX), INTERFACE_LIST_MAX)]


@struct
class ConnectNumOfDefinedInterfacesRet:
    num: Int


@struct
class ConnectListDefinedInterfacesArgs:
    maxnames: Int


@struct
class ConnectListDefinedInterfacesRet:
    names: Annotated[tuple[str, ...], Array(String(REMOTE_STRING_MAX), INTERFACE_LIST_MAX)]


@struct
class InterfaceLookupByNameArgs:
    name: NonnullString


@struct
class InterfaceLookupByNameRet:
    iface: NonnullInterface


@struct
class InterfaceLookupByMacStringArgs:
    mac: NonnullString


@struct
class InterfaceLookupByMacStringRet:
    iface: NonnullInterface


@struct
class InterfaceGetXmlDescArgs:
    iface: NonnullInterface
    flags: UInt


@struct
class InterfaceGetXmlDescRet:
    xml: NonnullString


@struct
class InterfaceDefineXmlArgs:
    xml: NonnullString
    flags: UInt


@struct
class InterfaceDefineXmlRet:
    iface: NonnullInterface


@struct
class InterfaceUndefineArgs:
    iface: NonnullInterface


@struct
class InterfaceCreateArgs:
    iface: NonnullInterface
    flags: UInt


@struct
class InterfaceDestroyArgs:
    iface: NonnullInterface
    flags: UInt


@struct
class InterfaceChangeBeginArgs:
    flags: UInt


@struct
class InterfaceChangeCommitArgs:
    flags: UInt


@struct
class InterfaceChangeRollbackArgs:
    flags: UInt


@struct
class InterfaceIsActiveArgs:
    iface: NonnullInterface


@struct
class InterfaceIsActiveRet:
    active: Int


@struct
class ConnectListAllInterfacesArgs:
    need_results: Int
    flags: UInt


@struct
class ConnectListAllInterfacesRet:
    ifaces: Annotated[tuple[NonnullInterface, ...], Array(NonnullInterface, INTERFACE_LIST_MAX)]
    ret: UInt


DECLARATIONS = [
    (Proc.CONNECT_LIST_ALL_INTERFACES, ConnectListAllInterfacesArgs, ConnectListAllInterfacesRet),
    (Proc.CONNECT_LIST_DEFINED_INTERFACES, ConnectListDefinedInterfacesArgs, ConnectListDefinedInterfacesRet),
    (Proc.CONNECT_LIST_INTERFACES, ConnectListInterfacesArgs, ConnectListInterfacesRet),
    (Proc.CONNECT_NUM_OF_DEFINED_INTERFACES, None, ConnectNumOfDefinedInterfacesRet),
    (Proc.CONNECT_NUM_OF_INTERFACES, None, ConnectNumOfInterfacesRet),
    (Proc.INTERFACE_CHANGE_BEGIN, InterfaceChangeBeginArgs, None),
    (Proc.INTERFACE_CHANGE_COMMIT, InterfaceChangeCommitArgs, None),
    (Proc.INTERFACE_CHANGE_ROLLBACK, InterfaceChangeRollbackArgs, None),
    (Proc.INTERFACE_CREATE, InterfaceCreateArgs, None),
    (Proc.INTERFACE_DEFINE_XML, InterfaceDefineXmlArgs, InterfaceDefineXmlRet),
    (Proc.INTERFACE_DESTROY, InterfaceDestroyArgs, None),
    (Proc.INTERFACE_GET_XML_DESC, InterfaceGetXmlDescArgs, InterfaceGetXmlDescRet),
    (Proc.INTERFACE_IS_ACTIVE, InterfaceIsActiveArgs, InterfaceIsActiveRet),
    (Proc.INTERFACE_LOOKUP_BY_MAC_STRING, InterfaceLookupByMacStringArgs, InterfaceLookupByMacStringRet),
    (Proc.INTERFACE_LOOKUP_BY_NAME, InterfaceLookupByNameArgs, InterfaceLookupByNameRet),
    (Proc.INTERFACE_UNDEFINE, InterfaceUndefineArgs, None),
]
