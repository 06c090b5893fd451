"""Domain configuration: memory, vCPUs, metadata, devices, security labels, misc queries."""

from __future__ import annotations

from protocol import Proc
from protocol.remote import domain as w

from ..model.devices import Device
from ..model.domain import Domain
from ..model.flags.domain import (
    DomainMemoryModFlags,
    DomainMetadataType,
    DomainModificationImpact,
    DomainVcpuFlags,
)
from ..xml.domain import parse_device_xml
from ..xml.metadata import metadata_text, namespaced_element
from ._client import Client
from ._registry import procedure
from .domain import resolve

AFFECT_LIVE = DomainModificationImpact.AFFECT_LIVE


@procedure(Proc.DOMAIN_GET_OS_TYPE)
def domain_get_os_type(client: Client, args: w.DomainGetOsTypeArgs) -> w.DomainGetOsTypeRet:
    """virDomainGetOSType."""
    return w.DomainGetOsTypeRet(type=client.opened.os_type(resolve(client, args.dom).definition))


@procedure(Proc.DOMAIN_GET_MAX_MEMORY)
def domain_get_max_memory(client: Client, args: w.DomainGetMaxMemoryArgs) -> w.DomainGetMaxMemoryRet:
    """virDomainGetMaxMemory (KiB)."""
    return w.DomainGetMaxMemoryRet(memory=resolve(client, args.dom).definition.memory_kib)


@procedure(Proc.DOMAIN_SET_MEMORY)
def domain_set_memory(client: Client, args: w.DomainSetMemoryArgs) -> None:
    """virDomainSetMemory: the live balloon target."""
    dom = resolve(client, args.dom)
    client.opened.domains.set_memory(dom, args.memory, AFFECT_LIVE, "virDomainSetMemory")


@procedure(Proc.DOMAIN_SET_MEMORY_FLAGS)
def domain_set_memory_flags(client: Client, args: w.DomainSetMemoryFlagsArgs) -> None:
    """virDomainSetMemoryFlags."""
    client.opened.domains.set_memory(resolve(client, args.dom), args.memory, args.flags)


@procedure(Proc.DOMAIN_SET_MAX_MEMORY)
def domain_set_max_memory(client: Client, args: w.DomainSetMaxMemoryArgs) -> None:
    """virDomainSetMaxMemory: MEM_MAXIMUM on the current definition."""
    client.opened.domains.set_memory(resolve(client, args.dom), args.memory, DomainMemoryModFlags.MEM_MAXIMUM,
                                      "virDomainSetMaxMemory")


@procedure(Proc.DOMAIN_GET_VCPUS_FLAGS)
def domain_get_vcpus_flags(client: Client, args: w.DomainGetVcpusFlagsArgs) -> w.DomainGetVcpusFlagsRet:
    """virDomainGetVcpusFlags."""
    return w.DomainGetVcpusFlagsRet(num=client.opened.domains.get_vcpus(resolve(client, args.dom), args.flags))


@procedure(Proc.DOMAIN_GET_MAX_VCPUS)
def domain_get_max_vcpus(client: Client, args: w.DomainGetMaxVcpusArgs) -> w.DomainGetMaxVcpusRet:
    """virDomainGetMaxVcpus: of a running domain only."""
    dom = resolve(client, args.dom)
    return w.DomainGetMaxVcpusRet(num=client.opened.domains.get_vcpus(dom, DomainVcpuFlags.VCPU_LIVE | DomainVcpuFlags.VCPU_MAXIMUM))


@procedure(Proc.DOMAIN_SET_VCPUS)
def domain_set_vcpus(client: Client, args: w.DomainSetVcpusArgs) -> None:
    """virDomainSetVcpus: AFFECT_LIVE."""
    client.opened.domains.set_vcpus(resolve(client, args.dom), args.nvcpus, AFFECT_LIVE, "virDomainSetVcpus")


@procedure(Proc.DOMAIN_SET_VCPUS_FLAGS)
def domain_set_vcpus_flags(client: Client, args: w.DomainSetVcpusFlagsArgs) -> None:
    """virDomainSetVcpusFlags."""
    client.opened.domains.set_vcpus(resolve(client, args.dom), args.nvcpus, args.flags)


@procedure(Proc.DOMAIN_GET_METADATA)
def domain_get_metadata(client: Client, args: w.DomainGetMetadataArgs) -> w.DomainGetMetadataRet:
    """virDomainGetMetadata."""
    value = client.opened.domains.get_metadata(resolve(client, args.dom), args.type, args.uri, args.flags)
    return w.DomainGetMetadataRet(metadata=value if isinstance(value, str) else metadata_text(value))


@procedure(Proc.DOMAIN_SET_METADATA)
def domain_set_metadata(client: Client, args: w.DomainSetMetadataArgs) -> None:
    """virDomainSetMetadata: an ELEMENT goes into namespace uri with prefix key."""
    dom = resolve(client, args.dom)
    value = (namespaced_element(args.metadata, args.key or "", args.uri or "") if args.type == DomainMetadataType.METADATA_ELEMENT and args.metadata
             else args.metadata)
    client.opened.domains.set_metadata(dom, args.type, value, args.key, args.uri, args.flags)


def _device(client: Client, dom: Domain, xml: str) -> Device:
    return client.opened.domains.complete_device(dom, parse_device_xml(xml))


@procedure(Proc.DOMAIN_ATTACH_DEVICE)
def domain_attach_device(client: Client, args: w.DomainAttachDeviceArgs) -> None:
    """virDomainAttachDevice: the running domain."""
    dom = resolve(client, args.dom)
    client.opened.domains.attach_device(dom, _device(client, dom, args.xml), AFFECT_LIVE)


@procedure(Proc.DOMAIN_ATTACH_DEVICE_FLAGS)
def domain_attach_device_flags(client: Client, args: w.DomainAttachDeviceFlagsArgs) -> None:
    """virDomainAttachDeviceFlags."""
    dom = resolve(client, args.dom)
    client.opened.domains.attach_device(dom, _device(client, dom, args.xml), args.flags)


@procedure(Proc.DOMAIN_DETACH_DEVICE)
def domain_detach_device(client: Client, args: w.DomainDetachDeviceArgs) -> None:
    """virDomainDetachDevice."""
    dom = resolve(client, args.dom)
    client.opened.domains.detach_device(dom, _device(client, dom, args.xml), AFFECT_LIVE)


@procedure(Proc.DOMAIN_DETACH_DEVICE_FLAGS)
def domain_detach_device_flags(client: Client, args: w.DomainDetachDeviceFlagsArgs) -> None:
    """virDomainDetachDeviceFlags."""
    dom = resolve(client, args.dom)
    client.opened.domains.detach_device(dom, _device(client, dom, args.xml), args.flags)


@procedure(Proc.DOMAIN_UPDATE_DEVICE_FLAGS)
def domain_update_device_flags(client: Client, args: w.DomainUpdateDeviceFlagsArgs) -> None:
    """virDomainUpdateDeviceFlags."""
    dom = resolve(client, args.dom)
    client.opened.domains.update_device(dom, _device(client, dom, args.xml), args.flags)


@procedure(Proc.DOMAIN_GET_SECURITY_LABEL)
def domain_get_security_label(client: Client, args: w.DomainGetSecurityLabelArgs) -> w.DomainGetSecurityLabelRet:
    """virDomainGetSecurityLabel: no security driver, so an empty label (as with model 'none')."""
    resolve(client, args.dom)
    label, enforcing = client.opened.security_label
    return w.DomainGetSecurityLabelRet(label=label, enforcing=enforcing)


@procedure(Proc.NODE_GET_SECURITY_MODEL)
def node_get_security_model(client: Client, args: None) -> w.NodeGetSecurityModelRet:
    """virNodeGetSecurityModel: model "none", DOI "0", as libvirtd without SELinux/AppArmor says."""
    model, doi = client.opened.security_model
    return w.NodeGetSecurityModelRet(model=model, doi=doi)


@procedure(Proc.DOMAIN_GET_HOSTNAME)
def domain_get_hostname(client: Client, args: w.DomainGetHostnameArgs) -> w.DomainGetHostnameRet:
    """virDomainGetHostname: no guest agent and no DHCP lease in the emulator."""
    dom = resolve(client, args.dom)
    return w.DomainGetHostnameRet(hostname=client.opened.domains.guest_hostname(dom, args.flags))


@procedure(Proc.DOMAIN_GET_MESSAGES)
def domain_get_messages(client: Client, args: w.DomainGetMessagesArgs) -> w.DomainGetMessagesRet:
    """virDomainGetMessages: tainting and deprecation messages (the emulator produces none)."""
    return w.DomainGetMessagesRet(msgs=tuple(client.opened.domains.messages(resolve(client, args.dom), args.flags)))


@procedure(Proc.DOMAIN_GET_JOB_INFO)
def domain_get_job_info(client: Client, args: w.DomainGetJobInfoArgs) -> w.DomainGetJobInfoRet:
    """virDomainGetJobInfo: a held save/dump's or a backup's job (qemuDomainJobDataToInfo)."""
    dom = resolve(client, args.dom)
    client.opened.domains.require_active(dom)
    kind, elapsed, mem, mem_done, mem_left, total, done = client.opened.backups.job_info(dom)
    return w.DomainGetJobInfoRet(type=kind, timeElapsed=elapsed, timeRemaining=0, dataTotal=mem + total,
                                 dataProcessed=mem_done + done, dataRemaining=mem_left + total - done,
                                 memTotal=mem, memProcessed=mem_done, memRemaining=mem_left, fileTotal=total,
                                 fileProcessed=done, fileRemaining=total - done)

