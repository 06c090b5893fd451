"""Host CPU and memory commands through virsh."""

from __future__ import annotations

from pathlib import Path

import pytest

from fakevirt.testing import ThreadedServer

from .conftest import err, ok

DOMAIN_XML = """<domain type='kvm'><name>vm1</name><memory>131072</memory><vcpu>2</vcpu>
<os><type arch='x86_64'>hvm</type></os></domain>"""


def test_nodecpumap_and_vcpuinfo(virsh, fakevirt: ThreadedServer, tmp_path: Path) -> None:
    n = fakevirt.hypervisor.host.cpu_count
    assert ok(virsh("nodecpumap")).split() == ["CPUs", "present:", str(n), "CPUs", "online:", str(n),
                                               "CPU", "map:", "y" * n]
    (tmp_path / "d.xml").write_text(DOMAIN_XML)
    ok(virsh("define", str(tmp_path / "d.xml")))
    ok(virsh("start", "vm1"))
    out = ok(virsh("vcpuinfo", "vm1"))
    assert out.count("CPU Affinity:   " + "y" * n) == 2


def test_cpu_models_and_memory(virsh) -> None:
    models = ok(virsh("cpu-models", "x86_64")).split()
    assert len(models) == 58 and models[0] == "486"
    assert ok(virsh("freepages", "--all")).split()[:2] == ["Node", "0:"]
    assert ok(virsh("allocpages", "2048", "8", "--cellno", "0")).strip() == ""
    assert "2048KiB: 8" in ok(virsh("freepages", "--cellno", "0", "--pagesize", "2048"))
    ok(virsh("node-memory-tune", "--shm-pages-to-scan", "300"))
    assert "shm_pages_to_scan 300" in ok(virsh("node-memory-tune"))
    assert err(virsh("nodesuspend", "mem", "60")).endswith("argument unsupported: Suspend-to-RAM")


def test_cpu_compare_and_baseline(virsh, tmp_path: Path) -> None:
    caps = ok(virsh("capabilities"))
    host = tmp_path / "host.xml"
    host.write_text(caps[caps.index("<cpu>"):caps.index("</cpu>") + 6])
    assert "identical to host CPU" in ok(virsh("cpu-compare", str(host)))
    base = ok(virsh("cpu-baseline", "--features", str(host)))
    assert "<model fallback='forbid'>Skylake-Client-IBRS</model>" in base
    guest = tmp_path / "guest.xml"
    guest.write_text("<cpu><model>EPYC</model><vendor>AMD</vendor></cpu>")
    assert "incompatible" in err(virsh("cpu-compare", "--error", str(guest)))
    # the host CPU has mpx, which the KVM host-model CPU disables
    r = virsh("hypervisor-cpu-compare", str(host))
    assert r.returncode == 1 and "incompatible with the CPU provided by hypervisor" in r.stdout
    guest.write_text("<cpu><model>Haswell</model></cpu>")
    assert "superset" in ok(virsh("hypervisor-cpu-compare", str(guest)))


@pytest.mark.real
def test_cpu_compare_error_matches_reference(virsh, reference_uri: str, tmp_path: Path) -> None:
    guest = tmp_path / "guest.xml"
    guest.write_text("<cpu><model>EPYC</model><vendor>AMD</vendor></cpu>")
    assert err(virsh("cpu-compare", "--error", str(guest))) == err(
        virsh("cpu-compare", "--error", str(guest), uri=reference_uri))
