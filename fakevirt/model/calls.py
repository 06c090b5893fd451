"""The calls log: every procedure the server answered, with its object and result, for "was X called"
assertions. Bounded: the oldest entries go first."""

from __future__ import annotations

from collections import deque
from collections.abc import Iterator, Mapping
from dataclasses import dataclass

CALLS_KEPT = 10_000


@dataclass(frozen=True, slots=True)
class CallRecord:
    procedure: str
    obj: Mapping[str, str]  # call_object's keys: domain, uuid, pool, vol, …
    result: str | tuple[int, int, str]  # "ok", "hang", "dropped", or an error reply's (code, domain, message)
    serial: int
    client: int
    time: float

    def to_json(self) -> dict[str, object]:
        result: str | dict[str, int | str]
        if isinstance(self.result, str):
            result = self.result
        else:
            code, domain, message = self.result
            result = {"code": code, "domain": domain, "message": message}
        return {"procedure": self.procedure, "object": dict(self.obj), "result": result,
                "serial": self.serial, "client": self.client, "time": self.time}


class CallLog:
    """The last ``CALLS_KEPT`` calls, oldest first."""

    def __init__(self, maxlen: int = CALLS_KEPT) -> None:
        self._entries: deque[CallRecord] = deque(maxlen=maxlen)

    def record(self, entry: CallRecord) -> None:
        self._entries.append(entry)

    def clear(self) -> None:
        self._entries.clear()

    def __iter__(self) -> Iterator[CallRecord]:
        return iter(list(self._entries))

    def __len__(self) -> int:
        return len(self._entries)

    def of(self, procedure: str | None = None) -> list[CallRecord]:
        """The calls of procedure (every call when None)."""
        if procedure is None:
            return list(self._entries)
        return [e for e in self._entries if e.procedure == procedure]
