"""fakevirt/model/ is the emulated state and its rules: it imports no XML, server or handler code.

xml/ parses into model objects and formats them, handlers/ call the model, server/ runs the
handlers; the arrows point one way only, so the model can be used (and tested) on its own.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

import fakevirt.model

MODEL_DIR = Path(fakevirt.model.__file__).resolve().parent
PACKAGE_ROOT = MODEL_DIR.parent.parent
FORBIDDEN = ("fakevirt.xml", "fakevirt.server", "fakevirt.handlers")
SOURCES = sorted(MODEL_DIR.rglob("*.py"))


def module_name(path: Path, root: Path) -> str:
    parts = list(path.relative_to(root).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def imported_modules(path: Path, root: Path = PACKAGE_ROOT) -> list[tuple[int, str]]:
    """(line, absolute module) of every import in a file, relative ones resolved, nested ones included."""
    name = module_name(path, root)
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    found: list[tuple[int, str]] = []
    for node in ast.walk(ast.parse(path.read_text(), filename=str(path))):
        if isinstance(node, ast.Import):
            found += [(node.lineno, a.name) for a in node.names]
        elif isinstance(node, ast.ImportFrom):
            if node.level == 0:
                base = node.module or ""
            else:
                base = ".".join(package.split(".")[: len(package.split(".")) - node.level + 1])
                base = f"{base}.{node.module}" if node.module else base
            found += [(node.lineno, base)] + [(node.lineno, f"{base}.{a.name}") for a in node.names]
    return found


def forbidden(path: Path, root: Path = PACKAGE_ROOT) -> list[str]:
    return [f"{path.name}:{line}: {mod}" for line, mod in imported_modules(path, root)
            if any(mod == f or mod.startswith(f + ".") for f in FORBIDDEN)]


def test_sources_found() -> None:
    names = {p.relative_to(MODEL_DIR).as_posix() for p in SOURCES}
    assert {"domain_driver.py", "domaindef/definition.py", "domaindef/normalize.py", "snapshots/api.py"} <= names


@pytest.mark.parametrize("path", SOURCES, ids=[p.relative_to(MODEL_DIR).as_posix() for p in SOURCES])
def test_model_imports_no_xml_server_or_handlers(path: Path) -> None:
    bad = forbidden(path)
    assert not bad, "the model must not import xml/, server/ or handlers/: " + ", ".join(bad)


def test_checker_catches_violations(tmp_path: Path) -> None:
    """Relative, absolute, from-package and function-level imports are all seen."""
    pkg = tmp_path / "fakevirt" / "model" / "sub"
    pkg.mkdir(parents=True)
    f = pkg / "m.py"
    f.write_text("from ...xml.domain import x\nfrom ... import server\nimport fakevirt.handlers.domain\n"
                 "def g():\n    from ..domains import Domains\n    from ...xml import parser\n")
    found = {b.split(": ")[1] for b in forbidden(f, tmp_path)}
    assert found == {"fakevirt.xml.domain", "fakevirt.xml.domain.x", "fakevirt.server", "fakevirt.handlers.domain",
                     "fakevirt.xml", "fakevirt.xml.parser"}
