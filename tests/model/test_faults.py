"""FaultPlan: matching by object, after/count, seeded probability; error specs; call objects."""

from __future__ import annotations

import uuid

import pytest

from fakevirt.errors import ErrorCode, ErrorDomain, VirtError
from fakevirt.handlers.call_object import call_object
from fakevirt.model.faults import Fault, FaultPlan, error_from_spec
from fakevirt.model.hypervisor import Hypervisor
from protocol import (
    PROCEDURES,
    NonnullDomain,
    NonnullDomainSnapshot,
    NonnullNetwork,
    NonnullStoragePool,
    NonnullStorageVol,
)
from protocol.remote.domain import DomainCreateArgs, DomainLookupByNameArgs
from protocol.remote.network import NonnullNetworkPort
from protocol.remote.secret import NonnullSecret

PROCS = {p.name: p for p in PROCEDURES.values()}
U1 = uuid.UUID("11111111-2222-3333-4444-555555555555")
U2 = uuid.UUID("99999999-2222-3333-4444-555555555555")


def _dom(name: str) -> NonnullDomain:
    return NonnullDomain(name=name, uuid=U1.bytes, id=-1)


def test_a_matched_fault_fires_only_on_its_object() -> None:
    plan = FaultPlan()
    plan.add(Fault("DOMAIN_CREATE", error=VirtError.internal("x"), match={"domain": "vm1"}, count=None))
    assert plan.take("DOMAIN_CREATE", {"domain": "vm2"}) is None
    assert plan.take("DOMAIN_CREATE", {"domain": "vm1"}) is not None
    assert plan.take("DOMAIN_CREATE", {"domain": "vm1"}) is not None  # count None: forever
    assert plan.take("DOMAIN_CREATE", None) is None


def test_name_matches_any_objects_name_and_uuid_the_first_objects_uuid() -> None:
    plan = FaultPlan()
    plan.add(Fault("X", delay=1, match={"name": "p1"}, count=None))
    plan.add(Fault("Y", delay=1, match={"uuid": str(U1)}, count=None))
    assert plan.take("X", {"pool": "p1", "vol": "v"}) is not None
    assert plan.take("X", {"domain": "p2"}) is None
    assert plan.take("Y", {"domain": "d", "uuid": str(U1)}) is not None


def test_after_lets_calls_through_then_fires_count_times() -> None:
    """after=2, count=1: exactly the third matching call fails."""
    plan = FaultPlan()
    fault = plan.add(Fault("DOMAIN_CREATE", error=VirtError.internal("x"), after=2, count=1))
    fired = [plan.take("DOMAIN_CREATE", {}) is not None for _ in range(5)]
    assert fired == [False, False, True, False, False]
    assert fault.fired == 1 and not list(plan)


def test_probability_is_seeded_by_the_host() -> None:
    def draws(seed: int) -> list[bool]:
        hv = Hypervisor(seed=seed)
        hv.faults.add(Fault("P", delay=1, count=None, probability=0.5))
        return [hv.faults.take("P", {}) is not None for _ in range(64)]

    first = draws(7)
    assert first == draws(7) and 10 < sum(first) < 54
    assert first != draws(8)


def test_reset_rearms_ids_and_draws() -> None:
    hv = Hypervisor(seed=3)
    hv.faults.add(Fault("P", delay=1, count=None, probability=0.5))
    before = [hv.faults.take("P", {}) is not None for _ in range(16)]
    hv.reset()
    assert not list(hv.faults)
    fault = hv.faults.add(Fault("P", delay=1, count=None, probability=0.5))
    assert fault.id == 1 and [hv.faults.take("P", {}) is not None for _ in range(16)] == before


@pytest.mark.parametrize(("bad", "why"), [
    (Fault("P", delay=1, match={"colour": "x"}), "unknown match key 'colour'"),
    (Fault("P", delay=1, probability=2), "probability must be between 0 and 1"),
    (Fault("P", delay=1, count=0), "count must be at least 1"),
    (Fault("P", delay=1, after=-1), "after at least 0"),
    (Fault("P", delay=-1), "field 'delay' must not be negative"),
    (Fault("P"), "a fault needs one of 'error', 'delay', 'hang' or 'drop_connection'"),
    (Fault("P", delay=0), "a fault needs one of"),
    (Fault("P", hang=True, drop=True), "'hang' and 'drop_connection' cannot be combined")])
def test_bad_faults_are_refused_by_every_entry_point(bad: Fault, why: str) -> None:
    from fakevirt.testing.plugin import fault

    with pytest.raises(ValueError, match=why):
        FaultPlan().add(bad)
    with pytest.raises(ValueError, match=why):  # the pytest plugin's marker helper, as the test is collected
        fault(bad.procedure, error=bad.error, delay=bad.delay, hang=bad.hang, drop=bad.drop, count=bad.count,
              after=bad.after, probability=bad.probability, match=bad.match)


def test_a_delayed_error_is_one_fault() -> None:
    plan = FaultPlan()
    made = plan.add(Fault("P", error=VirtError(ErrorCode.OPERATION_FAILED, ErrorDomain.QEMU, "late"), delay=0.5))
    assert plan.take("P") is made and made.delay == 0.5 and made.error is not None


def test_remove_one_fault() -> None:
    plan = FaultPlan()
    a = plan.fail("A", VirtError.internal("a"))
    b = plan.delay("B", 1)
    assert plan.remove(a.id) and not plan.remove(a.id)
    assert [f.id for f in plan] == [b.id]


@pytest.mark.parametrize(("spec", "code", "domain", "message"), [
    ("1", ErrorCode.INTERNAL_ERROR, ErrorDomain.QEMU, "internal error"),
    ("VIR_ERR_OPERATION_FAILED:VIR_FROM_QEMU:boom", ErrorCode.OPERATION_FAILED, ErrorDomain.QEMU,
     "operation failed: boom"),
    ("operation_failed:storage", ErrorCode.OPERATION_FAILED, ErrorDomain.STORAGE, "operation failed"),
    ("42:20:no domain with matching name 'x'", ErrorCode.NO_DOMAIN, ErrorDomain.DOMAIN,
     "Domain not found: no domain with matching name 'x'"),
    ("9:10:a: colon", ErrorCode.OPERATION_FAILED, ErrorDomain.QEMU, "operation failed: a: colon"),
])
def test_error_specs(spec: str, code: int, domain: int, message: str) -> None:
    e = error_from_spec(spec, ErrorDomain.QEMU)
    assert (e.code, e.domain, e.message) == (code, domain, message)


@pytest.mark.parametrize("spec", ["NOPE", "1:NOWHERE", ""])
def test_bad_error_specs(spec: str) -> None:
    with pytest.raises(ValueError):
        error_from_spec(spec, ErrorDomain.QEMU)


def test_call_object_from_argument_types() -> None:
    assert call_object(PROCS["DOMAIN_CREATE"], DomainCreateArgs(dom=_dom("vm1"))) == {
        "domain": "vm1", "uuid": str(U1)}
    vol = NonnullStorageVol(pool="default", name="a.qcow2", key="/var/lib/libvirt/images/a.qcow2")
    args = PROCS["STORAGE_VOL_DELETE"].args(vol=vol, flags=0)
    assert call_object(PROCS["STORAGE_VOL_DELETE"], args) == {
        "vol": "a.qcow2", "pool": "default", "path": "/var/lib/libvirt/images/a.qcow2"}
    pool = NonnullStoragePool(name="default", uuid=U1.bytes)
    assert call_object(PROCS["STORAGE_POOL_CREATE"], PROCS["STORAGE_POOL_CREATE"].args(pool=pool, flags=0)) == {
        "pool": "default", "uuid": str(U1)}
    snap = NonnullDomainSnapshot(name="s1", dom=_dom("vm1"))
    proc = PROCS["DOMAIN_SNAPSHOT_DELETE"]
    assert call_object(proc, proc.args(snap=snap, flags=0)) == {"snapshot": "s1", "domain": "vm1", "uuid": str(U1)}


def test_call_object_of_other_handles() -> None:
    port = NonnullNetworkPort(net=NonnullNetwork(name="default", uuid=U1.bytes), uuid=U2.bytes)
    proc = PROCS["NETWORK_PORT_DELETE"]
    assert call_object(proc, proc.args(port=port, flags=0)) == {"port": str(U2), "network": "default", "uuid": str(U1)}
    secret = NonnullSecret(uuid=U1.bytes, usageType=1, usageID="/var/lib/v.img")
    proc = PROCS["SECRET_UNDEFINE"]
    assert call_object(proc, proc.args(secret=secret)) == {"secret": str(U1), "uuid": str(U1), "usage": "/var/lib/v.img"}


def test_call_object_of_lookups_by_name() -> None:
    assert call_object(PROCS["DOMAIN_LOOKUP_BY_NAME"], DomainLookupByNameArgs(name="vm1")) == {"domain": "vm1"}
    proc = PROCS["STORAGE_POOL_LOOKUP_BY_NAME"]
    assert call_object(proc, proc.args(name="p")) == {"pool": "p"}
    assert call_object(PROCS["CONNECT_GET_HOSTNAME"], None) == {}
