"""The pytest plugin, run on small generated test files in a pytest subprocess."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]

USER_TESTS = '''
import libvirt
import pytest

from fakevirt.errors import VirtError
from fakevirt.model.hypervisor import Hypervisor
from fakevirt.testing import minimal_domain_xml
from fakevirt.testing.plugin import fault

FIRST = {}


def define(uri, name):
    c = libvirt.open(uri)
    try:
        return c.defineXML(minimal_domain_xml(name)).UUIDString()
    finally:
        c.close()


@pytest.fixture(scope="session")
def prepared(fakevirt_server):
    with fakevirt_server.preparing("prepared"):
        c = libvirt.open(fakevirt_server.uri())
        c.defineXML(minimal_domain_xml("base")).create()
        c.close()


@pytest.mark.parametrize("run", range(3))
def test_same_ids_every_test(fakevirt_uri, run):
    uuid = define(fakevirt_uri, "vm")
    assert FIRST.setdefault("uuid", uuid) == uuid


def test_seed_marker_default_is_the_session_seed(fakevirt_uri):
    assert define(fakevirt_uri, "vm") == str(Hypervisor(seed=SEED).rng.uuid())


@pytest.mark.fakevirt(seed=42)
def test_seed_marker(fakevirt_uri):
    c = libvirt.open(fakevirt_uri)
    assert c.getHostname() == Hypervisor(seed=42).host.hostname
    assert c.defineXML(minimal_domain_xml("vm")).UUIDString() == str(Hypervisor(seed=42).rng.uuid())


@pytest.mark.parametrize("run", range(3))
@pytest.mark.fakevirt(state="prepared")
def test_state_marker(prepared, fakevirt_server, fakevirt_uri, run):
    assert not fakevirt_server.control("calls")["calls"]  # not the previous test's, not the prepared host's
    c = libvirt.open(fakevirt_uri)
    assert [(d.name(), d.isActive()) for d in c.listAllDomains()] == [("base", 1)]
    c.lookupByName("base").destroy()
    c.defineXML(minimal_domain_xml(f"extra{run}"))


def test_state_factory(prepared, fakevirt_state):
    server = fakevirt_state("prepared")
    c = libvirt.open(server.uri())
    assert [d.name() for d in c.listAllDomains()] == ["base"]


@pytest.mark.fakevirt(faults=[fault("DOMAIN_CREATE", error=VirtError(1, 10, "boom"), count=1)])
def test_fault_marker(fakevirt_uri):
    c = libvirt.open(fakevirt_uri)
    dom = c.defineXML(minimal_domain_xml("vm"))
    with pytest.raises(libvirt.libvirtError) as e:
        dom.create()
    assert (e.value.get_error_code(), e.value.get_error_domain(), e.value.get_error_message()) == (1, 10, "boom")
    dom.create()  # count=1: the next call runs


@pytest.mark.fakevirt(faults=[fault("DOMAIN_CREATE", match={"name": "vm2"}, after=1,
                                     error=VirtError(9, 10, "third time"), count=None)])
def test_fault_marker_by_object_after_two_calls(fakevirt_uri):
    c = libvirt.open(fakevirt_uri)
    vm1, vm2 = (c.defineXML(minimal_domain_xml(n)) for n in ("vm1", "vm2"))
    vm2.create()
    vm2.destroy()
    vm1.create()  # another domain's start: not a matching call
    with pytest.raises(libvirt.libvirtError) as e:
        vm2.create()
    assert (e.value.get_error_code(), e.value.get_error_message()) == (9, "third time")


def test_guest_action_through_control(fakevirt, fakevirt_uri):
    c = libvirt.open(fakevirt_uri)
    dom = c.defineXML(minimal_domain_xml("vm").replace("</domain>", "<on_crash>preserve</on_crash></domain>"))
    dom.create()
    fakevirt.control("guest", domain="vm", action="crash")
    assert dom.state() == [libvirt.VIR_DOMAIN_CRASHED, libvirt.VIR_DOMAIN_CRASHED_PANICKED]


@pytest.mark.fakevirt(state="prepared")
def test_faults_do_not_leak_into_the_next_test(prepared, fakevirt_uri):
    c = libvirt.open(fakevirt_uri)
    c.lookupByName("base").destroy()
    c.lookupByName("base").create()

'''


CONFTEST = '''
import os
from pathlib import Path

import pytest


@pytest.fixture(autouse=True)
def _record_port(fakevirt_server):
    Path("ports", str(os.getpid())).write_text(fakevirt_server.tcp_address)
'''


def run_pytest(tmp_path: Path, *args: str, body: str = USER_TESTS, seed: int = 0) -> subprocess.CompletedProcess[str]:
    (tmp_path / "test_user.py").write_text(f"SEED = {seed}\n" + body)
    (tmp_path / "conftest.py").write_text(CONFTEST)
    (tmp_path / "ports").mkdir(exist_ok=True)
    # No entry points: the plugin only as -p names it (an installed fakevirt registers it as well).
    env = {**os.environ, "PYTHONPATH": str(REPO), "PYTEST_DISABLE_PLUGIN_AUTOLOAD": "1"}
    return subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "fakevirt.testing.plugin", "-p", "no:cacheprovider",
                           *args, str(tmp_path / "test_user.py")],
                          cwd=tmp_path, env=env, capture_output=True, text=True, timeout=120)


def test_markers_and_fixtures(tmp_path: Path) -> None:
    result = run_pytest(tmp_path, "-s")
    assert result.returncode == 0, result.stdout + result.stderr
    assert "13 passed" in result.stdout


def test_session_seed_option(tmp_path: Path) -> None:
    result = run_pytest(tmp_path, "--fakevirt-seed", "5", "-k", "session_seed", seed=5)
    assert result.returncode == 0, result.stdout + result.stderr


def test_unknown_marker_argument_is_an_error(tmp_path: Path) -> None:
    body = "import pytest\n@pytest.mark.fakevirt(sead=1)\ndef test_x(fakevirt):\n    pass\n"
    result = run_pytest(tmp_path, body=body)
    assert result.returncode != 0
    assert "@pytest.mark.fakevirt: unknown argument(s) ['sead']" in result.stdout + result.stderr


def test_xdist_one_server_per_worker(tmp_path: Path) -> None:
    pytest.importorskip("xdist")
    result = run_pytest(tmp_path, "-p", "xdist.plugin", "-n", "2")
    assert result.returncode == 0, result.stdout + result.stderr
    assert "13 passed" in result.stdout
    ports = {p.read_text() for p in (tmp_path / "ports").iterdir()}
    assert len(ports) == 2  # two workers, a server each, on ports of their own
