"""Format a ``DomainDef`` as the QEMU driver's ``virsh dumpxml`` prints it (virDomainDefFormat)."""

from __future__ import annotations

from collections.abc import Sequence

from ..model.devices import Chr, Device, Input, RawElement
from ..model.domaindef import CpuDef, DomainDef
from ..model.domaindef.pciflags import is_i440fx
from ..model.domaindef.seclabel import SecLabel
from .domain_devformat import Flags, format_chr, format_device, ordered
from .domain_devparts import element
from .domain_tree import node_dump, raw_lines
from .fmt import escape
from .tuning import (
    format_cputune,
    format_iothreads,
    format_numatune,
    format_perf,
    format_resources,
    format_vcpus,
)

_OS_CHILDREN = ("firmware", "init", "initarg", "initenv", "initdir", "inituser", "initgroup", "loader",
                "nvram", "kernel", "initrd", "cmdline", "dtb", "root", "acpi", "boot", "bootmenu", "bios",
                "smbios")
_CPU_CHILDREN = ("model", "vendor", "microcode", "signature", "counter", "topology", "cache", "maxphysaddr",
                 "feature", "numa")
# generic device tags, each placed after the modelled list named beside it
_GENERIC_AFTER = {"lease": "controllers", "filesystem": "controllers", "smartcard": "interfaces",
                  "tpm": "inputs", "hostdev": "videos", "redirfilter": "redirdevs", "hub": "redirdevs",
                  "nvram": "rngs", "panic": "rngs", "shmem": "rngs", "memory": "rngs", "crypto": "rngs",
                  "iommu": "rngs", "vsock": "rngs"}
_GENERIC_ORDER = ("lease", "filesystem", "smartcard", "tpm", "hostdev", "redirfilter", "hub", "nvram",
                  "panic", "shmem", "memory", "crypto", "iommu", "vsock")


def format_domain(d: DomainDef, domain_id: int | None, flags: Flags) -> str:
    if flags.migratable:
        # the copy libvirt re-parses is formatted with secrets, and they survive into the result
        d = migratable_copy(d)
        domain_id = None
        flags = Flags(inactive=True, secure=True, migratable=True)
    live = domain_id is not None and not flags.inactive
    if not live:
        flags = Flags(inactive=True, secure=flags.secure, migratable=flags.migratable)
    head = [("type", d.virt_type)] + ([("id", str(domain_id))] if live else [])
    ns = [x for x in d.extras if ":" in x.tag]
    for el in ns:
        prefix = el.tag.split(":", 1)[0]
        head.append((f"xmlns:{prefix}", el.attrs.get(f"xmlns:{prefix}", _NS_URIS.get(prefix, ""))))
    out = [f"<domain{''.join(f' {k}={_q(v)}' for k, v in _dedupe(head))}>"]
    out += _identity(d)
    out += _resources(d)
    out += _os(d)
    out += _extras(d, ("idmap",))
    if d.features is not None:
        out += raw_lines(d.features, 2)
    cpu = d.live_cpu if live and d.live_cpu is not None else d.cpu
    if cpu is not None:
        out += format_cpu(cpu)
    out += raw_lines(d.clock, 2) if d.clock is not None else ["  <clock offset='utc'/>"]
    for tag in ("on_poweroff", "on_reboot", "on_crash"):
        out.append(f"  <{tag}>{getattr(d, tag)}</{tag}>")
    out += _extras(d, ("on_lockfailure",))
    if d.pm is not None:
        out += raw_lines(d.pm, 2)
    out += format_perf(d.tuning)
    out += ["  <devices>", *_devices(d, flags), "  </devices>"]
    for sec in d.seclabels:
        out += _seclabel(sec, flags)
    out += _extras(d, ("keywrap", "launchSecurity"))
    for el in ns:
        out += raw_lines(_strip_ns(el), 2)
    out.append("</domain>")
    return "\n".join(out) + "\n"


_NS_URIS = {"qemu": "http://libvirt.org/schemas/domain/qemu/1.0"}


def _q(v: str) -> str:
    return f"'{escape(v)}'"


def _dedupe(items: list[tuple[str, str]]) -> list[tuple[str, str]]:
    seen: set[str] = set()
    return [(k, v) for k, v in items if not (k in seen or seen.add(k))]  # type: ignore[func-returns-value]


def _strip_ns(el: RawElement) -> RawElement:
    return RawElement(el.tag, {k: v for k, v in el.attrs.items() if not k.startswith("xmlns")}, el.text,
                      el.children)


def _extras(d: DomainDef, tags: tuple[str, ...]) -> list[str]:
    return [line for tag in tags for el in d.extras if el.tag == tag for line in raw_lines(el, 2)]


def _identity(d: DomainDef) -> list[str]:
    out = [f"  <name>{escape(d.name)}</name>", f"  <uuid>{d.uuid}</uuid>"]
    out += _extras(d, ("genid",))
    if d.title is not None:
        out.append(f"  <title>{escape(d.title)}</title>")
    if d.description is not None:
        out.append(f"  <description>{escape(d.description)}</description>")
    if d.metadata:
        out.append("  <metadata>")
        for el in d.metadata.values():
            out.append("    " + node_dump(el, 2))
        out.append("  </metadata>")
    return out


def _resources(d: DomainDef) -> list[str]:
    out = _extras(d, ("maxMemory",))
    dump = "".join(f" dumpCore={_q(v)}" for k, v in d.memory_attrs.items() if k == "dumpCore")
    out.append(f"  <memory{dump} unit='KiB'>{d.memory_kib}</memory>")
    out.append(f"  <currentMemory unit='KiB'>{d.current_memory_kib}</currentMemory>")
    out += format_resources(d.tuning)
    out += _extras(d, ("memoryBacking",))
    vattrs = ordered(d.vcpu_attrs, ("placement", "cpuset"))
    if d.current_vcpus != d.vcpus:
        vattrs.append(("current", str(d.current_vcpus)))
    out.append(f"  <vcpu{''.join(f' {k}={_q(v)}' for k, v in vattrs)}>{d.vcpus}</vcpu>")
    typed_vcpus = format_vcpus(d.vcpus, d.tuning)
    out += typed_vcpus if typed_vcpus is not None else _extras(d, ("vcpus",))
    out += format_iothreads(d.tuning)
    out += _extras(d, ("defaultiothread",))
    out += format_cputune(d.tuning)
    out += format_numatune(d.tuning)
    out += _extras(d, ("resource",))
    if d.partition is not None:
        out += raw_lines(RawElement("resource", children=[RawElement("partition", text=d.partition)]), 2)
    out += _extras(d, ("sysinfo", "bootloader", "bootloader_args"))
    return out


def _os(d: DomainDef) -> list[str]:
    attrs = [("arch", d.arch)] if d.arch else []
    attrs += [("machine", d.machine)] if d.machine else []
    body = [f"    <type{''.join(f' {k}={_q(v)}' for k, v in attrs)}>{d.os_type}</type>"]
    parts = [(c.tag, raw_lines(c, 4)) for c in d.os_children]
    parts += [("boot", [f"    <boot dev='{b}'/>"]) for b in d.boot_devs]
    rank = {t: i for i, t in enumerate(_OS_CHILDREN)}
    parts.sort(key=lambda p: rank.get(p[0], len(_OS_CHILDREN)))
    body += [line for _, lines in parts for line in lines]
    return element("os", list(d.os_attrs.items()), body, 2)


def format_cpu(cpu: CpuDef, indent: int = 2) -> list[str]:
    """virCPUDefFormatBuf for a guest CPU: the children in libvirt's order."""
    inner = indent + 2
    attrs = [(k, v) for k, v in (("mode", cpu.mode), ("match", cpu.match), ("check", cpu.check),
                                 ("migratable", cpu.migratable)) if v is not None]
    attrs += list(cpu.attrs.items())
    parts: list[tuple[str, list[str]]] = []
    if cpu.model:
        parts.append(("model", element("model", ordered(cpu.model_attrs, ("fallback", "vendor_id")), [], inner,
                                       cpu.model)))
    if cpu.vendor is not None:
        parts.append(("vendor", element("vendor", {}, [], inner, cpu.vendor)))
    parts += [("feature", element("feature", {"policy": f.policy, "name": f.name}, [], inner)) for f in cpu.features]
    parts += [(c.tag, raw_lines(c, inner)) for c in cpu.children]
    rank = {t: i for i, t in enumerate(_CPU_CHILDREN)}
    parts.sort(key=lambda p: rank.get(p[0], len(_CPU_CHILDREN)))
    if cpu.mode == "custom" and not cpu.model:
        attrs = [a for a in attrs if a[0] not in ("mode", "match", "check")]
    return element("cpu", attrs, [line for _, lines in parts for line in lines], indent)


def _devices(d: DomainDef, flags: Flags) -> list[str]:
    ind = 4
    out = [f"    <emulator>{escape(d.emulator)}</emulator>"] if d.emulator else []

    def dump(devs: Sequence[Device], after: str | None = None) -> None:
        for dev in devs:
            if flags.migratable and isinstance(dev, Input) and dev.type == "keyboard" and dev.bus in ("ps2", "xen"):
                continue
            out.extend(format_device(dev, flags, ind))
        if after is not None:
            for tag in _GENERIC_ORDER:
                if _GENERIC_AFTER[tag] == after:
                    out.extend(line for g in d.others if g.tag == tag for line in format_device(g, flags, ind))

    dump(d.disks)
    dump(d.controllers, "controllers")
    dump(d.interfaces, "interfaces")
    dump(d.serials)
    dump(d.parallels)
    for n, con in enumerate(d.consoles):
        alias_of = d.serials[n] if con.target_type in (None, "serial") and n < len(d.serials) else None
        out.extend(format_chr(con, flags, ind, alias_of))
    dump(d.channels)
    dump(d.inputs, "inputs")
    dump(d.graphics)
    dump(d.sounds)
    dump(d.audios)
    dump(d.videos, "videos")
    dump(d.redirdevs, "redirdevs")
    dump(d.watchdogs)
    if d.memballoon is not None:
        out.extend(format_device(d.memballoon, flags, ind))
    dump(d.rngs, "rngs")
    return out


def _seclabel(sec: SecLabel, flags: Flags) -> list[str]:
    """virSecurityLabelDefFormat: generated labels are runtime state."""
    dynamic = sec.type == "dynamic"
    if flags.migratable and sec.generated:
        return []
    attrs = [(k, v) for k, v in (("type", sec.type), ("model", sec.model)) if v is not None]
    if sec.type == "none":
        return element("seclabel", attrs, [], 2)
    if sec.relabel is not None:
        attrs.append(("relabel", sec.relabel))
    runtime = not (dynamic and flags.inactive)
    body = [(tag, value) for tag, value, shown in (
        ("label", sec.label, runtime), ("imagelabel", sec.imagelabel, runtime and sec.relabel != "no"),
        ("baselabel", sec.baselabel, sec.type in ("dynamic", None))) if shown and value is not None]
    return element("seclabel", attrs, [line for tag, value in body for line in element(tag, {}, [], 4, value)], 2)


def migratable_copy(d: DomainDef) -> DomainDef:
    """qemuDomainDefFormatBufInternal's MIGRATABLE edits, on a re-parsed copy of the definition."""
    m = d.copy()
    m.normalize_order()
    for dev in m.all_devices():
        if dev.alias and not dev.alias.startswith("ua-"):
            dev.alias = None
    m.live_cpu = None
    for disk in m.disks:  # the re-parse gives an empty drive its default format back
        if disk.driver_type is None and disk.type != "volume":
            disk.driver_type = "raw"
    usbs = [c for c in m.controllers if c.type == "usb"]
    drop: list[Device] = []
    if is_i440fx(m.machine) and len(usbs) == 1 and usbs[0].index == 0 and usbs[0].model in (None, "piix3-uhci") \
            and not (usbs[0].alias or "").startswith("ua-"):
        drop.append(usbs[0])
    pcis = [c for c in m.controllers if c.type == "pci"]
    if len(pcis) == 1 and pcis[0].index == 0 and pcis[0].model == "pci-root" and not pcis[0].target_attrs \
            and not pcis[0].extra:
        drop.append(pcis[0])
    m.controllers = [c for c in m.controllers if not any(c is x for x in drop)]
    for ch in m.channels:
        _drop_default_channel_path(ch)
    if len(m.audios) == 1:
        default = "none"
        for g in m.graphics:
            default = {"vnc": "none", "spice": "spice"}.get(g.type, default)
        a = m.audios[0]
        if a.type == default and a.id == 1 and not a.attrs and not a.extra:
            m.audios = []
    m.others = [g for g in m.others if not (g.tag == "panic" and g.model in ("s390", "pseries"))]
    return m


def _drop_default_channel_path(ch: Chr) -> None:
    for s in ch.sources:
        if ch.type == "unix" and s.get("path", "").startswith("/var/lib/libvirt/qemu/channel/target/"):
            s.pop("path")

