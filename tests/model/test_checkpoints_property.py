"""Hypothesis: any sequence of guest writes, checkpoint creates and deletes (plain, CHILDREN,
metadata only) and external snapshots keeps the checkpoint tree and the bitmaps consistent: each
checkpoint's --size is exactly the granules written since it was made, every image stays readable."""

from __future__ import annotations

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from fakevirt.model.checkpoints.checkpointdef import CheckpointDef
from fakevirt.model.clock import ManualClock
from fakevirt.model.flags.checkpoint import DomainCheckpointDeleteFlags as Delete
from fakevirt.model.flags.checkpoint import DomainCheckpointXMLFlags as XMLFlags
from fakevirt.model.flags.snapshot import DomainSnapshotCreateFlags as SnapCreate
from fakevirt.model.hypervisor import Hypervisor
from fakevirt.testing.domains import domain_from_xml
from fakevirt.xml.snapshot import parse_snapshot_xml

G = 65536
SIZE = 32 * G
DOMAIN = """<domain type='kvm'><name>vm</name><memory unit='MiB'>64</memory><vcpu>1</vcpu>
<os><type arch='x86_64'>hvm</type></os><devices>
<disk type='file' device='disk'><driver name='qemu' type='qcow2'/><source file='/images/vm.qcow2'/>
<target dev='vda' bus='virtio'/></disk></devices></domain>"""

ops = st.lists(st.one_of(
    st.tuples(st.just("write"), st.integers(0, SIZE - 1), st.integers(1, 3 * G)),
    st.tuples(st.just("create"), st.just(0), st.just(0)),
    st.tuples(st.just("delete"), st.integers(0, 50), st.sampled_from([0, Delete.CHILDREN, Delete.METADATA_ONLY])),
    st.tuples(st.just("snapshot"), st.just(0), st.just(0)),
), max_size=25)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(ops)
def test_bitmaps_track_exactly_the_writes_since_each_checkpoint(seq: list[tuple[str, int, int]]) -> None:
    hv = Hypervisor(clock=ManualClock())
    hv.images.create("/images/vm.qcow2", "qcow2", SIZE)
    domains, cps = hv.system.domains, hv.system.checkpoints
    dom = domains.define(domain_from_xml(DOMAIN, hv.rng))
    domains.start(dom)
    written: dict[str, set[int]] = {}  # checkpoint -> granules written since
    n = 0
    for op, a, b in seq:
        assert isinstance(hv.clock, ManualClock)
        hv.clock.advance(1)
        if op == "write":
            b = min(b, SIZE - a)
            domains.guest_write(dom, "vda", a, b"\x01" * b)
            for grains in written.values():
                grains.update(range(a // G, (a + b - 1) // G + 1))
        elif op == "create":
            n += 1
            cps.create(dom, CheckpointDef(name=f"c{n}"), 0)
            written[f"c{n}"] = set()
        elif op == "delete" and written:
            names = sorted(written)
            name = names[a % len(names)]
            below = [c.name for c in dom.checkpoints.descendants(dom.checkpoints.get(name))]
            cps.delete(dom, name, b)
            for gone in [name, *(below if b & Delete.CHILDREN else [])]:
                written.pop(gone)
        elif op == "snapshot":
            n += 1
            xml = (f"<domainsnapshot><name>s{n}</name><disks><disk name='vda' snapshot='external'>"
                   f"<source file='/images/vm.s{n}'/></disk></disks></domainsnapshot>")
            hv.system.snapshots.create(dom, parse_snapshot_xml(xml), SnapCreate.DISK_ONLY)
    assert sorted(c.name for c in dom.checkpoints) == sorted(written)
    for name, grains in written.items():
        cd = cps.xml_definition(dom, name, XMLFlags.SIZE)
        assert [d.size for d in cd.disks] == [len(grains) * G]
        chk = dom.checkpoints.get(name)
        assert chk.parent is None or chk.parent.name in written
    top = dom.live.find_disk("vda").source
    hv.images.check(top)
    hv.images.read(top, 0, SIZE)
