"""The control operations ``guest`` and ``job`` seen through libvirt-python (events, agent data, disks)."""

from __future__ import annotations

import base64
import threading
from collections.abc import Iterator
from typing import Any

import libvirt
import pytest

from fakevirt.control import load_operations
from fakevirt.control.registry import OPERATIONS, ControlError
from fakevirt.errors import VirtError
from fakevirt.testing import ThreadedServer
from fakevirt.testing.libvirt_events import ensure_event_loop
from tests.integration.test_agent_python import agent_xml, start_guest

load_operations()


def op(server: ThreadedServer, name: str, **body: Any) -> Any:
    return server.call(OPERATIONS[name].fn, server.hypervisor, body)


@pytest.fixture
def conn(fakevirt_uri: str) -> Iterator[libvirt.virConnect]:
    c = libvirt.open(fakevirt_uri)
    yield c
    c.close()


class Events:
    """Lifecycle and block-job events of one connection, pumped by libvirt's default event loop."""

    def __init__(self, conn: libvirt.virConnect) -> None:
        self.seen: list[tuple[Any, ...]] = []
        self.cond = threading.Condition()
        conn.domainEventRegisterAny(None, libvirt.VIR_DOMAIN_EVENT_ID_LIFECYCLE,
                                    lambda c, d, ev, det, o: self._add("lifecycle", ev, det), None)
        conn.domainEventRegisterAny(None, libvirt.VIR_DOMAIN_EVENT_ID_BLOCK_JOB_2,
                                    lambda c, d, disk, t, status, o: self._add("blockjob", disk, status), None)

    def _add(self, *what: Any) -> None:
        with self.cond:
            self.seen.append(what)
            self.cond.notify_all()

    def wait(self, n: int) -> list[tuple[Any, ...]]:
        with self.cond:
            assert self.cond.wait_for(lambda: len(self.seen) >= n, timeout=10), self.seen
            out, self.seen = self.seen[:n], self.seen[n:]
            return out


@pytest.fixture(scope="module", autouse=True)
def _event_loop() -> None:
    ensure_event_loop()  # before the module's connections open: they get events only then


def test_agent_down_up_and_set_ip(fakevirt: ThreadedServer, conn: libvirt.virConnect) -> None:
    xml = agent_xml("ipvm").replace("</devices>", "<interface type='user'><mac address='52:54:00:aa:bb:cc'/>"
                                                  "<model type='virtio'/></interface></devices>")
    dom = conn.defineXML(xml)
    dom.create()
    op(fakevirt, "guest", domain="ipvm", action="agent up")
    agent = libvirt.VIR_DOMAIN_INTERFACE_ADDRESSES_SRC_AGENT
    op(fakevirt, "guest", domain="ipvm", action="set-ip", args=["eth0", "192.168.7.9/24", "fd00::9"])
    eth0 = dom.interfaceAddresses(agent)["eth0"]
    assert eth0["addrs"] == [{"type": libvirt.VIR_IP_ADDR_TYPE_IPV4, "addr": "192.168.7.9", "prefix": 24},
                             {"type": libvirt.VIR_IP_ADDR_TYPE_IPV6, "addr": "fd00::9", "prefix": 64}]
    op(fakevirt, "guest", domain="ipvm", action="agent", args=["down"])
    with pytest.raises(libvirt.libvirtError) as e:
        dom.interfaceAddresses(agent)
    assert (e.value.get_error_code(), e.value.get_error_message()) == (
        libvirt.VIR_ERR_AGENT_UNRESPONSIVE, "Guest agent is not responding: QEMU guest agent is not connected")
    op(fakevirt, "guest", domain="ipvm", action="agent up")
    assert dom.interfaceAddresses(agent)["eth0"]["addrs"][0]["addr"] == "192.168.7.9"
    op(fakevirt, "guest", domain="ipvm", action="set-ip", args=["52:54:00:aa:bb:cc"])  # by MAC: no address
    assert dom.interfaceAddresses(agent)["eth0"]["addrs"] is None  # libvirt-python: no address
    with pytest.raises(VirtError, match="domain has no interface 'eth7'"):
        op(fakevirt, "guest", domain="ipvm", action="set-ip", args=["eth7", "10.0.0.1"])
    with pytest.raises(ControlError, match="not an IP address: 'banana'"):
        op(fakevirt, "guest", domain="ipvm", action="set-ip", args=["eth0", "banana"])


def test_write_then_read_through_the_guest(fakevirt: ThreadedServer, conn: libvirt.virConnect) -> None:
    dom = start_guest(fakevirt, conn, "diskvm", up=False)
    data = b"written by the guest" * 10
    assert op(fakevirt, "guest", domain="diskvm", action="write",
              args=["vda", "4096", base64.b64encode(data).decode()])["written"] == len(data)
    image = "/var/lib/libvirt/images/diskvm.qcow2"  # the qcow2 image the guest's vda is
    assert fakevirt.call(fakevirt.hypervisor.images.read, image, 4096, len(data)) == data
    got = op(fakevirt, "guest", domain=dom.UUIDString(), action="read", args=["vda", "4096", str(len(data))])
    assert base64.b64decode(got["data"]) == data
    with pytest.raises(ControlError, match="LENGTH is limited"):
        op(fakevirt, "guest", domain="diskvm", action="read", args=["vda", "0", str(1 << 40)])


def test_shutdown_per_on_poweroff_and_reboot_per_on_reboot(fakevirt: ThreadedServer,
                                                          conn: libvirt.virConnect) -> None:
    events = Events(conn)
    xml = ("<domain type='kvm'><name>{}</name><memory unit='MiB'>64</memory><os><type>hvm</type></os>"
           "<on_poweroff>{}</on_poweroff><on_reboot>{}</on_reboot></domain>")
    dom = conn.defineXML(xml.format("life", "restart", "destroy"))
    events.wait(1)  # defined
    dom.create()
    events.wait(2)  # resumed, started
    E = libvirt
    op(fakevirt, "guest", domain="life", action="shutdown")  # on_poweroff restart: a fake reboot
    assert events.wait(2) == [("lifecycle", E.VIR_DOMAIN_EVENT_SHUTDOWN, E.VIR_DOMAIN_EVENT_SHUTDOWN_GUEST),
                              ("lifecycle", E.VIR_DOMAIN_EVENT_RESUMED, E.VIR_DOMAIN_EVENT_RESUMED_UNPAUSED)]
    assert dom.state() == [E.VIR_DOMAIN_RUNNING, E.VIR_DOMAIN_RUNNING_BOOTED]
    op(fakevirt, "guest", domain="life", action="reboot")  # on_reboot destroy: QEMU's -no-reboot
    assert events.wait(2) == [("lifecycle", E.VIR_DOMAIN_EVENT_SHUTDOWN, E.VIR_DOMAIN_EVENT_SHUTDOWN_GUEST),
                              ("lifecycle", E.VIR_DOMAIN_EVENT_STOPPED, E.VIR_DOMAIN_EVENT_STOPPED_SHUTDOWN)]
    dom.create()
    events.wait(2)
    op(fakevirt, "guest", domain="life", action="poweroff")  # QEMU goes away without a shutdown
    assert events.wait(1) == [("lifecycle", E.VIR_DOMAIN_EVENT_STOPPED, E.VIR_DOMAIN_EVENT_STOPPED_FAILED)]
    assert dom.state() == [E.VIR_DOMAIN_SHUTOFF, E.VIR_DOMAIN_SHUTOFF_CRASHED]


def test_job_hold_step_and_fail(fakevirt: ThreadedServer, conn: libvirt.virConnect) -> None:
    events = Events(conn)
    def chain() -> None:  # base (8 MiB of data) <- top, the disk: a pull has 8 MiB to copy
        images, base = fakevirt.hypervisor.images, "/var/lib/libvirt/images/base.qcow2"
        images.create(base, "qcow2", 64 << 20)
        images.write(base, 0, b"\x11" * (8 << 20))
        images.create("/var/lib/libvirt/images/top.qcow2", "qcow2", None, base, "qcow2")

    fakevirt.call(chain)
    dom = conn.defineXML(agent_xml("jobvm", image="/var/lib/libvirt/images/top.qcow2"))
    dom.create()
    events.wait(3)
    dom.blockPull("vda", 1, 0)  # 1 MiB/s: it would take minutes
    held = op(fakevirt, "job", domain="jobvm", disk="vda", action="hold", fraction=0.5)
    assert held["cur"] == held["end"] // 2 and held["phase"] == "running"
    info = dom.blockJobInfo("vda", 0)
    assert (info["cur"], info["end"]) == (held["cur"], held["end"])
    stepped = op(fakevirt, "job", domain="jobvm", disk="vda", action="step", fraction=0.25)
    assert stepped["cur"] == held["cur"] + held["end"] // 4
    op(fakevirt, "job", domain="jobvm", disk="vda", action="fail")
    assert events.wait(1) == [("blockjob", "vda", libvirt.VIR_DOMAIN_BLOCK_JOB_FAILED)]
    assert dom.blockJobInfo("vda", 0) == {}
    with pytest.raises(VirtError, match="disk vda does not have an active block job"):
        op(fakevirt, "job", domain="jobvm", disk="vda", action="finish")
    with pytest.raises(ControlError, match="domain jobvm has no held job"):
        op(fakevirt, "job", domain="jobvm", action="finish")
