"""``fakevirt ctl [--url URL] COMMAND ...``: the control API from a shell.

Each command is one entry of ``COMMANDS``: its words, its arguments, the operation it calls, how
its arguments become the JSON body and how the answer is printed (JSON unless the answer is a
simple one). A refused request prints the server's reason on stderr and exits 1.
"""

from __future__ import annotations

import argparse
import base64
import http.client
import json
import os
import sys
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .control.client import ENV, ControlClient, ControlRequestError

Args = argparse.Namespace


@dataclass(frozen=True)
class Command:
    """``fakevirt ctl WORDS... ARGS``: POST /v1/OP with ``body(args)``, printed with ``show``."""

    words: tuple[str, ...]
    op: str
    help: str
    args: tuple[tuple[tuple[str, ...], dict[str, Any]], ...] = ()  # add_argument(*names, **options)
    body: Callable[[Args], dict[str, Any]] = field(default=lambda a: {})
    show: Callable[[Any, Args], str | None] = field(default=lambda r, a: json.dumps(r, indent=2))


def arg(*names: str, **options: Any) -> tuple[tuple[str, ...], dict[str, Any]]:
    return names, options


NAME = arg("name", help="the saved state's name")


def _export(result: Any, a: Args) -> str:
    Path(a.file).write_bytes(base64.b64decode(result["data"]))
    return f"{a.file}: state {a.name}"


def _clock(result: Any, a: Args) -> str:
    return f"{result['time']} {result['iso']}"


COMMANDS: list[Command] = [
    Command(("version",), "version", "the control API's and fakevirt's versions"),
    Command(("reset",), "reset", "make the host a fresh one (the ids of a new server with --seed N)",
            (arg("--seed", type=int, help="the seed of the new host"),),
            lambda a: {} if a.seed is None else {"seed": a.seed}, lambda r, a: None),
    Command(("state", "save"), "state.save", "save the whole host as NAME", (NAME,),
            lambda a: {"name": a.name}, lambda r, a: None),
    Command(("state", "load"), "state.load", "make the host the saved state NAME", (NAME,),
            lambda a: {"name": a.name}, lambda r, a: None),
    Command(("state", "delete"), "state.delete", "forget the saved state NAME", (NAME,),
            lambda a: {"name": a.name}, lambda r, a: None),
    Command(("state", "list"), "state.list", "the saved states' names, one a line",
            show=lambda r, a: "\n".join(r["names"]) or None),
    Command(("state", "export"), "state.export", "write the saved state NAME to FILE",
            (NAME, arg("file", help="where to write it")), lambda a: {"name": a.name}, _export),
    Command(("state", "import"), "state.import", "keep the state in FILE (from state export) as NAME",
            (NAME, arg("file", help="a file state export wrote")),
            lambda a: {"name": a.name, "data": base64.b64encode(Path(a.file).read_bytes()).decode()},
            lambda r, a: None),
    Command(("preload",), "preload", "load a test-driver node file or a directory laid out like /etc/libvirt",
            (arg("path", help="read by the server: give a path it can see"),),
            lambda a: {"path": os.path.abspath(a.path)}, lambda r, a: "\n".join(r["skipped"]) or None),
    Command(("clock", "get"), "clock.get", "the host's time", show=_clock),
    Command(("clock", "advance"), "clock.advance", "move the host's clock forward",
            (arg("seconds", type=float),), lambda a: {"seconds": a.seconds}, _clock),
    Command(("clock", "set"), "clock.set", "set the host's clock (epoch seconds or ISO 8601 with a zone)",
            (arg("time"),), lambda a: {"time": _number_or_text(a.time)}, _clock),
    Command(("dump",), "dump", "the whole host as JSON"),
    Command(("calls",), "calls", "the log of the procedures the server received (JSON, oldest first)",
            (arg("--procedure", help="only the calls of this procedure"),
             arg("--clear", action="store_true", help="empty the log after reading it")),
            lambda a: {"clear": a.clear, **({} if a.procedure is None else {"procedure": a.procedure})}),
    Command(("fault", "add"), "fault.add", "make calls of PROCEDURE fail, wait, hang or drop the connection",
            (arg("procedure", help="DOMAIN_CREATE, STORAGE_VOL_UPLOAD, ..."),
             arg("--match", action="append", default=[], metavar="KEY=VALUE",
                 help="only calls on this object: name, uuid, domain, pool, vol, path, network, ..."),
             arg("--error", metavar="CODE[:DOMAIN[:MESSAGE]]", help="e.g. OPERATION_FAILED:QEMU:no space"),
             arg("--delay", type=float, metavar="SECONDS", help="answer after SECONDS"),
             arg("--hang", action="store_true", help="never answer"),
             arg("--drop-connection", action="store_true", help="close the client's connection instead"),
             arg("--count", default="1", help="how many calls it fires on (default 1; 'forever')"),
             arg("--after", type=int, default=0, metavar="N", help="let the first N matching calls through"),
             arg("--probability", type=float, help="fire on each matching call with this chance (seeded)")),
            lambda a: _fault_body(a), lambda r, a: str(r["id"])),
    Command(("fault", "list"), "fault.list", "the armed faults (JSON)"),
    Command(("fault", "clear"), "fault.clear", "disarm every fault, or the one with --id",
            (arg("--id", type=int),), lambda a: {} if a.id is None else {"id": a.id}, lambda r, a: None),
    Command(("guest",), "guest", "the guest does something: shutdown, reboot, crash, panic, poweroff, "
            "agent up|down, set-ip IFACE ADDR..., write DISK OFFSET FILE, read DISK OFFSET LENGTH",
            (arg("domain"), arg("action"), arg("args", nargs="*")), lambda a: _guest_body(a), lambda r, a: _guest_show(r)),
    Command(("job",), "job", "steer a block job: job DOMAIN DISK hold|release|step|finish|fail [FRACTION]; "
            "hold the domain's next save/dump/memory snapshot: job DOMAIN hold [FRACTION], then "
            "step FRACTION|finish|fail (the call waits meanwhile)",
            (arg("domain"), arg("words", nargs="+", metavar="[DISK] ACTION [FRACTION]")),
            lambda a: _job_body(a)),
    Command(("operations",), "", "the operations the server has"),
]


def _fault_body(a: Args) -> dict[str, Any]:
    body: dict[str, Any] = {"procedure": a.procedure, "after": a.after, "hang": a.hang,
                            "drop_connection": a.drop_connection,
                            "count": None if a.count == "forever" else int(a.count),
                            "match": dict(m.split("=", 1) if "=" in m else (m, "") for m in a.match)}
    for key in ("error", "delay", "probability"):
        if getattr(a, key) is not None:
            body[key] = getattr(a, key)
    return body


def _guest_body(a: Args) -> dict[str, Any]:
    body: dict[str, Any] = {"domain": a.domain, "action": a.action, "args": a.args}
    if a.action == "write" and len(a.args) == 3:  # DISK OFFSET FILE: the file is read here
        body["args"] = a.args[:2]
        body["data"] = base64.b64encode(Path(a.args[2]).read_bytes()).decode()
    return body


def _guest_show(result: Any) -> None:
    """A read's bytes go to stdout as they are; the other actions print nothing."""
    if "data" in result:
        sys.stdout.buffer.write(base64.b64decode(result["data"]))
        sys.stdout.buffer.flush()


def _job_body(a: Args) -> dict[str, Any]:
    words = list(a.words)
    body: dict[str, Any] = {"domain": a.domain}
    if len(words) > 1 and words[0] not in ("hold", "release", "step", "finish", "fail"):
        body["disk"] = words.pop(0)
    body["action"] = words.pop(0)
    if words:
        body["fraction"] = float(words[0])
    return body


def _number_or_text(text: str) -> float | str:
    try:
        return float(text)
    except ValueError:
        return text


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="fakevirt ctl", description="Drive a fakevirt server's control API.")
    parser.add_argument("--url", default=os.environ.get(ENV),
                        help=f"the server's --control URL (default ${ENV})")
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    groups: dict[str, argparse._SubParsersAction[argparse.ArgumentParser]] = {}
    for cmd in COMMANDS:
        where = commands
        for word in cmd.words[:-1]:
            if word not in groups:
                group = where.add_parser(word, help=f"{word} commands")
                groups[word] = group.add_subparsers(dest=f"{word}_command", required=True, metavar="COMMAND")
            where = groups[word]
        sub = where.add_parser(cmd.words[-1], help=cmd.help, description=cmd.help)
        for names, options in cmd.args:
            sub.add_argument(*names, **options)
        sub.set_defaults(run=cmd)
    events = commands.add_parser("events", help="print every event as a JSON line until interrupted")
    events.add_argument("--count", type=int, help="stop after N events")
    events.set_defaults(run=None)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        client = ControlClient(args.url)
        if args.run is None:
            return _events(client, args.count)
        cmd: Command = args.run
        result = client.call(cmd.op, cmd.body(args)) if cmd.op else client.operations()
        text = cmd.show(result, args)
    except ControlRequestError as e:
        print(f"fakevirt ctl: {e.message}", file=sys.stderr)
        return 1
    except (OSError, ValueError, http.client.HTTPException) as e:
        print(f"fakevirt ctl: {e}", file=sys.stderr)
        return 1
    if text is not None:
        print(text)
    return 0


def _events(client: ControlClient, count: int | None) -> int:
    try:
        with client.events() as events:
            print("fakevirt ctl: subscribed to events", file=sys.stderr, flush=True)  # for scripts waiting on it
            for seen, event in enumerate(events, 1):
                print(json.dumps(event), flush=True)
                if count is not None and seen >= count:
                    break
    except KeyboardInterrupt:
        pass
    return 0
