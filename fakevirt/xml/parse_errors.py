"""libvirt's reports of documents libxml2 refuses (virXMLParse's catchXMLError), from expat's findings.

Layout: ``URL:LINE: MESSAGE`` then the offending line and a caret under the position; an error
inside an entity's replacement text has no URL and reads ``at line N: ...``.  Messages are
libxml2 2.9's for the common mistakes.  Every step is linear in the document's size.
"""

from __future__ import annotations

import re
import xml.parsers.expat as expat
from dataclasses import dataclass

from ..errors import VirtError
from ..errors import xml as err

_NAME_RE = re.compile(rb"[^\s=/>]+")
_POINTER = bytes(9 if b == 9 else 45 for b in range(256))  # the caret line: tabs kept, the rest "-"
_LAST_WORD = re.compile(rb"([^\s<=/>]+)")
_CODES = expat.errors.codes
_E = expat.errors


@dataclass
class OpenTag:
    tag: str
    line: int


def detail(url: str | None, line: int, msg: str, context: bytes, col: int, domain: int) -> VirtError:
    """VIR_ERR_XML_DETAIL as catchXMLError words it (context: the line shown, col: the caret's column)."""
    pointer = context[:col].translate(_POINTER).decode()
    # the line goes back out as the client's own bytes, invalid UTF-8 included
    shown = context.decode("utf-8", "surrogateescape") if context else "(null)"
    where = f"{url}:{line}" if url is not None else f"at line {line}"
    return err.parse_error(where, msg, shown, pointer, domain)


def report_at(data: bytes, pos: int, url: str | None, msg: str, domain: int) -> VirtError:
    """The error at byte ``pos`` of ``data``: its line, and the caret under it."""
    pos = max(0, min(pos, len(data)))
    cur = pos
    if pos < len(data):  # catchXMLError first steps back over the line ends it stands on
        cur = max(len(data[:pos + 1].rstrip(b"\r\n")) - 1, 0)
    start = max(data.rfind(b"\n", 0, cur + 1), data.rfind(b"\r", 0, cur + 1)) + 1
    end = len(data)
    for sep in (b"\n", b"\r", b"\0"):
        i = data.find(sep, start, end)
        if i >= 0:
            end = i
    return detail(url, _line_of(data, pos), msg, data[start:end], pos - start, domain)


def too_deep(data: bytes, pos: int, limit: int, url: str, domain: int) -> VirtError:
    return report_at(data, pos, url, f"Excessive depth in document: {limit} use XML_PARSE_HUGE option", domain)


def bad_utf8_at(data: bytes, pos: int) -> bool:
    """Whether the bytes at ``pos`` are no UTF-8 character."""
    try:
        data[pos:pos + 4].decode("utf-8")
    except UnicodeDecodeError as e:
        return e.start == 0
    return False


def not_utf8(data: bytes, pos: int, url: str, domain: int) -> VirtError:
    msg = "Input is not proper UTF-8, indicate encoding !"
    if len(data) - pos >= 4:
        msg += "\nBytes: " + " ".join(f"0x{b:02X}" for b in data[pos:pos + 4])
    return report_at(data, pos, url, msg, domain)


def expat_error(data: bytes, code: int, pos: int, opened: list[OpenTag], url: str, domain: int) -> VirtError:
    """The report libvirt gives for the mistake expat found at byte ``pos``."""
    pos = max(0, min(pos, len(data)))
    if code == _CODES[_E.XML_ERROR_INVALID_TOKEN] and bad_utf8_at(data, pos):
        return not_utf8(data, pos, url, domain)
    msg: str
    if code == _CODES[_E.XML_ERROR_NO_ELEMENTS]:
        pos = len(data)
        if opened:
            msg = f"Premature end of data in tag {opened[-1].tag} line {opened[-1].line}"
        elif not data:
            msg = "Document is empty"
        else:
            msg = "Start tag expected, '<' not found"
    elif code == _CODES[_E.XML_ERROR_SYNTAX] and not opened:
        msg = "Start tag expected, '<' not found"
    elif code == _CODES[_E.XML_ERROR_TAG_MISMATCH]:
        m = _NAME_RE.match(data, pos)
        name = m.group().decode("utf-8", "surrogateescape") if m else ""
        end = data.find(b">", pos)
        pos = end + 1 if end >= 0 else len(data)
        top = opened[-1] if opened else OpenTag("", 0)
        msg = f"Opening and ending tag mismatch: {top.tag} line {top.line} and {name}"
    elif code == _CODES[_E.XML_ERROR_JUNK_AFTER_DOC_ELEMENT]:
        msg = "Extra content at the end of the document"
    elif code == _CODES[_E.XML_ERROR_UNDEFINED_ENTITY]:
        end = data.find(b";", pos)
        name = data[pos + 1:end].decode("utf-8", "surrogateescape")
        pos = end + 1
        msg = f"Entity '{name}' not defined"
    elif code == _CODES[_E.XML_ERROR_DUPLICATE_ATTRIBUTE]:
        m = _NAME_RE.match(data, pos)
        name = m.group().decode("utf-8", "surrogateescape") if m else ""
        pos = _after_attr_value(data, pos)
        msg = f"Attribute {name} redefined"
    elif code == _CODES[_E.XML_ERROR_UNCLOSED_TOKEN] and data[pos:pos + 1] == b"<":
        m = _NAME_RE.match(data, pos + 1)
        name = m.group().decode("utf-8", "surrogateescape") if m else ""
        msg = f"Couldn't find end of Start Tag {name} line {_line_of(data, pos)}"  # where the tag starts
        pos = len(data)
    elif code == _CODES[_E.XML_ERROR_INVALID_TOKEN]:
        msg = _invalid_token_message(data, pos)
    else:
        msg = expat.errors.messages[code]
    return report_at(data, pos, url, msg, domain)


def _line_of(data: bytes, pos: int) -> int:
    return data.count(b"\n", 0, pos) + 1


def _after_attr_value(data: bytes, pos: int) -> int:
    i = data.find(b"=", pos) + 1
    while i < len(data) and data[i:i + 1].isspace():
        i += 1
    close = data.find(data[i:i + 1], i + 1)
    return close + 1 if close >= 0 else len(data)


def _invalid_token_message(data: bytes, pos: int) -> str:
    before = data[:pos].rstrip()
    if before.endswith(b"="):
        return "AttValue: \" or ' expected"
    if data[pos - 1:pos] == b"&":
        return "xmlParseEntityRef: no name"
    if data[pos - 1:pos] == b"<":
        return "StartTag: invalid element name"
    in_tag = data.rfind(b"<", 0, pos) > data.rfind(b">", 0, pos)
    m = _LAST_WORD.match(before[::-1]) if in_tag else None  # reversed: an anchored match stays linear
    if m and data[pos:pos + 1] in (b">", b"/", b" ", b"\t", b"\n"):
        word = m.group(1)[::-1].decode("utf-8", "surrogateescape")
        return f"Specification mandates value for attribute {word}"
    ch = data[pos:pos + 1]
    if ch and ch[0] < 0x20:
        return f"PCDATA invalid Char value {ch[0]}"
    return "not well-formed (invalid token)"
