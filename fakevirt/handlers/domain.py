"""Domain lookups, definition and lifecycle (virDomainLookup*, Define*, Create*, Destroy*, …)."""

from __future__ import annotations

import uuid

from protocol import NonnullDomain, Proc
from protocol.remote import domain as w

from ..model.domain import Domain
from ..model.domaindef import DomainDef
from ..model.flags.domain import DomainCreateFlags, DomainDefineFlags
from ..model.flags.domain import DomainXMLFlags as Xml
from ..xml.domain import format_domain_xml, parse_domain_xml
from ._client import Client
from ._registry import procedure
from ._stored import stored_domain_xml


def nonnull_domain(dom: Domain) -> NonnullDomain:
    """The remote_nonnull_domain a client gets for a domain."""
    return NonnullDomain(name=dom.name, uuid=dom.uuid.bytes, id=dom.id)


def resolve(client: Client, h: NonnullDomain) -> Domain:
    """The domain a handle names (by UUID, as the QEMU driver looks it up)."""
    return client.opened.domains.by_handle(uuid.UUID(bytes=h.uuid), h.name)


def parse(client: Client, xml: str, validate: bool = False) -> DomainDef:
    """A <domain> document as the driver keeps it: parsed, then completed by the model."""
    return client.opened.domains.complete_definition(parse_domain_xml(xml, validate=validate))


@procedure(Proc.DOMAIN_LOOKUP_BY_NAME)
def domain_lookup_by_name(client: Client, args: w.DomainLookupByNameArgs) -> w.DomainLookupByNameRet:
    """virDomainLookupByName."""
    return w.DomainLookupByNameRet(dom=nonnull_domain(client.opened.domains.by_name(args.name)))


@procedure(Proc.DOMAIN_LOOKUP_BY_UUID)
def domain_lookup_by_uuid(client: Client, args: w.DomainLookupByUuidArgs) -> w.DomainLookupByUuidRet:
    """virDomainLookupByUUID."""
    return w.DomainLookupByUuidRet(dom=nonnull_domain(client.opened.domains.by_uuid(uuid.UUID(bytes=args.uuid))))


@procedure(Proc.DOMAIN_LOOKUP_BY_ID)
def domain_lookup_by_id(client: Client, args: w.DomainLookupByIdArgs) -> w.DomainLookupByIdRet:
    """virDomainLookupByID."""
    return w.DomainLookupByIdRet(dom=nonnull_domain(client.opened.domains.by_id(args.id)))


@procedure(Proc.DOMAIN_DEFINE_XML)
def domain_define_xml(client: Client, args: w.DomainDefineXmlArgs) -> w.DomainDefineXmlRet:
    """virDomainDefineXML."""
    return w.DomainDefineXmlRet(dom=nonnull_domain(client.opened.domains.define(parse(client, args.xml))))


@procedure(Proc.DOMAIN_DEFINE_XML_FLAGS)
def domain_define_xml_flags(client: Client, args: w.DomainDefineXmlFlagsArgs) -> w.DomainDefineXmlFlagsRet:
    """virDomainDefineXMLFlags (VALIDATE checks the XML against the schema)."""
    domains = client.opened.domains
    domains.check_define_flags(args.flags)
    dom = domains.define(parse(client, args.xml, validate=bool(args.flags & DomainDefineFlags.DEFINE_VALIDATE)))
    return w.DomainDefineXmlFlagsRet(dom=nonnull_domain(dom))


@procedure(Proc.DOMAIN_UNDEFINE)
def domain_undefine(client: Client, args: w.DomainUndefineArgs) -> None:
    """virDomainUndefine."""
    client.opened.domains.undefine(resolve(client, args.dom))


@procedure(Proc.DOMAIN_UNDEFINE_FLAGS)
def domain_undefine_flags(client: Client, args: w.DomainUndefineFlagsArgs) -> None:
    """virDomainUndefineFlags."""
    client.opened.domains.undefine(resolve(client, args.dom), args.flags)


@procedure(Proc.DOMAIN_CREATE)
def domain_create(client: Client, args: w.DomainCreateArgs) -> None:
    """virDomainCreate."""
    client.opened.domains.start(resolve(client, args.dom), 0, client.id)


@procedure(Proc.DOMAIN_CREATE_WITH_FLAGS)
def domain_create_with_flags(client: Client, args: w.DomainCreateWithFlagsArgs) -> w.DomainCreateWithFlagsRet:
    """virDomainCreateWithFlags: returns the handle with the new id."""
    dom = resolve(client, args.dom)
    client.opened.domains.start(dom, args.flags, client.id)
    return w.DomainCreateWithFlagsRet(dom=nonnull_domain(dom))


@procedure(Proc.DOMAIN_CREATE_XML)
def domain_create_xml(client: Client, args: w.DomainCreateXmlArgs) -> w.DomainCreateXmlRet:
    """virDomainCreateXML: a transient domain."""
    domains = client.opened.domains
    domains.check_create_xml_flags(args.flags)
    d = parse(client, args.xml_desc, validate=bool(args.flags & DomainCreateFlags.START_VALIDATE))
    return w.DomainCreateXmlRet(dom=nonnull_domain(domains.create_transient(d, args.flags, client.id)))


@procedure(Proc.DOMAIN_DESTROY)
def domain_destroy(client: Client, args: w.DomainDestroyArgs) -> None:
    """virDomainDestroy."""
    client.opened.domains.destroy(resolve(client, args.dom))


@procedure(Proc.DOMAIN_DESTROY_FLAGS)
def domain_destroy_flags(client: Client, args: w.DomainDestroyFlagsArgs) -> None:
    """virDomainDestroyFlags."""
    client.opened.domains.destroy(resolve(client, args.dom), args.flags)


@procedure(Proc.DOMAIN_SHUTDOWN)
def domain_shutdown(client: Client, args: w.DomainShutdownArgs) -> None:
    """virDomainShutdown."""
    client.opened.domains.shutdown(resolve(client, args.dom))


@procedure(Proc.DOMAIN_SHUTDOWN_FLAGS)
def domain_shutdown_flags(client: Client, args: w.DomainShutdownFlagsArgs) -> None:
    """virDomainShutdownFlags."""
    client.opened.domains.shutdown(resolve(client, args.dom), args.flags)


@procedure(Proc.DOMAIN_REBOOT)
def domain_reboot(client: Client, args: w.DomainRebootArgs) -> None:
    """virDomainReboot."""
    client.opened.domains.reboot(resolve(client, args.dom), args.flags)


@procedure(Proc.DOMAIN_RESET)
def domain_reset(client: Client, args: w.DomainResetArgs) -> None:
    """virDomainReset."""
    client.opened.domains.reset(resolve(client, args.dom), args.flags)


@procedure(Proc.DOMAIN_SUSPEND)
def domain_suspend(client: Client, args: w.DomainSuspendArgs) -> None:
    """virDomainSuspend."""
    client.opened.domains.suspend(resolve(client, args.dom))


@procedure(Proc.DOMAIN_RESUME)
def domain_resume(client: Client, args: w.DomainResumeArgs) -> None:
    """virDomainResume."""
    client.opened.domains.resume(resolve(client, args.dom))


@procedure(Proc.DOMAIN_GET_STATE)
def domain_get_state(client: Client, args: w.DomainGetStateArgs) -> w.DomainGetStateRet:
    """virDomainGetState."""
    dom = resolve(client, args.dom)
    client.opened.domains.check_no_flags("qemuDomainGetState", args.flags)
    return w.DomainGetStateRet(state=int(dom.state), reason=dom.reason)


@procedure(Proc.DOMAIN_GET_INFO)
def domain_get_info(client: Client, args: w.DomainGetInfoArgs) -> w.DomainGetInfoRet:
    """virDomainGetInfo: memory in KiB; cpuTime grows while the guest runs."""
    dom = resolve(client, args.dom)
    d = dom.definition
    memory = d.current_memory_kib if dom.active else d.memory_kib
    return w.DomainGetInfoRet(state=int(dom.state), maxMem=d.memory_kib, memory=memory,
                              nrVirtCpu=d.current_vcpus, cpuTime=client.opened.domains.cpu_time(dom))


@procedure(Proc.DOMAIN_GET_XML_DESC)
def domain_get_xml_desc(client: Client, args: w.DomainGetXmlDescArgs) -> w.DomainGetXmlDescRet:
    """virDomainGetXMLDesc."""
    dom = resolve(client, args.dom)
    client.opened.domains.check_xml_flags(args.flags)
    inactive = bool(args.flags & Xml.XML_INACTIVE) or not dom.active
    d = dom.config if inactive and dom.config is not None else dom.definition
    xml = format_domain_xml(d, domain_id=None if inactive else dom.id, inactive=inactive,
                            secure=bool(args.flags & Xml.XML_SECURE), migratable=bool(args.flags & Xml.XML_MIGRATABLE))
    return w.DomainGetXmlDescRet(xml=xml)


@procedure(Proc.DOMAIN_IS_ACTIVE)
def domain_is_active(client: Client, args: w.DomainIsActiveArgs) -> w.DomainIsActiveRet:
    """virDomainIsActive."""
    return w.DomainIsActiveRet(active=int(resolve(client, args.dom).active))


@procedure(Proc.DOMAIN_IS_PERSISTENT)
def domain_is_persistent(client: Client, args: w.DomainIsPersistentArgs) -> w.DomainIsPersistentRet:
    """virDomainIsPersistent."""
    return w.DomainIsPersistentRet(persistent=int(resolve(client, args.dom).persistent))


@procedure(Proc.DOMAIN_IS_UPDATED)
def domain_is_updated(client: Client, args: w.DomainIsUpdatedArgs) -> w.DomainIsUpdatedRet:
    """virDomainIsUpdated."""
    return w.DomainIsUpdatedRet(updated=int(resolve(client, args.dom).updated))


@procedure(Proc.DOMAIN_GET_AUTOSTART)
def domain_get_autostart(client: Client, args: w.DomainGetAutostartArgs) -> w.DomainGetAutostartRet:
    """virDomainGetAutostart."""
    return w.DomainGetAutostartRet(autostart=int(resolve(client, args.dom).autostart))


@procedure(Proc.DOMAIN_SET_AUTOSTART)
def domain_set_autostart(client: Client, args: w.DomainSetAutostartArgs) -> None:
    """virDomainSetAutostart."""
    client.opened.domains.set_autostart(resolve(client, args.dom), bool(args.autostart))


@procedure(Proc.DOMAIN_MANAGED_SAVE)
def domain_managed_save(client: Client, args: w.DomainManagedSaveArgs) -> None:
    """virDomainManagedSave."""
    client.opened.domains.managed_save(resolve(client, args.dom), args.flags)


@procedure(Proc.DOMAIN_HAS_MANAGED_SAVE_IMAGE)
def domain_has_managed_save_image(client: Client, args: w.DomainHasManagedSaveImageArgs
                                  ) -> w.DomainHasManagedSaveImageRet:
    """virDomainHasManagedSaveImage."""
    dom = resolve(client, args.dom)
    client.opened.domains.check_no_flags("qemuDomainHasManagedSaveImage", args.flags)
    return w.DomainHasManagedSaveImageRet(result=int(dom.managed_save is not None))


@procedure(Proc.DOMAIN_MANAGED_SAVE_REMOVE)
def domain_managed_save_remove(client: Client, args: w.DomainManagedSaveRemoveArgs) -> None:
    """virDomainManagedSaveRemove."""
    dom = resolve(client, args.dom)
    client.opened.domains.check_no_flags("qemuDomainManagedSaveRemove", args.flags)
    client.opened.domains.managed_save_remove(dom)


@procedure(Proc.DOMAIN_SAVE)
def domain_save(client: Client, args: w.DomainSaveArgs) -> None:
    """virDomainSave."""
    client.opened.domains.save(resolve(client, args.dom), args.to, None)


@procedure(Proc.DOMAIN_SAVE_FLAGS)
def domain_save_flags(client: Client, args: w.DomainSaveFlagsArgs) -> None:
    """virDomainSaveFlags."""
    dxml = parse(client, args.dxml) if args.dxml else None
    client.opened.domains.save(resolve(client, args.dom), args.to, dxml, args.flags)


@procedure(Proc.DOMAIN_RESTORE)
def domain_restore(client: Client, args: w.DomainRestoreArgs) -> None:
    """virDomainRestore."""
    client.opened.domains.restore(args.from_, None)


@procedure(Proc.DOMAIN_RESTORE_FLAGS)
def domain_restore_flags(client: Client, args: w.DomainRestoreFlagsArgs) -> None:
    """virDomainRestoreFlags."""
    dxml = parse(client, args.dxml) if args.dxml else None
    client.opened.domains.restore(args.from_, dxml, args.flags)


@procedure(Proc.DOMAIN_SAVE_IMAGE_GET_XML_DESC)
def domain_save_image_get_xml_desc(client: Client, args: w.DomainSaveImageGetXmlDescArgs
                                   ) -> w.DomainSaveImageGetXmlDescRet:
    """virDomainSaveImageGetXMLDesc."""
    d = client.opened.domains.saved_image_definition(args.file)
    return w.DomainSaveImageGetXmlDescRet(xml=stored_domain_xml(client, d, bool(args.flags & Xml.XML_SECURE)))


@procedure(Proc.DOMAIN_MANAGED_SAVE_GET_XML_DESC)
def domain_managed_save_get_xml_desc(client: Client, args: w.DomainManagedSaveGetXmlDescArgs
                                     ) -> w.DomainManagedSaveGetXmlDescRet:
    """virDomainManagedSaveGetXMLDesc."""
    d = client.opened.domains.managed_save_definition(resolve(client, args.dom))
    return w.DomainManagedSaveGetXmlDescRet(xml=stored_domain_xml(client, d, bool(args.flags & Xml.XML_SECURE)))


@procedure(Proc.DOMAIN_RENAME)
def domain_rename(client: Client, args: w.DomainRenameArgs) -> w.DomainRenameRet:
    """virDomainRename."""
    client.opened.domains.rename(resolve(client, args.dom), args.new_name or "", args.flags)
    return w.DomainRenameRet(retcode=0)
