"""Memory devices (<memory model='dimm'>) against <maxMemory slots=N>: the QEMU driver's checks on
attach and detach, slot numbers, and the guest addresses QEMU 7.2 gives DIMMs on a PC machine."""

from __future__ import annotations

from typing import TYPE_CHECKING

from ...errors import VirtError
from ...errors import domain as errors
from ..devices import Address, Device, GenericDevice

if TYPE_CHECKING:
    from .definition import DomainDef

SLOTTED = ("dimm", "nvdimm")  # the models that take a slot of <maxMemory slots>
DIMM_ALIGN_KIB = 2048  # x86: a DIMM's backend is a multiple of 2 MiB
_GIB = 1 << 30


def is_memory(dev: Device) -> bool:
    return isinstance(dev, GenericDevice) and dev.tag == "memory"


def memory_devices(d: DomainDef) -> list[GenericDevice]:
    return [o for o in d.others if o.tag == "memory"]


def devices_total_kib(d: DomainDef) -> int:
    return sum(m.mem_size_kib or 0 for m in memory_devices(d))


def _slot(dev: GenericDevice) -> int | None:
    a = dev.address
    return a.num("slot", -1) if a is not None and a.type == "dimm" and "slot" in a.fields else None


def check_compatible(d: DomainDef, dev: GenericDevice) -> None:
    """virDomainDefCompatibleDevice and the device's own validation, for both definitions."""
    nodes = d.numa_node_count()
    if dev.mem_node is not None and nodes and dev.mem_node >= nodes:
        raise errors.memory_node_missing(dev.mem_node, nodes)
    if not d.max_memory_kib:
        raise errors.conf_unsupported("cannot use/hotplug a memory device when domain 'maxMemory' is not defined")
    size = dev.mem_size_kib or 0
    if d.memory_kib + size > d.max_memory_kib:
        raise errors.conf_unsupported(f"Attaching memory device with size '{size}' would exceed domain's maxMemory "
                                      f"config size '{d.max_memory_kib}'")


def check_hotplug(d: DomainDef, dev: GenericDevice) -> None:
    """qemuDomainDefValidateMemoryHotplug for a device plugged into the running guest, then QEMU's device_add."""
    if dev.model in SLOTTED:
        if d.numa_node_count() and dev.mem_node is None:
            raise errors.config_unsupported("target NUMA node needs to be specified for memory device")
        slot = _slot(dev)
        if slot is not None and slot >= d.memory_slots:
            raise errors.config_unsupported(f"memory device slot '{slot}' exceeds slots count '{d.memory_slots}'")
        if slot is not None and any(_slot(m) == slot for m in memory_devices(d)):
            raise errors.config_unsupported(f"memory device slot '{slot}' is already being used by another "
                                            "memory device")
    count = len(memory_devices(d)) + 1
    if count > d.memory_slots:
        raise errors.config_unsupported(f"memory device count '{count}' exceeds slots count '{d.memory_slots}'")
    if not d.tuning.acpi:
        raise errors.qemu_internal("unable to execute QEMU command 'device_add': memory hotplug is not enabled: "
                                   "missing acpi device or acpi disabled")
    if (dev.mem_size_kib or 0) % DIMM_ALIGN_KIB:
        raise errors.qemu_internal("unable to execute QEMU command 'device_add': backend memory size must be "
                                   "multiple of 0x200000")


def assign_slots(d: DomainDef) -> None:
    """qemuDomainAssignMemorySlots: each DIMM without an address takes the lowest free slot; no
    more DIMMs than slots, whatever slot they name."""
    slotted = [m for m in memory_devices(d) if m.model in SLOTTED]
    if d.max_memory_kib and len(slotted) > d.memory_slots:
        raise errors.config_unsupported("no free memory device slot available")
    used = {s for m in slotted if (s := _slot(m)) is not None}
    for m in slotted:
        if m.address is None:
            free = next(s for s in range(len(slotted)) if s not in used)
            used.add(free)
            m.address = Address("dimm", {"slot": free})


def total_memory(d: DomainDef) -> int | None:
    """virDomainDefGetMemoryTotal of a definition with NUMA cells: the cells plus the memory devices."""
    numa = d.cpu.numa_memory_kib if d.cpu is not None else 0
    return numa + devices_total_kib(d) if numa else None


def place(d: DomainDef) -> None:
    """What a running guest's DIMMs get: a 2 MiB multiple of a size, the alias of their slot and
    the first free guest address of the device memory region, which QEMU puts above 4 GiB."""
    for m in memory_devices(d):
        if m.mem_size_kib and m.model in SLOTTED and m.mem_size_kib % DIMM_ALIGN_KIB:
            m.mem_size_kib = -(-m.mem_size_kib // DIMM_ALIGN_KIB) * DIMM_ALIGN_KIB
    if (total := total_memory(d)) is not None:
        d.memory_kib = total
    ram = (d.memory_kib - devices_total_kib(d)) * 1024
    low = 0x80000000 if "q35" in d.machine else 0xC0000000
    above = max(0, ram - low) if ram >= (0xB0000000 if low == 0x80000000 else 0xE0000000) else 0
    region = -(-((1 << 32) + above) // _GIB) * _GIB
    taken = sorted((int(str(m.address.fields["base"]), 0), (m.mem_size_kib or 0) * 1024)
                   for m in memory_devices(d) if m.address is not None and "base" in m.address.fields)
    for m in memory_devices(d):
        slot = _slot(m)
        if m.model not in SLOTTED or slot is None:
            continue
        m.alias = m.alias if (m.alias or "").startswith("ua-") else f"dimm{slot}"
        if "base" in m.address.fields:  # type: ignore[union-attr]
            continue
        base, size = region, (m.mem_size_kib or 0) * 1024
        for start, length in taken:
            if base + size <= start:
                break
            base = max(base, start + length)
        taken = sorted([*taken, (base, size)])
        m.address.fields["base"] = hex(base)  # type: ignore[union-attr]


def attach(d: DomainDef, dev: GenericDevice) -> None:
    """qemuDomainAttachDeviceConfig / qemuDomainAttachMemory: the checks, then the memory grows."""
    check_compatible(d, dev)
    if d.live:
        check_hotplug(d, dev)
    d.others.append(dev)
    _grow(d, dev.mem_size_kib or 0)


def detach(d: DomainDef, dev: GenericDevice) -> GenericDevice:
    """The device ``dev`` designates leaves, and the memory shrinks (the guest lets go of it at once)."""
    match = next((m for m in memory_devices(d) if matches(m, dev)), None)
    if match is None:
        raise missing(dev, d.live)
    d.others.remove(match)
    _grow(d, -(match.mem_size_kib or 0))
    return match


def _grow(d: DomainDef, kib: int) -> None:
    d.current_memory_kib += kib
    if total_memory(d) is None:  # without NUMA cells the post-parse does not sum them
        d.memory_kib += kib


def matches(stored: GenericDevice, dev: GenericDevice) -> bool:
    """virDomainMemoryFindByDef: model, target node, size and, when given, the address."""
    return (stored.model == dev.model and stored.mem_node == dev.mem_node and stored.mem_size_kib == dev.mem_size_kib
            and (dev.address is None or _same_slot(stored.address, dev.address)))


def _same_slot(a: Address | None, b: Address) -> bool:
    return a is not None and a.type == b.type and a.fields.get("slot") == b.fields.get("slot")


def missing(dev: GenericDevice, live: bool) -> VirtError:
    if live:
        return errors.device_missing(f"model '{dev.model}' memory device not present in the domain configuration")
    return errors.device_missing("matching memory device was not found")
