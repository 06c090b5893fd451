"""The host documents: capabilities, domain capabilities, sysinfo (no sockets, except the real-daemon checks)."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET

import pytest
from hypothesis import given
from hypothesis import strategies as st

from fakevirt.errors import ErrorCode, ErrorDomain, VirtError
from fakevirt.model.host import HostInfo
from fakevirt.model.smbios import Smbios, SmbiosBios, SmbiosProcessor
from fakevirt.xml.capabilities import capabilities_xml
from fakevirt.xml.domcapabilities import domain_capabilities_xml
from fakevirt.xml.fmt import escape, format_bitmap, sax_escape, sax_quoteattr
from fakevirt.xml.sysinfo import sysinfo_xml

HOST = HostInfo()
X86 = "/usr/bin/qemu-system-x86_64"


def domcaps(emulator: str | None = None, arch: str | None = None, machine: str | None = None,
            virttype: str | None = None, flags: int = 0, host: HostInfo = HOST) -> ET.Element:
    return ET.fromstring(domain_capabilities_xml(host, emulator, arch, machine, virttype, flags))


def element_paths(xml: str) -> set[str]:
    paths: set[str] = set()

    def walk(e: ET.Element, prefix: str) -> None:
        path = f"{prefix}/{e.tag}"
        paths.add(path)
        for child in e:
            walk(child, path)

    walk(ET.fromstring(xml), "")
    return paths


def assert_libvirt_layout(xml: str) -> None:
    """Two-space indentation, single-quoted attributes, '<x/>' and a final newline, like virBuffer."""
    assert xml.endswith(">\n") and not xml.endswith("\n\n")
    for line in xml.splitlines():
        if line:
            assert re.fullmatch(r"(  )*<[^ ].*>", line), line
            assert '"' not in line and " />" not in line, line


# --- helpers --------------------------------------------------------------------------------------------


def test_escape_and_bitmap() -> None:
    assert escape("a<b>&'\"\x01c") == "a&lt;b&gt;&amp;&apos;&quot;c"
    assert format_bitmap([0, 1]) == "0-1"
    assert format_bitmap([0, 4]) == "0,4"
    assert format_bitmap([7, 0, 1, 2, 3, 9, 10]) == "0-3,7,9-10"


# --- capabilities ---------------------------------------------------------------------------------------


def test_capabilities_layout() -> None:
    xml = capabilities_xml(HOST)
    assert xml.startswith("<capabilities>\n\n  <host>\n    <uuid>")
    assert xml.endswith("  </guest>\n\n</capabilities>\n")
    assert_libvirt_layout(xml)


def test_capabilities_host() -> None:
    caps = ET.fromstring(capabilities_xml(HOST))
    assert caps.findtext("host/uuid") == HOST.uuid
    assert caps.findtext("host/cpu/arch") == "x86_64"
    assert caps.findtext("host/cpu/model") == "Skylake-Client-IBRS"
    assert caps.find("host/cpu/topology").attrib == {"sockets": "1", "dies": "1", "cores": "4", "threads": "2"}
    assert [p.get("size") for p in caps.findall("host/cpu/pages")] == ["4", "2048", "1048576"]
    assert caps.find("host/iommu").get("support") == "no"
    assert [t.text for t in caps.findall("host/migration_features/uri_transports/uri_transport")] == ["tcp", "rdma"]
    cell = caps.find("host/topology/cells/cell")
    assert caps.find("host/topology/cells").get("num") == "1"
    assert cell.findtext("memory") == str(HOST.memory_kib)
    assert int(cell.find("pages[@size='4']").text) == HOST.memory_kib // 4
    assert cell.find("cpus").get("num") == "8"
    assert cell.find("cpus/cpu[@id='5']").attrib == {"id": "5", "socket_id": "0", "die_id": "0",
                                                     "core_id": "1", "siblings": "1,5"}
    assert caps.find("host/cache/bank").get("cpus") == "0-7"
    assert [m.findtext("model") for m in caps.findall("host/secmodel")] == ["none", "dac"]
    assert {b.get("type") for b in caps.findall("host/secmodel/baselabel")} == {"kvm", "qemu"}


def test_capabilities_guests() -> None:
    caps = ET.fromstring(capabilities_xml(HOST))
    guests = {g.find("arch").get("name"): g for g in caps.findall("guest")}
    assert list(guests) == ["i686", "x86_64"]
    x86 = guests["x86_64"]
    assert x86.findtext("os_type") == "hvm"
    assert x86.findtext("arch/wordsize") == "64" and guests["i686"].findtext("arch/wordsize") == "32"
    assert x86.findtext("arch/emulator") == X86
    canon = {m.text: m.get("canonical") for m in x86.findall("arch/machine") if m.get("canonical")}
    assert canon == {"pc": "pc-i440fx-7.2", "q35": "pc-q35-7.2"}
    assert x86.find("arch/machine[.='pc-q35-7.2']").get("maxCpus") == "288"
    assert x86.find("arch/machine[.='pc-i440fx-1.4']").get("deprecated") == "yes"
    assert [d.get("type") for d in x86.findall("arch/domain")] == ["qemu", "kvm"]
    assert [f.tag for f in x86.find("features")] == ["acpi", "apic", "cpuselection", "deviceboot", "disksnapshot",
                                                    "externalSnapshot", "snapshotBranch"]
    assert [f.tag for f in guests["i686"].find("features")][:2] == ["pae", "nonpae"]
    assert x86.find("features/acpi").attrib == {"default": "on", "toggle": "yes"}


def test_capabilities_two_nodes() -> None:
    caps = ET.fromstring(capabilities_xml(HostInfo(sockets=2, numa_nodes=2)))
    cells = caps.findall("host/topology/cells/cell")
    assert [c.find("cpus").get("num") for c in cells] == ["8", "8"]
    assert [(s.get("id"), s.get("value")) for s in cells[1].findall("distances/sibling")] == [("0", "21"), ("1", "10")]
    assert [b.get("cpus") for b in caps.findall("host/cache/bank")] == ["0-3,8-11", "4-7,12-15"]


# --- domain capabilities ---------------------------------------------------------------------------------


def test_domcaps_defaults() -> None:
    xml = domain_capabilities_xml(HOST, None, None, None, None, 0)
    assert_libvirt_layout(xml)
    d = ET.fromstring(xml)
    assert [d.findtext(t) for t in ("path", "domain", "machine", "arch")] == [X86, "kvm", "pc-i440fx-7.2", "x86_64"]
    assert d.find("vcpu").get("max") == "255"
    assert d.find("iothreads").get("supported") == "yes"
    assert [m.get("name") for m in d.findall("cpu/mode")] == ["host-passthrough", "maximum", "host-model", "custom"]
    assert d.find("cpu/mode[@name='host-passthrough']").get("supported") == "yes"
    assert d.findtext("cpu/mode[@name='host-model']/model") == "Skylake-Client-IBRS"
    custom = {m.text: m.get("usable") for m in d.findall("cpu/mode[@name='custom']/model")}
    assert custom["Skylake-Client-IBRS"] == "yes" and custom["EPYC"] == "no" and len(custom) == 53
    assert [v.text for v in d.findall("devices/disk/enum[@name='bus']/value")][0] == "ide"
    assert [e.tag for e in d.find("devices")] == ["disk", "graphics", "video", "hostdev", "rng", "filesystem",
                                                  "tpm", "redirdev", "channel"]
    assert [e.tag for e in d.find("features")] == ["gic", "vmcoreinfo", "genid", "backingStoreInput", "backup",
                                                   "sev", "sgx", "hyperv"]
    assert [v.text for v in d.findall("os/enum[@name='firmware']/value")] == ["efi"]
    assert [v.text for v in d.findall("os/loader/value")] == ["/usr/share/OVMF/OVMF_CODE_4M.fd"]


@pytest.mark.parametrize("alias, canonical, max_cpus", [
    ("pc", "pc-i440fx-7.2", "255"), ("q35", "pc-q35-7.2", "288"), ("pc-q35-2.6", "pc-q35-2.6", "255"),
    ("isapc", "isapc", "1"), ("microvm", "microvm", "288"),
])
def test_domcaps_machine_alias(alias: str, canonical: str, max_cpus: str) -> None:
    d = domcaps(machine=alias)
    assert d.findtext("machine") == canonical and d.find("vcpu").get("max") == max_cpus


def test_domcaps_q35_firmware_and_buses() -> None:
    d = domcaps(machine="q35")
    assert len(d.findall("os/loader/value")) == 3
    assert [v.text for v in d.findall("os/loader/enum[@name='secure']/value")] == ["yes", "no"]
    assert "ide" not in [v.text for v in d.findall("devices/disk/enum[@name='bus']/value")]
    isapc = domcaps(machine="isapc")
    assert isapc.find("os/enum[@name='firmware']").findall("value") == []
    assert [v.text for v in isapc.findall("os/loader/value")] == list(HOST.fallback_loaders)


def test_domcaps_tcg_and_i686() -> None:
    tcg = domcaps(virttype="qemu")
    assert tcg.findtext("domain") == "qemu"
    assert tcg.find("cpu/mode[@name='host-passthrough']").get("supported") == "no"
    assert tcg.findtext("cpu/mode[@name='host-model']/model") == "EPYC"
    i686 = domcaps(arch="i686")
    assert (i686.findtext("path"), i686.findtext("arch")) == ("/usr/bin/qemu-system-i386", "i686")
    assert i686.find("cpu/mode[@name='host-model']/feature[@name='lm']").get("policy") == "disable"
    assert domcaps(emulator=X86, arch="i686").findtext("path") == X86
    assert domcaps(emulator="//usr/bin/qemu-system-x86_64").findtext("path") == "//usr/bin/qemu-system-x86_64"
    assert domcaps(virttype="none").findtext("domain") == "kvm"


def test_domcaps_iommu_host_offers_vfio() -> None:
    d = domcaps(host=HostInfo(iommu=True))
    assert [v.text for v in d.findall("devices/hostdev/enum[@name='pciBackend']/value")] == ["default", "vfio"]


I386 = "/usr/bin/qemu-system-i386"
DOMCAPS_ERRORS = [
    # (emulatorbin, arch, machine, virttype, flags) -> (code, message)
    ((None, None, None, None, 1), (ErrorCode.INVALID_ARG,
                                   "unsupported flags (0x1) in function qemuConnectGetDomainCapabilities")),
    ((None, "foo", None, "foo", 0), (ErrorCode.INVALID_ARG, "invalid argument: unknown virttype: foo")),
    ((None, "foo", "bogus", None, 0), (ErrorCode.INVALID_ARG, "invalid argument: unknown architecture: foo")),
    ((None, "i386", None, None, 0), (ErrorCode.INVALID_ARG, "invalid argument: unknown architecture: i386")),
    ((None, "aarch64", None, None, 0), (ErrorCode.CONFIG_UNSUPPORTED, "unsupported configuration: unable to find "
                                        "any emulator to serve 'aarch64' architecture")),
    (("/usr/bin/bogus", None, None, "xen", 0), (ErrorCode.SYSTEM_ERROR,
                                                "Cannot check QEMU binary /usr/bin/bogus: No such file or directory")),
    (("qemu-system-x86_64", None, None, None, 0), (ErrorCode.SYSTEM_ERROR, "Cannot check QEMU binary "
                                                   "qemu-system-x86_64: No such file or directory")),
    ((X86, "aarch64", None, None, 0), (ErrorCode.INVALID_ARG, "invalid argument: architecture from emulator "
                                       "'x86_64' doesn't match given architecture 'aarch64'")),
    ((None, None, "bogus", "xen", 0), (ErrorCode.INVALID_ARG, "invalid argument: the machine 'bogus' is not "
                                       "supported by emulator '/usr/bin/qemu-system-x86_64'")),
    ((None, None, "PC", None, 0), (ErrorCode.INVALID_ARG, "invalid argument: the machine 'PC' is not supported "
                                   "by emulator '/usr/bin/qemu-system-x86_64'")),
    ((I386, None, "q35", None, 0), (ErrorCode.INVALID_ARG, "invalid argument: Emulator "
                                    "'/usr/bin/qemu-system-i386' does not support arch 'x86_64'")),
    ((None, None, "q35", "xen", 0), (ErrorCode.INVALID_ARG, "invalid argument: Emulator "
                                     "'/usr/bin/qemu-system-x86_64' does not support virt type 'xen'")),
    ((None, None, None, "hvf", 0), (ErrorCode.INVALID_ARG, "invalid argument: Emulator "
                                    "'/usr/bin/qemu-system-x86_64' does not support virt type 'hvf'")),
]


@pytest.mark.parametrize("args, expected", DOMCAPS_ERRORS)
def test_domcaps_errors(args: tuple, expected: tuple[int, str]) -> None:
    with pytest.raises(VirtError) as e:
        domain_capabilities_xml(HOST, *args)
    assert (e.value.code, e.value.domain, e.value.message) == (expected[0], ErrorDomain.QEMU, expected[1])


def test_domcaps_flags_error_names_function_and_argument() -> None:
    with pytest.raises(VirtError) as e:
        domain_capabilities_xml(HOST, None, None, None, None, 0x80)
    assert (e.value.template, e.value.detail) == ("qemuConnectGetDomainCapabilities", "flags")


# --- sysinfo ----------------------------------------------------------------------------------------------


def test_sysinfo() -> None:
    xml = sysinfo_xml(HOST)
    assert_libvirt_layout(xml)
    s = ET.fromstring(xml)
    assert s.get("type") == "smbios"
    assert [e.tag for e in s] == ["bios", "system", "baseBoard", "chassis", "processor", "memory_device",
                                  "memory_device", "memory_device", "memory_device"]
    assert [e.get("name") for e in s.find("bios")] == ["vendor", "version", "date", "release"]
    assert s.findtext("system/entry[@name='uuid']") == HOST.uuid
    assert [e.get("name") for e in s.find("system")] == ["manufacturer", "product", "version", "serial", "uuid",
                                                         "sku", "family"]


def test_sysinfo_escapes_and_skips_missing_entries() -> None:
    host = HostInfo(smbios=Smbios(bios=SmbiosBios(vendor="A&B <x>"), processors=(SmbiosProcessor(),)))
    assert sysinfo_xml(host) == ("<sysinfo type='smbios'>\n  <bios>\n"
                                 "    <entry name='vendor'>A&amp;B &lt;x&gt;</entry>\n  </bios>\n</sysinfo>\n")


def test_sysinfo_unavailable() -> None:
    with pytest.raises(VirtError) as e:
        sysinfo_xml(HostInfo(has_smbios=False))
    assert (e.value.code, e.value.domain, e.value.message) == (
        ErrorCode.CONFIG_UNSUPPORTED, ErrorDomain.QEMU,
        "unsupported configuration: Host SMBIOS information is not available")


# --- against the real libvirtd (one connection, each document fetched once) -------------------------------

REAL_DOMCAPS = [(None, None), (None, "qemu")]
# Each call that reaches QEMU's capability cache can cost the daemon seconds: compare the argument
# checks (cheap) and two lookups; the unit table above holds every message as libvirtd 9.0 gives it.
REAL_ERRORS = [case for case in DOMCAPS_ERRORS
               if case[0][0] in (None, "/usr/bin/bogus") and case[0][2] in (None, "bogus")][:7]


@pytest.fixture(scope="module")
def real_docs(reference_uri: str) -> dict[str, object]:
    libvirt = pytest.importorskip("libvirt")
    conn = libvirt.open(reference_uri)
    try:
        docs: dict[str, object] = {"caps": conn.getCapabilities()}
        for machine, virttype in REAL_DOMCAPS:
            docs[f"domcaps {machine} {virttype}"] = conn.getDomainCapabilities(None, None, machine, virttype, 0)
        errors = []
        for args, _ in REAL_ERRORS:
            try:
                conn.getDomainCapabilities(*args)
                errors.append(None)
            except libvirt.libvirtError as e:
                errors.append((e.get_error_code(), e.get_error_domain(), e.get_error_message()))
        docs["errors"] = errors
        return docs
    finally:
        conn.close()


@pytest.mark.real
def test_capabilities_cover_real_structure(real_docs: dict[str, object]) -> None:
    real, ours = element_paths(str(real_docs["caps"])), element_paths(capabilities_xml(HOST))
    assert real <= ours, real - ours


@pytest.mark.real
@pytest.mark.parametrize("machine, virttype", REAL_DOMCAPS)
def test_domcaps_cover_real_structure(real_docs: dict[str, object], machine: str | None,
                                      virttype: str | None) -> None:
    real_xml = str(real_docs[f"domcaps {machine} {virttype}"])
    ours_xml = domain_capabilities_xml(HOST, None, None, machine, virttype, 0)
    assert element_paths(real_xml) <= element_paths(ours_xml)
    real, ours = ET.fromstring(real_xml), ET.fromstring(ours_xml)
    assert [e.tag for e in real] == [e.tag for e in ours]
    for tag in ("path", "domain", "machine", "arch"):
        assert real.findtext(tag) == ours.findtext(tag)
    assert real.find("vcpu").attrib == ours.find("vcpu").attrib
    # devices and features depend on the QEMU binary, not on the host CPU: they must be identical
    for section in ("devices", "features", "memoryBacking"):
        assert ET.tostring(real.find(section)) == ET.tostring(ours.find(section))
    assert ([m.text for m in real.findall("cpu/mode[@name='custom']/model")]
            == [m.text for m in ours.findall("cpu/mode[@name='custom']/model")])


@pytest.mark.real
def test_domcaps_errors_match_real(real_docs: dict[str, object]) -> None:
    expected = [(code, ErrorDomain.QEMU, message) for _, (code, message) in REAL_ERRORS]
    assert real_docs["errors"] == expected


@given(st.text(alphabet=st.sampled_from("ab&<>\"'\n\r\t é\x01")))
def test_sax_helpers_equal_saxutils(text: str) -> None:
    """sax_escape/sax_quoteattr stand in for xml.sax.saxutils (too slow to import): same output."""
    from xml.sax.saxutils import escape, quoteattr

    assert sax_escape(text) == escape(text)
    assert sax_quoteattr(text) == quoteattr(text)
