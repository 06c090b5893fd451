"""Sizes with units in domain XML (virDomainParseMemory and virStrToLong_ullp)."""

from __future__ import annotations

import re

from ..errors import domain as errors
from ..errors import xml as xml_errors
from ..model.devices import RawElement
from ..model.domaindef import LLONG_MAX, MEMORY_KIB_LIMIT, ULLONG_MAX

_SCALE = {"b": 1, "bytes": 1, "k": 1024, "kib": 1024, "kb": 1000, "m": 1024**2, "mib": 1024**2,
          "mb": 1000**2, "g": 1024**3, "gib": 1024**3, "gb": 1000**3, "t": 1024**4, "tib": 1024**4,
          "tb": 1000**4, "p": 1024**5, "pib": 1024**5, "pb": 1000**5, "e": 1024**6, "eib": 1024**6,
          "eb": 1000**6}
_ULL_RE = re.compile(r"[ \t\n\v\f\r]*\+?([0-9]+)")


def parse_ull(text: str) -> int | None:
    """virStrToLong_ullp: leading blanks and a '+' allowed, nothing after the digits, no sign."""
    m = _ULL_RE.fullmatch(text)
    if m is None or int(m.group(1)) > ULLONG_MAX:
        return None
    return int(m.group(1))


def parse_scaled(el: RawElement, path: str) -> int | None:
    """virDomainParseMemory (uncapped): a size with an optional unit, in KiB rounded up; None if empty."""
    text = el.text or ""
    if not text:
        return None  # virXPathString: an empty string is no value at all
    value = parse_ull(text)
    if value is None:
        raise xml_errors.invalid_value(text, path)
    unit = el.get("unit")
    scale = _SCALE.get((unit or "KiB").lower())
    if scale is None:
        raise xml_errors.unknown_suffix(unit)
    if value > LLONG_MAX // scale:
        raise xml_errors.value_too_large(f"{value}{unit or ''}")
    kib = -(-value * scale // 1024)
    if kib >= MEMORY_KIB_LIMIT:
        raise errors.size_too_large()
    return kib


def scale_attr(value: str | None, unit: str | None) -> int:
    """A size given as attributes (a NUMA cell's memory and unit) in KiB, rounded up; 0 if it does not parse."""
    number = parse_ull(value or "")
    factor = _SCALE.get((unit or "KiB").lower())
    return 0 if number is None or factor is None else -(-number * factor // 1024)
