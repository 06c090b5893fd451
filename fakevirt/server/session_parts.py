"""The parts of a client session that hold no connection: call slots, the reply batch, counters."""

from __future__ import annotations

from dataclasses import dataclass, field

import trio

from protocol import ProtocolError

from ..model.domain_jobs import DomainJob


async def job_ended(job: DomainJob) -> None:
    ended = trio.Event()
    job.on_end(ended.set)
    await ended.wait()


def first_error(group: BaseExceptionGroup[ProtocolError]) -> BaseException:
    first: BaseException = group
    while isinstance(first, BaseExceptionGroup):
        first = first.exceptions[0]
    return first


class Slots:
    """A client's free call slots (libvirtd's max_client_requests). Only the reader takes them, so
    taking is a plain decrement while one is free; a taker waits only while all are held."""

    def __init__(self, n: int) -> None:
        self.free = n
        self._freed = trio.Event()

    async def take(self) -> None:
        while self.free == 0:
            self._freed = trio.Event()
            await self._freed.wait()
        self.free -= 1

    def give(self, n: int = 1) -> None:
        self.free += n
        self._freed.set()


@dataclass
class Batch:
    """Replies produced but not yet written, and how many call slots they hold."""

    parts: list[bytes] = field(default_factory=list)
    size: int = 0
    slots: int = 0

    def add(self, data: bytes, *, slot: bool) -> None:
        self.parts.append(data)
        self.size += len(data)
        self.slots += slot

    def clear(self) -> None:
        self.parts, self.size, self.slots = [], 0, 0


@dataclass
class SessionStats:
    """Counters of one session (trio-style ``statistics()``)."""

    calls: int = 0
    errors: int = 0
    in_flight: int = 0
    pings_sent: int = 0
    events_queued: int = 0
