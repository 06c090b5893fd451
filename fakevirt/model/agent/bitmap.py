"""virBitmapParse / virBitmapFormat for the vCPU lists the agent APIs take and return."""

from __future__ import annotations

from collections.abc import Iterable

from ...errors import agent as errors


def parse(text: str, limit: int) -> set[int]:
    """"0-3,^2,5": ids below ``limit``; anything else is libvirt's parse error."""
    ids: set[int] = set()
    body = text.strip()
    if not body:
        raise errors.bad_bitmap(text)
    for part in body.split(","):
        part = part.strip()
        neg = part.startswith("^")
        lo_text, _, hi_text = part.lstrip("^").partition("-")
        if not lo_text.isdigit() or (hi_text and (neg or not hi_text.isdigit())):
            raise errors.bad_bitmap(text)
        lo, hi = int(lo_text), int(hi_text or lo_text)
        if hi < lo or hi >= limit:
            raise errors.bad_bitmap(text)
        if neg:
            ids.discard(lo)
        else:
            ids.update(range(lo, hi + 1))
    return ids


def format_ids(ids: Iterable[int]) -> str:
    """"0-2,5": runs of consecutive ids as ranges."""
    out: list[str] = []
    run: list[int] = []
    for i in sorted(set(ids)):
        if run and i == run[-1] + 1:
            run.append(i)
            continue
        if run:
            out.append(str(run[0]) if len(run) == 1 else f"{run[0]}-{run[-1]}")
        run = [i]
    if run:
        out.append(str(run[0]) if len(run) == 1 else f"{run[0]}-{run[-1]}")
    return ",".join(out)
