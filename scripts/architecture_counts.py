#!/usr/bin/env python3
"""Python files and lines per layer (one row per package directory), as a Markdown table.

    python scripts/architecture_counts.py                              # print the table
    python scripts/architecture_counts.py --update docs/architecture.md  # rewrite its counts block

``--update`` replaces what lies between the ``<!-- counts:begin -->`` and ``<!-- counts:end -->``
lines of the file.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
BEGIN, END = "<!-- counts:begin -->", "<!-- counts:end -->"

# (top directory, layer) in the order a call goes through them; subpackages get their own rows
LAYERS = [
    ("protocol", "wire (sans-IO)"),
    ("fakevirt", "entry points"),  # fakevirt/*.py only: its subpackages are the layers below
    ("fakevirt/server", "server (trio)"),
    ("fakevirt/handlers", "handlers"),
    ("fakevirt/control", "control operations"),
    ("fakevirt/model", "model"),
    ("fakevirt/xml", "xml"),
    ("fakevirt/errors", "error catalogue"),
    ("fakevirt/statedir", "persistence (--state)"),
    ("fakevirt/testing", "test support"),
    ("tests", "tests"),
    ("scripts", "scripts"),
]
SHALLOW = {"fakevirt"}


def lines_of(path: Path) -> int:
    return len(path.read_text(encoding="utf-8").splitlines())


def rows(repo: Path) -> list[tuple[str, str, list[Path]]]:
    """(directory, layer, its .py files, not those of its subdirectories) for every directory with any."""
    out: list[tuple[str, str, list[Path]]] = []
    for top, layer in LAYERS:
        base = repo / top
        found = base.glob("*.py") if top in SHALLOW else base.rglob("*.py")
        for d in sorted({p.parent for p in found}):
            out.append((d.relative_to(repo).as_posix(), layer, sorted(d.glob("*.py"))))
    return out


def table(repo: Path) -> str:
    head = ["| directory | layer | files | lines | largest file (lines) |",
            "|---|---|---:|---:|---|"]
    body = []
    total_files = total_lines = 0
    for directory, layer, files in rows(repo):
        sizes = {f.name: lines_of(f) for f in files}
        largest = max(sizes, key=lambda n: sizes[n])
        body.append(f"| `{directory}/` | {layer} | {len(files)} | {sum(sizes.values())} "
                    f"| {largest} ({sizes[largest]}) |")
        total_files += len(files)
        total_lines += sum(sizes.values())
    body.append(f"| **total** | | **{total_files}** | **{total_lines}** | |")
    return "\n".join(head + body)


def update(doc: Path, text: str) -> None:
    content = doc.read_text(encoding="utf-8")
    start, end = content.find(BEGIN), content.find(END)
    if start < 0 or end < start:
        raise SystemExit(f"{doc}: no {BEGIN} ... {END} block")
    doc.write_text(content[: start + len(BEGIN)] + "\n" + text + "\n" + content[end:], encoding="utf-8")


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--update", type=Path, metavar="DOC", help="rewrite DOC's counts block instead of printing")
    args = ap.parse_args(argv)
    text = table(REPO)
    if args.update is None:
        print(text)
    else:
        update(args.update, text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
