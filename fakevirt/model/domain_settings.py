"""Domain settings: memory, vCPUs, metadata and devices (the AFFECT_LIVE/CONFIG family)."""

from __future__ import annotations

import copy
from collections.abc import Callable
from typing import TYPE_CHECKING

from ..errors import ErrorCode, ErrorDomain, VirtError
from .devices import Device, RawElement
from .domain import Domain
from .domaindef import LLONG_MAX, DomainDef, attach_device, detach_device, update_device
from .events import DomainEvent, EventID

if TYPE_CHECKING:
    from .hypervisor import QemuDriver

_QEMU = ErrorDomain.QEMU
AFFECT_LIVE, AFFECT_CONFIG, MEM_MAXIMUM = 1, 2, 4
VCPU_MAXIMUM, VCPU_GUEST, VCPU_HOTPLUGGABLE = 4, 8, 16
METADATA_DESCRIPTION, METADATA_TITLE, METADATA_ELEMENT = 0, 1, 2
DEVICE_MODIFY_FORCE = 4
HOSTNAME_LEASE, HOSTNAME_AGENT = 1, 2


def _invalid(message: str, domain: int = _QEMU) -> VirtError:
    return VirtError.report(ErrorCode.OPERATION_INVALID, domain, message)


def _check_flags(fn: str, flags: int, allowed: int) -> None:
    if flags & ~allowed:
        raise VirtError.unsupported_flags(fn, flags & ~allowed)


class DomainSettings:
    """Mixed into Domains: the operations that change one or both definitions of a domain."""

    driver: QemuDriver
    sync_disk_users: Callable[[Domain], None]  # Domains provides it

    def defs_for(self, dom: Domain, flags: int, writing: bool = True) -> list[DomainDef]:
        """virDomainObjGetDefs: which definitions AFFECT_CURRENT/LIVE/CONFIG (bits 0, 1) touch."""
        live, config = flags & 1, flags & 2
        if not live and not config:
            live, config = (1, 0) if dom.active else (0, 1)
        if live and not dom.active:
            raise _invalid("domain is not running", ErrorDomain.DOMAIN)
        if config and not dom.persistent:
            raise _invalid("transient domains do not have any persistent config", ErrorDomain.DOMAIN)
        out = []
        if live:
            assert dom.live is not None
            out.append(dom.live)
        if config:
            assert dom.config is not None
            out.append(dom.config)
            if dom.active and writing:
                dom._config_changed = True  # the next boot will differ from what runs
        return out

    def config_or_live(self, dom: Domain, flags: int) -> DomainDef:
        """The single definition a read with AFFECT_* flags looks at (CONFIG = persistent)."""
        if flags & 1 and flags & 2:
            raise VirtError.report(ErrorCode.INVALID_ARG, ErrorDomain.DOMAIN,
                                   "Flags 'live' and 'config' are mutually exclusive")
        return self.defs_for(dom, flags, writing=False)[0]

    # ---- memory, vCPUs, metadata, devices ----------------------------------------------------

    def set_memory(self, dom: Domain, kib: int, flags: int, api: str = "virDomainSetMemoryFlags") -> None:
        """virDomainSetMemoryFlags (MEM_MAXIMUM = 4): balloon target or, inactive only, the maximum."""
        if kib == 0:
            raise VirtError.bad_arg("memory", api, "nonzero")
        if kib >= LLONG_MAX // 1024:  # virMemoryMaxValue(true) in KiB, checked by the public API
            raise VirtError.report(ErrorCode.OVERFLOW, ErrorDomain.DOMAIN, f"input too large: {kib}")
        _check_flags("qemuDomainSetMemoryFlags", flags, AFFECT_LIVE | AFFECT_CONFIG | MEM_MAXIMUM)
        defs = self.defs_for(dom, flags)
        if flags & MEM_MAXIMUM:
            if dom.live is not None and dom.live in defs:
                raise _invalid("cannot resize the maximum memory on an active domain")
            if any(d.numa_node_count() for d in defs):
                raise _invalid("initial memory size of a domain with NUMA nodes cannot be modified with this API")
            for d in defs:
                d.memory_kib = kib
                d.current_memory_kib = min(d.current_memory_kib, kib)
            return
        if any(kib > d.memory_kib for d in defs):
            raise VirtError.report(ErrorCode.INVALID_ARG, _QEMU, "cannot set memory higher than max memory")
        for d in defs:
            d.current_memory_kib = kib

    def get_vcpus(self, dom: Domain, flags: int) -> int:
        """virDomainGetVcpusFlags (VCPU_MAXIMUM = 4, VCPU_GUEST = 8)."""
        _check_flags("qemuDomainGetVcpusFlags", flags, AFFECT_LIVE | AFFECT_CONFIG | VCPU_MAXIMUM | VCPU_GUEST)
        d = self.config_or_live(dom, flags & (AFFECT_LIVE | AFFECT_CONFIG))
        if flags & VCPU_GUEST:
            if not dom.active:
                raise VirtError.report(ErrorCode.INVALID_ARG, _QEMU, "vCPU count provided by the guest agent "
                                       "can only be requested for live domains")
            raise VirtError.agent_not_configured()
        return d.vcpus if flags & VCPU_MAXIMUM else d.current_vcpus

    def set_vcpus(self, dom: Domain, count: int, flags: int, api: str = "virDomainSetVcpusFlags") -> None:
        """virDomainSetVcpusFlags: hotplug up to the maximum; MAXIMUM changes the config only.

        libvirt 9.0 puts no ceiling on a new config maximum: the next start refuses it instead.
        """
        if count == 0:
            raise VirtError.bad_arg("nvcpus", api, "nonzero")
        _check_flags("qemuDomainSetVcpusFlags", flags, AFFECT_LIVE | AFFECT_CONFIG | VCPU_MAXIMUM
                     | VCPU_GUEST | VCPU_HOTPLUGGABLE)
        defs = self.defs_for(dom, flags)
        if flags & VCPU_MAXIMUM:
            if dom.live is not None and dom.live in defs:
                raise VirtError.report(ErrorCode.INVALID_ARG, _QEMU,
                                       "changing of maximum vCPU count isn't supported via guest agent")
            for d in defs:
                d.vcpus = count
                d.current_vcpus = min(d.current_vcpus, count)
            return
        for d in defs:
            if count > d.vcpus:
                which = "live" if d is dom.live else "persistent"
                raise VirtError.report(ErrorCode.INVALID_ARG, _QEMU,
                                       f"requested vcpus is greater than max allowable vcpus for the {which} "
                                       f"domain: {count} > {d.vcpus}")
        for d in defs:
            d.current_vcpus = count

    def get_metadata(self, dom: Domain, kind: int, uri: str | None, flags: int) -> str | RawElement:
        """virDomainGetMetadata (DESCRIPTION 0, TITLE 1, ELEMENT 2)."""
        _check_flags("virDomainObjGetMetadata", flags, AFFECT_LIVE | AFFECT_CONFIG)
        d = self.config_or_live(dom, flags)
        value: str | RawElement | None = {METADATA_DESCRIPTION: d.description, METADATA_TITLE: d.title}.get(kind) \
            if kind != METADATA_ELEMENT else d.metadata.get(uri or "")
        if kind > METADATA_ELEMENT or kind < 0:
            raise VirtError.report(ErrorCode.INVALID_ARG, ErrorDomain.DOMAIN, f"unknown metadata type '{kind}'")
        if value is None:
            raise VirtError.report(ErrorCode.NO_DOMAIN_METADATA, ErrorDomain.DOMAIN,
                                   "Requested metadata element is not present")
        return value

    def set_metadata(self, dom: Domain, kind: int, metadata: str | RawElement | None, key: str | None, uri: str | None,
                     flags: int) -> None:
        """virDomainSetMetadata: an empty or NULL value removes it; emits METADATA_CHANGE."""
        _check_flags("qemuDomainSetMetadata", flags, AFFECT_LIVE | AFFECT_CONFIG)
        if kind > METADATA_ELEMENT or kind < 0:
            raise VirtError.report(ErrorCode.INVALID_ARG, ErrorDomain.DOMAIN, f"unknown metadata type '{kind}'")
        text = metadata if isinstance(metadata, str) else None
        for d in self.defs_for(dom, flags):
            if kind == METADATA_DESCRIPTION:
                d.description = text or None
            elif kind == METADATA_TITLE:
                d.title = text or None
            elif isinstance(metadata, RawElement):
                d.metadata[uri or ""] = metadata  # parsed and put in its namespace by the caller
            else:
                d.metadata.pop(uri or "", None)
        self.driver.hypervisor.bus.publish(DomainEvent(
            self.driver.uri, EventID.METADATA_CHANGE, dom.ref(), {"type": kind, "nsuri": uri}))

    def attach_device(self, dom: Domain, device: Device, flags: int) -> None:
        """virDomainAttachDeviceFlags: add a device to the definitions AFFECT_* selects."""
        _check_flags("qemuDomainAttachDeviceFlags", flags, AFFECT_LIVE | AFFECT_CONFIG)
        self._change_device(dom, device, flags, attach_device)

    def detach_device(self, dom: Domain, device: Device, flags: int) -> None:
        """virDomainDetachDeviceFlags: remove a device from the definitions AFFECT_* selects."""
        _check_flags("qemuDomainDetachDeviceFlags", flags, AFFECT_LIVE | AFFECT_CONFIG)
        self._change_device(dom, device, flags, lambda d, dev: detach_device(d, dev)[0])

    def update_device(self, dom: Domain, device: Device, flags: int) -> None:
        """virDomainUpdateDeviceFlags: replace a device in the definitions AFFECT_* selects."""
        _check_flags("qemuDomainUpdateDeviceFlags", flags, AFFECT_LIVE | AFFECT_CONFIG | DEVICE_MODIFY_FORCE)
        self._change_device(dom, device, flags, update_device)

    def _change_device(self, dom: Domain, device: Device, flags: int,
                       edit: Callable[[DomainDef, Device], DomainDef]) -> None:
        for i, d in enumerate(self.defs_for(dom, flags)):
            changed = edit(d, device if i == 0 else copy.deepcopy(device))
            if d is dom.live:
                dom.live = changed
            else:
                dom.config = changed
        self.sync_disk_users(dom)

    def _require_active(self, dom: Domain) -> None:
        if not dom.active:
            raise _invalid("domain is not running", ErrorDomain.DOMAIN)

    def guest_hostname(self, dom: Domain, flags: int) -> str:
        """virDomainGetHostname: the emulator has neither a guest agent nor DHCP leases."""
        _check_flags("qemuDomainGetHostname", flags, HOSTNAME_LEASE | HOSTNAME_AGENT)
        self._require_active(dom)
        if flags & HOSTNAME_LEASE:
            raise VirtError.report(ErrorCode.NO_HOSTNAME, _QEMU, f"no hostname found for domain {dom.name}")
        raise VirtError.agent_not_configured()
