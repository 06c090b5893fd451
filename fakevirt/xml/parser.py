"""The one parser for every XML document a client sends: text -> ``RawElement`` tree.

It mimics libvirt's virXMLParse (libxml2 with XML_PARSE_NOBLANKS and libxml2's default limits):
blank text between elements is dropped, a document that is not well formed gets libvirt's
VIR_ERR_XML_DETAIL report (see ``parse_errors``), nesting deeper than libxml2's 256 levels and
entity expansion beyond libxml2's amplification limit (see ``entities``) are refused before any
work proportional to them is done.  Everything is linear in the document's size.
"""

from __future__ import annotations

import xml.parsers.expat as expat

from ..errors import ErrorDomain
from ..model.devices import RawElement
from .entities import check_entities
from .parse_errors import OpenTag, expat_error, too_deep

# libxml2's xmlParserMaxDepth: a start tag is refused when this many elements and one more are open.
MAX_DEPTH = 256


class _TooDeep(Exception):
    def __init__(self, pos: int) -> None:
        super().__init__(pos)
        self.pos = pos


class _Builder:
    """expat callbacks that build the tree; text pieces are joined once per run, not per piece.

    Unless ``keep_blanks``, XML_PARSE_NOBLANKS applies as the tree grows: blank text stays only as
    an element's only content (it is cleared when a first child opens; after a child it is dropped)."""

    def __init__(self, parser: expat.XMLParserType, keep_blanks: bool) -> None:
        self.parser = parser
        self.keep_blanks = keep_blanks
        self.stack: list[RawElement] = []
        self.lines: list[int] = []  # where each open element starts
        self.root: RawElement | None = None
        self.pieces: list[str] = []

    def flush(self) -> None:
        text = "".join(self.pieces)
        self.pieces.clear()
        if not self.stack:
            return
        el = self.stack[-1]
        if not el.children:
            el.text = text
        elif self.keep_blanks or text.strip():  # text after a child: kept on a text pseudo-child
            el.children.append(RawElement("#text", text=text))

    def start(self, tag: str, attrs: dict[str, str]) -> None:
        stack = self.stack
        if len(stack) > MAX_DEPTH:
            raise _TooDeep(self.parser.CurrentByteIndex)
        if self.pieces:
            self.flush()
        el = RawElement(tag, attrs)
        if stack:
            parent = stack[-1]
            if not parent.children and parent.text is not None and not self.keep_blanks and not parent.text.strip():
                parent.text = None
            parent.children.append(el)
        else:
            self.root = el
        stack.append(el)
        self.lines.append(self.parser.CurrentLineNumber)

    def end(self, tag: str) -> None:
        if self.pieces:
            self.flush()
        self.stack.pop()
        self.lines.pop()

    def chars(self, text: str) -> None:
        if self.stack:
            self.pieces.append(text)

    def opened(self) -> list[OpenTag]:
        return [OpenTag(el.tag, line) for el, line in zip(self.stack, self.lines, strict=True)]


def parse_xml(text: str, url: str = "(domain_definition)", domain: int = ErrorDomain.DOMAIN,
              keep_blanks: bool = False) -> RawElement:
    """Parse a document into a tree, or raise libvirt's VIR_ERR_XML_DETAIL error.

    Args:
        text: the document (strings off the wire keep invalid UTF-8 as surrogate escapes).
        url: the pseudo file name libvirt puts in front of parser messages.
        domain: the error domain (VIR_FROM_THIS of the caller).
        keep_blanks: keep whitespace-only text (libvirt parses metadata set by the API so).
    """
    return parse_document(text, url, domain, keep_blanks)[0]


def parse_document(text: str, url: str = "(domain_definition)", domain: int = ErrorDomain.DOMAIN,
                   keep_blanks: bool = False) -> tuple[RawElement, bool]:
    """``parse_xml``, and whether the document has a DOCTYPE declaration."""
    data = text.encode("utf-8", "surrogateescape")
    if b"<!DOCTYPE" in data:  # the only place entities are declared
        check_entities(data, url, domain)
    parser = expat.ParserCreate()
    parser.buffer_text = True  # one call per run of text, not one per line
    parser.buffer_size = 1 << 20
    b = _Builder(parser, keep_blanks)
    doctype: list[bool] = []
    parser.StartElementHandler = b.start
    parser.EndElementHandler = b.end
    parser.CharacterDataHandler = b.chars
    parser.StartDoctypeDeclHandler = lambda *_: doctype.append(True)
    try:
        parser.Parse(data, True)
    except expat.ExpatError as e:
        raise expat_error(data, e.code, parser.ErrorByteIndex, b.opened(), url, domain) from None
    except _TooDeep as e:
        raise too_deep(data, e.pos, MAX_DEPTH, url, domain) from None
    assert b.root is not None  # expat refuses a document without an element
    return b.root, bool(doctype)
