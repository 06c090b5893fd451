"""The one parser for client XML: libvirt's refusals (libxml2's limits) and time linear in the size."""

from __future__ import annotations

import time
from collections.abc import Callable

import pytest

from fakevirt.errors import ErrorCode, ErrorDomain, VirtError
from fakevirt.model.ids import IdGenerator
from fakevirt.testing.domains import device_from_xml, domain_from_xml
from fakevirt.xml.domain import format_domain_xml
from fakevirt.xml.metadata import metadata_text, namespaced_element
from fakevirt.xml.parser import parse_xml
from fakevirt.xml.snapshot import parse_snapshot_xml
from fakevirt.xml.storage import parse_pool_xml, parse_vol_xml

HEAD = "<domain type='qemu'><name>x</name><memory>65536</memory><os><type>hvm</type></os>"

LAUGHS = ('<?xml version="1.0"?>\n<!DOCTYPE domain [\n<!ENTITY a "aaaaaaaaaa">\n'
          + "".join(f'<!ENTITY {c} "{("&" + p + ";") * 10}">\n' for p, c in zip("abcdefgh", "bcdefghi", strict=True))
          + "]>\n<domain type='qemu'>\n  <name>laughs</name>\n  <description>&i;</description>\n"
          "  <memory>65536</memory>\n  <os><type>hvm</type></os>\n</domain>\n")


def refused(xml: str, **kw: object) -> str:
    with pytest.raises(VirtError) as e:
        parse_xml(xml, **kw)  # type: ignore[arg-type]
    assert (e.value.code, e.value.domain) == (ErrorCode.XML_DETAIL, ErrorDomain.DOMAIN)
    return e.value.message


def deep(n: int, sep: str = "") -> str:
    return HEAD + "<metadata><x:a xmlns:x='http://x'>" + ("<b>" + sep) * n + "</b>" * n + "</x:a></metadata></domain>"


def test_billion_laughs_is_refused_at_once() -> None:
    t = time.monotonic()
    msg = refused(LAUGHS)
    assert time.monotonic() - t < 0.5
    assert msg == ("(domain_definition):15: Detected an entity reference loop\n"
                   "  <description>&i;</description>\n------------------^")


def test_billion_laughs_in_an_attribute_is_reported_as_libvirt_does() -> None:
    xml = LAUGHS.replace("<description>&i;</description>", '<description x="&i;"/>')
    assert refused(xml) == ('(domain_definition):15: Detected an entity reference loop\n'
                            '  <description x="&i;"/>\n---------------------^')


@pytest.mark.parametrize(("decls", "msg"), [
    ('<!ENTITY a "x&a;">', "at line 1: Detected an entity reference loop\nx&a;\n----^"),
    ('<!ENTITY a "x&b;"><!ENTITY b "y&a;">', "at line 1: Detected an entity reference loop\ny&a;\n----^"),
    ('<!ENTITY a "x&zz;">', "at line 1: Entity 'zz' not defined\nx&zz;\n-----^"),
])
def test_entity_errors_inside_replacement_text(decls: str, msg: str) -> None:
    assert refused(f"<!DOCTYPE domain [{decls}]>\n<domain><name>&a;</name></domain>") == msg


def test_harmless_entities_are_expanded_and_unused_loops_ignored() -> None:
    root = parse_xml('<!DOCTYPE domain [<!ENTITY nm "entdom"><!ENTITY r "&r;">]>\n'
                     "<domain><name>&nm;</name><d>&lt;&nm;</d></domain>")
    assert [(c.tag, c.text) for c in root.children] == [("name", "entdom"), ("d", "<entdom")]
    # a flat entity used often is fine: libxml2 refuses only nesting out of proportion
    xml = '<!DOCTYPE d [<!ENTITY a "' + "y" * 5000 + '">]><d>' + "&a;" * 1000 + "</d>"
    assert parse_xml(xml).text == "y" * 5_000_000


def test_undefined_entity_with_a_dtd() -> None:
    assert refused('<!DOCTYPE d [<!ENTITY a "x">]>\n<d>&a;&zz;</d>') == (
        "(domain_definition):2: Entity 'zz' not defined\n<d>&a;&zz;</d>\n----------^")


def test_depth_limit_is_libxml2s() -> None:
    parse_xml(deep(254))  # 257 open elements: the most libxml2 takes
    msg = refused(deep(255))
    head, line, caret = msg.split("\n")
    assert head == "(domain_definition):1: Excessive depth in document: 256 use XML_PARSE_HUGE option"
    assert line == deep(255) and line[len(caret) - 1:].startswith("<b></b>")
    assert refused(deep(300, "\n")).split("\n")[0] == (
        "(domain_definition):255: Excessive depth in document: 256 use XML_PARSE_HUGE option")


def test_a_1000_deep_domain_gets_the_depth_error() -> None:
    with pytest.raises(VirtError) as e:
        domain_from_xml(deep(1000), IdGenerator(0))
    assert e.value.code == ErrorCode.XML_DETAIL and "Excessive depth in document: 256" in e.value.message


def test_a_deep_kept_element_survives_copy_and_format() -> None:
    d = domain_from_xml(deep(254), IdGenerator(0))
    out = format_domain_xml(d.copy())
    assert (out.count("<b>"), out.count("<b/>")) == (253, 1)


@pytest.mark.parametrize(("raw", "msg"), [
    (b"<domain type='qemu'><name>bad\xff\xfe</name></domain>",
     "(domain_definition):1: Input is not proper UTF-8, indicate encoding !\nBytes: 0xFF 0xFE 0x3C 0x2F\n"
     "<domain type='qemu'><name>bad\udcff\udcfe</name></domain>\n-----------------------------^"),
    (b"<domain>\n  <name>u8</name>\n  <description>ab\xc3\x28cd</description></domain>",
     "(domain_definition):3: Input is not proper UTF-8, indicate encoding !\nBytes: 0xC3 0x28 0x63 0x64\n"
     "  <description>ab\udcc3(cd</description></domain>\n-----------------^"),
])
def test_invalid_utf8_is_an_xml_error(raw: bytes, msg: str) -> None:
    # strings come off the wire with invalid bytes as surrogate escapes; the report gives them back
    assert refused(raw.decode("utf-8", "surrogateescape")) == msg


@pytest.mark.parametrize("size", [200_000, 1_600_000])
def test_text_with_newlines_parses_in_linear_time(size: int) -> None:
    body = "line of text\n" * (size // 13)
    t = time.monotonic()
    d = domain_from_xml(HEAD.replace("<name>", f"<description>{body}</description><name>") + "</domain>", IdGenerator(0))
    assert d.description == body
    assert time.monotonic() - t < 0.5 * size / 200_000 + 0.5


def test_huge_documents_are_handled_fast() -> None:
    many = "<x:e a='1'>t\n</x:e>" * 400_000  # ~8 MB of elements
    xml = HEAD + "<metadata><x:a xmlns:x='http://x'>" + many + "</x:a></metadata></domain>"
    t = time.monotonic()
    d = domain_from_xml(xml, IdGenerator(0))
    assert len(d.metadata["http://x"].children) == 400_000
    bad = "<d>" + "a" * 8_000_000 + "=</x>"
    assert refused(bad).startswith("(domain_definition):1: Opening and ending tag mismatch: d line 1 and x")
    assert time.monotonic() - t < 15


def test_metadata_is_formatted_without_reparsing() -> None:
    d = domain_from_xml(HEAD + "<metadata><f:foo xmlns:f='http://f/' a='1'><f:b>t</f:b><f:c><f:d/></f:c>"
                         "</f:foo></metadata></domain>", IdGenerator(0))
    el = d.metadata["http://f/"]
    assert metadata_text(el) == '<foo a="1">\n  <b>t</b>\n  <c>\n    <d/>\n  </c>\n</foo>'
    el.children.append(namespaced_element("<e/>", "f", "http://f/"))  # the stored tree is what is formatted
    assert '<f:e xmlns:f="http://f/"/>' in format_domain_xml(d)


def test_metadata_set_goes_through_the_same_parser() -> None:
    el = namespaced_element("<bar  y='2'><baz>q</baz>\n <e><g/></e></bar>", "k", "http://k/")
    assert metadata_text(el) == '<bar y="2"><baz>q</baz>\n <e><g/></e></bar>'
    with pytest.raises(VirtError) as e:
        namespaced_element("<bar><baz>q</bar>", "k", "http://k/")
    assert (e.value.code, e.value.domain, e.value.message) == (
        ErrorCode.XML_DETAIL, ErrorDomain.DOMAIN,
        "(metadata_xml):1: Opening and ending tag mismatch: baz line 1 and bar\n<bar><baz>q</bar>\n-----------------^")
    with pytest.raises(VirtError) as e:
        namespaced_element("<!DOCTYPE a [<!ENTITY b 'x'>]><bar>&b;</bar>", "k", "http://k/")
    assert (e.value.code, e.value.domain, e.value.message) == (
        ErrorCode.INTERNAL_ERROR, ErrorDomain.XML, "internal error: failed to create a new XML namespace")
    with pytest.raises(VirtError) as e:
        namespaced_element(LAUGHS, "k", "http://k/")
    assert "Detected an entity reference loop" in e.value.message


@pytest.mark.parametrize(("parse", "url", "domain"), [
    (lambda x: parse_pool_xml(x), "(storage_pool_definition)", ErrorDomain.STORAGE),
    (lambda x: parse_vol_xml(x), "(storage_volume_definition)", ErrorDomain.STORAGE),
    (lambda x: parse_snapshot_xml(x), "(domain_snapshot)", ErrorDomain.DOMAIN_SNAPSHOT),
    (lambda x: device_from_xml(x, domain_from_xml(HEAD + "</domain>", IdGenerator(0)), IdGenerator(0)), "(device_definition)",
     ErrorDomain.DOMAIN),
])
def test_every_entry_point_uses_the_hardened_parser(parse: Callable[[str], object], url: str, domain: int) -> None:
    for xml, msg in ((LAUGHS, "Detected an entity reference loop"),
                     ("<a>" * 300 + "</a>" * 300, "Excessive depth in document: 256 use XML_PARSE_HUGE option"),
                     ("<a>\udcff</a>", "Input is not proper UTF-8, indicate encoding !")):
        with pytest.raises(VirtError) as e:
            parse(xml)
        assert (e.value.code, e.value.domain) == (ErrorCode.XML_DETAIL, domain)
        assert e.value.message.startswith(f"{url}:") and msg in e.value.message
