"""virDomainSnapshotAlignDisks: every domain disk listed, in domain order, modes and overlay names settled."""

from __future__ import annotations

from typing import Any

import pytest

from fakevirt.errors import ErrorCode, ErrorDomain, VirtError
from fakevirt.model.domaindef import DomainDef
from fakevirt.model.ids import IdGenerator
from fakevirt.model.snapshots.align import align_disks, disk_by_name
from fakevirt.model.snapshots.snapshotdef import SnapshotDef, SnapshotDisk
from fakevirt.testing import minimal_domain_xml
from fakevirt.testing.domains import domain_from_xml
from fakevirt.xml.snapshot import format_snapshot_xml, parse_snapshot_xml


def file_disk(dev: str, path: str | None, kind: str = "disk", extra: str = "") -> str:
    source = f"<source file='{path}'/>" if path else ""
    return f"<disk type='file' device='{kind}'{extra}>{source}<target dev='{dev}'/></disk>"


def domain(*disks: str) -> DomainDef:
    xml = minimal_domain_xml("vm").replace("</os>", f"</os><devices>{''.join(disks)}</devices>")
    return domain_from_xml(xml, IdGenerator(0))


STD = domain(file_disk("vda", "/var/lib/images/vm.qcow2"), file_disk("vdb", "/data/plain"),
             file_disk("sdc", None, "cdrom"))


def snap(disks: str = "", name: str = "s1") -> SnapshotDef:
    sd = parse_snapshot_xml(f"<domainsnapshot><disks>{disks}</disks></domainsnapshot>")
    sd.name = name
    return sd


def modes(sd: SnapshotDef) -> list[tuple[str, str | None, str | None]]:
    return [(d.name, d.snapshot, d.source) for d in sd.disks]


def fails(sd: SnapshotDef, d: DomainDef | None, location: str, **kw: Any) -> str:
    with pytest.raises(VirtError) as ei:
        align_disks(sd, d, location, **kw)
    e = ei.value
    if e.code == ErrorCode.INTERNAL_ERROR:
        return str(e.message)
    assert (e.code, e.domain) == (ErrorCode.CONFIG_UNSUPPORTED, ErrorDomain.DOMAIN_SNAPSHOT)
    return str(e.message).removeprefix("unsupported configuration: ")


def test_external_default_names_every_disk() -> None:
    sd = snap()
    align_disks(sd, STD, "external", uniform_internal=True)
    assert modes(sd) == [("vda", "external", "/var/lib/images/vm.s1"), ("vdb", "external", "/data/plain.s1"),
                         ("sdc", "no", None)]
    assert [d.driver_type for d in sd.disks] == ["qcow2", "qcow2", None]
    assert [d.type for d in sd.disks] == ["file", "file", "file"]


def test_internal_default() -> None:
    sd = snap()
    align_disks(sd, STD, "internal", uniform_internal=True)
    assert modes(sd) == [("vda", "internal", None), ("vdb", "internal", None), ("sdc", "no", None)]
    assert "<disk name='vda' snapshot='internal'/>" in format_snapshot_xml(sd)


def test_disks_are_reordered_and_named_by_target() -> None:
    sd = snap("<disk name='/data/plain' snapshot='no'/><disk name='vda'><source file='/new/a'/></disk>")
    align_disks(sd, STD, "external", uniform_internal=True)
    assert modes(sd) == [("vda", "external", "/new/a"), ("vdb", "no", None), ("sdc", "no", None)]


def test_the_given_driver_is_kept() -> None:
    sd = snap("<disk name='vda'><driver type='qed'/></disk>")
    align_disks(sd, STD, "external", uniform_internal=True)
    assert sd.disks[0].driver_type == "qed" and sd.disks[0].source == "/var/lib/images/vm.s1"


def test_default_driver_none_leaves_the_format_unset() -> None:
    sd = snap()
    align_disks(sd, STD, "external", uniform_internal=True, default_driver=None)
    assert [d.driver_type for d in sd.disks] == [None, None, None]
    assert "    <disk name='vda' snapshot='external' type='file'>\n      <source file='/var/lib/images/vm.s1'/>\n" \
        in format_snapshot_xml(sd)


def test_domain_disk_snapshot_attribute_is_the_default() -> None:
    d = domain(file_disk("vda", "/i/a.img", extra=" snapshot='no'"), file_disk("vdb", "/i/b.img"),
               file_disk("vdc", "/i/c.img", extra=" snapshot='external'"))
    sd = snap()
    align_disks(sd, d, "external", uniform_internal=True)
    assert modes(sd) == [("vda", "no", None), ("vdb", "external", "/i/b.s1"), ("vdc", "external", "/i/c.s1")]
    # listed without a mode: the domain's mode, unless an internal snapshot needs every disk
    sd = snap("<disk name='vda'/><disk name='vdc'/>")
    align_disks(sd, d, "internal", uniform_internal=True)
    assert modes(sd) == [("vda", "no", None), ("vdb", "internal", None), ("vdc", "internal", None)]
    sd = snap("<disk name='vdc'/>")
    align_disks(sd, d, "internal", uniform_internal=False)
    assert modes(sd)[2] == ("vdc", "external", "/i/c.s1")


def test_read_only_disks_default_to_no() -> None:
    d = domain(file_disk("vda", "/i/a.img"), file_disk("sda", "/iso/x.iso", "cdrom"))
    sd = snap()
    align_disks(sd, d, "internal", uniform_internal=True)
    assert modes(sd) == [("vda", "internal", None), ("sda", "no", None)]


def test_force_default_overrides_the_domain_mode_but_not_empty_drives() -> None:
    d = domain(file_disk("vda", "/i/a.img", extra=" snapshot='no'"), file_disk("sda", None, "cdrom"))
    sd = snap()
    align_disks(sd, d, "external", uniform_internal=False, force_default=True)
    assert modes(sd) == [("vda", "external", "/i/a.s1"), ("sda", "no", None)]


def test_suffix_is_only_taken_from_the_file_name() -> None:
    d = domain(file_disk("vda", "/a.dir/image"), file_disk("vdb", "/b/x.y.qcow2"))
    sd = snap()
    align_disks(sd, d, "external", uniform_internal=True)
    assert [x.source for x in sd.disks] == ["/a.dir/image.s1", "/b/x.y.s1"]


def test_disk_by_name() -> None:
    assert disk_by_name(STD, "vdb") is STD.disks[1]
    assert disk_by_name(STD, "/data/plain") is STD.disks[1]
    assert disk_by_name(STD, "vdz") is None
    assert disk_by_name(STD, "data/plain") is None
    twice = domain(file_disk("vda", "/same"), file_disk("vdb", "/same"))
    assert disk_by_name(twice, "/same") is None
    assert disk_by_name(twice, "vdb") is twice.disks[1]


def test_no_disks() -> None:
    sd = snap()
    align_disks(sd, domain(), "internal", uniform_internal=True)
    assert sd.disks == []


@pytest.mark.parametrize(("disks", "location", "uniform", "message"), [
    ("<disk name='vdz'/>", "external", True, "no disk named 'vdz'"),
    ("<disk name='/nowhere'/>", "external", True, "no disk named '/nowhere'"),
    ("<disk name='vda'/><disk name='vda'/>", "external", True, "disk 'vda' specified twice"),
    ("<disk name='vda'/><disk name='/var/lib/images/vm.qcow2'/>", "external", True,
     "disk '/var/lib/images/vm.qcow2' specified twice"),
    ("<disk name='vda'/><disk name='vdb'/><disk name='sdc'/><disk name='vdc'/>", "external", True,
     "too many disk snapshot requests for domain"),
    ("<disk name='vda' snapshot='external'/>", "internal", True, "disk 'vda' must use snapshot mode 'internal'"),
    ("<disk name='vda' snapshot='no'/>", "internal", True, "disk 'vda' must use snapshot mode 'internal'"),
    ("<disk name='/var/lib/images/vm.qcow2'><source file='/x'/></disk>", "internal", True,
     "disk '/var/lib/images/vm.qcow2' must use snapshot mode 'internal'"),
    ("<disk name='vda' snapshot='internal'><source file='/x'/></disk>", "external", True,
     "file '/x' for disk 'vda' requires use of external snapshot mode"),
    ("<disk name='vda' snapshot='no'><source file='/x'/></disk>", "internal", False,
     "file '/x' for disk 'vda' requires use of external snapshot mode"),
    ("<disk name='vda' type='block' snapshot='external'/>", "external", True,
     "cannot generate external snapshot name for disk 'vda' on a 'block' device"),
    ("<disk name='vda' type='network' snapshot='external'/>", "external", True,
     "cannot generate external snapshot name for disk 'vda' on a 'network' device"),
    ("<disk name='vda' snapshot='external'><source file='/data/plain.s1'/></disk>", "external", True,
     "cannot generate external snapshot name for disk 'vdb': collision with disk 'vda'"),
])
def test_errors(disks: str, location: str, uniform: bool, message: str) -> None:
    assert fails(snap(disks), STD, location, uniform_internal=uniform) == message


def test_no_and_domain_no_is_fine_for_uniform_internal() -> None:
    d = domain(file_disk("vda", "/i/a.img", extra=" snapshot='no'"), file_disk("vdb", "/i/b.img"))
    sd = snap("<disk name='vda' snapshot='no'/>")
    align_disks(sd, d, "internal", uniform_internal=True)
    assert modes(sd) == [("vda", "no", None), ("vdb", "internal", None)]


def test_default_name_collision() -> None:
    d = domain(file_disk("vda", "/i/x.qcow2"), file_disk("vdb", "/i/x.raw"))
    assert fails(snap(), d, "external", uniform_internal=True) == \
        "cannot generate external snapshot name for disk 'vdb': collision with disk 'vda'"


def test_source_must_be_a_regular_file() -> None:
    d = domain(file_disk("vda", "/i/a.img"),
               "<disk type='block' device='disk'><source dev='/dev/sdb'/><target dev='vdb'/></disk>")
    assert fails(snap(), d, "external", uniform_internal=True) == \
        "source for disk 'vdb' is not a regular file; refusing to generate external snapshot name"
    assert fails(snap(), STD, "external", uniform_internal=True, is_regular_file=lambda p: p != "/data/plain") == \
        "source for disk 'vdb' is not a regular file; refusing to generate external snapshot name"
    sd = snap("<disk name='vdb'><source file='/n'/></disk>")
    align_disks(sd, d, "external", uniform_internal=True)  # a given file needs no stat
    assert modes(sd) == [("vda", "external", "/i/a.s1"), ("vdb", "external", "/n")]


def test_volume_disk_has_no_source_to_name_from() -> None:
    d = domain("<disk type='volume' device='disk'><source pool='p' volume='v'/><target dev='vda'/></disk>")
    assert fails(snap(), d, "external", uniform_internal=True) == \
        "cannot generate external snapshot name for disk 'vda' without source"


def test_missing_domain() -> None:
    assert fails(snap(), None, "external", uniform_internal=True) == "internal error: missing domain in snapshot"


def test_aligned_disks_format() -> None:
    sd = snap("<disk name='vdb' snapshot='no'/>")
    align_disks(sd, STD, "external", uniform_internal=True)
    text = format_snapshot_xml(sd)
    assert ("  <disks>\n"
            "    <disk name='vda' snapshot='external' type='file'>\n"
            "      <driver type='qcow2'/>\n"
            "      <source file='/var/lib/images/vm.s1'/>\n"
            "    </disk>\n"
            "    <disk name='vdb' snapshot='no'/>\n"
            "    <disk name='sdc' snapshot='no'/>\n"
            "  </disks>\n") in text


def test_snapshot_disk_objects_are_reused() -> None:
    sd = snap("<disk name='vdb'><source file='/n'/></disk>")
    given = sd.disks[0]
    align_disks(sd, STD, "external", uniform_internal=True)
    assert sd.disks[1] is given and given == SnapshotDisk("vdb", "external", type="file", source="/n",
                                                          driver_type="qcow2")


def test_output_follows_the_domain_order() -> None:
    d = domain(file_disk("vdb", "/i/b.img"), file_disk("vda", "/i/a.img"), file_disk("sda", "/i/c.img"))
    order = [x.target_dev for x in d.disks]
    sd = snap("<disk name='sda'/><disk name='vdb'/><disk name='vda'/>")
    align_disks(sd, d, "external", uniform_internal=True)
    assert [x.name for x in sd.disks] == order
    assert order == ["vda", "sda", "vdb"]  # libvirt's parser keeps disks of one bus sorted
    assert [x.source for x in sd.disks] == ["/i/a.s1", "/i/c.s1", "/i/b.s1"]


def test_collision_only_checked_against_earlier_disks() -> None:
    """libvirt compares a generated name with the disks before it only."""
    sd = snap("<disk name='vdb'><source file='/var/lib/images/vm.s1'/></disk>")
    align_disks(sd, STD, "external", uniform_internal=True)
    assert [x.source for x in sd.disks][:2] == ["/var/lib/images/vm.s1", "/var/lib/images/vm.s1"]
