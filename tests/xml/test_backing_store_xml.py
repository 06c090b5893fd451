"""The typed <backingStore> chain: parsed into BackingStore nodes and formatted back in libvirt's form."""

from __future__ import annotations

from fakevirt.model.device_parts import BackingStore, chain_of
from fakevirt.xml.domain_devparts import format_backing_store, parse_backing_store
from fakevirt.xml.parser import parse_xml

CHAIN = """<backingStore type='file' index='3'>
  <format type='qcow2'/>
  <source file='/images/mid.qcow2'/>
  <backingStore type='block' index='4'>
    <format type='raw'/>
    <source dev='/dev/sdb'/>
    <backingStore/>
  </backingStore>
</backingStore>"""


def test_round_trip_live_and_inactive() -> None:
    chain = parse_backing_store(parse_xml(CHAIN))
    assert [(n.type, n.index, n.format, n.source) for n in chain.nodes()] == [
        ("file", 3, "qcow2", "/images/mid.qcow2"), ("block", 4, "raw", "/dev/sdb")]
    assert chain.last().is_end
    assert "\n".join(format_backing_store(chain, 0, inactive=False)) == CHAIN
    assert "\n".join(format_backing_store(chain, 0, inactive=True)) == CHAIN.replace(" index='3'", "").replace(
        " index='4'", "")


def test_detected_chain_and_deep_copy() -> None:
    chain = chain_of([(f"/images/{i}.qcow2", "qcow2", i + 2) for i in range(300)])
    assert len(chain.nodes()) == 300 and chain.last() == BackingStore()
    copied = chain.copy(index=False)
    assert [n.source for n in copied.nodes()] == [n.source for n in chain.nodes()]
    assert {n.index for n in copied.nodes()} == {None}
    assert len(format_backing_store(chain, 0, inactive=False)) == 300 * 4 + 1
