"""The domain the stats tests use on fakevirt (and on the reference): a qcow2 disk on a backing file, a
tap NIC and a user-mode NIC, a virtio balloon, on a fakevirt whose clock the test moves."""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
from collections.abc import Iterator

import libvirt
import pytest

from fakevirt.model.clock import ManualClock
from fakevirt.model.domain import Domain
from fakevirt.model.hypervisor import Hypervisor
from fakevirt.testing import ThreadedServer

IMAGES = "/var/lib/libvirt/images/fvstats"
NAME = "stats1"


def domain_xml(name: str, images: str, extra: str = "") -> str:
    return f"""<domain type='qemu'>
  <name>{name}</name>
  <memory unit='MiB'>64</memory>
  <vcpu>2</vcpu>{extra}
  <os><type arch='x86_64' machine='pc'>hvm</type></os>
  <devices>
    <emulator>/usr/bin/qemu-system-x86_64</emulator>
    <disk type='file' device='disk'>
      <driver name='qemu' type='qcow2'/>
      <source file='{images}/vm.qcow2'/>
      <target dev='vda' bus='virtio'/>
    </disk>
    <interface type='ethernet'>
      <mac address='52:54:00:5a:00:01'/>
      <model type='virtio'/>
    </interface>
    <interface type='user'>
      <mac address='52:54:00:5a:00:02'/>
      <model type='virtio'/>
    </interface>
    <memballoon model='virtio'/>
  </devices>
</domain>
"""


class StatsServer:
    """A fakevirt with a ManualClock and the stats domain defined (not started)."""

    def __init__(self, server: ThreadedServer, clock: ManualClock) -> None:
        self.server, self.clock = server, clock
        self.hv = server.hypervisor

    def uri(self) -> str:
        return self.server.uri()

    def dom(self, name: str = NAME) -> Domain:
        return self.server.call(lambda: self.hv.system.domains.by_name(name))

    def advance(self, seconds: float) -> None:
        self.server.call(lambda: self.clock.advance(seconds))

    def net_traffic(self, dev: str, rx: int, tx: int, name: str = NAME) -> None:
        dom = self.dom(name)
        self.server.call(lambda: self.hv.system.stats.net_traffic(dom, dev, rx, tx))

    def guest_io(self, target: str, write: bytes, read: int, name: str = NAME) -> None:
        domains = self.hv.system.domains
        dom = self.dom(name)
        self.server.call(lambda: domains.guest_write(dom, target, 0, write))
        self.server.call(lambda: domains.guest_read(dom, target, 0, read))


@pytest.fixture
def stats_server() -> Iterator[StatsServer]:
    clock = ManualClock()
    with ThreadedServer(Hypervisor(clock=clock)) as server:
        store = server.hypervisor.images
        server.call(lambda: store.create(f"{IMAGES}/base.qcow2", "qcow2", 64 << 20))
        server.call(lambda: store.create(f"{IMAGES}/vm.qcow2", "qcow2", 64 << 20,
                                         backing=f"{IMAGES}/base.qcow2", backing_fmt="qcow2"))
        conn = libvirt.open(server.uri())
        conn.defineXML(domain_xml(NAME, IMAGES))
        conn.close()
        yield StatsServer(server, clock)


REF_NAME = f"fvref-stats-{os.getpid()}"


@pytest.fixture
def reference_dom(reference_uri: str) -> Iterator[libvirt.virDomain]:
    if shutil.which("qemu-img") is None:
        pytest.skip("qemu-img is not installed")
    images = tempfile.mkdtemp(prefix="fvref-stats-", dir="/var/lib/libvirt/images")
    os.chmod(images, 0o755)
    subprocess.run(["qemu-img", "create", "-q", "-f", "qcow2", f"{images}/base.qcow2", str(64 << 20)], check=True)
    subprocess.run(["qemu-img", "create", "-q", "-f", "qcow2", "-b", f"{images}/base.qcow2", "-F", "qcow2",
                    f"{images}/vm.qcow2"], check=True)
    conn = libvirt.open(reference_uri)
    xml = domain_xml(REF_NAME, images).replace("52:54:00:5a:00:0", "52:54:00:5b:00:0")
    dom = conn.defineXML(xml)
    try:
        dom.create()
        yield dom
    finally:
        if dom.isActive():
            dom.destroy()
        dom.undefine()
        conn.close()
        shutil.rmtree(images, ignore_errors=True)
