"""Network filter and filter binding XML: parsed as nwfilter_conf.c and virnwfilterbindingdef.c do,
printed back in libvirt's normal form (attributes in libvirt's order, values normalised)."""

from __future__ import annotations

import re

from ..errors import ErrorDomain, VirtError
from ..errors import nwfilter as err
from ..errors import xml as xml_errors
from ..model.devices import RawElement
from ..model.nwfilters import BindingDef, FilterRef, NWFilterDef, Rule, RuleValue
from .domain_parse import parse_uuid
from .fmt import escape
from .nwfilter_rules import ATTRIBUTES, HAS_IPSET, IP_PROTOCOLS, NEGATION_PAIRS, read_mac, read_value
from .parser import parse_xml
from .secret import string_value

ACTIONS = ("drop", "accept", "reject", "return", "continue")
DIRECTIONS = ("in", "out", "inout")
CHAIN_PRIORITIES = {"root": 0, "mac": -800, "vlan": -750, "stp": 0, "arp": -500, "rarp": -400, "ipv4": -700,
                    "ipv6": -600}  # in virNWFilterChainSuffix order; stp has no default of its own
_VALID_CHAIN = re.compile(r"[A-Za-z0-9_.:-]*")
_VALID_VALUE = re.compile(r"[A-Za-z0-9_.:]+")
_INT = re.compile(r"\s*[+-]?[0-9]+")
PORT_PROTOCOLS = (6, 17, 33, 132)  # tcp, udp, dccp, sctp


def _root(text: str, url: str, tag: str) -> RawElement:
    root = parse_xml(text, url, ErrorDomain.NWFILTER)
    if root.tag != tag:
        raise xml_errors.wrong_root(tag, root.tag)
    return root


def _int(text: str) -> int | None:
    """virStrToLong_i on the whole string."""
    if not _INT.fullmatch(text):
        return None
    n = int(text)
    return n if -(1 << 31) <= n < (1 << 31) else None


def parse_filterref(node: RawElement) -> FilterRef:
    """virNWFilterParseParamAttributes: parameters with a bad name or value are skipped."""
    ref = FilterRef(node.get("filter") or "")
    for p in node.findall("parameter"):
        name, value = p.get("name"), p.get("value")
        if name is None or value is None or not re.fullmatch(r"[A-Za-z0-9_]*", name) or \
                not _VALID_VALUE.fullmatch(value):
            continue
        ref.params.setdefault(name, []).append(value)
    return ref


def _chain(root: RawElement) -> tuple[str, int]:
    """The chain and its priority (virNWFilterIsAllowedChain, chain_priorities)."""
    prio_text = root.get("priority") or None
    prio: int | None = None
    if prio_text is not None:
        prio = _int(prio_text)
        if prio is None:
            raise err.invalid_arg(f"Could not parse chain priority '{prio_text}'")
        if not -1000 <= prio <= 1000:
            raise err.invalid_arg(f"Priority '{prio}' is outside valid range of [-1000,1000]")
    chain = root.get("chain") or None
    if chain is None:
        return "root", 0  # a priority without a chain is ignored
    if len(chain.encode()) > 12:
        raise err.invalid_arg("Name of chain is longer than 12 characters")
    if not _VALID_CHAIN.fullmatch(chain):
        raise err.invalid_arg("Chain name contains invalid characters")
    prefix = next((p for p in CHAIN_PRIORITIES if chain.startswith(p)), None)
    if prefix == "root" and chain != "root":
        raise VirtError.cause_unknown()
    if prefix is None:
        raise err.invalid_arg(f"Invalid chain name '{chain}'. Please use a chain name called 'root' or any of the "
                              "following prefixes: mac, vlan, stp, arp, rarp, ipv4, ipv6")
    return chain, CHAIN_PRIORITIES[prefix] if prio is None else prio


def parse_nwfilter_xml(text: str) -> NWFilterDef:
    """virNWFilterDefParse (without the schema check VALIDATE asks for)."""
    root = _root(text, "(nwfilter_definition)", "filter")
    name = root.get("name") or None
    if name is None:
        raise err.internal("filter has no name")
    chain, priority = _chain(root)
    d = NWFilterDef(name, chain=chain, priority=priority)
    uuid_text = string_value(root.find("uuid"))
    if uuid_text is not None:
        d.uuid = parse_uuid(uuid_text)
        if d.uuid is None:
            raise err.xml_error("malformed uuid element")
    for child in root.children:
        if child.tag == "rule":
            d.entries.append(_rule(child))
        elif child.tag == "filterref":
            if child.get("filter") is None:
                raise err.internal("rule node requires action attribute")  # sic
            d.entries.append(parse_filterref(child))
    return d


def _rule(node: RawElement) -> Rule:
    """virNWFilterRuleParse."""
    action, direction = node.get("action"), node.get("direction")
    if action is None:
        raise err.internal("rule node requires action attribute")
    if action not in ACTIONS:
        raise err.unsupported("unknown rule action attribute value")
    if direction is None:
        raise err.internal("rule node requires direction attribute")
    if direction not in DIRECTIONS:
        raise err.unsupported("unknown rule direction attribute value")
    rule = Rule(action, direction)
    prio = _int(node.get("priority") or "")
    if prio is not None and -1000 <= prio <= 1000:
        rule.priority = prio
    statematch = node.get("statematch")
    rule.statematch = not (statematch is not None and (statematch == "0" or statematch.lower() == "false"))
    for child in node.children:
        if child.tag in ATTRIBUTES and rule.protocol in (None, child.tag):
            rule.protocol = child.tag
            rule.values.update(_details(child))
            _validate(rule)
    _fixup(rule)
    return rule


def _details(node: RawElement) -> dict[str, RuleValue]:
    """virNWFilterRuleDetailsParse: every attribute is read; the last bad one is reported."""
    negated = node.get("match") == "no"
    values: dict[str, RuleValue] = {}
    failure = None
    for attr in ATTRIBUTES[node.tag]:
        raw = node.get(attr[0])
        if raw is None:
            continue
        try:
            values[attr[0]] = read_value(attr, raw, negated)
        except VirtError as e:
            failure = e
    if failure is not None:
        raise failure
    return values


def _protocol_number(value: RuleValue | None) -> int | None:
    if value is None:
        return None
    text = value.text
    if text in IP_PROTOCOLS:
        return IP_PROTOCOLS[text]
    if text.startswith("0x"):
        return int(text, 16)
    return int(text) if text.isdigit() else 0


def _validate(rule: Rule) -> None:
    """virNWFilterRuleValidate: ports on ip/ipv6 need a protocol that has ports."""
    if rule.protocol not in ("ip", "ipv6"):
        return
    if any(p in rule.values for p in ("srcportstart", "srcportend", "dstportstart", "dstportend")) and \
            _protocol_number(rule.values.get("protocol")) not in PORT_PROTOCOLS:
        name = "IP" if rule.protocol == "ip" else "IPv6"
        raise err.internal(f"{name} rule with port specification requires protocol specification with protocol "
                           "to be either one of tcp(6), udp(17), dccp(33), or sctp(132)")


def _fixup(rule: Rule) -> None:
    """virNWFilterRuleDefFixup: negation follows the value a mask or range end belongs to; an
    ipset without flags matches the source, and flags alone (or both together) are dropped."""
    if rule.protocol is None:
        return
    for dependent, owner in NEGATION_PAIRS.get(rule.protocol, []):
        if dependent in rule.values:
            negated = owner in rule.values and rule.values[owner].negated
            rule.values[dependent] = RuleValue(rule.values[dependent].text, negated)
    if rule.protocol in HAS_IPSET:
        if "ipset" in rule.values and "ipsetflags" not in rule.values:
            rule.values["ipsetflags"] = RuleValue("src")
        else:
            rule.values.pop("ipset", None)
            rule.values.pop("ipsetflags", None)


# -- formatting -------------------------------------------------------------------------------

def _format_details(rule: Rule, indent: str) -> list[str]:
    """virNWFilterRuleDefDetailsFormat: a change between matched and negated values starts a new element."""
    assert rule.protocol is not None
    lines: list[str] = []
    current: list[str] | None = None
    shown: bool | None = None  # None: nothing yet in the current element; else whether it is negated
    attrs = [a[0] for a in ATTRIBUTES[rule.protocol] if a[0] in rule.values]
    i = 0
    while i < len(attrs):
        value = rule.values[attrs[i]]
        if current is None:
            current = [f"<{rule.protocol}"]
        if shown is not None and shown != value.negated:
            lines.append(indent + " ".join(current) + "/>")
            current, shown = None, None
            continue
        if shown is None and value.negated:
            current.append("match='no'")
        shown = value.negated
        current.append(f"{attrs[i]}='{value.text}'")
        i += 1
    if current is not None:
        lines.append(indent + " ".join(current) + "/>")
    return lines or [f"{indent}<{rule.protocol}/>"]


def format_filterref(ref: FilterRef, indent: str) -> list[str]:
    """virNWFilterFormatParamAttributes: parameters sorted by name."""
    if not ref.params:
        return [f"{indent}<filterref filter='{ref.filter}'/>"]
    lines = [f"{indent}<filterref filter='{ref.filter}'>"]
    for name in sorted(ref.params):
        lines += [f"{indent}  <parameter name='{name}' value='{v}'/>" for v in ref.params[name]]
    return [*lines, f"{indent}</filterref>"]


def format_nwfilter_xml(d: NWFilterDef) -> str:
    """virNWFilterDefFormat."""
    prio = f" priority='{d.priority}'" if d.priority else ""
    lines = [f"<filter name='{d.name}' chain='{d.chain}'{prio}>", f"  <uuid>{d.uuid}</uuid>"]
    for entry in d.entries:
        if isinstance(entry, FilterRef):
            lines += format_filterref(entry, "  ")
            continue
        head = f"  <rule action='{entry.action}' direction='{entry.direction}' priority='{entry.priority}'"
        head += "" if entry.statematch else " statematch='false'"
        if entry.protocol is None:
            lines.append(head + "/>")
        else:
            lines += [head + ">", *_format_details(entry, "    "), "  </rule>"]
    return "\n".join([*lines, "</filter>"]) + "\n"


# -- bindings ---------------------------------------------------------------------------------

def parse_binding_xml(text: str) -> BindingDef:
    """virNWFilterBindingDefParse."""
    root = _root(text, "(nwfilterbinding_definition)", "filterbinding")
    none = RawElement("")
    portdev = (root.find("portdev") or none).get("name") or None
    if portdev is None:
        raise err.internal("filter binding has no port dev name")
    linkdev = None
    if (link := root.find("linkdev")) is not None:
        linkdev = link.get("name") or None
        if linkdev is None:
            raise err.internal("filter binding has no link dev name")
    owner = root.find("owner") or none
    owner_name = string_value(owner.find("name"))
    if owner_name is None:
        raise err.internal("filter binding has no owner name")
    uuid_text = string_value(owner.find("uuid"))
    if uuid_text is None:
        raise err.internal("filter binding has no owner UUID")
    owner_uuid = parse_uuid(uuid_text)
    if owner_uuid is None:
        raise err.internal(f"Unable to parse UUID '{uuid_text}'")
    mac_text = (root.find("mac") or none).get("address") or None
    if mac_text is None:
        raise err.internal("filter binding has no MAC address")
    mac = read_mac(mac_text)
    if mac is None:
        raise err.internal(f"Unable to parse MAC '{mac_text}'")
    ref_node = root.find("filterref")
    if ref_node is None or not ref_node.get("filter"):
        raise err.internal("filter binding has no filter reference")
    return BindingDef(portdev, owner_name, owner_uuid, mac, parse_filterref(ref_node), linkdev)


def format_binding_xml(b: BindingDef) -> str:
    """virNWFilterBindingDefFormat."""
    lines = ["<filterbinding>", "  <owner>", f"    <name>{escape(b.owner_name)}</name>",
             f"    <uuid>{b.owner_uuid}</uuid>", "  </owner>", f"  <portdev name='{escape(b.portdev)}'/>"]
    if b.linkdev is not None:
        lines.append(f"  <linkdev name='{escape(b.linkdev)}'/>")
    lines += [f"  <mac address='{b.mac}'/>", *format_filterref(b.filterref, "  "), "</filterbinding>"]
    return "\n".join(lines) + "\n"
