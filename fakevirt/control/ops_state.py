"""Control operations on whole-host snapshots kept in the server: state.save/load/list/delete/export/import."""

from __future__ import annotations

import base64
import binascii
from typing import TYPE_CHECKING, Any

from .registry import Body, ControlError, field, operation

if TYPE_CHECKING:
    from ..model.hypervisor import Hypervisor


def _name(body: Body) -> str:
    name = field(body, "name", str)
    if not name or len(name) > 256:
        raise ControlError("field 'name' must be 1 to 256 characters")
    return name


def _states(hv: Hypervisor) -> Any:
    return hv.states  # type: ignore[attr-defined]  # branch i15-state


def _known(hv: Hypervisor, name: str) -> str:
    if name not in _states(hv).names():
        raise ControlError(f"no saved state {name!r}", 404)
    return name


@operation("state.save")
def state_save(hv: Hypervisor, body: Body) -> dict[str, Any]:
    """Save the whole host as {name} (replacing a state of that name)."""
    name = _name(body)
    _states(hv).save(name)
    return {"name": name}


@operation("state.load")
def state_load(hv: Hypervisor, body: Body) -> dict[str, Any]:
    """Make the host exactly the saved state {name}."""
    name = _known(hv, _name(body))
    _states(hv).load(name)
    return {"name": name}


@operation("state.list")
def state_list(hv: Hypervisor, body: Body) -> dict[str, Any]:
    """The names of the saved states."""
    return {"names": sorted(_states(hv).names())}


@operation("state.delete")
def state_delete(hv: Hypervisor, body: Body) -> dict[str, Any]:
    """Forget the saved state {name}."""
    name = _known(hv, _name(body))
    _states(hv).delete(name)
    return {"name": name}


@operation("state.export")
def state_export(hv: Hypervisor, body: Body) -> dict[str, Any]:
    """The saved state {name} as {name, data}: data is the state's bytes in base64."""
    name = _known(hv, _name(body))
    return {"name": name, "data": base64.b64encode(_states(hv).export(name)).decode()}


@operation("state.import")
def state_import(hv: Hypervisor, body: Body) -> dict[str, Any]:
    """Keep {data} (base64 of what state.export gave) as the saved state {name}."""
    name = _name(body)
    try:
        data = base64.b64decode(field(body, "data", str), validate=True)
    except binascii.Error:
        raise ControlError("field 'data' is not base64") from None
    try:
        _states(hv).import_(name, data)
    except ValueError as e:
        raise ControlError(f"field 'data' is not a fakevirt state: {e}", 422) from None
    return {"name": name}
