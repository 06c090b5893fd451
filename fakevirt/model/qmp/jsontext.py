"""JSON in and out as libvirt's virJSON (yajl) and QEMU write and refuse it."""

from __future__ import annotations

import json
from typing import Any

from ...errors import console as errors

_LITERAL_STARTS = "tfn"  # true, false, null: yajl calls a broken one an "invalid string"


def dumps(value: Any) -> str:
    """Compact, in the members' order, UTF-8 kept: what virJSONValueToString(…, false) prints."""
    return json.dumps(value, separators=(",", ":"), ensure_ascii=False)


def loads(text: str) -> Any:
    """virJSONValueFromString: the value, or libvirt's error with yajl's verbose message."""
    try:
        return json.loads(text)
    except json.JSONDecodeError as e:
        raise _yajl_error(text, e) from None
    except RecursionError:
        raise errors.json_parse(text, "parse error: excessive nesting", 1) from None


def _yajl_error(text: str, e: json.JSONDecodeError) -> Exception:
    if e.msg.startswith("Extra data"):
        end = e.pos
        while end < len(text) and not text[end].isspace():
            end += 1
        return errors.json_parse(text, "parse error: trailing garbage", end)
    if text[e.pos:].strip() == "" or e.msg.startswith("Unterminated string"):
        return errors.json_parse(text, "parse error: premature EOF", 1)
    bad = text[e.pos]
    reason = "invalid string in json text." if bad in _LITERAL_STARTS or (
        e.pos > 0 and text[e.pos - 1] in _LITERAL_STARTS) else "invalid char in json text."
    return errors.json_parse(text, f"lexical error: {reason}", e.pos + 1)
