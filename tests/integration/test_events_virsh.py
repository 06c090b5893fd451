"""Event sequences through ``virsh event --all --loop`` while another virsh drives a domain, as
libvirtd 9.0 with QEMU 7.2 sends them (recorded against the reference with a TCG guest); the
``real`` twin runs the same scenario against the reference and compares line by line."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from .conftest import err, ok
from .virsh_events import VirshEvents, scenario_dir

NAME = "evt-twin"
DIR = "/tmp/evt-twin"
DOMAIN_XML = f"""<domain type='qemu'>
  <name>{NAME}</name>
  <memory unit='KiB'>65536</memory>
  <vcpu>1</vcpu>
  <features><acpi/></features>
  <os><type arch='x86_64' machine='pc'>hvm</type></os>
  <devices>
    <disk type='file' device='disk'>
      <driver name='qemu' type='qcow2'/>
      <source file='{DIR}/vm.qcow2'/>
      <target dev='vda' bus='virtio'/>
    </disk>
    <disk type='file' device='cdrom'>
      <source file='{DIR}/cd.iso'/>
      <target dev='hdc' bus='ide'/>
      <readonly/>
    </disk>
    <channel type='unix'>
      <target type='virtio' name='org.qemu.guest_agent.0'/>
    </channel>
    <input type='tablet' bus='usb'/>
    <graphics type='vnc' port='-1' autoport='yes' listen='127.0.0.1'/>
    <watchdog model='i6300esb' action='pause'/>
  </devices>
</domain>
"""
AGENT_STARTED = "'agent-lifecycle': state: 'disconnected' reason: 'domain started'"
AGENT_CHANNEL = "'agent-lifecycle': state: 'disconnected' reason: 'channel event'"
ITERATIONS = ["'migration-iteration': iteration: '1'", "'migration-iteration': iteration: '2'"]
JOB = ["'job-completed':", *(f"\t{k}" for k in (
    "operation", "time_elapsed", "downtime", "setup_time", "data_total", "data_processed", "data_remaining",
    "memory_total", "memory_processed", "memory_remaining", "memory_bps", "memory_constant", "memory_normal",
    "memory_normal_bytes", "memory_dirty_rate", "memory_iteration", "memory_postcopy_requests",
    "memory_page_size"))]
LIVE_JOB = [line for line in JOB if line != "\tmemory_bps"]


def L(*details: str) -> list[str]:
    return [f"'lifecycle': {d}" for d in details]


# (virsh arguments, the events it causes) — what the reference printed, values of job-completed aside
SCENARIO: list[tuple[tuple[str, ...], list[str]]] = [
    (("start", NAME), [AGENT_STARTED, *L("Resumed Unpaused", "Started Booted")]),
    (("suspend", NAME), L("Suspended Paused")),
    (("resume", NAME), L("Resumed Unpaused")),
    (("destroy", NAME), L("Shutdown Finished after host request", "Stopped Destroyed")),
    (("start", NAME, "--paused"), [AGENT_STARTED, *L("Started Booted", "Suspended Paused")]),
    (("save", NAME, f"{DIR}/p.sav"), [*ITERATIONS, *JOB, *L("Stopped Saved")]),
    (("restore", f"{DIR}/p.sav"), [AGENT_STARTED, *L("Started Restored", "Suspended Restored")]),
    (("resume", NAME), [*L("Resumed Unpaused"), AGENT_CHANNEL]),
    (("save", NAME, f"{DIR}/r.sav"), [*L("Suspended Paused"), *ITERATIONS, *JOB, *L("Stopped Saved")]),
    (("restore", f"{DIR}/r.sav"), [AGENT_STARTED, *L("Started Restored", "Resumed Snapshot"), AGENT_CHANNEL]),
    (("domstate", NAME, "--reason"), []),  # running (restored)
    (("save", NAME, f"{DIR}/r2.sav"), [*L("Suspended Paused"), *ITERATIONS, *JOB, *L("Stopped Saved")]),
    (("restore", f"{DIR}/r2.sav", "--paused"), [AGENT_STARTED, *L("Started Restored", "Suspended Restored")]),
    (("domstate", NAME, "--reason"), []),  # paused (migrating)
    (("resume", NAME), [*L("Resumed Unpaused"), AGENT_CHANNEL]),
    (("snapshot-create-as", NAME, "s1"), [*L("Suspended Paused"), *ITERATIONS, *L("Resumed Unpaused")]),
    (("snapshot-revert", NAME, "s1"), [*L("Stopped Snapshot"), AGENT_STARTED,
                                       *L("Started Snapshot", "Resumed Snapshot", "Defined Snapshot"), AGENT_CHANNEL]),
    (("snapshot-revert", NAME, "s1", "--paused"), [*L("Stopped Snapshot"), AGENT_STARTED,
                                                   *L("Started Snapshot", "Suspended Snapshot", "Defined Snapshot")]),
    (("resume", NAME), [*L("Resumed Unpaused"), AGENT_CHANNEL]),
    (("change-media", NAME, "hdc", "--eject", "--live"), ["'tray-change' disk ide0-1-0: opened"]),
    (("change-media", NAME, "hdc", f"{DIR}/cd.iso", "--insert", "--live"), ["'tray-change' disk ide0-1-0: closed"]),
    (("change-media", NAME, "hdc", f"{DIR}/cd.iso", "--update", "--live"),
     ["'tray-change' disk ide0-1-0: opened", "'tray-change' disk ide0-1-0: closed"]),
    (("attach-disk", NAME, f"{DIR}/extra.raw", "vdb", "--live"), ["'device-added': virtio-disk1"]),
    (("inject-nmi", NAME), []),
    (("send-key", NAME, "KEY_A"), []),
    (("dump", NAME, f"{DIR}/m.dump", "--memory-only"), L("Suspended Paused", "Resumed Unpaused")),
    (("dump", NAME, f"{DIR}/d.dump"), [*L("Suspended Paused"), *ITERATIONS, *JOB, *L("Resumed Unpaused")]),
    (("dump", NAME, f"{DIR}/l.dump", "--live"),
     [ITERATIONS[0], *L("Suspended Paused"), ITERATIONS[1], *LIVE_JOB, *L("Resumed Unpaused")]),
    (("managedsave", NAME), [*L("Suspended Paused"), *ITERATIONS, *JOB, *L("Stopped Saved")]),
    (("start", NAME, "--paused"), [AGENT_STARTED, *L("Started Restored", "Suspended Paused")]),
    (("resume", NAME), [*L("Resumed Unpaused"), AGENT_CHANNEL]),
    # (the refusals run here: the failed win-dmp dump paused and resumed the guest)
    (("dump", NAME, f"{DIR}/c.dump", "--crash"), [*L("Suspended Paused", "Resumed Unpaused", "Suspended Paused"),
                                                 *ITERATIONS, *JOB, *L("Stopped Crashed")]),
    (("undefine", NAME, "--snapshots-metadata"), L("Undefined Removed")),
]
# refusals on the running domain: (virsh arguments, error text)
REFUSALS = [
    (("dompmsuspend", NAME, "mem"), "error: Domain 'evt-twin' could not be suspended\n"
     "error: Guest agent is not responding: QEMU guest agent is not connected"),
    (("dompmwakeup", NAME), "error: Domain 'evt-twin' could not be woken up\nerror: internal error: unable to "
     "execute QEMU command 'system_wakeup': Unable to wake up: guest is not in suspended state"),
    (("send-process-signal", NAME, "1", "15"),
     "error: this function is not supported by the connection driver: virDomainSendProcessSignal"),
    (("dump", NAME, f"{DIR}/x.dump", "--memory-only", "--format", "win-dmp"),
     f"error: Failed to core dump domain '{NAME}' to {DIR}/x.dump\n"
     "error: operation failed: memory-only dump failed: win-dump: invalid vmcoreinfo note size"),
]


def run(virsh_bin: str, uri: str, virsh: Callable[..., object]) -> tuple[list[str], list[str]]:
    """Drive the scenario; returns every event line in order, and the texts of the state
    queries and refusals."""
    ok(virsh("define", f"{DIR}/dom.xml"))
    ok(virsh("start", NAME))
    watcher = VirshEvents(virsh_bin, uri, virsh, NAME, only_domain=True)
    events: list[str] = []
    texts: list[str] = []
    try:
        ok(virsh("destroy", NAME))
        watcher.sync()
        for args, _ in SCENARIO:
            if args[0] == "dump" and "--crash" in args:
                texts += [err(virsh(*a)) for a, _ in REFUSALS]
                events += watcher.sync() or []
            out = ok(virsh(*args))
            if args[0] == "domstate":
                texts.append(out.strip())
            got = watcher.sync() if args[0] != "undefine" else None
            if got is None:  # the probe needs the domain: after undefine, wait for the last event
                got = [watcher.clean(watcher.lines.get(timeout=20))]
            events += got
    finally:
        watcher.close()
    return events, texts


def expected_events() -> list[str]:
    return [e for _, events in SCENARIO for e in events]


def expected_texts() -> list[str]:
    return ["running (restored)", "paused (migrating)", *(text for _, text in REFUSALS)]


IMAGES = {"vm.qcow2": ("qcow2", 16 << 20), "cd.iso": ("raw", 1 << 20), "extra.raw": ("raw", 1 << 20)}


def test_event_sequences_as_libvirtd_sends_them(virsh_bin, fakevirt, fakevirt_uri, virsh) -> None:
    scenario_dir(DIR, DOMAIN_XML, IMAGES, fakevirt)
    events, texts = run(virsh_bin, fakevirt_uri, virsh)
    assert events == expected_events()
    assert texts == expected_texts()


@pytest.mark.real
def test_event_sequences_real(virsh_bin, reference_uri, virsh) -> None:
    """The same scenario against the reference libvirtd with a TCG guest."""
    scenario_dir(DIR, DOMAIN_XML, IMAGES)
    virsh("destroy", NAME, uri=reference_uri)
    virsh("managedsave-remove", NAME, uri=reference_uri)
    virsh("undefine", NAME, "--snapshots-metadata", uri=reference_uri)
    try:
        events, texts = run(virsh_bin, reference_uri, lambda *a, **k: virsh(*a, uri=reference_uri, **k))
    finally:
        virsh("destroy", NAME, uri=reference_uri)
        virsh("managedsave-remove", NAME, uri=reference_uri)
        virsh("undefine", NAME, "--snapshots-metadata", uri=reference_uri)

    def timeless(lines: list[str]) -> list[str]:  # QEMU leaves out the bandwidth of a pass too short to time
        return [line for line in lines if line != "\tmemory_bps"]
    assert timeless(events) == timeless(expected_events())
    assert texts == expected_texts()
