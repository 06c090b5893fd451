"""The nwfilter driver's model: loops, filters in use by instantiated bindings, domain bindings."""

from __future__ import annotations

import uuid

import pytest

from fakevirt.errors import VirtError
from fakevirt.model.hypervisor import Hypervisor
from fakevirt.model.nwfilters import BindingDef, FilterRef, NWFilterDef


def binding(port: str, name: str) -> BindingDef:
    return BindingDef(port, "dom", uuid.UUID(int=9), "52:54:00:00:00:01", FilterRef(name))


def message(fn, *args) -> str:
    with pytest.raises(VirtError) as e:
        fn(*args)
    return e.value.message


def test_loops_are_found_through_the_whole_chain() -> None:
    nwf = Hypervisor().nwfilters
    nwf.define(NWFilterDef("a", entries=[FilterRef("b")]))
    nwf.define(NWFilterDef("b", entries=[FilterRef("c")]))
    assert message(nwf.define, NWFilterDef("c", entries=[FilterRef("a")])) == \
        "operation failed: filter would introduce a loop"
    nwf.define(NWFilterDef("c", entries=[FilterRef("missing")]))


def test_bindings_on_host_devices_are_instantiated() -> None:
    hv = Hypervisor()
    nwf = hv.nwfilters
    assert message(nwf.create_binding, binding("eth0", "f")) == "internal error: referenced filter 'f' is missing"
    nwf.create_binding(binding("vnet-none", "f"))  # no such device: kept, not checked
    f = nwf.define(NWFilterDef("f"))
    nwf.create_binding(binding("eth0", "f"))
    assert message(nwf.undefine, f) == "Requested operation is not valid: nwfilter is in use"
    assert nwf.by_name("f") is f  # still there, under both keys
    nwf.delete_binding(nwf.binding("eth0"))
    nwf.undefine(f)
    assert len(nwf) == 0 and list(nwf.bindings) == ["vnet-none"]


def test_reset_forgets_filters_and_bindings() -> None:
    hv = Hypervisor()
    hv.nwfilters.define(NWFilterDef("f"))
    hv.nwfilters.create_binding(binding("p", "f"))
    hv.reset()
    assert len(hv.nwfilters) == 0 and hv.nwfilters.bindings == {}
