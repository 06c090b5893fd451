"""The domain model without a server: lifecycle rules, events, errors (plain Python)."""

from __future__ import annotations

import uuid

import pytest

from fakevirt.errors import ErrorCode, VirtError
from fakevirt.model.clock import ManualClock
from fakevirt.model.domain import Paused, Running, Shutoff, State
from fakevirt.model.domaindef import DomainDef
from fakevirt.model.events import DomainEvent, EventID, Lifecycle
from fakevirt.model.hypervisor import Hypervisor
from fakevirt.model.images import Owner


def make(name: str = "vm", n: int = 1) -> DomainDef:
    return DomainDef(name=name, uuid=uuid.UUID(int=n), memory_kib=65536, current_memory_kib=65536,
                     vcpus=2, current_vcpus=1)


@pytest.fixture
def hv() -> Hypervisor:
    return Hypervisor(clock=ManualClock())


@pytest.fixture
def events(hv: Hypervisor) -> list[tuple[str, int, int]]:
    seen: list[tuple[str, int, int]] = []

    def record(e: DomainEvent) -> None:
        if e.event_id == EventID.LIFECYCLE:
            seen.append((e.domain.name, e.data["event"], e.data["detail"]))

    hv.bus.subscribe(DomainEvent, record)
    return seen


def test_lifecycle_with_states_reasons_and_events(hv: Hypervisor, events: list) -> None:
    domains = hv.system.domains
    dom = domains.define(make())
    assert (dom.state, dom.reason, dom.id) == (State.SHUTOFF, Shutoff.UNKNOWN, -1)
    domains.start(dom)
    assert (dom.state, dom.reason, dom.id) == (State.RUNNING, Running.BOOTED, 1)
    domains.suspend(dom)
    assert (dom.state, dom.reason) == (State.PAUSED, Paused.USER)
    domains.resume(dom)
    domains.shutdown(dom)
    assert (dom.state, dom.reason, dom.id) == (State.SHUTOFF, Shutoff.SHUTDOWN, -1)
    domains.start(dom, flags=1)  # START_PAUSED
    assert dom.id == 2 and dom.state == State.PAUSED
    domains.destroy(dom)
    domains.undefine(dom)
    assert len(domains) == 0
    L = Lifecycle
    assert [(e, d) for _, e, d in events] == [
        (L.DEFINED, 0), (L.RESUMED, 0), (L.STARTED, 0), (L.SUSPENDED, 0), (L.RESUMED, 0), (L.SHUTDOWN, 1),
        (L.STOPPED, 0), (L.STARTED, 0), (L.SUSPENDED, 0), (L.SHUTDOWN, 2), (L.STOPPED, 1), (L.UNDEFINED, 0)]


def test_system_and_session_are_separate(hv: Hypervisor) -> None:
    hv.system.domains.define(make())
    assert len(hv.session.domains) == 0


@pytest.mark.parametrize("op, message", [
    (lambda d, x: d.destroy(x), "Requested operation is not valid: domain is not running"),
    (lambda d, x: d.suspend(x), "Requested operation is not valid: domain is not running"),
    (lambda d, x: d.resume(x), "Requested operation is not valid: domain is not running"),
    (lambda d, x: d.shutdown(x), "Requested operation is not valid: domain is not running"),
    (lambda d, x: d.start(x, flags=1 << 10), "unsupported flags (0x400) in function qemuDomainCreateWithFlags"),
])
def test_refusals(hv: Hypervisor, op, message: str) -> None:
    domains = hv.system.domains
    dom = domains.define(make())
    with pytest.raises(VirtError) as e:
        op(domains, dom)
    assert e.value.message == message


def test_define_clashes(hv: Hypervisor) -> None:
    domains = hv.system.domains
    domains.define(make("a", 1))
    with pytest.raises(VirtError) as e:
        domains.define(make("a", 2))
    assert e.value.code == ErrorCode.OPERATION_FAILED
    assert e.value.message == f"operation failed: domain 'a' already exists with uuid {uuid.UUID(int=1)}"
    with pytest.raises(VirtError) as e:
        domains.define(make("b", 1))
    assert e.value.message == f"operation failed: domain 'a' is already defined with uuid {uuid.UUID(int=1)}"


def test_redefine_running_domain_changes_next_boot_only(hv: Hypervisor) -> None:
    domains = hv.system.domains
    dom = domains.define(make())
    domains.start(dom)
    new = make()
    new.memory_kib = new.current_memory_kib = 131072
    domains.define(new)
    assert dom.updated and dom.definition.memory_kib == 65536
    domains.destroy(dom)
    domains.start(dom)
    assert dom.definition.memory_kib == 131072 and not dom.updated


def test_transient_domain_vanishes_and_autodestroy(hv: Hypervisor) -> None:
    domains = hv.system.domains
    t = domains.create_transient(make("t"))
    assert t.active and not t.persistent
    domains.destroy(t)
    assert domains.find_name("t") is None
    a = domains.create_transient(make("auto", 5), flags=2, client_id=7)  # START_AUTODESTROY
    domains.client_closed(8)
    assert a.active
    domains.client_closed(7)
    assert domains.find_name("auto") is None


def test_managed_save_resumes_saved_state(hv: Hypervisor) -> None:
    domains = hv.system.domains
    dom = domains.define(make())
    domains.start(dom)
    domains.suspend(dom)
    domains.managed_save(dom)
    assert (dom.state, dom.reason) == (State.SHUTOFF, Shutoff.SAVED) and dom.managed_save is not None
    with pytest.raises(VirtError, match="Refusing to undefine while domain managed save image exists"):
        domains.undefine(dom)
    domains.start(dom)  # a paused guest comes back paused
    assert dom.state == State.PAUSED and dom.managed_save is None


def test_save_restore_by_path(hv: Hypervisor) -> None:
    domains = hv.system.domains
    dom = domains.define(make())
    domains.start(dom)
    domains.save(dom, "/var/lib/save.img", None)
    assert not dom.active
    restored = domains.restore("/var/lib/save.img", None)
    assert restored is dom and (dom.state, dom.reason) == (State.RUNNING, Running.RESTORED)
    with pytest.raises(VirtError) as e:
        domains.restore("/nope", None)
    assert e.value.code == ErrorCode.SYSTEM_ERROR


def test_cpu_time_runs_only_while_running(hv: Hypervisor) -> None:
    clock = hv.clock
    assert isinstance(clock, ManualClock)
    domains = hv.system.domains
    dom = domains.define(make())
    domains.start(dom)
    clock.advance(100)
    t1 = domains.cpu_time(dom)
    assert t1 > 0
    domains.suspend(dom)
    clock.advance(100)
    assert domains.cpu_time(dom) == t1
    domains.resume(dom)
    clock.advance(100)
    assert domains.cpu_time(dom) > t1


def test_vcpus_and_memory_with_affect_flags(hv: Hypervisor) -> None:
    domains = hv.system.domains
    dom = domains.define(make())
    domains.set_vcpus(dom, 2, 2)  # CONFIG
    assert dom.definition.current_vcpus == 2
    with pytest.raises(VirtError) as e:
        domains.set_vcpus(dom, 3, 2)
    assert "greater than max allowable vcpus for the persistent domain: 3 > 2" in e.value.message
    domains.start(dom)
    with pytest.raises(VirtError, match="cannot resize the maximum memory on an active domain"):
        domains.set_memory(dom, 1, 1 | 4)
    domains.set_memory(dom, 32768, 1)
    assert dom.definition.current_memory_kib == 32768
    with pytest.raises(VirtError, match="cannot set memory higher than max memory"):
        domains.set_memory(dom, 10**9, 1)


def test_list_filters(hv: Hypervisor) -> None:
    driver = hv.system
    a, b = driver.domains.define(make("a", 1)), driver.domains.define(make("b", 2))
    driver.domains.start(b)
    driver.domains.set_autostart(a, True)
    names = lambda flags: sorted(d.name for d in driver.list_all_domains(flags))  # noqa: E731
    assert names(0) == ["a", "b"]
    assert names(1) == ["b"] and names(2) == ["a"]
    assert names(1 | 2) == ["a", "b"]
    assert names(1 << 10) == ["a"] and names(1 << 11) == ["b"]
    assert names(1 << 4) == ["b"] and names(1 << 6) == ["a"]
    with pytest.raises(VirtError):
        driver.list_all_domains(1 << 16)


def test_guest_io_through_the_disk_chain(hv: Hypervisor) -> None:
    from fakevirt.model.devices import Disk

    images = hv.images
    images.create("/img/base.qcow2", "qcow2", 1 << 20)
    images.write("/img/base.qcow2", 0, b"base" * 4)
    images.create("/img/top.qcow2", "qcow2", backing="/img/base.qcow2", backing_fmt="qcow2")
    d = make()
    d.disks.append(Disk(type="file", device="disk", driver_name="qemu", driver_type="qcow2",
                        source="/img/top.qcow2", target_dev="vda", target_bus="virtio"))
    domains = hv.system.domains
    dom = domains.define(d)
    with pytest.raises(VirtError, match="domain is not running"):
        domains.guest_read(dom, "vda", 0, 4)
    domains.start(dom)
    assert domains.guest_read(dom, "vda", 0, 8) == b"basebase"
    domains.guest_write(dom, "vda", 4, b"TOP!")
    assert domains.guest_read(dom, "vda", 0, 8) == b"baseTOP!"
    assert images.read("/img/base.qcow2", 0, 8) == b"basebase"  # copy-on-write: the base is untouched
    assert Owner.disk(str(dom.uuid), "vda") in images.users("/img/top.qcow2")
    domains.destroy(dom)
    assert images.users("/img/top.qcow2") == []


def test_reset_gives_exactly_a_fresh_hypervisor() -> None:
    """Ids generated after a reset do not depend on what ran before it."""
    fresh = Hypervisor(seed=7, clock=ManualClock())
    used = Hypervisor(seed=7, clock=ManualClock())
    used.system.domains.define(make("before"))
    for _ in range(3):
        used.rng.uuid(), used.rng.mac()
    used.reset()
    assert [used.rng.uuid(), used.rng.mac()] == [fresh.rng.uuid(), fresh.rng.mac()]
    assert not list(used.system.domains) and not used.faults.take("CONNECT_GET_HOSTNAME")


def test_host_resources_are_taken_at_boot_and_given_back_at_stop(hv: Hypervisor) -> None:
    """A refusing resource keeps the domain off and undoes what the ones before it took."""
    from fakevirt.model.domain import Domain as ModelDomain
    from fakevirt.model.domaindef import DomainDef as Def

    log: list[str] = []

    class Recorder:
        def __init__(self, name: str, refuse: bool = False) -> None:
            self.name, self.refuse = name, refuse

        def acquire(self, dom: ModelDomain, live: Def) -> None:
            if self.refuse:
                raise VirtError.operation_invalid(f"{self.name} says no")
            log.append(f"+{self.name}:{dom.name}")

        def release(self, dom: ModelDomain) -> None:
            log.append(f"-{self.name}:{dom.name}")

    domains = hv.system.domains
    vm = domains.define(make("vm"))
    hv.resources[:] = [Recorder("net"), Recorder("secret")]
    domains.start(vm)
    domains.destroy(vm)
    assert log == ["+net:vm", "+secret:vm", "-secret:vm", "-net:vm"]
    log.clear()
    hv.resources.append(Recorder("hostdev", refuse=True))
    with pytest.raises(VirtError, match="hostdev says no"):
        domains.start(vm)
    assert log == ["+net:vm", "+secret:vm", "-secret:vm", "-net:vm"] and not vm.active
