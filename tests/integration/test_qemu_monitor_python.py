"""The QEMU program through libvirt-python (libvirt_qemu): monitor commands answered from the model,
the custom-monitor taint, agent commands, monitor events; ``real`` twins against libvirtd 9.0."""

from __future__ import annotations

import json
import os
import subprocess
import uuid
from collections.abc import Iterator

import libvirt
import libvirt_qemu
import pytest

from fakevirt.testing import ThreadedServer
from fakevirt.testing.libvirt_events import ensure_event_loop, wait_for
from tests.integration.conftest import error_of
from tests.integration.console_domain import console_domain_name, remove_domain, start_console_domain

QEMU, NONE = libvirt.VIR_FROM_QEMU, libvirt.VIR_FROM_NONE
HMP = libvirt_qemu.VIR_DOMAIN_QEMU_MONITOR_COMMAND_HMP
NO_AGENT_XML = """<domain type='qemu'><name>{name}</name><memory unit='KiB'>65536</memory><vcpu>2</vcpu>
  <os><type arch='x86_64' machine='pc'>hvm</type></os><devices><serial type='pty'/></devices></domain>"""


@pytest.fixture(params=["fakevirt", pytest.param("real", marks=pytest.mark.real)])
def uri(request: pytest.FixtureRequest) -> str:
    ensure_event_loop()  # before the connection opens, for the event tests
    return str(request.getfixturevalue("fakevirt_uri" if request.param == "fakevirt" else "reference_uri"))


@pytest.fixture
def dom(uri: str) -> Iterator[libvirt.virDomain]:
    conn = libvirt.open(uri)
    name = console_domain_name()
    yield start_console_domain(conn, name)
    remove_domain(conn, name)
    conn.close()


def qmp(dom: libvirt.virDomain, cmd: str) -> dict:
    reply = json.loads(libvirt_qemu.qemuMonitorCommand(dom, cmd, 0))
    assert reply.pop("id").startswith("libvirt-")
    return reply


def test_queries_follow_the_domain(dom: libvirt.virDomain) -> None:
    assert qmp(dom, '{"execute":"query-status"}') == {"return": {"status": "running", "singlestep": False, "running": True}}
    dom.suspend()
    assert qmp(dom, '{"execute":"query-status"}') == {"return": {"status": "paused", "singlestep": False, "running": False}}
    assert libvirt_qemu.qemuMonitorCommand(dom, "info status", HMP) == "VM status: paused\r\n"
    dom.resume()
    assert libvirt_qemu.qemuMonitorCommand(dom, "info status", HMP) == "VM status: running\r\n"
    assert qmp(dom, '{"execute":"query-name"}') == {"return": {"name": dom.name()}}
    assert qmp(dom, '{"execute":"query-uuid"}') == {"return": {"UUID": dom.UUIDString()}}
    assert qmp(dom, '{"execute":"query-kvm"}') == {"return": {"enabled": False, "present": True}}
    assert qmp(dom, '{"execute":"query-version"}')["return"]["qemu"] == {"micro": 22, "minor": 2, "major": 7}
    assert libvirt_qemu.qemuMonitorCommand(dom, "info name", HMP) == f"{dom.name()}\r\n"
    assert libvirt_qemu.qemuMonitorCommand(dom, "info kvm", HMP) == "kvm support: disabled\r\n"
    assert libvirt_qemu.qemuMonitorCommand(dom, "info bogus", HMP) == "unknown command: 'info bogus'\r\n"
    assert libvirt_qemu.qemuMonitorCommand(dom, "bogus", HMP) == "unknown command: 'bogus'\r\n"
    cpus = qmp(dom, '{"execute":"query-cpus-fast"}')["return"]
    assert [(c["cpu-index"], c["qom-path"], c["props"], c["target"]) for c in cpus] == [
        (0, "/machine/unattached/device[0]", {"core-id": 0, "thread-id": 0, "socket-id": 0}, "x86_64")]
    hmp_cpus = libvirt_qemu.qemuMonitorCommand(dom, "info cpus", HMP)
    assert hmp_cpus == f"* CPU #0: thread_id={cpus[0]['thread-id']}\r\n"
    assert qmp(dom, '{"execute":"human-monitor-command","arguments":{"command-line":"info status"}}') == {
        "return": "VM status: running\r\n"}


def test_qmp_refusals(dom: libvirt.virDomain) -> None:
    """QEMU's answers to malformed requests; no "id" where libvirt added none."""
    def reply(cmd: str) -> dict:
        return json.loads(libvirt_qemu.qemuMonitorCommand(dom, cmd, 0))

    assert reply('{"foo":1}') == {"error": {"class": "GenericError", "desc": "QMP input member 'foo' is unexpected"}}
    assert reply("[1]") == {"error": {"class": "GenericError", "desc": "QMP input must be a JSON object"}}
    assert reply("{}") == {"error": {"class": "GenericError", "desc": "QMP input lacks member 'execute'"}}
    bad_args = reply('{"execute":"query-status","arguments":{"x":1}}')
    assert list(bad_args) == ["id", "error"]
    assert bad_args["error"] == {"class": "GenericError", "desc": "Parameter 'x' is unexpected"}
    assert reply('{"execute":"bogus"}')["error"] == {"class": "CommandNotFound", "desc": "The command bogus has not been found"}
    assert reply('{"execute":1}')["error"]["desc"] == "QMP input member 'execute' must be a string"


@pytest.mark.parametrize(("cmd", "message"), [
    ("notjson", "lexical error: invalid string in json text.\n" + " " * 39 + "notjson\n"),
    ("{bad", "lexical error: invalid char in json text.\n" + " " * 38 + "{bad\n"),
    ('{"execute":"query-status"', "parse error: premature EOF\n" + " " * 39 + '{"execute":"query-status"\n'),
    ('{"execute":"query-name"} x', "parse error: trailing garbage\n" + " " * 14 + '{"execute":"query-name"} x\n'),
    # the offset yajl points at: after the token it choked on, or into its last one-space feed
    ('{"a":1,"a":2}', "parse error: client cancelled parse via callback return value\n" + " " * 28 + '{"a":1,"a":2}\n'),
    ('{"a":1 "b"}', "parse error: after key and value, inside map, I expect ',' or '}'\n" + " " * 31
     + '{"a":1 "b"}\n'),
    ("[1:2]", "parse error: after array element, I expect ',' or ']'\n" + " " * 37 + "[1:2]\n"),
    ('{"a" 1}', "parse error: object key and value must be separated by a colon (':')\n" + " " * 34 + '{"a" 1}\n'),
    ("{,}", "parse error: invalid object key (must be a string)\n" + " " * 38 + "{,}\n"),
    ("[1,]", "parse error: unallowed token at this point in JSON text\n" + " " * 36 + "[1,]\n"),
    ("1.5e+", "lexical error: malformed number, a digit is required after the exponent.\n" + " " * 40 + "1.5e+\n"),
    ("[-]", "lexical error: malformed number, a digit is required after the minus sign.\n" + " " * 38 + "[-]\n"),
    ("01", "parse error: trailing garbage\n" + " " * 40 + "01\n"),
    ('"\\u12zz"', "lexical error: invalid (non-hex) character occurs after '\\u' inside string.\n" + " " * 35
     + '"\\u12zz"\n'),
    ('{"a":"\\q"}', "lexical error: inside a string, '\\' occurs before a character which it may not.\n" + " " * 33
     + '{"a":"\\q"}\n'),
    ('"\t"', "lexical error: invalid character inside string.\n" + " " * 39 + '"\t"\n'),
    ("[/]", "lexical error: probable comment found in input text, comments are not enabled.\n" + " " * 39 + "[/]\n"),
    ("NaN", "lexical error: invalid char in json text.\n" + " " * 39 + "NaN\n"),
])
def test_monitor_command_json_errors(dom: libvirt.virDomain, cmd: str, message: str) -> None:
    assert error_of(libvirt_qemu.qemuMonitorCommand, dom, cmd, 0) == (
        libvirt.VIR_ERR_INTERNAL_ERROR, NONE,
        f"internal error: cannot parse json {cmd}: {message}{' ' * 21}(right here) ------^\n")


def test_monitor_command_depth(dom: libvirt.virDomain) -> None:
    """yajl reads any depth; the 128th level is one too many for yajl_gen when the command goes out."""
    assert json.loads(libvirt_qemu.qemuMonitorCommand(dom, "[" * 127 + "]" * 127, 0))["error"]["desc"] == (
        "QMP input must be a JSON object")
    for deep in ("[" * 128 + "]" * 128, "[" * 5000 + "]" * 5000):
        assert error_of(libvirt_qemu.qemuMonitorCommand, dom, deep, 0) == (
            libvirt.VIR_ERR_INTERNAL_ERROR, NONE, "internal error: failed to convert virJSONValue to yajl data")


def test_monitor_command_checks_and_taint(dom: libvirt.virDomain) -> None:
    assert dom.messages(0) == []
    assert error_of(libvirt_qemu.qemuMonitorCommand, dom, '{"execute":"query-status"}', 2) == (
        libvirt.VIR_ERR_INVALID_ARG, QEMU, "unsupported flags (0x2) in function qemuDomainQemuMonitorCommandWithFiles")
    assert error_of(libvirt_qemu.qemuMonitorCommand, dom, '{"execute":"query-status","id":"mine"}', 0) == (
        libvirt.VIR_ERR_INTERNAL_ERROR, QEMU, "internal error: Unable to append command 'id' string")
    tainted = ["tainted: custom monitor control commands issued"]
    assert dom.messages(0) == tainted
    assert dom.messages(libvirt.VIR_DOMAIN_MESSAGE_TAINTING) == tainted
    assert dom.messages(libvirt.VIR_DOMAIN_MESSAGE_DEPRECATION) == []
    result, fds = libvirt_qemu.qemuMonitorCommandWithFiles(dom, '{"execute":"query-name"}', [], 0)
    assert (json.loads(result)["return"], fds) == ({"name": dom.name()}, [])
    dom.destroy()
    assert error_of(libvirt_qemu.qemuMonitorCommand, dom, '{"execute":"query-status"}', 0) == (
        libvirt.VIR_ERR_OPERATION_INVALID, libvirt.VIR_FROM_DOMAIN, "Requested operation is not valid: domain is not running")
    dom.create()
    assert dom.messages(0) == []  # a new run is not tainted


def test_agent_command_without_agent_channel(uri: str) -> None:
    conn = libvirt.open(uri)
    name = console_domain_name()
    dom = start_console_domain(conn, name, NO_AGENT_XML)
    try:
        assert error_of(libvirt_qemu.qemuAgentCommand, dom, '{"execute":"guest-ping"}', 5, 0) == (
            libvirt.VIR_ERR_ARGUMENT_UNSUPPORTED, QEMU, "argument unsupported: QEMU guest agent is not configured")
        assert error_of(libvirt_qemu.qemuAgentCommand, dom, '{"execute":"guest-ping"}', 5, 1) == (
            libvirt.VIR_ERR_INVALID_ARG, QEMU, "unsupported flags (0x1) in function qemuDomainQemuAgentCommand")
        assert error_of(libvirt_qemu.qemuAttach, conn, 1234, 0) == (
            libvirt.VIR_ERR_NO_SUPPORT, NONE, "this function is not supported by the connection driver: virDomainQemuAttach")
        assert dom.messages(0) == []
    finally:
        remove_domain(conn, name)


def test_monitor_events_of_suspend_and_resume(uri: str, dom: libvirt.virDomain) -> None:
    conn = libvirt.open(uri)
    seen: list[tuple[str, str, str | None]] = []
    stops: list[str] = []
    pattern: list[str] = []

    def record(_c: object, d: libvirt.virDomain, event: str, seconds: int, micros: int, details: str | None,
               _o: object) -> None:
        assert seconds > 1_700_000_000 and 0 <= micros < 1_000_000
        seen.append((d.name(), event, details))

    all_id = libvirt_qemu.qemuMonitorEventRegister(conn, conn.lookupByName(dom.name()), None, record, None, 0)
    libvirt_qemu.qemuMonitorEventRegister(conn, None, "stop", lambda *a: stops.append(a[2]), None,
                                          libvirt_qemu.VIR_CONNECT_DOMAIN_QEMU_MONITOR_EVENT_REGISTER_NOCASE)
    libvirt_qemu.qemuMonitorEventRegister(conn, None, "^RES", lambda *a: pattern.append(a[2]), None,
                                          libvirt_qemu.VIR_CONNECT_DOMAIN_QEMU_MONITOR_EVENT_REGISTER_REGEX)
    dom.suspend()
    dom.resume()
    wait_for(lambda: len(seen) >= 2 and stops and pattern)
    assert seen == [(dom.name(), "STOP", None), (dom.name(), "RESUME", None)]
    assert (stops, pattern) == (["STOP"], ["RESUME"])
    libvirt_qemu.qemuMonitorEventDeregister(conn, all_id)  # returns None in libvirt-python
    assert error_of(libvirt_qemu.qemuMonitorEventRegister, conn, None, "(", record, None,
                    libvirt_qemu.VIR_CONNECT_DOMAIN_QEMU_MONITOR_EVENT_REGISTER_REGEX) == (
        libvirt.VIR_ERR_INVALID_ARG, NONE, "invalid argument: failed to compile regex '(': "
        "Error while compiling regular expression \u2018(\u2019 at char 1: missing terminating )")
    assert error_of(libvirt_qemu.qemuMonitorEventRegister, conn, None, "STOP", record, None, 4) == (
        libvirt.VIR_ERR_INVALID_ARG, NONE, "unsupported flags (0x4) in function virDomainQemuMonitorEventStateRegisterID")
    conn.close()


# The guest agent answers only in fakevirt: the reference's guest has no OS.

def test_agent_command_and_channel_with_a_running_agent(fakevirt: ThreadedServer, fakevirt_uri: str) -> None:
    ensure_event_loop()  # a non-blocking stream's data is read by the event loop
    conn = libvirt.open(fakevirt_uri)
    dom = start_console_domain(conn, "con-agent")
    driver = fakevirt.hypervisor.system
    model = driver.domains.by_handle(uuid.UUID(dom.UUIDString()), dom.name())
    fakevirt.call(driver.agents.agent_up, model)
    assert json.loads(libvirt_qemu.qemuAgentCommand(dom, '{"execute":"guest-ping"}', 5, 0)) == {"return": {}}
    assert dom.messages(0) == ["tainted: custom guest agent control commands issued"]
    libvirt_qemu.qemuMonitorCommand(dom, "info status", HMP)
    assert dom.messages(0) == ["tainted: custom monitor control commands issued",
                               "tainted: custom guest agent control commands issued"]
    st = conn.newStream(libvirt.VIR_STREAM_NONBLOCK)  # polled: a missing answer fails, never hangs
    dom.openChannel("org.qemu.guest_agent.0", st, 0)
    assert st.send(b'{"execute":"guest-ping"}\n') == 25
    answer: list[bytes | int] = []
    wait_for(lambda: answer.append(st.recv(100)) or answer[-1] != -2)
    assert answer[-1] == b'{"return":{}}\n'
    st.finish()
    remove_domain(conn, dom.name())


DISK_XML = """<domain type='qemu'><name>{name}</name><memory unit='KiB'>65536</memory><vcpu>1</vcpu>
  <os><type arch='x86_64' machine='pc'>hvm</type></os><devices>
    <disk type='file' device='disk'><driver name='qemu' type='qcow2'/>
      <source file='/var/lib/libvirt/images/con-ref/t.qcow2'/><target dev='vda' bus='virtio'/></disk>
  </devices></domain>"""


def test_block_queries_and_qmp_stop(request: pytest.FixtureRequest, uri: str) -> None:
    """query-block / query-named-block-nodes / info block of a qcow2 disk (the bytes the file
    occupies differ between hosts), and a QMP stop that pauses the domain behind libvirt's back."""
    path = "/var/lib/libvirt/images/con-ref/t.qcow2"
    if "fakevirt" in request.node.callspec.id:
        server: ThreadedServer = request.getfixturevalue("fakevirt")
        server.call(server.hypervisor.images.create, path, "qcow2", 16 << 20)
    else:
        os.makedirs(os.path.dirname(path), exist_ok=True)
        subprocess.run(["qemu-img", "create", "-q", "-f", "qcow2", path, "16M"], check=True)
        request.addfinalizer(lambda: os.unlink(path))
    conn = libvirt.open(uri)
    name = console_domain_name()
    dom = start_console_domain(conn, name, DISK_XML)
    try:
        block = qmp(dom, '{"execute":"query-block"}')["return"]
        inserted = block[0]["inserted"]
        assert inserted["image"].pop("actual-size") > 0
        # writeback until the guest's driver turns the write cache off (a BIOS probing the disk does)
        assert inserted.pop("cache") in ({"no-flush": False, "direct": False, "writeback": wb} for wb in (True, False))
        assert block == [{"io-status": "ok", "device": "", "locked": False, "removable": False, "inserted": {
            "iops_rd": 0, "detect_zeroes": "off", "image": {
                "virtual-size": 16 << 20, "filename": path, "cluster-size": 65536, "format": "qcow2",
                "format-specific": {"type": "qcow2", "data": {
                    "compat": "1.1", "compression-type": "zlib", "lazy-refcounts": False, "refcount-bits": 16,
                    "corrupt": False, "extended-l2": False}}, "dirty-flag": False},
            "iops_wr": 0, "ro": False, "node-name": "libvirt-1-format", "backing_file_depth": 0, "drv": "qcow2",
            "iops": 0, "bps_wr": 0, "write_threshold": 0, "encrypted": False, "bps": 0, "bps_rd": 0, "file": path},
            "qdev": "/machine/peripheral/virtio-disk0/virtio-backend", "type": "unknown"}]
        nodes = qmp(dom, '{"execute":"query-named-block-nodes"}')["return"]
        assert [(n["node-name"], n["drv"], n["cache"]["writeback"]) for n in nodes] == [
            ("libvirt-1-format", "qcow2", True), ("libvirt-1-storage", "file", True)]
        assert libvirt_qemu.qemuMonitorCommand(dom, "info block", HMP).startswith(
            f"libvirt-1-format: {path} (qcow2)\r\n    Attached to:      /machine/peripheral/virtio-disk0/virtio-backend\r\n"
            "    Cache mode:       write")
        assert qmp(dom, '{"execute":"stop"}') == {"return": {}}
        wait_for(lambda: dom.state() == [libvirt.VIR_DOMAIN_PAUSED, libvirt.VIR_DOMAIN_PAUSED_UNKNOWN])
        assert qmp(dom, '{"execute":"cont"}') == {"return": {}}
        wait_for(lambda: dom.state() == [libvirt.VIR_DOMAIN_RUNNING, libvirt.VIR_DOMAIN_RUNNING_UNPAUSED])
    finally:
        remove_domain(conn, name)
