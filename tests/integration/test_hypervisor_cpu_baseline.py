"""virConnectBaselineHypervisorCPU through libvirt-python and virsh, with real-daemon twins.

The KVM results differ from the reference on purpose (its QEMU reports another host-model CPU), so the twins
compare TCG results, which depend only on QEMU's emulated CPU, and errors.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import libvirt
import pytest

from .conftest import err, error_of, ok

HASWELL = "<cpu mode='custom' match='exact'><model>Haswell</model><feature policy='disable' name='rtm'/></cpu>"
SKYLAKE_HOST = ("<cpu><arch>x86_64</arch><model>Skylake-Client-IBRS</model><vendor>Intel</vendor>"
                "<feature name='vmx'/></cpu>")
EPYC = "<cpu><model>EPYC</model><vendor>AMD</vendor></cpu>"
EXPAND = libvirt.VIR_CONNECT_BASELINE_CPU_EXPAND_FEATURES
MIGRATABLE = libvirt.VIR_CONNECT_BASELINE_CPU_MIGRATABLE


@pytest.fixture
def conn(fakevirt_uri: str) -> Iterator[libvirt.virConnect]:
    c = libvirt.open(fakevirt_uri)
    yield c
    c.close()


@pytest.fixture
def ref(reference_uri: str) -> Iterator[libvirt.virConnect]:
    c = libvirt.open(reference_uri)
    yield c
    c.close()


def _tcg(c: libvirt.virConnect, cpus: list[str], flags: int = 0, **kw: str) -> str:
    return c.baselineHypervisorCPU(kw.get("emulator"), kw.get("arch"), kw.get("machine"),
                                   kw.get("virttype", "qemu"), cpus, flags)


ERROR_CALLS: list[tuple[str, Callable[[libvirt.virConnect], Any]]] = [
    ("empty list", lambda c: _tcg(c, [])),
    ("flags", lambda c: _tcg(c, [HASWELL], 4)),
    ("passthrough has no model", lambda c: _tcg(c, ["<cpu mode='host-passthrough'/>"])),
    ("bad mode", lambda c: _tcg(c, ["<cpu mode='bogus'><model>Haswell</model></cpu>"])),
    ("host CPU with mode", lambda c: _tcg(c, ["<cpu mode='custom'><arch>x86_64</arch><model>a</model></cpu>"])),
    ("unknown feature", lambda c: _tcg(c, ["<cpu><model>Haswell</model><feature name='nosuch'/></cpu>"])),
    ("unknown model", lambda c: _tcg(c, ["<cpu><model>Nosuch</model></cpu>"])),
    ("vendors differ", lambda c: _tcg(c, [EPYC, HASWELL])),
    ("not xml", lambda c: _tcg(c, ["<cpu"])),
    ("no cpu element", lambda c: _tcg(c, ["<domain/>"])),
    ("bad virttype", lambda c: _tcg(c, [HASWELL], virttype="bogus")),
    ("arch without emulator", lambda c: _tcg(c, [HASWELL], arch="ppc64")),
    ("bad arch", lambda c: _tcg(c, [HASWELL], arch="bogus")),
    ("no such emulator", lambda c: _tcg(c, [HASWELL], emulator="/usr/bin/nosuch")),
    ("bad machine", lambda c: _tcg(c, [HASWELL], machine="bogus")),
    ("emulator arch mismatch", lambda c: _tcg(c, [HASWELL], emulator="/usr/bin/qemu-system-x86_64", arch="ppc64")),
]


def _errors(c: libvirt.virConnect) -> dict[str, tuple[int, int, str]]:
    return {label: error_of(call, c) for label, call in ERROR_CALLS}


def test_errors(conn: libvirt.virConnect) -> None:
    got = _errors(conn)
    assert got["empty list"] == (8, 20, "xmlCPUs in virConnectBaselineHypervisorCPU must not be NULL")
    assert got["flags"] == (8, 10, "unsupported flags (0x4) in function qemuConnectBaselineHypervisorCPU")
    assert got["passthrough has no model"] == (8, 31, "invalid argument: no CPU model specified at index 0")
    assert got["bad mode"] == (67, 31, "unsupported configuration: Invalid mode attribute 'bogus'")
    assert got["vendors differ"] == (9, 31, "operation failed: CPU vendors do not match")


@pytest.mark.real
def test_errors_match_reference(conn: libvirt.virConnect, ref: libvirt.virConnect) -> None:
    assert _errors(conn) == _errors(ref)


def _results(c: libvirt.virConnect) -> dict[str, str]:
    return {
        "one guest": _tcg(c, [HASWELL]),
        "migratable": _tcg(c, [HASWELL], MIGRATABLE),
        "expanded": _tcg(c, [HASWELL], EXPAND),
        "expanded migratable": _tcg(c, [HASWELL], EXPAND | MIGRATABLE),
        "host and guest migratable": _tcg(c, [SKYLAKE_HOST, HASWELL], MIGRATABLE),
        # virQEMUCapsCacheLookupDefault does not check the virt type: xen is served like TCG
        "xen": _tcg(c, [HASWELL], virttype="xen"),
        "i386 binary": _tcg(c, [HASWELL], emulator="/usr/bin/qemu-system-i386"),
        "q35": _tcg(c, [HASWELL], machine="q35"),
    }


def test_results(conn: libvirt.virConnect) -> None:
    got = _results(conn)
    assert got["one guest"].splitlines()[:3] == [
        "<cpu mode='custom' match='exact'>", "  <model fallback='forbid'>Haswell</model>",
        "  <feature policy='disable' name='pcid'/>"]
    # TCG has no hle: a disabled model feature; the expanded form lists every feature by name
    assert "<feature policy='disable' name='hle'/>" in got["one guest"]
    assert "<feature policy='require' name='fpu'/>" in got["expanded"]
    assert got["xen"] == got["one guest"]
    assert "<vendor>" not in got["host and guest migratable"]


def test_kvm_models_follow_the_domain_capabilities(conn: libvirt.virConnect) -> None:
    caps = conn.getDomainCapabilities(None, None, None, "kvm")
    assert "<model usable='yes' vendor='Intel'>Skylake-Client-IBRS</model>" in caps
    assert "<model usable='no' vendor='Intel'>Icelake-Server</model>" in caps
    # a usable model has no blockers: only what the CPUs lack is disabled
    out = conn.baselineHypervisorCPU(None, None, None, None, [SKYLAKE_HOST], 0)
    assert out.splitlines()[1:5] == ["  <model fallback='forbid'>Skylake-Client-IBRS</model>",
                                     "  <vendor>Intel</vendor>", "  <feature policy='require' name='vmx'/>", "</cpu>"]
    # an unusable one keeps its blockers (what the host-model CPU lacks) disabled
    out = conn.baselineHypervisorCPU(None, None, None, None, ["<cpu><model>Icelake-Server</model></cpu>"], 0)
    assert "<model fallback='forbid'>Icelake-Server</model>" in out
    assert "<feature policy='disable' name='avx512vbmi2'/>" in out


@pytest.mark.real
def test_results_match_reference(conn: libvirt.virConnect, ref: libvirt.virConnect) -> None:
    assert _results(conn) == _results(ref)


def test_virsh(virsh, tmp_path: Path) -> None:
    f = tmp_path / "cpus.xml"
    f.write_text(SKYLAKE_HOST + "\n" + HASWELL)
    out = ok(virsh("hypervisor-cpu-baseline", "--virttype", "qemu", "--migratable", str(f)))
    assert "<model fallback='forbid'>Haswell-noTSX</model>" in out
    f.write_text("<cpu mode='host-passthrough'/>")
    assert err(virsh("hypervisor-cpu-baseline", str(f))) == "error: invalid argument: no CPU model specified at index 0"
