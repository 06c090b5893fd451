"""Every domain event type through libvirt-python (the callback form) and raw legacy
registrations (the legacy form), fired by the model's guest triggers and by the APIs."""

from __future__ import annotations

import libvirt
import pytest
import trio

from fakevirt.client import AsyncClient
from fakevirt.model.events import EventID, GraphicsPhase, MemoryFailureAction, MemoryFailureRecipient
from fakevirt.model.hypervisor import Hypervisor
from fakevirt.testing import serving
from fakevirt.testing.libvirt_events import ensure_event_loop, wait_for
from protocol import Proc
from protocol.remote import events as ev
from protocol.remote.domain import DomainCreateArgs, DomainDefineXmlArgs

from .conftest import error_of

DISK, CD = "/var/lib/libvirt/images/ev.qcow2", "/var/lib/libvirt/images/ev.iso"
XML = f"""<domain type='kvm'><name>ev</name><memory unit='KiB'>65536</memory><vcpu>1</vcpu>
  <os><type arch='x86_64'>hvm</type></os><features><acpi/></features><on_crash>restart</on_crash>
  <devices>
    <disk type='file' device='disk'><driver name='qemu' type='qcow2' error_policy='stop'/>
      <source file='{DISK}'/><target dev='vda' bus='virtio'/></disk>
    <disk type='file' device='cdrom'><source file='{CD}'/><target dev='hdc' bus='ide'/><readonly/></disk>
    <channel type='unix'><target type='virtio' name='org.qemu.guest_agent.0'/></channel>
    <graphics type='vnc' port='5900' autoport='no' listen='127.0.0.1'/>
    <watchdog model='i6300esb' action='reset'/>
  </devices></domain>"""


def images(hv: Hypervisor) -> None:
    hv.images.create(DISK, "qcow2", 16 << 20)
    hv.images.create(CD, "raw", 1 << 20)


@pytest.fixture
def running(fakevirt, fakevirt_uri):
    """A connection with every event ID registered (callback form) and the running domain 'ev'."""
    ensure_event_loop()
    fakevirt.call(images, fakevirt.hypervisor)
    conn = libvirt.open(fakevirt_uri)
    seen: list[tuple] = []
    ids = [conn.domainEventRegisterAny(None, event_id, lambda _c, d, *a, e=event_id: seen.append((e, d.name(), *a[:-1])),
                                       None) for event_id in range(len(EventID))]
    dom = conn.defineXML(XML)
    dom.create()
    model = fakevirt.hypervisor.system.domains
    wait_for(lambda: any(s[0] == libvirt.VIR_DOMAIN_EVENT_ID_LIFECYCLE and s[2] == 2 for s in seen))
    seen.clear()
    yield conn, dom, seen, model, fakevirt
    for i in ids:
        conn.domainEventDeregisterAny(i)
    conn.close()


def take(seen: list, n: int) -> list:
    wait_for(lambda: len(seen) >= n)
    out = list(seen)
    seen.clear()
    return out


E = libvirt


def test_guest_events_in_callback_form(running) -> None:
    conn, dom, seen, model, fv = running
    vm = model.by_name("ev")

    fv.call(model.rtc_change, vm, 3600)
    assert take(seen, 1) == [(E.VIR_DOMAIN_EVENT_ID_RTC_CHANGE, "ev", 3600)]
    fv.call(model.watchdog_fires, vm)  # action='reset': QEMU resets the guest
    assert take(seen, 2) == [(E.VIR_DOMAIN_EVENT_ID_WATCHDOG, "ev", E.VIR_DOMAIN_EVENT_WATCHDOG_RESET),
                             (E.VIR_DOMAIN_EVENT_ID_REBOOT, "ev")]
    fv.call(model.balloon_change, vm, 32768)
    assert take(seen, 1) == [(E.VIR_DOMAIN_EVENT_ID_BALLOON_CHANGE, "ev", 32768)]
    assert dom.info()[2] == 32768
    fv.call(model.tray_moved, vm, "hdc", True)
    assert take(seen, 1) == [(E.VIR_DOMAIN_EVENT_ID_TRAY_CHANGE, "ev", "ide0-1-0", E.VIR_DOMAIN_EVENT_TRAY_CHANGE_OPEN)]
    assert "tray='open'" in dom.XMLDesc()
    fv.call(model.graphics, vm, GraphicsPhase.CONNECT)
    (got,) = take(seen, 1)
    assert got == (E.VIR_DOMAIN_EVENT_ID_GRAPHICS, "ev", E.VIR_DOMAIN_EVENT_GRAPHICS_CONNECT,
                   {"family": 0, "node": "127.0.0.1", "service": "5900"},
                   {"family": 0, "node": "127.0.0.1", "service": "50000"}, "none", [])
    fv.call(model.memory_failure, vm, MemoryFailureRecipient.GUEST, MemoryFailureAction.INJECT, 1)
    assert take(seen, 1) == [(E.VIR_DOMAIN_EVENT_ID_MEMORY_FAILURE, "ev", 1, 1, 1)]
    fv.call(model.memory_device_size_change, vm, "virtiomem0", 1024)
    assert take(seen, 1) == [(E.VIR_DOMAIN_EVENT_ID_MEMORY_DEVICE_SIZE_CHANGE, "ev", "virtiomem0", 1024)]
    fv.call(model.device_removal_failed, vm, "net0")
    assert take(seen, 1) == [(E.VIR_DOMAIN_EVENT_ID_DEVICE_REMOVAL_FAILED, "ev", "net0")]
    fv.call(model.control_error, vm)
    assert take(seen, 1) == [(E.VIR_DOMAIN_EVENT_ID_CONTROL_ERROR, "ev")]
    fv.call(model.emit_tunable, vm, [("cputune.vcpupin0", 7, "0"), ("cputune.cpu_shares", 4, 512)])
    assert take(seen, 1) == [(E.VIR_DOMAIN_EVENT_ID_TUNABLE, "ev", {"cputune.vcpupin0": "0", "cputune.cpu_shares": 512})]
    fv.call(lambda: model.publish(vm, EventID.BLOCK_THRESHOLD, dev="vda", path=DISK, threshold=1024, excess=512))
    assert take(seen, 1) == [(E.VIR_DOMAIN_EVENT_ID_BLOCK_THRESHOLD, "ev", "vda", DISK, 1024, 512)]
    fv.call(lambda: model.publish(vm, EventID.DISK_CHANGE, oldSrcPath=CD, newSrcPath=None, devAlias="ide0-1-0",
                                  reason=1))
    assert take(seen, 1) == [(E.VIR_DOMAIN_EVENT_ID_DISK_CHANGE, "ev", CD, None, "ide0-1-0", 1)]

    fv.call(model.io_error, vm, "vda", "enospc")  # error_policy='stop': the guest pauses
    assert take(seen, 3) == [
        (E.VIR_DOMAIN_EVENT_ID_IO_ERROR, "ev", DISK, "virtio-disk0", E.VIR_DOMAIN_EVENT_IO_ERROR_PAUSE),
        (E.VIR_DOMAIN_EVENT_ID_IO_ERROR_REASON, "ev", DISK, "virtio-disk0", E.VIR_DOMAIN_EVENT_IO_ERROR_PAUSE, "enospc"),
        (E.VIR_DOMAIN_EVENT_ID_LIFECYCLE, "ev", E.VIR_DOMAIN_EVENT_SUSPENDED, E.VIR_DOMAIN_EVENT_SUSPENDED_IOERROR)]
    assert dom.state() == [E.VIR_DOMAIN_PAUSED, E.VIR_DOMAIN_PAUSED_IOERROR]
    dom.resume()
    take(seen, 1)

    fv.call(model.pm_suspended, vm)
    assert take(seen, 2) == [(E.VIR_DOMAIN_EVENT_ID_PMSUSPEND, "ev", 0),
                             (E.VIR_DOMAIN_EVENT_ID_LIFECYCLE, "ev", E.VIR_DOMAIN_EVENT_PMSUSPENDED,
                              E.VIR_DOMAIN_EVENT_PMSUSPENDED_MEMORY)]
    assert dom.state() == [E.VIR_DOMAIN_PMSUSPENDED, 0]
    dom.pMWakeup()
    assert take(seen, 2) == [(E.VIR_DOMAIN_EVENT_ID_PMWAKEUP, "ev", 0),
                             (E.VIR_DOMAIN_EVENT_ID_LIFECYCLE, "ev", E.VIR_DOMAIN_EVENT_STARTED,
                              E.VIR_DOMAIN_EVENT_STARTED_WAKEUP)]
    assert dom.state() == [E.VIR_DOMAIN_RUNNING, E.VIR_DOMAIN_RUNNING_WAKEUP]

    fv.call(model.panic, vm)  # on_crash restart: a fake reboot
    assert take(seen, 3) == [
        (E.VIR_DOMAIN_EVENT_ID_LIFECYCLE, "ev", E.VIR_DOMAIN_EVENT_CRASHED, E.VIR_DOMAIN_EVENT_CRASHED_PANICKED),
        (E.VIR_DOMAIN_EVENT_ID_REBOOT, "ev"),
        (E.VIR_DOMAIN_EVENT_ID_LIFECYCLE, "ev", E.VIR_DOMAIN_EVENT_RESUMED, E.VIR_DOMAIN_EVENT_RESUMED_UNPAUSED)]
    assert dom.state() == [E.VIR_DOMAIN_RUNNING, E.VIR_DOMAIN_RUNNING_CRASHED]

    fv.call(model.pm_suspended, vm, True)  # to disk: the guest then powers off
    assert take(seen, 4) == [
        (E.VIR_DOMAIN_EVENT_ID_PMSUSPEND_DISK, "ev", 0),
        (E.VIR_DOMAIN_EVENT_ID_LIFECYCLE, "ev", E.VIR_DOMAIN_EVENT_PMSUSPENDED, E.VIR_DOMAIN_EVENT_PMSUSPENDED_DISK),
        (E.VIR_DOMAIN_EVENT_ID_LIFECYCLE, "ev", E.VIR_DOMAIN_EVENT_SHUTDOWN, E.VIR_DOMAIN_EVENT_SHUTDOWN_GUEST),
        (E.VIR_DOMAIN_EVENT_ID_LIFECYCLE, "ev", E.VIR_DOMAIN_EVENT_STOPPED, E.VIR_DOMAIN_EVENT_STOPPED_SHUTDOWN)]


def test_api_events_in_callback_form(running) -> None:
    conn, dom, seen, model, fv = running
    dom.setMetadata(E.VIR_DOMAIN_METADATA_ELEMENT, "<a/>", "ex", "http://example.org/x", E.VIR_DOMAIN_AFFECT_LIVE)
    assert take(seen, 1) == [(E.VIR_DOMAIN_EVENT_ID_METADATA_CHANGE, "ev", E.VIR_DOMAIN_METADATA_ELEMENT,
                              "http://example.org/x")]
    dom.updateDeviceFlags("<disk type='file' device='cdrom'><target dev='hdc' bus='ide'/><readonly/></disk>",
                          E.VIR_DOMAIN_AFFECT_LIVE)  # eject
    assert take(seen, 1) == [(E.VIR_DOMAIN_EVENT_ID_TRAY_CHANGE, "ev", "ide0-1-0", E.VIR_DOMAIN_EVENT_TRAY_CHANGE_OPEN)]
    fv.call(lambda: fv.hypervisor.images.create("/var/lib/libvirt/images/b.raw", "raw", 1 << 20))
    disk = ("<disk type='file' device='disk'><driver name='qemu' type='raw'/>"
            "<source file='/var/lib/libvirt/images/b.raw'/><target dev='vdb' bus='virtio'/></disk>")
    dom.attachDeviceFlags(disk, E.VIR_DOMAIN_AFFECT_LIVE)
    assert take(seen, 1) == [(E.VIR_DOMAIN_EVENT_ID_DEVICE_ADDED, "ev", "virtio-disk1")]
    dom.detachDeviceFlags(disk, E.VIR_DOMAIN_AFFECT_LIVE)
    assert take(seen, 1) == [(E.VIR_DOMAIN_EVENT_ID_DEVICE_REMOVED, "ev", "virtio-disk1")]
    dom.setMemoryFlags(32768, E.VIR_DOMAIN_AFFECT_LIVE)  # the guest's balloon driver follows
    assert take(seen, 1) == [(E.VIR_DOMAIN_EVENT_ID_BALLOON_CHANGE, "ev", 32768)]
    dom.injectNMI()
    dom.sendKey(E.VIR_KEYCODE_SET_LINUX, 50, [30, 31], 2, 0)
    vm = model.by_name("ev")
    assert vm.guest_input.nmis == 1 and [k.keycodes for k in vm.guest_input.keys] == [(30, 31)]
    dom.coreDumpWithFormat("/var/lib/libvirt/images/ev.core", E.VIR_DOMAIN_CORE_DUMP_FORMAT_RAW, 0)
    events = take(seen, 5)
    assert [e[0] for e in events] == [E.VIR_DOMAIN_EVENT_ID_LIFECYCLE, E.VIR_DOMAIN_EVENT_ID_MIGRATION_ITERATION,
                                      E.VIR_DOMAIN_EVENT_ID_MIGRATION_ITERATION, E.VIR_DOMAIN_EVENT_ID_JOB_COMPLETED,
                                      E.VIR_DOMAIN_EVENT_ID_LIFECYCLE]
    stats = events[3][2]
    assert stats["operation"] == E.VIR_DOMAIN_JOB_OPERATION_DUMP and stats["memory_page_size"] == 4096
    assert stats["memory_total"] == 65536 * 1024 + 4653056
    assert fv.call(fv.hypervisor.images.exists, "/var/lib/libvirt/images/ev.core")
    assert "last_update" in str(dom.memoryStats()) and dom.memoryStats()["last_update"] == 0


def test_guest_api_refusals(running) -> None:
    conn, dom, seen, model, fv = running
    Q, D = E.VIR_FROM_QEMU, E.VIR_FROM_DOMAIN
    assert error_of(dom.pMSuspendForDuration, 0, 0, 0) == (
        E.VIR_ERR_AGENT_UNRESPONSIVE, Q, "Guest agent is not responding: QEMU guest agent is not connected")
    assert error_of(dom.pMSuspendForDuration, 5, 0, 0) == (
        E.VIR_ERR_INVALID_ARG, Q, "invalid argument: Unknown suspend target: 5")
    assert error_of(dom.pMSuspendForDuration, 0, 10, 0) == (
        E.VIR_ERR_ARGUMENT_UNSUPPORTED, Q, "argument unsupported: Duration not supported. Use 0 for now")
    assert error_of(dom.pMSuspendForDuration, 0, 0, 1) == (
        E.VIR_ERR_INVALID_ARG, Q, "unsupported flags (0x1) in function qemuDomainPMSuspendForDuration")
    assert error_of(dom.pMWakeup, 1) == (
        E.VIR_ERR_INVALID_ARG, Q, "unsupported flags (0x1) in function qemuDomainPMWakeup")
    assert error_of(dom.injectNMI, 1 << 31) == (
        E.VIR_ERR_INVALID_ARG, Q, "unsupported flags (0x80000000) in function qemuDomainInjectNMI")
    assert error_of(dom.sendKey, 0, 0, [30], 1, 5) == (
        E.VIR_ERR_INVALID_ARG, Q, "unsupported flags (0x5) in function qemuDomainSendKey")
    assert error_of(dom.sendKey, 0, 0, [100000], 1, 0) == (
        E.VIR_ERR_INTERNAL_ERROR, Q, "internal error: cannot translate keycode 100000 of linux codeset to qnum keycode")
    assert error_of(dom.sendProcessSignal, 1, 15, 0) == (
        E.VIR_ERR_NO_SUPPORT, D, "this function is not supported by the connection driver: virDomainSendProcessSignal")
    assert error_of(dom.coreDumpWithFormat, "/var/lib/libvirt/images/x", 1, 0) == (
        E.VIR_ERR_OPERATION_UNSUPPORTED, Q,
        "Operation not supported: kdump-compressed format is only supported with memory-only dump")
    assert error_of(dom.coreDump, "/var/lib/libvirt/images/x", 1 << 10) == (
        E.VIR_ERR_INVALID_ARG, Q, "unsupported flags (0x400) in function qemuDomainCoreDumpWithFormat")
    dom.destroy()
    for call in (lambda: dom.injectNMI(), lambda: dom.sendKey(0, 0, [30], 1, 0), lambda: dom.pMWakeup(),
                 lambda: dom.coreDumpWithFormat("/var/lib/libvirt/images/x", 0, 0)):
        assert error_of(call) == (E.VIR_ERR_OPERATION_INVALID, D, "Requested operation is not valid: domain is not running")
    assert error_of(dom.pMSuspendForDuration, 0, 0, 0) == (
        E.VIR_ERR_OPERATION_INVALID, Q, "Requested operation is not valid: domain is not running")


@pytest.mark.real
def test_guest_api_refusals_real(reference_uri) -> None:
    """The refusals of a running domain with an agent channel and no agent, on the reference."""
    conn = libvirt.open(reference_uri)
    try:
        dom = conn.createXML("""<domain type='qemu'><name>evt-refusals</name><memory unit='KiB'>65536</memory>
          <vcpu>1</vcpu><features><acpi/></features><os><type arch='x86_64'>hvm</type></os><devices>
          <channel type='unix'><target type='virtio' name='org.qemu.guest_agent.0'/></channel></devices></domain>""")
    except libvirt.libvirtError:
        conn.lookupByName("evt-refusals").destroy()
        raise
    Q = E.VIR_FROM_QEMU
    try:
        assert error_of(dom.pMSuspendForDuration, 0, 0, 0) == (
            E.VIR_ERR_AGENT_UNRESPONSIVE, Q, "Guest agent is not responding: QEMU guest agent is not connected")
        assert error_of(dom.pMSuspendForDuration, 0, 10, 0)[0] == E.VIR_ERR_ARGUMENT_UNSUPPORTED
        assert error_of(dom.sendKey, 0, 0, [100000], 1, 0)[2] == (
            "internal error: cannot translate keycode 100000 of linux codeset to qnum keycode")
        assert error_of(dom.pMWakeup, 0)[2] == ("internal error: unable to execute QEMU command 'system_wakeup': "
                                                "Unable to wake up: guest is not in suspended state")
        assert error_of(dom.coreDumpWithFormat, "/tmp/x", 1, 0)[0] == E.VIR_ERR_OPERATION_UNSUPPORTED
        dom.injectNMI()
        dom.sendKey(0, 0, [30], 1, 0)
    finally:
        dom.destroy()
        conn.close()


async def test_legacy_registrations_get_legacy_messages() -> None:
    """REGISTER_ANY (no callback support): events with two forms come as the legacy message; the
    newer ones keep their only form, carrying the registration's callback ID."""
    hv = Hypervisor()
    images(hv)
    with trio.fail_after(20):
        async with serving(hv) as (_, bound), AsyncClient.connect("tcp://" + bound[0].address) as c:
            await c.open()
            for event_id in (EventID.WATCHDOG, EventID.PMWAKEUP, EventID.DEVICE_REMOVAL_FAILED, EventID.RTC_CHANGE):
                await c.call(Proc.CONNECT_DOMAIN_EVENT_REGISTER_ANY, ev.ConnectDomainEventRegisterAnyArgs(eventID=event_id))
            dom = (await c.call(Proc.DOMAIN_DEFINE_XML, DomainDefineXmlArgs(xml=XML))).dom
            await c.call(Proc.DOMAIN_CREATE, DomainCreateArgs(dom=dom))
            domains = hv.system.domains
            vm = domains.by_name("ev")
            domains.watchdog_fires(vm)
            domains.rtc_change(vm, -60)
            domains.pm_suspended(vm)
            domains.pm_wakeup(vm, 0)
            domains.device_removal_failed(vm, "net0")
            got = [await c.events.receive() for _ in range(4)]
    assert [(m.procedure, type(m.body)) for m in got] == [
        (Proc.DOMAIN_EVENT_WATCHDOG, ev.DomainEventWatchdogMsg), (Proc.DOMAIN_EVENT_RTC_CHANGE, ev.DomainEventRtcChangeMsg),
        (Proc.DOMAIN_EVENT_PMWAKEUP, ev.DomainEventPmwakeupMsg),
        (Proc.DOMAIN_EVENT_CALLBACK_DEVICE_REMOVAL_FAILED, ev.DomainEventCallbackDeviceRemovalFailedMsg)]
    assert got[0].body.action == 2 and got[1].body.offset == -60 and got[0].body.dom.name == "ev"
    assert (got[3].body.callbackID, got[3].body.devAlias) == (3, "net0")
