"""The attributes of a network filter rule's protocol element (nwfilter_conf.c's tables), each value
read as libvirt reads it (trying the attribute's data types in libvirt's order) and printed back
in libvirt's normal form."""

from __future__ import annotations

import re
import socket
from collections.abc import Callable

from ..errors import nwfilter as err
from ..model.nwfilters import RuleValue
from .fmt import escape

# attrDatatype, in the order libvirt tries them
U16, U8, U16_HEX, U8_HEX, MAC, MACMASK, IP, IPMASK, STRING, IP6, IP6MASK, COMMENT, BOOL, U32, U32_HEX, \
    IPSET, IPSETFLAGS = (1 << i for i in range(17))
_MAX = {U8: 0xFF, U8_HEX: 0xFF, U16: 0xFFFF, U16_HEX: 0xFFFF, U32: 0xFFFFFFFF, U32_HEX: 0xFFFFFFFF}
_HEX = (U8_HEX, U16_HEX, U32_HEX)

MAC_PROTOCOLS = {"arp": 0x0806, "rarp": 0x8035, "ipv4": 0x0800, "ipv6": 0x86DD, "vlan": 0x8100}
IP_PROTOCOLS = {"tcp": 6, "udp": 17, "udplite": 136, "esp": 50, "ah": 51, "icmp": 1, "igmp": 2, "sctp": 132,
                "icmpv6": 58}
ARP_OPCODES = {"Request": 1, "Reply": 2, "Request_Reverse": 3, "Reply_Reverse": 4, "DRARP_Request": 5,
               "DRARP_Reply": 6, "DRARP_Error": 7, "InARP_Request": 8, "ARP_NAK": 9}
STATES = ("NEW", "ESTABLISHED", "RELATED", "INVALID", "NONE")  # one bit each, in this order
TCP_FLAGS = {"FIN": 0x1, "SYN": 0x2, "RST": 0x4, "PSH": 0x8, "ACK": 0x10, "URG": 0x20, "ALL": 0x3F, "NONE": 0}
VALID_IPSET = set("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_.:-+ ")
VALID_VARNAME = re.compile(r"[A-Za-z0-9_]+")

Attr = tuple[str, int, str | None]  # name, data types, the special reader/printer it has (if any)

_MAC_PROPS: list[Attr] = [("srcmacaddr", MAC, None), ("srcmacmask", MACMASK, None), ("dstmacaddr", MAC, None),
                          ("dstmacmask", MACMASK, None)]
_COMMENT: Attr = ("comment", COMMENT, None)


def _ip_props(addr: int, mask: int) -> list[Attr]:
    return [("srcmacaddr", MAC, None), ("srcipaddr", addr, None), ("srcipmask", mask, None),
            ("dstipaddr", addr, None), ("dstipmask", mask, None), ("srcipfrom", addr, None),
            ("srcipto", addr, None), ("dstipfrom", addr, None), ("dstipto", IP, None),
            ("dscp", U8 | U8_HEX, "dscp"), ("connlimit-above", U16, None), ("state", STRING, "state"),
            ("ipset", IPSET, "ipset"), ("ipsetflags", IPSETFLAGS, "ipsetflags")]


_PORTS: list[Attr] = [(n, U16 | U16_HEX, None) for n in ("srcportstart", "srcportend", "dstportstart", "dstportend")]
_ARP: list[Attr] = [*_MAC_PROPS, ("hwtype", U16 | U16_HEX, None), ("protocoltype", U16 | U16_HEX, None),
                    ("opcode", U16 | U16_HEX | STRING, "arpop"), ("arpsrcmacaddr", MAC, None),
                    ("arpdstmacaddr", MAC, None), ("arpsrcipaddr", IP, None), ("arpsrcipmask", IPMASK, None),
                    ("arpdstipaddr", IP, None), ("arpdstipmask", IPMASK, None), ("gratuitous", BOOL, None), _COMMENT]
_STP_FIELDS = [("type", U8 | U8_HEX), ("flags", U8 | U8_HEX), ("root-priority", U16 | U16_HEX),
               ("root-priority-hi", U16 | U16_HEX), ("root-address", MAC), ("root-address-mask", MACMASK),
               ("root-cost", U32 | U32_HEX), ("root-cost-hi", U32 | U32_HEX), ("sender-priority", U16 | U16_HEX),
               ("sender-priority-hi", U16 | U16_HEX), ("sender-address", MAC), ("sender-address-mask", MACMASK)] + \
    [(n, U16 | U16_HEX) for n in ("port", "port-hi", "age", "age-hi", "max-age", "max-age-hi", "hello-time",
                                  "hello-time-hi", "forward-delay", "forward-delay-hi")]
_IP_HDR = [*_MAC_PROPS, ("srcipaddr", IP, None), ("srcipmask", IPMASK, None), ("dstipaddr", IP, None),
           ("dstipmask", IPMASK, None), ("protocol", STRING | U8 | U8_HEX, "ipproto"), *_PORTS]
_IP6_HDR = [*_MAC_PROPS, ("srcipaddr", IP6, None), ("srcipmask", IP6MASK, None), ("dstipaddr", IP6, None),
            ("dstipmask", IP6MASK, None), ("protocol", STRING | U8 | U8_HEX, "ipproto"), *_PORTS]
_ICMP: list[Attr] = [("type", U8 | U8_HEX, None), ("code", U8 | U8_HEX, None)]


def _l4(v6: bool, *extra: Attr) -> list[Attr]:
    return [*_ip_props(IP6 if v6 else IP, IP6MASK if v6 else IPMASK), *extra, _COMMENT]


ATTRIBUTES: dict[str, list[Attr]] = {
    "arp": _ARP,
    "rarp": _ARP,
    "mac": [*_MAC_PROPS, ("protocolid", U16 | U16_HEX | STRING, "macproto"), _COMMENT],
    "vlan": [*_MAC_PROPS, ("vlanid", U16 | U16_HEX, "vlanid"),
             ("encap-protocol", U16 | U16_HEX | STRING, "vlanproto"), _COMMENT],
    "stp": [("srcmacaddr", MAC, None), ("srcmacmask", MACMASK, None), *((n, t, None) for n, t in _STP_FIELDS),
            _COMMENT],
    "ip": [*_IP_HDR, ("dscp", U8 | U8_HEX, "dscp"), _COMMENT],
    "ipv6": [*_IP6_HDR, ("type", U8 | U8_HEX, None), ("typeend", U8 | U8_HEX, None), ("code", U8 | U8_HEX, None),
             ("codeend", U8 | U8_HEX, None), _COMMENT],
    "tcp": _l4(False, *_PORTS, ("option", U8 | U8_HEX, None), ("flags", STRING, "tcpflags")),
    "udp": _l4(False, *_PORTS),
    "udplite": _l4(False),
    "esp": _l4(False),
    "ah": _l4(False),
    "sctp": _l4(False, *_PORTS),
    "icmp": _l4(False, *_ICMP),
    "all": _l4(False),
    "igmp": _l4(False),
    "tcp-ipv6": _l4(True, *_PORTS, ("option", U8 | U8_HEX, None)),
    "udp-ipv6": _l4(True, *_PORTS),
    "udplite-ipv6": _l4(True),
    "esp-ipv6": _l4(True),
    "ah-ipv6": _l4(True),
    "sctp-ipv6": _l4(True, *_PORTS),
    "icmpv6": _l4(True, *_ICMP),
    "all-ipv6": _l4(True),
}

# virNWFilterRuleDefFixup: a mask (or range end) is negated exactly when what it belongs to is
_STP_PAIRS = [(f"{n}-hi", n) for n in ("root-priority", "root-cost", "sender-priority", "port", "age", "max-age",
                                       "hello-time", "forward-delay")]
_L4_PAIRS = [("srcipmask", "srcipaddr"), ("dstipmask", "dstipaddr"), ("srcipto", "srcipfrom"),
             ("dstipto", "dstipfrom")]
_PORT_PAIRS = [("srcportend", "srcportstart"), ("dstportstart", "srcportstart"), ("dstportend", "srcportstart")]
NEGATION_PAIRS: dict[str, list[tuple[str, str]]] = {
    "mac": [("srcmacmask", "srcmacaddr"), ("dstmacmask", "dstmacaddr")],
    "vlan": [("srcmacmask", "srcmacaddr"), ("dstmacmask", "dstmacaddr")],
    "stp": [("srcmacmask", "srcmacaddr"), *_STP_PAIRS, ("root-address-mask", "root-address"),
            ("sender-address-mask", "sender-address")],
    "ip": [("srcipmask", "srcipaddr"), ("dstipmask", "dstipaddr")],
    "ipv6": [("srcipmask", "srcipaddr"), ("dstipmask", "dstipaddr"), ("typeend", "type"), ("code", "type"),
             ("codeend", "type")],
    "tcp": _L4_PAIRS + _PORT_PAIRS, "tcp-ipv6": _L4_PAIRS + _PORT_PAIRS,
    "udp": _L4_PAIRS + _PORT_PAIRS, "udp-ipv6": _L4_PAIRS + _PORT_PAIRS,
    "sctp": _L4_PAIRS + _PORT_PAIRS, "sctp-ipv6": _L4_PAIRS + _PORT_PAIRS,
    **{p: _L4_PAIRS for p in ("udplite", "udplite-ipv6", "esp", "esp-ipv6", "ah", "ah-ipv6", "icmp", "icmpv6",
                              "all", "all-ipv6", "igmp")},
}
HAS_IPSET = {p for p in ATTRIBUTES if p not in ("arp", "rarp", "mac", "vlan", "stp", "all", "all-ipv6")}


# -- reading one value ------------------------------------------------------------------------

def _uint(text: str, base: int) -> int | None:
    """virStrToLong_ui: the whole string, blanks and a sign allowed in front ("-1" wraps)."""
    pattern = r"\s*([+-]?)(?:0[xX])?([0-9a-fA-F]+)" if base == 16 else r"\s*([+-]?)([0-9]+)"
    m = re.fullmatch(pattern, text)
    if m is None:
        return None
    n = int(m.group(2), base)
    if n > 0xFFFFFFFF:
        return None
    return (-n) & 0xFFFFFFFF if m.group(1) == "-" else n


def _ipv4(text: str) -> str | None:
    if not text or any(c.isspace() for c in text):
        return None
    try:
        return socket.inet_ntoa(socket.inet_aton(text))
    except OSError:
        return None


def _ipv6(text: str) -> str | None:
    try:
        return socket.inet_ntop(socket.AF_INET6, socket.inet_pton(socket.AF_INET6, text))
    except (OSError, ValueError):
        return None


def _prefix(packed: bytes) -> int | None:
    """virSocketAddrGetNumNetmaskBits: ones then zeros, or None."""
    bits = "".join(f"{b:08b}" for b in packed)
    ones = len(bits) - len(bits.lstrip("1"))
    return ones if "1" not in bits[ones:] else None


def _mask(text: str, limit: int, family: int) -> str | None:
    n = _uint(text, 10)
    if n is not None:
        return str(n) if n <= limit else None
    try:
        packed = socket.inet_pton(family, text) if family == socket.AF_INET6 else socket.inet_aton(text)
    except (OSError, ValueError):
        return None
    bits = _prefix(packed)
    return None if bits is None else str(bits)


_MAC_RE = re.compile(r"((?:[0-9a-fA-F]{1,2}:){5}[0-9a-fA-F]{1,2})(?:[\x00-\x20].*)?", re.DOTALL)


def read_mac(text: str, mask: bool = False) -> str | None:
    m = _MAC_RE.fullmatch(text)
    if m is None:
        return None
    octets = bytes(int(x, 16) for x in m.group(1).split(":"))
    if mask and _prefix(octets) is None:
        return None
    return ":".join(f"{b:02x}" for b in octets)


def _items(text: str, names: list[str]) -> list[str] | None:
    """parseStringItems: names (case-insensitive prefixes) separated by commas and blanks."""
    found: list[str] = []
    i = 0
    while i < len(text):
        while i < len(text) and (text[i].isspace() or text[i] == ","):
            i += 1
        if i == len(text):
            break
        name = next((n for n in names if text[i:i + len(n)].upper() == n.upper()), None)
        if name is None:
            return None
        found.append(name)
        i += len(name)
    return found


def _by_number(table: dict[str, int], number: int, dtype: int) -> str:
    names = [k for k, v in table.items() if v == number]
    if names:
        return names[0]
    return f"0x{number:x}" if dtype in _HEX else str(number)


def _tcp_flags(mask: int) -> str:
    if mask == 0:
        return "NONE"
    if mask == 0x3F:
        return "ALL"
    return ",".join(n for n, bit in TCP_FLAGS.items() if bit in (1, 2, 4, 8, 16, 32) and mask & bit)


def _special(kind: str, dtype: int, raw: str, number: int | None) -> str | None:
    """The validators and formatters of nwfilter_conf.c: the printed value, or None if refused."""
    if kind in ("macproto", "vlanproto"):
        if dtype == STRING:
            found = next((v for k, v in MAC_PROTOCOLS.items() if k.lower() == raw.lower()), None)
            return None if found is None else _by_number(MAC_PROTOCOLS, found, U16)
        assert number is not None
        return None if number < (0x600 if kind == "macproto" else 0x3C) else _by_number(MAC_PROTOCOLS, number, dtype)
    if kind == "arpop":
        if dtype == STRING:
            found = next((v for k, v in ARP_OPCODES.items() if k.lower() == raw.lower()), None)
            return None if found is None else _by_number(ARP_OPCODES, found, U16)
        assert number is not None
        return _by_number(ARP_OPCODES, number, U16)
    if kind == "ipproto":
        if dtype == STRING:
            found = next((v for k, v in IP_PROTOCOLS.items() if k.lower() == raw.lower()), None)
            return None if found is None else _by_number(IP_PROTOCOLS, found, U8_HEX)
        assert number is not None
        return _by_number(IP_PROTOCOLS, number, dtype)
    if kind == "vlanid":
        assert number is not None
        return None if number > 4095 else (f"0x{number:x}" if dtype in _HEX else str(number))
    if kind == "dscp":
        assert number is not None
        return None if number > 63 else (f"0x{number:x}" if dtype in _HEX else str(number))
    if kind == "state":
        states = _items(raw, list(STATES))
        if states is None:
            return None
        return "NONE" if "NONE" in states else ",".join(s for s in STATES if s in states)
    if kind == "tcpflags":
        if "/" not in raw:
            return None
        parts = [_items(p, list(TCP_FLAGS)) for p in raw.split("/", 1)]
        if parts[0] is None or parts[1] is None:
            return None
        mask, flags = (sum(TCP_FLAGS[n] for n in set(p)) & 0x3F for p in parts if p is not None)
        return f"{_tcp_flags(mask)}/{_tcp_flags(flags)}"
    # ipset and ipsetflags: their own messages are replaced by the "illegal value" one
    if kind == "ipset":
        return raw if len(raw.encode()) < 32 and set(raw) <= VALID_IPSET else None
    if kind == "ipsetflags":
        return _ipset_flags(raw)
    raise AssertionError(kind)


def _ipset_flags(raw: str) -> str | None:
    out: list[str] = []
    idx = 0
    while len(out) < 6:
        word = raw[idx:idx + 3].lower()
        if word not in ("src", "dst"):
            return None
        out.append(word)
        idx += 3
        if raw[idx:idx + 1] != ",":
            break
        idx += 1
    return ",".join(out) if idx == len(raw) else None


def _variable(name: str) -> str | None:
    """virNWFilterVarAccessParse and its printer: NAME, NAME[n] or NAME[@n] (NAME[@0] is NAME)."""
    m = re.fullmatch(r"([A-Za-z0-9_]+)(?:\[\s*(@?)(\d+)\s*\])?", name)
    if m is None:
        return None
    var, at, num = m.groups()
    if num is None or (at and int(num) == 0):
        return var
    return f"{var}[{at}{int(num)}]"


def _read_typed(dtype: int, raw: str) -> tuple[str | None, int | None]:
    """One data type's reading of raw: (printed form, number) or (None, None) if it does not fit."""
    if dtype in _MAX:
        n = _uint(raw, 16 if dtype in _HEX else 10)
        if n is None or n > _MAX[dtype]:
            return None, None
        return (f"0x{n:x}" if dtype in _HEX else str(n)), n
    readers: dict[int, Callable[[str], str | None]] = {
        IP: _ipv4, IP6: _ipv6, IPMASK: lambda t: _mask(t, 32, socket.AF_INET),
        IP6MASK: lambda t: _mask(t, 128, socket.AF_INET6), MAC: lambda t: read_mac(t, False),
        MACMASK: lambda t: read_mac(t, True), COMMENT: lambda t: t.encode()[:256].decode(errors="ignore"),
        BOOL: lambda t: "true" if t in ("true", "1", "yes") else "false",
        STRING: lambda t: t, IPSET: lambda t: t, IPSETFLAGS: lambda t: t,
    }
    return readers[dtype](raw), None


def read_value(attr: Attr, raw: str, negated: bool) -> RuleValue:
    """virNWFilterRuleDetailsParse for one attribute: a ``$variable``, or the first of the
    attribute's data types that reads the value, then the attribute's own check."""
    name, dtypes, special = attr
    if raw.startswith("$"):
        var = _variable(raw[1:])
        if var is None:
            raise err.illegal_value(name, raw)
        return RuleValue(f"${var}", negated)
    for dtype in (1 << i for i in range(17)):
        if not dtypes & dtype:
            continue
        text, number = _read_typed(dtype, raw)
        if text is None:
            continue
        if special is not None:
            text = _special(special, dtype, raw, number)
            if text is None:
                break
        return RuleValue(text if dtype != COMMENT else escape(text), negated)
    raise err.illegal_value(name, raw)
