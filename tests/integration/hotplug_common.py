"""Memory and vCPU hot-plug limits, PM wakeup and perf events at start, asked of fakevirt and of the
reference daemon the same way: each scenario returns what every step answered."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from contextlib import contextmanager

import libvirt

LIVE, CONFIG = libvirt.VIR_DOMAIN_AFFECT_LIVE, libvirt.VIR_DOMAIN_AFFECT_CONFIG
CELL = "<cpu><numa><cell id='0' cpus='0' memory='131072' unit='KiB'/></numa></cpu>"


def domain_xml(name: str, *, acpi: bool = True, max_memory: bool = True, numa: bool = True, vcpus: str = "<vcpu>1</vcpu>",
               extra: str = "") -> str:
    return f"""<domain type='qemu'><name>{name}</name>
  {"<maxMemory slots='2' unit='KiB'>524288</maxMemory>" if max_memory else ""}
  <memory unit='KiB'>131072</memory>{vcpus}
  <os><type arch='x86_64' machine='pc'>hvm</type></os>{"<features><acpi/></features>" if acpi else ""}
  {CELL if numa else ""}{extra}
  <devices><emulator>/usr/bin/qemu-system-x86_64</emulator></devices>
</domain>"""


def dimm(size: int, node: int | None = 0, extra: str = "") -> str:
    target = f"<size unit='KiB'>{size}</size>" + (f"<node>{node}</node>" if node is not None else "")
    return f"<memory model='dimm'><target>{target}</target>{extra}</memory>"


def outcome(fn: Callable[..., object], *args: object) -> object:
    try:
        result = fn(*args)
    except libvirt.libvirtError as e:
        return (e.get_error_code(), e.get_error_domain(), e.get_error_message())
    return "ok" if result in (0, None) else result


def memory_lines(xml: str) -> list[str]:
    return re.findall(r"<memory unit.*|<currentMemory.*|<size.*|<address type='dimm'.*|<alias name='dimm.*", xml)


@contextmanager
def cleanup(conn: libvirt.virConnect, *names: str) -> Iterator[None]:
    """Removes the domains before and after (the reference keeps what a failed run left)."""
    def clear() -> None:
        for name in names:
            try:
                dom = conn.lookupByName(name)
            except libvirt.libvirtError:
                continue
            persistent = dom.isPersistent()
            if dom.isActive():
                dom.destroy()
            if persistent:
                dom.undefine()
    clear()
    try:
        yield
    finally:
        clear()


def dimm_config(conn: libvirt.virConnect) -> list[object]:
    """Cold-plugged DIMMs: node and slot checks, maxMemory, totals, detach."""
    with cleanup(conn, "hp-cold", "hp-nomax", "hp-nonuma"):
        dom = conn.defineXML(domain_xml("hp-cold"))
        out = [outcome(dom.attachDeviceFlags, x, CONFIG) for x in (
            dimm(1000), dimm(131072, 1), dimm(131072, None), dimm(131072, 0, "<address type='dimm' slot='5'/>"),
            dimm(393216))]
        out.append(memory_lines(dom.XMLDesc(libvirt.VIR_DOMAIN_XML_INACTIVE)))
        out += [outcome(dom.detachDeviceFlags, dimm(131072), CONFIG), outcome(dom.detachDeviceFlags, dimm(1000), CONFIG)]
        out.append(memory_lines(dom.XMLDesc(libvirt.VIR_DOMAIN_XML_INACTIVE)))
        nomax = conn.defineXML(domain_xml("hp-nomax", max_memory=False))
        out.append(outcome(nomax.attachDeviceFlags, dimm(131072), CONFIG))
        out.append(outcome(conn.defineXML, domain_xml("hp-nonuma", numa=False)))
        return out


def dimm_live(conn: libvirt.virConnect) -> list[object]:
    """Hot-plugged DIMMs: QEMU's checks, the slot count, addresses and aliases, the no-ACPI guest."""
    with cleanup(conn, "hp-hot", "hp-noacpi"):
        dom = conn.createXML(domain_xml("hp-hot"))
        out = [outcome(dom.attachDeviceFlags, x, LIVE) for x in (
            dimm(1000), dimm(131072, None), dimm(131072), dimm(4096), dimm(2048), dimm(393216),
            dimm(131072, 0, "<address type='dimm' slot='7'/>"))]
        out.append(memory_lines(dom.XMLDesc(0)))
        out.append(outcome(dom.detachDeviceFlags, dimm(8192), LIVE))
        noacpi = conn.createXML(domain_xml("hp-noacpi", acpi=False))
        out.append(outcome(noacpi.attachDeviceFlags, dimm(131072), LIVE))
        return out


def dimm_at_start(conn: libvirt.virConnect) -> list[object]:
    """A started domain's DIMMs: sizes in 2 MiB, addresses in device order, aliases by slot; <memory>
    comes from the NUMA cells."""
    with cleanup(conn, "hp-start"):
        dom = conn.defineXML(domain_xml("hp-start").replace("131072</memory>", "999999</memory>"))
        out: list[object] = [memory_lines(dom.XMLDesc(libvirt.VIR_DOMAIN_XML_INACTIVE))]
        dom.attachDeviceFlags(dimm(1000, 0, "<address type='dimm' slot='1'/>"), CONFIG)
        dom.attachDeviceFlags(dimm(65536), CONFIG)
        dom.create()
        lines = memory_lines(dom.XMLDesc(0))
        return out + [[x for x in lines if not x.startswith("<currentMemory")]]


def vcpus_and_wakeup(conn: libvirt.virConnect) -> list[object]:
    """setvcpus --live below the boot vCPUs or without ACPI, and PM wakeup of a running guest."""
    with cleanup(conn, "hp-cpu", "hp-cpu-acpi"):
        plain = conn.createXML(domain_xml("hp-cpu", acpi=False, vcpus="<vcpu current='2'>4</vcpu>"))
        acpi = conn.createXML(domain_xml("hp-cpu-acpi", vcpus="<vcpu current='2'>4</vcpu>"))
        out = [outcome(plain.setVcpusFlags, n, LIVE) for n in (3, 5, 1, 4, 2)]
        out += [plain.vcpusFlags(LIVE), outcome(acpi.setVcpusFlags, 1, LIVE)]
        out += [outcome(plain.pMWakeup, 0), outcome(acpi.pMWakeup, 0)]
        return out


def perf_at_start(conn: libvirt.virConnect) -> list[object]:
    """perf events the host cannot count make the start fail; the domain stays defined and off."""
    out: list[object] = []
    with cleanup(conn, "hp-perf"):
        for events in (("cmt", "cpu_cycles"), ("instructions",)):
            perf = "<perf>" + "".join(f"<event name='{e}' enabled='yes'/>" for e in events) + "</perf>"
            out.append(outcome(conn.createXML, domain_xml("hp-perf", extra=perf)))
        dom = conn.defineXML(domain_xml("hp-perf", extra="<perf><event name='cpu_cycles' enabled='yes'/></perf>"))
        out += [outcome(dom.create), dom.isActive()]
    return out
