"""Domain settings: memory, vCPUs, metadata and devices (the AFFECT_LIVE/CONFIG family)."""

from __future__ import annotations

import copy
from collections.abc import Callable
from typing import TYPE_CHECKING

from ..errors import ErrorDomain, VirtError, check_flags
from ..errors import domain as errors
from ..errors import tuning as tuning_errors
from .agent import info as agent_info
from .blockjobs.copy_nodes import next_index
from .device_parts import chain_of
from .devices import Device, RawElement
from .domain import Domain
from .domain_tuning.vcpus import fixed_vcpus
from .domaindef import LLONG_MAX, DomainDef, attach_device, detach_device, update_device
from .events import DomainEvent, EventID
from .flags.domain import (
    DomainDeviceModifyFlags,
    DomainGetHostnameFlags,
    DomainMemoryModFlags,
    DomainMessageType,
    DomainMetadataType,
    DomainModificationImpact,
    DomainVcpuFlags,
)

if TYPE_CHECKING:
    from .hypervisor import QemuDriver

_QEMU = ErrorDomain.QEMU
AFFECT_LIVE, AFFECT_CONFIG = DomainModificationImpact.AFFECT_LIVE, DomainModificationImpact.AFFECT_CONFIG
Vcpu = DomainVcpuFlags
Meta = DomainMetadataType


class DomainSettings:
    """Mixed into Domains: the operations that change one or both definitions of a domain."""

    driver: QemuDriver
    sync_disk_users: Callable[[Domain], None]  # Domains provides it
    live_device_events: Callable[[Domain, DomainDef, DomainDef, Device | None], None]  # Domains provides it

    def defs_for(self, dom: Domain, flags: int, writing: bool = True) -> list[DomainDef]:
        """virDomainObjGetDefs: which definitions AFFECT_CURRENT/LIVE/CONFIG touch."""
        live, config = bool(flags & AFFECT_LIVE), bool(flags & AFFECT_CONFIG)
        if not live and not config:
            live, config = dom.active, not dom.active
        if live and not dom.active:
            raise errors.not_active()
        if config and not dom.persistent:
            raise errors.no_persistent_config()
        out = []
        if live:
            assert dom.live is not None
            out.append(dom.live)
        if config:
            assert dom.config is not None
            out.append(dom.config)
            if dom.active and writing:
                dom.config_changed = True  # the next boot will differ from what runs
        return out

    def config_or_live(self, dom: Domain, flags: int) -> DomainDef:
        """The single definition a read with AFFECT_* flags looks at (CONFIG = persistent)."""
        if flags & AFFECT_LIVE and flags & AFFECT_CONFIG:
            raise errors.live_and_config_exclusive()
        return self.defs_for(dom, flags, writing=False)[0]

    # ---- memory, vCPUs, metadata, devices ----------------------------------------------------

    def set_memory(self, dom: Domain, kib: int, flags: int, api: str = "virDomainSetMemoryFlags") -> None:
        """virDomainSetMemoryFlags: balloon target or, inactive only, the maximum."""
        if kib == 0:
            raise VirtError.bad_arg("memory", api, "nonzero")
        if kib >= LLONG_MAX // 1024:  # virMemoryMaxValue(true) in KiB, checked by the public API
            raise errors.memory_too_large(kib)
        check_flags("qemuDomainSetMemoryFlags", flags, AFFECT_LIVE | AFFECT_CONFIG | DomainMemoryModFlags.MEM_MAXIMUM)
        defs = self.defs_for(dom, flags)
        if flags & DomainMemoryModFlags.MEM_MAXIMUM:
            if dom.live is not None and dom.live in defs:
                raise errors.invalid("cannot resize the maximum memory on an active domain")
            if any(d.numa_node_count() for d in defs):
                raise errors.invalid("initial memory size of a domain with NUMA nodes cannot be modified with this API")
            for d in defs:
                d.memory_kib = kib
                d.current_memory_kib = min(d.current_memory_kib, kib)
            return
        if any(kib > d.memory_kib for d in defs):
            raise errors.memory_above_max()
        for d in defs:
            d.current_memory_kib = kib
        live = dom.live
        if live is not None and live in defs and live.memballoon is not None and live.memballoon.model != "none":
            # the guest's balloon driver reaches the target: QEMU's BALLOON_CHANGE
            self.driver.hypervisor.bus.publish(DomainEvent(
                self.driver.uri, EventID.BALLOON_CHANGE, dom.ref(), {"actual": kib}))

    def get_vcpus(self, dom: Domain, flags: int) -> int:
        """virDomainGetVcpusFlags."""
        check_flags("qemuDomainGetVcpusFlags", flags, AFFECT_LIVE | AFFECT_CONFIG | Vcpu.VCPU_MAXIMUM | Vcpu.VCPU_GUEST)
        d = self.config_or_live(dom, flags & (AFFECT_LIVE | AFFECT_CONFIG))
        if flags & Vcpu.VCPU_GUEST:
            if not dom.active:
                raise errors.guest_vcpus_inactive()
            return agent_info.online_count(self.driver.agents, dom)
        return d.vcpus if flags & Vcpu.VCPU_MAXIMUM else d.current_vcpus

    def set_vcpus(self, dom: Domain, count: int, flags: int, api: str = "virDomainSetVcpusFlags") -> None:
        """virDomainSetVcpusFlags: hotplug up to the maximum; MAXIMUM changes the config only.

        libvirt 9.0 puts no ceiling on a new config maximum: the next start refuses it instead.
        """
        if count == 0:
            raise VirtError.bad_arg("nvcpus", api, "nonzero")
        check_flags("qemuDomainSetVcpusFlags", flags, AFFECT_LIVE | AFFECT_CONFIG | Vcpu.VCPU_MAXIMUM
                    | Vcpu.VCPU_GUEST | Vcpu.VCPU_HOTPLUGGABLE)
        if flags & Vcpu.VCPU_GUEST:
            if flags & Vcpu.VCPU_MAXIMUM:
                raise errors.max_vcpus_via_agent()
            agent_info.set_online_count(self.driver.agents, dom, count)
            return
        defs = self.defs_for(dom, flags)
        if flags & Vcpu.VCPU_MAXIMUM:
            if dom.live is not None and dom.live in defs:
                raise errors.max_vcpus_via_agent()
            for d in defs:
                d.vcpus = count
                d.current_vcpus = min(d.current_vcpus, count)
            return
        for d in defs:
            if count > d.vcpus:
                which = "live" if d is dom.live else "persistent"
                raise errors.vcpus_above_max(which, count, d.vcpus)
        live = dom.live if dom.live is not None and dom.live in defs else None
        if live is not None:
            live.tuning.vcpus_fixed = fixed_vcpus(live)  # the vCPUs it booted with stay not hotpluggable
        if live is not None and count < live.current_vcpus:
            # qemuDomainSelectHotplugVcpuEntities: only the hotpluggable vCPUs go, then QEMU's device_del
            if count < fixed_vcpus(live):
                raise tuning_errors.no_hotpluggable_vcpus()
            if not live.tuning.acpi:
                raise tuning_errors.cpu_unplug_no_acpi()
        for d in defs:
            d.current_vcpus = count

    def get_metadata(self, dom: Domain, kind: int, uri: str | None, flags: int) -> str | RawElement:
        """virDomainGetMetadata."""
        check_flags("virDomainObjGetMetadata", flags, AFFECT_LIVE | AFFECT_CONFIG)
        d = self.config_or_live(dom, flags)
        texts: dict[int, str | None] = {Meta.METADATA_DESCRIPTION: d.description, Meta.METADATA_TITLE: d.title}
        value: str | RawElement | None = texts.get(kind) \
            if kind != Meta.METADATA_ELEMENT else d.metadata.get(uri or "")
        if kind > Meta.METADATA_ELEMENT or kind < 0:
            raise errors.unknown_metadata_type(kind)
        if value is None:
            raise errors.no_metadata()
        return value

    def set_metadata(self, dom: Domain, kind: int, metadata: str | RawElement | None, key: str | None, uri: str | None,
                     flags: int) -> None:
        """virDomainSetMetadata: an empty or NULL value removes it; emits METADATA_CHANGE."""
        check_flags("qemuDomainSetMetadata", flags, AFFECT_LIVE | AFFECT_CONFIG)
        if kind > Meta.METADATA_ELEMENT or kind < 0:
            raise errors.unknown_metadata_type(kind)
        text = metadata if isinstance(metadata, str) else None
        for d in self.defs_for(dom, flags):
            if kind == Meta.METADATA_DESCRIPTION:
                d.description = text or None
            elif kind == Meta.METADATA_TITLE:
                d.title = text or None
            elif isinstance(metadata, RawElement):
                d.metadata[uri or ""] = metadata  # parsed and put in its namespace by the caller
            else:
                d.metadata.pop(uri or "", None)
        self.driver.hypervisor.bus.publish(DomainEvent(
            self.driver.uri, EventID.METADATA_CHANGE, dom.ref(), {"type": kind, "nsuri": uri}))

    def attach_device(self, dom: Domain, device: Device, flags: int) -> None:
        """virDomainAttachDeviceFlags: add a device to the definitions AFFECT_* selects."""
        check_flags("qemuDomainAttachDeviceFlags", flags, AFFECT_LIVE | AFFECT_CONFIG)
        self._change_device(dom, device, flags, attach_device, self._hotplug)

    def _hotplug(self, dom: Domain, old: DomainDef, new: DomainDef) -> None:
        """qemuDomainAttachDeviceLive: a volume disk's pool names its file first, then the NICs."""
        self.driver.translate_volumes(new)
        self._hotplug_nics(dom, old, new)

    def detach_device(self, dom: Domain, device: Device, flags: int) -> None:
        """virDomainDetachDeviceFlags: remove a device from the definitions AFFECT_* selects."""
        check_flags("qemuDomainDetachDeviceFlags", flags, AFFECT_LIVE | AFFECT_CONFIG)
        self._change_device(dom, device, flags, lambda d, dev: detach_device(d, dev)[0], self._hotplug_nics)

    def update_device(self, dom: Domain, device: Device, flags: int) -> None:
        """virDomainUpdateDeviceFlags: replace a device in the definitions AFFECT_* selects."""
        check_flags("qemuDomainUpdateDeviceFlags", flags,
                    AFFECT_LIVE | AFFECT_CONFIG | DomainDeviceModifyFlags.DEVICE_MODIFY_FORCE)
        self._change_device(dom, device, flags, update_device, self._change_media, updated=device)

    def _change_media(self, dom: Domain, old: DomainDef, new: DomainDef) -> None:
        """qemuDomainChangeEjectableMedia: a volume's pool names the new medium's file, which gets
        a node index and its detected chain."""
        self.driver.translate_volumes(new)
        images = self.driver.hypervisor.images
        for disk in new.disks:
            before = old.find_disk(disk.target_dev)
            if (disk.device not in ("cdrom", "floppy") or not disk.source or before is None
                    or (before.type, before.source) == (disk.type, disk.source)):
                continue
            index = next_index(old)
            disk.source_attrs["index"] = str(index)
            path = disk.local_file if disk.type != "block" else None
            below = images.chain(path)[1:] if path is not None and images.exists(path) else []
            disk.backing = chain_of([(img.path, img.format, index + i) for i, img in enumerate(below, 1)])

    def _change_device(self, dom: Domain, device: Device, flags: int,
                       edit: Callable[[DomainDef, Device], DomainDef],
                       live_hook: Callable[[Domain, DomainDef, DomainDef], None] | None = None,
                       updated: Device | None = None) -> None:
        for i, d in enumerate(self.defs_for(dom, flags)):
            changed = edit(d, device if i == 0 else copy.deepcopy(device))
            if d is dom.live:
                if live_hook is not None:
                    live_hook(dom, d, changed)
                dom.live = changed
                self.live_device_events(dom, d, changed, updated)
            else:
                dom.config = changed
        self.sync_disk_users(dom)

    def _hotplug_nics(self, dom: Domain, old: DomainDef, new: DomainDef) -> None:
        """The network driver's part of a live NIC (un)plug, as at start and stop: an interface
        plugged in gets its host device, port and lease; one unplugged gives them back."""
        networks = self.driver.hypervisor.networks
        before = {i.target_dev for i in old.interfaces if i.target_dev}
        after = {i.target_dev for i in new.interfaces if i.target_dev}
        for tap in before - after:
            networks.release_interface(dom, tap)
        for iface in new.interfaces:
            if not iface.target_dev or iface.target_dev not in before:
                networks.acquire_interface(dom, iface)

    @staticmethod
    def require_active(dom: Domain) -> None:
        """virDomainObjCheckActive."""
        if not dom.active:
            raise errors.not_active()

    def control_info(self, dom: Domain, flags: int) -> tuple[int, int, int]:
        """qemuDomainGetControlInfo: (state, details, stateTime); the monitor is always free."""
        check_flags("qemuDomainGetControlInfo", flags, 0)
        self.require_active(dom)
        return 0, 0, 0

    def messages(self, dom: Domain, flags: int) -> list[str]:
        """virDomainGetMessages: the taints of this run (custom monitor or agent commands); the
        emulator uses nothing deprecated."""
        check_flags("qemuDomainGetMessages", flags, DomainMessageType.MESSAGE_DEPRECATION
                    | DomainMessageType.MESSAGE_TAINTING)
        if flags and not flags & DomainMessageType.MESSAGE_TAINTING:
            return []
        return self.driver.monitor.taint_messages(dom)

    def guest_hostname(self, dom: Domain, flags: int) -> str:
        """virDomainGetHostname: from the guest agent (the default) or a DHCP lease."""
        h = DomainGetHostnameFlags
        check_flags("qemuDomainGetHostname", flags, h.GET_HOSTNAME_LEASE | h.GET_HOSTNAME_AGENT)
        if flags & h.GET_HOSTNAME_LEASE and flags & h.GET_HOSTNAME_AGENT:
            raise VirtError.exclusive_flags("VIR_DOMAIN_GET_HOSTNAME_LEASE", "VIR_DOMAIN_GET_HOSTNAME_AGENT",
                                            "qemuDomainGetHostname")
        return self.driver.agents.hostname(dom, lease=bool(flags & h.GET_HOSTNAME_LEASE))
