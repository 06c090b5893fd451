"""xml/testnode.py: libvirt's test-driver node documents read into a NodeDefinition."""

from __future__ import annotations

import pytest

from fakevirt.errors import VirtError
from fakevirt.model.testdriver.node import SHUTOFF
from fakevirt.xml.parser import parse_xml
from fakevirt.xml.testnode import default_node, parse_node_xml, serialize


def test_default_node() -> None:
    node = default_node()
    assert [d.definition.name for d in node.domains] == ["test"]
    assert [n.name for n in node.networks] == ["default"]
    assert [(p.pool.name, p.pool.target) for p in node.pools] == [("default-pool", "/default-pool")]
    assert [(i.name, i.mac, i.mtu, i.ipv4, i.gateway) for i in node.interfaces] == [
        ("eth1", "aa:bb:cc:dd:ee:ff", 1492, ("192.168.0.5", 24), "192.168.0.1")]
    assert [(d.name, d.parent) for d in node.devices] == [
        ("computer", None), ("scsi_host1", "computer"), ("scsi_host2", "computer"), ("scsi_host11", "scsi_host1")]
    assert [(c.memory_kib, c.free_kib, len(c.cpus)) for c in node.cells] == [(2097152, 1048576, 8),
                                                                            (4194304, 2097152, 8)]


def test_includes_are_relative_to_the_node_file() -> None:
    asked: list[str] = []

    def read(path: str) -> str:
        asked.append(path)
        return "<domain type='test'><name>inc</name><memory>1024</memory><os><type>hvm</type></os></domain>"

    text = "<node xmlns:test='http://libvirt.org/schemas/domain/test/1.0'><domain file='d/inc.xml'/></node>"
    node = parse_node_xml(text, "/etc/nodes/n.xml", read)
    assert asked == ["/etc/nodes/d/inc.xml"]
    assert node.domains[0].definition.name == "inc" and node.cells == []


def test_namespace_elements() -> None:
    text = ("<node xmlns:test='http://libvirt.org/schemas/domain/test/1.0'><domain type='test'><name>a</name>"
            "<memory>1024</memory><os><type>hvm</type></os><test:runstate>5</test:runstate>"
            "<test:hasmanagedsave/></domain></node>")
    entry = parse_node_xml(text, "/n.xml", lambda p: "").domains[0]
    assert (entry.runstate, entry.managed_save, entry.transient) == (SHUTOFF, True, False)


def test_node_info_overrides() -> None:
    node = parse_node_xml("<node><cpu><nodes>1</nodes><sockets>2</sockets><cores>3</cores><threads>1</threads>"
                          "<active>4</active><mhz>999</mhz><model>m</model></cpu><memory>100</memory></node>",
                          "/n.xml", lambda p: "")
    i = node.info
    assert (i.nodes, i.sockets, i.cores, i.threads, i.cpus, i.mhz, i.model, i.memory_kib) == (1, 2, 3, 1, 4, 999, "m",
                                                                                             100)


def test_serialize_escapes() -> None:
    el = parse_xml("<a x='&apos;&lt;'>t&amp;<b/>tail&gt;</a>")
    assert parse_xml(serialize(el)) == el


def test_unreadable_include() -> None:
    def read(path: str) -> str:
        raise VirtError.report(27, 12, f"failed to parse xml document '{path}'")

    with pytest.raises(VirtError) as e:
        parse_node_xml("<node><pool file='p.xml'/></node>", "/x/n.xml", read)
    assert e.value.message == "XML error: failed to parse xml document '/x/p.xml'"
