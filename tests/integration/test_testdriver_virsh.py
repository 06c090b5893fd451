"""libvirt's test driver through virsh: test:///default's node and test:///PATH.xml node files,
served on fakevirt's listeners; the real twins run the same commands on libvirtd 9.0's test driver."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlsplit

import libvirt
import pytest

from fakevirt.testing import ThreadedServer
from tests.integration.conftest import err, ok

DATA = Path(__file__).parent / "data" / "testdriver"

# what the reference's test driver prints for its default node (recorded from libvirtd 9.0)
DEFAULT_DOMAIN_XML = (DATA / "default-test-domain.xml").read_text()

# commands whose whole output is the same on both (those with the time of day in them aside)
SAME_OUTPUT = [
    "list --all", "version", "nodeinfo", "dumpxml test", "dumpxml --inactive test", "capabilities", "sysinfo",
    "net-list --all", "net-dumpxml default", "net-info default", "pool-list --all", "pool-dumpxml default-pool",
    "pool-info default-pool", "vol-list default-pool", "iface-list --all", "nodedev-list --tree", "nodedev-list --all",
    "nodedev-dumpxml computer", "nodedev-dumpxml scsi_host1", "nodedev-dumpxml scsi_host11", "freecell --all",
    "maxvcpus", "domstate --reason test", "domiflist test", "domblklist test", "vcpucount test", "domstats test",
    "secret-list", "nwfilter-list", "domcapabilities", "nodememstats", "net-dhcp-leases default",
    "domjobinfo test", "snapshot-list test", "checkpoint-list test", "nodedev-list", "iface-dumpxml eth1",
    "iface-dumpxml eth0", "iface-name 00:11:22:33:44:55", "pool-list --all --details",
]


@pytest.fixture
def test_uri(fakevirt: ThreadedServer) -> str:
    return fakevirt.uri("default").replace("qemu+", "test+")


@pytest.fixture
def held(test_uri: str) -> Iterator[libvirt.virConnect]:
    """A connection kept open: test:///default's node lives while any connection holds it."""
    conn = libvirt.open(test_uri)
    yield conn
    conn.close()


def _reference_test_uri(reference_uri: str) -> str:
    u = urlsplit(reference_uri)
    return f"test+tcp://{u.hostname}:{u.port}/"


def test_default_node(virsh, test_uri: str) -> None:
    assert ok(virsh("list", "--all", uri=test_uri)).split() == ["Id", "Name", "State", "-" * 22, "1", "test",
                                                                  "running"]
    assert "Running hypervisor: TEST 0.0.2" in ok(virsh("version", uri=test_uri))
    assert ok(virsh("dumpxml", "test", uri=test_uri)) == DEFAULT_DOMAIN_XML + "\n"
    assert ok(virsh("pool-list", "--all", "--name", uri=test_uri)).split() == ["default-pool"]
    assert ok(virsh("net-list", "--all", "--name", uri=test_uri)).split() == ["default"]
    assert ok(virsh("iface-list", "--all", uri=test_uri)).split()[-3:] == ["eth1", "active", "aa:bb:cc:dd:ee:ff"]
    assert ok(virsh("iface-dumpxml", "eth1", uri=test_uri)).splitlines()[:3] == [
        "<interface type='ethernet' name='eth1'>", "  <start mode='onboot'/>", "  <mtu size='1492'/>"]
    assert ok(virsh("nodedev-dumpxml", "scsi_host11", uri=test_uri)).count("<parent>scsi_host1</parent>") == 1
    # virsh's nodedev-list asks for active devices only, a filter the test driver refuses
    assert err(virsh("nodedev-list", uri=test_uri)).endswith(
        "error: unsupported flags (0x80000000) in function testConnectListAllNodeDevices")


def test_the_qemu_driver_is_untouched(virsh, test_uri: str, fakevirt: ThreadedServer) -> None:
    ok(virsh("destroy", "test", uri=test_uri))
    assert ok(virsh("list", "--all", "--name")).split() == []
    assert ok(virsh("pool-list", "--all", "--name")).split() == []
    assert "Running hypervisor: QEMU" in ok(virsh("version"))


def test_start_without_images_and_the_drivers_texts(virsh, test_uri: str, held: libvirt.virConnect) -> None:
    """/guest/diskimage1 exists nowhere; the test driver starts the domain anyway."""
    ok(virsh("destroy", "test", uri=test_uri))
    assert err(virsh("destroy", "test", uri=test_uri)).endswith(
        "error: Requested operation is not valid: domain is not running")
    ok(virsh("start", "test", uri=test_uri))
    assert err(virsh("start", "test", uri=test_uri)) == "error: Domain is already active"  # virsh's own check
    ok(virsh("suspend", "test", uri=test_uri))
    assert err(virsh("suspend", "test", uri=test_uri)).endswith("error: internal error: domain 'test' not running")
    ok(virsh("resume", "test", uri=test_uri))
    assert err(virsh("resume", "test", uri=test_uri)).endswith("error: internal error: domain 'test' not paused")
    assert err(virsh("dominfo", "nosuch", uri=test_uri)) == "error: failed to get domain 'nosuch'"
    assert err(virsh("secret-list", uri=test_uri)).endswith(
        "error: this function is not supported by the connection driver: virConnectNumOfSecrets")


def test_default_node_lives_while_a_connection_holds_it(virsh, test_uri: str) -> None:
    ok(virsh("destroy", "test", uri=test_uri))  # the last connection closed: the node is forgotten
    assert ok(virsh("domstate", "test", uri=test_uri)).strip() == "running"
    conn = libvirt.open(test_uri)
    try:
        ok(virsh("destroy", "test", uri=test_uri))
        assert ok(virsh("domstate", "test", uri=test_uri)).strip() == "shut off"
    finally:
        conn.close()
    assert ok(virsh("domstate", "test", uri=test_uri)).strip() == "running"


def test_open_errors(virsh, fakevirt: ThreadedServer, tmp_path: Path) -> None:
    base = fakevirt.uri("").replace("qemu+", "test+")
    assert err(virsh("uri", uri=base)).endswith("error: invalid argument: testOpen: supply a path or use test:///default")
    missing = tmp_path / "missing.xml"
    assert err(virsh("uri", uri=base + str(missing).lstrip("/"))).endswith(
        f"error: XML error: failed to parse xml document '{missing}'")
    (tmp_path / "domain.xml").write_text("<domain type='test'/>")
    assert err(virsh("uri", uri=base + str(tmp_path / "domain.xml").lstrip("/"))).endswith(
        "error: XML error: expecting root element of 'node', not 'domain'")


def _node_dir(tmp_path: Path) -> Path:
    """The node files of the data directory, readable by a libvirtd of another user too."""
    where = Path(shutil.copytree(DATA / "node", tmp_path / "node"))
    tmp_path.chmod(0o755)
    for p in [where, *where.iterdir()]:
        p.chmod(0o755 if p.is_dir() else 0o644)
    return where


NODE_COMMANDS = [
    "list --all", "nodeinfo", "dumpxml off", "dumpxml paused", "dumpxml fromfile", "domstate --reason paused",
    "net-list --all", "net-dumpxml lan", "pool-list --all", "pool-dumpxml images", "vol-list images",
    "vol-dumpxml --pool images disk0.img", "vol-info --pool images disk0.img", "pool-info images",
    "freecell --all", "capabilities", "iface-list --all", "nodedev-list",
]


def _outputs(virsh, uri: str, commands: list[str]) -> dict[str, str]:
    out = {}
    for c in commands:
        r = virsh(*c.split(), uri=uri)
        out[c] = r.stdout + r.stderr
    return out


def test_node_file(virsh, fakevirt: ThreadedServer, tmp_path: Path) -> None:
    node = _node_dir(tmp_path) / "node.xml"
    uri = fakevirt.uri(str(node).lstrip("/")).replace("qemu+", "test+")
    assert ok(virsh("list", "--all", uri=uri)).split()[4:] == ["1", "paused", "paused", "2", "fromfile", "running",
                                                               "-", "off", "shut", "off"]
    info = dict(line.split(":", 1) for line in ok(virsh("nodeinfo", uri=uri)).splitlines() if ":" in line)
    assert (info["CPU model"].strip(), info["CPU(s)"].strip(), info["CPU frequency"].strip()) == ("x86_64", "6",
                                                                                                 "2500 MHz")
    assert ok(virsh("vol-info", "--pool", "images", "disk0.img", "--bytes", uri=uri)).split()[-6:] == [
        "Capacity:", "1048576", "bytes", "Allocation:", "8192", "bytes"]
    # a node file's connection is private: a define on one is not seen by the next
    ok(virsh("undefine", "off", uri=uri))
    assert "off" in ok(virsh("list", "--all", "--name", uri=uri)).split()


@pytest.mark.real
def test_default_node_matches_reference(virsh, test_uri: str, reference_uri: str) -> None:
    real = _outputs(virsh, _reference_test_uri(reference_uri) + "default", SAME_OUTPUT)
    assert _outputs(virsh, test_uri, SAME_OUTPUT) == real


@pytest.mark.real
def test_node_file_matches_reference(virsh, fakevirt: ThreadedServer, reference_uri: str, tmp_path: Path) -> None:
    path = str(_node_dir(tmp_path) / "node.xml").lstrip("/")
    real = _outputs(virsh, _reference_test_uri(reference_uri) + path, NODE_COMMANDS)
    ours = _outputs(virsh, fakevirt.uri(path).replace("qemu+", "test+"), NODE_COMMANDS)
    assert ours == real
