"""Network filter and filter binding procedures (transcribed from remote_protocol.x into our notation)."""

from __future__ import annotations

from typing import Annotated

from .._common import REMOTE_STRING_MAX, NonnullString, Uuid
from .._xdr import Array, Int, String, UInt, struct
from ._procedures import Proc
from .limits import NWFILTER_BINDING_LIST_MAX, NWFILTER_LIST_MAX


@struct
class NonnullNwfilter:
    """remote_nonnull_nwfilter."""

    name: NonnullString
    uuid: Uuid


@struct
class NonnullNwfilterBinding:
    """remote_nonnull_nwfilter_binding: a binding is known by its port device."""

    portdev: NonnullString
    filtername: NonnullString


@struct
class ConnectNumOfNwfiltersRet:
    num: Int


@struct
class ConnectListNwfiltersArgs:
    maxnames: Int


@struct
class ConnectListNwfiltersRet:
    names: Annotated[tuple[str, ...], Array(String(REMOTE_STRING_MAX), NWFILTER_LIST_MAX)]


@struct
class NwfilterLookupByUuidArgs:
    uuid: Uuid


@struct
class NwfilterLookupByUuidRet:
    nwfilter: NonnullNwfilter


@struct
class NwfilterLookupByNameArgs:
    name: NonnullString


@struct
class NwfilterLookupByNameRet:
    nwfilter: NonnullNwfilter


@struct
class NwfilterDefineXmlArgs:
    xml: NonnullString


@struct
class NwfilterDefineXmlRet:
    nwfilter: NonnullNwfilter


@struct
class NwfilterDefineXmlFlagsArgs:
    xml: NonnullString
    flags: UInt


@struct
class NwfilterDefineXmlFlagsRet:
    nwfilter: NonnullNwfilter


@struct
class NwfilterUndefineArgs:
    nwfilter: NonnullNwfilter


@struct
class NwfilterGetXmlDescArgs:
    nwfilter: NonnullNwfilter
    flags: UInt


@struct
class NwfilterGetXmlDescRet:
    xml: NonnullString


@struct
class ConnectListAllNwfiltersArgs:
    need_results: Int
    flags: UInt


@struct
class ConnectListAllNwfiltersRet:
    filters: Annotated[tuple[NonnullNwfilter, ...], Array(NonnullNwfilter, NWFILTER_LIST_MAX)]
    ret: UInt


@struct
class NwfilterBindingLookupByPortDevArgs:
    name: NonnullString


@struct
class NwfilterBindingLookupByPortDevRet:
    nwfilter: NonnullNwfilterBinding


@struct
class NwfilterBindingCreateXmlArgs:
    xml: NonnullString
    flags: UInt


@struct
class NwfilterBindingCreateXmlRet:
    nwfilter: NonnullNwfilterBinding


@struct
class NwfilterBindingDeleteArgs:
    nwfilter: NonnullNwfilterBinding


@struct
class NwfilterBindingGetXmlDescArgs:
    nwfilter: NonnullNwfilterBinding
    flags: UInt


@struct
class NwfilterBindingGetXmlDescRet:
    xml: NonnullString


@struct
class ConnectListAllNwfilterBindingsArgs:
    need_results: Int
    flags: UInt


@struct
class ConnectListAllNwfilterBindingsRet:
    bindings: Annotated[tuple[NonnullNwfilterBinding, ...], Array(NonnullNwfilterBinding, NWFILTER_BINDING_LIST_MAX)]
    ret: UInt


DECLARATIONS = [
    (Proc.CONNECT_NUM_OF_NWFILTERS, None, ConnectNumOfNwfiltersRet),
    (Proc.CONNECT_LIST_NWFILTERS, ConnectListNwfiltersArgs, ConnectListNwfiltersRet),
    (Proc.NWFILTER_LOOKUP_BY_UUID, NwfilterLookupByUuidArgs, NwfilterLookupByUuidRet),
    (Proc.NWFILTER_LOOKUP_BY_NAME, NwfilterLookupByNameArgs, NwfilterLookupByNameRet),
    (Proc.NWFILTER_DEFINE_XML, NwfilterDefineXmlArgs, NwfilterDefineXmlRet),
    (Proc.NWFILTER_DEFINE_XML_FLAGS, NwfilterDefineXmlFlagsArgs, NwfilterDefineXmlFlagsRet),
    (Proc.NWFILTER_UNDEFINE, NwfilterUndefineArgs, None),
    (Proc.NWFILTER_GET_XML_DESC, NwfilterGetXmlDescArgs, NwfilterGetXmlDescRet),
    (Proc.CONNECT_LIST_ALL_NWFILTERS, ConnectListAllNwfiltersArgs, ConnectListAllNwfiltersRet),
    (Proc.NWFILTER_BINDING_LOOKUP_BY_PORT_DEV, NwfilterBindingLookupByPortDevArgs, NwfilterBindingLookupByPortDevRet),
    (Proc.NWFILTER_BINDING_CREATE_XML, NwfilterBindingCreateXmlArgs, NwfilterBindingCreateXmlRet),
    (Proc.NWFILTER_BINDING_DELETE, NwfilterBindingDeleteArgs, None),
    (Proc.NWFILTER_BINDING_GET_XML_DESC, NwfilterBindingGetXmlDescArgs, NwfilterBindingGetXmlDescRet),
    (Proc.CONNECT_LIST_ALL_NWFILTER_BINDINGS, ConnectListAllNwfilterBindingsArgs, ConnectListAllNwfilterBindingsRet),
]
