"""The scripted serial console and a stream's far end, without a server."""

from __future__ import annotations

from fakevirt.model.console import Endpoint, SerialShell
from fakevirt.model.console.endpoint import PENDING_MAX
from fakevirt.model.console.shell import LINE_MAX


def logged_in() -> SerialShell:
    shell = SerialShell(hostname="vm1")
    shell.receive(b"root\rfakevirt\r")
    assert shell.logged_in
    return shell


def test_login_prompt_password_not_echoed_and_wrong_password() -> None:
    shell = SerialShell(hostname="vm1")
    assert shell.receive(b"\r") == b"\r\nvm1 login: "
    assert shell.receive(b"root\r") == b"root\r\nPassword: "
    assert shell.receive(b"nope\r") == b"\r\n\r\nLogin incorrect\r\nvm1 login: "
    assert shell.receive(b"root\rfakevirt\r").endswith(b"Last login: never\r\nroot@vm1:~# ")


def test_editing_keys_and_line_limit() -> None:
    shell = logged_in()
    assert shell.receive(b"echx\x7fo hi\r") == b"echx\b \bo hi\r\nhi\r\nroot@vm1:~# "
    assert shell.receive(b"partial\x03") == b"partial^C\r\nroot@vm1:~# "
    out = shell.receive(b"echo " + b"a" * (2 * LINE_MAX) + b"\r")
    assert out.count(b"a") == 2 * (LINE_MAX - len("echo "))  # echoed, then printed: the line holds no more


def test_scripted_commands_builtins_and_logout() -> None:
    shell = logged_in()
    shell.commands["df -h"] = "Filesystem Size\n/dev/vda1 10G"
    shell.commands["greet"] = lambda args: f"hello {' '.join(args)}"
    assert shell.receive(b"df -h\r") == b"df -h\r\nFilesystem Size\r\n/dev/vda1 10G\r\nroot@vm1:~# "
    assert shell.receive(b"greet you\r") == b"greet you\r\nhello you\r\nroot@vm1:~# "
    assert shell.receive(b"nosuch\r") == b"nosuch\r\n-bash: nosuch: command not found\r\nroot@vm1:~# "
    assert shell.receive(b"hostname\r") == b"hostname\r\nvm1\r\nroot@vm1:~# "
    assert shell.receive(b"exit\r") == b"exit\r\n\r\nvm1 login: "
    assert not shell.logged_in
    assert shell.typed[-4:] == ["greet you", "nosuch", "hostname", "exit"]


def test_endpoint_keeps_only_the_newest_output_and_ends_once() -> None:
    wakes: list[int] = []
    typed: list[bytes] = []
    end = Endpoint(typed.append)
    end.set_waker(lambda: wakes.append(1))
    end.push(b"x" * PENDING_MAX + b"tail")
    data, gone = end.read()
    assert (len(data), data[-4:], gone) == (PENDING_MAX, b"tail", False)
    end.write(b"in")
    end.end()
    end.end()
    end.write(b"lost")
    end.push(b"lost")
    assert (end.read(), typed, len(wakes)) == ((b"", True), [b"in"], 2)
