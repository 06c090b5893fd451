"""virConnectGetCapabilities: the host and guest capabilities document of libvirt 9.0's QEMU driver."""

from __future__ import annotations

from ..model.host import GuestArch, HostInfo
from .fmt import El, el, format_bitmap, render

# virCapsGuestFeatureInfos as the QEMU driver sets them: (name, default, toggle); None = bare element
_GUEST_FEATURES: tuple[tuple[str, str | None, str | None], ...] = (
    ("acpi", "on", "yes"), ("apic", "on", "no"), ("cpuselection", None, None),
    ("deviceboot", None, None), ("disksnapshot", "on", "no"),
    # beyond 9.0: upstream 9.9+ says it can revert and delete external snapshots (so can we), and
    # fakevirt honours <branch> in snapshot XML (VIR_DOMAIN_SNAPSHOT_CREATE_BRANCH)
    ("externalSnapshot", None, None), ("snapshotBranch", None, None),
)
_PAE_FEATURES = (("pae", None, None), ("nonpae", None, None))  # 32-bit x86 guests only


def capabilities_xml(host: HostInfo) -> str:
    """The capabilities XML for ``host``, formatted as virCapabilitiesFormatXML does.

    Args:
        host: the emulated host.

    Returns:
        The document, two-space indented, with blank lines between sections, ending in a newline.
    """
    root = el("capabilities")
    root.blank()
    root.children.append(_host(host))
    root.blank()
    for guest in host.guests:
        root.children.append(_guest(guest))
        root.blank()
    return render(root)


def _host(host: HostInfo) -> El:
    h = el("host")
    h.add("uuid", host.uuid)
    h.children.append(_host_cpu(host))
    pm = h.add("power_management")
    for target in host.power_management:
        pm.add(target)
    h.add("iommu", support="yes" if host.iommu else "no")
    mig = h.add("migration_features")
    mig.add("live")
    if host.migration_transports:
        transports = mig.add("uri_transports")
        for t in host.migration_transports:
            transports.add("uri_transport", t)
    h.children.append(_topology(host))
    h.children.append(_cache(host))
    h.children.append(el("secmodel").extend([el("model", "none"), el("doi", "0")]))
    dac = h.add("secmodel")
    dac.add("model", "dac")
    dac.add("doi", "0")
    for virt in ("kvm", "qemu"):
        dac.add("baselabel", host.dac_label, type=virt)
    return h


def _host_cpu(host: HostInfo) -> El:
    cpu, info = host.cpu, host.node_info()
    c = el("cpu")
    c.add("arch", host.arch)
    c.add("model", cpu.model)
    c.add("vendor", cpu.vendor)
    c.add("microcode", version=cpu.microcode)
    c.add("signature", family=cpu.family, model=cpu.model_number, stepping=cpu.stepping)
    c.add("counter", name="tsc", frequency=cpu.tsc_hz, scaling="no")
    # libvirt takes the topology from nodeinfo, so sockets are counted per NUMA node
    c.add("topology", sockets=info.sockets, dies=host.dies, cores=info.cores, threads=info.threads)
    c.add("maxphysaddr", mode="emulate", bits=cpu.phys_bits)
    for feature in cpu.features:
        c.add("feature", name=feature)
    for size, _count in host.cells()[0].pages():
        c.add("pages", unit="KiB", size=size)
    return c


def _topology(host: HostInfo) -> El:
    cells = host.cells()
    top = el("topology")
    cells_el = top.add("cells", num=len(cells))
    for cell in cells:
        c = cells_el.add("cell", id=cell.id)
        c.add("memory", cell.memory_kib, unit="KiB")
        for size, count in cell.pages():
            c.add("pages", count, unit="KiB", size=size)
        distances = c.add("distances")
        for other in cells:
            distances.add("sibling", id=other.id, value=host.distance(cell.id, other.id))
        cpus = c.add("cpus", num=len(cell.cpus))
        for cpu in sorted(cell.cpus, key=lambda x: x.id):
            cpus.add("cpu", id=cpu.id, socket_id=cpu.socket_id, die_id=cpu.die_id, core_id=cpu.core_id,
                     siblings=format_bitmap(cpu.siblings))
    return top


def _cache(host: HostInfo) -> El:
    """One L3 bank per die, shared by all its threads (libvirt lists level 3 and up only)."""
    cache = el("cache")
    banks: dict[tuple[int, int], list[int]] = {}
    for cpu in host.logical_cpus():
        banks.setdefault((cpu.socket_id, cpu.die_id), []).append(cpu.id)
    for bank_id, key in enumerate(sorted(banks)):
        cache.add("bank", id=bank_id, level=3, type="both", size=host.cpu.l3_cache_mib, unit="MiB",
                  cpus=format_bitmap(banks[key]))
    return cache


def _guest(guest: GuestArch) -> El:
    g = el("guest")
    g.add("os_type", "hvm")
    arch = g.add("arch", name=guest.arch)
    arch.add("wordsize", guest.wordsize)
    arch.add("emulator", guest.emulator)
    for m in guest.machines:
        arch.children.append(_machine(m.name, None, m.max_cpus, m.deprecated))
        if m.alias:
            arch.children.append(_machine(m.alias, m.name, m.max_cpus, m.deprecated))
    for virt in guest.domain_types:
        arch.add("domain", type=virt)
    features = g.add("features")
    for name, default, toggle in (*(_PAE_FEATURES if guest.arch == "i686" else ()), *_GUEST_FEATURES):
        f = features.add(name)
        if default is not None:
            f.attrs["default"] = default
        if toggle is not None:
            f.attrs["toggle"] = toggle
    return g


def _machine(name: str, canonical: str | None, max_cpus: int, deprecated: bool) -> El:
    m = el("machine", name)
    if canonical:
        m.attrs["canonical"] = canonical
    m.attrs["maxCpus"] = str(max_cpus)
    if deprecated:
        m.attrs["deprecated"] = "yes"
    return m


def storage_capabilities_xml(pool_types: tuple[str, ...]) -> str:
    """virStoragePoolCapsFormat: the pool types the storage driver has a backend for."""
    values = "".join(f"      <value>{t}</value>\n" for t in pool_types)
    return f"<capabilities>\n\n  <pool>\n    <enum name='type'>\n{values}    </enum>\n  </pool>\n\n</capabilities>\n"
