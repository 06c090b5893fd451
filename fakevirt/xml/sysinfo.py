"""virConnectGetSysinfo: the host's SMBIOS data as ``<sysinfo type='smbios'>`` (virSysinfoFormat)."""

from __future__ import annotations

from dataclasses import astuple, fields
from typing import Any

from ..errors import connect as err
from ..model.host import HostInfo
from .fmt import El, el, render


def sysinfo_xml(host: HostInfo) -> str:
    """The sysinfo document for ``host``.

    Entries dmidecode would not have printed (None) are left out, and so are processors and
    memory devices with no entry at all, as libvirt does.

    Raises:
        VirtError: CONFIG_UNSUPPORTED when the host has no SMBIOS data, as qemuConnectGetSysinfo.
    """
    smbios = host.sysinfo()
    if smbios is None:
        raise err.no_sysinfo()
    root = el("sysinfo", type="smbios")
    for tag, section in (("bios", smbios.bios), ("system", smbios.system)):
        if section is not None:
            root.children.append(_section(tag, section))
    root.extend(_section("baseBoard", b) for b in smbios.base_boards)
    if smbios.chassis is not None:
        root.children.append(_section("chassis", smbios.chassis))
    root.extend(_section("processor", p) for p in smbios.processors if any(v is not None for v in astuple(p)))
    root.extend(_section("memory_device", m) for m in smbios.memory_devices
                if any(v is not None for v in astuple(m)))
    if smbios.oem_strings is not None:
        oem = root.add("oemStrings")
        for value in smbios.oem_strings:
            oem.add("entry", value)
    return render(root)


def _section(tag: str, section: Any) -> El:
    """``<tag>`` with one ``<entry name='field'>`` per set field, in declaration order."""
    out = el(tag)
    for f in fields(section):
        value = getattr(section, f.name)
        if value is not None:
            out.add("entry", value, name=f.name)
    return out
