"""Node devices (virNodeDevice*, virNodeListDevices, virConnectListAllNodeDevices): the node device
driver's calls, and the QEMU driver's detach/reattach/reset."""

from __future__ import annotations

from protocol import Proc
from protocol.remote import nodedev as w
from protocol.remote.limits import NODE_DEVICE_CAPS_LIST_MAX, NODE_DEVICE_LIST_MAX

from ..errors import nodedev as err
from ..model.nodedev import NodeDevice, NodeDevices
from ..xml.nodedev import MdevRequest, format_nodedev_xml, parse_mdev_xml
from ._client import Client
from ._lists import legacy_list, list_all
from ._registry import procedure


def devices(client: Client) -> NodeDevices:
    return client.hv.nodedevs


def handle(dev: NodeDevice) -> w.NonnullNodeDevice:
    return w.NonnullNodeDevice(name=dev.name)


def mdev_request(xml: str) -> MdevRequest:
    req = parse_mdev_xml(xml)
    if not req.is_mdev:
        raise err.unsupported_type()
    return req


@procedure(Proc.NODE_NUM_OF_DEVICES)
def node_num_of_devices(client: Client, args: w.NodeNumOfDevicesArgs) -> w.NodeNumOfDevicesRet:
    """virNodeNumOfDevices."""
    return w.NodeNumOfDevicesRet(num=devices(client).count(args.cap, args.flags))


@procedure(Proc.NODE_LIST_DEVICES)
def node_list_devices(client: Client, args: w.NodeListDevicesArgs) -> w.NodeListDevicesRet:
    """virNodeListDevices."""
    names = legacy_list(lambda: devices(client).names(args.cap, args.flags), args.maxnames,
                        NODE_DEVICE_LIST_MAX, "NODE_DEVICE_LIST_MAX")
    return w.NodeListDevicesRet(names=names)


@procedure(Proc.CONNECT_LIST_ALL_NODE_DEVICES)
def connect_list_all_node_devices(client: Client, args: w.ConnectListAllNodeDevicesArgs
                                  ) -> w.ConnectListAllNodeDevicesRet:
    """virConnectListAllNodeDevices."""
    found = devices(client).list_all(args.flags)
    devs = list_all("node_device", found, NODE_DEVICE_LIST_MAX, args.need_results,
                    lambda xs: tuple(handle(d) for d in xs))
    return w.ConnectListAllNodeDevicesRet(devices=devs, ret=len(found))


@procedure(Proc.NODE_DEVICE_LOOKUP_BY_NAME)
def node_device_lookup_by_name(client: Client, args: w.NodeDeviceLookupByNameArgs) -> w.NodeDeviceLookupByNameRet:
    """virNodeDeviceLookupByName."""
    return w.NodeDeviceLookupByNameRet(dev=handle(devices(client).get(args.name)))


@procedure(Proc.NODE_DEVICE_LOOKUP_SCSI_HOST_BY_WWN)
def node_device_lookup_scsi_host_by_wwn(client: Client, args: w.NodeDeviceLookupScsiHostByWwnArgs
                                        ) -> w.NodeDeviceLookupScsiHostByWwnRet:
    """virNodeDeviceLookupSCSIHostByWWN."""
    dev = devices(client).scsi_host_by_wwn(args.wwnn, args.wwpn, args.flags)
    return w.NodeDeviceLookupScsiHostByWwnRet(dev=handle(dev))


@procedure(Proc.NODE_DEVICE_GET_XML_DESC)
def node_device_get_xml_desc(client: Client, args: w.NodeDeviceGetXmlDescArgs) -> w.NodeDeviceGetXmlDescRet:
    """virNodeDeviceGetXMLDesc."""
    return w.NodeDeviceGetXmlDescRet(xml=format_nodedev_xml(devices(client).describe(args.name, args.flags)))


@procedure(Proc.NODE_DEVICE_GET_PARENT)
def node_device_get_parent(client: Client, args: w.NodeDeviceGetParentArgs) -> w.NodeDeviceGetParentRet:
    """virNodeDeviceGetParent."""
    return w.NodeDeviceGetParentRet(parentName=devices(client).parent(args.name))


@procedure(Proc.NODE_DEVICE_NUM_OF_CAPS)
def node_device_num_of_caps(client: Client, args: w.NodeDeviceNumOfCapsArgs) -> w.NodeDeviceNumOfCapsRet:
    """virNodeDeviceNumOfCaps."""
    return w.NodeDeviceNumOfCapsRet(num=len(devices(client).caps(args.name)))


@procedure(Proc.NODE_DEVICE_LIST_CAPS)
def node_device_list_caps(client: Client, args: w.NodeDeviceListCapsArgs) -> w.NodeDeviceListCapsRet:
    """virNodeDeviceListCaps."""
    names = legacy_list(lambda: devices(client).caps(args.name), args.maxnames,
                        NODE_DEVICE_CAPS_LIST_MAX, "NODE_DEVICE_CAPS_LIST_MAX")
    return w.NodeDeviceListCapsRet(names=names)


@procedure(Proc.NODE_DEVICE_DETTACH)
def node_device_dettach(client: Client, args: w.NodeDeviceDettachArgs) -> None:
    """virNodeDeviceDettach: the QEMU driver's detach to vfio-pci."""
    devices(client).detach(args.name, None, 0)


@procedure(Proc.NODE_DEVICE_DETACH_FLAGS)
def node_device_detach_flags(client: Client, args: w.NodeDeviceDetachFlagsArgs) -> None:
    """virNodeDeviceDetachFlags."""
    devices(client).detach(args.name, args.driverName, args.flags)


@procedure(Proc.NODE_DEVICE_RE_ATTACH)
def node_device_re_attach(client: Client, args: w.NodeDeviceReAttachArgs) -> None:
    """virNodeDeviceReAttach."""
    devices(client).reattach(args.name)


@procedure(Proc.NODE_DEVICE_RESET)
def node_device_reset(client: Client, args: w.NodeDeviceResetArgs) -> None:
    """virNodeDeviceReset."""
    devices(client).reset(args.name)


@procedure(Proc.NODE_DEVICE_CREATE_XML)
def node_device_create_xml(client: Client, args: w.NodeDeviceCreateXmlArgs) -> w.NodeDeviceCreateXmlRet:
    """virNodeDeviceCreateXML: a transient mediated device, started."""
    req = mdev_request(args.xml_desc)
    dev = devices(client).create_xml(req.parent, req.type_id, req.uuid, req.attrs, args.flags)
    return w.NodeDeviceCreateXmlRet(dev=handle(dev))


@procedure(Proc.NODE_DEVICE_DEFINE_XML)
def node_device_define_xml(client: Client, args: w.NodeDeviceDefineXmlArgs) -> w.NodeDeviceDefineXmlRet:
    """virNodeDeviceDefineXML: a persistent mediated device, not started."""
    req = mdev_request(args.xml_desc)
    dev = devices(client).define_xml(req.parent, req.type_id, req.uuid, req.attrs, args.flags)
    return w.NodeDeviceDefineXmlRet(dev=handle(dev))


@procedure(Proc.NODE_DEVICE_CREATE)
def node_device_create(client: Client, args: w.NodeDeviceCreateArgs) -> None:
    """virNodeDeviceCreate: start a defined mediated device."""
    devices(client).start(args.name, args.flags)


@procedure(Proc.NODE_DEVICE_DESTROY)
def node_device_destroy(client: Client, args: w.NodeDeviceDestroyArgs) -> None:
    """virNodeDeviceDestroy."""
    devices(client).destroy(args.name)


@procedure(Proc.NODE_DEVICE_UNDEFINE)
def node_device_undefine(client: Client, args: w.NodeDeviceUndefineArgs) -> None:
    """virNodeDeviceUndefine."""
    devices(client).undefine(args.name, args.flags)


@procedure(Proc.NODE_DEVICE_GET_AUTOSTART)
def node_device_get_autostart(client: Client, args: w.NodeDeviceGetAutostartArgs) -> w.NodeDeviceGetAutostartRet:
    """virNodeDeviceGetAutostart."""
    return w.NodeDeviceGetAutostartRet(autostart=int(devices(client).autostart(args.name)))


@procedure(Proc.NODE_DEVICE_SET_AUTOSTART)
def node_device_set_autostart(client: Client, args: w.NodeDeviceSetAutostartArgs) -> None:
    """virNodeDeviceSetAutostart."""
    devices(client).set_autostart(args.name, bool(args.autostart))


@procedure(Proc.NODE_DEVICE_IS_PERSISTENT)
def node_device_is_persistent(client: Client, args: w.NodeDeviceIsPersistentArgs) -> w.NodeDeviceIsPersistentRet:
    """virNodeDeviceIsPersistent."""
    return w.NodeDeviceIsPersistentRet(persistent=int(devices(client).is_persistent(args.name)))


@procedure(Proc.NODE_DEVICE_IS_ACTIVE)
def node_device_is_active(client: Client, args: w.NodeDeviceIsActiveArgs) -> w.NodeDeviceIsActiveRet:
    """virNodeDeviceIsActive."""
    return w.NodeDeviceIsActiveRet(active=int(devices(client).get(args.name).active))
