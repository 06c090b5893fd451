"""`virsh console` in a real terminal (tmux): it connects to fakevirt's scripted serial console,
logs in and runs a command; and virsh's console errors match libvirtd 9.0's."""

from __future__ import annotations

import os
import shlex
import shutil
import subprocess
import time
import uuid
from collections.abc import Callable, Iterator

import libvirt
import pytest

from fakevirt.testing import ThreadedServer
from tests.integration.console_domain import console_domain_name, remove_domain, start_console_domain

DEADLINE = 20.0  # seconds for virsh to show what the guest wrote
EXITED = "[command exited "


class Tmux:
    """One private tmux server running one command in a terminal of fixed size."""

    def __init__(self, command: list[str]) -> None:
        self.socket = f"fakevirt-con-{os.getpid()}-{uuid.uuid4().hex[:8]}"
        # the shell stays after the command, so the pane (and what it printed) outlives it
        script = f"{shlex.join(command)}; echo \"{EXITED}$?]\"; exec sleep 600"
        self._tmux("new-session", "-d", "-s", "t", "-x", "120", "-y", "40", "--",
                   "env", "LC_ALL=C", "VIRSH_DEFAULT_CONNECT_URI=", "sh", "-c", script)

    def _tmux(self, *args: str) -> str:
        return subprocess.run(["tmux", "-L", self.socket, *args], check=True, capture_output=True,
                              text=True, timeout=10).stdout

    def screen(self) -> str:
        return self._tmux("capture-pane", "-p", "-t", "t", "-S", "-100")

    def keys(self, *keys: str) -> None:
        self._tmux("send-keys", "-t", "t", *keys)

    def wait_for(self, text: str) -> str:
        """Poll the terminal until it shows ``text``; fails after DEADLINE seconds."""
        end = time.monotonic() + DEADLINE
        while text not in (shown := self.screen()):
            if time.monotonic() > end:
                pytest.fail(f"terminal never showed {text!r}:\n{shown}")
            time.sleep(0.05)
        return shown

    def exited(self) -> str:
        """Wait for the command to end; its exit status."""
        return self.wait_for(EXITED).split(EXITED)[1].split("]")[0]

    def close(self) -> None:
        subprocess.run(["tmux", "-L", self.socket, "kill-server"], capture_output=True, timeout=10)


@pytest.fixture
def tmux() -> Iterator[Callable[[list[str]], Tmux]]:
    if shutil.which("tmux") is None:
        pytest.fail("tmux is not installed: run scripts/test.sh (it installs it)")
    made: list[Tmux] = []

    def start(command: list[str]) -> Tmux:
        made.append(Tmux(command))
        return made[-1]

    yield start
    for t in made:
        t.close()


def test_virsh_console_logs_in_and_runs_a_command(fakevirt: ThreadedServer, fakevirt_uri: str, virsh_bin: str,
                                                  tmux: Callable[[list[str]], Tmux]) -> None:
    conn = libvirt.open(fakevirt_uri)
    dom = start_console_domain(conn, "con-tty")
    model = fakevirt.hypervisor.system.domains.by_handle(uuid.UUID(dom.UUIDString()), dom.name())
    fakevirt.call(lambda: fakevirt.hypervisor.system.consoles.shell(model).commands.update(
        {"uptime": " 10:00:00 up 3 min,  1 user,  load average: 0.00, 0.00, 0.00"}))
    term = tmux([virsh_bin, "-c", fakevirt_uri, "console", "con-tty"])
    term.wait_for("Escape character is ^] (Ctrl + ])")
    term.keys("Enter")
    term.wait_for("con-tty login:")
    term.keys("root", "Enter")
    term.wait_for("Password:")
    term.keys("fakevirt", "Enter")
    term.wait_for("root@con-tty:~#")
    term.keys("uptime", "Enter")
    screen = term.wait_for("load average")
    # capture-pane drops the spaces that end a line
    assert "root@con-tty:~# uptime\n 10:00:00 up 3 min,  1 user,  load average: 0.00, 0.00, 0.00\nroot@con-tty:~#" in screen
    assert "Password:\nLast login: never\n" in screen  # the password is not echoed
    term.keys("C-]")  # virsh's escape: it finishes the stream and exits
    assert term.exited() == "0"
    # the device is free again: a new session opens without --force
    st = conn.newStream(0)
    assert dom.openConsole(None, st, 0) == 0
    st.finish()
    dom.destroy()
    dom.undefine()


def test_virsh_console_ends_when_the_domain_stops(fakevirt_uri: str, virsh_bin: str,
                                                   tmux: Callable[[list[str]], Tmux]) -> None:
    conn = libvirt.open(fakevirt_uri)
    dom = start_console_domain(conn, "con-stop")
    term = tmux([virsh_bin, "-c", fakevirt_uri, "console", "con-stop"])
    term.wait_for("Escape character is")
    dom.destroy()
    assert term.exited() == "0"
    dom.undefine()


@pytest.fixture(params=["fakevirt", pytest.param("real", marks=pytest.mark.real)])
def uri(request: pytest.FixtureRequest) -> str:
    return str(request.getfixturevalue("fakevirt_uri" if request.param == "fakevirt" else "reference_uri"))


def test_virsh_console_errors(uri: str, virsh_bin: str, tmux: Callable[[list[str]], Tmux]) -> None:
    """virsh needs a terminal even to fail, so each run is in tmux; its last lines are compared."""
    conn = libvirt.open(uri)
    name = console_domain_name()
    dom = start_console_domain(conn, name)

    def fails(*args: str) -> str:
        term = tmux([virsh_bin, "-c", uri, "console", name, *args])
        shown = term.wait_for("error: ")
        return next(line for line in shown.splitlines() if line.startswith("error: "))

    try:
        assert fails("--devname", "bogus") == "error: internal error: cannot find character device bogus"
        st = conn.newStream(0)
        dom.openConsole(None, st, 0)
        assert fails() == "error: operation failed: Active console session exists for this domain"
        assert fails("--devname", "console0") == "error: operation failed: Active console session exists for this domain"
        dom.destroy()
        assert fails() == "error: The domain is not running"
    finally:
        remove_domain(conn, name)
