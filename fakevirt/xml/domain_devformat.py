"""Format devices as the QEMU driver's ``dumpxml`` prints them (virDomain*DefFormat)."""

from __future__ import annotations

from dataclasses import dataclass

from ..model.devices import (
    Address,
    Audio,
    Chr,
    Controller,
    Device,
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
from .disk_iotune import format_iotune
from .domain_devparts import (
    element,
    format_auth,
    format_backing_store,
    format_bandwidth,
    format_encryption,
    format_filterref,
    hostdev_children,
)
from .domain_tree import attrs_str, raw_lines
from .fmt import escape
from .mirror import format_mirror


@dataclass(frozen=True)
class Flags:
    """What kind of document is being written (VIR_DOMAIN_XML_* flags)."""

    inactive: bool = False
    secure: bool = False
    migratable: bool = False


def ordered(attrs: dict[str, str], order: tuple[str, ...]) -> list[tuple[str, str]]:
    """Known attributes in libvirt's order, then the rest as given."""
    known = [(k, attrs[k]) for k in order if k in attrs]
    return known + [(k, v) for k, v in attrs.items() if k not in order]


def address_attrs(a: Address) -> list[tuple[str, str]]:
    f = a.fields
    out = [("type", a.type)]
    if a.type == "pci":
        if a.is_pci:
            out += [("domain", f"0x{a.num('domain'):04x}"), ("bus", f"0x{a.num('bus'):02x}"),
                    ("slot", f"0x{a.num('slot'):02x}"), ("function", f"0x{a.num('function'):x}")]
        if "multifunction" in f:
            out.append(("multifunction", str(f["multifunction"])))
        return out + [(k, str(v)) for k, v in f.items() if k not in ("domain", "bus", "slot", "function",
                                                                        "multifunction")]
    order = {"drive": ("controller", "bus", "target", "unit"), "virtio-serial": ("controller", "bus", "port"),
             "ccid": ("controller", "slot"), "usb": ("bus", "port"), "dimm": ("slot", "base")}.get(a.type)
    if order is None:
        return out + [(k, str(v)) for k, v in f.items()]
    return out + [(k, str(f[k])) for k in order if k in f] + [(k, str(v)) for k, v in f.items() if k not in order]


def info_lines(dev: Device, flags: Flags, indent: int, boot: int | None = None,
               boot_attrs: dict[str, str] | None = None) -> list[str]:
    """virDomainDeviceInfoFormat: boot, alias, (master), address."""
    pad = " " * indent
    out = []
    if boot:
        out.append(f"{pad}<boot order='{boot}'{attrs_str(boot_attrs or {})}/>")
    if dev.alias and (not flags.inactive or dev.alias.startswith("ua-")):
        out.append(f"{pad}<alias name='{escape(dev.alias)}'/>")
    if isinstance(dev, Controller) and dev.master_startport is not None:
        out.append(f"{pad}<master startport='{dev.master_startport}'/>")
    if dev.address is not None:
        out.append(f"{pad}<address{attrs_str(address_attrs(dev.address))}/>")
    return out


def with_extras(parts: list[tuple[str, list[str]]], extra: list[RawElement], order: tuple[str, ...],
                indent: int) -> list[str]:
    """Merge modelled children with verbatim ones, placed by libvirt's child order."""
    rank = {t: i for i, t in enumerate(order)}
    items = [(rank.get(tag, len(order)), n, lines) for n, (tag, lines) in enumerate(parts)]
    base = len(parts)
    for n, el in enumerate(extra):
        items.append((rank.get(el.tag, rank.get("alias", len(order))), base + n, raw_lines(el, indent)))
    items.sort(key=lambda t: (t[0], t[1]))
    return [line for _, _, lines in items for line in lines]


_DRIVER_ORDER = ("name", "type", "cache", "error_policy", "rerror_policy", "io", "ioeventfd", "event_idx",
                 "copy_on_read", "discard", "iothread", "detect_zeroes", "discard_no_unref", "queues",
                 "queue_size")
_DISK_CHILDREN = ("driver", "auth", "source", "backingStore", "backenddomain", "geometry", "blockio",
                  "mirror", "target", "iotune", "readonly", "shareable", "transient", "serial", "wwn",
                  "vendor", "product", "encryption", "boot", "alias", "address")


def format_disk(disk: Disk, flags: Flags, indent: int) -> list[str]:
    i2 = indent + 2
    attrs = ordered({"type": disk.type, "device": disk.device, **disk.attrs},
                    ("type", "device", "model", "rawio", "sgio", "snapshot"))
    parts: list[tuple[str, list[str]]] = []
    drv = {**({"name": disk.driver_name} if disk.driver_name else {}),
           **({"type": disk.driver_type} if disk.driver_type else {}), **disk.driver_attrs}
    if drv:
        parts.append(("driver", element("driver", ordered(drv, _DRIVER_ORDER), [], i2)))
    src = _disk_source_attrs(disk, flags)
    src_kids = _disk_source_children(disk, i2 + 2)
    if src or src_kids:
        parts.append(("source", element("source", src, src_kids, i2)))
    if disk.auth is not None and not disk.auth.in_source:
        parts.append(("auth", format_auth(disk.auth, i2)))
    if disk.encryption is not None and not disk.encryption.in_source:
        parts.append(("encryption", format_encryption(disk.encryption, i2)))
    tgt = ordered({"dev": disk.target_dev, "bus": disk.target_bus or "", **disk.target_attrs},
                  ("dev", "bus", "tray", "removable", "rotation_rate"))
    parts.append(("target", element("target", tgt, [], i2)))
    if disk.backing is not None:
        parts.append(("backingStore", format_backing_store(disk.backing, i2, inactive=flags.inactive)))
    if disk.mirror is not None and not flags.migratable:
        parts.append(("mirror", format_mirror(disk.mirror, i2)))
    if disk.iotune is not None:
        parts.append(("iotune", format_iotune(disk.iotune, i2)))
    if disk.readonly:
        parts.append(("readonly", [" " * i2 + "<readonly/>"]))
    if disk.shareable:
        parts.append(("shareable", [" " * i2 + "<shareable/>"]))
    if disk.serial is not None:
        parts.append(("serial", element("serial", {}, [], i2, disk.serial)))
    parts.append(("boot", info_lines(disk, flags, i2, disk.boot_order, disk.boot_attrs)))
    return element("disk", attrs, with_extras(parts, disk.extra, _DISK_CHILDREN, i2), indent)


def _disk_source_children(disk: Disk, indent: int) -> list[str]:
    """virDomainDiskSourceFormat: what the source kept, its <auth> and <encryption> before <reservations>."""
    rank = {"auth": 1, "encryption": 2, "reservations": 3}
    items: list[tuple[int, list[str]]] = [(rank.get(c.tag, 0), raw_lines(c, indent)) for c in disk.source_children]
    if disk.auth is not None and disk.auth.in_source:
        items.append((1, format_auth(disk.auth, indent)))
    if disk.encryption is not None and disk.encryption.in_source:
        items.append((2, format_encryption(disk.encryption, indent)))
    return [line for _, lines in sorted(items, key=lambda t: t[0]) for line in lines]


def _disk_source_attrs(disk: Disk, flags: Flags) -> list[tuple[str, str]]:
    extra = {k: v for k, v in disk.source_attrs.items() if not (flags.inactive and k == "index")}
    if disk.type == "volume":
        pool, vol = disk.source_pool, disk.source_volume
        first = [("pool", pool)] if pool else []
        first += [("volume", vol)] if vol else []
        return first + list(extra.items())
    if disk.type == "network":
        proto = extra.pop("protocol", None)
        head = [("protocol", proto)] if proto else []
        head += [("name", disk.source)] if disk.source else []
        return head + list(extra.items())
    key = {"file": "file", "block": "dev", "dir": "dir"}.get(disk.type)
    if key and disk.source is not None:
        return [(key, disk.source), *extra.items()]
    return list(extra.items())


_NET_CHILDREN = ("mac", "source", "vlan", "virtualport", "bandwidth", "port", "ip", "route", "portForward",
                 "script", "downscript", "backenddomain", "target", "guest", "model", "driver", "backend",
                 "filterref", "tune", "teaming", "link", "mtu", "coalesce", "boot", "alias", "rom", "acpi",
                 "address")


def format_interface(n: Interface, flags: Flags, indent: int) -> list[str]:
    i2 = indent + 2
    parts: list[tuple[str, list[str]]] = []
    if n.mac:
        parts.append(("mac", element("mac", [("address", n.mac), *n.mac_attrs.items()], [], i2)))
    key = {"network": "network", "bridge": "bridge", "direct": "dev", "vhostuser": "path"}.get(n.type)
    src_attrs = ([(key, n.source)] if key and n.source is not None else []) + [
        (k, v) for k, v in n.source_attrs.items() if not (flags.inactive and k in ("portid",))]
    src_kids = [line for c in n.source_children for line in raw_lines(c, i2 + 2)]
    if src_attrs or src_kids:
        parts.append(("source", element("source", src_attrs, src_kids, i2)))
    tgt = {**({"dev": n.target_dev} if n.target_dev else {}), **n.target_attrs}
    if tgt:
        parts.append(("target", element("target", tgt, [], i2)))
    if n.model:
        parts.append(("model", [f"{' ' * i2}<model type='{escape(n.model)}'/>"]))
    if n.bandwidth is not None:
        parts.append(("bandwidth", format_bandwidth(n.bandwidth, i2)))
    if n.filterref is not None:
        parts.append(("filterref", format_filterref(n.filterref, i2)))
    parts.append(("boot", info_lines(n, flags, i2, n.boot_order)))
    attrs = [("type", n.type), *n.attrs.items()]
    return element("interface", attrs, with_extras(parts, n.extra, _NET_CHILDREN, i2), indent)


_CONTROLLER_TARGET = ("chassisNr", "chassis", "port", "busNr", "index", "hotplug")


def format_controller(c: Controller, flags: Flags, indent: int) -> list[str]:
    i2 = indent + 2
    attrs = [("type", c.type), ("index", str(c.index if c.index is not None else 0))]
    if c.model:
        attrs.append(("model", c.model))
    attrs += ordered(c.attrs, ("ports", "vectors", "maxGrantFrames", "maxEventChannels"))
    parts: list[tuple[str, list[str]]] = []
    if c.model_name:
        parts.append(("model", [f"{' ' * i2}<model name='{escape(c.model_name)}'/>"]))
    if c.target_attrs:
        tgt = dict(c.target_attrs)
        if "port" in tgt and c.type == "pci":
            try:
                tgt["port"] = hex(int(tgt["port"], 0))
            except ValueError:
                pass
        parts.append(("target", element("target", ordered(tgt, _CONTROLLER_TARGET), [], i2)))
    if c.driver_attrs:
        parts.append(("driver", element("driver", c.driver_attrs, [], i2)))
    parts.append(("alias", info_lines(c, flags, i2)))
    order = ("model", "target", "driver", "alias", "pcihole64")
    return element("controller", attrs, with_extras(parts, c.extra, order, i2), indent)


def format_chr(c: Chr, flags: Flags, indent: int, console_of: Chr | None = None) -> list[str]:
    """A character device; console_of is serial 0 when the console merely aliases it."""
    i2 = indent + 2
    src = console_of or c
    kind = c.kind
    attrs: list[tuple[str, str]] = [("type", src.type)]
    path = next((s.get("path") for s in src.sources if s.get("path")), None)
    port = (console_of or c).target_attrs.get("port", "0") if kind != "channel" else None
    if kind == "console" and src.type == "pty" and not flags.inactive and path and port == "0":
        attrs.append(("tty", path))
    body: list[str] = []
    for s in src.sources:
        body += _chr_source(src, s, flags, i2)
    if src.protocol:
        body.append(f"{' ' * i2}<protocol type='{src.protocol}'/>")
    if src.log_attrs:
        body += element("log", ordered(src.log_attrs, ("file", "append")), [], i2)
    body += _chr_target(c, console_of, flags, i2)
    extra = [line for e in src.extra for line in raw_lines(e, i2)]
    body += extra + info_lines(console_of or c, flags, i2)
    return element(kind, attrs, body, indent)


def _chr_source(c: Chr, s: dict[str, str], flags: Flags, indent: int) -> list[str]:
    kids = [line for e in c.source_children for line in raw_lines(e, indent + 2)]
    if c.type in ("null", "vc", "stdio", "spicevmc"):
        return []
    if c.type == "pty":
        if not s.get("path") or flags.inactive:
            return []
        return element("source", [("path", s["path"])], kids, indent)
    if c.type == "unix":
        if not s.get("path"):
            return []
        return element("source", [("mode", s.get("mode", "bind")), ("path", s["path"]),
                                  *[(k, v) for k, v in s.items() if k not in ("mode", "path")]], kids, indent)
    if c.type == "tcp":
        return element("source", ordered({"mode": "connect", **s}, ("mode", "host", "service", "tls")), kids, indent)
    if c.type in ("dev", "file", "pipe"):
        return element("source", ordered(s, ("path", "append")), kids, indent)
    return element("source", s, kids, indent)


def _chr_target(c: Chr, console_of: Chr | None, flags: Flags, indent: int) -> list[str]:
    pad = " " * indent
    if c.kind == "channel":
        t: list[tuple[str, str]] = [("type", c.target_type or "virtio")]
        t += [(k, v) for k, v in ordered(c.target_attrs, ("address", "port", "name", "state"))
              if not (k == "state" and flags.inactive)]
        return [f"{pad}<target{attrs_str(t)}/>"]
    if c.kind == "console":
        ttype = "serial" if console_of is not None else (c.target_type or "serial")
        return [f"{pad}<target type='{ttype}' port='{c.target_attrs.get('port', '0')}'/>"]
    if c.kind == "parallel":
        return [f"{pad}<target port='{c.target_attrs.get('port', '0')}'/>"]
    head = f"{pad}<target{attrs_str([('type', c.target_type)] if c.target_type else [])}" \
           f" port='{c.target_attrs.get('port', '0')}'"
    if c.target_model:
        return [head + ">", f"{pad}  <model name='{c.target_model}'/>", f"{pad}</target>"]
    return [head + "/>"]


def format_input(i: Input, flags: Flags, indent: int) -> list[str]:
    attrs = [("type", i.type)] + ([("bus", i.bus)] if i.bus else []) + ([("model", i.model)] if i.model else [])
    body = [line for e in i.extra for line in raw_lines(e, indent + 2)] + info_lines(i, flags, indent + 2)
    return element("input", attrs, body, indent)


_GRAPHICS_ORDER = {
    "vnc": ("socket", "port", "autoport", "websocket", "listen", "keymap", "sharePolicy", "powerControl",
            "passwd", "passwdValidTo", "connected"),
    "spice": ("port", "tlsPort", "autoport", "listen", "keymap", "defaultMode", "passwd", "passwdValidTo",
              "connected"),
    "rdp": ("port", "autoport", "replaceUser", "multiUser", "listen"),
}


def format_graphics(g: Graphics, flags: Flags, indent: int) -> list[str]:
    a = dict(g.attrs)
    if not flags.secure:
        a.pop("passwd", None)
        a.pop("passwdValidTo", None)
    first = g.listens[0] if g.listens else None
    if first is not None and first.from_config and flags.inactive:
        a.pop("listen", None)
    if g.type == "vnc" and flags.inactive and a.get("autoport") == "yes":
        a["port"] = "-1"
    if g.type == "spice" and flags.inactive and a.get("autoport") == "yes":
        a.pop("port", None)
        a.pop("tlsPort", None)
    attrs = [("type", g.type), *ordered(a, _GRAPHICS_ORDER.get(g.type, ()))]
    body: list[str] = []
    for lst in g.listens:
        la = {k: v for k, v in lst.attrs.items() if not (flags.inactive and lst.from_config and k == "address")}
        body.append(f"{' ' * (indent + 2)}<listen type='{lst.type}'{attrs_str(la)}/>")
    body += [line for e in g.extra for line in raw_lines(e, indent + 2)]
    return element("graphics", attrs, body, indent)


def format_video(v: Video, flags: Flags, indent: int) -> list[str]:
    i2 = indent + 2
    model = [("type", v.model_type or "default"),
             *ordered(v.model_attrs, ("ram", "vram", "vram64", "vgamem", "heads", "primary", "blob"))]
    body = element("model", model, [line for c in v.model_children for line in raw_lines(c, i2 + 2)], i2)
    if v.driver_attrs:
        body += element("driver", v.driver_attrs, [], i2)
    body += [line for e in v.extra for line in raw_lines(e, i2)] + info_lines(v, flags, i2)
    return element("video", [], body, indent)


def format_simple(dev: Device, flags: Flags, indent: int) -> list[str]:
    """sound, audio, redirdev, memballoon, rng, watchdog and the generic devices."""
    i2 = indent + 2
    extra = [line for e in dev.extra for line in raw_lines(e, i2)]
    if isinstance(dev, Sound):
        return element("sound", [("model", dev.model)], extra + info_lines(dev, flags, i2), indent)
    if isinstance(dev, Audio):
        return element("audio", [("id", str(dev.id)), ("type", dev.type), *dev.attrs.items()], extra, indent)
    if isinstance(dev, Redirdev):
        src = element("source", dev.source_attrs, [], i2) if dev.source_attrs else []
        return element("redirdev", [("bus", dev.bus), ("type", dev.type)],
                       src + extra + info_lines(dev, flags, i2, dev.boot_order), indent)
    if isinstance(dev, Memballoon):
        attrs = [("model", dev.model), *ordered(dev.attrs, ("autodeflate", "freePageReporting"))]
        stats = element("stats", [("period", str(dev.stats_period))], [], i2) if dev.stats_period else []
        return element("memballoon", attrs, stats + extra + info_lines(dev, flags, i2), indent)
    if isinstance(dev, RngDevice):
        kids = [line for c in dev.backend_children for line in raw_lines(c, i2 + 2)]
        backend = element("backend", [("model", dev.backend_model), *dev.backend_attrs.items()], kids, i2,
                          dev.backend_text if not kids else None)
        return element("rng", [("model", dev.model)], backend + extra + info_lines(dev, flags, i2), indent)
    if isinstance(dev, Watchdog):
        attrs = [("model", dev.model)] + ([("action", dev.action)] if dev.action else [])
        return element("watchdog", attrs, extra + info_lines(dev, flags, i2), indent)
    assert isinstance(dev, GenericDevice)
    el = dev.element or RawElement(dev.tag, {"type": dev.type} if dev.type is not None else {})
    children = _memory_children(el, dev.mem_size_kib) if dev.tag == "memory" else hostdev_children(el, dev.hostdev)
    body = [line for c in children for line in raw_lines(c, i2)]
    body += info_lines(dev, flags, i2, dev.boot_order)
    return element(el.tag, list(el.attrs.items()), body, indent, el.text if not body and el.text else None)


def _memory_children(el: RawElement, size_kib: int | None) -> list[RawElement]:
    """A memory device's children with its <target><size> in KiB, as the model sized it."""
    out = []
    for c in el.children:
        if c.tag == "target" and size_kib is not None:
            c = RawElement("target", dict(c.attrs), c.text, [
                RawElement("size", {"unit": "KiB"}, str(size_kib)) if t.tag == "size" else t for t in c.children])
        out.append(c)
    return out


def format_device(dev: Device, flags: Flags, indent: int) -> list[str]:
    if isinstance(dev, Disk):
        return format_disk(dev, flags, indent)
    if isinstance(dev, Interface):
        return format_interface(dev, flags, indent)
    if isinstance(dev, Controller):
        return format_controller(dev, flags, indent)
    if isinstance(dev, Chr):
        return format_chr(dev, flags, indent)
    if isinstance(dev, Input):
        return format_input(dev, flags, indent)
    if isinstance(dev, Graphics):
        return format_graphics(dev, flags, indent)
    if isinstance(dev, Video):
        return format_video(dev, flags, indent)
    return format_simple(dev, flags, indent)
