"""Fault injection: make chosen procedures fail or answer late, for testing clients' error paths."""

from __future__ import annotations

from dataclasses import dataclass, field

from ..errors import VirtError


@dataclass
class Fault:
    """What to do to the next ``count`` calls of one procedure (None = every call)."""

    procedure: str
    error: VirtError | None = None
    delay: float = 0.0
    count: int | None = 1


@dataclass
class FaultPlan:
    """Faults waiting to fire, by procedure name (``"CONNECT_GET_HOSTNAME"``)."""

    _faults: dict[str, list[Fault]] = field(default_factory=dict)

    def fail(self, procedure: str, error: VirtError, count: int | None = 1) -> Fault:
        """Answer the next calls of procedure with error instead of running them."""
        return self._add(Fault(procedure.upper(), error=error, count=count))

    def delay(self, procedure: str, seconds: float, count: int | None = 1) -> Fault:
        """Hold the next calls of procedure for seconds before running them."""
        return self._add(Fault(procedure.upper(), delay=seconds, count=count))

    def clear(self) -> None:
        self._faults.clear()

    def _add(self, fault: Fault) -> Fault:
        self._faults.setdefault(fault.procedure, []).append(fault)
        return fault

    def take(self, procedure: str) -> Fault | None:
        """The fault that applies to one call of procedure, consuming it."""
        pending = self._faults.get(procedure)
        if not pending:
            return None
        fault = pending[0]
        if fault.count is not None:
            fault.count -= 1
            if fault.count <= 0:
                pending.pop(0)
        return fault
