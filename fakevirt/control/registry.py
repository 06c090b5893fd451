"""The control API's operations: one table, ``name -> fn(hv, body) -> JSON-able``."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from ..model.hypervisor import Hypervisor

Body = Mapping[str, Any]
OperationFn = Callable[["Hypervisor", Body], Any]

API_VERSION = 1  # the /v1/ of every control URL


class ControlError(Exception):
    """A refused control request: the HTTP status and the reason `fakevirt ctl` prints."""

    def __init__(self, message: str, status: int = 400) -> None:
        super().__init__(message)
        self.message = message
        self.status = status


@dataclass(frozen=True, slots=True)
class Operation:
    name: str  # dotted: "reset", "state.save", "fault.add", "guest", "clock.advance"
    fn: OperationFn
    doc: str


OPERATIONS: dict[str, Operation] = {}


def operation(name: str) -> Callable[[OperationFn], OperationFn]:
    """Register fn as the control operation ``name`` (POST /v1/NAME, JSON body in and out)."""

    def register(fn: OperationFn) -> OperationFn:
        if name in OPERATIONS:
            raise ValueError(f"control operation {name!r} registered twice")
        OPERATIONS[name] = Operation(name, fn, (fn.__doc__ or "").strip().splitlines()[0] if fn.__doc__ else "")
        return fn

    return register


def field(body: Body, key: str, kind: type, default: Any = ...) -> Any:
    """body[key] checked to be of kind; a missing or mistyped field is a 400 with the field's name."""
    if key not in body:
        if default is ...:
            raise ControlError(f"missing field {key!r}")
        return default
    value = body[key]
    if kind is float and isinstance(value, int) and not isinstance(value, bool):
        value = float(value)
    if not isinstance(value, kind) or (kind is int and isinstance(value, bool)):
        raise ControlError(f"field {key!r} must be {kind.__name__}")
    return value
