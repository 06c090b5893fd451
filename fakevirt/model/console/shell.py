"""A scripted serial console: a login prompt, then an echoing shell whose commands a test sets.

Bytes arrive as a terminal sends them (``\\r`` ends a line, DEL or backspace erases); the guest
answers as a Linux getty and shell on a serial line do: it echoes what is typed (not the
password), and answers each line with ``\\r\\n`` line ends.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

LINE_MAX = 4095  # N_TTY_BUF_SIZE - 1: a canonical-mode tty line holds no more


def _default_users() -> dict[str, str]:
    return {"root": "fakevirt"}


@dataclass
class SerialShell:
    """The guest behind a domain's serial console, for as long as the domain runs.

    Tests script it: ``users`` (name → password), ``commands`` (command line → output, or a
    callable taking the arguments), ``hostname``. ``typed`` keeps every line the guest received.
    """

    hostname: str
    users: dict[str, str] = field(default_factory=_default_users)
    commands: dict[str, str | Callable[[list[str]], str]] = field(default_factory=dict)
    user: str | None = None
    typed: list[str] = field(default_factory=list)
    _state: str = "login"
    _login: str = ""
    _line: bytearray = field(default_factory=bytearray)

    @property
    def prompt(self) -> str:
        if self._state == "login":
            return f"{self.hostname} login: "
        if self._state == "password":
            return "Password: "
        return f"{self.user}@{self.hostname}:~{'#' if self.user == 'root' else '$'} "

    @property
    def logged_in(self) -> bool:
        return self._state == "shell"

    def receive(self, data: bytes) -> bytes:
        """The bytes typed on the console; returns what the guest writes back."""
        out = bytearray()
        for byte in data:
            if byte in (0x0D, 0x0A):
                line = self._line.decode("utf-8", "replace")
                self._line.clear()
                out += b"\r\n" + self._enter(line).encode()
            elif byte in (0x7F, 0x08):
                if self._line:
                    self._line.pop()
                    out += b"" if self._state == "password" else b"\b \b"
            elif byte == 0x03:  # ^C: drop the line
                self._line.clear()
                out += b"^C\r\n" + self.prompt.encode()
            elif byte == 0x04 and not self._line and self._state == "shell":  # ^D on an empty line
                out += b"\r\n" + self._logout().encode()
            elif byte >= 0x20 and len(self._line) < LINE_MAX:
                self._line.append(byte)
                if self._state != "password":
                    out.append(byte)
        return bytes(out)

    def _enter(self, line: str) -> str:
        self.typed.append(line)
        if self._state == "login":
            if not line.strip():
                return self.prompt
            self._login, self._state = line.strip(), "password"
            return self.prompt
        if self._state == "password":
            if self.users.get(self._login) == line:
                self.user, self._state = self._login, "shell"
                return f"Last login: never\r\n{self.prompt}"
            self._state = "login"
            return f"\r\nLogin incorrect\r\n{self.prompt}"
        return self._run(line)

    def _run(self, line: str) -> str:
        words = line.split()
        if not words:
            return self.prompt
        if words[0] in ("exit", "logout"):
            return self._logout()
        output = self._output(line, words)
        text = output.replace("\r\n", "\n").replace("\n", "\r\n")
        if text and not text.endswith("\r\n"):
            text += "\r\n"
        return text + self.prompt

    def _output(self, line: str, words: list[str]) -> str:
        scripted = self.commands.get(line.strip(), self.commands.get(words[0]))
        if callable(scripted):
            return scripted(words[1:])
        if scripted is not None:
            return scripted
        builtins: dict[str, Callable[[], str]] = {
            "echo": lambda: " ".join(words[1:]),
            "hostname": lambda: self.hostname,
            "whoami": lambda: self.user or "",
            "true": lambda: "",
            "uname": lambda: ("Linux" if words[1:] != ["-a"] else
                              f"Linux {self.hostname} 6.1.0-fakevirt #1 SMP x86_64 GNU/Linux"),
        }
        if words[0] in builtins:
            return builtins[words[0]]()
        return f"-bash: {words[0]}: command not found"

    def _logout(self) -> str:
        self.user, self._state = None, "login"
        return f"\r\n{self.prompt}"
