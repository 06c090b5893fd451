"""The rest of libvirt 9.0's domain calls on the QEMU driver: save/restore by typed parameters, save image
definitions, create with files, memory peek, the security label list, identity and FD association."""

from __future__ import annotations

from protocol import Proc, TypedParam
from protocol.remote import domain as w
from protocol.remote import domain_more as m

from ..model import domain_more as more
from ..model.typedparams import Param
from ._client import Client
from ._registry import procedure
from .domain import domain_create_xml, nonnull_domain, parse, resolve


def _params(params: tuple[TypedParam, ...]) -> list[Param]:
    return [(p.field, p.value[0], p.value[1]) for p in params]


@procedure(Proc.DOMAIN_SAVE_PARAMS)
def domain_save_params(client: Client, args: m.DomainSaveParamsArgs) -> None:
    """virDomainSaveParams (no file: a managed save)."""
    dom = resolve(client, args.dom)
    path, dxml = more.save_params(_params(args.params), args.flags, restore=False)
    more.save_to(client.opened.domains, dom, path, parse(client, dxml) if dxml else None, args.flags)


@procedure(Proc.DOMAIN_RESTORE_PARAMS)
def domain_restore_params(client: Client, args: m.DomainRestoreParamsArgs) -> None:
    """virDomainRestoreParams."""
    path, dxml = more.save_params(_params(args.params), args.flags, restore=True)
    assert path is not None
    client.opened.domains.restore(path, parse(client, dxml) if dxml else None, args.flags)


@procedure(Proc.DOMAIN_SAVE_IMAGE_DEFINE_XML)
def domain_save_image_define_xml(client: Client, args: m.DomainSaveImageDefineXmlArgs) -> None:
    """virDomainSaveImageDefineXML."""
    more.save_image_define(client.opened.domains, args.file, parse(client, args.dxml), args.flags)


@procedure(Proc.DOMAIN_MANAGED_SAVE_DEFINE_XML)
def domain_managed_save_define_xml(client: Client, args: m.DomainManagedSaveDefineXmlArgs) -> None:
    """virDomainManagedSaveDefineXML."""
    dom = resolve(client, args.dom)
    more.managed_save_define(client.opened.domains, dom, parse(client, args.dxml or ""), args.flags)


@procedure(Proc.DOMAIN_CREATE_WITH_FILES)
def domain_create_with_files(client: Client, args: m.DomainCreateWithFilesArgs) -> m.DomainCreateWithFilesRet:
    """virDomainCreateWithFiles: over TCP no file comes along, so it is virDomainCreateWithFlags."""
    dom = resolve(client, args.dom)
    client.opened.domains.start(dom, args.flags, client.id)
    return m.DomainCreateWithFilesRet(dom=nonnull_domain(dom))


@procedure(Proc.DOMAIN_CREATE_XML_WITH_FILES)
def domain_create_xml_with_files(client: Client, args: m.DomainCreateXmlWithFilesArgs
                                 ) -> m.DomainCreateXmlWithFilesRet:
    """virDomainCreateXMLWithFiles: without files, virDomainCreateXML."""
    ret = domain_create_xml(client, w.DomainCreateXmlArgs(xml_desc=args.xml_desc, flags=args.flags))
    return m.DomainCreateXmlWithFilesRet(dom=ret.dom)


@procedure(Proc.DOMAIN_MEMORY_PEEK)
def domain_memory_peek(client: Client, args: m.DomainMemoryPeekArgs) -> m.DomainMemoryPeekRet:
    """virDomainMemoryPeek."""
    dom = resolve(client, args.dom)
    return m.DomainMemoryPeekRet(buffer=more.memory_peek(client.opened.domains, dom, args.offset, args.size,
                                                         args.flags))


@procedure(Proc.DOMAIN_GET_SECURITY_LABEL_LIST)
def domain_get_security_label_list(client: Client, args: w.DomainGetSecurityLabelListArgs
                                   ) -> w.DomainGetSecurityLabelListRet:
    """virDomainGetSecurityLabelList: one manager (model "none", as virNodeGetSecurityModel says), no label."""
    resolve(client, args.dom)
    label = w.DomainGetSecurityLabelRet(label="", enforcing=0)
    return w.DomainGetSecurityLabelListRet(labels=(label,), ret=1)


@procedure(Proc.CONNECT_SET_IDENTITY)
def connect_set_identity(client: Client, args: m.ConnectSetIdentityArgs) -> None:
    """virConnectSetIdentity: libvirtd checks the parameters and keeps serving the client as it is."""
    more.set_identity(_params(args.params))


@procedure(Proc.DOMAIN_FD_ASSOCIATE)
def domain_fd_associate(client: Client, args: m.DomainFdAssociateArgs) -> None:
    """virDomainFDAssociate: over TCP the call carries no descriptors."""
    resolve(client, args.dom)
    more.fd_associate(0)


@procedure(Proc.DOMAIN_DETACH_DEVICE_ALIAS)
def domain_detach_device_alias(client: Client, args: w.DomainDetachDeviceAliasArgs) -> None:
    """virDomainDetachDeviceAlias."""
    more.detach_alias(client.opened.domains, resolve(client, args.dom), args.alias, args.flags)


@procedure(Proc.CONNECT_DOMAIN_XML_TO_NATIVE)
def connect_domain_xml_to_native(client: Client, args: m.ConnectDomainXmlToNativeArgs
                                 ) -> m.ConnectDomainXmlToNativeRet:
    """virConnectDomainXMLToNative: the QEMU command line of a definition."""
    more.check_native_format(args.nativeFormat, args.flags)
    return m.ConnectDomainXmlToNativeRet(nativeConfig=more.native_config(parse(client, args.domainXml)))
