"""The guest-agent APIs against a real libvirtd 9.0: the same calls on the same definitions give the
same answers (error code, domain and text) on the reference and on fakevirt.

The reference's guests have no OS, so their agent never connects: what it shows are the answers
without an agent (channel but no qemu-ga, no channel, paused, inactive) and the argument checks.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
from collections.abc import Callable, Iterator

import libvirt
import pytest

from fakevirt.testing import ThreadedServer
from tests.integration.test_agent_python import agent_calls, agent_xml, model_domain

pytestmark = pytest.mark.real
IMAGES_ROOT = "/var/lib/libvirt/images"
PREFIX = f"ga-pytest-{os.getpid()}"


def argument_calls(dom: libvirt.virDomain) -> list[tuple[str, Callable[[], object]]]:
    """Calls whose arguments libvirt refuses before it looks at the agent."""
    return [("guestinfo-types", lambda: dom.guestInfo(1 << 10)), ("guestinfo-flags", lambda: dom.guestInfo(0, 1)),
            ("thaw-mountpoints", lambda: dom.fsThaw(["/"])), ("trim-mountpoint", lambda: dom.fSTrim("/", 0)),
            ("bitmap", lambda: dom.setGuestVcpus("x-y", 0)), ("timeout-min", lambda: dom.agentSetResponseTimeout(-3)),
            ("timeout", lambda: dom.agentSetResponseTimeout(5)),
            ("timeout-flags", lambda: dom.agentSetResponseTimeout(5, 1)),
            ("hostname-both", lambda: dom.hostname(3)), ("hostname-lease", lambda: dom.hostname(1)),
            ("ifaddr-source", lambda: dom.interfaceAddresses(7)), ("ifaddr-lease", lambda: dom.interfaceAddresses(0)),
            ("fsinfo-flags", lambda: dom.fsInfo(1)), ("gettime-flags", lambda: dom.getTime(1)),
            ("settime-flags", lambda: dom.setTime({"seconds": 5}, 2))]


def outcome(call: Callable[[], object]) -> object:
    try:
        return ("ok", call())
    except libvirt.libvirtError as e:
        return (e.get_error_code(), e.get_error_domain(), e.get_error_message())


def answers(conn: libvirt.virConnect, prefix: str) -> dict[str, object]:
    out: dict[str, object] = {}
    for suffix in ("agent", "plain", "paused", "off"):
        dom = conn.lookupByName(f"{prefix}-{suffix}")
        for label, call in [*agent_calls(dom), *argument_calls(dom)]:
            text = outcome(call)
            out[f"{suffix}:{label}"] = text.replace(dom.name(), "NAME") if isinstance(text, str) else (
                tuple(x.replace(dom.name(), "NAME") if isinstance(x, str) else x for x in text)
                if isinstance(text, tuple) else text)
    return out


def setup(conn: libvirt.virConnect, prefix: str, images: str, make_image: Callable[[str], None]) -> None:
    for suffix, channel in (("agent", True), ("plain", False), ("paused", False), ("off", True)):
        path = f"{images}/{suffix}.qcow2"
        make_image(path)
        dom = conn.defineXML(agent_xml(f"{prefix}-{suffix}", channel, path))
        if suffix != "off":
            dom.create()
        if suffix == "paused":
            dom.suspend()


@pytest.fixture(scope="module")
def reference(reference_uri: str) -> Iterator[dict[str, object]]:
    if shutil.which("qemu-img") is None:
        pytest.skip("qemu-img is not installed")
    images = tempfile.mkdtemp(prefix=f"{PREFIX}-", dir=IMAGES_ROOT)
    os.chmod(images, 0o755)
    conn = libvirt.open(reference_uri)

    def make_image(path: str) -> None:
        subprocess.run(["qemu-img", "create", "-f", "qcow2", path, "16M"], check=True, capture_output=True)
        os.chmod(path, 0o666)

    try:
        setup(conn, PREFIX, images, make_image)
        yield answers(conn, PREFIX)
    finally:
        for suffix in ("agent", "plain", "paused", "off"):
            try:
                dom = conn.lookupByName(f"{PREFIX}-{suffix}")
                if dom.isActive():
                    dom.destroy()
                dom.undefine()
            except libvirt.libvirtError:
                pass
        conn.close()
        shutil.rmtree(images, ignore_errors=True)


def test_agent_answers_match_the_reference(reference: dict[str, object], fakevirt: ThreadedServer,
                                           fakevirt_uri: str) -> None:
    conn = libvirt.open(fakevirt_uri)
    try:
        setup(conn, PREFIX, "/var/lib/libvirt/images", lambda path: fakevirt.call(
            fakevirt.hypervisor.images.create, path, "qcow2", 16 << 20))
        # like the reference's guest without an OS, this one never starts qemu-ga
        fakevirt.call(fakevirt.hypervisor.system.agents.agent_down, model_domain(fakevirt, f"{PREFIX}-agent"))
        ours = answers(conn, PREFIX)
    finally:
        conn.close()
    assert len(ours) == len(reference) == 4 * 34
    assert {k: v for k, v in ours.items() if v != reference[k]} == {}
