"""A domain's <seclabel> as libvirt keeps it: what a define keeps, in libvirt's order, with the real daemon's twin."""

from __future__ import annotations

import os
import re
from collections.abc import Iterator

import libvirt
import pytest

NAME = f"arch-seclabel-{os.getpid()}"
CASES = [
    # attributes and children in the wrong order, a runtime <imagelabel> a define does not keep
    ("<seclabel relabel='yes' model='dac' type='static'><imagelabel>2:2</imagelabel><label>1:1</label></seclabel>",
     "<seclabel type='static' model='dac' relabel='yes'>\n    <label>1:1</label>\n  </seclabel>"),
    ("<seclabel type='dynamic' model='dac'><baselabel>3:3</baselabel></seclabel>",
     "<seclabel type='dynamic' model='dac' relabel='yes'>\n    <baselabel>3:3</baselabel>\n  </seclabel>"),
    ("<seclabel model='dac' type='static'><label>1:1</label></seclabel>",
     "<seclabel type='static' model='dac' relabel='no'>\n    <label>1:1</label>\n  </seclabel>"),
    ("<seclabel type='dynamic' model='dac' relabel='yes'><label>1:1</label><imagelabel>1:1</imagelabel></seclabel>",
     "<seclabel type='dynamic' model='dac' relabel='yes'/>"),
    ("<seclabel type='none'/>", "<seclabel type='none' model='none'/>"),
]


def _domain(seclabel: str) -> str:
    return (f"<domain type='qemu'><name>{NAME}</name><memory>65536</memory>"
            f"<os><type arch='x86_64'>hvm</type></os>{seclabel}</domain>")


def _kept(conn: libvirt.virConnect, seclabel: str) -> str:
    dom = conn.defineXML(_domain(seclabel))
    try:
        found = re.search(r"<seclabel.*?(?:/>|</seclabel>)", dom.XMLDesc(0), re.S)
        return found.group(0) if found else ""
    finally:
        dom.undefine()


@pytest.fixture
def conn(fakevirt_uri: str) -> Iterator[libvirt.virConnect]:
    c = libvirt.open(fakevirt_uri)
    yield c
    c.close()


@pytest.mark.parametrize(("given", "kept"), CASES)
def test_define_keeps_seclabel_as_libvirt(conn: libvirt.virConnect, given: str, kept: str) -> None:
    assert _kept(conn, given) == kept


@pytest.mark.real
@pytest.mark.parametrize(("given", "kept"), CASES)
def test_real_daemon_keeps_the_same(reference_uri: str, given: str, kept: str) -> None:
    c = libvirt.open(reference_uri)
    try:
        assert _kept(c, given) == kept
    finally:
        c.close()
