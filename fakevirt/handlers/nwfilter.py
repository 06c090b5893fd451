"""Network filters and filter bindings (virNWFilter*, virNWFilterBinding*): thin wrappers over model.nwfilters."""

from __future__ import annotations

import uuid

from protocol import Proc
from protocol.remote import nwfilter as w
from protocol.remote.limits import NWFILTER_BINDING_LIST_MAX, NWFILTER_LIST_MAX

from ..errors import nwfilter as err
from ..model.flags.nwfilter import NWFilterBindingCreateFlags, NWFilterDefineFlags
from ..model.nwfilters import Binding, NWFilter, NWFilters
from ..xml.nwfilter import format_binding_xml, format_nwfilter_xml, parse_binding_xml, parse_nwfilter_xml
from ._client import Client
from ._lists import legacy_list, list_all
from ._registry import procedure


def nwfilters(client: Client) -> NWFilters:
    return client.hv.nwfilters


def filter_handle(f: NWFilter) -> w.NonnullNwfilter:
    return w.NonnullNwfilter(name=f.name, uuid=f.uuid.bytes)


def binding_handle(b: Binding) -> w.NonnullNwfilterBinding:
    return w.NonnullNwfilterBinding(portdev=b.portdev, filtername=b.config.filter)


def resolve_filter(client: Client, h: w.NonnullNwfilter) -> NWFilter:
    """nwfilterObjFromNWFilter: by UUID."""
    return nwfilters(client).by_uuid(uuid.UUID(bytes=h.uuid))


@procedure(Proc.NWFILTER_LOOKUP_BY_NAME)
def nwfilter_lookup_by_name(client: Client, args: w.NwfilterLookupByNameArgs) -> w.NwfilterLookupByNameRet:
    """virNWFilterLookupByName."""
    return w.NwfilterLookupByNameRet(nwfilter=filter_handle(nwfilters(client).by_name(args.name)))


@procedure(Proc.NWFILTER_LOOKUP_BY_UUID)
def nwfilter_lookup_by_uuid(client: Client, args: w.NwfilterLookupByUuidArgs) -> w.NwfilterLookupByUuidRet:
    """virNWFilterLookupByUUID."""
    return w.NwfilterLookupByUuidRet(nwfilter=filter_handle(nwfilters(client).by_uuid(uuid.UUID(bytes=args.uuid))))


@procedure(Proc.NWFILTER_DEFINE_XML)
def nwfilter_define_xml(client: Client, args: w.NwfilterDefineXmlArgs) -> w.NwfilterDefineXmlRet:
    """virNWFilterDefineXML."""
    return w.NwfilterDefineXmlRet(nwfilter=filter_handle(nwfilters(client).define(parse_nwfilter_xml(args.xml))))


@procedure(Proc.NWFILTER_DEFINE_XML_FLAGS)
def nwfilter_define_xml_flags(client: Client, args: w.NwfilterDefineXmlFlagsArgs) -> w.NwfilterDefineXmlFlagsRet:
    """virNWFilterDefineXMLFlags: flags are checked before the document is read."""
    err.check_flags("nwfilterDefineXMLFlags", args.flags, NWFilterDefineFlags.VALIDATE)
    return w.NwfilterDefineXmlFlagsRet(nwfilter=filter_handle(nwfilters(client).define(parse_nwfilter_xml(args.xml))))


@procedure(Proc.NWFILTER_UNDEFINE)
def nwfilter_undefine(client: Client, args: w.NwfilterUndefineArgs) -> None:
    """virNWFilterUndefine."""
    nwfilters(client).undefine(resolve_filter(client, args.nwfilter))


@procedure(Proc.NWFILTER_GET_XML_DESC)
def nwfilter_get_xml_desc(client: Client, args: w.NwfilterGetXmlDescArgs) -> w.NwfilterGetXmlDescRet:
    """virNWFilterGetXMLDesc."""
    err.check_flags("nwfilterGetXMLDesc", args.flags, 0)
    return w.NwfilterGetXmlDescRet(xml=format_nwfilter_xml(resolve_filter(client, args.nwfilter).config))


@procedure(Proc.CONNECT_LIST_ALL_NWFILTERS)
def connect_list_all_nwfilters(client: Client, args: w.ConnectListAllNwfiltersArgs) -> w.ConnectListAllNwfiltersRet:
    """virConnectListAllNWFilters."""
    found = nwfilters(client).list_all(args.flags)
    handles = list_all("nwfilter", found, NWFILTER_LIST_MAX, args.need_results, lambda f: tuple(map(filter_handle, f)))
    return w.ConnectListAllNwfiltersRet(filters=handles, ret=len(found))


@procedure(Proc.CONNECT_NUM_OF_NWFILTERS)
def connect_num_of_nwfilters(client: Client, args: None) -> w.ConnectNumOfNwfiltersRet:
    """virConnectNumOfNWFilters."""
    return w.ConnectNumOfNwfiltersRet(num=len(nwfilters(client)))


@procedure(Proc.CONNECT_LIST_NWFILTERS)
def connect_list_nwfilters(client: Client, args: w.ConnectListNwfiltersArgs) -> w.ConnectListNwfiltersRet:
    """virConnectListNWFilters: names."""
    names = legacy_list(lambda: [f.name for f in nwfilters(client).filters.values()], args.maxnames,
                        NWFILTER_LIST_MAX, "NWFILTER_LIST_MAX")
    return w.ConnectListNwfiltersRet(names=names)


# -- bindings -------------------------------------------------------------------------------

@procedure(Proc.NWFILTER_BINDING_LOOKUP_BY_PORT_DEV)
def nwfilter_binding_lookup_by_port_dev(client: Client, args: w.NwfilterBindingLookupByPortDevArgs
                                        ) -> w.NwfilterBindingLookupByPortDevRet:
    """virNWFilterBindingLookupByPortDev."""
    return w.NwfilterBindingLookupByPortDevRet(nwfilter=binding_handle(nwfilters(client).binding(args.name)))


@procedure(Proc.NWFILTER_BINDING_CREATE_XML)
def nwfilter_binding_create_xml(client: Client, args: w.NwfilterBindingCreateXmlArgs
                                ) -> w.NwfilterBindingCreateXmlRet:
    """virNWFilterBindingCreateXML."""
    err.check_flags("nwfilterBindingCreateXML", args.flags, NWFilterBindingCreateFlags.VALIDATE)
    b = nwfilters(client).create_binding(parse_binding_xml(args.xml))
    return w.NwfilterBindingCreateXmlRet(nwfilter=binding_handle(b))


@procedure(Proc.NWFILTER_BINDING_DELETE)
def nwfilter_binding_delete(client: Client, args: w.NwfilterBindingDeleteArgs) -> None:
    """virNWFilterBindingDelete (a domain's binding too: libvirt leaves that to the admin)."""
    state = nwfilters(client)
    state.delete_binding(state.binding(args.nwfilter.portdev))


@procedure(Proc.NWFILTER_BINDING_GET_XML_DESC)
def nwfilter_binding_get_xml_desc(client: Client, args: w.NwfilterBindingGetXmlDescArgs
                                  ) -> w.NwfilterBindingGetXmlDescRet:
    """virNWFilterBindingGetXMLDesc."""
    err.check_flags("nwfilterBindingGetXMLDesc", args.flags, 0)
    b = nwfilters(client).binding(args.nwfilter.portdev)
    return w.NwfilterBindingGetXmlDescRet(xml=format_binding_xml(b.config))


@procedure(Proc.CONNECT_LIST_ALL_NWFILTER_BINDINGS)
def connect_list_all_nwfilter_bindings(client: Client, args: w.ConnectListAllNwfilterBindingsArgs
                                       ) -> w.ConnectListAllNwfilterBindingsRet:
    """virConnectListAllNWFilterBindings."""
    found = nwfilters(client).list_bindings(args.flags)
    handles = list_all("nwfilter_binding", found, NWFILTER_BINDING_LIST_MAX, args.need_results,
                       lambda f: tuple(map(binding_handle, f)))
    return w.ConnectListAllNwfilterBindingsRet(bindings=handles, ret=len(found))
