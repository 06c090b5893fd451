"""Node device procedures and node device events (transcribed from remote_protocol.x into our notation)."""

from __future__ import annotations

from typing import Annotated

from .._common import REMOTE_STRING_MAX, NonnullString, OptString
from .._xdr import Array, Int, Optional, String, UInt, struct
from ._procedures import Proc
from .limits import NODE_DEVICE_CAPS_LIST_MAX, NODE_DEVICE_LIST_MAX


@struct
class NonnullNodeDevice:
    """remote_nonnull_node_device."""

    name: NonnullString


OptNodeDevice = Annotated[NonnullNodeDevice | None, Optional(NonnullNodeDevice)]


@struct
class NodeNumOfDevicesArgs:
    cap: OptString
    flags: UInt


@struct
class NodeNumOfDevicesRet:
    num: Int


@struct
class NodeListDevicesArgs:
    cap: OptString
    maxnames: Int
    flags: UInt


@struct
class NodeListDevicesRet:
    names: Annotated[tuple[str, ...], Array(String(REMOTE_STRING_MAX), NODE_DEVICE_LIST_MAX)]


@struct
class NodeDeviceLookupByNameArgs:
    name: NonnullString


@struct
class NodeDeviceLookupByNameRet:
    dev: NonnullNodeDevice


@struct
class NodeDeviceLookupScsiHostByWwnArgs:
    wwnn: NonnullString
    wwpn: NonnullString
    flags: UInt


@struct
class NodeDeviceLookupScsiHostByWwnRet:
    dev: NonnullNodeDevice


@struct
class NodeDeviceGetXmlDescArgs:
    name: NonnullString
    flags: UInt


@struct
class NodeDeviceGetXmlDescRet:
    xml: NonnullString


@struct
class NodeDeviceGetParentArgs:
    name: NonnullString


@struct
class NodeDeviceGetParentRet:
    parentName: OptString


@struct
class NodeDeviceNumOfCapsArgs:
    name: NonnullString


@struct
class NodeDeviceNumOfCapsRet:
    num: Int


@struct
class NodeDeviceListCapsArgs:
    name: NonnullString
    maxnames: Int


@struct
class NodeDeviceListCapsRet:
    names: Annotated[tuple[str, ...], Array(String(REMOTE_STRING_MAX), NODE_DEVICE_CAPS_LIST_MAX)]


@struct
class NodeDeviceDettachArgs:
    name: NonnullString


@struct
class NodeDeviceDetachFlagsArgs:
    name: NonnullString
    driverName: OptString
    flags: UInt


@struct
class NodeDeviceReAttachArgs:
    name: NonnullString


@struct
class NodeDeviceResetArgs:
    name: NonnullString


@struct
class NodeDeviceCreateXmlArgs:
    xml_desc: NonnullString
    flags: UInt


@struct
class NodeDeviceCreateXmlRet:
    dev: NonnullNodeDevice


@struct
class NodeDeviceDestroyArgs:
    name: NonnullString


@struct
class NodeDeviceDefineXmlArgs:
    xml_desc: NonnullString
    flags: UInt


@struct
class NodeDeviceDefineXmlRet:
    dev: NonnullNodeDevice


@struct
class NodeDeviceUndefineArgs:
    name: NonnullString
    flags: UInt


@struct
class NodeDeviceCreateArgs:
    name: NonnullString
    flags: UInt


@struct
class NodeDeviceGetAutostartArgs:
    name: NonnullString


@struct
class NodeDeviceGetAutostartRet:
    autostart: Int


@struct
class NodeDeviceSetAutostartArgs:
    name: NonnullString
    autostart: Int


@struct
class NodeDeviceIsPersistentArgs:
    name: NonnullString


@struct
class NodeDeviceIsPersistentRet:
    persistent: Int


@struct
class NodeDeviceIsActiveArgs:
    name: NonnullString


@struct
class NodeDeviceIsActiveRet:
    active: Int


@struct
class ConnectListAllNodeDevicesArgs:
    need_results: Int
    flags: UInt


@struct
class ConnectListAllNodeDevicesRet:
    devices: Annotated[tuple[NonnullNodeDevice, ...], Array(NonnullNodeDevice, NODE_DEVICE_LIST_MAX)]
    ret: UInt


@struct
class ConnectNodeDeviceEventRegisterAnyArgs:
    eventID: Int
    dev: OptNodeDevice


@struct
class ConnectNodeDeviceEventRegisterAnyRet:
    callbackID: Int


@struct
class ConnectNodeDeviceEventDeregisterAnyArgs:
    callbackID: Int


@struct
class NodeDeviceEventLifecycleMsg:
    callbackID: Int
    dev: NonnullNodeDevice
    event: Int
    detail: Int


@struct
class NodeDeviceEventUpdateMsg:
    callbackID: Int
    dev: NonnullNodeDevice


DECLARATIONS = [
    (Proc.CONNECT_LIST_ALL_NODE_DEVICES, ConnectListAllNodeDevicesArgs, ConnectListAllNodeDevicesRet),
    (Proc.CONNECT_NODE_DEVICE_EVENT_DEREGISTER_ANY, ConnectNodeDeviceEventDeregisterAnyArgs, None),
    (Proc.CONNECT_NODE_DEVICE_EVENT_REGISTER_ANY, ConnectNodeDeviceEventRegisterAnyArgs, ConnectNodeDeviceEventRegisterAnyRet),
    (Proc.NODE_DEVICE_CREATE, NodeDeviceCreateArgs, None),
    (Proc.NODE_DEVICE_CREATE_XML, NodeDeviceCreateXmlArgs, NodeDeviceCreateXmlRet),
    (Proc.NODE_DEVICE_DEFINE_XML, NodeDeviceDefineXmlArgs, NodeDeviceDefineXmlRet),
    (Proc.NODE_DEVICE_DESTROY, NodeDeviceDestroyArgs, None),
    (Proc.NODE_DEVICE_DETACH_FLAGS, NodeDeviceDetachFlagsArgs, None),
    (Proc.NODE_DEVICE_DETTACH, NodeDeviceDettachArgs, None),
    (Proc.NODE_DEVICE_EVENT_LIFECYCLE, NodeDeviceEventLifecycleMsg, None),
    (Proc.NODE_DEVICE_EVENT_UPDATE, NodeDeviceEventUpdateMsg, None),
    (Proc.NODE_DEVICE_GET_AUTOSTART, NodeDeviceGetAutostartArgs, NodeDeviceGetAutostartRet),
    (Proc.NODE_DEVICE_GET_PARENT, NodeDeviceGetParentArgs, NodeDeviceGetParentRet),
    (Proc.NODE_DEVICE_GET_XML_DESC, NodeDeviceGetXmlDescArgs, NodeDeviceGetXmlDescRet),
    (Proc.NODE_DEVICE_IS_ACTIVE, NodeDeviceIsActiveArgs, NodeDeviceIsActiveRet),
    (Proc.NODE_DEVICE_IS_PERSISTENT, NodeDeviceIsPersistentArgs, NodeDeviceIsPersistentRet),
    (Proc.NODE_DEVICE_LIST_CAPS, NodeDeviceListCapsArgs, NodeDeviceListCapsRet),
    (Proc.NODE_DEVICE_LOOKUP_BY_NAME, NodeDeviceLookupByNameArgs, NodeDeviceLookupByNameRet),
    (Proc.NODE_DEVICE_LOOKUP_SCSI_HOST_BY_WWN, NodeDeviceLookupScsiHostByWwnArgs, NodeDeviceLookupScsiHostByWwnRet),
    (Proc.NODE_DEVICE_NUM_OF_CAPS, NodeDeviceNumOfCapsArgs, NodeDeviceNumOfCapsRet),
    (Proc.NODE_DEVICE_RESET, NodeDeviceResetArgs, None),
    (Proc.NODE_DEVICE_RE_ATTACH, NodeDeviceReAttachArgs, None),
    (Proc.NODE_DEVICE_SET_AUTOSTART, NodeDeviceSetAutostartArgs, None),
    (Proc.NODE_DEVICE_UNDEFINE, NodeDeviceUndefineArgs, None),
    (Proc.NODE_LIST_DEVICES, NodeListDevicesArgs, NodeListDevicesRet),
    (Proc.NODE_NUM_OF_DEVICES, NodeNumOfDevicesArgs, NodeNumOfDevicesRet),
]
