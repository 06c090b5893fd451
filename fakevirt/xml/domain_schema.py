"""VIR_DOMAIN_DEFINE_VALIDATE: a small stand-in for libvirt's RelaxNG check (domain.rng).

It knows the top-level elements, the attributes of <domain> and of the modelled devices, and the
content of <memory>, <vcpu>, <uuid> and <os>; the messages are those libxml2's validator prints
for such mistakes.  Deeper content (inside <features>, <cpu>, device children, ...) is not checked.
"""

from __future__ import annotations

import re

from ..errors import VirtError
from ..errors import xml as xml_errors
from ..model.devices import RawElement
from .domain_parse import KEPT_TOPLEVEL, VIRT_TYPES

SCHEMA = "/usr/share/libvirt/schemas/domain.rng"
_TOP = {"name", "uuid", "title", "description", "metadata", "memory", "currentMemory", "vcpu", "os",
        "features", "cpu", "clock", "on_poweroff", "on_reboot", "on_crash", "pm", "devices", "seclabel",
        *KEPT_TOPLEVEL}
_FIRST_GROUP = {"name", "uuid", "genid", "title", "description", "metadata", "maxMemory", "memory",
                "currentMemory", "vcpu"}
_OS_CHILDREN = {"type", "loader", "nvram", "kernel", "initrd", "cmdline", "dtb", "root", "boot", "bootmenu",
                "bios", "smbios", "acpi", "init", "initarg", "initenv", "initdir", "inituser", "initgroup",
                "firmware"}
_FEATURES = {"acpi", "apic", "pae", "hap", "viridian", "privnet", "hyperv", "kvm", "xen", "pvspinlock",
             "capabilities", "pmu", "vmport", "gic", "smm", "ioapic", "hpt", "vmcoreinfo", "htm", "nested-hv",
             "msrs", "ccf-assist", "cfpc", "sbbc", "ibs", "tcg", "async-teardown", "ras", "ps2"}
_DEVICE_ATTRS: dict[str, set[str]] = {
    "disk": {"type", "device", "model", "rawio", "sgio", "snapshot"},
    "interface": {"type", "trustGuestRxFilters"},
    "controller": {"type", "index", "model", "ports", "vectors", "maxGrantFrames", "maxEventChannels"},
    "serial": {"type"}, "parallel": {"type"}, "console": {"type", "tty"}, "channel": {"type"},
    "input": {"type", "bus", "model"},
    "graphics": {"type", "port", "autoport", "tlsPort", "websocket", "listen", "keymap", "sharePolicy",
                 "passwd", "passwdValidTo", "connected", "defaultMode", "socket", "display", "xauth",
                 "fullscreen", "powerControl", "multiUser", "replaceUser"},
    "video": set(), "sound": {"model"}, "audio": {"id", "type", "timerPeriod", "serverName", "server"},
    "memballoon": {"model", "autodeflate", "freePageReporting"}, "rng": {"model"},
    "watchdog": {"model", "action"}, "redirdev": {"bus", "type"},
}
_OTHER_DEVICES = {"emulator", "lease", "filesystem", "smartcard", "tpm", "hostdev", "redirfilter", "hub",
                  "nvram", "panic", "shmem", "memory", "iommu", "vsock", "crypto"}
_UUID_RE = re.compile(r"^[a-fA-F0-9]{8}-?[a-fA-F0-9]{4}-?[a-fA-F0-9]{4}-?[a-fA-F0-9]{4}-?[a-fA-F0-9]{12}$")


def _fail(*lines: str) -> VirtError:
    return xml_errors.schema_invalid(SCHEMA, *lines)


def _bad(tag: str, *first: str) -> VirtError:
    seq = ("Invalid sequence in interleave",) if tag in _FIRST_GROUP else ()
    return _fail(*first, f"Extra element {tag} in interleave", *seq, "Element domain failed to validate content")


def validate_domain(root: RawElement) -> None:
    """Raise VIR_ERR_XML_INVALID_SCHEMA if the document breaks the (known part of the) schema."""
    if root.tag != "domain":
        return  # the parser reports the wrong root element itself
    for attr in root.attrs:
        if attr not in ("type", "id") and not attr.startswith("xmlns"):
            raise _fail(f"Invalid attribute {attr} for element domain")
    if root.attrs.get("type") not in VIRT_TYPES:
        raise _fail("Element domain failed to validate content")
    kids = [c for c in root.children if c.tag != "#text"]
    for c in kids:
        if c.tag not in _TOP and ":" not in c.tag:
            raise _fail(f"Element domain has extra content: {c.tag}")
    if root.find("name") is None:
        raise _fail("Expecting an element name, got nothing", "Invalid sequence in interleave",
                    "Invalid sequence in interleave", "Element domain failed to validate content")
    for c in kids:
        _check(c)


def _check(el: RawElement) -> None:
    if el.tag in ("memory", "currentMemory"):
        allowed = {"unit", "dumpCore"} if el.tag == "memory" else {"unit"}
        _attrs(el, allowed)
        if not (el.text or "").strip().isdigit():
            raise _bad(el.tag, f"Type unsignedLong doesn't allow value '{el.text or ''}'")
    elif el.tag == "vcpu":
        if not (el.text or "").strip().isdigit() or set(el.attrs) - {"placement", "cpuset", "current"}:
            raise _bad("vcpu")
    elif el.tag == "uuid":
        if not _UUID_RE.match((el.text or "").strip()):
            raise _bad("uuid")
    elif el.tag == "os":
        _attrs(el, {"firmware"})
        for c in el.children:
            if c.tag != "#text" and c.tag not in _OS_CHILDREN:
                raise _bad("os", f"Element os has extra content: {c.tag}")
    elif el.tag == "clock":
        if set(el.attrs) - {"offset", "adjustment", "basis", "timezone"}:
            raise _bad("clock", "Expecting an element timer, got nothing")
    elif el.tag == "features":
        if any(c.tag not in _FEATURES for c in el.children if c.tag != "#text"):
            raise _bad("features")
    elif el.tag == "devices":
        for dev in el.children:
            if dev.tag == "#text":
                continue
            if dev.tag not in _DEVICE_ATTRS and dev.tag not in _OTHER_DEVICES:
                raise _bad("devices")
            if dev.tag in _DEVICE_ATTRS and set(dev.attrs) - _DEVICE_ATTRS[dev.tag]:
                raise _bad("devices")


def _attrs(el: RawElement, allowed: set[str]) -> None:
    for attr in el.attrs:
        if attr not in allowed:
            raise _bad(el.tag, f"Invalid attribute {attr} for element {el.tag}")
