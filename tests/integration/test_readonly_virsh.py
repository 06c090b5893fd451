"""``virsh -r``: what a read-only connection may not do, with libvirt's texts."""

from __future__ import annotations

from pathlib import Path

import pytest

from fakevirt.testing import minimal_domain_xml
from tests.integration.conftest import err

REFERENCE_TEST_URI = "test+tcp://{}/default"  # the test driver's "test" domain runs there
DENIED = "error: operation forbidden: read only access prevents "


@pytest.fixture
def running(virsh, tmp_path: Path) -> str:
    """A running domain called "test", like the test driver's."""
    xml = tmp_path / "test.xml"
    xml.write_text(minimal_domain_xml("test"))
    for args in (("define", str(xml)), ("start", "test")):
        assert virsh(*args).returncode == 0
    return "test"


DOMAIN_COMMANDS = [
    (["dumpxml", "test", "--security-info"], "error: operation forbidden: virDomainGetXMLDesc with secure flag"),
    (["dumpxml", "test", "--migratable"], "error: operation forbidden: virDomainGetXMLDesc with secure flag"),
    (["domhostname", "test"], "error: failed to get hostname\n" + DENIED + "virDomainGetHostname"),
    (["managedsave-dumpxml", "test", "--security-info"],
     "error: operation forbidden: virDomainManagedSaveGetXMLDesc with secure flag"),
    (["vcpucount", "test", "--guest"], DENIED + "virDomainGetVcpusFlags"),
    (["qemu-monitor-command", "test", '{"execute":"query-status"}'], DENIED + "virDomainQemuMonitorCommand"),
    (["qemu-agent-command", "test", '{"execute":"guest-ping"}'], DENIED + "virDomainQemuAgentCommand"),
    (["domifaddr", "test", "--source", "agent"],
     "error: Failed to query for interfaces addresses\n" + DENIED + "virDomainInterfaceAddresses"),
]
HOST_COMMANDS = [
    (["domcapabilities"], "error: failed to get emulator capabilities\n" + DENIED + "virConnectGetDomainCapabilities"),
    (["save-image-dumpxml", "/tmp/fakevirt-none.save", "--security-info"], DENIED + "virDomainSaveImageGetXMLDesc"),
    (["save-image-dumpxml", "/tmp/fakevirt-none.save"], DENIED + "virDomainSaveImageGetXMLDesc"),
]


@pytest.mark.parametrize(("command", "expected"), DOMAIN_COMMANDS, ids=[" ".join(c) for c, _ in DOMAIN_COMMANDS])
def test_domain_commands(virsh, running: str, command: list[str], expected: str) -> None:
    assert err(virsh(*command, readonly=True)) == expected


@pytest.mark.parametrize(("command", "expected"), HOST_COMMANDS, ids=[" ".join(c) for c, _ in HOST_COMMANDS])
def test_host_commands(virsh, command: list[str], expected: str) -> None:
    assert err(virsh(*command, readonly=True)) == expected


def test_reads_still_work(virsh, running: str) -> None:
    plain = virsh("dumpxml", "test", readonly=True)
    assert plain.returncode == 0 and "<name>test</name>" in plain.stdout
    assert virsh("vcpucount", "test", readonly=True).returncode == 0


def test_vol_download(virsh, tmp_path: Path) -> None:
    for args in (("pool-define-as", "ro", "dir", "--target", str(tmp_path / "pool")), ("pool-build", "ro"),
                 ("pool-start", "ro"), ("vol-create-as", "ro", "v.raw", "1M", "--format", "raw")):
        assert virsh(*args).returncode == 0, args
    out = tmp_path / "out"
    r = virsh("vol-download", "v.raw", str(out), "--pool", "ro", readonly=True)
    assert err(r) == "error: cannot download from volume v.raw\n" + DENIED + "virStorageVolDownload"
    assert virsh("vol-download", "v.raw", str(out), "--pool", "ro").returncode == 0


@pytest.mark.real
@pytest.mark.parametrize(("command", "expected"), DOMAIN_COMMANDS, ids=[" ".join(c) for c, _ in DOMAIN_COMMANDS])
def test_domain_commands_as_real_libvirtd(virsh, running: str, reference_uri: str, command: list[str],
                                          expected: str) -> None:
    real = virsh(*command, readonly=True, uri=REFERENCE_TEST_URI.format(reference_uri.split("/")[2]))
    assert err(real) == err(virsh(*command, readonly=True))


@pytest.mark.real
@pytest.mark.parametrize(("command", "expected"), HOST_COMMANDS, ids=[" ".join(c) for c, _ in HOST_COMMANDS])
def test_host_commands_as_real_libvirtd(virsh, reference_uri: str, command: list[str], expected: str) -> None:
    assert err(virsh(*command, readonly=True, uri=reference_uri)) == err(virsh(*command, readonly=True))
