"""<cputune>, <memtune>, <blkiotune>, <numatune>, <iothreads>/<iothreadids> and <perf>: parsed into
the typed ``Tuning`` of a definition and formatted back as libvirt 9.0 formats them."""

from __future__ import annotations

import re
from collections.abc import Callable

from ..errors import domain as errors
from ..model.devices import RawElement
from ..model.domain_tuning.cpuset import parse_cpuset
from ..model.domain_tuning.state import (
    PERF_EVENTS,
    SCHED_FIELDS,
    BlkioDevice,
    CpuSet,
    IOThread,
    Tuning,
    format_cpuset,
)
from .domain_tree import raw_lines

TUNING_TAGS = ("cputune", "memtune", "blkiotune", "numatune", "iothreads", "iothreadids", "perf")
MEMTUNE_FIELDS = ("hard_limit", "soft_limit", "min_guarantee", "swap_hard_limit")  # libvirt's format order
BLKIO_DEVICE_FIELDS = ("weight", "read_iops_sec", "write_iops_sec", "read_bytes_sec", "write_bytes_sec")
NUMA_MODES = ("strict", "preferred", "interleave", "restrictive")
_INT = re.compile(r"\s*[-+]?[0-9]+\s*")


def _int(el: RawElement, what: str) -> int:
    text = el.text or ""
    if not _INT.fullmatch(text):
        raise errors.xml_error(f"invalid value for {what} '{text}'")
    return int(text)


def _uint_attr(el: RawElement, name: str, what: str) -> int:
    value = el.get(name)
    if value is None or not value.strip().isdigit():
        raise errors.xml_error(f"missing or invalid {what}")
    return int(value)


def _cpuset_attr(el: RawElement) -> CpuSet:
    value = el.get("cpuset")
    if value is None:
        raise errors.xml_error("missing cpuset for vcpupin")
    cpus = parse_cpuset(value)
    if not cpus:
        raise errors.xml_error(f"Invalid value of 'cpuset': {value}")
    return cpus


def parse_tuning(root: RawElement, memory_kib_parser: Callable[[RawElement, str], int | None]) -> Tuning:
    """The typed tuning of a <domain> element (``memory_kib_parser`` is virDomainParseMemory)."""
    t = Tuning()
    iothread_pins: list[tuple[int, CpuSet]] = []
    if (el := root.find("cputune")) is not None:
        iothread_pins = _parse_cputune(el, t)
    if (el := root.find("memtune")) is not None:
        for name in MEMTUNE_FIELDS:
            if (child := el.find(name)) is not None:
                setattr(t.memtune, name, memory_kib_parser(child, f"./memtune/{name}[1]"))
    if (el := root.find("blkiotune")) is not None:
        _parse_blkiotune(el, t)
    if (el := root.find("numatune")) is not None:
        _parse_numatune(el, t)
    _parse_iothreads(root, t, iothread_pins)
    t.acpi = (features := root.find("features")) is not None and features.find("acpi") is not None
    if (el := root.find("perf")) is not None:
        for ev in el.findall("event"):
            name = ev.get("name") or ""
            if name not in PERF_EVENTS:
                raise errors.conf_unsupported(f"Invalid perf event {name}")
            if name in t.perf:
                raise errors.conf_unsupported(f"perf event '{name}' was already specified")
            t.perf[name] = ev.get("enabled") == "yes"
    return t


def _parse_cputune(el: RawElement, t: Tuning) -> list[tuple[int, CpuSet]]:
    """The scheduler values and vCPU/emulator pins; returns the IOThread pins (read with the ids)."""
    ct = t.cputune
    for name, tag in SCHED_FIELDS:
        if (child := el.find(tag)) is not None:
            ct.sched[name] = _int(child, tag)
    for pin in el.findall("vcpupin"):
        vcpu = _uint_attr(pin, "vcpu", "vcpu id in vcpupin")
        if vcpu in ct.vcpupin:
            raise errors.xml_error(f"duplicate vcpupin for vcpu '{vcpu}'")
        ct.vcpupin[vcpu] = _cpuset_attr(pin)
    if (emulator := el.find("emulatorpin")) is not None:
        ct.emulatorpin = _cpuset_attr(emulator)
    ct.rest = [c for c in el.children if c.tag not in {tag for _, tag in SCHED_FIELDS}
               | {"vcpupin", "emulatorpin", "iothreadpin", "#text"}]
    return [(_uint_attr(p, "iothread", "iothread id in iothreadpin"), _cpuset_attr(p)) for p in el.findall("iothreadpin")]


def _parse_blkiotune(el: RawElement, t: Tuning) -> None:
    if (w := el.find("weight")) is not None:
        t.blkiotune.weight = _int(w, "blkio weight")
    for dev in el.findall("device"):
        path = dev.find("path")
        if path is None or not path.text:
            raise errors.xml_error("missing per-device path")
        entry = BlkioDevice(path.text)
        for name in BLKIO_DEVICE_FIELDS:
            if (child := dev.find(name)) is not None:
                setattr(entry, name, _int(child, f"device {name}"))
        t.blkiotune.devices.append(entry)


def _parse_numatune(el: RawElement, t: Tuning) -> None:
    nt = t.numatune
    nt.memnodes = el.findall("memnode")
    if (mem := el.find("memory")) is None:
        return
    mode = mem.get("mode")
    if mode is not None and mode not in NUMA_MODES:
        raise errors.conf_unsupported(f"Unsupported NUMA memory tuning mode '{mode}'")
    nt.mode = mode
    nt.placement = mem.get("placement")
    if (nodeset := mem.get("nodeset")) is not None:
        nt.nodeset = parse_cpuset(nodeset)
        nt.placement = nt.placement or "static"


def _parse_iothreads(root: RawElement, t: Tuning, pins: list[tuple[int, CpuSet]]) -> None:
    count = 0
    if (el := root.find("iothreads")) is not None:
        count = _int(el, "iothreads count")
        if count < 0:
            raise errors.xml_error("invalid iothreads count")
    if (ids := root.find("iothreadids")) is not None:
        for th in ids.findall("iothread"):
            tid = _uint_attr(th, "id", "iothread id")
            if tid == 0:
                raise errors.xml_error("invalid iothread 'id' value '0'")
            if t.iothread(tid) is not None:
                raise errors.xml_error(f"duplicate iothread id '{tid}' found")
            explicit = IOThread(tid, autofill=False)
            for attr in ("thread_pool_min", "thread_pool_max"):
                if (value := th.get(attr)) is not None:
                    if not _INT.fullmatch(value):
                        raise errors.xml_error(f"invalid value for {attr} '{value}'")
                    setattr(explicit, attr, int(value))
            t.iothreads.append(explicit)
    # virDomainDefPostParseIOThreads: the lowest free ids fill up to <iothreads>
    next_id = 1
    while len(t.iothreads) < count:
        if t.iothread(next_id) is None:
            t.iothreads.append(IOThread(next_id))
        next_id += 1
    for tid, cpus in pins:
        thread = t.iothread(tid)
        if thread is None:
            raise errors.conf_unsupported(f"Cannot find 'iothread' : {tid}")
        thread.cpuset, thread.autofill = cpus, False


def format_resources(t: Tuning) -> list[str]:
    """<blkiotune> and <memtune> (before <memoryBacking>)."""
    out: list[str] = []
    b = t.blkiotune
    if b.weight or b.devices:
        out.append("  <blkiotune>")
        if b.weight:
            out.append(f"    <weight>{b.weight}</weight>")
        for dev in b.devices:
            out += ["    <device>", f"      <path>{dev.path}</path>"]
            out += [f"      <{n}>{getattr(dev, n)}</{n}>" for n in BLKIO_DEVICE_FIELDS if getattr(dev, n)]
            out.append("    </device>")
        out.append("  </blkiotune>")
    m = t.memtune
    limits = [(n, getattr(m, n)) for n in MEMTUNE_FIELDS if getattr(m, n) is not None]
    if limits:
        out += ["  <memtune>", *(f"    <{n} unit='KiB'>{v}</{n}>" for n, v in limits), "  </memtune>"]
    return out


def format_iothreads(t: Tuning) -> list[str]:
    """<iothreads> and, when one id was chosen rather than filled in, <iothreadids>."""
    if not t.iothreads:
        return []
    out = [f"  <iothreads>{len(t.iothreads)}</iothreads>"]
    if any(not th.autofill for th in t.iothreads):
        out += ["  <iothreadids>", *(f"    <iothread id='{th.id}'{_pool_attrs(th)}/>" for th in t.iothreads),
                "  </iothreadids>"]
    return out


def _pool_attrs(th: IOThread) -> str:
    return "".join(f" {a}='{v}'" for a in ("thread_pool_min", "thread_pool_max") if (v := getattr(th, a)) is not None)


def format_cputune(t: Tuning) -> list[str]:
    ct = t.cputune
    # a zero period or quota is "not set"; shares are formatted whenever specified
    body = [f"    <{tag}>{ct.sched[name]}</{tag}>" for name, tag in SCHED_FIELDS
            if name in ct.sched and (ct.sched[name] or name == "cpu_shares")]
    body += [f"    <vcpupin vcpu='{v}' cpuset='{format_cpuset(c)}'/>" for v, c in sorted(ct.vcpupin.items())]
    if ct.emulatorpin is not None:
        body.append(f"    <emulatorpin cpuset='{format_cpuset(ct.emulatorpin)}'/>")
    body += [f"    <iothreadpin iothread='{th.id}' cpuset='{format_cpuset(th.cpuset)}'/>"
             for th in t.iothreads if th.cpuset is not None]
    for el in ct.rest:
        body += raw_lines(el, 4)
    return ["  <cputune>", *body, "  </cputune>"] if body else []


def format_numatune(t: Tuning) -> list[str]:
    nt = t.numatune
    if nt.mode is None and nt.nodeset is None and nt.placement is None and not nt.memnodes:
        return []
    out = ["  <numatune>"]
    if nt.mode is not None or nt.nodeset is not None or nt.placement is not None:
        attrs = f" mode='{nt.mode or 'strict'}'"
        if nt.placement == "auto":
            attrs += " placement='auto'"
        elif nt.nodeset is not None:
            attrs += f" nodeset='{format_cpuset(nt.nodeset)}'"
        out.append(f"    <memory{attrs}/>")
    for el in nt.memnodes:
        out += raw_lines(el, 4)
    return [*out, "  </numatune>"]


def format_perf(t: Tuning) -> list[str]:
    if not t.perf:
        return []
    return ["  <perf>", *(f"    <event name='{n}' enabled='{'yes' if on else 'no'}'/>" for n, on in t.perf.items()),
            "  </perf>"]


def format_vcpus(vcpus: int, t: Tuning) -> list[str] | None:
    """<vcpus> once vCPUs were switched one by one (None: the definition has none of its own)."""
    if t.vcpus_online is None:
        return None
    fixed = t.vcpus_fixed or 0
    out = ["  <vcpus>"]
    for v in range(vcpus):
        on = v in t.vcpus_online
        order = f" order='{t.vcpus_online.index(v) + 1}'" if on and t.vcpus_ordered else ""
        out.append(f"    <vcpu id='{v}' enabled='{'yes' if on else 'no'}' hotpluggable='{'no' if v < fixed else 'yes'}'"
                   f"{order}/>")
    return [*out, "  </vcpus>"]
