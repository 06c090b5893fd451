"""States pickle the model's dataclasses compactly (model/compact.py): fields at their defaults are
left out, and a loaded object reads them back from its class; loaded objects equal saved ones."""

from __future__ import annotations

import copy
import io
import pickle
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import libvirt
import pytest

from fakevirt.control.registry import ControlError
from fakevirt.model.compact import immutable, reduce_compact, state_function
from fakevirt.model.hoststate import MAGIC
from fakevirt.model.hypervisor import Hypervisor
from fakevirt.model.statepickle import Pickled
from fakevirt.testing import ThreadedServer
from fakevirt.testing.sample import build_sample_host


@dataclass
class Inner:
    level: int = 0
    tags: list[str] = field(default_factory=list)


@dataclass
class Outer:
    name: str
    flag: int = 0
    note: str | None = None
    items: list[int] = field(default_factory=list)
    table: dict[str, int] = field(default_factory=dict)
    inner: Inner = field(default_factory=Inner)
    made: list[int] = field(default_factory=lambda: [1])  # not an empty factory: always kept


class CompactPickler(pickle.Pickler):
    def reducer_override(self, obj: Any) -> Any:
        state_of = state_function(type(obj))
        return NotImplemented if state_of is None else reduce_compact(obj, state_of)


def round_trip(obj: object) -> Any:
    buf = io.BytesIO()
    CompactPickler(buf, protocol=pickle.HIGHEST_PROTOCOL).dump(obj)
    return pickle.loads(buf.getvalue())


def test_defaults_are_left_out_and_read_back() -> None:
    back = round_trip(Outer("a"))
    assert vars(back) == {"name": "a", "made": [1]}
    assert back == Outer("a")
    assert back.items == [] and back.table == {} and back.inner == Inner() and back.note is None
    back.items.append(5)  # made on first read, then kept in the instance
    assert back.items == [5] and vars(back)["items"] == [5]
    assert round_trip(Outer("b")).items == []  # not shared between objects


@pytest.mark.parametrize("value", [
    Outer("a", flag=False),  # equal to the default 0, but a bool
    Outer("a", flag=1),
    Outer("a", note=""),
    Outer("a", items=[0]),
    Outer("a", table={"x": 0}),
    Outer("a", inner=Inner(level=False)),
    Outer("a", inner=Inner(tags=["t"])),
    Outer("a", made=[]),
])
def test_values_unlike_their_defaults_are_kept_with_their_types(value: Outer) -> None:
    back = round_trip(value)
    assert back == value
    assert [type(getattr(back, k)) for k in vars(value)] == [type(v) for v in vars(value).values()]
    assert type(back.inner.level) is type(value.inner.level)


def test_copies_of_a_sparse_object_are_equal_and_independent() -> None:
    back = round_trip(Outer("a"))
    for dup in (copy.copy(back), copy.deepcopy(back)):
        assert dup == back
        dup.items.append(1)
        assert back.items == []
    assert not hasattr(Outer, "items")  # a default_factory field is still no class attribute


@dataclass(frozen=True, slots=True)
class Frozen:
    n: int
    parts: tuple[object, ...] = ()


@dataclass(frozen=True)
class FrozenWithDict:
    n: int


@pytest.mark.parametrize("obj, expected", [
    (uuid.UUID(int=1), True), (Frozen(1, ("a", uuid.UUID(int=2))), True), (Frozen(1, ([],)), False),
    (FrozenWithDict(1), False), (Inner(), False), ((1, frozenset({2})), True), ((1, [2]), False),
])
def test_only_what_cannot_change_is_shared(obj: object, expected: bool) -> None:
    assert immutable(obj) is expected


@pytest.fixture
def server() -> Iterator[ThreadedServer]:
    with ThreadedServer(Hypervisor(seed=3, default_network=True), unix=False) as s:
        yield s


def test_loaded_definitions_equal_the_saved_ones_and_take_changes(server: ThreadedServer) -> None:
    conn = libvirt.open(server.uri())
    try:
        build_sample_host(conn, 2)
        driver = server.hypervisor.system
        saved = copy.deepcopy({d.name: (d.config, d.live) for d in driver.domains})
        server.save_state("s")
        server.load_state("s")
        loaded = {d.name: (d.config, d.live) for d in driver.domains}
        assert loaded == saved
        config = loaded["vm0"][0]
        assert config is not None and len(vars(config)) < len(vars(saved["vm0"][0]))  # sparse
        dom = conn.lookupByName("vm0")
        dom.attachDeviceFlags("<hostdev mode='subsystem' type='usb'><source><vendor id='0x1234'/>"
                              "<product id='0xbeef'/></source></hostdev>", libvirt.VIR_DOMAIN_AFFECT_CONFIG)
        assert "0xbeef" in dom.XMLDesc(libvirt.VIR_DOMAIN_XML_INACTIVE)
        server.load_state("s")
        assert "0xbeef" not in conn.lookupByName("vm0").XMLDesc(libvirt.VIR_DOMAIN_XML_INACTIVE)
    finally:
        conn.close()


def test_the_calls_log_is_not_part_of_a_state(server: ThreadedServer) -> None:
    conn = libvirt.open(server.uri())
    try:
        conn.getHostname()
        server.save_state("s")
        conn.listAllDomains()
        before = [c.procedure for c in server.hypervisor.calls]
        server.load_state("s")
        assert [c.procedure for c in server.hypervisor.calls] == before
        assert before[-1] == "CONNECT_LIST_ALL_DOMAINS"
    finally:
        conn.close()


def test_lazy_definitions_come_back_when_read_and_when_replaced_unread(server: ThreadedServer) -> None:
    """A snapshot's domain and a running domain's persistent definition stay pickled after a load
    until read; one replaced without being read is saved as replaced."""
    conn = libvirt.open(server.uri())
    try:
        build_sample_host(conn, 2)  # vm1 runs
        views = {name: (conn.lookupByName(name).XMLDesc(libvirt.VIR_DOMAIN_XML_INACTIVE),
                        conn.lookupByName(name).snapshotLookupByName("s1").getXMLDesc())
                 for name in ("vm0", "vm1")}
        server.save_state("s")
        server.load_state("s")
        driver = server.hypervisor.system
        vm0, vm1 = driver.domains.by_name("vm0"), driver.domains.by_name("vm1")
        snap = next(iter(vm0.snapshots))
        assert "domain" not in vars(snap.definition) and "config" not in vars(vm1)  # still pickled
        assert "config" in vars(vm0)  # an inactive domain's definition is read at once: never lazy
        for name, view in views.items():
            dom = conn.lookupByName(name)
            assert (dom.XMLDesc(libvirt.VIR_DOMAIN_XML_INACTIVE), dom.snapshotLookupByName("s1").getXMLDesc()) == view
        server.load_state("s")
        vm1 = driver.domains.by_name("vm1")
        replacement = server.call(lambda: driver.domains.by_name("vm0").config.copy())
        server.call(setattr, vm1, "config", replacement)  # assigned without a read
        server.save_state("t")
        server.load_state("t")
        assert server.call(lambda: driver.domains.by_name("vm1").config) == replacement
    finally:
        conn.close()


def test_import_checks_what_a_load_leaves_pickled(server: ThreadedServer) -> None:
    conn = libvirt.open(server.uri())
    try:
        build_sample_host(conn, 2)
    finally:
        conn.close()
    server.save_state("s")
    states = server.hypervisor.states
    data = server.call(states.export, "s")
    model, clusters, shared = pickle.loads(data[len(MAGIC):])
    broken = [Pickled(b"\x80\x05garbage", ()) if type(o) is Pickled else o for o in shared]
    bad = MAGIC + pickle.dumps((model, clusters, broken))
    with pytest.raises(ControlError) as e:
        server.call(states.import_, "bad", bad)
    assert e.value.status == 400 and e.value.message.startswith("bad state file: ")
    assert states.names() == ["s"]


def test_import_refuses_a_lazy_value_inside_the_model(server: ThreadedServer) -> None:
    """Lazy values come only beside the model pickle, where import checks every one."""
    bad = MAGIC + pickle.dumps((pickle.dumps({"hv": {"x": Pickled(b"garbage", ())}, "drivers": {}}), [], []))
    with pytest.raises(ControlError) as e:
        server.call(server.hypervisor.states.import_, "bad", bad)
    assert (e.value.status, e.value.message) == (400, "bad state file: a lazy value inside a model pickle")


def test_leases_come_back_with_their_addresses_taken(server: ThreadedServer) -> None:
    conn = libvirt.open(server.uri())
    try:
        build_sample_host(conn, 4)  # vm1 and vm3 run, with a NIC on 'default'
        net = conn.networkLookupByName("default")
        before = net.DHCPLeases()
        assert len(before) == 2
        server.save_state("s")
        server.load_state("s")
        assert net.DHCPLeases() == before
        conn.lookupByName("vm0").create()
        ips = [lease["ipaddr"] for lease in net.DHCPLeases()]
        assert len(ips) == 3 and len(set(ips)) == 3  # the new guest got a free address
    finally:
        conn.close()
