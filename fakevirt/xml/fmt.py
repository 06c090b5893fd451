"""A tiny element tree and the serializer that writes it the way libvirt's virBuffer does.

libvirt's documents use single-quoted attributes, ``<tag/>`` for empty elements (no space),
two-space indentation and a newline after every line; ElementTree writes none of that, so the
host documents are built as ``El`` trees and rendered here.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from types import MappingProxyType

BLANK = None
"""A child that renders as an empty line (capabilities puts one between its sections)."""

# virBufferEscapeString: these five become entities; other control characters are dropped.
_ENTITIES = MappingProxyType({"<": "&lt;", ">": "&gt;", "&": "&amp;", "'": "&apos;", '"': "&quot;"})


def escape(text: str) -> str:
    """Escape text or an attribute value as virBufferEscapeString does."""
    out = []
    for ch in text:
        if ch in _ENTITIES:
            out.append(_ENTITIES[ch])
        elif ord(ch) < 0x20 and ch not in "\t\n\r":
            continue
        else:
            out.append(ch)
    return "".join(out)



# xml.sax.saxutils' escape and quoteattr, without the urllib/http/email modules saxutils imports
# (a tenth of fakevirt's start-up); used where libxml2's own output is mimicked.
_SAX_TEXT = str.maketrans({"&": "&amp;", "<": "&lt;", ">": "&gt;"})
_SAX_ATTR = str.maketrans({"&": "&amp;", "<": "&lt;", ">": "&gt;", "\n": "&#10;", "\r": "&#13;", "\t": "&#9;"})


def sax_escape(text: str) -> str:
    """``xml.sax.saxutils.escape(text)``: &, < and > as entities."""
    return text.translate(_SAX_TEXT)


def sax_quoteattr(value: str) -> str:
    """``xml.sax.saxutils.quoteattr(value)``: escaped and quoted, in single quotes when it holds
    a double quote but no single quote."""
    value = value.translate(_SAX_ATTR)
    if '"' not in value:
        return f'"{value}"'
    if "'" not in value:
        return f"'{value}'"
    return '"' + value.replace('"', "&quot;") + '"'


@dataclass
class El:
    """One element: tag, attributes in output order, optional text, children."""

    tag: str
    attrs: dict[str, str] = field(default_factory=dict)
    text: str | None = None
    children: list[El | None] = field(default_factory=list)

    def add(self, tag: str, text: str | int | None = None, /, **attrs: str | int) -> El:
        """Append and return a child; attribute values are formatted with str()."""
        child = El(tag, {k: str(v) for k, v in attrs.items()}, None if text is None else str(text))
        self.children.append(child)
        return child

    def extend(self, children: Iterable[El | None]) -> El:
        self.children.extend(children)
        return self

    def blank(self) -> None:
        self.children.append(BLANK)


def el(tag: str, text: str | int | None = None, /, **attrs: str | int) -> El:
    """Build a detached element."""
    return El(tag, {k: str(v) for k, v in attrs.items()}, None if text is None else str(text))


def render(root: El) -> str:
    """The document text, ending with a newline, indented by two spaces per level."""
    lines: list[str] = []
    _render(root, 0, lines)
    return "".join(lines)


def _render(node: El, depth: int, lines: list[str]) -> None:
    pad = "  " * depth
    attrs = "".join(f" {k}='{escape(v)}'" for k, v in node.attrs.items())
    if node.text is not None:
        lines.append(f"{pad}<{node.tag}{attrs}>{escape(node.text)}</{node.tag}>\n")
        return
    if not node.children:
        lines.append(f"{pad}<{node.tag}{attrs}/>\n")
        return
    lines.append(f"{pad}<{node.tag}{attrs}>\n")
    for child in node.children:
        if child is BLANK:
            lines.append("\n")  # virBuffer does not indent an empty line
        else:
            _render(child, depth + 1, lines)
    lines.append(f"{pad}</{node.tag}>\n")


def format_bitmap(ids: Iterable[int]) -> str:
    """A CPU set as virBitmapFormat writes it: '0-3,8,10-11' (any run of two or more is a range)."""
    runs: list[str] = []
    ordered = sorted(set(ids))
    i = 0
    while i < len(ordered):
        j = i
        while j + 1 < len(ordered) and ordered[j + 1] == ordered[j] + 1:
            j += 1
        runs.append(str(ordered[i]) if i == j else f"{ordered[i]}-{ordered[j]}")
        i = j + 1
    return ",".join(runs)
