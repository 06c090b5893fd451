"""XML text <-> ``RawElement`` trees, with libvirt's error reports and its output conventions.

Parsing mimics libvirt's virXMLParse (libxml2 with XML_PARSE_NOBLANKS): blank text between
elements is dropped, and a document that is not well formed is reported as virXMLParse's
catchXMLError does: ``(domain_definition):LINE: MESSAGE`` followed by the offending line and a
caret.  Messages are libxml2's for the common mistakes; expat finds the position.
"""

from __future__ import annotations

import re
import xml.parsers.expat as expat
from dataclasses import dataclass

from ..errors import ErrorCode, ErrorDomain, VirtError
from ..model.devices import RawElement

_NAME_RE = re.compile(rb"[^\s=/>]+")


@dataclass
class _Open:
    tag: str
    line: int


def parse_xml(text: str, url: str = "(domain_definition)", domain: int = ErrorDomain.DOMAIN,
              keep_blanks: bool = False) -> RawElement:
    """Parse a document into a tree, or raise libvirt's VIR_ERR_XML_DETAIL error.

    Args:
        text: the document.
        url: the pseudo file name libvirt puts in front of parser messages.
        domain: the error domain (VIR_FROM_THIS of the caller).
        keep_blanks: keep whitespace-only text (libvirt parses metadata set by the API so).
    """
    data = text.encode("utf-8")
    parser = expat.ParserCreate()
    parser.ordered_attributes = True
    stack: list[RawElement] = []
    opened: list[_Open] = []
    root: list[RawElement] = []

    def start(tag: str, attrs: list[str]) -> None:
        el = RawElement(tag, dict(zip(attrs[::2], attrs[1::2], strict=True)))
        if stack:
            stack[-1].children.append(el)
        else:
            root.append(el)
        stack.append(el)
        opened.append(_Open(tag, parser.CurrentLineNumber))

    def end(tag: str) -> None:
        stack.pop()
        opened.pop()

    def chars(s: str) -> None:
        if stack:
            el = stack[-1]
            if el.children:  # text after a child: keep it on a text pseudo-child
                last = el.children[-1]
                if last.tag == "#text":
                    last.text = (last.text or "") + s
                else:
                    el.children.append(RawElement("#text", text=s))
            else:
                el.text = (el.text or "") + s

    parser.StartElementHandler = start
    parser.EndElementHandler = end
    parser.CharacterDataHandler = chars
    try:
        parser.Parse(data, True)
    except expat.ExpatError as e:
        raise _parse_error(data, e, opened, url, domain) from None
    if not keep_blanks:
        _drop_blanks(root[0])
    return root[0]


def _drop_blanks(el: RawElement) -> None:
    """XML_PARSE_NOBLANKS: blank text is dropped unless it is an element's only content."""
    kids = [c for c in el.children if not (c.tag == "#text" and not (c.text or "").strip())]
    if kids and el.text is not None and not el.text.strip():
        el.text = None
    el.children = kids
    for c in kids:
        _drop_blanks(c)


def _line_of(data: bytes, pos: int) -> int:
    return data.count(b"\n", 0, pos) + 1


def _parse_error(data: bytes, e: expat.ExpatError, opened: list[_Open], url: str, domain: int) -> VirtError:
    lines = data.split(b"\n")
    pos = sum(len(x) + 1 for x in lines[:e.lineno - 1]) + (e.offset or 0)
    pos = min(pos, len(data))
    msg: str
    code = e.code
    if code == expat.errors.codes[expat.errors.XML_ERROR_NO_ELEMENTS]:
        pos = len(data)
        if opened:
            msg = f"Premature end of data in tag {opened[-1].tag} line {opened[-1].line}"
        elif not data:
            msg = "Document is empty"
        else:
            msg = "Start tag expected, '<' not found"
    elif code == expat.errors.codes[expat.errors.XML_ERROR_SYNTAX] and not opened:
        msg = "Start tag expected, '<' not found"
    elif code == expat.errors.codes[expat.errors.XML_ERROR_TAG_MISMATCH]:
        m = _NAME_RE.match(data, pos)
        name = m.group().decode() if m else ""
        end = data.find(b">", pos)
        pos = end + 1 if end >= 0 else len(data)
        top = opened[-1] if opened else _Open("", 0)
        msg = f"Opening and ending tag mismatch: {top.tag} line {top.line} and {name}"
    elif code == expat.errors.codes[expat.errors.XML_ERROR_JUNK_AFTER_DOC_ELEMENT]:
        msg = "Extra content at the end of the document"
    elif code == expat.errors.codes[expat.errors.XML_ERROR_UNDEFINED_ENTITY]:
        end = data.find(b";", pos)
        name = data[pos + 1:end].decode(errors="replace")
        pos = end + 1
        msg = f"Entity '{name}' not defined"
    elif code == expat.errors.codes[expat.errors.XML_ERROR_DUPLICATE_ATTRIBUTE]:
        m = _NAME_RE.match(data, pos)
        name = m.group().decode() if m else ""
        pos = _after_attr_value(data, pos)
        msg = f"Attribute {name} redefined"
    elif code == expat.errors.codes[expat.errors.XML_ERROR_UNCLOSED_TOKEN] and data[pos:pos + 1] == b"<":
        m = _NAME_RE.match(data, pos + 1)
        name = m.group().decode() if m else ""
        pos = len(data)
        msg = f"Couldn't find end of Start Tag {name} line {_line_of(data, pos)}"
    elif code == expat.errors.codes[expat.errors.XML_ERROR_INVALID_TOKEN]:
        msg = _invalid_token_message(data, pos)
    else:
        msg = expat.errors.messages[code] if isinstance(code, int) else str(e)
    return VirtError.report(ErrorCode.XML_DETAIL, domain, _report(data, pos, url, msg))


def _after_attr_value(data: bytes, pos: int) -> int:
    eq = data.find(b"=", pos)
    i = eq + 1
    while i < len(data) and data[i:i + 1].isspace():
        i += 1
    quote = data[i:i + 1]
    close = data.find(quote, i + 1)
    return close + 1 if close >= 0 else len(data)


def _invalid_token_message(data: bytes, pos: int) -> str:
    before = data[:pos].rstrip()
    prev = before[-1:] if before else b""
    if prev == b"=":
        return "AttValue: \" or ' expected"
    if data[pos - 1:pos] == b"&":
        return "xmlParseEntityRef: no name"
    if data[pos - 1:pos] == b"<":
        return "StartTag: invalid element name"
    m = re.search(rb"([^\s<=/>]+)\s*$", data[:pos])
    in_tag = data.rfind(b"<", 0, pos) > data.rfind(b">", 0, pos)
    if in_tag and m and data[pos:pos + 1] in (b">", b"/", b" ", b"\t", b"\n"):
        return f"Specification mandates value for attribute {m.group(1).decode()}"
    ch = data[pos:pos + 1]
    if ch and ch[0] < 0x20:
        return f"PCDATA invalid Char value {ch[0]}"
    return "not well-formed (invalid token)"


def _report(data: bytes, pos: int, url: str, msg: str) -> str:
    """catchXMLError's layout: the line holding the error, and a caret under the position."""
    cur = pos
    while 0 < cur < len(data) + 1 and cur < len(data) and data[cur:cur + 1] in (b"\n", b"\r"):
        cur -= 1
    while cur > 0 and (cur >= len(data) or data[cur:cur + 1] not in (b"\n", b"\r")):
        cur -= 1
    if data[cur:cur + 1] in (b"\n", b"\r"):
        cur += 1
    col = pos - cur
    end = cur
    while end < len(data) and data[end:end + 1] not in (b"\n", b"\r"):
        end += 1
    context = data[cur:end]
    pointer = "".join("\t" if context[n:n + 1] == b"\t" else "-" for n in range(min(col, len(context))))
    shown = context.decode(errors="replace") if context else "(null)"
    return f"{url}:{_line_of(data, pos)}: {msg}\n{shown}\n{pointer}^"


# --- output ----------------------------------------------------------------------------------


def escape_attr(value: str) -> str:
    """virBufferEscapeString for an attribute or text: & < > ' " become entities."""
    return (value.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
            .replace("'", "&apos;").replace('"', "&quot;"))


def attrs_str(attrs: dict[str, str] | list[tuple[str, str]]) -> str:
    items = attrs.items() if isinstance(attrs, dict) else attrs
    return "".join(f" {k}='{escape_attr(v)}'" for k, v in items)


def raw_lines(el: RawElement, indent: int) -> list[str]:
    """A kept element formatted as libvirt formats its own: single quotes, 2-space indentation."""
    pad = " " * indent
    head = f"{pad}<{el.tag}{attrs_str(el.attrs)}"
    kids = [c for c in el.children if c.tag != "#text"]
    if not kids and el.text is None:
        return [head + "/>"]
    if not kids:
        return [f"{head}>{escape_attr(el.text or '')}</{el.tag}>"]
    if el.text is not None or len(kids) != len(el.children):  # mixed content: keep it inline
        return [f"{head}>{_inline(el)}</{el.tag}>"]
    out = [head + ">"]
    for c in kids:
        out.extend(raw_lines(c, indent + 2))
    out.append(f"{pad}</{el.tag}>")
    return out


def _inline(el: RawElement) -> str:
    parts = [escape_attr(el.text)] if el.text else []
    for c in el.children:
        if c.tag == "#text":
            parts.append(escape_attr(c.text or ""))
        else:
            inner = _inline(c)
            parts.append(f"<{c.tag}{attrs_str(c.attrs)}>{inner}</{c.tag}>" if inner or c.text is not None
                         else f"<{c.tag}{attrs_str(c.attrs)}/>")
    return "".join(parts)


# libxml2's xmlNodeDump, which libvirt uses for <metadata> content: double quotes, namespace
# declarations before attributes, and indentation only where an element has no text children.

def _xml_attr(value: str) -> str:
    return (value.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace('"', "&quot;")
            .replace("\n", "&#10;").replace("\r", "&#13;").replace("\t", "&#9;"))


def _xml_text(value: str) -> str:
    return value.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace("\r", "&#13;")


def _dump_attrs(el: RawElement) -> str:
    ns = [(k, v) for k, v in el.attrs.items() if k == "xmlns" or k.startswith("xmlns:")]
    rest = [(k, v) for k, v in el.attrs.items() if not (k == "xmlns" or k.startswith("xmlns:"))]
    return "".join(f' {k}="{_xml_attr(v)}"' for k, v in ns + rest)


def node_dump(el: RawElement, level: int, fmt: bool = True) -> str:
    """xmlNodeDump(buf, doc, node, level, format)."""
    head = f"<{el.tag}{_dump_attrs(el)}"
    kids = el.children
    if not kids and el.text is None:
        return head + "/>"
    has_text = el.text is not None or any(c.tag == "#text" for c in kids)
    indent_kids = fmt and not has_text
    parts = [head, ">"]
    if el.text:
        parts.append(_xml_text(el.text))
    for c in kids:
        if c.tag == "#text":
            parts.append(_xml_text(c.text or ""))
            continue
        if indent_kids:
            parts.append("\n" + "  " * (level + 1))
        parts.append(node_dump(c, level + 1, indent_kids))
    if indent_kids and kids:
        parts.append("\n" + "  " * level)
    parts.append(f"</{el.tag}>")
    return "".join(parts)
