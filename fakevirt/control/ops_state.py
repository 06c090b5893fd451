"""Control operations on whole-host snapshots kept in the server: state.save/load/list/delete/export/import."""

from __future__ import annotations

import base64
import binascii
from typing import TYPE_CHECKING, Any

from .registry import Body, ControlError, field, operation

if TYPE_CHECKING:
    from ..model.hypervisor import Hypervisor


def _name(body: Body) -> str:
    name: str = field(body, "name", str)
    if not name or len(name) > 256:
        raise ControlError("field 'name' must be 1 to 256 characters")
    return name


def _named(op: str, method: str, doc: str) -> None:
    """Register ``op``: ``hv.states.METHOD(name)`` on the body's {name}, answering {name}."""

    def run(hv: Hypervisor, body: Body) -> dict[str, Any]:
        name = _name(body)
        getattr(hv.states, method)(name)
        return {"name": name}

    run.__doc__ = doc
    operation(op)(run)


_named("state.save", "save", "Save the whole host as {name} (replacing a state of that name).")
_named("state.load", "load", "Make the host exactly the saved state {name}.")
_named("state.delete", "delete", "Forget the saved state {name}.")


@operation("state.list")
def state_list(hv: Hypervisor, body: Body) -> dict[str, Any]:
    """The names of the saved states."""
    return {"names": sorted(hv.states.names())}


@operation("state.export")
def state_export(hv: Hypervisor, body: Body) -> dict[str, Any]:
    """The saved state {name} as {name, data}: data is the state's bytes in base64."""
    name = _name(body)
    return {"name": name, "data": base64.b64encode(hv.states.export(name)).decode()}


@operation("state.import")
def state_import(hv: Hypervisor, body: Body) -> dict[str, Any]:
    """Keep {data} (base64 of what state.export gave) as the saved state {name}."""
    name = _name(body)
    try:
        data = base64.b64decode(field(body, "data", str), validate=True)
    except binascii.Error:
        raise ControlError("field 'data' is not base64") from None
    hv.states.import_(name, data)
    return {"name": name}
