"""Fault injection: make chosen procedures fail, answer late, never answer or drop the connection.

A fault names a procedure (``"DOMAIN_CREATE"``) and may be narrowed to the calls on one object
(``match={"domain": "vm1"}``: the keys of ``fakevirt.handlers.call_object``). Of the calls it
matches it skips the first ``after`` (so ``after=2, count=1`` fails exactly the third call),
then fires on ``count`` of them (None: forever), each with ``probability`` drawn from a
generator seeded by the host's seed, so a run is repeatable.
"""

from __future__ import annotations

import itertools
import random
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field

from ..errors import ErrorCode, ErrorDomain, VirtError

# the keys a fault may match on: what call_object derives from a call's arguments
MATCH_KEYS = frozenset({"name", "uuid", "domain", "pool", "vol", "path", "network", "port", "secret", "usage",
                        "nodedev", "interface", "mac", "nwfilter", "binding", "snapshot", "checkpoint"})
# the keys that hold an object's name: ``name=X`` matches a call whose object has any of them equal to X
NAME_KEYS = ("domain", "pool", "vol", "network", "nodedev", "interface", "nwfilter", "snapshot", "checkpoint")

CallObject = Mapping[str, str]


@dataclass
class Fault:
    """What to do to the calls of one procedure that match: error, delay, hang or drop."""

    procedure: str
    error: VirtError | None = None
    delay: float = 0.0
    count: int | None = 1  # how many more times it fires; None: every matching call
    match: dict[str, str] = field(default_factory=dict)
    hang: bool = False  # the call is never answered (the connection goes on serving others)
    drop: bool = False  # the connection is closed instead of an answer
    after: int = 0  # matching calls still to let through before it fires
    probability: float = 1.0
    id: int = 0
    fired: int = 0

    def check(self) -> None:
        """ValueError unless this is a fault the host can arm: one set of rules for every entry point."""
        if unknown := set(self.match) - MATCH_KEYS:
            raise ValueError(f"unknown match key {sorted(unknown)[0]!r} (known: {', '.join(sorted(MATCH_KEYS))})")
        if not 0.0 <= self.probability <= 1.0:
            raise ValueError("probability must be between 0 and 1")
        if (self.count is not None and self.count < 1) or self.after < 0:
            raise ValueError("count must be at least 1 and after at least 0")
        if self.delay < 0:
            raise ValueError("field 'delay' must not be negative")
        if self.error is None and self.delay == 0 and not self.hang and not self.drop:
            raise ValueError("a fault needs one of 'error', 'delay', 'hang' or 'drop_connection'")
        if self.hang and self.drop:
            raise ValueError("'hang' and 'drop_connection' cannot be combined")

    def matches(self, obj: CallObject) -> bool:
        for key, value in self.match.items():
            if key == "name":
                if not any(obj.get(k) == value for k in NAME_KEYS):
                    return False
            elif obj.get(key) != value:
                return False
        return True

    def to_json(self) -> dict[str, object]:
        error = None if self.error is None else {
            "code": int(self.error.code), "domain": int(self.error.domain), "message": self.error.message}
        return {"id": self.id, "procedure": self.procedure, "match": dict(self.match), "error": error,
                "delay": self.delay, "hang": self.hang, "drop_connection": self.drop, "count": self.count,
                "after": self.after, "probability": self.probability, "fired": self.fired}


@dataclass
class FaultPlan:
    """Faults waiting to fire, by procedure name (``"CONNECT_GET_HOSTNAME"``)."""

    _faults: dict[str, list[Fault]] = field(default_factory=dict)
    _ids: itertools.count[int] = field(default_factory=lambda: itertools.count(1))
    _rng: random.Random = field(default_factory=lambda: random.Random(0))

    def fail(self, procedure: str, error: VirtError, count: int | None = 1) -> Fault:
        """Answer the next calls of procedure with error instead of running them."""
        return self.add(Fault(procedure.upper(), error=error, count=count))

    def delay(self, procedure: str, seconds: float, count: int | None = 1) -> Fault:
        """Hold the next calls of procedure for seconds before running them."""
        return self.add(Fault(procedure.upper(), delay=seconds, count=count))

    def add(self, fault: Fault) -> Fault:
        """Arm fault (checked first-added first among one procedure's faults); it gets its id.

        Every entry point (the control API, the pytest plugin, Python) arms faults here.
        """
        fault.check()
        fault.id = next(self._ids)
        self._faults.setdefault(fault.procedure, []).append(fault)
        return fault

    def clear(self) -> None:
        self._faults.clear()

    def reset(self, seed: int | None) -> None:
        """No faults, ids from 1, and the probability draws of a fresh host of this seed."""
        self._faults.clear()
        self._ids = itertools.count(1)
        self._rng = random.Random(seed)

    def remove(self, fault_id: int) -> bool:
        for pending in self._faults.values():
            for fault in pending:
                if fault.id == fault_id:
                    pending.remove(fault)
                    return True
        return False

    def __iter__(self) -> Iterator[Fault]:
        return iter(sorted((f for pending in self._faults.values() for f in pending), key=lambda f: f.id))

    def armed(self, procedure: str) -> bool:
        """Whether any fault waits for procedure (the caller derives the call's object only then)."""
        return bool(self._faults.get(procedure))

    def take(self, procedure: str, obj: CallObject | None = None) -> Fault | None:
        """The fault that applies to one call of procedure on obj, counting it as fired."""
        pending = self._faults.get(procedure)
        if not pending:
            return None
        for fault in pending:
            if fault.match and not fault.matches(obj or {}):
                continue
            if fault.after > 0:
                fault.after -= 1
                continue
            if fault.probability < 1.0 and self._rng.random() >= fault.probability:
                continue
            fault.fired += 1
            if fault.count is not None:
                fault.count -= 1
                if fault.count <= 0:
                    pending.remove(fault)
            return fault
        return None


def error_from_spec(spec: str, default_domain: int) -> VirtError:
    """``CODE[:DOMAIN[:MESSAGE]]``: numbers or libvirt's names (``VIR_ERR_OPERATION_FAILED`` or
    ``OPERATION_FAILED``, ``VIR_FROM_QEMU`` or ``QEMU``). The message is the error's detail, shown
    after libvirt's text for the code ("operation failed: MESSAGE"); without it, that text alone."""
    code_text, _, rest = spec.partition(":")
    domain_text, _, message = rest.partition(":")
    code = _enum_value(ErrorCode, code_text, "VIR_ERR_", "error code")
    domain = _enum_value(ErrorDomain, domain_text, "VIR_FROM_", "error domain") if domain_text else default_domain
    return VirtError.injected(code, domain, message or None)


def _enum_value(enum: type[ErrorCode] | type[ErrorDomain], text: str, prefix: str, what: str) -> int:
    text = text.strip()
    if text.lstrip("-").isdigit():
        return int(text)
    name = text.upper().removeprefix(prefix)
    if name in enum.__members__:
        return int(enum[name])
    raise ValueError(f"unknown {what} {text!r}")
