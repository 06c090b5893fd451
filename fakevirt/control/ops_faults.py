"""Control operations ``fault.add``, ``fault.list``, ``fault.clear`` and ``calls``."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from protocol import PROCEDURES, ErrorDomain

from ..model.faults import Fault, error_from_spec
from .registry import Body, ControlError, field, operation

if TYPE_CHECKING:
    from ..model.hypervisor import Hypervisor

_BY_NAME = {p.name: p for p in PROCEDURES.values()}
_PREFIXES = ("REMOTE_PROC_", "QEMU_PROC_", "LXC_PROC_")


def procedure_name(text: str) -> str:
    """``DOMAIN_CREATE``, ``domain_create`` or ``REMOTE_PROC_DOMAIN_CREATE``: a known procedure's name."""
    name = text.upper().replace("-", "_")
    for prefix in _PREFIXES:
        name = name.removeprefix(prefix)
    if name not in _BY_NAME:
        raise ControlError(f"unknown procedure {text!r}", 404)
    return name


def _match(body: Body) -> dict[str, str]:
    match = field(body, "match", dict, {})
    if not all(isinstance(k, str) and isinstance(v, str) for k, v in match.items()):
        raise ControlError("field 'match' must map keys to strings")
    return dict(match)


@operation("fault.add")
def fault_add(hv: Hypervisor, body: Body) -> dict[str, Any]:
    """Arm a fault: {procedure, match?, error?|delay?|hang?|drop_connection?, count?, after?, probability?}."""
    name = procedure_name(field(body, "procedure", str))
    spec = field(body, "error", str, None)
    default_domain = _BY_NAME[name].error_domain
    if default_domain == ErrorDomain.DOMAIN:  # the domain calls' errors come from the QEMU driver
        default_domain = ErrorDomain.QEMU
    try:
        error = None if spec is None else error_from_spec(spec, default_domain)
    except ValueError as e:
        raise ControlError(str(e)) from None
    count = None if "count" in body and body["count"] is None else field(body, "count", int, 1)  # null: forever
    fault = Fault(name, error=error, delay=field(body, "delay", float, 0.0), count=count, match=_match(body),
                  hang=field(body, "hang", bool, False), drop=field(body, "drop_connection", bool, False),
                  after=field(body, "after", int, 0), probability=field(body, "probability", float, 1.0))
    try:
        return hv.faults.add(fault).to_json()
    except ValueError as e:
        raise ControlError(str(e)) from None


@operation("fault.list")
def fault_list(hv: Hypervisor, body: Body) -> dict[str, Any]:
    """The armed faults, oldest first, with how often each fired."""
    return {"faults": [f.to_json() for f in hv.faults]}


@operation("fault.clear")
def fault_clear(hv: Hypervisor, body: Body) -> dict[str, Any]:
    """Disarm fault {id} or, without an id, every fault."""
    fault_id = field(body, "id", int, None)
    if fault_id is None:
        hv.faults.clear()
    elif not hv.faults.remove(fault_id):
        raise ControlError(f"no fault with id {fault_id}", 404)
    return {}


@operation("calls")
def calls(hv: Hypervisor, body: Body) -> dict[str, Any]:
    """The calls log (oldest first): {procedure?, clear?}; clear empties it after reading."""
    name = field(body, "procedure", str, None)
    entries = hv.calls.of(None if name is None else procedure_name(name))
    if field(body, "clear", bool, False):
        hv.calls.clear()
    return {"calls": [e.to_json() for e in entries]}
