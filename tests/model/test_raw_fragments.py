"""The model keeps raw XML fragments (``RawElement``) only as opaque data: it neither builds them nor
looks inside them; ``fakevirt/xml`` parses what the model reads into typed fields and formats them.

An AST check over fakevirt/model: no ``RawElement(...)`` built, no ``.find("tag")``/``.findall("tag")``
lookup, no ``.without(...)``. A lookup by a name held in a variable (``tree.find(name)``) is not an
XML lookup and passes. The ``<backingStore>`` chain is still raw and is being typed separately;
its uses are allowed, at most as many as listed, so the list can only shrink.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

import fakevirt.model

MODEL_DIR = Path(fakevirt.model.__file__).resolve().parent
DEFINES_RAW = {"devices.py"}  # where RawElement is defined (its own deep copy builds elements)
# the <backingStore> chain, until it becomes a typed BackingStore: file -> at most this many uses
BACKING_CHAIN: dict[str, int] = {}  # empty since <backingStore> is a typed BackingStore
SOURCES = sorted(p for p in MODEL_DIR.rglob("*.py") if p.relative_to(MODEL_DIR).as_posix() not in DEFINES_RAW)


def raw_uses(source: str) -> list[tuple[int, str]]:
    """(line, what) of every place the code builds or reads inside a RawElement."""
    found: list[tuple[int, str]] = []
    for node in ast.walk(ast.parse(source)):
        if not isinstance(node, ast.Call):
            continue
        func = node.func
        if isinstance(func, ast.Name) and func.id == "RawElement":
            found.append((node.lineno, "RawElement(...)"))
        elif isinstance(func, ast.Attribute) and func.attr == "without":
            found.append((node.lineno, ".without(...)"))
        elif (isinstance(func, ast.Attribute) and func.attr in ("find", "findall") and node.args
              and isinstance(node.args[0], ast.Constant) and isinstance(node.args[0].value, str)):
            found.append((node.lineno, f'.{func.attr}("{node.args[0].value}")'))
    return found


def test_the_check_sees_raw_uses() -> None:
    code = ('x = RawElement("a")\ny = el.find("driver")\nz = el.findall("feature")\nw = el.without("index")\n'
            'ok = tree.find(name)\n')
    assert [what for _, what in raw_uses(code)] == ['RawElement(...)', '.find("driver")', '.findall("feature")',
                                                    '.without(...)']


@pytest.mark.parametrize("path", SOURCES, ids=[p.relative_to(MODEL_DIR).as_posix() for p in SOURCES])
def test_model_does_not_build_or_read_raw_fragments(path: Path) -> None:
    rel = path.relative_to(MODEL_DIR).as_posix()
    uses = raw_uses(path.read_text())
    allowed = BACKING_CHAIN.get(rel, 0)
    assert len(uses) <= allowed, (f"{rel} builds or reads raw XML fragments: "
                                  + ", ".join(f"{line}: {what}" for line, what in uses)
                                  + "; parse what the model needs into a typed field in fakevirt/xml")

