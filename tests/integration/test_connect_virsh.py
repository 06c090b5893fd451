"""Connection and host commands through Debian's real virsh, over TCP and a UNIX socket."""

from __future__ import annotations

import xml.etree.ElementTree as ET

import pytest

from fakevirt.testing import ThreadedServer


@pytest.fixture(params=["tcp", "unix"])
def uri(request: pytest.FixtureRequest, fakevirt: ThreadedServer) -> str:
    return fakevirt.uri(transport=request.param)


def test_version(virsh, uri: str) -> None:
    r = virsh("version", uri=uri)
    assert r.returncode == 0, r.stderr
    assert "Using API: QEMU 9.0.0" in r.stdout
    assert "Running hypervisor: QEMU 7.2." in r.stdout


def test_hostname_uri_nodeinfo(virsh, uri: str, fakevirt: ThreadedServer) -> None:
    assert virsh("hostname", uri=uri).stdout.strip() == fakevirt.hypervisor.host.hostname
    assert virsh("uri", uri=uri).stdout.strip() == uri
    r = virsh("nodeinfo", uri=uri)
    assert r.returncode == 0, r.stderr
    fields = dict(line.split(":", 1) for line in r.stdout.strip().splitlines())
    info = fakevirt.hypervisor.host.node_info()
    assert fields["CPU model"].strip() == "x86_64"
    assert int(fields["CPU(s)"]) == info.cpus
    assert fields["Memory size"].strip() == f"{info.memory} KiB"


def test_capabilities_and_domcapabilities_are_xml(virsh, uri: str) -> None:
    caps = ET.fromstring(virsh("capabilities", uri=uri).stdout)
    assert caps.findtext("host/cpu/arch") == "x86_64"
    assert {g.findtext("arch/..") is not None for g in caps.findall("guest")} == {True}
    dom = ET.fromstring(virsh("domcapabilities", uri=uri).stdout)
    assert dom.findtext("arch") == "x86_64"
    q35 = ET.fromstring(virsh("domcapabilities", "--machine", "q35", uri=uri).stdout)
    assert q35.findtext("machine").startswith("pc-q35-")


def test_sysinfo(virsh, uri: str) -> None:
    r = virsh("sysinfo", uri=uri)
    assert r.returncode == 0, r.stderr
    assert ET.fromstring(r.stdout).get("type") == "smbios"


def test_empty_list(virsh, uri: str) -> None:
    r = virsh("list", "--all", uri=uri)
    assert r.returncode == 0, r.stderr
    assert r.stdout.split() == ["Id", "Name", "State", "--------------------"]


def test_readonly_connects(virsh, uri: str) -> None:
    r = virsh("hostname", uri=uri, readonly=True)
    assert r.returncode == 0, r.stderr


def test_node_stats(virsh, uri: str) -> None:
    cpu = virsh("nodecpustats", uri=uri)
    assert cpu.returncode == 0, cpu.stderr
    assert {"user:", "system:", "idle:", "iowait:"} <= set(cpu.stdout.split())
    mem = virsh("nodememstats", uri=uri)
    assert mem.returncode == 0, mem.stderr
    assert {"total", "free"} <= {line.split(":")[0].strip() for line in mem.stdout.splitlines() if line}
    assert virsh("freecell", uri=uri).returncode == 0


@pytest.mark.parametrize("bad, message", [
    ("qemu+tcp://127.0.0.1:{port}/foo", "error: internal error: unexpected qemu URI path '/foo', try qemu:///system"),
    ("bogus+tcp://127.0.0.1:{port}/system", "error: no connection driver available for bogus:///system"),
])
def test_bad_uris_are_refused_like_libvirtd(virsh, fakevirt: ThreadedServer, bad: str, message: str) -> None:
    port = fakevirt.tcp_address.rsplit(":", 1)[1]
    r = virsh("version", uri=bad.format(port=port))
    assert r.returncode == 1
    assert r.stderr.strip().splitlines() == ["error: failed to connect to the hypervisor", message]


@pytest.mark.real
@pytest.mark.parametrize("command", [["version"], ["list", "--all"], ["uri"]])
def test_same_exit_status_as_real_libvirtd(virsh, reference_uri: str, command: list[str]) -> None:
    ours, theirs = virsh(*command), virsh(*command, uri=reference_uri)
    assert ours.returncode == theirs.returncode == 0


@pytest.mark.real
@pytest.mark.parametrize("path", ["foo", "embed"])
def test_bad_uri_paths_match_real_libvirtd(virsh, fakevirt: ThreadedServer, reference_uri: str, path: str) -> None:
    port = fakevirt.tcp_address.rsplit(":", 1)[1]
    ours = virsh("version", uri=f"qemu+tcp://127.0.0.1:{port}/{path}")
    theirs = virsh("version", uri=reference_uri.replace("/system", f"/{path}"))
    assert (ours.returncode, ours.stderr) == (theirs.returncode, theirs.stderr)
