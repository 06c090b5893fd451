"""Consoles, channels, screenshots and graphics through libvirt-python, against fakevirt and (``real``)
libvirtd 9.0 with QEMU 7.2: the same scenarios, the same codes and texts."""

from __future__ import annotations

import socket
import struct
import uuid
from collections.abc import Iterator

import libvirt
import pytest

from fakevirt.testing import ThreadedServer
from fakevirt.testing.libvirt_events import ensure_event_loop, wait_for
from tests.integration.conftest import error_of
from tests.integration.console_domain import console_domain_name, remove_domain, start_console_domain

QEMU, DOMAIN, RPC, STREAMS = libvirt.VIR_FROM_QEMU, libvirt.VIR_FROM_DOMAIN, libvirt.VIR_FROM_RPC, libvirt.VIR_FROM_STREAMS
INTERNAL, FAILED, INVALID = libvirt.VIR_ERR_INTERNAL_ERROR, libvirt.VIR_ERR_OPERATION_FAILED, libvirt.VIR_ERR_OPERATION_INVALID


@pytest.fixture(params=["fakevirt", pytest.param("real", marks=pytest.mark.real)])
def uri(request: pytest.FixtureRequest) -> str:
    return str(request.getfixturevalue("fakevirt_uri" if request.param == "fakevirt" else "reference_uri"))


@pytest.fixture
def dom(uri: str) -> Iterator[libvirt.virDomain]:
    conn = libvirt.open(uri)
    name = console_domain_name()
    yield start_console_domain(conn, name)
    remove_domain(conn, name)
    conn.close()


def _recv_all(st: libvirt.virStream) -> bytes:
    data = b""
    while chunk := st.recv(1 << 20):
        data += chunk
    st.finish()
    return data


def test_screenshot_is_a_png_of_the_vga_text_screen(dom: libvirt.virDomain) -> None:
    conn = dom.connect()
    st = conn.newStream(0)
    assert dom.screenshot(st, 0, 0) == "image/png"
    png = _recv_all(st)
    assert png[:8] == b"\x89PNG\r\n\x1a\n" and png[12:16] == b"IHDR"
    # 8-bit RGB; a booting guest shows 640x480 (the BIOS), then the 720x400 VGA text mode
    assert struct.unpack(">IIBB", png[16:26]) in {(720, 400, 8, 2), (640, 480, 8, 2)}
    assert png.endswith(b"IEND\xaeB`\x82")


def test_screenshot_errors(dom: libvirt.virDomain) -> None:
    conn = dom.connect()
    assert error_of(dom.screenshot, conn.newStream(0), 1, 0) == (INVALID, QEMU, "Requested operation is not valid: no such screen ID")
    assert error_of(dom.screenshot, conn.newStream(0), 0, 1) == (
        libvirt.VIR_ERR_INVALID_ARG, QEMU, "unsupported flags (0x1) in function qemuDomainScreenshot")
    dom.destroy()
    assert error_of(dom.screenshot, conn.newStream(0), 0, 0) == (INVALID, DOMAIN, "Requested operation is not valid: domain is not running")


def test_console_lookup_errors(dom: libvirt.virDomain) -> None:
    conn = dom.connect()
    assert error_of(dom.openConsole, "bogus", conn.newStream(0), 0) == (
        INTERNAL, QEMU, "internal error: cannot find character device bogus")
    assert error_of(dom.openConsole, None, conn.newStream(0), 4) == (
        libvirt.VIR_ERR_INVALID_ARG, QEMU, "unsupported flags (0x4) in function qemuDomainOpenConsole")
    dom.destroy()
    assert error_of(dom.openConsole, None, conn.newStream(0), 0) == (
        INVALID, DOMAIN, "Requested operation is not valid: domain is not running")


def test_one_console_session_per_device_force_takes_it_over(dom: libvirt.virDomain) -> None:
    """The first <console> is the first <serial>: both names are the one busy device; FORCE
    takes it and the old stream fails; a destroy ends the new one with end of stream."""
    conn = dom.connect()
    first = conn.newStream(0)
    assert dom.openConsole(None, first, 0) == 0
    busy = (FAILED, QEMU, "operation failed: Active console session exists for this domain")
    for dev in ("serial0", "console0", None):
        assert error_of(dom.openConsole, dev, conn.newStream(0), 0) == busy
    second = conn.newStream(0)
    assert dom.openConsole("serial0", second, libvirt.VIR_DOMAIN_CONSOLE_FORCE) == 0
    assert error_of(first.recv, 100) == (libvirt.VIR_ERR_RPC, STREAMS, "stream had I/O failure")
    dom.destroy()
    assert second.recv(100) == b""
    assert second.finish() == 0


def test_channel_lookup_busy_and_reset(dom: libvirt.virDomain) -> None:
    conn = dom.connect()
    not_unix = (INTERNAL, QEMU, "internal error: channel com.example.ch0 is not using a UNIX socket")
    assert error_of(dom.openChannel, "com.example.ch0", conn.newStream(0), 0) == not_unix
    assert error_of(dom.openChannel, "channel1", conn.newStream(0), 0) == (
        INTERNAL, QEMU, "internal error: channel channel1 is not using a UNIX socket")
    assert error_of(dom.openChannel, "bogus", conn.newStream(0), 0) == (INTERNAL, QEMU, "internal error: cannot find channel bogus")
    assert error_of(dom.openChannel, None, conn.newStream(0), 2) == (
        libvirt.VIR_ERR_INVALID_ARG, QEMU, "unsupported flags (0x2) in function qemuDomainOpenChannel")
    agent = conn.newStream(0)
    assert dom.openChannel("org.qemu.guest_agent.0", agent, 0) == 0
    assert error_of(dom.openChannel, None, conn.newStream(0), 0) == (
        FAILED, QEMU, "operation failed: Active channel stream exists for this domain")
    unread = conn.newStream(0)
    assert dom.openChannel("com.example.unix0", unread, 0) == 0
    unread.send(b"nobody in the guest reads this\n")
    dom.destroy()
    # a socket closed with data nobody read resets the connection; without, a plain end of stream
    reset = (libvirt.VIR_ERR_SYSTEM_ERROR, STREAMS, "cannot read from stream: Connection reset by peer")
    assert error_of(unread.recv, 100) == reset
    assert agent.recv(100) == b""
    assert agent.finish() == 0


def test_open_graphics_fd_over_tcp_loses_the_connection(dom: libvirt.virDomain) -> None:
    """libvirtd answers REPLY_WITH_FDS, cannot send the descriptor over TCP and drops the client."""
    conn = dom.connect()
    assert error_of(dom.openGraphicsFD, 1, 0) == (INTERNAL, QEMU, "internal error: No graphics backend with index 1")
    assert error_of(dom.openGraphicsFD, 0, 2) == (
        libvirt.VIR_ERR_INVALID_ARG, QEMU, "unsupported flags (0x2) in function qemuDomainOpenGraphicsFD")
    assert error_of(dom.openGraphicsFD, 0, 0) == (
        INTERNAL, RPC, "internal error: Receiving file descriptors is not supported on this socket")
    assert error_of(conn.getHostname) == (INTERNAL, RPC, "internal error: client socket is closed")


def test_open_graphics_cannot_pass_its_socket_over_tcp(uri: str, dom: libvirt.virDomain) -> None:
    conn = libvirt.open(uri)
    a, b = socket.socketpair()
    with a, b:
        assert error_of(conn.lookupByName(dom.name()).openGraphics, 0, a.fileno(), 0) == (
            INTERNAL, RPC, "internal error: Sending file descriptors is not supported on this socket")
    assert error_of(conn.getHostname) == (INTERNAL, RPC, "internal error: client socket is closed")


# The scripted guest exists only in fakevirt: the reference's TCG guest has no OS.

def _read_until(st: libvirt.virStream, text: bytes) -> bytes:
    """Poll a non-blocking stream until ``text`` came: a guest that stays silent fails the test."""
    seen = [b""]

    def more() -> bool:
        chunk = st.recv(4096)
        if chunk == -2:  # nothing yet
            return False
        assert chunk, f"end of stream before {text!r}; got {seen[0]!r}"
        seen[0] += chunk
        return text in seen[0]

    wait_for(more)
    return seen[0]


def test_scripted_serial_console_login_and_commands(fakevirt: ThreadedServer, fakevirt_uri: str) -> None:
    ensure_event_loop()  # a non-blocking stream's data is read by the event loop
    conn = libvirt.open(fakevirt_uri)
    dom = start_console_domain(conn, "con-shell")
    model = fakevirt.hypervisor.system.domains.by_handle(uuid.UUID(dom.UUIDString()), dom.name())

    def script() -> None:
        shell = fakevirt.hypervisor.system.consoles.shell(model)
        shell.users["alice"] = "s3cret"
        shell.commands["cat /etc/motd"] = "Welcome to the fake guest\n"
    fakevirt.call(script)
    st = conn.newStream(libvirt.VIR_STREAM_NONBLOCK)
    dom.openConsole(None, st, 0)
    st.send(b"\r")
    assert _read_until(st, b"login: ") == b"\r\ncon-shell login: "
    st.send(b"alice\r")
    assert _read_until(st, b"Password: ") == b"alice\r\nPassword: "
    st.send(b"wrong\r")
    assert _read_until(st, b"login: ").endswith(b"Login incorrect\r\ncon-shell login: ")
    st.send(b"alice\rs3cret\r")
    _read_until(st, b"alice@con-shell:~$ ")
    st.send(b"cat /etc/motd\r")
    assert _read_until(st, b"$ ") == b"cat /etc/motd\r\nWelcome to the fake guest\r\nalice@con-shell:~$ "
    st.send(b"nosuchcmd\r")
    assert b"-bash: nosuchcmd: command not found\r\n" in _read_until(st, b"$ ")
    assert fakevirt.call(lambda: fakevirt.hypervisor.system.consoles.shell(model).typed)[-2:] == ["cat /etc/motd", "nosuchcmd"]
    st.finish()
    dom.destroy()
    dom.undefine()
