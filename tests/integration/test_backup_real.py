"""Backups twinned with the reference libvirtd (QEMU TCG): the same pull backups with checkpoints
on the same disk content, observed the same way on both — backup-dumpxml, job stats, checkpoint
XML with --size, ``nbdinfo --map`` of the data and of the dirty bitmap, ``qemu-img compare`` of
the export against the disk — and the same errors when the NBD listener cannot be bound."""

from __future__ import annotations

import json
import re
import shutil
import socket
import subprocess
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import libvirt
import libvirt_qemu
import pytest

from fakevirt.model.images.interop import export_chain
from fakevirt.testing import ThreadedServer
from fakevirt.testing.libvirt_events import ensure_event_loop, wait_for

pytestmark = [pytest.mark.real, pytest.mark.skipif(
    any(shutil.which(t) is None for t in ("qemu-img", "qemu-io", "nbdinfo")),
    reason="qemu-img, qemu-io (qemu-utils) and nbdinfo (libnbd-bin) are needed")]

DIR = "/var/lib/libvirt/images/fakevirt-bktwin"
IMG = f"{DIR}/vm.qcow2"
MIB = 1 << 20
WRITES = [(0, 0x41, 70000), (4 * MIB, 0x42, 65536)]  # before the backups
LATER = (1 * MIB, 0x43, 4096)  # a guest write between the two backups


def domain_xml(kind: str) -> str:
    return f"""<domain type='{kind}'><name>fakevirt-bktwin</name><memory unit='MiB'>64</memory><vcpu>1</vcpu>
<os><type arch='x86_64'>hvm</type></os><devices>
<disk type='file' device='disk'><driver name='qemu' type='qcow2'/><source file='{IMG}'/>
<target dev='vda' bus='virtio'/></disk></devices></domain>"""


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class Side:
    """One twin: a running domain and how to write as its guest and read its disk file."""

    def __init__(self, dom: libvirt.virDomain, guest_write: Callable[[int, int, int], None],
                 disk_file: Callable[[], str], backing: Callable[[str], Any]) -> None:
        self.dom, self.guest_write, self.disk_file, self.backing = dom, guest_write, disk_file, backing


def _undefine(conn: libvirt.virConnect) -> None:
    try:
        dom = conn.lookupByName("fakevirt-bktwin")
    except libvirt.libvirtError:
        return
    if dom.isActive():
        dom.destroy()
    dom.undefineFlags(libvirt.VIR_DOMAIN_UNDEFINE_CHECKPOINTS_METADATA)


@pytest.fixture
def reference(reference_uri: str) -> Iterator[Side]:
    conn = libvirt.open(reference_uri)
    _undefine(conn)
    shutil.rmtree(DIR, ignore_errors=True)
    Path(DIR).mkdir(parents=True)
    subprocess.run(["qemu-img", "create", "-q", "-f", "qcow2", IMG, "16M"], check=True)
    for off, pattern, n in WRITES:
        subprocess.run(["qemu-io", "-f", "qcow2", "-c", f"write -P {pattern} {off} {n}", IMG],
                       check=True, capture_output=True)
    dom = conn.defineXML(domain_xml("qemu"))
    dom.create()

    def guest_write(off: int, pattern: int, n: int) -> None:
        libvirt_qemu.qemuMonitorCommand(
            dom, f'qemu-io -d /machine/peripheral/virtio-disk0/virtio-backend "write -P {pattern} {off} {n}"',
            libvirt_qemu.VIR_DOMAIN_QEMU_MONITOR_COMMAND_HMP)

    def backing(path: str) -> Any:
        out = subprocess.run(["qemu-img", "info", "-U", "--output=json", path], capture_output=True, text=True)
        info = json.loads(out.stdout)
        return info.get("backing-filename"), info.get("backing-filename-format")

    yield Side(dom, guest_write, lambda: IMG, backing)
    _undefine(conn)
    conn.close()
    shutil.rmtree(DIR, ignore_errors=True)


@pytest.fixture
def twin(fakevirt: ThreadedServer, tmp_path: Path) -> Iterator[Side]:
    hv = fakevirt.hypervisor

    def setup() -> None:
        hv.images.create(IMG, "qcow2", 16 * MIB)
        for off, pattern, n in WRITES:
            hv.images.write(IMG, off, bytes([pattern]) * n, force=True)

    fakevirt.call(setup)
    conn = libvirt.open(fakevirt.uri())
    dom = conn.defineXML(domain_xml("kvm"))
    dom.create()

    def guest_write(off: int, pattern: int, n: int) -> None:
        domains = hv.system.domains
        fakevirt.call(lambda: domains.guest_write(domains.by_name("fakevirt-bktwin"), "vda", off, bytes([pattern]) * n))

    def disk_file() -> str:
        return str(fakevirt.call(lambda: export_chain(hv.images, IMG, tmp_path / "disk"))[0])

    def backing(path: str) -> Any:
        info = fakevirt.call(lambda: hv.images.info(path))
        return info.get("backing-filename"), info.get("backing-filename-format")

    yield Side(dom, guest_write, disk_file, backing)
    conn.close()


def _normalized(xml: str, port: int) -> str:
    return xml.replace(f"port='{port}'", "port='PORT'")


def _stats(params: dict[str, Any], *keys: str) -> dict[str, Any]:
    return {k: params.get(k) for k in ("type", *keys)}


def _checkpoint(dom: libvirt.virDomain, name: str) -> str:
    xml = dom.checkpointLookupByName(name).getXMLDesc(
        libvirt.VIR_DOMAIN_CHECKPOINT_XML_NO_DOMAIN | libvirt.VIR_DOMAIN_CHECKPOINT_XML_SIZE)
    return re.sub(r"<creationTime>\d+</creationTime>", "", xml)


def _pull(side: Side, backup: str, checkpoint: str) -> dict[str, Any]:
    """Begin a pull backup, look at it every way, abort it; what was seen."""
    port = free_port()
    uri = f"nbd://127.0.0.1:{port}/vda"
    side.dom.backupBegin(backup.format(port=port), checkpoint, 0)
    seen: dict[str, Any] = {"xml": _normalized(side.dom.backupGetXMLDesc(), port)}
    scratch = re.search(r"<scratch file='([^']+)'", seen["xml"])
    seen["scratch backing"] = side.backing(scratch.group(1)) if scratch else None
    seen["stats"] = _stats(side.dom.jobStats(), "operation", "disk_temp_used", "disk_temp_total")
    seen["map"] = subprocess.run(["nbdinfo", "--map", uri], capture_output=True, text=True, timeout=30).stdout
    if "<incremental>" in backup:
        seen["dirty"] = subprocess.run(["nbdinfo", "--map=qemu:dirty-bitmap:backup-vda", uri],
                                       capture_output=True, text=True, timeout=30).stdout
    else:  # the export equals the disk while nothing writes
        cmp = subprocess.run(["qemu-img", "compare", "-U", "-f", "raw", "-F", "qcow2", uri, side.disk_file()],
                             capture_output=True, text=True, timeout=60)
        seen["compare"] = (cmp.returncode, cmp.stdout)
    side.dom.abortJob()  # the reference ends the job a moment later
    flags = libvirt.VIR_DOMAIN_JOB_STATS_COMPLETED | libvirt.VIR_DOMAIN_JOB_STATS_KEEP_COMPLETED
    wait_for(lambda: side.dom.jobStats(flags)["type"] != libvirt.VIR_DOMAIN_JOB_NONE, timeout=10)
    seen["completed"] = _stats(side.dom.jobStats(flags), "success", "errmsg")
    return seen


def scenario(side: Side) -> dict[str, Any]:
    pull = "<domainbackup mode='pull'>{inc}<server transport='tcp' name='127.0.0.1' port='{{port}}'/></domainbackup>"
    seen = {"full": _pull(side, pull.format(inc=""), "<domaincheckpoint><name>tw1</name></domaincheckpoint>")}
    side.guest_write(*LATER)
    seen["tw1"] = _checkpoint(side.dom, "tw1")
    seen["incremental"] = _pull(side, pull.format(inc="<incremental>tw1</incremental>"),
                                "<domaincheckpoint><name>tw2</name></domaincheckpoint>")
    seen["checkpoints"] = sorted(c.getName() for c in side.dom.listAllCheckpoints())
    return seen


def test_pull_backups_with_checkpoints_as_the_reference(reference: Side, twin: Side) -> None:
    real = scenario(reference)
    assert real["full"]["compare"] == (0, "Images are identical.\n")
    assert "size='65536'" in real["tw1"]
    assert real["full"]["scratch backing"] == (IMG, "qcow2")
    got = scenario(twin)
    for key in real:
        assert (key, got[key]) == (key, real[key])


def bind_failure(side: Side, busy: int) -> tuple[int, str, int, list[str]]:
    with pytest.raises(libvirt.libvirtError) as e:
        side.dom.backupBegin(f"<domainbackup mode='pull'><server transport='tcp' name='127.0.0.1' port='{busy}'/>"
                             "</domainbackup>", "<domaincheckpoint><name>tb</name></domaincheckpoint>", 0)
    return (e.value.get_error_code(), str(e.value), side.dom.jobStats()["type"],
            [c.getName() for c in side.dom.listAllCheckpoints()])


def test_a_port_in_use_fails_the_backup_as_the_reference(reference: Side, twin: Side) -> None:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        s.listen()
        busy = s.getsockname()[1]
        real = bind_failure(reference, busy)
        assert real[0] == libvirt.VIR_ERR_INTERNAL_ERROR
        assert bind_failure(twin, busy) == real


def destroyed_during_a_pull(side: Side) -> dict[str, Any]:
    ensure_event_loop()  # before the connection: it then delivers events
    conn = libvirt.open(side.dom.connect().getURI())
    dom = conn.lookupByName(side.dom.name())
    seen: list[Any] = []
    conn.domainEventRegisterAny(dom, libvirt.VIR_DOMAIN_EVENT_ID_JOB_COMPLETED,
                                lambda c, d, params, o: seen.append(("job", sorted(params.items()))), None)
    conn.domainEventRegisterAny(dom, libvirt.VIR_DOMAIN_EVENT_ID_BLOCK_JOB_2,
                                lambda c, d, dst, t, s, o: seen.append(("block job", dst, s)), None)
    conn.domainEventRegisterAny(dom, libvirt.VIR_DOMAIN_EVENT_ID_LIFECYCLE,
                                lambda c, d, e, det, o: seen.append(("stopped", det))
                                if e == libvirt.VIR_DOMAIN_EVENT_STOPPED else None, None)
    dom.backupBegin(f"<domainbackup mode='pull'><server transport='tcp' name='127.0.0.1' port='{free_port()}'/>"
                    "</domainbackup>", None, 0)
    dom.destroy()
    wait_for(lambda: len(seen) >= 2, timeout=10)
    done = dom.jobStats(libvirt.VIR_DOMAIN_JOB_STATS_COMPLETED)
    conn.close()
    for events in (seen, [("completed", sorted(done.items()))]):
        for i, ev in enumerate(events):  # the elapsed time differs
            events[i] = (ev[0], [(k, v) for k, v in ev[1] if k != "time_elapsed"]) if ev[0] in ("job", "completed") else ev
    return {"events": seen, "completed": done["type"], "stats": [(k, v) for k, v in sorted(done.items())
                                                                 if k != "time_elapsed"]}


def test_a_domain_destroyed_during_its_backup_as_the_reference(reference: Side, twin: Side) -> None:
    real = destroyed_during_a_pull(reference)
    assert real["completed"] == libvirt.VIR_DOMAIN_JOB_CANCELLED
    assert destroyed_during_a_pull(twin) == real
