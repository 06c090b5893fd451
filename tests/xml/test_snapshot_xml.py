"""Snapshot XML: parse as virDomainSnapshotDefParseString, format as virDomainSnapshotDefFormat.

Error texts, codes and domains were checked against a real libvirtd 9.0 (snapshotCreateXML on the
test driver: parsing is shared by every driver).  ``<branch>`` is fakevirt's extension.
"""

from __future__ import annotations

import uuid

import pytest

from fakevirt.errors import ErrorCode, ErrorDomain, VirtError
from fakevirt.model.domaindef import CpuDef, DomainDef
from fakevirt.model.host import HostInfo
from fakevirt.model.ids import IdGenerator
from fakevirt.model.snapshots.align import align_disks
from fakevirt.model.snapshots.snapshotdef import (
    BranchRequest,
    SaveCookie,
    SnapshotDef,
    SnapshotDisk,
    complete_embedded_domains,
)
from fakevirt.testing import minimal_domain_xml
from fakevirt.testing.domains import domain_from_xml
from fakevirt.xml.domain import format_domain_xml
from fakevirt.xml.snapshot import format_snapshot_xml, parse_snapshot_xml

SCHEMA_HEAD = "Unable to validate doc against /usr/share/libvirt/schemas/domainsnapshot.rng\n"
VIRSH_CREATE_AS = ("<domainsnapshot><name>s1</name><description>d</description>"
                   "<memory snapshot='external' file='/x.mem'/><disks><disk name='vda' snapshot='external' "
                   "type='file'><driver type='qcow2'/><source file='/a.s1'/></disk></disks></domainsnapshot>")
REDEFINE_HEAD = "<name>r1</name><creationTime>1700000000</creationTime>"


def parse(xml: str, **kw: bool) -> SnapshotDef:
    sd = parse_snapshot_xml(xml, **kw)
    complete_embedded_domains(sd, IdGenerator(0), HostInfo())  # what the model does with a parsed snapshot
    return sd


def domain(devices: str = "", name: str = "vm") -> DomainDef:
    xml = minimal_domain_xml(name).replace("</os>", f"</os><devices>{devices}</devices>")
    return domain_from_xml(xml, IdGenerator(0))


def disk_xml(dev: str, path: str | None, kind: str = "disk", extra: str = "") -> str:
    source = f"<source file='{path}'/>" if path else ""
    return f"<disk type='file' device='{kind}'{extra}>{source}<target dev='{dev}'/></disk>"


def error(xml: str, **kw: bool) -> VirtError:
    with pytest.raises(VirtError) as ei:
        parse(xml, **kw)
    return ei.value


def redefine_doc(body: str, state: str = "running") -> str:
    return f"<domainsnapshot>{REDEFINE_HEAD}<state>{state}</state>{body}</domainsnapshot>"


# --- what clients send -----------------------------------------------------------------------


def test_virsh_snapshot_create_as_document() -> None:
    sd = parse(VIRSH_CREATE_AS)
    assert (sd.name, sd.description, sd.memory, sd.memory_file) == ("s1", "d", "external", "/x.mem")
    assert sd.disks == [SnapshotDisk(name="vda", snapshot="external", type="file", source="/a.s1",
                                     driver_type="qcow2")]
    assert sd.state is None and sd.creation_time is None and sd.parent is None and sd.branch is None
    assert format_snapshot_xml(sd) == (
        "<domainsnapshot>\n"
        "  <name>s1</name>\n"
        "  <description>d</description>\n"
        "  <memory snapshot='external' file='/x.mem'/>\n"
        "  <disks>\n"
        "    <disk name='vda' snapshot='external' type='file'>\n"
        "      <driver type='qcow2'/>\n"
        "      <source file='/a.s1'/>\n"
        "    </disk>\n"
        "  </disks>\n"
        "</domainsnapshot>\n")


def test_virsh_document_passes_validation() -> None:
    assert parse(VIRSH_CREATE_AS, validate=True).disks[0].source == "/a.s1"
    assert parse("<domainsnapshot/>", validate=True) == SnapshotDef()


def test_empty_document() -> None:
    sd = parse("<domainsnapshot/>")
    assert sd == SnapshotDef()
    assert format_snapshot_xml(sd) == "<domainsnapshot>\n</domainsnapshot>\n"


def test_empty_texts_count_as_absent() -> None:
    sd = parse("<domainsnapshot><name></name><description/></domainsnapshot>")
    assert sd.name is None and sd.description is None


def test_create_ignores_the_read_only_elements() -> None:
    sd = parse("<domainsnapshot><name>a</name><state>bogus</state><creationTime>x</creationTime>"
               "<parent><name>p</name></parent><domain type='kvm'><broken/></domain>"
               "<inactiveDomain/><cookie><cpu/></cookie><active>1</active><unknown/>"
               "<revertDisks><disk name='vda'/></revertDisks>"
               "<disks><disk name='vda'><snapshotDeleteInProgress/></disk></disks></domainsnapshot>")
    assert sd.name == "a"
    assert sd.state is None and sd.creation_time is None and sd.parent is None
    assert sd.domain is None and sd.inactive_domain is None and sd.cookie is None and sd.revert_disks == []
    assert sd.disks == [SnapshotDisk(name="vda", type="file")]
    assert sd.memory is None  # no default without REDEFINE: the driver decides


def test_disk_mode_defaults_to_external_with_a_file_or_a_format() -> None:
    sd = parse("<domainsnapshot><disks><disk name='vda'><source file='/n'/></disk>"
               "<disk name='vdb'><driver type='qed'/></disk><disk name='vdc'/>"
               "<disk name='vdd' snapshot='manual'/></disks></domainsnapshot>")
    assert [d.snapshot for d in sd.disks] == ["external", "external", None, "manual"]
    assert sd.disks[1].driver_type == "qed" and sd.disks[1].source is None


def test_block_and_network_sources() -> None:
    sd = parse("<domainsnapshot><disks><disk name='vda' type='block'><source dev='/dev/sdz'/></disk>"
               "<disk name='vdb' type='network'><source protocol='rbd' name='pool/img'>"
               "<host name='mon' port='6789'/></source></disk></disks></domainsnapshot>")
    assert (sd.disks[0].type, sd.disks[0].source) == ("block", "/dev/sdz")
    assert (sd.disks[1].type, sd.disks[1].source, sd.disks[1].source_attrs) == ("network", "pool/img",
                                                                               {"protocol": "rbd"})
    text = format_snapshot_xml(sd)
    assert "    <disk name='vda' snapshot='external' type='block'>\n      <source dev='/dev/sdz'/>\n" in text
    assert ("      <source protocol='rbd' name='pool/img'>\n        <host name='mon' port='6789'/>\n"
            "      </source>\n") in text


def test_seclabel_in_source_is_kept() -> None:
    sd = parse("<domainsnapshot><disks><disk name='vda'><source file='/n'><seclabel model='dac' "
               "relabel='no'/></source></disk></disks></domainsnapshot>")
    assert "      <source file='/n'>\n        <seclabel model='dac' relabel='no'/>\n      </source>\n" in \
        format_snapshot_xml(sd)


def test_empty_source_path_means_none() -> None:
    sd = parse("<domainsnapshot><disks><disk name='vda'><source file=''/></disk></disks></domainsnapshot>")
    assert sd.disks[0].source is None and sd.disks[0].snapshot is None


def test_metadata_cache_round_trip() -> None:
    sd = parse("<domainsnapshot><disks><disk name='vda'><driver type='qcow2'><metadata_cache>"
               "<max_size unit='KiB'>2</max_size></metadata_cache></driver><source file='/n'/></disk>"
               "</disks></domainsnapshot>", validate=True)
    assert sd.disks[0].metadata_cache_max_size == 2048
    assert ("      <driver type='qcow2'>\n        <metadata_cache>\n"
            "          <max_size unit='bytes'>2048</max_size>\n        </metadata_cache>\n      </driver>\n"
            ) in format_snapshot_xml(sd)


def test_text_is_escaped() -> None:
    sd = parse("<domainsnapshot><name>a&amp;b</name><description>&lt;x&gt; 'q'</description></domainsnapshot>")
    assert sd.description == "<x> 'q'"
    assert "  <name>a&amp;b</name>\n  <description>&lt;x&gt; &apos;q&apos;</description>\n" in \
        format_snapshot_xml(sd)


# --- redefine --------------------------------------------------------------------------------


def test_redefine_reads_everything() -> None:
    d = domain(disk_xml("vda", "/img/vm.qcow2"))
    dom_xml = format_domain_xml(d, inactive=True)
    inactive_xml = dom_xml.replace("<domain ", "<inactiveDomain ").replace("</domain>", "</inactiveDomain>")
    xml = (f"<domainsnapshot><name>r1</name><description>x</description><state>paused</state>"
           f"<parent><name>p0</name></parent><creationTime>1700000000</creationTime>"
           f"<memory snapshot='internal'/><disks><disk name='vda' snapshot='internal'/></disks>"
           f"<revertDisks><disk name='vda' snapshot='external' type='file'><driver type='qcow2'/>"
           f"<source file='/img/vm.r1'/></disk></revertDisks>{dom_xml}{inactive_xml}"
           f"<cookie><cpu mode='custom'><model>qemu64</model></cpu><slirpHelper/></cookie></domainsnapshot>")
    sd = parse(xml, redefine=True)
    assert (sd.name, sd.description, sd.state, sd.parent, sd.creation_time) == ("r1", "x", "paused", "p0",
                                                                                 1700000000)
    assert sd.domain is not None and sd.domain.name == "vm" and sd.domain.uuid == d.uuid
    assert sd.inactive_domain is not None and sd.inactive_domain.uuid == d.uuid
    assert sd.revert_disks == [SnapshotDisk(name="vda", snapshot="external", type="file",
                                            source="/img/vm.r1", driver_type="qcow2")]
    assert sd.cookie is not None and sd.cookie.cpu is not None and sd.cookie.slirp_helper
    assert sd.cookie.cpu.model == "qemu64"
    out = format_snapshot_xml(sd)
    assert out == format_snapshot_xml(parse(out, redefine=True))
    assert out.index("<state>") < out.index("<parent>") < out.index("<creationTime>") < out.index("<memory")
    assert out.index("</disks>") < out.index("<revertDisks>") < out.index("<domain type=")
    assert out.index("</domain>") < out.index("<inactiveDomain type='kvm'>") < out.index("<cookie>")
    # parsed as virCPUDefParseXML parses a guest CPU (the real daemon prints these defaults too)
    assert ("  <cookie>\n    <cpu mode='custom' match='exact'>\n      <model fallback='allow'>qemu64</model>\n"
            "    </cpu>\n"
            "    <slirpHelper/>\n  </cookie>\n</domainsnapshot>\n") in out
    assert "  <domain type='kvm'>\n    <name>vm</name>\n" in out
    assert "  </inactiveDomain>\n" in out


def test_embedded_domain_is_the_inactive_format_indented() -> None:
    d = domain(disk_xml("vda", "/img/vm.qcow2"))
    sd = SnapshotDef(name="s", state="shutoff", creation_time=1, memory="no", domain=d)
    expected = "".join("  " + line + "\n" for line in format_domain_xml(d, inactive=True).splitlines())
    assert expected in format_snapshot_xml(sd)


def test_secure_shows_secrets_of_the_saved_domain() -> None:
    d = domain("<graphics type='vnc' passwd='sekrit'/>")
    sd = SnapshotDef(name="s", state="running", creation_time=1, memory="internal", domain=d, inactive_domain=d)
    assert "sekrit" not in format_snapshot_xml(sd)
    assert format_snapshot_xml(sd, secure=True).count("passwd='sekrit'") == 2


def test_branch_is_never_formatted() -> None:
    sd = parse("<domainsnapshot><name>n1</name><branch current='yes'>s1</branch></domainsnapshot>")
    assert sd.branch == BranchRequest(point="s1", current=True)
    assert "branch" not in format_snapshot_xml(sd)
    assert "s1" not in format_snapshot_xml(sd)


def test_legacy_domain_uuid() -> None:
    u = "6695eb01-f6a4-8304-79aa-97f2502e193f"
    sd = parse(redefine_doc(f"<domain><uuid>{u}</uuid></domain>"), redefine=True)
    assert sd.domain is None and sd.domain_uuid == uuid.UUID(u)
    assert f"  <domain>\n    <uuid>{u}</uuid>\n  </domain>\n" in format_snapshot_xml(sd)
    assert "<domain>" not in format_snapshot_xml(SnapshotDef(name="x"))


def test_redefine_memory_default_follows_state() -> None:
    assert parse(redefine_doc(""), redefine=True).memory == "internal"
    assert parse(redefine_doc("", "shutoff"), redefine=True).memory == "no"
    assert parse(redefine_doc("", "disk-snapshot"), redefine=True).memory == "no"
    assert parse(redefine_doc("<memory file='/m'/>"), redefine=True).memory == "external"


def test_redefine_state_overrides_the_offline_flag() -> None:
    sd = parse(redefine_doc("<memory snapshot='internal'/>"), redefine=True, offline=True)
    assert sd.memory == "internal"


def test_cookie_of_offline_snapshot_is_dropped() -> None:
    assert parse(redefine_doc("<cookie><cpu/></cookie>", "shutoff"), redefine=True).cookie is None
    cookie = parse(redefine_doc("<cookie><cpu/></cookie>"), redefine=True).cookie
    assert cookie is not None and cookie.cpu is not None and not cookie.slirp_helper


def test_creation_time_with_leading_blanks() -> None:
    xml = "<domainsnapshot><name>r</name><creationTime> 12</creationTime><state>running</state></domainsnapshot>"
    assert parse(xml, redefine=True).creation_time == 12


def test_delete_in_progress_only_with_redefine_and_printed_first() -> None:
    body = ("<disks><disk name='vda' snapshot='external' type='file'><driver type='qcow2'/>"
            "<source file='/n'/><snapshotDeleteInProgress/></disk></disks>")
    assert parse(f"<domainsnapshot>{body}</domainsnapshot>").disks[0].delete_in_progress is False
    sd = parse(redefine_doc(body, "disk-snapshot"), redefine=True)
    assert sd.disks[0].delete_in_progress is True
    assert ("    <disk name='vda' snapshot='external' type='file'>\n      <snapshotDeleteInProgress/>\n"
            "      <driver type='qcow2'/>\n      <source file='/n'/>\n    </disk>\n") in format_snapshot_xml(sd)


def test_disk_type_only_printed_with_a_source_or_format() -> None:
    sd = SnapshotDef(name="s", disks=[SnapshotDisk("vda", "internal", type="file"),
                                      SnapshotDisk("vdb", "no"),
                                      SnapshotDisk("vdc", "external", type="file", driver_type="qcow2")])
    assert ("  <disks>\n    <disk name='vda' snapshot='internal'/>\n    <disk name='vdb' snapshot='no'/>\n"
            "    <disk name='vdc' snapshot='external' type='file'>\n      <driver type='qcow2'/>\n"
            "    </disk>\n  </disks>\n") in format_snapshot_xml(sd)


def test_formatsnapshot_example() -> None:
    """docs/formatsnapshot.rst: a disk named by its source path, one left out."""
    sd = parse("<domainsnapshot><description>Snapshot of OS install and updates</description><disks>"
               "<disk name='/path/to/old'><source file='/path/to/new'/></disk><disk name='vdb' snapshot='no'/>"
               "</disks></domainsnapshot>")
    d = domain(disk_xml("vda", "/path/to/old") + disk_xml("vdb", "/path/to/old2", extra=" snapshot='external'"))
    sd.name, sd.creation_time, sd.state, sd.parent, sd.memory = "1270477159", 1270477159, "running", \
        "bare-os-install", "no"
    align_disks(sd, d, "external", uniform_internal=True)
    sd.domain = d
    out = format_snapshot_xml(sd)
    assert out.startswith(
        "<domainsnapshot>\n"
        "  <name>1270477159</name>\n"
        "  <description>Snapshot of OS install and updates</description>\n"
        "  <state>running</state>\n"
        "  <parent>\n"
        "    <name>bare-os-install</name>\n"
        "  </parent>\n"
        "  <creationTime>1270477159</creationTime>\n"
        "  <memory snapshot='no'/>\n"
        "  <disks>\n"
        "    <disk name='vda' snapshot='external' type='file'>\n"
        "      <driver type='qcow2'/>\n"
        "      <source file='/path/to/new'/>\n"
        "    </disk>\n"
        "    <disk name='vdb' snapshot='no'/>\n"
        "  </disks>\n"
        "  <domain type='kvm'>\n")
    assert "      <source file='/path/to/old'/>\n" in out
    assert "snapshot='external'>\n        <driver name='qemu' type='raw'/>\n" \
           "        <source file='/path/to/old2'/>" in out


# --- branch ----------------------------------------------------------------------------------


@pytest.mark.parametrize(("xml", "expected"), [
    ("<branch>s1</branch>", BranchRequest("s1")),
    ("<branch current='no'>s1</branch>", BranchRequest("s1", current=False)),
    ("<branch current='yes' state='paused'>s 1</branch>", BranchRequest("s 1", current=True, state="paused")),
    ("<branch state='inactive'>x</branch>", BranchRequest("x", state="inactive")),
])
def test_branch_parsing(xml: str, expected: BranchRequest) -> None:
    assert parse(f"<domainsnapshot><name>n1</name>{xml}</domainsnapshot>").branch == expected
    assert parse(f"<domainsnapshot><name>n1</name>{xml}</domainsnapshot>", validate=True).branch == expected
    assert parse(redefine_doc(xml), redefine=True).branch == expected


@pytest.mark.parametrize(("xml", "text"), [
    ("<branch/>", "missing branch point: element <branch> must name an existing snapshot"),
    ("<branch> </branch>", "missing branch point: element <branch> must name an existing snapshot"),
    ("<branch current='maybe'>s1</branch>",
     "invalid value 'maybe' for attribute 'current' of element <branch>: expected 'yes' or 'no'"),
    ("<branch state='shutoff'>s1</branch>",
     "invalid value 'shutoff' for attribute 'state' of element <branch>: expected 'running', 'paused' or "
     "'inactive'"),
])
def test_branch_errors(xml: str, text: str) -> None:
    e = error(f"<domainsnapshot>{xml}</domainsnapshot>")
    assert (e.code, e.domain, e.message) == (ErrorCode.XML_ERROR, ErrorDomain.DOMAIN_SNAPSHOT, f"XML error: {text}")


@pytest.mark.parametrize("xml", ["<branch current='maybe'>s1</branch>", "<branch/>", "<branch x='1'>s</branch>",
                                 "<branch><name>s</name></branch>"])
def test_branch_schema(xml: str) -> None:
    e = error(f"<domainsnapshot>{xml}</domainsnapshot>", validate=True)
    assert e.code == ErrorCode.XML_INVALID_SCHEMA
    assert e.detail == SCHEMA_HEAD + "Extra element branch in interleave\n" \
                                     "Element domainsnapshot failed to validate content\n"


# --- errors ----------------------------------------------------------------------------------

X, SNAP, NONE = ErrorDomain.XML, ErrorDomain.DOMAIN_SNAPSHOT, ErrorDomain.NONE
ERRORS: list[tuple[str, bool, int, int, str]] = [
    # create
    ("<domainsnapshotx/>", False, ErrorCode.XML_ERROR, X, "XML error: expecting root element of 'domainsnapshot', "
     "not 'domainsnapshotx'"),
    ("<domainsnapshot><memory snapshot='bogus'/></domainsnapshot>", False, ErrorCode.XML_ERROR, X,
     "XML error: Invalid value for attribute 'snapshot' in element 'memory': 'bogus'."),
    ("<domainsnapshot><memory snapshot='default'/></domainsnapshot>", False, ErrorCode.XML_ERROR, X,
     "XML error: Invalid value for attribute 'snapshot' in element 'memory': 'default'."),
    ("<domainsnapshot><memory snapshot='manual'/></domainsnapshot>", False, ErrorCode.XML_ERROR, SNAP,
     "XML error: 'manual' memory snapshot mode not supported"),
    ("<domainsnapshot><memory snapshot='internal' file='/a'/></domainsnapshot>", False, ErrorCode.XML_ERROR, SNAP,
     "XML error: memory filename '/a' requires external snapshot"),
    ("<domainsnapshot><memory snapshot='external'/></domainsnapshot>", False, ErrorCode.XML_ERROR, SNAP,
     "XML error: external memory snapshots require a filename"),
    ("<domainsnapshot><memory file='a'/></domainsnapshot>", False, ErrorCode.XML_ERROR, SNAP,
     "XML error: memory snapshot file path (a) must be absolute"),
    ("<domainsnapshot><disks><disk name='vda' snapshot='default'/></disks></domainsnapshot>", False,
     ErrorCode.XML_ERROR, X, "XML error: Invalid value for attribute 'snapshot' in element 'disk': 'default'."),
    ("<domainsnapshot><disks><disk name='vda' type='bogus'/></disks></domainsnapshot>", False,
     ErrorCode.XML_ERROR, X, "XML error: Invalid value for attribute 'type' in element 'disk': 'bogus'."),
    ("<domainsnapshot><disks><disk name='vda' type='volume'/></disks></domainsnapshot>", False,
     ErrorCode.XML_ERROR, SNAP, "XML error: unsupported disk snapshot type 'volume'"),
    ("<domainsnapshot><disks><disk name='vda' type='dir'/></disks></domainsnapshot>", False,
     ErrorCode.XML_ERROR, SNAP, "XML error: unsupported disk snapshot type 'dir'"),
    ("<domainsnapshot><disks><disk name='vda'><driver type='raw2'/></disk></disks></domainsnapshot>", False,
     ErrorCode.CONFIG_UNSUPPORTED, SNAP, "unsupported configuration: unknown disk snapshot driver 'raw2'"),
    ("<domainsnapshot><disks><disk name='vda'><driver type='none'/></disk></disks></domainsnapshot>", False,
     ErrorCode.CONFIG_UNSUPPORTED, SNAP, "unsupported configuration: unknown disk snapshot driver 'none'"),
    ("<domainsnapshot><disks><disk name='vda'><source file='rel'/></disk></disks></domainsnapshot>", False,
     ErrorCode.XML_ERROR, SNAP, "XML error: disk snapshot image path 'rel' must be absolute"),
    ("<domainsnapshot><disks><disk name='vda' type='block'><source dev='sdb'/></disk></disks></domainsnapshot>",
     False, ErrorCode.XML_ERROR, SNAP, "XML error: disk snapshot image path 'sdb' must be absolute"),
    ("<domainsnapshot><disks><disk snapshot='no'/></disks></domainsnapshot>", False, ErrorCode.INTERNAL_ERROR,
     SNAP, "internal error: missing name from disk snapshot element"),
    ("<domainsnapshot><disks><disk name='vda'><driver><metadata_cache><max_size unit='foo'>1</max_size>"
     "</metadata_cache></driver></disk></disks></domainsnapshot>", False, ErrorCode.INVALID_ARG, NONE,
     "invalid argument: unknown suffix 'foo'"),
    ("<domainsnapshot><disks><disk name='vda'><driver><metadata_cache><max_size>x</max_size></metadata_cache>"
     "</driver></disk></disks></domainsnapshot>", False, ErrorCode.XML_ERROR, X,
     "XML error: Invalid value 'x' for element or attribute './driver/metadata_cache/max_size'"),
    # redefine
    ("<domainsnapshot/>", True, ErrorCode.XML_ERROR, SNAP, "XML error: a redefined snapshot must have a name"),
    ("<domainsnapshot><name>r1</name></domainsnapshot>", True, ErrorCode.INTERNAL_ERROR, SNAP,
     "internal error: missing creationTime from existing snapshot"),
    ("<domainsnapshot><name>r1</name><creationTime>12a</creationTime></domainsnapshot>", True,
     ErrorCode.INTERNAL_ERROR, SNAP, "internal error: missing creationTime from existing snapshot"),
    (f"<domainsnapshot>{REDEFINE_HEAD}</domainsnapshot>", True, ErrorCode.XML_ERROR, SNAP,
     "XML error: missing state from existing snapshot"),
    (redefine_doc("", "nostate"), True, ErrorCode.CONFIG_UNSUPPORTED, SNAP,
     "unsupported configuration: Invalid state 'nostate' in domain snapshot XML"),
    (redefine_doc("", " running"), True, ErrorCode.CONFIG_UNSUPPORTED, SNAP,
     "unsupported configuration: Invalid state ' running' in domain snapshot XML"),
    (redefine_doc("<memory snapshot='internal'/>", "shutoff"), True, ErrorCode.XML_ERROR, SNAP,
     "XML error: memory state cannot be saved with offline or disk-only snapshot"),
    (redefine_doc("<memory snapshot='external' file='/m'/>", "disk-snapshot"), True, ErrorCode.XML_ERROR, SNAP,
     "XML error: memory state cannot be saved with offline or disk-only snapshot"),
    (redefine_doc("<domain type='kvm'><memory>1</memory></domain>"), True, ErrorCode.NO_NAME, ErrorDomain.DOMAIN,
     "missing name information"),
    (redefine_doc("<inactiveDomain type='kvm'><memory>1</memory></inactiveDomain>"), True, ErrorCode.NO_NAME,
     ErrorDomain.DOMAIN, "missing name information"),
]


@pytest.mark.parametrize(("xml", "redefine", "code", "dom", "message"), ERRORS)
def test_errors(xml: str, redefine: bool, code: int, dom: int, message: str) -> None:
    e = error(xml, redefine=redefine)
    assert (e.code, e.domain, e.message) == (code, dom, message)


def test_offline_create_refuses_memory() -> None:
    e = error("<domainsnapshot><memory snapshot='internal'/></domainsnapshot>", offline=True)
    assert e.message == "XML error: memory state cannot be saved with offline or disk-only snapshot"
    assert parse("<domainsnapshot><memory snapshot='no'/></domainsnapshot>", offline=True).memory == "no"


def test_malformed_document() -> None:
    e = error("<domainsnapshot><name>x</nam></domainsnapshot>")
    assert (e.code, e.domain) == (ErrorCode.XML_DETAIL, ErrorDomain.DOMAIN_SNAPSHOT)
    assert e.message == ("(domain_snapshot):1: Opening and ending tag mismatch: name line 1 and nam\n"
                         "<domainsnapshot><name>x</nam></domainsnapshot>\n-----------------------------^")


# --- schema ----------------------------------------------------------------------------------

INTERLEAVE = "Extra element {} in interleave\nElement domainsnapshot failed to validate content\n"
SCHEMA_ERRORS = [
    ("<domainsnapshot><name>x</name><bogus/></domainsnapshot>", "Element domainsnapshot has extra content: bogus\n"),
    ("<domainsnapshot foo='1'/>", "Invalid attribute foo for element domainsnapshot\n"),
    ("<domainsnapshot>text</domainsnapshot>", "Element domainsnapshot has extra content: text\n"),
    ("<domainsnapshot><cookie><a x='1'><b/></a></cookie><foo/></domainsnapshot>",
     "Element domainsnapshot has extra content: foo\n"),
    ("<domainsnapshot><memory snapshot='bogus'/></domainsnapshot>", INTERLEAVE.format("memory")),
    ("<domainsnapshot><memory snapshot='external'/></domainsnapshot>", INTERLEAVE.format("memory")),
    ("<domainsnapshot><memory file='rel'/></domainsnapshot>", INTERLEAVE.format("memory")),
    ("<domainsnapshot><state>bogus</state></domainsnapshot>", INTERLEAVE.format("state")),
    ("<domainsnapshot><name a='1'>x</name></domainsnapshot>", INTERLEAVE.format("name")),
    ("<domainsnapshot><name>a</name><name>b</name></domainsnapshot>", INTERLEAVE.format("name")),
    ("<domainsnapshot><active>2</active></domainsnapshot>", INTERLEAVE.format("active")),
    ("<domainsnapshot><parent/></domainsnapshot>", INTERLEAVE.format("parent")),
    ("<domainsnapshot><disks><disk name='vda' snapshot='bogus'/></disks></domainsnapshot>",
     INTERLEAVE.format("disks")),
    ("<domainsnapshot><disks><disk/></disks></domainsnapshot>", INTERLEAVE.format("disks")),
    ("<domainsnapshot><disks><foo/></disks></domainsnapshot>", INTERLEAVE.format("disks")),
    ("<domainsnapshot><disks><disk name='relative'/></disks></domainsnapshot>", INTERLEAVE.format("disks")),
    ("<domainsnapshot><disks><disk name='vda' snapshot='external' type='volume'/></disks></domainsnapshot>",
     INTERLEAVE.format("disks")),
    ("<domainsnapshot><disks><disk name='vda'><driver type='qcow2'/><source file='/a' bogus='1'/></disk></disks>"
     "</domainsnapshot>", INTERLEAVE.format("disks")),
    ("<domainsnapshot><domain type='kvm'><bogus/></domain></domainsnapshot>", INTERLEAVE.format("domain")),
    ("<domainsnapshot><disks><disk name='vda' snapshot='no' type='file'/></disks></domainsnapshot>",
     INTERLEAVE.format("disks")),
    ("<domainsnapshot><disks><disk name='vda' snapshot='internal'><driver type='qcow2'/></disk></disks>"
     "</domainsnapshot>", INTERLEAVE.format("disks")),
    ("<domainsnapshot><disks><disk name='vda'><driver type='raw'/></disk></disks></domainsnapshot>",
     INTERLEAVE.format("disks")),
    ("<domainsnapshot><disks><disk name='vda' snapshot='external' type='file'><source file='/a' "
     "startupPolicy='optional'/></disk></disks></domainsnapshot>", INTERLEAVE.format("disks")),
    ("<domainsnapshot><disks>text</disks></domainsnapshot>", INTERLEAVE.format("disks")),
    ("<domainsnapshot><memory snapshot='no' file='/a'/></domainsnapshot>", INTERLEAVE.format("memory")),
    ("<domainsnapshot><cookie>text</cookie></domainsnapshot>", INTERLEAVE.format("cookie")),
    ("<domainsnapshot><name><b/></name></domainsnapshot>", INTERLEAVE.format("name")),
    ("<domainsnapshot><description>a<b/></description></domainsnapshot>", INTERLEAVE.format("description")),
    ("<domainsnapshot><domain><uuid>bad</uuid></domain></domainsnapshot>", INTERLEAVE.format("domain")),
]


@pytest.mark.parametrize(("xml", "detail"), SCHEMA_ERRORS)
def test_schema_errors(xml: str, detail: str) -> None:
    e = error(xml, validate=True)
    assert (e.code, e.domain) == (ErrorCode.XML_INVALID_SCHEMA, ErrorDomain.XML)
    assert e.detail == SCHEMA_HEAD + detail
    assert e.message == "XML document failed to validate against schema: " + SCHEMA_HEAD + detail


@pytest.mark.parametrize("body", [
    "<disks><disk name='/abs/path'/></disks>",
    "<state> running </state>",
    "<disks><disk name='vda' type='block'/></disks>",
    "<disks><disk name='vda' type='network'><source protocol='rbd' name='p/x'/></disk></disks>",
    "<disks><disk name='vda' snapshot='external' type='file'><source/></disk></disks>",
    "<disks><disk name='vda'><source file='/a'><seclabel model='dac' relabel='no'/></source></disk></disks>",
    "<domain><uuid>6695eb01-f6a4-8304-79aa-97f2502e193f</uuid></domain>",
    "<creationTime>abc</creationTime><parent><name>x</name></parent><active>1</active>",
])
def test_schema_accepts(body: str) -> None:
    parse(f"<domainsnapshot>{body}</domainsnapshot>", validate=True)


def test_schema_accepts_dumpxml_output() -> None:
    d = domain(disk_xml("vda", "/img/vm.qcow2") + disk_xml("sda", None, "cdrom"))
    sd = SnapshotDef(name="s", state="running", creation_time=1, memory="external", memory_file="/m",
                     domain=d, inactive_domain=d, cookie=SaveCookie(cpu=CpuDef(mode="custom")),
                     disks=[SnapshotDisk("vda", "external", type="file", source="/img/vm.s", driver_type="qcow2"),
                            SnapshotDisk("sda", "no", type="file")],
                     revert_disks=[SnapshotDisk("vda", "external", type="file", source="/img/vm.t")],
                     parent="p")
    out = format_snapshot_xml(sd)
    assert format_snapshot_xml(parse(out, redefine=True, validate=True)) == out


# --- a document recorded from libvirtd 9.0 ---------------------------------------------------

# virsh snapshot-create-as fvsnap1 e1 --disk-only, on the shut-off domain, then snapshot-dumpxml
E1 = """<domainsnapshot>
  <name>e1</name>
  <state>shutoff</state>
  <parent>
    <name>s1</name>
  </parent>
  <creationTime>1795648691</creationTime>
  <memory snapshot='no'/>
  <disks>
    <disk name='vda' snapshot='external' type='file'>
      <driver type='qcow2'/>
      <source file='/var/lib/libvirt/images/fvref/vm.e1'/>
    </disk>
    <disk name='vdb' snapshot='external' type='file'>
      <driver type='qcow2'/>
      <source file='/var/lib/libvirt/images/fvref/vm2.e1'/>
    </disk>
    <disk name='hdc' snapshot='no'/>
  </disks>
  <domain type='qemu'>
    <name>fvsnap1</name>
    <uuid>5a70a0b5-c801-4c61-a018-e57205e61928</uuid>
    <memory unit='KiB'>65536</memory>
    <currentMemory unit='KiB'>65536</currentMemory>
    <vcpu placement='static'>1</vcpu>
    <os>
      <type arch='x86_64' machine='pc-i440fx-7.2'>hvm</type>
      <boot dev='hd'/>
    </os>
    <cpu mode='custom' match='exact' check='none'>
      <model fallback='forbid'>qemu64</model>
    </cpu>
    <clock offset='utc'/>
    <on_poweroff>destroy</on_poweroff>
    <on_reboot>restart</on_reboot>
    <on_crash>destroy</on_crash>
    <devices>
      <emulator>/usr/bin/qemu-system-x86_64</emulator>
      <disk type='file' device='disk'>
        <driver name='qemu' type='qcow2'/>
        <source file='/var/lib/libvirt/images/fvref/vm.qcow2'/>
        <target dev='vda' bus='virtio'/>
        <address type='pci' domain='0x0000' bus='0x00' slot='0x03' function='0x0'/>
      </disk>
      <disk type='file' device='disk'>
        <driver name='qemu' type='qcow2'/>
        <source file='/var/lib/libvirt/images/fvref/vm2.qcow2'/>
        <target dev='vdb' bus='virtio'/>
        <address type='pci' domain='0x0000' bus='0x00' slot='0x04' function='0x0'/>
      </disk>
      <disk type='file' device='cdrom'>
        <driver name='qemu' type='raw'/>
        <target dev='hdc' bus='ide'/>
        <readonly/>
        <address type='drive' controller='0' bus='1' target='0' unit='0'/>
      </disk>
      <controller type='ide' index='0'>
        <address type='pci' domain='0x0000' bus='0x00' slot='0x01' function='0x1'/>
      </controller>
      <controller type='usb' index='0' model='piix3-uhci'>
        <address type='pci' domain='0x0000' bus='0x00' slot='0x01' function='0x2'/>
      </controller>
      <controller type='pci' index='0' model='pci-root'/>
      <input type='mouse' bus='ps2'/>
      <input type='keyboard' bus='ps2'/>
      <graphics type='vnc' port='-1' autoport='yes'>
        <listen type='address'/>
      </graphics>
      <audio id='1' type='none'/>
      <video>
        <model type='cirrus' vram='16384' heads='1' primary='yes'/>
        <address type='pci' domain='0x0000' bus='0x00' slot='0x02' function='0x0'/>
      </video>
      <memballoon model='virtio'>
        <address type='pci' domain='0x0000' bus='0x00' slot='0x05' function='0x0'/>
      </memballoon>
    </devices>
  </domain>
</domainsnapshot>
"""


def test_recorded_external_snapshot_round_trip() -> None:
    sd = parse(E1, redefine=True, validate=True)
    assert (sd.state, sd.parent, sd.creation_time, sd.memory) == ("shutoff", "s1", 1795648691, "no")
    assert [(d.name, d.snapshot) for d in sd.disks] == [("vda", "external"), ("vdb", "external"), ("hdc", "no")]
    assert format_snapshot_xml(sd) == E1
    assert format_snapshot_xml(sd, secure=True) == E1


def test_recorded_external_snapshot_rebuilt() -> None:
    """The disk-only create path: <domainsnapshot><name>e1</name></domainsnapshot>, aligned external."""
    saved = parse(E1, redefine=True).domain
    assert saved is not None
    sd = parse("<domainsnapshot><name>e1</name></domainsnapshot>", offline=True)
    align_disks(sd, saved, "external", uniform_internal=True)
    sd.state, sd.parent, sd.creation_time, sd.memory, sd.domain = "shutoff", "s1", 1795648691, "no", saved
    assert format_snapshot_xml(sd) == E1
