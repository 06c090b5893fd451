"""virsh's QEMU commands (qemu-monitor-command, qemu-monitor-event, qemu-agent-command, dominfo's
Messages) against fakevirt and (``real``) libvirtd 9.0: the same output and errors."""

from __future__ import annotations

import re
import subprocess
import time
from collections.abc import Iterator

import libvirt
import pytest

from tests.integration.conftest import err, ok
from tests.integration.console_domain import console_domain_name, remove_domain, start_console_domain

DEADLINE = 20.0


@pytest.fixture(params=["fakevirt", pytest.param("real", marks=pytest.mark.real)])
def uri(request: pytest.FixtureRequest) -> str:
    return str(request.getfixturevalue("fakevirt_uri" if request.param == "fakevirt" else "reference_uri"))


@pytest.fixture
def name(uri: str) -> Iterator[str]:
    conn = libvirt.open(uri)
    name = console_domain_name()
    start_console_domain(conn, name)
    yield name
    remove_domain(conn, name)
    conn.close()


def _strip_id(text: str) -> str:
    """The reply without its "id" member (the counter differs between daemons)."""
    head, _, tail = text.partition(',"id":"libvirt-')
    return head + tail.partition('"')[2] if tail else text


def test_monitor_command_forms(virsh, uri: str, name: str) -> None:
    status = '{"return":{"status":"running","singlestep":false,"running":true}}\n\n'
    assert _strip_id(ok(virsh("qemu-monitor-command", name, '{"execute":"query-status"}', uri=uri))) == status
    assert _strip_id(ok(virsh("qemu-monitor-command", name, "query-status", uri=uri))) == status  # virsh wraps it
    # text mode reads the CRLF as a newline
    assert ok(virsh("qemu-monitor-command", name, "--hmp", "info", "status", uri=uri)) == "VM status: running\n\n\n"
    assert ok(virsh("qemu-monitor-command", name, "--return-value", '{"execute":"query-name"}', uri=uri)) == (
        f'{{"name":"{name}"}}\n')
    pretty = ok(virsh("qemu-monitor-command", name, "--pretty", '{"execute":"query-kvm"}', uri=uri))
    assert pretty.startswith('{\n  "return": {\n    "enabled": false,\n    "present": true\n  },\n  "id": "libvirt-')
    assert ok(virsh("dominfo", name, uri=uri)).splitlines()[-2] == (
        "Messages:       tainted: custom monitor control commands issued")


def test_monitor_and_agent_command_errors(virsh, uri: str, name: str) -> None:
    assert err(virsh("qemu-monitor-command", name, '{"execute":"query-status","id":"x"}', uri=uri)) == (
        "error: internal error: Unable to append command 'id' string")
    assert err(virsh("qemu-agent-command", name, '{"execute":"guest-ping"}', uri=uri)) == (
        "error: Guest agent is not responding: QEMU guest agent is not connected")


def test_monitor_event_one_shot(virsh_bin: str, uri: str, name: str) -> None:
    """`qemu-monitor-event --event STOP` prints the first STOP and exits; the domain is paused and
    resumed until it has registered and seen one."""
    listener = subprocess.Popen([virsh_bin, "-c", uri, "qemu-monitor-event", "--domain", name, "--event", "STOP",
                                 "--timeout", str(int(DEADLINE))], stdout=subprocess.PIPE, text=True)
    conn = libvirt.open(uri)
    dom = conn.lookupByName(name)
    end = time.monotonic() + DEADLINE
    while listener.poll() is None and time.monotonic() < end:
        dom.suspend()
        dom.resume()
    out, _ = listener.communicate(timeout=DEADLINE)
    assert listener.returncode == 0
    assert re.fullmatch(rf"event STOP at \d{{10}}\.\d{{6}} for domain '{name}': <null>", out.splitlines()[0])
    conn.close()
