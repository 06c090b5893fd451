"""Parse the elements under <devices> into device dataclasses (virDomain*DefParseXML)."""

from __future__ import annotations

import re
from collections.abc import Callable

from ..errors import domain as errors
from ..errors import xml as xml_errors
from ..model.devices import (
    CONTROLLER_TYPES,
    Address,
    Audio,
    Chr,
    Controller,
    Device,
    DeviceBase,
    Disk,
    GenericDevice,
    Graphics,
    Input,
    Interface,
    Listen,
    Memballoon,
    RawElement,
    Redirdev,
    RngDevice,
    Sound,
    Video,
    Watchdog,
)
from .disk_iotune import parse_iotune
from .domain_devparts import (
    parse_backing_store,
    parse_bandwidth,
    parse_disk_secrets,
    parse_filterref,
    parse_hostdev_source,
)
from .scaled import parse_scaled

DISK_TYPES = ("file", "block", "dir", "network", "volume", "nvme", "vhostuser")
DISK_DEVICES = ("disk", "cdrom", "floppy", "lun")
DISK_BUSES = ("ide", "fdc", "scsi", "virtio", "xen", "usb", "uml", "sata", "sd")
NET_TYPES = ("user", "ethernet", "vhostuser", "server", "client", "mcast", "network", "bridge",
             "internal", "direct", "hostdev", "udp", "vdpa", "null", "vds")
GRAPHICS_TYPES = ("sdl", "vnc", "rdp", "desktop", "spice", "egl-headless", "dbus")
INPUT_TYPES = ("mouse", "tablet", "keyboard", "passthrough", "evdev")
INPUT_BUSES = ("ps2", "usb", "xen", "parallels", "virtio", "none")
VIDEO_MODELS = ("vga", "cirrus", "vmvga", "xen", "vbox", "qxl", "parallels", "virtio", "gop", "none",
                "bochs", "ramfb")
SOUND_MODELS = ("sb16", "es1370", "pcspk", "ac97", "ich6", "ich9", "usb", "ich7")
CHR_TYPES = ("null", "vc", "pty", "dev", "file", "pipe", "stdio", "udp", "tcp", "unix", "spicevmc",
             "spiceport", "nmdm", "qemu-vdagent", "dbus")
MEMBALLOON_MODELS = ("virtio", "xen", "none", "virtio-transitional", "virtio-non-transitional")
WATCHDOG_MODELS = ("i6300esb", "ib700", "diag288", "itco")
GENERIC_TAGS = ("lease", "filesystem", "smartcard", "tpm", "hostdev", "redirfilter", "hub", "nvram",
                "panic", "shmem", "memory", "iommu", "vsock", "crypto")
_MAC_RE = re.compile(r"^([0-9a-fA-F]{1,2}[:-]){5}[0-9a-fA-F]{1,2}$")


def enum_attr(el: RawElement, name: str, allowed: tuple[str, ...], default: str | None = None,
              required: bool = False) -> str | None:
    """virXMLPropEnum: the value must be one of allowed, else libvirt's XML-domain error."""
    value = el.attrs.get(name)
    if value is None:
        if required:
            raise xml_errors.missing_attribute(name, el.tag)
        return default
    if value not in allowed:
        raise xml_errors.invalid_attribute(name, el.tag, value)
    return value


def uint_attr(el: RawElement, name: str) -> int | None:
    value = el.attrs.get(name)
    if value is None:
        return None
    try:
        n = int(value, 0)
    except ValueError:
        n = -1
    if n < 0:
        raise xml_errors.invalid_attribute(name, el.tag, value, "non-negative integer")
    return n


def parse_address(el: RawElement) -> Address:
    """<address type=...>: numeric fields as ints (hex or decimal), the rest as strings."""
    atype = el.attrs.get("type", "")
    numeric = {"pci": ("domain", "bus", "slot", "function"),
               "drive": ("controller", "bus", "target", "unit"),
               "virtio-serial": ("controller", "bus", "port"), "ccid": ("controller", "slot"),
               "usb": ("bus",), "dimm": ("slot",)}.get(atype, ())
    fields: dict[str, int | str] = {}
    for k, v in el.attrs.items():
        if k == "type":
            continue
        if k in numeric:
            fields[k] = uint_attr(el, k) or 0
        else:
            fields[k] = v
    if atype == "drive":
        for k in numeric:
            fields.setdefault(k, 0)
    return Address(atype, fields)


def _take_info(el: RawElement, dev: DeviceBase, keep: tuple[str, ...] = ()) -> list[RawElement]:
    """Pull alias, address and boot out of el; return the remaining children not in keep."""
    rest = []
    for c in el.children:
        if c.tag == "alias":
            name = c.attrs.get("name")
            if name and name.startswith("ua-"):  # inactive parsing keeps user aliases only
                dev.alias = name
        elif c.tag == "address":
            dev.address = parse_address(c)
        elif c.tag == "boot" and isinstance(dev, (Disk, Interface, Redirdev, GenericDevice)):
            dev.boot_order = uint_attr(c, "order")
            if isinstance(dev, Disk):
                dev.boot_attrs = {k: v for k, v in c.attrs.items() if k != "order"}
        elif c.tag not in keep and c.tag != "#text":
            rest.append(c)
    return rest


def _others(attrs: dict[str, str], *skip: str) -> dict[str, str]:
    return {k: v for k, v in attrs.items() if k not in skip}


def _known(attrs: dict[str, str], allowed: tuple[str, ...]) -> dict[str, str]:
    """libvirt only keeps the attributes it understands."""
    return {k: v for k, v in attrs.items() if k in allowed}


DISK_ATTRS = ("model", "rawio", "sgio", "snapshot")
DRIVER_ATTRS = ("cache", "error_policy", "rerror_policy", "io", "ioeventfd", "event_idx", "copy_on_read",
                "discard", "iothread", "detect_zeroes", "discard_no_unref", "queues", "queue_size")
DISK_SOURCE_ATTRS = ("startupPolicy", "protocol", "tls", "tlsHostname", "query", "mode", "index", "type",
                     "managed", "namespace")
DISK_TARGET_ATTRS = ("tray", "removable", "rotation_rate")
NET_SOURCE_ATTRS = ("portgroup", "portid", "mode", "address", "port", "type", "path", "switchid")
CONTROLLER_ATTRS = ("ports", "vectors", "maxGrantFrames", "maxEventChannels")
CONTROLLER_TARGET_ATTRS = ("chassisNr", "chassis", "port", "busNr", "index", "hotplug", "memReserve")
CONTROLLER_DRIVER_ATTRS = ("queues", "cmd_per_lun", "max_sectors", "ioeventfd", "iothread", "iommu", "ats",
                           "packed", "page_per_vq")
GRAPHICS_ATTRS = {
    "vnc": ("socket", "port", "autoport", "websocket", "listen", "keymap", "sharePolicy", "powerControl",
            "passwd", "passwdValidTo", "connected"),
    "spice": ("port", "tlsPort", "autoport", "listen", "keymap", "defaultMode", "passwd", "passwdValidTo",
              "connected"),
    "rdp": ("port", "autoport", "replaceUser", "multiUser", "listen"),
    "sdl": ("display", "xauth", "fullscreen"), "desktop": ("display", "fullscreen"),
    "dbus": ("address", "p2p"), "egl-headless": (),
}
VIDEO_MODEL_ATTRS = ("ram", "vram", "vram64", "vgamem", "heads", "primary", "blob")


def parse_disk(el: RawElement) -> Disk:
    d = Disk(type=enum_attr(el, "type", DISK_TYPES, "file") or "file",
             device=enum_attr(el, "device", DISK_DEVICES, "disk") or "disk",
             attrs=_known(el.attrs, DISK_ATTRS))
    d.extra = _take_info(el, d, ("driver", "source", "target", "readonly", "shareable", "serial", "auth",
                                 "encryption", "backingStore", "iotune"))
    if (bs := el.find("backingStore")) is not None:
        d.backing = parse_backing_store(bs)
    d.iotune = parse_iotune(el.find("iotune"))
    if (drv := el.find("driver")) is not None:
        d.driver_name, d.driver_type = drv.get("name"), drv.get("type")
        d.driver_attrs = _known(drv.attrs, DRIVER_ATTRS)
    if (src := el.find("source")) is not None:
        d.has_source_element = True
        key = {"file": "file", "block": "dev", "dir": "dir", "network": "name"}.get(d.type)
        if d.type == "volume":
            pool, vol = src.get("pool"), src.get("volume")
            d.source = f"{pool}/{vol}" if pool and vol else pool or vol
            d.source_attrs = _known(src.attrs, DISK_SOURCE_ATTRS)
        else:
            d.source = src.get(key) if key else None
            d.source_attrs = _known(src.attrs, DISK_SOURCE_ATTRS)
        d.source_children = [c for c in src.children if c.tag not in ("#text", "auth", "encryption")]
        parse_disk_secrets(d, src, True)
    parse_disk_secrets(d, el, False)
    tgt = el.find("target")
    dev = tgt.get("dev") if tgt is not None else None
    if not dev:
        raise errors.no_target(d.source)
    d.target_dev = dev
    assert tgt is not None
    d.target_bus = enum_attr(tgt, "bus", DISK_BUSES)
    d.target_attrs = _known(tgt.attrs, DISK_TARGET_ATTRS)
    d.readonly = el.find("readonly") is not None
    d.shareable = el.find("shareable") is not None
    if (ser := el.find("serial")) is not None:
        d.serial = ser.text or ""
    return d


def parse_mac(text: str) -> str:
    if not _MAC_RE.match(text):
        raise errors.xml_error(f"unable to parse mac address '{text}'")
    octets = [int(x, 16) for x in re.split("[:-]", text)]
    mac = ":".join(f"{o:02x}" for o in octets)
    if octets[0] & 1:
        raise errors.xml_error(f"expected unicast mac address, found multicast '{mac}'")
    return mac


def parse_interface(el: RawElement) -> Interface:
    n = Interface(type=enum_attr(el, "type", NET_TYPES, "user") or "user", attrs=_known(el.attrs, ("trustGuestRxFilters",)))
    n.extra = _take_info(el, n, ("mac", "source", "model", "target", "bandwidth", "filterref"))
    if (bw := el.find("bandwidth")) is not None:
        n.bandwidth = parse_bandwidth(bw)
    if (ref := el.find("filterref")) is not None:
        n.filterref = parse_filterref(ref)
    if (mac := el.find("mac")) is not None and mac.get("address"):
        n.mac = parse_mac(mac.attrs["address"])
        n.mac_attrs = _known(mac.attrs, ("type", "check"))
    src = el.find("source")
    key = {"network": "network", "bridge": "bridge", "direct": "dev", "ethernet": None,
           "vhostuser": "path", "hostdev": None}.get(n.type)
    if n.type in ("network", "bridge") and src is None:
        raise errors.xml_error(f"interface type='{n.type}' requires a 'source' element")
    if src is not None:
        if key:
            if n.type in ("network", "bridge", "direct") and src.get(key) is None:
                raise xml_errors.missing_attribute(key, "source")
            n.source = src.get(key)
            n.source_attrs = _known(src.attrs, NET_SOURCE_ATTRS)
        else:
            n.source_attrs = _known(src.attrs, NET_SOURCE_ATTRS)
        n.source_children = [c for c in src.children if c.tag != "#text"]
    if (model := el.find("model")) is not None:
        n.model = model.get("type")
    if (tgt := el.find("target")) is not None:
        n.target_dev = tgt.get("dev")
        n.target_attrs = _known(tgt.attrs, ("managed",))
        if n.target_dev and n.target_attrs.get("managed") != "no" and n.target_dev.startswith(
                ("vnet", "macvtap", "macvlan")):
            n.target_dev = None  # an auto-generated name: blanked in inactive configs
    return n


def parse_controller(el: RawElement) -> Controller:
    c = Controller(type=enum_attr(el, "type", CONTROLLER_TYPES, required=True) or "",
                   index=uint_attr(el, "index"), model=el.get("model"),
                   attrs=_known(el.attrs, CONTROLLER_ATTRS))
    c.extra = _take_info(el, c, ("model", "target", "driver", "master"))
    if (m := el.find("model")) is not None:
        c.model_name = m.get("name")
    if (t := el.find("target")) is not None:
        c.target_attrs = _known(t.attrs, CONTROLLER_TARGET_ATTRS)
    if (d := el.find("driver")) is not None:
        c.driver_attrs = _known(d.attrs, CONTROLLER_DRIVER_ATTRS)
    if (m := el.find("master")) is not None:
        c.master_startport = uint_attr(m, "startport")
    return c


def parse_chr(el: RawElement) -> Chr:
    c = Chr(kind=el.tag, type=enum_attr(el, "type", CHR_TYPES, "pty") or "pty")
    c.extra = _take_info(el, c, ("source", "target", "protocol", "log"))
    for s in el.findall("source"):
        c.sources.append(dict(s.attrs))
        c.source_children.extend(x for x in s.children if x.tag != "#text")
    if c.type == "pty" and el.get("tty") and not c.sources:
        c.sources.append({"path": el.attrs["tty"]})
    t = el.find("target")
    if el.tag == "channel" and (t is None or not t.get("type")):
        raise errors.xml_error("target type must be specified for channel device")
    if t is not None:
        c.target_type = t.get("type")
        c.target_attrs = _others(t.attrs, "type")
        if (m := t.find("model")) is not None:
            c.target_model = m.get("name")
    if (p := el.find("protocol")) is not None:
        c.protocol = p.get("type")
    if (lg := el.find("log")) is not None:
        c.log_attrs = dict(lg.attrs)
    return c


def parse_input(el: RawElement) -> Input:
    itype = el.get("type")
    if itype is None:
        raise errors.conf_internal("missing input device type")
    if itype not in INPUT_TYPES:
        raise errors.conf_unsupported(f"unknown input device type '{itype}'")
    bus = el.get("bus")
    if bus is not None and bus not in INPUT_BUSES:
        raise errors.conf_unsupported(f"unknown input bus type '{bus}'")
    i = Input(type=itype, bus=bus, model=el.get("model"))
    i.extra = _take_info(el, i)
    return i


def parse_graphics(el: RawElement) -> Graphics:
    gtype = enum_attr(el, "type", GRAPHICS_TYPES, required=True) or ""
    g = Graphics(type=gtype, attrs=_known(el.attrs, GRAPHICS_ATTRS.get(gtype, ())))
    g.extra = _take_info(el, g, ("listen",))
    for lst in el.findall("listen"):
        g.listens.append(Listen(lst.get("type") or "address", _known(lst.attrs, ("address", "network", "socket"))))
    legacy = g.attrs.get("listen")
    if legacy is not None and not g.listens:
        g.listens.append(Listen("address", {"address": legacy}))
    return g


def parse_video(el: RawElement) -> Video:
    v = Video()
    v.extra = _take_info(el, v, ("model", "driver"))
    if (m := el.find("model")) is not None:
        mtype = m.get("type")
        if mtype is not None and mtype not in VIDEO_MODELS:
            raise errors.conf_unsupported(f"unknown video model '{mtype}'")
        v.model_type = mtype
        v.model_attrs = _known(m.attrs, VIDEO_MODEL_ATTRS)
        v.model_children = [c for c in m.children if c.tag != "#text"]
    if (d := el.find("driver")) is not None:
        v.driver_attrs = dict(d.attrs)
    return v


def parse_simple(el: RawElement) -> Device:
    """sound, audio, redirdev, memballoon, rng, watchdog."""
    dev: Device
    if el.tag == "sound":
        dev = Sound(model=enum_attr(el, "model", SOUND_MODELS, required=True) or "")
    elif el.tag == "audio":
        dev = Audio(id=uint_attr(el, "id") or 0, type=el.get("type") or "none",
                    attrs=_known(el.attrs, ("timerPeriod", "serverName")))
    elif el.tag == "redirdev":
        dev = Redirdev(bus=el.get("bus") or "usb", type=enum_attr(el, "type", CHR_TYPES, "spicevmc") or "")
        if (s := el.find("source")) is not None:
            dev.source_attrs = dict(s.attrs)
    elif el.tag == "memballoon":
        dev = Memballoon(model=enum_attr(el, "model", MEMBALLOON_MODELS, required=True) or "",
                         attrs=_known(el.attrs, ("autodeflate", "freePageReporting")))
        if (st := el.find("stats")) is not None:
            dev.stats_period = max(0, _int_or_zero(st.get("period")))
    elif el.tag == "rng":
        dev = RngDevice(model=el.get("model") or "virtio")
        if (b := el.find("backend")) is not None:
            dev.backend_model = b.get("model") or "random"
            dev.backend_attrs = _others(b.attrs, "model")
            dev.backend_text = b.text
            dev.backend_children = [c for c in b.children if c.tag != "#text"]
    else:
        if el.get("model") is None:
            raise errors.conf_internal("watchdog must contain model name")
        dev = Watchdog(model=enum_attr(el, "model", WATCHDOG_MODELS) or "", action=el.get("action"))
    dev.extra = _take_info(el, dev, ("source", "backend", "stats") if isinstance(dev, Memballoon) else ("source", "backend"))
    return dev


def _int_or_zero(text: str | None) -> int:
    try:
        return int(text or "0")
    except ValueError:
        return 0


def parse_generic(el: RawElement) -> GenericDevice:
    driver = el.find("driver")
    g = GenericDevice(tag=el.tag, type=el.get("type"), mode=el.get("mode"), model=el.get("model"),
                      driver_type=driver.get("type") if driver is not None and el.tag == "filesystem" else None)
    rest = _take_info(el, g)
    g.element = RawElement(el.tag, dict(el.attrs), el.text, rest)
    if el.tag == "hostdev":
        g.hostdev = parse_hostdev_source(g.element)
    if el.tag == "memory" and (target := el.find("target")) is not None:
        size, node = target.find("size"), target.find("node")
        g.mem_size_kib = parse_scaled(size, "./target/size[1]") if size is not None else None
        g.mem_node = _int_or_zero(node.text) if node is not None else None
    return g


PARSERS: dict[str, Callable[[RawElement], Device]] = {"disk": parse_disk, "interface": parse_interface, "controller": parse_controller,
           "serial": parse_chr, "parallel": parse_chr, "console": parse_chr, "channel": parse_chr,
           "input": parse_input, "graphics": parse_graphics, "video": parse_video,
           "sound": parse_simple, "audio": parse_simple, "redirdev": parse_simple,
           "memballoon": parse_simple, "rng": parse_simple, "watchdog": parse_simple}


def parse_device(el: RawElement) -> Device | None:
    """The device an element describes; None for elements libvirt ignores under <devices>."""
    if el.tag in PARSERS:
        return PARSERS[el.tag](el)
    if el.tag in GENERIC_TAGS:
        return parse_generic(el)
    return None
