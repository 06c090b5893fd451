"""The test driver's documents: capabilities (testBuildCapabilities), sysinfo, volumes and interfaces."""

from __future__ import annotations

from ..model.storage_defs import Volume
from ..model.testdriver.node import NodeDefinition, NodeInterface
from ..model.testdriver.storage import TestStorage
from .fmt import sax_escape

PAGE_SIZES = (4, 8, 2048, 1048576)  # KiB
EMULATOR = "/usr/bin/test-hv"

SYSINFO_XML = """<sysinfo type='smbios'>
  <bios>
    <entry name='vendor'>LENOVO</entry>
    <entry name='version'>G4ETA1WW (2.61 )</entry>
    <entry name='date'>05/07/2014</entry>
    <entry name='release'>2.61</entry>
  </bios>
</sysinfo>
"""


def _topology(node: NodeDefinition) -> list[str]:
    if not node.cells:  # a node file's host has no NUMA cells, and says so
        return ["    <topology>", "      <cells num='0'>", "      </cells>", "    </topology>"]
    out = ["    <topology>", f"      <cells num='{len(node.cells)}'>"]
    for i, cell in enumerate(node.cells):
        first = PAGE_SIZES[1] if i == 1 else PAGE_SIZES[0]
        out += [f"        <cell id='{i}'>", f"          <memory unit='KiB'>{cell.memory_kib}</memory>",
                f"          <pages unit='KiB' size='{first}'>{cell.memory_kib // first}</pages>",
                *(f"          <pages unit='KiB' size='{s}'>0</pages>" for s in PAGE_SIZES[2:]),
                f"          <cpus num='{len(cell.cpus)}'>"]
        out += [f"            <cpu id='{c}' socket_id='{cell.socket}' die_id='0' core_id='{c % 8}' siblings='{c}'/>"
                for c in cell.cpus]
        out += ["          </cpus>", "        </cell>"]
    return [*out, "      </cells>", "    </topology>"]


def _guest(os_type: str) -> list[str]:
    return ["  <guest>", f"    <os_type>{os_type}</os_type>", "    <arch name='i686'>",
            "      <wordsize>32</wordsize>", f"      <emulator>{EMULATOR}</emulator>",
            "      <domain type='test'/>", "    </arch>", "    <features>", "      <pae/>", "      <nonpae/>",
            "    </features>", "  </guest>", ""]


def test_capabilities_xml(node: NodeDefinition) -> str:
    """virConnectGetCapabilities of a test-driver connection."""
    host = ["<capabilities>", "", "  <host>", "    <cpu>", "      <arch>i686</arch>", "      <features>",
            "        <pae/>", "        <nonpae/>", "      </features>",
            *(f"      <pages unit='KiB' size='{s}'/>" for s in PAGE_SIZES), "    </cpu>",
            "    <power_management/>", "    <iommu support='no'/>", *_topology(node),
            "    <secmodel>", "      <model>testSecurity</model>", "      <doi></doi>", "    </secmodel>",
            "  </host>", ""]
    return "\n".join([*host, *_guest("hvm"), *_guest("xen"), "</capabilities>", ""])


def test_vol_xml(storage: TestStorage, vol: Volume) -> str:
    """testStorageVolGetXMLDesc: the volume's definition, nothing read from a file."""
    return "\n".join([
        "<volume type='file'>", f"  <name>{sax_escape(vol.name)}</name>", f"  <key>{sax_escape(vol.key)}</key>",
        f"  <capacity unit='bytes'>{storage.capacity(vol)}</capacity>",
        f"  <allocation unit='bytes'>{storage.allocation(vol)}</allocation>", "  <target>",
        f"    <path>{sax_escape(vol.path)}</path>", f"    <format type='{storage.format_of(vol)}'/>", "  </target>",
        "</volume>", ""])


def test_interface_xml(i: NodeInterface) -> str:
    """virInterfaceDefFormat of an ethernet interface: start, mtu, protocol, then the MAC."""
    lines = [f"<interface type='{i.type}' name='{sax_escape(i.name)}'>"]
    if i.start_mode:
        lines.append(f"  <start mode='{i.start_mode}'/>")
    if i.mtu:
        lines.append(f"  <mtu size='{i.mtu}'/>")
    if i.ipv4 or i.gateway:
        lines.append("  <protocol family='ipv4'>")
        if i.ipv4:
            lines.append(f"    <ip address='{i.ipv4[0]}' prefix='{i.ipv4[1]}'/>")
        if i.gateway:
            lines.append(f"    <route gateway='{i.gateway}'/>")
        lines.append("  </protocol>")
    if i.mac:
        lines.append(f"  <mac address='{i.mac}'/>")
    return "\n".join([*lines, "</interface>", ""])
