"""Parse and format the parts of devices other families read: a NIC's <bandwidth> and <filterref>,
a disk's <auth>, <encryption> and <backingStore> chain (and the element writer the device formatters share)."""

from __future__ import annotations

from ..errors import domain as errors
from ..model.device_parts import (
    RATE_ATTRS,
    BackingStore,
    Bandwidth,
    DiskAuth,
    DiskEncryption,
    FilterRef,
    HostdevSource,
    SecretRef,
)
from ..model.devices import Disk, RawElement
from .domain_tree import attrs_str, raw_lines
from .fmt import escape


def element(tag: str, attrs: dict[str, str] | list[tuple[str, str]], body: list[str], indent: int,
            text: str | None = None) -> list[str]:
    """virXMLFormatElement: self-closing when there is no content."""
    pad = " " * indent
    if text is not None:
        return [f"{pad}<{tag}{attrs_str(attrs)}>{escape(text)}</{tag}>"]
    if not body:
        return [f"{pad}<{tag}{attrs_str(attrs)}/>"]
    return [f"{pad}<{tag}{attrs_str(attrs)}>", *body, f"{pad}</{tag}>"]


def parse_bandwidth(el: RawElement) -> Bandwidth:
    """virNetDevBandwidthParse: the first inbound and outbound rates, their known attributes as numbers."""
    rates: list[dict[str, int] | None] = []
    for side in ("inbound", "outbound"):
        found = el.find(side)
        rate: dict[str, int] | None = None
        if found is not None:
            rate = {}
            for k in RATE_ATTRS:
                if (v := found.get(k)) is not None:
                    if not v.isdigit():
                        raise errors.conf_unsupported(f"could not convert bandwidth {k} value '{v}'")
                    rate[k] = int(v)
        rates.append(rate)
    return Bandwidth(rates[0], rates[1])


def parse_filterref(el: RawElement) -> FilterRef:
    return FilterRef(el.get("filter"), [(p.get("name") or "", p.get("value") or "") for p in el.findall("parameter")])


def parse_secret(el: RawElement) -> SecretRef:
    return SecretRef(el.get("type"), el.get("uuid"), el.get("usage"))


def parse_disk_secrets(d: Disk, holder: RawElement, in_source: bool) -> None:
    """The first <auth> and <encryption> of <source> (in_source) or else of <disk>."""
    if d.auth is None and (auth := holder.find("auth")) is not None:
        secret = auth.find("secret")
        d.auth = DiskAuth(auth.get("username"), parse_secret(secret) if secret is not None else None, in_source)
    if d.encryption is None and (enc := holder.find("encryption")) is not None:
        d.encryption = DiskEncryption(enc.get("format"), enc.get("engine"),
                                      [parse_secret(c) for c in enc.findall("secret")],
                                      [c for c in enc.children if c.tag not in ("#text", "secret")], in_source)


def format_bandwidth(bw: Bandwidth, indent: int) -> list[str]:
    """virNetDevBandwidthFormat: each direction's non-zero rates in libvirt's order."""
    body: list[str] = []
    for side, rate in (("inbound", bw.inbound), ("outbound", bw.outbound)):
        if rate is not None:
            body += element(side, [(k, str(rate[k])) for k in RATE_ATTRS if rate.get(k)], [], indent + 2)
    return element("bandwidth", [], body, indent)


def format_filterref(ref: FilterRef, indent: int) -> list[str]:
    """virNWFilterFormatParamAttributes: parameters by name, a name's values in the order given."""
    params = [element("parameter", [("name", k), ("value", v)], [], indent + 2)[0]
              for k, v in sorted(ref.parameters, key=lambda p: p[0])]
    return element("filterref", [("filter", ref.filter)] if ref.filter is not None else [], params, indent)


def format_secret(ref: SecretRef, indent: int) -> list[str]:
    attrs = [(k, v) for k, v in (("type", ref.type), ("uuid", ref.uuid), ("usage", ref.usage)) if v is not None]
    return element("secret", attrs, [], indent)


def format_auth(auth: DiskAuth, indent: int) -> list[str]:
    body = format_secret(auth.secret, indent + 2) if auth.secret is not None else []
    return element("auth", [("username", auth.username)] if auth.username is not None else [], body, indent)


def format_encryption(enc: DiskEncryption, indent: int) -> list[str]:
    attrs = [(k, v) for k, v in (("format", enc.format), ("engine", enc.engine)) if v is not None]
    body = [line for s in enc.secrets for line in format_secret(s, indent + 2)]
    body += [line for c in enc.others for line in raw_lines(c, indent + 2)]
    return element("encryption", attrs, body, indent)


def _strtoul(el: RawElement | None, attr: str) -> int:
    """strtoul with base 0, as virStrToLong_ui reads these numbers ('001' is octal 1); 0 when absent or bad."""
    text = (el.get(attr) if el is not None else None) or "0"
    base = 16 if text[:2].lower() == "0x" else 8 if text.startswith("0") and len(text) > 1 else 10
    try:
        return int(text[2:] if base == 16 else text, base)
    except ValueError:
        return 0


def parse_hostdev_source(el: RawElement) -> HostdevSource | None:
    """The source of a subsystem <hostdev> (None for another mode or without a <source>)."""
    source = el.find("source")
    if el.get("mode", "subsystem") != "subsystem" or source is None:
        return None
    addr = source.find("address")
    h = HostdevSource(el.get("type"), el.get("managed") == "yes", el.get("startupPolicy") != "optional")
    if h.type == "pci" and addr is not None:
        h.pci = (_strtoul(addr, "domain"), _strtoul(addr, "bus"), _strtoul(addr, "slot"), _strtoul(addr, "function"))
    elif h.type == "mdev" and addr is not None:
        h.mdev_uuid = addr.get("uuid") or None
    elif h.type == "usb":
        h.usb_vendor, h.usb_product = _strtoul(source.find("vendor"), "id"), _strtoul(source.find("product"), "id")
        h.usb_bus, h.usb_device = _strtoul(addr, "bus"), _strtoul(addr, "device")
    return h


def hostdev_children(el: RawElement, h: HostdevSource | None) -> list[RawElement]:
    """A hostdev's kept children, its <source> showing the USB address a start found."""
    if h is None or h.found_usb is None:
        return el.children
    bus, device = h.found_usb
    return [RawElement(c.tag, c.attrs, c.text, [*c.children, RawElement("address", {"bus": str(bus),
                                                                                    "device": str(device)})])
            if c.tag == "source" else c for c in el.children]


_SOURCE_KEY = {"file": "file", "block": "dev", "dir": "dir", "network": "name"}


def parse_backing_store(el: RawElement) -> BackingStore:
    """virDomainDiskBackingStoreParse, level by level (a chain nests as deep as the parser allows)."""
    levels: list[BackingStore] = []
    node: RawElement | None = el
    while node is not None:
        kind = node.get("type")
        index = node.get("index")
        bs = BackingStore(kind, int(index) if index is not None and index.isdigit() else None)
        below = None
        for child in node.children:
            if child.tag == "format":
                bs.format = child.get("type")
            elif child.tag == "source":
                key = _SOURCE_KEY.get(kind or "")
                bs.source = child.get(key) if key else None
                bs.source_attrs = {k: v for k, v in child.attrs.items() if k != key}
                bs.source_children = [c for c in child.children if c.tag != "#text"]
            elif child.tag == "backingStore":
                below = child
            elif child.tag != "#text":
                bs.others.append(child)
        levels.append(bs)
        node = below
    for upper, lower in zip(levels, levels[1:], strict=False):
        upper.backing = lower
    return levels[0]


def format_backing_store(chain: BackingStore, indent: int, *, inactive: bool) -> list[str]:
    """virDomainDiskBackingStoreFormat: node indexes only in a live definition."""
    head: list[str] = []
    tail: list[str] = []
    node: BackingStore | None = chain
    while node is not None:
        pad = " " * indent
        attrs = {**({"type": node.type} if node.type else {}),
                 **({"index": str(node.index)} if node.index is not None and not inactive else {})}
        body: list[str] = []
        if node.format:
            body += element("format", {"type": node.format}, [], indent + 2)
        key = _SOURCE_KEY.get(node.type or "")
        src = {**({key: node.source} if key and node.source is not None else {}), **node.source_attrs}
        if src or node.source_children:
            kids = [line for c in node.source_children for line in raw_lines(c, indent + 4)]
            body += element("source", src, kids, indent + 2)
        body += [line for c in node.others for line in raw_lines(c, indent + 2)]
        if node.backing is None and not body:
            head += element("backingStore", attrs, [], indent)
            break
        head += [f"{pad}<backingStore{attrs_str(attrs)}>", *body]
        tail.append(f"{pad}</backingStore>")
        node = node.backing
        indent += 2
    return head + tail[::-1]
