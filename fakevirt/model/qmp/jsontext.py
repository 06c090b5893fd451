"""JSON in and out as libvirt's virJSON (yajl 2.1) and QEMU write and refuse it."""

from __future__ import annotations

import json
import re
from typing import Any

from ...errors import console as errors
from . import yajl

# what Python's json reads and yajl does not (NaN, duplicate keys, bytes that are not UTF-8), or the
# other way round (\v and \f between tokens): yajl's replay decides
_NOT_UTF8 = re.compile("[\udc80-\udcff]")


class _Differs(Exception):
    pass


def dumps(value: Any) -> str:
    """Compact, in the members' order, UTF-8 kept: what virJSONValueToString(…, false) prints."""
    return json.dumps(value, separators=(",", ":"), ensure_ascii=False)


def _object(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    value = dict(pairs)
    if len(value) != len(pairs):
        raise _Differs
    return value


def _constant(name: str) -> Any:
    raise _Differs


def loads(text: str) -> Any:
    """virJSONValueFromString: the value, or libvirt's error with yajl's verbose message."""
    try:
        if _NOT_UTF8.search(text):
            raise _Differs
        return json.loads(text, object_pairs_hook=_object, parse_constant=_constant)
    except (ValueError, _Differs, RecursionError) as e:
        data = text.encode("utf-8", "surrogateescape")
        try:
            found = yajl.first_error(data)
        except yajl.TooLong:  # not replayed in the server's thread: Python's verdict and position
            raise errors.json_parse(text, "parse error: invalid JSON text",
                                    yajl.context(data, getattr(e, "pos", 0))) from None
        if found is not None:
            raise errors.json_parse(text, found[0], yajl.context(data, found[1])) from None
        if isinstance(e, RecursionError):  # yajl reads any depth; sending it back is what fails
            raise errors.json_convert() from None
        return json.loads(text.replace("\v", " ").replace("\f", " "))


def check_sendable(value: Any) -> None:
    """virJSONValueToString of a command before it goes to QEMU or the agent: yajl_gen's depth limit."""
    if yajl.depth(value) >= yajl.MAX_GEN_DEPTH:
        raise errors.json_convert()
