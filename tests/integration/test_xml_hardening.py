"""Hostile documents through real clients: libvirt's XML errors at once, and the server keeps serving."""

from __future__ import annotations

import os
import subprocess
import time
from pathlib import Path

import libvirt
import pytest

from fakevirt.testing import minimal_domain_xml

HEAD = "<domain type='qemu'><name>x</name><memory>65536</memory><os><type>hvm</type></os>"
LAUGHS = ('<?xml version="1.0"?>\n<!DOCTYPE domain [\n<!ENTITY a "aaaaaaaaaa">\n'
          + "".join(f'<!ENTITY {c} "{("&" + p + ";") * 10}">\n' for p, c in zip("abcdefgh", "bcdefghi", strict=True))
          + "]>\n<domain type='qemu'>\n  <name>laughs</name>\n  <description x=\"&i;\"/>\n"
          "  <memory>65536</memory>\n  <os><type>hvm</type></os>\n</domain>\n")
DEEP = HEAD + "<metadata><x:a xmlns:x='http://x'>" + "<b>" * 1000 + "</b>" * 1000 + "</x:a></metadata></domain>"
BAD_UTF8 = b"<domain type='qemu'>\n  <name>u8</name>\n  <description>ab\xc3\x28cd</description></domain>"
# answers that match libvirtd 9.0 word for word (checked by test_errors_match_the_reference_daemon)
SAME_AS_LIBVIRT = {
    "loop": '<!DOCTYPE domain [<!ENTITY a "x&b;"><!ENTITY b "y&a;">]>\n' + HEAD.replace("<name>x", "<name>&a;")
            + "</domain>",
    "undefined": '<!DOCTYPE domain [<!ENTITY a "x&zz;">]>\n' + HEAD.replace("<name>x", "<name>&a;") + "</domain>",
    "laughs-in-attribute": LAUGHS,
    "deep": DEEP,
}


def define_error(uri: str, xml: str) -> tuple[int, int, str]:
    conn = libvirt.open(uri)
    try:
        with pytest.raises(libvirt.libvirtError) as e:
            conn.defineXML(xml)
        return e.value.get_error_code(), e.value.get_error_domain(), e.value.get_error_message()
    finally:
        conn.close()


def virsh_define_bytes(virsh_bin: str, uri: str, path: Path) -> tuple[int, bytes]:
    """virsh define, stderr as bytes: the answer quotes the client's invalid UTF-8 back."""
    p = subprocess.run([virsh_bin, "-c", uri, "define", str(path)], capture_output=True, timeout=60,
                       env={**os.environ, "LC_ALL": "C"})
    return p.returncode, p.stderr


def test_hostile_documents_are_refused_and_others_are_served(fakevirt_uri: str) -> None:
    other = libvirt.open(fakevirt_uri)
    other.defineXML(minimal_domain_xml("bystander"))
    for xml in (LAUGHS, DEEP, LAUGHS.replace(' x="&i;"/>', ">&i;</description>")):
        t = time.monotonic()
        code, domain, msg = define_error(fakevirt_uri, xml)
        assert time.monotonic() - t < 5
        assert (code, domain) == (libvirt.VIR_ERR_XML_DETAIL, libvirt.VIR_FROM_DOMAIN)
        assert "Detected an entity reference loop" in msg or "Excessive depth in document: 256" in msg
        assert [d.name() for d in other.listAllDomains()] == ["bystander"]
    other.close()


def test_invalid_utf8_through_virsh(virsh, virsh_bin: str, fakevirt_uri: str, tmp_path: Path) -> None:
    f = tmp_path / "bad.xml"
    f.write_bytes(BAD_UTF8)
    assert virsh_define_bytes(virsh_bin, fakevirt_uri, f) == (1, (
        b"error: Failed to define domain from " + bytes(f) + b"\n"
        b"error: (domain_definition):3: Input is not proper UTF-8, indicate encoding !\n"
        b"Bytes: 0xC3 0x28 0x63 0x64\n  <description>ab\xc3(cd</description></domain>\n-----------------^\n"))
    assert virsh("list", "--all").returncode == 0


def test_metadata_set_and_get_through_virsh(virsh, tmp_path: Path) -> None:
    f = tmp_path / "vm.xml"
    f.write_text(minimal_domain_xml("vm1"))
    assert virsh("define", str(f)).returncode == 0
    r = virsh("metadata", "vm1", "http://k/", "--key", "k", "--set", "<bar><baz>q</bar>")
    assert r.stderr.startswith("error: (metadata_xml):1: Opening and ending tag mismatch: baz line 1 and bar\n")


@pytest.mark.real
@pytest.mark.parametrize("case", sorted(SAME_AS_LIBVIRT))
def test_errors_match_the_reference_daemon(case: str, fakevirt_uri: str, reference_uri: str) -> None:
    xml = SAME_AS_LIBVIRT[case]
    assert define_error(fakevirt_uri, xml) == define_error(reference_uri, xml)


@pytest.mark.real
def test_invalid_utf8_matches_the_reference_daemon(virsh_bin: str, fakevirt_uri: str, reference_uri: str,
                                                  tmp_path: Path) -> None:
    f = tmp_path / "bad.xml"
    f.write_bytes(BAD_UTF8)
    assert virsh_define_bytes(virsh_bin, fakevirt_uri, f) == virsh_define_bytes(virsh_bin, reference_uri, f)
