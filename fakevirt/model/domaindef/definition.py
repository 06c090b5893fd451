"""A domain's definition (virDomainDef): plain data, its device lookups and libvirt's list order.

No XML here: ``fakevirt.xml.domain`` parses and formats it; ``normalize`` fills its defaults and
``edit`` changes its devices.
"""

from __future__ import annotations

import copy
import uuid
from dataclasses import dataclass, field
from typing import Any

from ...errors import VirtError
from ...errors import domain as errors
from ..devices import (
    Audio,
    Chr,
    Controller,
    Device,
    Disk,
    GenericDevice,
    Graphics,
    Input,
    Interface,
    Memballoon,
    RawElement,
    Redirdev,
    RngDevice,
    Sound,
    Video,
    Watchdog,
    chr_equal,
    disk_name_to_index,
    input_equal,
    same_device,
)
from ..domain_tuning.state import Tuning
from .seclabel import SecLabel

__all__ = ["CpuDef", "CpuFeature", "DomainDef"]


@dataclass
class CpuFeature:
    """A guest CPU's <feature>: a CPUID feature and its policy (require, disable, force, optional, forbid)."""

    name: str
    policy: str = "require"


@dataclass
class CpuDef:
    """<cpu>: mode, match, check, the named model, vendor and features; everything else verbatim."""

    mode: str | None = None
    match: str | None = None
    check: str | None = None
    migratable: str | None = None
    attrs: dict[str, str] = field(default_factory=dict)
    model: str | None = None
    model_attrs: dict[str, str] = field(default_factory=dict)  # fallback, vendor_id
    vendor: str | None = None
    features: list[CpuFeature] = field(default_factory=list)
    children: list[RawElement] = field(default_factory=list)  # topology, numa, cache, ... (verbatim)
    # what the model checks, read from those children by the parser:
    topology: dict[str, str] | None = None  # the first <topology>'s attributes (sockets, cores, ...)
    numa_cells: int = 0  # the <cell> elements of the first <numa>
    numa_memory_kib: int = 0  # their memory


UINT_MAX, LLONG_MAX, ULLONG_MAX = 2**32 - 1, 2**63 - 1, 2**64 - 1
# virMemoryMaxValue(false) is LLONG_MAX bytes: a size in KiB must stay below it, rounded up
MEMORY_KIB_LIMIT = -(-LLONG_MAX // 1024)


@dataclass
class DomainDef:
    """Everything ``<domain>`` says about a guest, after the QEMU driver's post-parse defaults."""

    virt_type: str = "kvm"
    name: str = ""
    uuid: uuid.UUID = field(default_factory=lambda: uuid.UUID(int=0))
    title: str | None = None
    description: str | None = None
    metadata: dict[str, RawElement] = field(default_factory=dict)  # namespace URI -> element, in its namespace
    memory_kib: int = 0
    current_memory_kib: int = 0
    memory_attrs: dict[str, str] = field(default_factory=dict)  # dumpCore
    max_memory_kib: int = 0  # <maxMemory>, 0 when absent (the element itself stays in extras)
    memory_slots: int = 0
    vcpus: int = 1
    current_vcpus: int = 1
    vcpu_attrs: dict[str, str] = field(default_factory=dict)  # placement, cpuset
    os_type: str = "hvm"
    arch: str = "x86_64"
    machine: str = "pc-i440fx-7.2"
    os_attrs: dict[str, str] = field(default_factory=dict)  # firmware
    boot_devs: list[str] = field(default_factory=list)
    os_children: list[RawElement] = field(default_factory=list)  # loader, kernel, bootmenu, ...
    features: RawElement | None = None
    cpu: CpuDef | None = None
    live_cpu: CpuDef | None = None  # what a running guest's CPU became (shown in live XML only)
    clock: RawElement | None = None
    on_poweroff: str = "destroy"
    on_reboot: str = "restart"
    on_crash: str = "destroy"
    pm: RawElement | None = None
    extras: list[RawElement] = field(default_factory=list)  # memoryBacking, sysinfo, resource, ...
    tuning: Tuning = field(default_factory=Tuning)  # cputune, memtune, blkiotune, numatune, iothreads, perf
    seclabels: list[SecLabel] = field(default_factory=list)
    partition: str | None = None  # a running domain without <resource>: the cgroup partition the driver chose
    emulator: str | None = None
    disks: list[Disk] = field(default_factory=list)
    controllers: list[Controller] = field(default_factory=list)
    interfaces: list[Interface] = field(default_factory=list)
    serials: list[Chr] = field(default_factory=list)
    parallels: list[Chr] = field(default_factory=list)
    consoles: list[Chr] = field(default_factory=list)
    channels: list[Chr] = field(default_factory=list)
    inputs: list[Input] = field(default_factory=list)
    graphics: list[Graphics] = field(default_factory=list)
    sounds: list[Sound] = field(default_factory=list)
    audios: list[Audio] = field(default_factory=list)
    videos: list[Video] = field(default_factory=list)
    redirdevs: list[Redirdev] = field(default_factory=list)
    watchdogs: list[Watchdog] = field(default_factory=list)
    memballoon: Memballoon | None = None
    rngs: list[RngDevice] = field(default_factory=list)
    others: list[GenericDevice] = field(default_factory=list)  # hostdev, filesystem, tpm, ...
    live: bool = False  # a running domain's definition: changes follow the hotplug rules

    def numa_node_count(self) -> int:
        """The <cell> elements of <cpu><numa>."""
        return self.cpu.numa_cells if self.cpu is not None else 0

    def copy(self) -> DomainDef:
        """A deep copy: nothing is shared with this definition."""
        return copy.deepcopy(self)

    # --- lookups ---------------------------------------------------------------------------

    def find_disk(self, target_dev: str) -> Disk | None:
        return next((d for d in self.disks if d.target_dev == target_dev), None)

    def find_controller(self, type_: str, index: int) -> Controller | None:
        return next((c for c in self.controllers if c.type == type_ and c.index == index), None)

    def all_devices(self) -> list[Device]:
        """Every device, in the order libvirt formats them."""
        out: list[Device] = [*self.disks, *self.controllers, *self.interfaces, *self.serials,
                             *self.parallels, *self.consoles, *self.channels, *self.inputs,
                             *self.graphics, *self.sounds, *self.audios, *self.videos,
                             *self.redirdevs, *self.watchdogs, *self.rngs, *self.others]
        if self.memballoon is not None:
            out.append(self.memballoon)
        return out

    def find_device(self, dev: Device) -> Device | None:
        """The device of this definition that ``dev`` designates, as detach matches it, or None."""
        try:
            return self.match_device(dev)
        except VirtError:
            return None

    def match_device(self, dev: Device) -> Device | None:
        if isinstance(dev, Disk):
            return self.find_disk(dev.target_dev)
        if isinstance(dev, Interface):
            return self.interfaces[self.net_index(dev)]
        if isinstance(dev, Controller):
            return self.find_controller(dev.type, dev.index) if dev.index is not None else None
        if isinstance(dev, Chr):
            return next((c for c in self.chr_list(dev.kind) if chr_equal(c, dev)), None)
        if isinstance(dev, Input):
            return next((i for i in self.inputs if input_equal(i, dev)), None)
        if isinstance(dev, Graphics):
            return next((g for g in self.graphics if g.type == dev.type), None)
        return next((o for o in self.same_kind(dev) if same_device(o, dev)), None)

    def same_kind(self, dev: Device) -> list[Device]:
        if isinstance(dev, GenericDevice):
            return [o for o in self.others if o.tag == dev.tag]
        lists: dict[type, list[Any]] = {Sound: self.sounds, Audio: self.audios, Video: self.videos,
                                        Redirdev: self.redirdevs, Watchdog: self.watchdogs, RngDevice: self.rngs}
        if isinstance(dev, Memballoon):
            return [self.memballoon] if self.memballoon else []
        return list(lists.get(type(dev), []))

    def chr_list(self, kind: str) -> list[Chr]:
        return {"serial": self.serials, "parallel": self.parallels, "console": self.consoles,
                "channel": self.channels}[kind]

    def net_index(self, net: Interface) -> int:
        """virDomainNetFindIdx: match on MAC (unless generated), PCI address and alias."""
        want_mac = net.mac if not net.mac_generated else None
        want_pci = net.address if net.address is not None and net.address.is_pci else None
        found = -1
        for i, cand in enumerate(self.interfaces):
            if want_mac is not None and (cand.mac or "").lower() != want_mac.lower():
                continue
            if want_pci is not None and (cand.address is None
                                         or cand.address.pci_tuple() != want_pci.pci_tuple()):
                continue
            if net.alias and cand.alias and cand.alias != net.alias:
                continue
            if found >= 0:
                raise errors.multiple_devices(want_mac)
            found = i
        if found >= 0:
            return found
        addr = "(<null>)"
        if want_pci is not None:
            addr = "{:04x}:{:02x}:{:02x}.{:x}".format(*want_pci.pci_tuple())
        raise errors.no_matching_interface(addr, want_mac, net.alias)

    # --- ordered insertion, as libvirt's parser and insert helpers keep the lists ----------

    def insert_disk(self, disk: Disk) -> None:
        """virDomainDiskInsert: after the last disk on the same bus with a lower index."""
        at = -1
        new_idx = disk_name_to_index(disk.target_dev)
        for i in range(len(self.disks) - 1, -1, -1):
            cur = self.disks[i]
            if cur.target_bus != disk.target_bus:
                continue
            if disk_name_to_index(cur.target_dev) > new_idx:
                at = i
            elif at == -1:
                at = i + 1
        self.disks.insert(at if at >= 0 else len(self.disks), disk)

    def insert_controller(self, cont: Controller) -> None:
        """virDomainControllerInsertPreAlloced: grouped by type, ordered by index."""
        at = -1
        for i in range(len(self.controllers) - 1, -1, -1):
            cur = self.controllers[i]
            if cur.type != cont.type:
                continue
            if cont.index is None:
                at = i + 1
                break
            if cur.index is not None and cur.index > cont.index:
                at = i
            elif (cont.master_startport is None and cur.master_startport is not None
                  and cur.index == cont.index):
                at = i
            elif at == -1:
                at = i + 1
        self.controllers.insert(at if at >= 0 else len(self.controllers), cont)

    def normalize_order(self) -> None:
        """Order the lists as a format-and-parse round trip would (virDomainDefCopy)."""
        disks, self.disks = self.disks, []
        for d in disks:
            self.insert_disk(d)
        controllers, self.controllers = self.controllers, []
        for c in controllers:
            self.insert_controller(c)
        self.videos.sort(key=lambda v: not v.primary)
