"""Parse a <domain> document into a ``DomainDef`` (virDomainDefParseXML), before any defaults."""

from __future__ import annotations

import re
import uuid
from typing import Any

from ..errors import domain as errors
from ..errors import xml as xml_errors
from ..model.devices import (
    Audio,
    Chr,
    Controller,
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
)
from ..model.domaindef import UINT_MAX, CpuDef, CpuFeature, DomainDef
from ..model.domaindef.seclabel import SecLabel
from .domain_devparse import parse_device
from .scaled import parse_scaled, parse_ull, scale_attr
from .tuning import TUNING_TAGS, parse_tuning

VIRT_TYPES = ("none", "qemu", "kqemu", "kvm", "xen", "lxc", "uml", "openvz", "test", "vmware", "hyperv",
              "vbox", "phyp", "parallels", "bhyve", "vz", "hvf")
OS_TYPES = ("hvm", "xen", "linux", "exe", "uml", "xenpvh")
ARCHES = ("none", "alpha", "armv6l", "armv7l", "armv7b", "aarch64", "cris", "i686", "ia64", "lm32",
          "loongarch64", "m68k", "microblaze", "microblazeel", "mips", "mipsel", "mips64", "mips64el",
          "openrisc", "parisc", "parisc64", "ppc", "ppcle", "ppc64", "ppc64le", "ppcemb", "riscv32",
          "riscv64", "s390", "s390x", "sh4", "sh4eb", "sparc", "sparc64", "unicore32", "x86_64",
          "xtensa", "xtensaeb")
LIFECYCLE_ACTIONS = ("destroy", "restart", "rename-restart", "preserve", "coredump-destroy",
                     "coredump-restart")
CLOCK_OFFSETS = ("utc", "localtime", "variable", "timezone", "absolute")
# Top-level elements libvirt keeps (as they are) besides those modelled; anything else is dropped.
KEPT_TOPLEVEL = ("genid", "maxMemory", "blkiotune", "memtune", "memoryBacking", "vcpus", "iothreads",
                 "iothreadids", "defaultiothread", "cputune", "numatune", "resource", "sysinfo",
                 "bootloader", "bootloader_args", "idmap", "on_lockfailure", "perf", "keywrap",
                 "launchSecurity", "throttlegroups")
_UUID_RE = re.compile(r"^\s*([0-9a-fA-F]{2}-?){15}[0-9a-fA-F]{2}\s*$")


def parse_uuid(text: str) -> uuid.UUID | None:
    """virUUIDParse: 32 hex digits, dashes allowed between byte pairs."""
    if not _UUID_RE.match(text):
        return None
    return uuid.UUID(text.strip().replace("-", ""))


def parse_domain_tree(root: RawElement) -> DomainDef:
    """The definition a <domain> element gives, with no defaults applied yet."""
    if root.tag != "domain":
        raise xml_errors.wrong_root("domain", root.tag)
    d = DomainDef()
    vtype = root.get("type")
    if vtype is None:
        raise errors.conf_internal("missing domain type attribute")
    if vtype not in VIRT_TYPES:
        raise errors.conf_unsupported(f"invalid domain type {vtype}")
    d.virt_type = vtype
    _parse_ids(root, d)
    _parse_os(root, d)
    if (title := root.find("title")) is not None:
        d.title = _text(title)
        if d.title and "\n" in d.title:
            raise errors.xml_error("Domain title can't contain newlines")
    if (desc := root.find("description")) is not None:
        d.description = _text(desc)
    _parse_metadata(root, d)
    _parse_memory_vcpu(root, d)
    _parse_misc(root, d)
    devices = root.find("devices")
    if devices is not None:
        _parse_devices(devices, d)
    return d


def _text(el: RawElement) -> str:
    """XPath string(): the concatenated text content."""
    return (el.text or "") + "".join(_text(c) if c.tag != "#text" else c.text or "" for c in el.children)


def _parse_ids(root: RawElement, d: DomainDef) -> None:
    name_el = root.find("name")
    name = _text(name_el).strip() if name_el is not None else ""
    if not name:
        raise errors.no_name()
    if "/" in name:
        raise errors.xml_error(f"name {name} cannot contain '/'")
    if "\n" in name:
        raise errors.xml_error(f"name {name} cannot contain '\\n'")
    d.name = name
    if (u := root.find("uuid")) is not None:
        parsed = parse_uuid(_text(u))
        if parsed is None:
            raise errors.conf_internal("malformed uuid element")
        d.uuid = parsed
    else:
        d.uuid = uuid.UUID(int=0)


def _parse_os(root: RawElement, d: DomainDef) -> None:
    os_el = root.find("os")
    type_el = os_el.find("type") if os_el is not None else None
    if os_el is None or type_el is None or not _text(type_el).strip():
        raise errors.xml_error("an os <type> must be specified")
    ostype = _text(type_el).strip()
    if ostype not in OS_TYPES:
        raise errors.conf_unsupported(f"unknown OS type '{ostype}'")
    d.os_type = ostype
    arch = type_el.get("arch")
    if arch is not None and arch not in ARCHES:
        raise errors.conf_unsupported(f"Unknown architecture {arch}")
    d.arch = arch or ""
    d.machine = type_el.get("machine") or ""
    d.os_attrs = dict(os_el.attrs)
    for c in os_el.children:
        if c.tag == "boot":
            dev = c.get("dev")
            if dev not in ("fd", "cdrom", "hd", "network"):
                raise errors.xml_error(f"unknown boot device '{dev}'")
            d.boot_devs.append(dev)
        elif c.tag not in ("type", "#text"):
            d.os_children.append(c)


def _parse_metadata(root: RawElement, d: DomainDef) -> None:
    meta = root.find("metadata")
    if meta is None:
        return
    inherited = {k[6:]: v for k, v in root.attrs.items() if k.startswith("xmlns:")}
    for el in meta.children:
        if el.tag == "#text":
            continue
        prefix = el.tag.split(":", 1)[0] if ":" in el.tag else None
        uri = el.attrs.get(f"xmlns:{prefix}") if prefix else el.attrs.get("xmlns")
        if uri is None and prefix:
            uri = inherited.get(prefix)
            if uri is not None:
                el.attrs = {f"xmlns:{prefix}": uri, **el.attrs}
        if not uri or uri in d.metadata:
            continue  # virXMLNodeSanitizeNamespaces drops unnamespaced and duplicate entries
        d.metadata[uri] = el


def _parse_memory_vcpu(root: RawElement, d: DomainDef) -> None:
    if (mem := root.find("memory")) is not None:
        d.memory_kib = parse_scaled(mem, "./memory[1]") or 0
        d.memory_attrs = {k: v for k, v in mem.attrs.items() if k == "dumpCore"}
    _parse_max_memory(root, d)
    if (cur := root.find("currentMemory")) is not None:
        d.current_memory_kib = parse_scaled(cur, "./currentMemory[1]") or 0
    vcpu = root.find("vcpu")
    if vcpu is not None:
        text = (vcpu.text or "").strip()
        if not text.isdigit():
            raise errors.xml_error("maximum vcpus count must be an integer")
        d.vcpus = int(text)
        current = vcpu.get("current")
        if current is not None:
            if not current.strip().isdigit():
                raise xml_errors.invalid_attribute("current", "vcpu", current, "non-negative integer")
            d.current_vcpus = int(current)
        else:
            d.current_vcpus = d.vcpus
        d.vcpu_attrs = {k: v for k, v in vcpu.attrs.items() if k in ("placement", "cpuset")}
    else:
        d.vcpus = d.current_vcpus = 1
    if d.vcpus == 0:
        # libvirt checks <numa> CPU IDs against the vCPU count before anything else looks at it
        raise errors.conf_internal("CPU IDs in <numa> exceed the <vcpu> count")
    if d.current_vcpus > d.vcpus:
        raise errors.conf_unsupported("maximum vCPU count must not be less than current vCPU count")


def _parse_max_memory(root: RawElement, d: DomainDef) -> None:
    """<maxMemory slots=N>: the memory hotplug ceiling (the element itself is kept as it is)."""
    el = root.find("maxMemory")
    if el is None:
        return
    d.max_memory_kib = parse_scaled(el, "./maxMemory[1]") or 0
    slots = el.get("slots")
    if slots:
        count = parse_ull(slots)  # virXPathUInt
        if count is None or count > UINT_MAX:
            raise errors.xml_error("Failed to parse memory slot count")
        d.memory_slots = count


def _parse_misc(root: RawElement, d: DomainDef) -> None:
    for tag in ("on_poweroff", "on_reboot", "on_crash"):
        el = root.find(tag)
        if el is not None:
            value = _text(el).strip()
            if value not in LIFECYCLE_ACTIONS:
                raise errors.conf_unsupported(f"unknown {tag} action: {value}")
            setattr(d, tag, value)
    if (clock := root.find("clock")) is not None:
        offset = clock.get("offset", "utc")
        if offset not in CLOCK_OFFSETS:
            raise errors.conf_unsupported(f"unknown clock offset '{offset}'")
        d.clock = clock
    d.features = root.find("features")
    d.pm = root.find("pm")
    if (cpu := root.find("cpu")) is not None:
        d.cpu = parse_cpu(cpu)
    d.seclabels = [_seclabel(s) for s in root.findall("seclabel")]
    d.extras = [c for c in root.children if (c.tag in KEPT_TOPLEVEL and c.tag not in TUNING_TAGS) or _is_namespaced(c)]
    d.tuning = parse_tuning(root, parse_scaled)


def _seclabel(el: RawElement) -> SecLabel:
    """virSecurityLabelDefParseXML for a definition being defined (an inactive parse): a static label
    keeps its label, a dynamic one its base label; the runtime labels are not read. A label with no
    model belongs to the primary security driver, 'none' on this host."""
    kind = el.get("type")
    sec = SecLabel(type=kind, model=el.get("model"), relabel=el.get("relabel"))
    if kind == "none" and sec.model is None:
        sec.model = "none"
    if sec.relabel is None and kind in ("dynamic", "static"):
        sec.relabel = "yes" if kind == "dynamic" else "no"

    def text(tag: str) -> str | None:
        child = el.find(tag)
        return None if child is None else _text(child)

    if kind in ("static", None):
        sec.label = text("label")
    if kind is None:
        sec.imagelabel = text("imagelabel")
    if kind in ("dynamic", None):
        sec.baselabel = text("baselabel")
    return sec


def _is_namespaced(el: RawElement) -> bool:
    """Driver namespace elements such as <qemu:commandline> survive the round trip."""
    return ":" in el.tag and el.tag.split(":", 1)[0] in ("qemu",)


def parse_cpu(el: RawElement) -> CpuDef:
    """A guest <cpu> (virCPUDefParseXML): the first <vendor> counts; a feature's policy defaults to require."""
    cpu = CpuDef(mode=el.get("mode"), match=el.get("match"), check=el.get("check"),
                 migratable=el.get("migratable"),
                 attrs={k: v for k, v in el.attrs.items() if k not in ("mode", "match", "check", "migratable")})
    seen_vendor = False
    for c in el.children:
        if c.tag == "model":
            cpu.model = _text(c).strip() or None
            cpu.model_attrs = dict(c.attrs)
        elif c.tag == "vendor":
            if not seen_vendor:
                cpu.vendor, seen_vendor = _text(c) or None, True
        elif c.tag == "feature" and c.get("name"):
            cpu.features.append(CpuFeature(c.attrs["name"], c.get("policy") or "require"))
        elif c.tag != "#text":
            cpu.children.append(c)
    topology = next((c for c in cpu.children if c.tag == "topology"), None)
    cpu.topology = dict(topology.attrs) if topology is not None else None
    numa = next((c for c in cpu.children if c.tag == "numa"), None)
    cells = [] if numa is None else [c for c in numa.children if c.tag == "cell"]
    cpu.numa_cells = len(cells)
    cpu.numa_memory_kib = sum(scale_attr(c.get("memory"), c.get("unit")) for c in cells)
    if cpu.mode is None:
        cpu.mode = "custom"
    if cpu.mode == "custom" and cpu.model:
        cpu.match = cpu.match or "exact"
        cpu.model_attrs.setdefault("fallback", "allow")
    return cpu


def _parse_devices(devices: RawElement, d: DomainDef) -> None:
    for c in devices.children:
        if c.tag == "emulator":
            d.emulator = _text(c).strip() or None
            continue
        dev = parse_device(c)
        if dev is None:
            continue
        if isinstance(dev, Chr):
            d.chr_list(dev.kind).append(dev)
        elif isinstance(dev, Video):
            if dev.primary:
                d.videos.insert(0, dev)
            else:
                d.videos.append(dev)
        elif isinstance(dev, Memballoon):
            if d.memballoon is not None:
                raise errors.conf_internal("only a single memory balloon device is supported")
            d.memballoon = dev
        else:
            # in document order: the model puts disks and controllers in libvirt's order afterwards
            lists: dict[type, list[Any]] = {Disk: d.disks, Controller: d.controllers, Interface: d.interfaces,
                                            Input: d.inputs, Graphics: d.graphics, Sound: d.sounds,
                                            Audio: d.audios, Redirdev: d.redirdevs, Watchdog: d.watchdogs,
                                            RngDevice: d.rngs, GenericDevice: d.others}
            lists[type(dev)].append(dev)
    if any(c.type == "usb" and c.model == "none" for c in d.controllers):
        if any(i.bus == "usb" for i in d.inputs):
            raise errors.conf_unsupported("Can't add USB input device. USB bus is disabled")
        if any(g.tag == "hostdev" and g.type == "usb" for g in d.others):
            raise errors.conf_unsupported("Can't add host USB device: USB is disabled in this host")
    for i, con in enumerate(d.consoles):
        if "port" not in con.target_attrs:
            con.port_generated = True
        con.target_attrs["port"] = str(i)  # console ports are positional
