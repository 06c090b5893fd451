"""Helpers of the client tests: virsh's output or error text, libvirt-python's error triple."""

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any, Protocol

import libvirt
import pytest


class _Result(Protocol):
    returncode: int
    stdout: str
    stderr: str


def ok(r: _Result) -> str:
    """virsh's stdout; the test fails (showing stderr) unless virsh succeeded."""
    assert r.returncode == 0, r.stderr
    return r.stdout


def err(r: _Result) -> str:
    """virsh's error text; the test fails (showing stdout) unless virsh exited with 1."""
    assert r.returncode == 1, r.stdout
    return r.stderr.strip()


def result_or_error(fn: Callable[..., Any], *args: Any) -> Any:
    """What fn(*args) gave, for a scenario compared with the reference's: its result, or its error as
    (code, domain, message)."""
    try:
        return fn(*args)
    except libvirt.libvirtError as e:
        return e.get_error_code(), e.get_error_domain(), e.get_error_message()


def error_of(fn: Callable[..., object], *args: Any) -> tuple[int, int, str]:
    """(code, domain, message) of the libvirtError fn(*args) raises; the test fails if it returns."""
    with pytest.raises(libvirt.libvirtError) as e:
        fn(*args)
    return e.value.get_error_code(), e.value.get_error_domain(), e.value.get_error_message()


@contextmanager
def reference_session(uri: str, cleanup: Callable[[libvirt.virConnect], None]) -> Iterator[tuple[libvirt.virConnect, str]]:
    """A connection to the reference daemon and an images directory of the test's own under
    /var/lib/libvirt/images (where its QEMU may open files); ``cleanup`` runs before and after."""
    target = tempfile.mkdtemp(prefix="fvtest-", dir="/var/lib/libvirt/images")
    os.chmod(target, 0o755)
    conn = libvirt.open(uri)
    cleanup(conn)
    try:
        yield conn, target
    finally:
        cleanup(conn)
        conn.close()
        shutil.rmtree(target, ignore_errors=True)
