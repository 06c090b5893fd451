"""The operations fault.add, fault.list, fault.clear and calls, called as the control server calls them."""

from __future__ import annotations

from typing import Any

import pytest

from fakevirt.control import load_operations
from fakevirt.control.registry import OPERATIONS, ControlError
from fakevirt.model.calls import CallRecord
from fakevirt.model.hypervisor import Hypervisor

load_operations()


def op(hv: Hypervisor, name: str, **body: Any) -> Any:
    return OPERATIONS[name].fn(hv, body)


def test_fault_add_defaults_and_listing() -> None:
    hv = Hypervisor()
    first = op(hv, "fault.add", procedure="remote_proc_domain_create", error="OPERATION_FAILED")
    assert (first["procedure"], first["count"], first["after"], first["probability"]) == ("DOMAIN_CREATE", 1, 0, 1.0)
    # the domain calls' errors come from the QEMU driver, the others' from their own driver
    assert first["error"] == {"code": 9, "domain": 10, "message": "operation failed"}
    second = op(hv, "fault.add", procedure="STORAGE_VOL_CREATE_XML", error="1::disk full", count=None)
    assert second["error"] == {"code": 1, "domain": 18, "message": "internal error: disk full"}
    assert second["count"] is None
    assert [f["id"] for f in op(hv, "fault.list")["faults"]] == [1, 2]
    op(hv, "fault.clear", id=1)
    assert [f["id"] for f in op(hv, "fault.list")["faults"]] == [2]
    with pytest.raises(ControlError, match="no fault with id 1") as e:
        op(hv, "fault.clear", id=1)
    assert e.value.status == 404
    op(hv, "fault.clear")
    assert op(hv, "fault.list") == {"faults": []}


@pytest.mark.parametrize(("body", "message"), [
    ({"procedure": "DOMAIN_CREATE", "delay": -1}, "field 'delay' must not be negative"),
    ({"procedure": "DOMAIN_CREATE", "hang": True, "drop_connection": True}, "cannot be combined"),
    ({"procedure": "DOMAIN_CREATE", "hang": True, "count": 0}, "count must be at least 1"),
    ({"procedure": "DOMAIN_CREATE", "hang": True, "probability": 1.5}, "probability must be between 0 and 1"),
    ({"procedure": "DOMAIN_CREATE", "hang": True, "match": {"domain": 3}}, "field 'match' must map keys to strings"),
    ({"procedure": "DOMAIN_CREATE", "error": "9:NOWHERE"}, "unknown error domain 'NOWHERE'"),
    ({"hang": True}, "missing field 'procedure'"),
])
def test_fault_add_refusals(body: dict[str, Any], message: str) -> None:
    hv = Hypervisor()
    with pytest.raises(ControlError, match=message):
        OPERATIONS["fault.add"].fn(hv, body)
    assert not list(hv.faults)


def test_calls_filter_and_clear() -> None:
    hv = Hypervisor()
    for i, proc in enumerate(["CONNECT_OPEN", "DOMAIN_CREATE", "DOMAIN_CREATE"]):
        hv.calls.record(CallRecord(proc, {"domain": f"d{i}"}, "ok" if i < 2 else (42, 10, "gone"), i, 1, 5.0))
    got = op(hv, "calls", procedure="domain_create", clear=True)["calls"]
    assert got == [
        {"procedure": "DOMAIN_CREATE", "object": {"domain": "d1"}, "result": "ok", "serial": 1, "client": 1, "time": 5.0},
        {"procedure": "DOMAIN_CREATE", "object": {"domain": "d2"}, "result": {"code": 42, "domain": 10, "message": "gone"},
         "serial": 2, "client": 1, "time": 5.0}]
    assert op(hv, "calls") == {"calls": []}
