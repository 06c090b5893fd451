"""Internal entities, checked before anything is expanded (the "billion laughs" guard).

libvirt parses with libxml2's defaults: a document may declare and use internal entities, but
libxml2 refuses references nested deeper than 40 (so any loop) and expansion out of proportion
to the document ("Detected an entity reference loop"), and a reference to an undeclared entity.
expat would expand first and complain late, so the declarations are read on their own (the
DOCTYPE only, nothing expanded), the expansion of every referenced entity is measured from them
in time linear in the declarations, and a document over budget is refused before the real parse.

The limits are ours, in libxml2's spirit: at most ``len(document)`` references in total and ten
times the document (plus libxml2's 10 MB text limit) in expanded bytes.  Where libxml2's heuristics
trip on a content reference it shows the entity text it was in; we point at the document's reference.
"""

from __future__ import annotations

import re
import xml.parsers.expat as expat
from dataclasses import dataclass, field

from ..errors import VirtError
from .parse_errors import report_at

_REF = re.compile(rb"&([^\s&;#<>'\"%]+);")
_PREDEFINED = frozenset({"lt", "gt", "amp", "apos", "quot"})
MAX_NESTING = 40  # libxml2: entity references nested deeper than this are a loop
NON_LINEAR = 10  # libxml2's XML_PARSER_NON_LINEAR
MAX_TEXT = 10_000_000  # libxml2's XML_MAX_TEXT_LENGTH
LOOP = "Detected an entity reference loop"


def undefined(name: str) -> str:
    return f"Entity '{name}' not defined"


class _DtdDone(Exception):
    pass


@dataclass
class _Cost:
    size: int  # bytes of the replacement text, fully expanded
    refs: int  # entity references expanded on the way, the reference itself included


@dataclass
class _Declarations:
    values: dict[str, bytes] = field(default_factory=dict)  # general entities; external ones are empty
    body: int = 0  # where the document after the DOCTYPE starts
    parameter_at: int = -1  # where a parameter entity is declared


def check_entities(data: bytes, url: str, domain: int) -> None:
    """Raise libvirt's XML error for entities libxml2 would refuse, or whose expansion is over budget."""
    decls = _declarations(data)
    if decls.parameter_at >= 0:  # their expansion happens inside the DTD, before any check: refused
        raise report_at(data, decls.parameter_at, url, LOOP, domain)
    costs: dict[str, _Cost] = {}
    size_budget, refs_budget = NON_LINEAR * len(data) + MAX_TEXT, len(data)
    size = refs = 0
    for m in _REF.finditer(data, decls.body):
        name = m.group(1).decode("utf-8", "surrogateescape")
        if name not in decls.values:
            if name in _PREDEFINED:
                continue
            raise report_at(data, m.end(), url, undefined(name), domain)
        cost = _cost(name, decls.values, costs, 1, domain)
        size, refs = size + cost.size, refs + cost.refs
        if size > size_budget or refs > refs_budget:
            raise report_at(data, m.end(), url, LOOP, domain)


def _declarations(data: bytes) -> _Declarations:
    """The DOCTYPE's entity declarations; expat stops right after it, so nothing is expanded."""
    found = _Declarations()
    parser = expat.ParserCreate()

    def entity(name: str, is_parameter: bool, value: str | None, *_: object) -> None:
        if is_parameter:
            if found.parameter_at < 0:
                found.parameter_at = parser.CurrentByteIndex
        else:  # the first declaration counts (XML 1.0 4.2)
            found.values.setdefault(name, (value or "").encode("utf-8", "surrogateescape"))

    def end_doctype() -> None:
        found.body = parser.CurrentByteIndex
        raise _DtdDone

    parser.EntityDeclHandler = entity
    parser.EndDoctypeDeclHandler = end_doctype
    try:
        parser.Parse(data, True)
    except (_DtdDone, expat.ExpatError):
        pass  # a document that is not well formed is reported by the real parse, at the same place
    return found


def _cost(name: str, values: dict[str, bytes], costs: dict[str, _Cost], depth: int, domain: int) -> _Cost:
    """What expanding entity ``name`` at nesting ``depth`` costs; each entity is measured once."""
    if (known := costs.get(name)) is not None:
        return known
    value = values[name]
    size, refs = len(value), 1
    for m in _REF.finditer(value):
        ref = m.group(1).decode("utf-8", "surrogateescape")
        if ref not in values:
            if ref in _PREDEFINED:
                continue
            raise _in_entity(value, m.end(), undefined(ref), domain)
        if depth + 1 > MAX_NESTING:
            raise _in_entity(value, m.end(), LOOP, domain)
        inner = _cost(ref, values, costs, depth + 1, domain)
        size, refs = size - len(m.group()) + inner.size, refs + inner.refs
    costs[name] = _Cost(size, refs)
    return costs[name]


def _in_entity(value: bytes, pos: int, msg: str, domain: int) -> VirtError:
    """An error in an entity's replacement text: libxml2 has no file name for it."""
    return report_at(value, pos, None, msg, domain)
