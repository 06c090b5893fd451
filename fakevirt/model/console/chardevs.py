"""Which character device a console or channel open names, as qemuDomainOpenConsole/Channel find it."""

from __future__ import annotations

from ...errors import console as errors
from ..devices import Chr
from ..domaindef import DomainDef


def device_key(chr_: Chr, fallback: str) -> str:
    """What virChrdevOpen locks: the host side of the device (a <console> mirroring the first
    <serial> shares its pty, so both names lock the same device)."""
    path = chr_.sources[0].get("path") if chr_.sources else None
    return f"{chr_.type}:{path}" if path else fallback


def find_console(d: DomainDef, dev_name: str | None) -> tuple[Chr, str]:
    """The console, serial or parallel ``dev_name`` names (consoles by their qemu alias
    ``consoleN``), or the first console, else the first serial; and its lock key."""
    found: tuple[Chr, str] | None = None
    if dev_name is None:
        if d.consoles:
            found = d.consoles[0], "console0"
        elif d.serials:
            found = d.serials[0], d.serials[0].alias or "serial0"
    else:
        candidates = [(c, f"console{i}") for i, c in enumerate(d.consoles)]
        candidates += [(c, c.alias or "") for c in [*d.serials, *d.parallels]]
        found = next(((c, a) for c, a in candidates if a == dev_name), None)
    if found is None:
        raise errors.no_chardev(dev_name)
    chr_, alias = found
    if chr_.type != "pty":
        raise errors.not_pty(dev_name if dev_name is not None else alias)
    if d.consoles and chr_ is d.consoles[0] and chr_.target_type in (None, "serial") and d.serials:
        chr_ = d.serials[0]  # the first <console> is the first <serial>'s pty
        alias = chr_.alias or alias
    return chr_, device_key(chr_, alias)


def find_channel(d: DomainDef, name: str | None) -> tuple[Chr, str]:
    """The channel of alias ``name`` or virtio target name ``name`` (the last match wins, as the
    QEMU driver's loop lets it), or the first channel; and its lock key."""
    found: Chr | None = None
    if name is None:
        found = d.channels[0] if d.channels else None
    else:
        for c in d.channels:
            if c.alias == name or (c.target_type == "virtio" and c.target_attrs.get("name") == name):
                found = c
    if found is None:
        raise errors.no_channel(name)
    if found.type != "unix":
        raise errors.channel_not_unix(name if name is not None else found.alias or "")
    return found, device_key(found, found.alias or "")
