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
from fakevirt.testing.libvirt_events import ensure_event_loop, wait_for
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


def start_events(uri: str, name: str) -> list[tuple[int, int]]:
    """The agent-lifecycle events a (re)start of ``name`` sends before its STARTED event."""
    ensure_event_loop()
    conn = libvirt.open(uri)
    seen: list[tuple[int, int]] = []
    lifecycle: list[int] = []
    cbs = [conn.domainEventRegisterAny(None, libvirt.VIR_DOMAIN_EVENT_ID_AGENT_LIFECYCLE,
                                       lambda c, d, state, reason, o: seen.append((state, reason))
                                       if d.name() == name else None, None),  # others share the reference
           conn.domainEventRegisterAny(None, libvirt.VIR_DOMAIN_EVENT_ID_LIFECYCLE,
                                       lambda c, d, event, detail, o: lifecycle.append(event)
                                       if event == libvirt.VIR_DOMAIN_EVENT_STARTED and not lifecycle
                                       and d.name() == name else None, None)]
    try:
        dom = conn.lookupByName(name)
        if dom.isActive():
            dom.destroy()
        dom.create()
        wait_for(lambda: lifecycle, timeout=30)
        return [(s, r) for s, r in seen]
    finally:
        for cb in cbs:
            conn.domainEventDeregisterAny(cb)
        conn.close()


def test_agent_lifecycle_at_start_matches_the_reference(reference: dict[str, object], reference_uri: str,
                                                        fakevirt: ThreadedServer, fakevirt_uri: str) -> None:
    conn = libvirt.open(fakevirt_uri)
    try:
        setup(conn, PREFIX, "/var/lib/libvirt/images", lambda path: fakevirt.call(
            fakevirt.hypervisor.images.create, path, "qcow2", 16 << 20))
    finally:
        conn.close()
    want = start_events(reference_uri, f"{PREFIX}-agent")
    assert want == [(libvirt.VIR_CONNECT_DOMAIN_EVENT_AGENT_LIFECYCLE_STATE_DISCONNECTED,
                     libvirt.VIR_CONNECT_DOMAIN_EVENT_AGENT_LIFECYCLE_REASON_DOMAIN_STARTED)]
    assert start_events(fakevirt_uri, f"{PREFIX}-agent") == want
