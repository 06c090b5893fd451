"""Every error fakevirt reports comes from the catalogue, fakevirt/errors/.

Outside that package no code builds an error from a code, a domain and a text of its own: no
``VirtError(...)`` / ``ImageError(...)`` / ``LibvirtError(...)``, no ``VirtError.report(...)`` and
no ``.internal(...)``, ``.invalid_arg(...)``, ``.operation_invalid(...)`` on those classes.  It calls
a named constructor of a family module (``errors.domain.not_active()``, ``errors.cpu.unknown_model(name)``)
or one of the generic ones that name a layer or a libvirt macro (``VirtError.rpc``, ``check_flags``).
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

import fakevirt
import fakevirt.errors

PACKAGE_DIR = Path(fakevirt.__file__).resolve().parent
CATALOGUE_DIR = Path(fakevirt.errors.__file__).resolve().parent
SOURCES = sorted(p for p in PACKAGE_DIR.rglob("*.py") if CATALOGUE_DIR not in p.parents)
ERROR_CLASSES = frozenset({"VirtError", "ImageError", "LibvirtError"})
AD_HOC = frozenset({"report", "internal", "invalid_arg", "operation_invalid"})


def ad_hoc_errors(source: str, filename: str = "<source>") -> list[str]:
    """``line: call`` for every error built outside the catalogue (import aliases of the classes included)."""
    tree = ast.parse(source, filename=filename)
    classes = set(ERROR_CLASSES)
    for node in ast.walk(tree):
        if isinstance(node, (ast.Import, ast.ImportFrom)):
            classes |= {a.asname for a in node.names if a.asname and a.name.rpartition(".")[2] in ERROR_CLASSES}

    def is_error_class(expr: ast.expr) -> bool:
        return ((isinstance(expr, ast.Name) and expr.id in classes)
                or (isinstance(expr, ast.Attribute) and expr.attr in ERROR_CLASSES))

    found: list[str] = []
    for node in ast.walk(tree):
        if not isinstance(node, ast.Call):
            continue
        func = node.func
        if is_error_class(func) or (isinstance(func, ast.Attribute) and func.attr in AD_HOC
                                    and is_error_class(func.value)):
            found.append(f"{node.lineno}: {ast.unparse(func)}(...)")
    return sorted(found, key=lambda s: int(s.partition(":")[0]))


def test_sources_found() -> None:
    names = {p.relative_to(PACKAGE_DIR).as_posix() for p in SOURCES}
    assert {"model/hypervisor.py", "model/hostcpu/x86.py", "xml/domcapabilities.py", "handlers/connect.py",
            "server/dispatch.py"} <= names
    assert not any(n.startswith("errors/") for n in names)


@pytest.mark.parametrize("path", SOURCES, ids=[p.relative_to(PACKAGE_DIR).as_posix() for p in SOURCES])
def test_errors_come_from_the_catalogue(path: Path) -> None:
    bad = ad_hoc_errors(path.read_text(), str(path))
    assert not bad, (f"{path.relative_to(PACKAGE_DIR)} builds errors outside fakevirt/errors/ "
                     "(add a named constructor there): " + ", ".join(bad))


def test_scanner_catches_violations() -> None:
    source = """
from ..errors import VirtError, ErrorCode, ErrorDomain
from ..errors import VirtError as E
from ..errors import images as err
from protocol import LibvirtError

def f(x):
    raise VirtError.report(ErrorCode.INTERNAL_ERROR, ErrorDomain.QEMU, "a")
    raise VirtError(ErrorCode.INTERNAL_ERROR, ErrorDomain.QEMU, "b")
    raise VirtError.internal("c")
    raise VirtError.invalid_arg("d")
    raise VirtError.operation_invalid("e")
    raise E.report(1, 2, "f")
    raise err.ImageError("g", "h")
    raise LibvirtError.report(1, 2, "i")
    raise errors.VirtError.internal("j")
"""
    assert ad_hoc_errors(source) == [
        "8: VirtError.report(...)", "9: VirtError(...)", "10: VirtError.internal(...)",
        "11: VirtError.invalid_arg(...)", "12: VirtError.operation_invalid(...)", "13: E.report(...)",
        "14: err.ImageError(...)", "15: LibvirtError.report(...)", "16: errors.VirtError.internal(...)"]


def test_scanner_allows_catalogue_calls() -> None:
    """Named constructors, the generic layer ones, and a family's own ``invalid_arg(message)`` pass."""
    source = """
from ..errors import VirtError, check_flags
from ..errors import domain as errors
from ..errors import cpu as err

def f(x):
    check_flags("qemuFoo", x, 0)
    raise err.unknown_model(x)
    raise errors.invalid_arg("target doesn't exist.")
    raise VirtError.rpc("too many")
    raise VirtError.unsupported_flags("qemuFoo", x)
    try:
        pass
    except VirtError as e:
        raise e
"""
    assert ad_hoc_errors(source) == []
