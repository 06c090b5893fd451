"""Host interfaces (virInterface*, virConnect*Interfaces) as the udev backend answers them, and
the test driver's interfaces.

Define, undefine, create, destroy and the change transaction exist in the test driver only: the
udev backend has none of them (``QemuDriver.supports``), so libvirtd answers "this function is not
supported by the connection driver" there.
"""

from __future__ import annotations

from protocol import Proc
from protocol.remote import interface as w
from protocol.remote.limits import INTERFACE_LIST_MAX

from ..errors import ErrorDomain, VirtError
from ..model.interface import HostInterface, HostInterfaces
from ..model.testdriver.objects import TestInterfaces
from ..xml.interface import format_interface_xml
from ..xml.testdriver import test_interface_xml
from ..xml.testnode import parse_interface_xml
from ._client import Client
from ._lists import legacy_list, list_all
from ._registry import procedure


def interfaces(client: Client) -> HostInterfaces:
    return client.hv.interfaces


def handle(iface: HostInterface) -> w.NonnullInterface:
    return w.NonnullInterface(name=iface.name, mac=iface.mac)


@procedure(Proc.CONNECT_NUM_OF_INTERFACES)
def connect_num_of_interfaces(client: Client, args: None) -> w.ConnectNumOfInterfacesRet:
    """virConnectNumOfInterfaces: the interfaces whose operstate is up."""
    return w.ConnectNumOfInterfacesRet(num=len(interfaces(client).names("up")))


@procedure(Proc.CONNECT_NUM_OF_DEFINED_INTERFACES)
def connect_num_of_defined_interfaces(client: Client, args: None) -> w.ConnectNumOfDefinedInterfacesRet:
    """virConnectNumOfDefinedInterfaces: the interfaces whose operstate is down."""
    return w.ConnectNumOfDefinedInterfacesRet(num=len(interfaces(client).names("down")))


@procedure(Proc.CONNECT_LIST_INTERFACES)
def connect_list_interfaces(client: Client, args: w.ConnectListInterfacesArgs) -> w.ConnectListInterfacesRet:
    """virConnectListInterfaces."""
    names = legacy_list(lambda: interfaces(client).names("up"), args.maxnames,
                        INTERFACE_LIST_MAX, "INTERFACE_LIST_MAX")
    return w.ConnectListInterfacesRet(names=names)


@procedure(Proc.CONNECT_LIST_DEFINED_INTERFACES)
def connect_list_defined_interfaces(client: Client, args: w.ConnectListDefinedInterfacesArgs
                                    ) -> w.ConnectListDefinedInterfacesRet:
    """virConnectListDefinedInterfaces."""
    names = legacy_list(lambda: interfaces(client).names("down"), args.maxnames,
                        INTERFACE_LIST_MAX, "INTERFACE_LIST_MAX")
    return w.ConnectListDefinedInterfacesRet(names=names)


@procedure(Proc.CONNECT_LIST_ALL_INTERFACES)
def connect_list_all_interfaces(client: Client, args: w.ConnectListAllInterfacesArgs
                                ) -> w.ConnectListAllInterfacesRet:
    """virConnectListAllInterfaces."""
    found = interfaces(client).list_all(args.flags)
    ifaces = list_all("interface", found, INTERFACE_LIST_MAX, args.need_results,
                      lambda xs: tuple(handle(i) for i in xs))
    return w.ConnectListAllInterfacesRet(ifaces=ifaces, ret=len(found))


@procedure(Proc.INTERFACE_LOOKUP_BY_NAME)
def interface_lookup_by_name(client: Client, args: w.InterfaceLookupByNameArgs) -> w.InterfaceLookupByNameRet:
    """virInterfaceLookupByName."""
    return w.InterfaceLookupByNameRet(iface=handle(interfaces(client).by_name(args.name)))


@procedure(Proc.INTERFACE_LOOKUP_BY_MAC_STRING)
def interface_lookup_by_mac_string(client: Client, args: w.InterfaceLookupByMacStringArgs
                                   ) -> w.InterfaceLookupByMacStringRet:
    """virInterfaceLookupByMACString."""
    return w.InterfaceLookupByMacStringRet(iface=handle(interfaces(client).by_mac(args.mac)))


@procedure(Proc.INTERFACE_GET_XML_DESC)
def interface_get_xml_desc(client: Client, args: w.InterfaceGetXmlDescArgs) -> w.InterfaceGetXmlDescRet:
    """virInterfaceGetXMLDesc: live and inactive are the same (the backend only reads sysfs)."""
    state = interfaces(client)
    if isinstance(state, TestInterfaces):
        return w.InterfaceGetXmlDescRet(xml=test_interface_xml(state.definition(args.iface.name, args.flags)))
    iface, ports = state.describe(args.iface.name, args.flags)
    return w.InterfaceGetXmlDescRet(xml=format_interface_xml(iface, ports))


@procedure(Proc.INTERFACE_IS_ACTIVE)
def interface_is_active(client: Client, args: w.InterfaceIsActiveArgs) -> w.InterfaceIsActiveRet:
    """virInterfaceIsActive: operstate up."""
    return w.InterfaceIsActiveRet(active=int(interfaces(client).by_name(args.iface.name).active))


def editable(client: Client, api: str) -> TestInterfaces:
    """The test driver's interfaces; the udev backend has no such call (dispatch refuses it on an open
    QEMU connection, this after a failed second open dropped the hypervisor driver)."""
    state = interfaces(client)
    if not isinstance(state, TestInterfaces):
        raise VirtError.no_support(api, ErrorDomain.INTERFACE)
    return state


@procedure(Proc.INTERFACE_DEFINE_XML)
def interface_define_xml(client: Client, args: w.InterfaceDefineXmlArgs) -> w.InterfaceDefineXmlRet:
    """virInterfaceDefineXML (test driver): a new interface is inactive."""
    state = editable(client, "virInterfaceDefineXML")
    return w.InterfaceDefineXmlRet(iface=handle(state.define(parse_interface_xml(args.xml), args.flags)))


@procedure(Proc.INTERFACE_UNDEFINE)
def interface_undefine(client: Client, args: w.InterfaceUndefineArgs) -> None:
    editable(client, "virInterfaceUndefine").undefine(args.iface.name)


@procedure(Proc.INTERFACE_CREATE)
def interface_create(client: Client, args: w.InterfaceCreateArgs) -> None:
    editable(client, "virInterfaceCreate").set_active(args.iface.name, True, args.flags)


@procedure(Proc.INTERFACE_DESTROY)
def interface_destroy(client: Client, args: w.InterfaceDestroyArgs) -> None:
    editable(client, "virInterfaceDestroy").set_active(args.iface.name, False, args.flags)


@procedure(Proc.INTERFACE_CHANGE_BEGIN)
def interface_change_begin(client: Client, args: w.InterfaceChangeBeginArgs) -> None:
    editable(client, "virInterfaceChangeBegin").change_begin(args.flags)


@procedure(Proc.INTERFACE_CHANGE_COMMIT)
def interface_change_commit(client: Client, args: w.InterfaceChangeCommitArgs) -> None:
    editable(client, "virInterfaceChangeCommit").change_commit(args.flags)


@procedure(Proc.INTERFACE_CHANGE_ROLLBACK)
def interface_change_rollback(client: Client, args: w.InterfaceChangeRollbackArgs) -> None:
    editable(client, "virInterfaceChangeRollback").change_rollback(args.flags)
