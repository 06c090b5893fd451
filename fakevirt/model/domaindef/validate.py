"""Checks libvirt runs on a defined domain after its defaults (virDomainDefValidate,
qemuValidateDomainDef): the subset that concerns what fakevirt models."""

from __future__ import annotations

from ...errors import domain as errors
from ..host import HostInfo
from .definition import DomainDef
from .pciflags import is_q35


def _machine_limit(d: DomainDef, host: HostInfo) -> int | None:
    guest = host.guest_for_arch(d.arch)
    if guest is None:
        return None
    machine = guest.machine(d.machine)
    if machine is None:
        raise errors.config_unsupported(f"Emulator '{d.emulator}' does not support machine type '{d.machine}'")
    return machine.max_cpus


def validate_def(d: DomainDef, host: HostInfo) -> None:
    """Raise the first error libvirt's validation would report for this definition."""
    limit = _machine_limit(d, host)
    if limit is not None and d.vcpus > limit:
        raise errors.config_unsupported(f"Maximum CPUs greater than specified machine type limit {limit}")
    if d.max_memory_kib and not d.arch.startswith("ppc64") and not d.numa_node_count():
        raise errors.config_unsupported("At least one numa node has to be configured when enabling memory hotplug")
    topo = d.cpu.topology if d.cpu is not None else None
    if topo is not None:
        product = 1
        for key in ("sockets", "dies", "clusters", "cores", "threads"):
            value = topo.get(key, "1") or "1"
            product *= int(value) if value.isdigit() else 1
        if product != d.vcpus:
            raise errors.config_unsupported("CPU topology doesn't match maximum vcpu count")
    seen: dict[str, str | None] = {}
    for disk in d.disks:
        if disk.target_dev in seen:
            raise errors.duplicate_disk_target(disk.target_dev, seen[disk.target_dev], disk.source)
        seen[disk.target_dev] = disk.source
    for disk in d.disks:
        if disk.shareable and disk.driver_type not in (None, "raw"):
            raise errors.config_unsupported(f"shared access for disk '{disk.target_dev}' requires use of supported storage format")
    if is_q35(d.machine) and any(c.type == "ide" for c in d.controllers):
        raise errors.config_unsupported("IDE controllers are unsupported for this QEMU binary or machine type")
    for v in d.videos[1:]:
        if v.model_type not in ("qxl", "virtio"):
            raise errors.config_unsupported(f"video type '{v.model_type}' is only valid as primary video device")
    for g in d.graphics:
        if g.type == "spice" and g.attrs.get("tlsPort") not in (None, "0", "-1"):
            raise errors.config_unsupported("spice TLS port set in XML configuration, but TLS is disabled in qemu.conf")
    if sum(1 for g in d.graphics if g.type == "vnc") > 1 or sum(1 for g in d.graphics if g.type == "spice") > 1:
        raise errors.config_unsupported("only 1 graphics device of each type (sdl, vnc, spice) is supported")
