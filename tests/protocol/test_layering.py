"""protocol/ is sans-IO: it imports only the standard library and xdrlib3."""

from __future__ import annotations

import ast
import sys
from pathlib import Path

import pytest

import protocol

PACKAGE_DIR = Path(protocol.__file__).resolve().parent
ALLOWED_THIRD_PARTY = {"xdrlib3"}
# stdlib, but I/O or concurrency: the engine must not touch them
FORBIDDEN = {"trio", "socket", "asyncio", "selectors", "ssl", "threading", "fakevirt"}
SOURCES = sorted(PACKAGE_DIR.rglob("*.py"))


def imported_modules(path: Path) -> list[tuple[int, str]]:
    """(line, top-level module) of every absolute import in a file, including nested ones."""
    tree = ast.parse(path.read_text(), filename=str(path))
    found: list[tuple[int, str]] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found += [(node.lineno, a.name.split(".")[0]) for a in node.names]
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            found.append((node.lineno, node.module.split(".")[0]))
        elif (
            isinstance(node, ast.Call)
            and isinstance(node.func, (ast.Name, ast.Attribute))
            and getattr(node.func, "id", getattr(node.func, "attr", None)) in ("__import__", "import_module")
            and node.args
            and isinstance(node.args[0], ast.Constant)
        ):
            found.append((node.lineno, str(node.args[0].value).split(".")[0]))
    return found


def test_sources_found() -> None:
    """The walk sees the package, including the remote/ subpackage."""
    names = {p.relative_to(PACKAGE_DIR).as_posix() for p in SOURCES}
    assert {"__init__.py", "_connection.py", "_xdr.py", "remote/connect.py"} <= names


@pytest.mark.parametrize("path", SOURCES, ids=[p.relative_to(PACKAGE_DIR).as_posix() for p in SOURCES])
def test_imports_only_stdlib_and_xdrlib3(path: Path) -> None:
    """No trio, socket, asyncio, fakevirt, or any third-party module other than xdrlib3."""
    bad = [
        f"{path.name}:{line}: {mod}"
        for line, mod in imported_modules(path)
        if mod in FORBIDDEN or (mod not in sys.stdlib_module_names and mod not in ALLOWED_THIRD_PARTY)
    ]
    assert not bad, "protocol/ must stay sans-IO: " + ", ".join(bad)


def test_checker_catches_violations(tmp_path: Path) -> None:
    """The AST walk finds plain, from-, nested and dynamic imports."""
    f = tmp_path / "m.py"
    f.write_text(
        "import os, trio.lowlevel\nfrom fakevirt.model import x\n"
        "def f():\n    import socket\n    __import__('asyncio')\nfrom . import y\n"
    )
    assert sorted(m for _, m in imported_modules(f)) == ["asyncio", "fakevirt", "os", "socket", "trio"]
