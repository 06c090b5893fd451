"""yajl's refusals replayed (model/qmp/yajl.py) against what libvirtd 9.0 answered to the same texts
through virDomainQemuMonitorCommand (tests/model/data/yajl_reference.json: 364 texts, hand-written
and random, recorded from the reference daemon; null where yajl accepted the text)."""

from __future__ import annotations

import json
import time
from pathlib import Path

import pytest

from fakevirt.errors import VirtError
from fakevirt.model.qmp import jsontext
from fakevirt.model.qmp.yajl import context, first_error

RECORDED = json.loads((Path(__file__).parent / "data" / "yajl_reference.json").read_text())


@pytest.mark.parametrize(("text", "answer"), RECORDED, ids=[repr(t)[:40] for t, _ in RECORDED])
def test_replay_matches_libvirtd(text: str, answer: str | None) -> None:
    data = text.encode("utf-8", "surrogateescape")
    found = first_error(data)
    mine = None if found is None else f"internal error: cannot parse json {text}: {found[0]}\n{context(data, found[1])}"
    assert mine == answer


def test_loads_reports_what_python_json_accepts_and_yajl_does_not() -> None:
    for text in ('{"a":1,"a":2}', "[NaN]", '["\udcff"]'):
        with pytest.raises(VirtError) as e:
            jsontext.loads(text)
        assert e.value.message.startswith(f"internal error: cannot parse json {text}: ")
    assert jsontext.loads("\f[1]\v") == [1]  # yajl's whitespace has \v and \f


def test_depth() -> None:
    """yajl reads any depth; yajl_gen, which sends the command on, stops at 128 levels."""
    jsontext.check_sendable(jsontext.loads("[" * 127 + "]" * 127))
    for depth in (128, 5000):  # deeper than Python's json goes: the replay says the text is fine
        with pytest.raises(VirtError) as e:
            jsontext.check_sendable(jsontext.loads("[" * depth + "]" * depth))
        assert e.value.message == "internal error: failed to convert virJSONValue to yajl data"


def test_replay_of_a_long_text_is_token_by_token() -> None:
    """Strings and whole tokens go by regex: a 4 MB string is one step."""
    start = time.perf_counter()
    assert first_error(b'["' + b"a" * (4 << 20) + b'" x') == ("lexical error: invalid char in json text.", (4 << 20) + 5)
    assert time.perf_counter() - start < 1


def test_a_text_of_too_many_tokens_is_not_replayed() -> None:
    # the replay runs in the server's thread: a client's 200 KB of tiny tokens must not hold it for
    # seconds; libvirt's error then carries Python's verdict and position instead of yajl's
    from fakevirt.errors import VirtError
    from fakevirt.model.qmp import jsontext, yajl

    text = "[" + "1," * 100_000 + "]"
    with pytest.raises(yajl.TooLong):
        yajl.first_error(text.encode())
    with pytest.raises(VirtError) as e:
        jsontext.loads(text)
    assert "parse error: invalid JSON text" in e.value.message
